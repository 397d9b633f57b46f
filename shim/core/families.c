/* The families table; see families.def. */
#include "families.h"

#include <string.h>

const struct nd_family_info nd_families[ND_FAM_COUNT] = {
#define ND_FAMILY(name, audit, kind, listed, log_passed) { #name, ND_AUDIT_##audit, kind, listed, log_passed },
#include "families.def"
#undef ND_FAMILY
};

enum nd_family nd_family_named(const char *name)
{
	for (int f = 0; f < ND_FAM_COUNT; f++)
		if (!strcmp(nd_families[f].name, name))
			return (enum nd_family)f;
	return ND_FAM_COUNT;
}
