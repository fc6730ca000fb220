/* optsched — entry point: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"eval", cmd_eval, "exact expected loss and Monte Carlo statistics of one schedule"},
    {"tune", cmd_tune, "tune one schedule family for a setting (grid + local refinement)"},
    {"compare", cmd_compare, "tune every baseline family and compare them on common random numbers"},
    {"scaling", cmd_scaling, "hyperparameter scaling laws from LMO convergence bounds"},
    {"solve", cmd_solve, "optimal schedules: open-loop optimum (adjoint gradients; --method openloop)"},
    {"hjb", cmd_hjb, "closed-loop value function by the Deep Galerkin Method: train, diagnose, eval"},
    {"hjb-grid", cmd_hjb_grid, "closed-loop value function and policy on a grid (K = 1 or 2 modes)"},
    {"paper", cmd_paper, "seed 000's tables recomputed (table1, table2, table7, horizon)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: optsched COMMAND [options]   (optsched COMMAND --help for details)\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "optsched: unknown command '%s' (expected one of:", argv[1]);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
