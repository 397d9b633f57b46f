/* knobs: the frameworks' determinism switches (process/knobs.c). */
#ifndef ND_KNOBS_H
#define ND_KNOBS_H

/* Where the Python hook reports what it turned: a stat of
 * ND_KNOB_PATH "NAME=VALUE" (no such file exists). */
#define ND_KNOB_PATH "/.nodice-knob/"

/* The constructor of the run's root: the environment knobs and the Python
 * hook, each logged with who chose its value. */
void nd_knobs_export(void);
/* 1 when path is a report of the hook (logged here; the caller fails the
 * call with ENOENT as the kernel would), else 0. */
int nd_knobs_reported(const char *path);

#endif
