/* Command-line flag parsing shared by every subcommand.
 *
 * A subcommand declares a table of cli_arg; cli_args_parse fills the destinations,
 * checks numeric ranges and reports the first problem as one line naming the flag
 * and the accepted range (status OPTSCHED_EINVAL, which the CLI maps to exit 2).
 * Flags are written "--name value" or "--name=value". Numbers accept "inf".
 */
#ifndef OPTSCHED_CLI_ARGS_H
#define OPTSCHED_CLI_ARGS_H

#include <stdio.h>

#include "optsched/error.h"

typedef enum { CLI_DOUBLE, CLI_INT, CLI_STRING, CLI_FLAG } cli_arg_type;

typedef struct {
    const char *name;  /* "--alpha" */
    cli_arg_type type;
    void *dest;        /* double*, int*, const char**, int* (flag set to 1) */
    const char *range; /* numbers: "(0,8]", "[1,4096]", "(0,inf]" (inf accepted), NULL = any finite */
    const char *help;  /* one line */
    int seen;          /* set by the parser */
} cli_arg;

/* Parses argv[1..argc-1] (argv[0] is the subcommand name). Positional arguments
 * are not accepted unless npos/pos are given: then up to npos positionals are
 * stored in pos[]. Returns OPTSCHED_OK, or OPTSCHED_EINVAL with err set. If
 * "--help" is present, *help is set to 1 and parsing stops. */
int cli_args_parse(int argc, char **argv, cli_arg *table, int n, const char **pos, int npos,
                   int *npos_seen, int *help, optsched_error *err);

/* Prints "usage" then one line per flag. */
void cli_args_print_help(FILE *f, const char *usage, const cli_arg *table, int n);

/* Parses a finite double (or +-inf if allow_inf) from the whole string s. */
int cli_parse_double(const char *s, double *out, int allow_inf);

/* Checks x against a range string as above; returns 1 if inside. */
int cli_range_contains(const char *range, double x);

#endif
