/* optsched hjb train | diagnose | eval: the closed-loop value function of the
 * schedule problem by the Deep Galerkin Method with policy iteration.
 *
 * A trained network lives in two files: WEIGHTS (the solver's checkpoint:
 * weights, Adam moments, counters; docs/DGM.md) and WEIGHTS.json (the model
 * and training options it was trained for), so that diagnose and eval need
 * only --weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/hjb_common.h"
#include "cli/hjb_members.h"

static const char *usage =
    "usage: optsched hjb train    --weights FILE [model flags] [training flags] [--resume]\n"
    "       optsched hjb train    --weights NAME --members M [--jobs J] [model and training flags]\n"
    "       optsched hjb diagnose --weights FILE [--points N] [--paths N] [--steps N] [--json]\n"
    "       optsched hjb eval     --weights FILE --state a1/../aK/r/t [--paths N --seed S --steps N] [--json]\n\n"
    "train:    policy iteration on the schedule HJB (seed 000 Eq. 3); checkpoints to FILE\n"
    "          every --checkpoint-every iterations (atomically), --resume continues from it.\n"
    "          --preset fast (default, documented in docs/HJB.md) or paper (the seed's settings).\n"
    "diagnose: HJB residual, convexity, monotonicity, boundary errors on held-out points, and\n"
    "          the DP gap against the Monte Carlo loss of the extracted policy.\n"
    "eval:     V and its derivatives (model coordinates) and the optimal controls at a state;\n"
    "          with --paths, the Monte Carlo loss of the network's policy started there.\n"
    "Both take --weights W1,W2,... for an ensemble of networks trained for the same model:\n"
    "          V is the mean of theirs, the policy the greedy policy of that mean.\n"
    "--members M trains such an ensemble in one command: networks NAME.m0 .. NAME.m<M-1> with\n"
    "          seeds S .. S+M-1 (S: --seed), --jobs J of them at once in separate processes, and\n"
    "          NAME.json describing them, so that --weights NAME loads the ensemble; --resume\n"
    "          continues it, --member I trains only member I (e.g. on another machine).";

/* What --members, --member and --resume ask for: an ensemble's M (0: one network). */
static int ensemble_size(const hjb_cli *c, int members, int member, int jobs, int resume, int *m,
                         optsched_error *err)
{
    *m = 0;
    if (member >= 0 && members > 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--member: trains one member of the ensemble NAME.json describes; not with --members");
    if (member >= 0) return OPTSCHED_OK;
    if (!resume) {
        *m = members;
        return jobs > 1 && !members ? optsched_error_set(err, OPTSCHED_EINVAL,
                                                         "--jobs: trains the members of an ensemble, needs --members")
                                    : OPTSCHED_OK;
    }
    int st = hjb_ensemble_members(c->weights, m, err);
    if (!st && jobs > 1 && *m == 0)
        st = optsched_error_set(err, OPTSCHED_EINVAL,
                                "--jobs: trains the members of an ensemble; '%s' is one network's run", c->weights);
    if (!st && members > 0 && *m != members)
        st = *m ? optsched_error_set(err, OPTSCHED_EINVAL,
                                     "--members: the run in '%s' has %d members, got %d", c->weights, *m, members)
                : optsched_error_set(err, OPTSCHED_EINVAL,
                                     "--members: '%s' is one network's run (resume it without --members)",
                                     c->weights);
    return st;
}

static int train(int argc, char **argv)
{
    hjb_cli c;
    cli_arg table[CLI_COMMON_FLAGS + HJB_TRAIN_FLAGS + 5];
    int resume = 0, every = 0, members = 0, jobs = 1, member = -1;
    int n = hjb_cli_flags(&c, table);
    table[n++] = (cli_arg){"--resume", CLI_FLAG, &resume, NULL, "continue from --weights", 0};
    table[n++] = (cli_arg){"--checkpoint-every",
                           CLI_INT,
                           &every,
                           "[0,1000000000]",
                           "checkpoint interval in iterations (default: 10% of a round)",
                           0};
    table[n++] = (cli_arg){"--members", CLI_INT, &members, "[1,64]",
                           "train an ensemble of this many networks, seeds --seed + 0, 1, ...", 0};
    table[n++] = (cli_arg){"--jobs", CLI_INT, &jobs, "[1,64]",
                           "members trained at once, in separate processes (1)", 0};
    table[n++] = (cli_arg){"--member", CLI_INT, &member, "[0,63]",
                           "train only this member of the ensemble --weights NAME describes", 0};
    int rc = cli_parse_or_exit("hjb train", usage, argc, argv, table, n);
    if (rc >= 0) return rc;
    optsched_error err = {0};
    hjb_session h = {0};
    const int progress = isatty(2);
    int st = c.weights
                 ? OPTSCHED_OK
                 : optsched_error_set(&err, OPTSCHED_EINVAL, "--weights: required (a file path)");
    if (!st && strchr(c.weights, ','))
        st = optsched_error_set(&err, OPTSCHED_EINVAL,
                                "--weights: one file to train, got '%s' (an ensemble W1,W2,... is for eval and diagnose)",
                                c.weights);
    int m = 0;
    if (!st) st = ensemble_size(&c, members, member, jobs, resume, &m, &err);
    if (!st && member >= 0) { /* one member; the others train elsewhere */
        st = hjb_member_train(&h, c.weights, member, resume, every, progress && jobs == 1, &err);
    } else if (!st && m > 0) {
        if (!resume) { /* the flags checked and described once, for every member */
            st = hjb_session_new(&h, &c, table, n, &err);
            if (!st) st = hjb_ensemble_describe(&h, c.weights, m, &err);
            hjb_session_free(&h);
        }
        hjb_members_opts mo = {c.weights, m, jobs, resume, every, progress};
        if (!st) st = hjb_members_train(&mo, &err);
        if (!st) st = hjb_session_load(&h, c.weights, &err);
    } else if (!st) {
        st = resume ? hjb_session_load(&h, c.weights, &err) : hjb_session_new(&h, &c, table, n, &err);
        if (!st) st = hjb_session_train(&h, every, progress, &err);
    }
    if (!st) {
        cJSON *doc = hjb_session_json(&h);
        if (c.common.json)
            cli_json_print(doc);
        else
            hjb_session_print(&h, stdout);
        cJSON_Delete(doc);
    }
    hjb_session_free(&h);
    return st ? cli_fail("hjb train", &err) : 0;
}

static int diagnose(int argc, char **argv)
{
    const char *weights = NULL;
    int points = 5000, paths = 2000, json = 0, steps = 0;
    double seed = 42;
    cli_arg table[] = {
        {"--weights", CLI_STRING, &weights, NULL, "trained network (from hjb train); W1,W2,...: an ensemble, the mean of their values", 0},
        {"--points", CLI_INT, &points, "[1,10000000]", "held-out points (5000)", 0},
        {"--paths", CLI_INT, &paths, "[1,100000000]", "Monte Carlo paths for the DP gap (2000)", 0},
        {"--seed", CLI_DOUBLE, &seed, "[0,9007199254740992]", "Monte Carlo seed (42)", 0},
        {"--steps", CLI_INT, &steps, "[1,100000000]",
         "Euler-Maruyama steps over [0, T] (the training's; the policy decides once a step)", 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON", 0},
    };
    int n = (int)(sizeof table / sizeof table[0]);
    int rc = cli_parse_or_exit("hjb diagnose", usage, argc, argv, table, n);
    if (rc >= 0) return rc;
    optsched_error err = {0};
    hjb_session h = {0};
    int st = weights
                 ? hjb_session_load(&h, weights, &err)
                 : optsched_error_set(&err, OPTSCHED_EINVAL, "--weights: required (a file path)");
    hjb_report rep;
    if (!st) st = hjb_session_report(&h, points, paths, (uint64_t)seed, steps, &rep, &err);
    if (!st) {
        cJSON *doc = hjb_report_json(&h, &rep, 0);
        if (json)
            cli_json_print(doc);
        else
            hjb_report_print(&h, &rep, stdout);
        cJSON_Delete(doc);
        hjb_report_free(&rep);
    }
    hjb_session_free(&h);
    return st ? cli_fail("hjb diagnose", &err) : 0;
}

static int eval(int argc, char **argv)
{
    const char *weights = NULL, *state = NULL;
    int json = 0, paths = 0, steps = 0;
    double seed = 42;
    cli_arg table[] = {
        {"--weights", CLI_STRING, &weights, NULL, "trained network (from hjb train); W1,W2,...: an ensemble, the mean of their values", 0},
        {"--state", CLI_STRING, &state, NULL, "a_1/.../a_K/r/t", 0},
        {"--paths", CLI_INT, &paths, "[0,100000000]",
         "Monte Carlo paths of the policy from the state (0: none)", 0},
        {"--seed", CLI_DOUBLE, &seed, "[0,9007199254740992]", "Monte Carlo seed (42)", 0},
        {"--steps", CLI_INT, &steps, "[1,100000000]",
         "Euler-Maruyama steps over [0, T] (the training's; the policy decides once a step)", 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON", 0},
    };
    int n = (int)(sizeof table / sizeof table[0]);
    int rc = cli_parse_or_exit("hjb eval", usage, argc, argv, table, n);
    if (rc >= 0) return rc;
    optsched_error err = {0};
    hjb_session h = {0};
    int st = weights
                 ? OPTSCHED_OK
                 : optsched_error_set(&err, OPTSCHED_EINVAL, "--weights: required (a file path)");
    if (!st && !state)
        st = optsched_error_set(&err, OPTSCHED_EINVAL, "--state: required (a_1/.../a_K/r/t)");
    if (!st) st = hjb_session_load(&h, weights, &err);
    if (!st && steps > 0) h.mc.steps = steps;
    if (!st) st = hjb_eval_state(&h, state, paths, (uint64_t)seed, json, &err);
    hjb_session_free(&h);
    return st ? cli_fail("hjb eval", &err) : 0;
}

int cmd_hjb(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("%s\n", usage);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "train")) return train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "diagnose")) return diagnose(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return eval(argc - 1, argv + 1);
    fprintf(stderr, "optsched hjb: unknown subcommand '%s' (expected train, diagnose or eval)\n",
            argv[1]);
    return 2;
}
