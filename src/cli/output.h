/* Result files for --out DIR, written all-or-nothing: each file goes to a
 * hidden temporary name in DIR; out_commit renames them all into place, and
 * out_abort removes them (and DIR itself if this run created it). */
#ifndef OPTSCHED_CLI_OUTPUT_H
#define OPTSCHED_CLI_OUTPUT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "optsched/error.h"

#define OUT_MAX_FILES 64

typedef struct {
    char dir[1024];
    int created;
    int n;
    char tmp[OUT_MAX_FILES][1100];
    char final[OUT_MAX_FILES][1100];
} out_dir;

/* Prepares DIR (creating it if missing). */
int out_begin(out_dir *o, const char *dir, optsched_error *err);

/* Opens DIR/.name.tmp for writing; the file becomes DIR/name at commit. */
FILE *out_open(out_dir *o, const char *name, optsched_error *err);

/* The temporary path that will become DIR/name (for programs such as gnuplot
 * that write the file themselves); registered like out_open. */
const char *out_reserve(out_dir *o, const char *name, optsched_error *err);

/* Writes a JSON document to DIR/name. */
int out_json(out_dir *o, const char *name, const cJSON *doc, optsched_error *err);

/* Runs gnuplot on script (which must write to the path from out_reserve). */
int out_gnuplot(const char *script, optsched_error *err);

int out_commit(out_dir *o, optsched_error *err);
void out_abort(out_dir *o);

#endif
