/* Subcommands of the optsched executable. Each takes (argc, argv) with argv[0]
 * the subcommand name and returns a process exit status (0, 1, or 2 for bad input). */
#ifndef OPTSCHED_CLI_COMMANDS_H
#define OPTSCHED_CLI_COMMANDS_H

int cmd_eval(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_hjb(int argc, char **argv);
int cmd_scaling(int argc, char **argv);
int cmd_solve(int argc, char **argv);
int cmd_hjb_grid(int argc, char **argv);
int cmd_paper(int argc, char **argv);

#endif
