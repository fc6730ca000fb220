/* What the subcommands share: the model and Monte Carlo flags, building the
 * model, JSON fragments for reports, error printing, and schedule plots. */
#ifndef OPTSCHED_CLI_COMMON_H
#define OPTSCHED_CLI_COMMON_H

#include <cjson/cJSON.h>

#include "cli/args.h"
#include "cli/output.h"
#include "optsched/mc.h"
#include "optsched/model.h"
#include "optsched/schedule.h"
#include "optsched/tune.h"

typedef struct {
    optsched_model_params p;
    double seed; /* an integer, parsed as a number to report ranges uniformly */
    int paths, steps;
    int json;
    const char *out;
} cli_common;

#define CLI_COMMON_FLAGS 17

/* Sets the defaults and appends the model, Monte Carlo and output flags to
 * table (room for CLI_COMMON_FLAGS entries); returns how many were added. */
int cli_common_flags(cli_common *c, cli_arg *table);

/* Validates and builds the model; fills the Monte Carlo options. */
int cli_common_model(const cli_common *c, optsched_model **m, optsched_mc_options *mc,
                     optsched_error *err);

/* Prints "optsched CMD: message" and returns the exit status for err. */
int cli_fail(const char *cmd, const optsched_error *err);

/* Parses the flags of a subcommand; prints help or the error. Returns -1 to go
 * on, or the exit status to return. */
int cli_parse_or_exit(const char *cmd, const char *usage, int argc, char **argv, cli_arg *table,
                      int n);

cJSON *cli_json_model(const optsched_model *m);
cJSON *cli_json_params(const optsched_schedule *s);
cJSON *cli_json_mc(const optsched_mc_result *r, const optsched_mc_options *o);
/* The grid a tuning used, with its size and best grid loss. */
cJSON *cli_json_grid(const optsched_tune_result *r);
/* Prints doc to stdout (pretty) and frees nothing. */
void cli_json_print(const cJSON *doc);

/* PNG of η(t) and B(t) (two panels) for n schedules, into DIR/name. */
int cli_plot_schedules(out_dir *o, const char *name, const char *title, int n,
                       const char *const *labels, const optsched_schedule *s,
                       const optsched_model *m, optsched_error *err);

/* PNG of the exact expected loss against compute used along each run. */
int cli_plot_loss_compute(out_dir *o, const char *name, const char *title, int n,
                          const char *const *labels, const optsched_schedule *s,
                          const optsched_model *m, optsched_error *err);

/* CSV "t,eta,B,u,compute,expected_loss" along the run (n rows). */
int cli_write_schedule_csv(out_dir *o, const char *name, const optsched_schedule *s,
                           const optsched_model *m, int rows, optsched_error *err);

#endif
