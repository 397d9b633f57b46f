/*
 * Before a program is executed: will the shim load into it? A statically
 * linked, 32-bit or set-user/group-ID executable never loads a preload
 * library, so whatever it does is uncontrolled; with the log on that is
 * recorded as an event naming the file. A `#!` script is judged by its
 * interpreter. For a 32-bit program the caller leaves the shim out of
 * LD_PRELOAD: the loader would otherwise print "wrong ELF class" on the
 * program's stderr.
 * Raw system calls and stack buffers only: this runs inside exec, which must
 * stay async-signal-safe.
 */
#include "nodice.h"
#include "target.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int read_head(const char *path, unsigned char *buf, size_t size, struct stat *st)
{
	int fd = (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -1;
	long n = nd_sys(SYS_read, fd, (long)buf, (long)size, 0, 0, 0);
	long s = nd_sys(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return n < 0 || s < 0 ? -1 : (int)n;
}

/* What the program at path is (target.h), after logging what cannot be
 * controlled. */
static int judge(const char *path, int depth)
{
	unsigned char buf[4096];
	struct stat st;
	int n = read_head(path, buf, sizeof(buf), &st);
	if (n < 4)
		return 0;
	if (buf[0] == '#' && buf[1] == '!' && depth == 0) {
		char interp[256];
		int i = 2, k = 0;
		while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		while (i < n && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && k < 255)
			interp[k++] = (char)buf[i++];
		interp[k] = 0;
		return k ? judge(interp, 1) : 0;
	}
	if (memcmp(buf, ELFMAG, SELFMAG) != 0)
		return 0;
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		if (nd_sites_on)
			nd_log_uncontrolled("setuid-child", path);
		return ND_TARGET_NO_SHIM;
	}
	if (buf[EI_CLASS] != ELFCLASS64) {
		if (nd_sites_on)
			nd_log_uncontrolled("32bit-child", path);
		return ND_TARGET_32BIT;
	}
	const Elf64_Ehdr *eh = (const void *)buf;
	if ((size_t)n < sizeof(*eh) || eh->e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		uint64_t off = eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
		if (off + sizeof(Elf64_Phdr) > (uint64_t)n)
			return 0; /* headers beyond what was read: no verdict */
		const Elf64_Phdr *ph = (const void *)(buf + off);
		if (ph->p_type == PT_INTERP)
			return 0;
	}
	if (nd_sites_on)
		nd_log_uncontrolled("static-child", path);
	return ND_TARGET_NO_SHIM;
}

int nd_target_check(const char *file, int search, char *const envp[])
{
	if (!file)
		return 0;
	if (!search || strchr(file, '/'))
		return judge(file, 0);
	const char *path = NULL;
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		char cand[4096];
		size_t flen = strlen(file);
		if (len + 1 + flen < sizeof(cand)) {
			memcpy(cand, p, len);
			cand[len] = '/';
			memcpy(cand + len + 1, file, flen + 1);
			if (nd_sys(SYS_access, (long)cand, X_OK, 0, 0, 0, 0) == 0)
				return judge(cand, 0);
		}
		p += len + (p[len] == ':');
	}
	return 0;
}
