/* libFuzzer harness for the NODICE_* parsers: any string, every parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	uint64_t u;
	int64_t t;
	unsigned c;
	int keep;
	char log[4096];
	nd_config_parse_seed(s, &u);
	nd_config_parse_epoch(s, &t);
	nd_config_parse_tick(s, &u);
	nd_config_parse_cpus(s, &c);
	nd_config_parse_hex64(s, &u);
	nd_config_parse_aslr(s, &keep);
	nd_config_parse_rdtsc(s, &keep);
	nd_config_parse_dirs(s, &keep);
	nd_config_parse_threads(s, &keep);
	nd_config_parse_log(s, log, sizeof(log));
	free(s);
	return 0;
}
