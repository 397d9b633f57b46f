/*
 * The families of families.def as C: an enum, and one table of what each
 * means, shared by the shim and the command.
 */
#ifndef ND_FAMILIES_H
#define ND_FAMILIES_H

enum nd_family {
#define ND_FAMILY(name, audit, kind, listed, log_passed) ND_FAM_##name,
#include "families.def"
#undef ND_FAMILY
	ND_FAM_COUNT
};

enum nd_family_audit { ND_AUDIT_NONE, ND_AUDIT_SOURCE, ND_AUDIT_REPORTED };

struct nd_family_info {
	const char *name;
	enum nd_family_audit audit;
	const char *passed_kind; /* "" when none */
	int listed, log_passed;
};

extern const struct nd_family_info nd_families[ND_FAM_COUNT];

/* The family of that name, or ND_FAM_COUNT. */
enum nd_family nd_family_named(const char *name);

#endif
