/* vdso: vDSO patching. */
#ifndef ND_VDSO_H
#define ND_VDSO_H

/* vdso.c: points every vDSO entry at the shim; returns how many. */
int nd_vdso_start(void);

#endif
