/*
 * libFuzzer harness for the ELF reader and the instruction scanner: every
 * input is written to a file and audited the way `nodice audit` does it
 * (open, symbols, dynamic section, program headers, scan, describe). Any
 * crash, overread (ASan) or hang is a bug; errors are the expected outcome.
 * Build: cmake -DNODICE_FUZZ=ON -DCMAKE_C_COMPILER=clang; see docs/fuzzing.md.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "object.h"

static void on_site(const struct object_site *s, void *ctx)
{
	(void)s;
	++*(long *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/nodice-fuzz-%d", (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	struct object o;
	char why[512], buf[1024];
	if (object_open(path, &o, why, sizeof(why)) == 0) {
		long n = 0;
		struct object_refs *refs = NULL;
		object_scan(&o, on_site, &n, &refs, why, sizeof(why));
		for (size_t i = 0; i < o.nfuncs && i < 64; i++) {
			object_describe(&o, refs, o.funcs[i].start + 1, buf, sizeof(buf));
			object_vaddr_of(&o, o.funcs[i].start);
		}
		object_refs_free(refs);
	}
	object_close(&o);
	return 0;
}
