/*
 * The frameworks' determinism knobs in the inspect report (docs/gpu.md):
 * what the shim set, what the user had set otherwise, and whether the run
 * loaded a GPU runtime, whose kernels nodice does not control.
 */
#ifndef ND_KNOBS_REPORT_H
#define ND_KNOBS_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

/* A `knob` record of the log into model's "knobs" list (one entry per
 * name, value and chooser, with the number of processes that logged it). */
void knobs_add(json_object *model, json_object *rec);
/* An executable object of the run: a GPU runtime or library (CUDA driver,
 * runtime, cuBLAS, cuDNN, NCCL) becomes an uncontrolled entry "gpu". */
void knobs_note_object(json_object *model, const char *path);
/* The "Framework knobs" section of the human report. */
void knobs_print(FILE *out, json_object *model);

#endif
