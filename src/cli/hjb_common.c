#include "cli/hjb_common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "optsched/openloop.h"
#include "optsched/rng.h"

/* The presets: "paper" is seed 000 Appendix A — its network alone, no prior, box sampling,
 * no selection; "fast", the default, starts from an exact prior value ("auto": the open-loop
 * optimum's, tracked to the remaining budget, when the horizon is finite; the pace policy's
 * when it is not), trains a small correction for 4 rounds and keeps the round whose greedy
 * policy validates best on held-out paths (docs/HJB.md, "Where it stands", has what each
 * reaches); "quick" is a tiny network for smoke runs (`optsched paper --quick`); "accurate" trains
 * from the pace prior for 40 rounds × 4,000 iterations with on-policy points, box points on the
 * reachable set, the compute-clock relative residual and an exact boundary, no structural
 * penalties, and at one mode the parking face — the converging setting at K = 1 (about 10
 * minutes there on one core). */
/* what every preset shares */
#define PRESET_COMMON                                                                          \
    .precision = "f32", .init = "constant", .lambda_bc = 100,                                   \
    .lambda_data = 1, .warmup = 0.15, .terminal_power = 1, .stage2_scale = 0.01, .seed = 42, .chunk = OPTSCHED_DGM_CHUNK_DEFAULT
static const hjb_train_opts presets[] = {
    {PRESET_COMMON, .preset = "paper", .prior = "none", .lambda_struct = 50, .rounds = 5, .iters = 4000, .batch = 2048,
     .width = 128, .layers = 3, .lr = 1e-3, .lr_decay = 1},
    {PRESET_COMMON, .preset = "fast", .prior = "auto", .lambda_struct = 50, .rounds = 4, .iters = 400, .batch = 512,
     .width = 32, .layers = 2, .lr = 5e-4, .lr_decay = 0.1, .path_frac = 0.5, .select_paths = 1000},
    {PRESET_COMMON, .preset = "quick", .prior = "auto", .lambda_struct = 50, .rounds = 1, .iters = 30, .batch = 64,
     .width = 16, .layers = 1, .lr = 2e-3, .lr_decay = 1},
    {PRESET_COMMON, .preset = "accurate", .prior = "pace", .rounds = 40, .iters = 4000, .batch = 512,
     .width = 32, .layers = 2, .lr = 2e-3, .lr_decay = 0.1, .path_frac = 0.5, .select_paths = 1000,
     .onpolicy_frac = 0.5, .compute_clock = 1, .relative = 0.3, .exact_boundary = 1,
     .reachable = 1, .lambda_struct = 0, .park_face = 1 /* one mode only: preset_for */},
};
#undef PRESET_COMMON

const hjb_train_opts *hjb_preset_find(const char *name)
{
    if (!name) name = "fast";
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(presets[i].preset, name)) return &presets[i];
    return NULL;
}

const char *hjb_prior_resolve(const char *prior, double horizon)
{
    if (strcmp(prior, "auto")) return prior;
    return isfinite(horizon) ? "openloop" : "pace";
}

int hjb_cli_flags(hjb_cli *c, cli_arg *t)
{
    memset(c, 0, sizeof *c);
    int n = cli_common_flags(&c->common, t);
    c->preset = "fast";
    c->precision = "f32";
    t[n++] = (cli_arg){"--weights", CLI_STRING, &c->weights, NULL, "network file (checkpoint)", 0};
    t[n++] = (cli_arg){
        "--preset", CLI_STRING, &c->preset, NULL, "fast (default), accurate (small K, minutes), paper, or quick (smoke runs)",
        0};
    t[n++] = (cli_arg){"--rounds", CLI_INT, &c->rounds, "[1,1000]", "policy-iteration rounds", 0};
    t[n++] = (cli_arg){"--iters", CLI_INT, &c->iters, "[1,100000000]", "iterations per round", 0};
    t[n++] = (cli_arg){"--batch", CLI_INT, &c->batch, "[1,1000000]", "collocation points", 0};
    t[n++] = (cli_arg){"--width", CLI_INT, &c->width, "[1,4096]", "units per layer", 0};
    t[n++] = (cli_arg){"--layers", CLI_INT, &c->layers, "[1,16]", "gated layers", 0};
    t[n++] = (cli_arg){"--lr", CLI_DOUBLE, &c->lr, "(0,1]", "Adam learning rate", 0};
    t[n++] = (cli_arg){"--select-paths", CLI_INT, &c->select_paths, "[0,1000000]",
                       "validate each round's policy on N paths of a held-out seed; keep the best (0: off)", 0};
    t[n++] = (cli_arg){"--mc-values", CLI_FLAG, &c->mc_values, NULL,
                       "fit V also to the validation paths' final losses (needs --select-paths)", 0};
    t[n++] = (cli_arg){"--lambda-data", CLI_DOUBLE, &c->lambda_data, "[0,inf)",
                       "weight of those Monte Carlo values (1)", 0};
    t[n++] = (cli_arg){"--path-frac", CLI_DOUBLE, &c->path_frac, "[0,1]",
                       "share of collocation points near the pace policy's paths", 0};
    t[n++] = (cli_arg){"--onpolicy-frac", CLI_DOUBLE, &c->onpolicy_frac, "[0,1]",
                       "share of collocation points near the states the evaluated policy visits (needs --select-paths)", 0};
    t[n++] = (cli_arg){"--spread-starts", CLI_INT, &c->spread_starts, "[0,1000]",
                       "each validation also runs the evaluated policy from N initial states a0_k u_k, u_k log-uniform in [0.1, 1] (select-paths/N paths each); their states join the on-policy points (0: off)", 0};
    t[n++] = (cli_arg){"--park-face", CLI_FLAG, &c->park_face, NULL,
                       "one mode: a third of the boundary points on a = 0, where the optimum parks, with parking's exact value (on in the accurate preset at one mode)", 0};
    t[n++] = (cli_arg){"--fold", CLI_FLAG, &c->fold, NULL,
                       "one mode: the network sees |a| (V is even in a) and a = 0 is the parking face, so the value's kink there is the edge of the network's domain", 0};
    t[n++] = (cli_arg){"--stretch", CLI_DOUBLE, &c->stretch, "[0,10]",
                       "the network's a_k = |a0_k| psi(x_k), psi(x) = x sqrt(x^2 + X^2)/sqrt(1 + X^2): beyond X it sees x ~ sign(a) sqrt(|a|/|a0|), so the value's kink at a = 0 is X times weaker (0: off, else at least 0.001; needs --lambda-struct 0)", 0};
    t[n++] = (cli_arg){"--kink", CLI_DOUBLE, &c->kink, "[0,1]",
                       "one mode, with an exact boundary: V = V0 - V0(a=0) + V_park + S h(a) N with h(a) = a^2/(|a0| sqrt(a^2 + (X |a0|)^2)), so V is parking's value on a = 0 and its kink there is rounded only within X |a0| (0: off, else at least 0.001)", 0};
    t[n++] = (cli_arg){"--reachable", CLI_FLAG, &c->reachable, NULL,
                       "draw the box's (r, t) over the reachable set r <= C - B_min t only", 0};
    t[n++] = (cli_arg){"--exact-boundary", CLI_FLAG, &c->exact_boundary, NULL,
                       "V = prior + (r/C)(1-t/T) x network: the boundary condition holds exactly (needs a prior)", 0};
    t[n++] = (cli_arg){"--terminal-power", CLI_DOUBLE, &c->terminal_power, "[1,1000]",
                       "with --exact-boundary: the time factor 1-(t/T)^P instead of 1-t/T (1)", 0};
    c->clock = "wall";
    t[n++] = (cli_arg){"--clock", CLI_STRING, &c->clock, NULL,
                       "residual clock: wall (dt) or compute (dc = B dt; every speed bounded)", 0};
    t[n++] = (cli_arg){"--relative", CLI_DOUBLE, &c->relative, "[0,inf)",
                       "residual relative to the prior V0, floor X*V0(initial state) (0: off)", 0};
    c->relative_to = "prior";
    t[n++] = (cli_arg){"--relative-to", CLI_STRING, &c->relative_to, NULL,
                       "with --relative: prior (default) or value (the frozen policy's value at each point; the prior's floor)", 0};
    t[n++] = (cli_arg){"--relative-boundary", CLI_FLAG, &c->relative_boundary, NULL,
                       "with --relative: the boundary penalty relative to its target too (the parking face's ~0 weighed like the residual near it)", 0};
    c->keep = "best";
    t[n++] = (cli_arg){"--keep", CLI_STRING, &c->keep, NULL,
                       "the network kept at the end: best (the one whose policy validated best) or last", 0};
    t[n++] = (cli_arg){"--stage2", CLI_INT, &c->stage2, "[0,100000000]",
                       "after policy iteration, N iterations of a second network V = V1 + scale S N2 that evaluates the kept network's greedy policy (0: off)", 0};
    t[n++] = (cli_arg){"--stage2-scale", CLI_DOUBLE, &c->stage2_scale, "(0,1]",
                       "the second-stage network's output scale S x E, S the first's multiplier (0.01)", 0};
    t[n++] = (cli_arg){"--lr-decay", CLI_DOUBLE, &c->lr_decay, "(0,1]",
                       "learning-rate factor over each round (1: constant)", 0};
    t[n++] = (cli_arg){"--lambda-bc", CLI_DOUBLE, &c->lambda_bc, "[0,inf)", "boundary weight", 0};
    t[n++] = (cli_arg){"--lambda-struct",           CLI_DOUBLE, &c->lambda_struct, "[0,inf)",
                       "structural penalty weight", 0};
    t[n++] = (cli_arg){"--warmup", CLI_DOUBLE, &c->warmup, "[0,1)", "boundary-only fraction", 0};
    c->greedy = "box";
    t[n++] = (cli_arg){"--greedy", CLI_STRING, &c->greedy, NULL,
                       "greedy controls: box (exact minimiser of H), frontier (minimiser on the compute clock: eta_max or B_max) or best (train with box; every validation also tries frontier, and the better network and minimiser are kept; needs --select-paths)", 0};
    t[n++] = (cli_arg){"--fixed-point",
                       CLI_FLAG,
                       &c->fixed_point,
                       NULL,
                       "improve by the seed's 5-round fixed point (comparison only)",
                       0};
    t[n++] = (cli_arg){"--precision", CLI_STRING, &c->precision, NULL, "f32 (default) or f64", 0};
    c->init = "constant";
    t[n++] = (cli_arg){"--init",
                       CLI_STRING,
                       &c->init,
                       NULL,
                       "round-0 policy without a prior: constant (default: eta_max, B pacing the budget) or openloop (the open-loop optimum); with a prior, round 0 improves on the prior's policy",
                       0};
    c->prior = "auto";
    t[n++] = (cli_arg){"--prior",
                       CLI_STRING,
                       &c->prior,
                       NULL,
                       "V = prior + network: openloop (exact value of the open-loop optimum with its batch rescaled to the remaining budget), pace (exact value of eta_max, B = r/(T-t)), none, or auto (default: openloop if the horizon is finite, else pace)",
                       0};
    return n;
}

static const cli_arg *find(const cli_arg *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

static int seen(const cli_arg *t, int n, const char *name)
{
    const cli_arg *a = find(t, n, name);
    return a && a->seen;
}

/* The engine options of a session's solver: the first stage's, or with (1, stage2,
 * seed + 1, 0) the refinement stage's (one round, no boundary-only warm-up: the boundary
 * is the first stage's already). */
static int solver_options(optsched_dgm_solver *s, const hjb_train_opts *o, int rounds, int iters,
                          uint64_t seed, double warmup, optsched_error *err)
{
    int st;
    if ((st = optsched_dgm_solver_set(s, "precision", o->precision, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "rounds", rounds, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "iters", iters, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "batch", o->batch, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "width", o->width, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "layers", o->layers, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "chunk", o->chunk, err))) return st;
    if ((st = optsched_dgm_solver_set_int(s, "seed", (long)seed, err))) return st;
    if ((st = optsched_dgm_solver_set_double(s, "lr", o->lr, err))) return st;
    if ((st = optsched_dgm_solver_set_double(s, "lr_decay", o->lr_decay > 0 ? o->lr_decay : 1, err)))
        return st;
    if ((st = optsched_dgm_solver_set_double(s, "lambda_bc", o->lambda_bc, err))) return st;
    if ((st = optsched_dgm_solver_set_double(s, "lambda_struct", o->lambda_struct, err))) return st;
    /* recorded states are value data only with mc_values (they may be there for on-policy
     * sampling alone) */
    if ((st = optsched_dgm_solver_set_double(s, "lambda_data", o->mc_values ? o->lambda_data : 0.0,
                                             err)))
        return st;
    return optsched_dgm_solver_set_double(s, "warmup", warmup, err);
}

static int build(hjb_session *h, optsched_error *err)
{
    h->best = -1;
    h->selected_iter = -1;
    h->keep_diff = h->keep_se = NAN;
    int st = optsched_model_alloc(&h->m, &h->params, err);
    if (st) return st;
    if ((h->o.fold || h->o.park_face || h->o.kink > 0) && h->m->K != 1)
        return optsched_error_set(err, OPTSCHED_EINVAL, "%s: needs one mode (--modes 1), got %d",
                                  h->o.fold ? "--fold" : h->o.kink > 0 ? "--kink" : "--park-face", h->m->K);
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.controls = h->o.controls;
    samp.path_frac = h->o.path_frac;
    samp.onpolicy_frac = h->o.onpolicy_frac;
    samp.compute_clock = h->o.compute_clock;
    samp.relative = h->o.relative;
    samp.relative_value = h->o.relative_value;
    samp.relative_boundary = h->o.relative_boundary;
    samp.exact_boundary = h->o.exact_boundary;
    samp.terminal_power = h->o.terminal_power;
    samp.reachable = h->o.reachable;
    samp.fold = h->o.fold;
    samp.park_face = h->o.park_face;
    samp.stretch = h->o.stretch;
    samp.kink = h->o.kink;
    if (!h->o.prior[0]) snprintf(h->o.prior, sizeof h->o.prior, "none");
    const char *prior = hjb_prior_resolve(h->o.prior, h->m->T);
    if (prior != h->o.prior) /* resolved here, so that saved runs record which */
        snprintf(h->o.prior, sizeof h->o.prior, "%s", prior);
    if (!strcmp(h->o.prior, "none"))
        samp.prior = OPTSCHED_HJB_PRIOR_NONE;
    else if (!strcmp(h->o.prior, "pace"))
        samp.prior = OPTSCHED_HJB_PRIOR_PACE;
    else if (!strcmp(h->o.prior, "openloop"))
        samp.prior = OPTSCHED_HJB_PRIOR_OPENLOOP;
    else
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--prior: expected openloop, pace, none or auto, got '%s'", h->o.prior);
    if (h->o.exact_boundary && samp.prior == OPTSCHED_HJB_PRIOR_NONE)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--exact-boundary: needs a prior (--prior openloop, pace or auto), got none");
    if (h->o.relative > 0 && samp.prior == OPTSCHED_HJB_PRIOR_NONE)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--relative: needs a prior (--prior openloop, pace or auto), got none");
    if (!h->o.init[0]) snprintf(h->o.init, sizeof h->o.init, "constant");
    const int init_ol = !strcmp(h->o.init, "openloop");
    if (!init_ol && strcmp(h->o.init, "constant"))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--init: expected constant or openloop, got '%s'", h->o.init);
    if (init_ol || samp.prior == OPTSCHED_HJB_PRIOR_OPENLOOP) {
        if (samp.prior == OPTSCHED_HJB_PRIOR_OPENLOOP && !isfinite(h->m->T))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--prior openloop: needs a finite --horizon, got inf");
        /* the open-loop optimum (default solver options): the round-0 policy and/or the
         * schedule the prior tracks */
        optsched_openloop *ol = optsched_openloop_create(h->m, err);
        st = ol ? OPTSCHED_OK : OPTSCHED_ENOMEM;
        if (!st) st = optsched_openloop_solve(ol, err);
        if (!st) st = optsched_openloop_schedule(ol, &h->initial, err);
        optsched_openloop_destroy(ol);
        if (st) return st;
        if (init_ol) samp.initial = &h->initial;
        samp.prior_schedule = &h->initial;
    }
    h->hp = optsched_hjb_problem_create(h->m, &samp, &h->prob, err);
    if (!h->hp) return err ? err->code : OPTSCHED_ENOMEM;
    h->solver = optsched_dgm_solver_create(&h->prob, err);
    if (!h->solver) return err && err->code ? err->code : OPTSCHED_EFAIL;
    return solver_options(h->solver, &h->o, h->o.rounds, h->o.iters, h->o.seed, h->o.warmup, err);
}

/* A preset's options for the session's model: its parking face is a boundary of one mode
 * only (asked for by flag with more modes, it is refused in build). */
static void preset_for(hjb_session *h, const hjb_train_opts *pre)
{
    h->o = *pre;
    if (h->o.park_face && h->params.modes != 1) h->o.park_face = 0;
}

int hjb_session_new(hjb_session *h, const hjb_cli *c, const cli_arg *t, int n, optsched_error *err)
{
    memset(h, 0, sizeof *h);
    h->params = c->common.p;
    const hjb_train_opts *pre = hjb_preset_find(c->preset);
    if (!pre)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--preset: expected fast, accurate or paper (or quick, a tiny "
                                  "network for smoke runs), got '%s'",
                                  c->preset);
    preset_for(h, pre);
    if (strcmp(c->precision, "f32") && strcmp(c->precision, "f64"))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--precision: expected f32 or f64, got '%s'", c->precision);
    if (seen(t, n, "--precision"))
        snprintf(h->o.precision, sizeof h->o.precision, "%s", c->precision);
    if (seen(t, n, "--init")) snprintf(h->o.init, sizeof h->o.init, "%s", c->init);
    if (seen(t, n, "--prior")) snprintf(h->o.prior, sizeof h->o.prior, "%s", c->prior);
    if (seen(t, n, "--rounds")) h->o.rounds = c->rounds;
    if (seen(t, n, "--iters")) h->o.iters = c->iters;
    if (seen(t, n, "--batch")) h->o.batch = c->batch;
    if (seen(t, n, "--width")) h->o.width = c->width;
    if (seen(t, n, "--layers")) h->o.layers = c->layers;
    if (seen(t, n, "--lr")) h->o.lr = c->lr;
    if (seen(t, n, "--lr-decay")) h->o.lr_decay = c->lr_decay;
    if (seen(t, n, "--path-frac")) h->o.path_frac = c->path_frac;
    if (seen(t, n, "--select-paths")) h->o.select_paths = c->select_paths;
    if (c->mc_values) h->o.mc_values = 1;
    if (seen(t, n, "--lambda-data")) h->o.lambda_data = c->lambda_data;
    if (h->o.mc_values && h->o.select_paths <= 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--mc-values: needs validation paths, --select-paths in [1, 1000000]");
    if (seen(t, n, "--onpolicy-frac")) h->o.onpolicy_frac = c->onpolicy_frac;
    if (h->o.onpolicy_frac > 0 && h->o.select_paths <= 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--onpolicy-frac: needs validation paths, --select-paths in [1, 1000000]");
    if (seen(t, n, "--clock")) {
        if (strcmp(c->clock, "wall") && strcmp(c->clock, "compute"))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--clock: expected wall or compute, got '%s'", c->clock);
        h->o.compute_clock = !strcmp(c->clock, "compute");
    }
    if (seen(t, n, "--relative")) h->o.relative = c->relative;
    if (seen(t, n, "--relative-to")) {
        if (strcmp(c->relative_to, "prior") && strcmp(c->relative_to, "value"))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--relative-to: expected prior or value, got '%s'", c->relative_to);
        h->o.relative_value = !strcmp(c->relative_to, "value");
    }
    if (c->relative_boundary) h->o.relative_boundary = 1;
    if (h->o.relative_boundary && !(h->o.relative > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--relative-boundary: needs a relative residual, --relative in (0,inf)");
    if (h->o.relative_value && !(h->o.relative > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--relative-to value: needs a relative residual, --relative in (0,inf)");
    if (c->exact_boundary) h->o.exact_boundary = 1;
    if (seen(t, n, "--terminal-power")) h->o.terminal_power = c->terminal_power;
    if (c->reachable) h->o.reachable = 1;
    if (c->fold) h->o.fold = 1;
    if (c->park_face) h->o.park_face = 1;
    if (seen(t, n, "--stretch")) h->o.stretch = c->stretch;
    if (seen(t, n, "--kink")) h->o.kink = c->kink;
    if (seen(t, n, "--spread-starts")) h->o.spread_starts = c->spread_starts;
    if (h->o.spread_starts > 0 && !(h->o.onpolicy_frac > 0 || h->o.mc_values))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--spread-starts: needs on-policy points or value data (--onpolicy-frac in (0,1] or --mc-values)");
    if (h->o.spread_starts > h->o.select_paths)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--spread-starts: expected at most --select-paths (%d), got %d",
                                  h->o.select_paths, h->o.spread_starts);
    if (seen(t, n, "--keep")) {
        if (strcmp(c->keep, "best") && strcmp(c->keep, "last"))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--keep: expected best or last, got '%s'", c->keep);
        h->o.keep_last = !strcmp(c->keep, "last");
    }
    if (seen(t, n, "--stage2")) h->o.stage2 = c->stage2;
    if (seen(t, n, "--stage2-scale")) h->o.stage2_scale = c->stage2_scale;
    if (seen(t, n, "--lambda-bc")) h->o.lambda_bc = c->lambda_bc;
    if (seen(t, n, "--lambda-struct")) h->o.lambda_struct = c->lambda_struct;
    if (seen(t, n, "--warmup")) h->o.warmup = c->warmup;
    if (seen(t, n, "--greedy")) {
        if (strcmp(c->greedy, "box") && strcmp(c->greedy, "frontier") && strcmp(c->greedy, "best"))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--greedy: expected box, frontier or best, got '%s'", c->greedy);
        h->o.controls = strcmp(c->greedy, "frontier") ? OPTSCHED_HJB_CONTROLS_BOX
                                                       : OPTSCHED_HJB_CONTROLS_FRONTIER;
        h->o.greedy_best = !strcmp(c->greedy, "best");
    }
    if (h->o.greedy_best && h->o.select_paths <= 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--greedy best: needs validation paths, --select-paths in [1, 1000000]");
    if (h->o.stretch > 0 && h->o.stretch < 1e-3)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--stretch: expected 0 or a value in [0.001, 10], got %g", h->o.stretch);
    if (h->o.kink > 0 && h->o.kink < 1e-3)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--kink: expected 0 or a value in [0.001, 1], got %g", h->o.kink);
    if (h->o.kink > 0 && (h->o.fold || h->o.stretch > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--kink: not with --%s (choose one form)",
                                  h->o.fold ? "fold" : "stretch");
    if (h->o.kink > 0 && !h->o.exact_boundary)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--kink: needs an exact boundary (--exact-boundary, or --preset accurate)");
    if (h->o.stretch > 0 && h->o.fold)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--stretch: not with --fold (choose one coordinate)");
    if (h->o.stretch > 0 && h->o.lambda_struct > 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--stretch: needs --lambda-struct 0 (its convexity penalty would act on the stretched coordinate), got %g",
                                  h->o.lambda_struct);
    if (c->fixed_point) {
        if (h->o.controls == OPTSCHED_HJB_CONTROLS_FRONTIER || h->o.greedy_best)
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--fixed-point: not with --greedy %s (choose one minimiser)",
                                      h->o.greedy_best ? "best" : "frontier");
        h->o.controls = OPTSCHED_HJB_CONTROLS_FIXED_POINT;
    }
    if (c->common.seed != floor(c->common.seed))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--seed: expected an integer in [0, 2^53]");
    h->o.seed = (uint64_t)c->common.seed;
    optsched_mc_options_default(&h->mc);
    h->mc.seed = h->o.seed;
    h->mc.paths = c->common.paths;
    h->mc.steps = c->common.steps;
    if (c->weights) snprintf(h->weights, sizeof h->weights, "%s", c->weights);
    return build(h, err);
}

int hjb_session_new_opts(hjb_session *h, const optsched_model_params *p, const char *preset,
                         const hjb_train_opts *o, uint64_t seed, optsched_error *err)
{
    memset(h, 0, sizeof *h);
    h->params = *p;
    const hjb_train_opts *pre = o ? o : hjb_preset_find(preset);
    if (!pre)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "preset: expected fast, accurate, paper or quick, got '%s'", preset);
    if (o)
        h->o = *o;
    else
        preset_for(h, pre);
    h->o.seed = seed;
    optsched_mc_options_default(&h->mc);
    h->mc.seed = seed;
    return build(h, err);
}

void hjb_session_free(hjb_session *h)
{
    for (int i = 0; i < h->nmembers; i++) hjb_session_free(&h->members[i]);
    free(h->members);
    free(h->val);
    free(h->best_params);
    free(h->best_loss);
    free(h->last_loss);
    optsched_dgm_solver_destroy(h->solver);
    optsched_dgm_solver_destroy(h->stage1); /* after the solver whose prior it is */
    optsched_hjb_problem_free(h->hp);
    optsched_schedule_clear(&h->initial);
    optsched_model_free(h->m);
    memset(h, 0, sizeof *h);
}

static const char *const controls_names[] = {"box", "fixed_point", "frontier"};

static const char *controls_name(int which)
{
    return controls_names[which];
}

/* With greedy_best: the minimiser a validation did not count. */
static int other_controls(int which)
{
    return which == OPTSCHED_HJB_CONTROLS_FRONTIER ? OPTSCHED_HJB_CONTROLS_BOX
                                                   : OPTSCHED_HJB_CONTROLS_FRONTIER;
}

/* OPTSCHED_HJB_CONTROLS_* of a name in W.json, or -1. */
static int controls_from_name(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, controls_names[i])) return i;
    return -1;
}

static cJSON *train_json(const hjb_train_opts *o)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "preset", o->preset);
    cJSON_AddStringToObject(t, "precision", o->precision);
    cJSON_AddStringToObject(t, "init", o->init);
    cJSON_AddStringToObject(t, "prior", o->prior);
    cJSON_AddNumberToObject(t, "rounds", o->rounds);
    cJSON_AddNumberToObject(t, "iters", o->iters);
    cJSON_AddNumberToObject(t, "batch", o->batch);
    cJSON_AddNumberToObject(t, "width", o->width);
    cJSON_AddNumberToObject(t, "layers", o->layers);
    cJSON_AddNumberToObject(t, "chunk", o->chunk);
    cJSON_AddNumberToObject(t, "lr", o->lr);
    cJSON_AddNumberToObject(t, "lr_decay", o->lr_decay);
    cJSON_AddNumberToObject(t, "path_frac", o->path_frac);
    cJSON_AddNumberToObject(t, "onpolicy_frac", o->onpolicy_frac);
    cJSON_AddStringToObject(t, "clock", o->compute_clock ? "compute" : "wall");
    cJSON_AddNumberToObject(t, "relative", o->relative);
    cJSON_AddStringToObject(t, "relative_to", o->relative_value ? "value" : "prior");
    cJSON_AddBoolToObject(t, "relative_boundary", o->relative_boundary);
    cJSON_AddBoolToObject(t, "exact_boundary", o->exact_boundary);
    cJSON_AddNumberToObject(t, "terminal_power", o->terminal_power);
    cJSON_AddBoolToObject(t, "reachable", o->reachable);
    cJSON_AddBoolToObject(t, "fold", o->fold);
    cJSON_AddBoolToObject(t, "park_face", o->park_face);
    cJSON_AddNumberToObject(t, "stretch", o->stretch);
    cJSON_AddNumberToObject(t, "kink", o->kink);
    cJSON_AddNumberToObject(t, "spread_starts", o->spread_starts);
    cJSON_AddNumberToObject(t, "select_paths", o->select_paths);
    cJSON_AddBoolToObject(t, "mc_values", o->mc_values);
    cJSON_AddNumberToObject(t, "lambda_data", o->lambda_data);
    cJSON_AddNumberToObject(t, "lambda_bc", o->lambda_bc);
    cJSON_AddNumberToObject(t, "lambda_struct", o->lambda_struct);
    cJSON_AddNumberToObject(t, "warmup", o->warmup);
    cJSON_AddStringToObject(t, "greedy", o->greedy_best ? "best" : controls_name(o->controls));
    cJSON_AddStringToObject(t, "keep", o->keep_last ? "last" : "best");
    cJSON_AddNumberToObject(t, "stage2", o->stage2);
    cJSON_AddNumberToObject(t, "stage2_scale", o->stage2_scale);
    cJSON_AddNumberToObject(t, "seed", (double)o->seed);
    return t;
}

/* The validations of policy selection: [{iteration, mc_mean, mc_stderr}, ...]. */
static cJSON *validation_json(const hjb_session *h)
{
    cJSON *va = cJSON_CreateArray();
    for (int i = 0; i < h->nval; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "iteration", (double)h->val[i].iter);
        cJSON_AddNumberToObject(o, "mc_mean", h->val[i].mean);
        cJSON_AddNumberToObject(o, "mc_stderr", h->val[i].se);
        if (isfinite(h->val[i].V0)) cJSON_AddNumberToObject(o, "V0", h->val[i].V0);
        cJSON_AddStringToObject(o, "greedy", controls_name(h->val[i].controls));
        if (isfinite(h->val[i].alt_mean)) { /* greedy_best: the minimiser not taken */
            cJSON *a = cJSON_AddObjectToObject(o, "other");
            cJSON_AddStringToObject(a, "greedy", controls_name(other_controls(h->val[i].controls)));
            cJSON_AddNumberToObject(a, "mc_mean", h->val[i].alt_mean);
            cJSON_AddNumberToObject(a, "mc_stderr", h->val[i].alt_se);
        }
        cJSON_AddItemToArray(va, o);
    }
    return va;
}

cJSON *hjb_diagnostics_json(const optsched_hjb_diagnostics *d, double dp_gap)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "points", d->points);
    cJSON_AddNumberToObject(o, "V0", d->V0);
    cJSON_AddNumberToObject(o, "residual_l2", d->residual_l2);
    cJSON_AddNumberToObject(o, "residual_linf", d->residual_linf);
    cJSON_AddNumberToObject(o, "convexity", d->convexity);
    cJSON_AddNumberToObject(o, "monotonicity", d->monotonicity);
    cJSON_AddNumberToObject(o, "boundary_mse_terminal", d->boundary_mse_terminal);
    cJSON_AddNumberToObject(o, "boundary_mse_budget", d->boundary_mse_budget);
    cJSON_AddNumberToObject(o, "dp_gap", dp_gap);
    return o;
}

/* A training stage's statistics into object o. */
static void stats_json(cJSON *o, const optsched_dgm_stats *st)
{
    cJSON_AddNumberToObject(o, "iterations", (double)st->iter);
    cJSON_AddNumberToObject(o, "iterations_total", (double)st->iter_total);
    cJSON_AddBoolToObject(o, "finished", st->finished);
    cJSON_AddNumberToObject(o, "loss", st->loss);
    cJSON_AddNumberToObject(o, "loss_pde", st->loss_pde);
    cJSON_AddNumberToObject(o, "loss_bc", st->loss_bc);
    cJSON_AddNumberToObject(o, "loss_struct", st->loss_struct);
    cJSON_AddNumberToObject(o, "seconds", st->seconds);
}

/* The model and the training options (with the validation paths' Euler steps) into doc. */
static void add_description(cJSON *doc, const hjb_session *h)
{
    cJSON_AddItemToObject(doc, "model", cli_json_model(h->m));
    cJSON *train = train_json(&h->o);
    cJSON_AddNumberToObject(train, "steps", h->mc.steps);
    cJSON_AddItemToObject(doc, "train", train);
}

/* One network's description, statistics and validations (an ensemble's first network alone). */
static cJSON *network_json(const hjb_session *h)
{
    cJSON *doc = cJSON_CreateObject();
    add_description(doc, h);
    optsched_dgm_stats st;
    optsched_dgm_solver_get_stats(h->stage1 ? h->stage1 : h->solver, &st);
    cJSON *s = cJSON_AddObjectToObject(doc, "stats");
    stats_json(s, &st);
    if (h->nval) {
        cJSON_AddItemToObject(s, "validation", validation_json(h));
        /* the network kept at the end: only a finished run has one */
        if (st.finished)
            cJSON_AddNumberToObject(s, "selected_iteration",
                                    (double)(h->selected_iter >= 0 ? h->selected_iter : st.iter));
        if (isfinite(h->keep_diff)) { /* keep last: how the last compared with the best */
            cJSON *k = cJSON_AddObjectToObject(s, "last_minus_best");
            cJSON_AddNumberToObject(k, "mean", h->keep_diff);
            cJSON_AddNumberToObject(k, "stderr", h->keep_se);
        }
    }
    if (h->stage1) {
        optsched_dgm_stats rs;
        optsched_dgm_solver_get_stats(h->solver, &rs);
        stats_json(cJSON_AddObjectToObject(doc, "stage2"), &rs);
    }
    if (h->weights[0]) cJSON_AddStringToObject(doc, "weights", h->weights);
    return doc;
}

/* An ensemble's description: its model and training options (the first network's, whose seed
 * is the ensemble's), and each network's weights, seed and statistics. */
static cJSON *ensemble_json(const hjb_session *h)
{
    cJSON *doc = cJSON_CreateObject();
    if (h->ensemble[0]) cJSON_AddStringToObject(doc, "ensemble", h->ensemble);
    cJSON_AddNumberToObject(doc, "members", 1 + h->nmembers);
    add_description(doc, h);
    cJSON *nets = cJSON_AddArrayToObject(doc, "networks");
    for (int i = -1; i < h->nmembers; i++) {
        const hjb_session *m = i < 0 ? h : &h->members[i];
        cJSON *full = network_json(m), *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "weights", m->weights);
        cJSON_AddNumberToObject(e, "seed", (double)m->o.seed);
        cJSON_AddItemToObject(e, "stats", cJSON_DetachItemFromObjectCaseSensitive(full, "stats"));
        cJSON *s2 = cJSON_DetachItemFromObjectCaseSensitive(full, "stage2");
        if (s2) cJSON_AddItemToObject(e, "stage2", s2);
        cJSON_Delete(full);
        cJSON_AddItemToArray(nets, e);
    }
    return doc;
}

cJSON *hjb_session_json(const hjb_session *h)
{
    return h->nmembers ? ensemble_json(h) : network_json(h);
}


/* One line per network of an ensemble. */
static void ensemble_print(const hjb_session *h, FILE *f)
{
    fprintf(f, "ensemble       %s%s%d networks, V the mean of theirs (%s preset: %d rounds × %d)\n",
            h->ensemble, h->ensemble[0] ? ": " : "", 1 + h->nmembers, h->o.preset, h->o.rounds,
            h->o.iters);
    for (int i = -1; i < h->nmembers; i++) {
        const hjb_session *m = i < 0 ? h : &h->members[i];
        optsched_dgm_stats st;
        optsched_dgm_solver_get_stats(m->stage1 ? m->stage1 : m->solver, &st);
        fprintf(f, "  %-12s seed %llu, %lld of %lld iterations", m->weights,
                (unsigned long long)m->o.seed, (long long)st.iter, (long long)st.iter_total);
        if (m->nval && st.finished)
            fprintf(f, ", kept iteration %lld",
                    (long long)(m->selected_iter >= 0 ? m->selected_iter : st.iter));
        if (isfinite(m->keep_diff))
            fprintf(f, " (last - best %+.3g ± %.2g)", m->keep_diff, m->keep_se);
        fputc('\n', f);
    }
}

void hjb_session_print(const hjb_session *h, FILE *f)
{
    if (h->nmembers) {
        ensemble_print(h, f);
        return;
    }
    optsched_dgm_stats st;
    optsched_dgm_solver_get_stats(h->stage1 ? h->stage1 : h->solver, &st);
    fprintf(
        f,
        "trained        %lld of %lld iterations (%s preset: %d rounds × %d, batch %d, %d×%d, %s)\n",
        (long long)st.iter, (long long)st.iter_total, h->o.preset, h->o.rounds, h->o.iters,
        h->o.batch, h->o.layers, h->o.width, h->o.precision);
    fprintf(f, "loss           %.4g (pde %.4g, boundary %.4g, structure %.4g)\n", st.loss,
            st.loss_pde, st.loss_bc, st.loss_struct);
    fprintf(f, "time           %.1f s in this process\n", st.seconds);
    if (h->stage1) {
        optsched_dgm_stats rs;
        optsched_dgm_solver_get_stats(h->solver, &rs);
        fprintf(f, "stage 2        %lld of %lld iterations (scale %g), loss %.4g (pde %.4g), %.1f s\n",
                (long long)rs.iter, (long long)rs.iter_total, h->o.stage2_scale, rs.loss, rs.loss_pde,
                rs.seconds);
    }
    if (h->weights[0]) fprintf(f, "weights        %s (+ .json)\n", h->weights);
}

/* doc into path, through a temporary name renamed over it (readers never see half a file). */
static int write_json(const char *path, const cJSON *doc, optsched_error *err)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    char *text = cJSON_Print(doc);
    FILE *f = fopen(tmp, "w");
    int ok = f && text && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = 0;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s' (%s)", path,
                                  strerror(errno));
    }
    return OPTSCHED_OK;
}

/* WEIGHTS.json, the session's description and statistics. */
static int write_sidecar(const hjb_session *h, optsched_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s.json", h->weights);
    cJSON *doc = hjb_session_json(h);
    int st = write_json(path, doc, err);
    cJSON_Delete(doc);
    return st;
}

int hjb_ensemble_describe(const hjb_session *h, const char *ensemble, int members, optsched_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s.json", ensemble);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "members", members);
    add_description(doc, h);
    int st = write_json(path, doc, err);
    cJSON_Delete(doc);
    return st;
}

/* A binary file beside the weights, WEIGHTS<suffix>: an 8-byte magic, a count n, then the
 * arrays a[i] of len[i] doubles each (raw, host order), written to a temporary name and renamed. */
static int write_beside(const hjb_session *h, const char *suffix, const char magic[8], uint64_t n,
                        int narr, const double *const *a, const size_t *len, optsched_error *err)
{
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s%s", h->weights, suffix);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(magic, 8, 1, f) == 1 && fwrite(&n, sizeof n, 1, f) == 1;
    for (int i = 0; ok && i < narr; i++) ok = fwrite(a[i], sizeof(double), len[i], f) == len[i];
    if (f && fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s' (%s)", path, strerror(errno));
    }
    return OPTSCHED_OK;
}

/* The best network so far, beside the weights: WEIGHTS.best holds its parameters, so a
 * resumed run selects as an uninterrupted one would. */
static int write_best(const hjb_session *h, size_t np, optsched_error *err)
{
    const double *a[1] = {h->best_params};
    return write_beside(h, ".best", "OSBEST1", np, 1, a, &np, err);
}

static int read_best(hjb_session *h, optsched_error *err)
{
    size_t np = optsched_dgm_solver_params(h->solver, NULL);
    char path[1100], magic[8];
    snprintf(path, sizeof path, "%s.best", h->weights);
    FILE *f = fopen(path, "rb");
    uint64_t n = 0;
    h->best_params = malloc(np * sizeof *h->best_params);
    int ok = f && h->best_params && fread(magic, 8, 1, f) == 1 && !memcmp(magic, "OSBEST1", 8) &&
             fread(&n, sizeof n, 1, f) == 1 && n == np &&
             fread(h->best_params, sizeof(double), np, f) == np;
    if (f) fclose(f);
    return ok ? OPTSCHED_OK
              : optsched_error_set(err, OPTSCHED_EIO, "--weights: cannot read '%s'", path);
}

/* States of the Monte Carlo's paths recorded every `every`-th step by a policy wrapper, each
 * later paired with the final loss its path reached: an unbiased sample of the policy's value
 * at that state. Used for the value data of the next round (mc_values, every RECORD_EVERY-th
 * step) and for the value profile of a report. */
#define RECORD_EVERY 10
typedef struct {
    optsched_hjb_policy *pol;
    const hjb_session *h;
    double dt;
    int every;
    size_t n, cap;
    double *x;  /* [n][K + 2] network inputs */
    int *step;  /* [n] */
} recorder;

static int record_policy(void *ctx, int n, const double *a, const double *r, double t, double *eta,
                         double *B)
{
    recorder *c = ctx;
    const int K = c->h->m->K, d = K + 2, step = (int)lround(t / c->dt);
    if (step % c->every == 0) {
        if (c->n + (size_t)n > c->cap) {
            size_t cap = (c->cap + (size_t)n) * 2;
            double *x = realloc(c->x, cap * (size_t)d * sizeof *x);
            int *s = x ? realloc(c->step, cap * sizeof *s) : NULL;
            if (x) c->x = x;
            if (!s) return OPTSCHED_ENOMEM;
            c->step = s;
            c->cap = cap;
        }
        for (int i = 0; i < n; i++) {
            optsched_hjb_input(c->h->hp, a + (size_t)i * K, r[i], t, c->x + (c->n + (size_t)i) * d);
            c->step[c->n + (size_t)i] = step;
        }
        c->n += (size_t)n;
    }
    return optsched_hjb_policy_fn(c->pol, n, a, r, t, eta, B);
}

/* The recorded states of one step belong, in order, to the paths still running then (the
 * Monte Carlo keeps live paths in path order): those whose run ended after that step began.
 * Fills y[i] (the final loss of state i's path) and path[i] (its index; -1 when the step's
 * count of running paths does not match, and the state is to be left out). */
static void recorded_losses(const recorder *rc, const optsched_mc_result *res, double *y, int *path)
{
    size_t i = 0;
    while (i < rc->n) {
        size_t j = i;
        while (j < rc->n && rc->step[j] == rc->step[i]) j++;
        const double t0 = rc->step[i] * res->dt;
        size_t live = 0;
        for (int p = 0; p < res->paths; p++) live += res->t_end[p] > t0 + 1e-9 * res->dt;
        int ok = live == j - i;
        for (size_t q = i; q < j; q++) path[q] = -1;
        for (int p = 0, k = 0; ok && p < res->paths; p++)
            if (res->t_end[p] > t0 + 1e-9 * res->dt) {
                y[i + (size_t)k] = res->loss[p];
                path[i + (size_t)k++] = p;
            }
        i = j;
    }
}

/* Value data and on-policy states from the recorded runs (rc[i], res[i]), i < nrun: the
 * validation paths first, then any spread starts; the validated policy is the one the next
 * round evaluates. */
static int anchors_from(hjb_session *h, int nrun, const recorder *rc,
                        const optsched_mc_result *res, optsched_error *err)
{
    const size_t d = (size_t)h->m->K + 2;
    size_t total = 0;
    for (int i = 0; i < nrun; i++) total += rc[i].n;
    double *x = malloc((total ? total : 1) * d * sizeof *x);
    double *y = malloc((total ? total : 1) * sizeof *y);
    int *owner = malloc((total ? total : 1) * sizeof *owner);
    if (!x || !y || !owner) {
        free(x);
        free(y);
        free(owner);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (value data)");
    }
    size_t w = 0;
    for (int i = 0; i < nrun; i++) {
        double *yi = y + w; /* scratch for this run's losses, compacted in place below */
        recorded_losses(&rc[i], &res[i], yi, owner);
        size_t wi = 0;
        for (size_t q = 0; q < rc[i].n; q++)
            if (owner[q] >= 0) {
                memcpy(x + (w + wi) * d, rc[i].x + q * d, d * sizeof *x);
                yi[wi++] = yi[q];
            }
        w += wi;
    }
    int st = optsched_hjb_problem_set_anchors(h->hp, w, x, y, err);
    if (!st && h->weights[0]) { /* beside the weights, for a resumed run */
        const double *a[2] = {x, y};
        const size_t len[2] = {w * d, w};
        st = write_beside(h, ".values", "OSVALS1", w, 2, a, len, err);
    }
    free(x);
    free(y);
    free(owner);
    return st;
}

static int read_values(hjb_session *h, optsched_error *err)
{
    const size_t d = (size_t)h->m->K + 2;
    char path[1100], magic[8];
    snprintf(path, sizeof path, "%s.values", h->weights);
    FILE *f = fopen(path, "rb");
    if (!f) return OPTSCHED_OK; /* none written yet */
    uint64_t n = 0;
    int ok = fread(magic, 8, 1, f) == 1 && !memcmp(magic, "OSVALS1", 8) && fread(&n, sizeof n, 1, f) == 1 &&
             n < ((uint64_t)1 << 32);
    double *x = ok ? malloc((n ? n : 1) * d * sizeof *x) : NULL, *y = ok ? malloc((n ? n : 1) * sizeof *y) : NULL;
    ok = ok && x && y && fread(x, sizeof(double), n * d, f) == n * d && fread(y, sizeof(double), n, f) == n;
    fclose(f);
    int st = ok ? optsched_hjb_problem_set_anchors(h->hp, n, x, y, err)
                : optsched_error_set(err, OPTSCHED_EIO, "--weights: cannot read '%s'", path);
    free(x);
    free(y);
    return st;
}

/* V(a0, C_max, 0) of the current network. */
static int value_at_start(hjb_session *h, double *V, optsched_error *err)
{
    const optsched_model *m = h->m;
    const int dim = m->K + 2;
    double *x = malloc((size_t)dim * sizeof *x), *jets = malloc((size_t)(1 + 2 * dim) * sizeof *jets);
    int st = x && jets ? OPTSCHED_OK : optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    if (!st) {
        optsched_hjb_input(h->hp, m->a0, m->C, 0.0, x);
        st = optsched_dgm_solver_eval(h->solver, 1, x, jets, err);
    }
    if (!st) *V = jets[0];
    free(x);
    free(jets);
    return st;
}

/* Monte Carlo of the current network's greedy policy under minimiser `controls` on the
 * validation paths; with record, the states of every path go to rc (the caller frees them). */
static int validate_run(hjb_session *h, int controls, int record, recorder *rc,
                        optsched_mc_result *res, optsched_error *err)
{
    optsched_mc_options o = h->mc;
    o.paths = h->o.select_paths;
    o.seed = h->o.seed + 104729;
    o.record = 0;
    optsched_hjb_policy pol = {.problem = h->hp, .solver = h->solver, .controls = controls};
    *rc = (recorder){.pol = &pol, .h = h, .dt = optsched_model_time_span(h->m) / o.steps,
                     .every = RECORD_EVERY};
    int st = record ? optsched_mc_run(h->m, record_policy, rc, &o, res, err)
                    : optsched_mc_run(h->m, optsched_hjb_policy_fn, &pol, &o, res, err);
    optsched_hjb_policy_clear(&pol);
    rc->pol = NULL;
    return st;
}

/* The session's model started at state (a, r, t0): a_k(0) = a_k, C_max = r, horizon T - t0. */
static int model_at_state(const hjb_session *h, const double *a, double r, double t0,
                          optsched_model **ms, optsched_error *err)
{
    optsched_model_params p = h->params;
    p.a0_modes = a;
    p.budget = r;
    p.horizon = isfinite(h->m->T) ? h->m->T - t0 : INFINITY;
    return optsched_model_alloc(ms, &p, err);
}

/* The policy under evaluation (the box's greedy policy of the current network) from
 * o.spread_starts other initial states, recorded: a_k(0) = a0_k u_k with u_k log-uniform in
 * [0.1, 1], the whole budget, t = 0; select_paths / spread_starts paths each. The runs from a0
 * visit the states with the whole budget left only at a0 itself; these put on-policy points
 * there too (measured, docs/HJB.md: no change at K = 1, a better policy at K = 2). The starts
 * are drawn anew at every validation, from the seed and the iteration alone (a resumed run
 * draws the same). */
#define SPREAD_LOW 0.1
static int spread_runs(hjb_session *h, int64_t iter, recorder *rc, optsched_mc_result *res,
                       optsched_error *err)
{
    const optsched_model *m = h->m;
    const int K = m->K, n = h->o.spread_starts;
    const uint32_t round = (uint32_t)(iter / (h->o.iters > 0 ? h->o.iters : 1));
    int st = OPTSCHED_OK;
    for (int s = 0; s < n && !st; s++) {
        double a[OPTSCHED_MAX_MODES], u[4];
        for (int k = 0; k < K; k++) {
            if (k % 4 == 0)
                optsched_rng_uniform4(h->o.seed + 15485863u, OPTSCHED_STREAM_SAMPLING, (uint32_t)s,
                                      round, (uint32_t)(k / 4), u);
            a[k] = m->a0[k] * pow(SPREAD_LOW, u[k % 4]);
        }
        optsched_model *ms = NULL;
        if ((st = model_at_state(h, a, m->C, 0.0, &ms, err))) break;
        optsched_mc_options o = h->mc;
        o.paths = h->o.select_paths / n;
        o.seed = h->o.seed + 1299709u + (uint64_t)s;
        o.record = 0;
        optsched_hjb_policy pol = {.problem = h->hp, .solver = h->solver, .controls = h->o.controls};
        rc[s] = (recorder){.pol = &pol, .h = h, .dt = optsched_model_time_span(ms) / o.steps,
                           .every = RECORD_EVERY};
        st = optsched_mc_run(ms, record_policy, &rc[s], &o, &res[s], err);
        optsched_hjb_policy_clear(&pol);
        rc[s].pol = NULL;
        optsched_model_free(ms);
    }
    return st;
}

/* keep_last: WEIGHTS.loss holds the per-path losses of the best and the latest validation
 * ("OSLOSS1", count, best[count], last[count]), so that a resumed run compares them as an
 * uninterrupted one would. */
static int write_losses(const hjb_session *h, optsched_error *err)
{
    const double *a[2] = {h->best_loss, h->last_loss};
    const size_t len[2] = {(size_t)h->nloss, (size_t)h->nloss};
    return write_beside(h, ".loss", "OSLOSS1", (uint64_t)h->nloss, 2, a, len, err);
}

static int read_losses(hjb_session *h, optsched_error *err)
{
    char path[1100], magic[8];
    snprintf(path, sizeof path, "%s.loss", h->weights);
    FILE *f = fopen(path, "rb");
    uint64_t n = 0;
    int ok = f && fread(magic, 8, 1, f) == 1 && !memcmp(magic, "OSLOSS1", 8) && fread(&n, sizeof n, 1, f) == 1 &&
             n > 0 && n <= 100000000;
    if (ok) {
        h->best_loss = malloc(n * sizeof *h->best_loss);
        h->last_loss = malloc(n * sizeof *h->last_loss);
        ok = h->best_loss && h->last_loss && fread(h->best_loss, sizeof(double), n, f) == n &&
             fread(h->last_loss, sizeof(double), n, f) == n;
        h->nloss = ok ? (int)n : 0;
    }
    if (f) fclose(f);
    return ok ? OPTSCHED_OK : optsched_error_set(err, OPTSCHED_EIO, "--weights: cannot read '%s'", path);
}

/* keep_last: the latest validation's per-path losses, and the best's when it is the best. */
static int keep_losses(hjb_session *h, const optsched_mc_result *res, int is_best, optsched_error *err)
{
    if (!h->last_loss) {
        h->nloss = res->paths;
        h->best_loss = malloc((size_t)h->nloss * sizeof *h->best_loss);
        h->last_loss = malloc((size_t)h->nloss * sizeof *h->last_loss);
        if (!h->best_loss || !h->last_loss) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    }
    if (res->paths != h->nloss)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--keep last: %d validation paths, earlier %d",
                                  res->paths, h->nloss);
    memcpy(h->last_loss, res->loss, (size_t)h->nloss * sizeof *h->last_loss);
    if (is_best) memcpy(h->best_loss, res->loss, (size_t)h->nloss * sizeof *h->best_loss);
    return h->weights[0] ? write_losses(h, err) : OPTSCHED_OK;
}

/* Monte Carlo of the current network's greedy policy on paths of a seed that neither
 * training nor any report uses; keeps the parameters when it is the best so far. With
 * greedy_best, the frontier's greedy policy of the same network runs on the same paths too,
 * and the validation counts the better of the two; training goes on with the box's (the
 * policy the next round evaluates, whose states the on-policy points and value data take,
 * with those of the spread starts). */
static int validate(hjb_session *h, int64_t iter, optsched_error *err)
{
    const int record = h->o.mc_values || h->o.onpolicy_frac > 0;
    const int nc = h->o.greedy_best ? 2 : 1, ns = record ? h->o.spread_starts : 0;
    const int cand[2] = {h->o.controls, OPTSCHED_HJB_CONTROLS_FRONTIER};
    /* [0]: the validation of cand[0] (recorded), [1..ns]: the spread starts, [ns + 1]: cand[1] */
    optsched_mc_result *res = calloc((size_t)ns + 2, sizeof *res);
    recorder *rc = calloc((size_t)ns + 2, sizeof *rc);
    if (!res || !rc) {
        free(res);
        free(rc);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    }
    int st = validate_run(h, cand[0], record, &rc[0], &res[0], err);
    if (!st && nc == 2) st = validate_run(h, cand[1], 0, &rc[ns + 1], &res[ns + 1], err);
    const double m0 = res[0].mean, m1 = nc == 2 ? res[ns + 1].mean : NAN;
    const double s0 = res[0].se, s1 = nc == 2 ? res[ns + 1].se : NAN;
    const int w = nc == 2 && !st && m1 < m0; /* ties: box */
    if (!st && ns > 0) st = spread_runs(h, iter, rc + 1, res + 1, err);
    if (!st && record) st = anchors_from(h, 1 + ns, rc, res, err);
    const hjb_validation rec = {iter, st ? NAN : (w ? m1 : m0), st ? NAN : (w ? s1 : s0), NAN,
                                cand[w], nc == 2 && !st ? (w ? m0 : m1) : NAN,
                                nc == 2 && !st ? (w ? s0 : s1) : NAN};
    const double counted = w ? m1 : m0;
    if (!st && h->o.keep_last)
        st = keep_losses(h, &res[w ? ns + 1 : 0], h->best < 0 || counted < h->val[h->best].mean, err);
    for (int i = 0; i < ns + 2; i++) { /* zeroed where no run was made */
        optsched_mc_result_free(&res[i]);
        free(rc[i].x);
        free(rc[i].step);
    }
    free(res);
    free(rc);
    if (st) return st;
    hjb_validation *v = realloc(h->val, (size_t)(h->nval + 1) * sizeof *v);
    if (!v) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    h->val = v;
    h->val[h->nval] = rec;
    if ((st = value_at_start(h, &h->val[h->nval].V0, err))) return st;
    if (h->best < 0 || h->val[h->nval].mean < h->val[h->best].mean) {
        h->best = h->nval;
        size_t np = optsched_dgm_solver_params(h->solver, NULL);
        if (!h->best_params && !(h->best_params = malloc(np * sizeof *h->best_params)))
            return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
        optsched_dgm_solver_params(h->solver, h->best_params);
        if (h->weights[0] && (st = write_best(h, np, err))) return st;
    }
    h->nval++;
    return h->weights[0] ? write_sidecar(h, err) : OPTSCHED_OK;
}

/* The refinement stage's solver on the session's (first-stage, kept) network, which
 * becomes h->stage1: from now on h->solver is V = V1 + scale·S·N2. */
static int refine_begin(hjb_session *h, optsched_error *err)
{
    optsched_dgm_solver *s2 = NULL;
    optsched_dgm_problem rp; /* the solver keeps a copy; h->refine is what it points to */
    int st = optsched_dgm_refine_problem(&rp, &h->refine, &h->prob, h->solver, h->o.stage2_scale, err);
    if (!st && !(s2 = optsched_dgm_solver_create(&rp, err)))
        st = err && err->code ? err->code : OPTSCHED_EFAIL;
    if (!st) st = solver_options(s2, &h->o, 1, h->o.stage2, h->o.seed + 1, 0.0, err);
    if (st) {
        optsched_dgm_solver_destroy(s2);
        return st;
    }
    h->stage1 = h->solver;
    h->solver = s2;
    return OPTSCHED_OK;
}

/* Trains (or continues) the refinement stage to its end, checkpointing to WEIGHTS.stage2 every
 * `every` iterations (0: a tenth of the stage). */
static int refine_train(hjb_session *h, int every, int progress, optsched_error *err)
{
    int st = h->stage1 ? OPTSCHED_OK : refine_begin(h, err);
    optsched_dgm_solver *s = h->solver;
    char path[1100];
    snprintf(path, sizeof path, "%s.stage2", h->weights);
    if (!st && h->weights[0]) st = optsched_dgm_solver_set(s, "checkpoint", path, err);
    if (!st && h->weights[0])
        st = optsched_dgm_solver_set_int(s, "checkpoint_every",
                                         every > 0 ? every : h->o.stage2 / 10 > 0 ? h->o.stage2 / 10 : 1, err);
    const long total = h->o.stage2, slice = total / 100 > 0 ? total / 100 : 1;
    optsched_dgm_stats ds;
    double t0 = omp_get_wtime();
    long start = -1;
    while (!st) {
        optsched_dgm_solver_get_stats(s, &ds);
        if (start < 0) start = (long)ds.iter;
        if (ds.finished || ds.iter >= total) break;
        long next = (long)ds.iter + slice < total ? (long)ds.iter + slice : total;
        if ((st = optsched_dgm_solver_set_int(s, "stop_at", next, err))) break;
        st = optsched_dgm_solver_solve(s, err);
        if (!st && progress) {
            optsched_dgm_solver_get_stats(s, &ds);
            double el = omp_get_wtime() - t0, rate = (ds.iter - start) / fmax(el, 1e-9);
            fprintf(stderr, "\rstage 2  iter %lld/%ld  loss %.3e (pde %.2e bc %.2e)  ETA %.0fs   ",
                    (long long)ds.iter, total, ds.loss, ds.loss_pde, ds.loss_bc,
                    rate > 0 ? (total - ds.iter) / rate : 0.0);
        }
    }
    if (progress) fputc('\n', stderr);
    if (!st) st = optsched_dgm_solver_set_int(s, "stop_at", 0, err);
    if (!st && h->weights[0]) st = optsched_dgm_solver_save(s, path, err);
    if (!st && h->weights[0]) st = write_sidecar(h, err);
    return st;
}

int hjb_session_train(hjb_session *h, int every, int progress, optsched_error *err)
{
    /* a refinement under way: the first stage finished before it began */
    if (h->stage1) return refine_train(h, every, progress, err);
    const int every_given = every;
    optsched_dgm_solver *s = h->solver;
    int st = OPTSCHED_OK;
    const long total = (long)h->o.rounds * h->o.iters;
    if (every <= 0) every = h->o.iters / 10 > 0 ? h->o.iters / 10 : 1;
    if (h->weights[0]) {
        /* the description first, so that a checkpoint can be resumed even if this
         * process is killed before the end */
        if ((st = write_sidecar(h, err))) return st;
        if ((st = optsched_dgm_solver_set(s, "checkpoint", h->weights, err))) return st;
        if ((st = optsched_dgm_solver_set_int(s, "checkpoint_every", every, err))) return st;
    }
    /* run in slices so that the progress line can be refreshed */
    const long slice = total / 100 > 0 ? total / 100 : 1;
    double t0 = omp_get_wtime();
    optsched_dgm_stats ds;
    optsched_dgm_solver_get_stats(s, &ds);
    long start = (long)ds.iter;
    const int select = h->o.select_paths > 0;
    while (!st) {
        optsched_dgm_solver_get_stats(s, &ds);
        /* at every round boundary (the start included), validate the greedy policy once */
        if (select && ds.iter % h->o.iters == 0 &&
            (h->nval == 0 || h->val[h->nval - 1].iter < ds.iter)) {
            if ((st = optsched_dgm_solver_eval(s, 0, NULL, NULL, err))) break; /* the network */
            if ((st = validate(h, ds.iter, err))) break;
        }
        if (ds.finished || ds.iter >= total) break;
        long next = (long)ds.iter + slice < total ? (long)ds.iter + slice : total;
        if (select) { /* stop at the next round boundary */
            long bound = ((long)ds.iter / h->o.iters + 1) * h->o.iters;
            if (next > bound) next = bound;
        }
        if ((st = optsched_dgm_solver_set_int(s, "stop_at", next, err))) break;
        st = optsched_dgm_solver_solve(s, err);
        if (!st && progress) {
            optsched_dgm_solver_get_stats(s, &ds);
            double el = omp_get_wtime() - t0, rate = (ds.iter - start) / fmax(el, 1e-9);
            fprintf(stderr,
                    "\rround %d/%d  iter %lld/%ld  loss %.3e (pde %.2e bc %.2e)  ETA %.0fs   ",
                    ds.round + 1, h->o.rounds, (long long)ds.iter, total, ds.loss, ds.loss_pde,
                    ds.loss_bc, rate > 0 ? (total - ds.iter) / rate : 0.0);
        }
    }
    if (progress) fputc('\n', stderr);
    int keep_best = !st && select && h->best >= 0 && h->best != h->nval - 1;
    if (keep_best && h->o.keep_last && h->nloss > 1) {
        /* the last round's network unless its policy is worse than the best's by more than
         * two standard errors of the paired difference (the same validation paths) */
        double m = 0, q = 0;
        for (int p = 0; p < h->nloss; p++) m += h->last_loss[p] - h->best_loss[p];
        m /= h->nloss;
        for (int p = 0; p < h->nloss; p++) {
            const double d = h->last_loss[p] - h->best_loss[p] - m;
            q += d * d;
        }
        h->keep_diff = m;
        h->keep_se = sqrt(q / (h->nloss - 1) / h->nloss);
        keep_best = m > 2 * h->keep_se;
    }
    if (keep_best) {
        /* the last round's policy validated worse than an earlier one: keep that one */
        st = optsched_dgm_solver_set_params(s, h->best_params, err);
        h->selected_iter = h->val[h->best].iter;
    }
    /* reports run the kept network with the minimiser it won with (the policies they build
     * take it from here; the problem's own minimiser serves training only) */
    if (!st && select && h->o.greedy_best && h->best >= 0)
        h->o.controls = h->val[h->selected_iter >= 0 ? h->best : h->nval - 1].controls;
    if (!st) st = optsched_dgm_solver_set_int(s, "stop_at", 0, err);
    if (!st && h->weights[0]) st = optsched_dgm_solver_save(s, h->weights, err);
    if (!st && h->weights[0]) st = write_sidecar(h, err);
    if (!st && h->o.stage2 > 0) st = refine_train(h, every_given, progress, err);
    return st;
}

static double num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "inf")) return INFINITY;
    return def;
}

/* Two sessions' networks take the same inputs for the same states: one model, one input map. */
static int same_states(const hjb_session *a, const hjb_session *b)
{
    const optsched_model *x = a->m, *y = b->m;
    int same = x->K == y->K && x->alpha == y->alpha && x->P == y->P && x->sigma2 == y->sigma2 &&
               x->tail == y->tail && x->C == y->C && x->T == y->T && x->eta_min == y->eta_min &&
               x->eta_max == y->eta_max && x->B_min == y->B_min && x->B_max == y->B_max &&
               a->o.fold == b->o.fold && a->o.stretch == b->o.stretch;
    for (int k = 0; same && k < x->K; k++) same = x->a0[k] == y->a0[k] && x->lambda[k] == y->lambda[k];
    return same;
}

/* "W1,W2,...": W1's session with the others as members of its solver (an ensemble whose V
 * is the mean of theirs; docs/HJB.md). */
static int load_ensemble(hjb_session *h, const char *list, optsched_error *err)
{
    char *copy = strdup(list);
    if (!copy) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    int n = 1;
    for (const char *c = copy; *c; c++) n += *c == ',';
    char *save = NULL, *name = strtok_r(copy, ",", &save);
    int st = name && *name ? hjb_session_load(h, name, err)
                           : optsched_error_set(err, OPTSCHED_EINVAL, "--weights: an empty name in '%s'", list);
    if (!st && n - 1 > OPTSCHED_DGM_MAX_MEMBERS)
        st = optsched_error_set(err, OPTSCHED_EINVAL, "--weights: at most %d networks, got %d",
                                OPTSCHED_DGM_MAX_MEMBERS + 1, n);
    if (!st && !(h->members = calloc((size_t)n - 1, sizeof *h->members)))
        st = optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    while (!st && (name = strtok_r(NULL, ",", &save))) {
        hjb_session *m = &h->members[h->nmembers];
        st = hjb_session_load(m, name, err);
        if (st)
            hjb_session_free(m); /* what it loaded before it failed */
        else
            h->nmembers++;
        if (!st && !same_states(h, m))
            st = optsched_error_set(err, OPTSCHED_EINVAL,
                                    "--weights: '%s' was trained for another model or input map than '%s' (an ensemble needs the same model, --fold and --stretch)",
                                    name, h->weights);
        if (!st) st = optsched_dgm_solver_add_member(h->solver, m->solver, err);
    }
    if (!st && h->nmembers != n - 1)
        st = optsched_error_set(err, OPTSCHED_EINVAL, "--weights: an empty name in '%s'", list);
    free(copy);
    return st;
}

void hjb_member_name(char *out, size_t n, const char *ensemble, int i)
{
    snprintf(out, n, "%s.m%d", ensemble, i);
}

/* The networks of an ensemble trained by `hjb train --members` (ENSEMBLE.m0, ...), loaded as
 * the ensemble "ENSEMBLE.m0,ENSEMBLE.m1,...". */
static int load_members(hjb_session *h, const char *ensemble, int members, optsched_error *err)
{
    if (members > OPTSCHED_DGM_MAX_MEMBERS + 1)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--weights: '%s.json' describes %d members, at most %d",
                                  ensemble, members, OPTSCHED_DGM_MAX_MEMBERS + 1);
    const size_t each = strlen(ensemble) + 16;
    char *list = malloc((size_t)members * each), *end = list;
    if (!list) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    for (int i = 0; i < members; i++) {
        if (i) *end++ = ',';
        hjb_member_name(end, each, ensemble, i);
        end += strlen(end);
    }
    int st = load_ensemble(h, list, err);
    free(list);
    if (!st) snprintf(h->ensemble, sizeof h->ensemble, "%s", ensemble);
    return st;
}

/* WEIGHTS.json parsed (*doc, for the caller to delete) and its model and training options
 * read into h (nothing built). */
static int read_description(hjb_session *h, const char *weights, cJSON **doc, optsched_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s.json", weights);
    FILE *f = fopen(path, "r");
    if (!f)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--weights: cannot open '%s' (%s)", path,
                                  strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    char buf[4096];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + r + 1 > cap) {
            cap = 2 * (len + r + 1);
            char *t2 = realloc(text, cap);
            if (!t2) break;
            text = t2;
        }
        memcpy(text + len, buf, r);
        len += r;
    }
    fclose(f);
    if (text) text[len] = '\0';
    *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(*doc, "model");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(*doc, "train");
    if (!*doc || !cJSON_IsObject(m) || !cJSON_IsObject(t))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--weights: '%s' is not a weights description (model, train)",
                                  path);
    optsched_model_params *p = &h->params;
    optsched_model_params_default(p);
    p->modes = (int)num(m, "modes", p->modes);
    p->alpha = num(m, "alpha", p->alpha);
    p->features = num(m, "features", p->features);
    p->noise = num(m, "noise", p->noise);
    p->tail = num(m, "tail", p->tail);
    p->budget = num(m, "budget", p->budget);
    p->horizon = num(m, "horizon", p->horizon);
    p->eta_min = num(m, "eta_min", p->eta_min);
    p->eta_max = num(m, "eta_max", p->eta_max);
    p->batch_min = num(m, "batch_min", p->batch_min);
    p->batch_max = num(m, "batch_max", p->batch_max);
    p->a0 = num(m, "a0", p->a0);
    hjb_train_opts *o = &h->o;
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(t, "preset");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(t, "precision");
    snprintf(o->preset, sizeof o->preset, "%s", cJSON_IsString(ps) ? ps->valuestring : "fast");
    snprintf(o->precision, sizeof o->precision, "%s", cJSON_IsString(pr) ? pr->valuestring : "f32");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(t, "init");
    snprintf(o->init, sizeof o->init, "%s", cJSON_IsString(in) ? in->valuestring : "constant");
    /* files written before priors existed trained the network alone */
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(t, "prior");
    snprintf(o->prior, sizeof o->prior, "%s", cJSON_IsString(pi) ? pi->valuestring : "none");
    o->rounds = (int)num(t, "rounds", 5);
    o->iters = (int)num(t, "iters", 4000);
    o->batch = (int)num(t, "batch", 2048);
    o->width = (int)num(t, "width", 128);
    o->layers = (int)num(t, "layers", 3);
    o->chunk = (int)num(t, "chunk", 32); /* files from before it was recorded: the default then */
    o->lr = num(t, "lr", 1e-3);
    o->lr_decay = num(t, "lr_decay", 1);
    o->path_frac = num(t, "path_frac", 0);
    o->onpolicy_frac = num(t, "onpolicy_frac", 0);
    const cJSON *ck = cJSON_GetObjectItemCaseSensitive(t, "clock");
    o->compute_clock = cJSON_IsString(ck) && !strcmp(ck->valuestring, "compute");
    o->relative = num(t, "relative", 0);
    const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "relative_to"));
    o->relative_value = rt && !strcmp(rt, "value");
    o->relative_boundary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "relative_boundary"));
    o->exact_boundary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "exact_boundary"));
    o->terminal_power = num(t, "terminal_power", 1);
    o->reachable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "reachable"));
    o->fold = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "fold"));
    o->park_face = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "park_face"));
    o->stretch = num(t, "stretch", 0);
    o->kink = num(t, "kink", 0);
    o->spread_starts = (int)num(t, "spread_starts", 0);
    o->select_paths = (int)num(t, "select_paths", 0);
    o->mc_values = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "mc_values"));
    o->lambda_data = num(t, "lambda_data", 1);
    o->lambda_bc = num(t, "lambda_bc", 100);
    o->lambda_struct = num(t, "lambda_struct", 50);
    o->warmup = num(t, "warmup", 0.15);
    const char *kp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "keep"));
    o->keep_last = kp && !strcmp(kp, "last");
    o->stage2 = (int)num(t, "stage2", 0);
    o->stage2_scale = num(t, "stage2_scale", 0.01);
    /* "greedy" names the minimiser; files from before it had the bool "fixed_point" */
    const char *cn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "greedy"));
    o->controls = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "fixed_point"))
                      ? OPTSCHED_HJB_CONTROLS_FIXED_POINT
                      : OPTSCHED_HJB_CONTROLS_BOX;
    o->greedy_best = cn && !strcmp(cn, "best");
    if (cn && !o->greedy_best && (o->controls = controls_from_name(cn)) < 0) {
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--weights: '%s' names unknown greedy controls '%s'", path, cn);
    }
    o->seed = (uint64_t)num(t, "seed", 42);
    optsched_mc_options_default(&h->mc);
    h->mc.seed = o->seed;
    /* the validation paths' steps (files from before it was recorded: the default then) */
    h->mc.steps = (int)num(t, "steps", h->mc.steps);
    return OPTSCHED_OK;
}

int hjb_session_new_member(hjb_session *h, const char *ensemble, int i, optsched_error *err)
{
    memset(h, 0, sizeof *h);
    cJSON *doc = NULL;
    int st = read_description(h, ensemble, &doc, err);
    const int members = st ? 0 : (int)num(doc, "members", 0);
    cJSON_Delete(doc);
    if (st) return st;
    if (members <= 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--weights: '%s.json' describes one network, not an ensemble (train one with --members)",
                                  ensemble);
    if (i < 0 || i >= members)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--member: expected an integer in [0, %d], got %d",
                                  members - 1, i);
    h->o.seed += (uint64_t)i; /* member i: the ensemble's seed + i */
    h->mc.seed = h->o.seed;
    hjb_member_name(h->weights, sizeof h->weights, ensemble, i);
    return build(h, err);
}

int hjb_ensemble_members(const char *weights, int *members, optsched_error *err)
{
    hjb_session h;
    memset(&h, 0, sizeof h);
    cJSON *doc = NULL;
    int st = read_description(&h, weights, &doc, err);
    *members = st ? 0 : (int)num(doc, "members", 0);
    cJSON_Delete(doc);
    return st;
}

int hjb_session_load(hjb_session *h, const char *weights, optsched_error *err)
{
    if (strchr(weights, ',')) return load_ensemble(h, weights, err);
    memset(h, 0, sizeof *h);
    snprintf(h->weights, sizeof h->weights, "%s", weights);
    cJSON *doc = NULL;
    int st = read_description(h, weights, &doc, err);
    const int members = st ? 0 : (int)num(doc, "members", 0);
    if (!st && members > 0) { /* an ensemble's description: its members' networks */
        cJSON_Delete(doc);
        return load_members(h, weights, members, err);
    }
    if (st) {
        cJSON_Delete(doc);
        return st;
    }
    hjb_train_opts *o = &h->o;
    char path[1100];
    /* the validations of a run with policy selection, to resume it as it would have gone on */
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(doc, "stats");
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(stats, "validation");
    int nv = cJSON_IsArray(va) ? cJSON_GetArraySize(va) : 0;
    hjb_validation *val = nv ? malloc((size_t)nv * sizeof *val) : NULL;
    if (nv && !val) nv = 0;
    for (int i = 0; i < nv; i++) {
        const cJSON *e = cJSON_GetArrayItem(va, i);
        const char *g = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "greedy"));
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "other");
        val[i] = (hjb_validation){(int64_t)num(e, "iteration", 0), num(e, "mc_mean", NAN),
                                  num(e, "mc_stderr", NAN), num(e, "V0", NAN),
                                  g && controls_from_name(g) >= 0 ? controls_from_name(g) : o->controls,
                                  a ? num(a, "mc_mean", NAN) : NAN, a ? num(a, "mc_stderr", NAN) : NAN};
    }
    /* Only a finished run has chosen its network (files from before this rule record an
     * unfinished run's current iteration there, which must not survive a resume). */
    const double selected =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(stats, "finished")) ? num(stats, "selected_iteration", -1) : -1;
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(stats, "last_minus_best");
    const double keep_diff = lb ? num(lb, "mean", NAN) : NAN, keep_se = lb ? num(lb, "stderr", NAN) : NAN;
    cJSON_Delete(doc);
    if (o->greedy_best && nv && selected >= 0) {
        /* a finished run reports its kept network (the validation at its iteration) with the
         * minimiser it was kept with (training improves with the box's) */
        int b = nv - 1;
        for (int i = 0; i < nv; i++)
            if ((double)val[i].iter == selected) b = i;
        o->controls = val[b].controls;
    }
    st = build(h, err);
    if (!st) st = optsched_dgm_solver_load(h->solver, weights, err);
    h->val = val;
    h->nval = nv;
    for (int i = 0; i < nv; i++)
        if (h->best < 0 || val[i].mean < val[h->best].mean) h->best = i;
    if (!st && h->best >= 0) st = read_best(h, err);
    if (!st && (o->mc_values || o->onpolicy_frac > 0)) st = read_values(h, err);
    /* (only a run still to finish compares its last validation with the best) */
    if (!st && o->keep_last && nv && selected < 0) st = read_losses(h, err);
    h->keep_diff = keep_diff;
    h->keep_se = keep_se;
    if (!st && nv) {
        optsched_dgm_stats ds;
        optsched_dgm_solver_get_stats(h->solver, &ds);
        if (selected >= 0 && selected < (double)ds.iter) h->selected_iter = (int64_t)selected;
    }
    if (!st && o->stage2 > 0) { /* the refinement stage, if it has begun */
        snprintf(path, sizeof path, "%s.stage2", weights);
        if (access(path, F_OK) == 0) {
            st = refine_begin(h, err);
            if (!st) st = optsched_dgm_solver_load(h->solver, path, err);
        }
    }
    return st;
}

/* ---- reports ---- */

/* The value profile of a report (hjb_profile_bin): V at the recorded states against the final
 * losses of their paths, per tenth of the run. The standard error is over paths (a path's
 * states in one range are averaged first: they are not independent). */
static int value_profile(hjb_session *h, const recorder *rc, const optsched_mc_result *res,
                         hjb_report *r, optsched_error *err)
{
    enum { NB = HJB_PROFILE_BINS, BLOCK = 4096 };
    const int K = h->m->K, C = 3 + 2 * K;
    const size_t d = (size_t)K + 2, n = rc->n, np = (size_t)res->paths;
    const double span = optsched_model_time_span(h->m);
    double *y = malloc((n ? n : 1) * sizeof *y), *jets = malloc((size_t)BLOCK * C * sizeof *jets);
    int *path = malloc((n ? n : 1) * sizeof *path), *cnt = calloc(np * NB, sizeof *cnt);
    double *sv = calloc(np * NB, sizeof *sv), *sy = calloc(np * NB, sizeof *sy);
    int st = y && jets && path && cnt && sv && sy
                 ? OPTSCHED_OK
                 : optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (value profile)");
    if (!st) recorded_losses(rc, res, y, path);
    for (size_t i0 = 0; !st && i0 < n; i0 += BLOCK) {
        size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        if ((st = optsched_dgm_solver_eval(h->solver, m, rc->x + i0 * d, jets, err))) break;
        for (size_t i = i0; i < i0 + m; i++) {
            if (path[i] < 0) continue;
            long b = (long)rc->step[i] * NB / res->steps; /* exact: no state between tenths */
            size_t c = (size_t)path[i] * NB + (size_t)(b < NB ? b : NB - 1);
            sv[c] += jets[(i - i0) * (size_t)C];
            sy[c] += y[i];
            cnt[c]++;
        }
    }
    r->nprofile = 0;
    for (int b = 0; !st && b < NB; b++) {
        double SV = 0, SY = 0, se = 0, s2 = 0;
        long states = 0;
        int paths = 0;
        for (size_t p = 0; p < np; p++) {
            size_t c = p * NB + (size_t)b;
            if (!cnt[c]) continue;
            double e = (sv[c] - sy[c]) / cnt[c];
            SV += sv[c];
            SY += sy[c];
            states += cnt[c];
            paths++;
            se += e;
            s2 += e * e;
        }
        if (!states) continue;
        hjb_profile_bin *o = &r->profile[r->nprofile++];
        double me = se / paths, var = paths > 1 ? fmax(0.0, (s2 - paths * me * me) / (paths - 1)) : NAN;
        o->t0 = span * b / NB;
        o->t1 = span * (b + 1) / NB;
        o->paths = paths;
        o->states = states;
        o->V_mean = SV / states;
        o->loss_mean = SY / states;
        o->gap = o->V_mean / o->loss_mean - 1;
        o->gap_se = sqrt(var / paths) / fabs(o->loss_mean);
    }
    free(y);
    free(jets);
    free(path);
    free(cnt);
    free(sv);
    free(sy);
    return st;
}

int hjb_session_report(hjb_session *h, int points, int paths, uint64_t seed, int steps,
                       hjb_report *r, optsched_error *err)
{
    memset(r, 0, sizeof *r);
    int st = optsched_hjb_diagnose(h->solver, &h->prob, points, seed, &r->d, err);
    if (st) return st;
    optsched_mc_options o = h->mc;
    o.paths = paths;
    o.seed = seed;
    if (steps > 0) o.steps = steps;
    o.record = 1;
    optsched_hjb_policy pol = {
        .problem = h->hp, .solver = h->solver, .controls = h->o.controls};
    recorder rc = {.pol = &pol, .h = h, .dt = optsched_model_time_span(h->m) / o.steps,
                   .every = o.steps >= 50 ? o.steps / 50 : 1};
    st = optsched_mc_run(h->m, record_policy, &rc, &o, &r->mc, err);
    optsched_hjb_policy_clear(&pol);
    if (!st) st = value_profile(h, &rc, &r->mc, r, err);
    free(rc.x);
    free(rc.step);
    if (st) return st;
    r->dp_gap = optsched_hjb_dp_gap(r->d.V0, r->mc.mean);
    /* is the mean batch size non-decreasing along the run? */
    int up = 0, steps_live = 0, mono = 1;
    double prev = NAN;
    for (int n = 0; n < r->mc.steps; n++) {
        double mean, q10, q50, q90;
        if (!optsched_mc_control_bands(&r->mc, 1, n, &mean, &q10, &q50, &q90)) break;
        if (!isnan(prev)) {
            steps_live++;
            if (mean >= prev * (1 - 1e-9))
                up++;
            else
                mono = 0;
        }
        prev = mean;
    }
    r->b_monotone = mono;
    r->b_increase_frac = steps_live ? (double)up / steps_live : 1.0;
    return OPTSCHED_OK;
}

void hjb_report_free(hjb_report *r)
{
    optsched_mc_result_free(&r->mc);
}

cJSON *hjb_report_json(const hjb_session *h, const hjb_report *r, int with_train)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "method", "hjb");
    cJSON_AddItemToObject(doc, "mc", cli_json_mc(&r->mc, &h->mc));
    cJSON *mc = cJSON_GetObjectItemCaseSensitive(doc, "mc");
    cJSON_ReplaceItemInObject(mc, "seed", cJSON_CreateNumber((double)h->mc.seed));
    cJSON_AddNumberToObject(doc, "expected_loss", r->mc.mean);
    cJSON_AddNumberToObject(doc, "compute_used", r->mc.compute_mean);
    cJSON_AddNumberToObject(doc, "t_end", r->mc.t_end_mean);
    cJSON_AddNumberToObject(doc, "V0", r->d.V0);
    cJSON_AddStringToObject(doc, "greedy", controls_name(h->o.controls)); /* the policy's minimiser */
    cJSON_AddNumberToObject(doc, "networks", 1 + h->nmembers); /* > 1: an ensemble's mean value */
    cJSON *sch = cJSON_AddObjectToObject(doc, "schedule");
    const char *names[2][5] = {{"eta", "eta_q10", "eta_q50", "eta_q90", NULL},
                               {"B", "B_q10", "B_q50", "B_q90", NULL}};
    cJSON *tt = cJSON_AddArrayToObject(sch, "t");
    cJSON *arr[2][4];
    for (int w = 0; w < 2; w++)
        for (int q = 0; q < 4; q++)
            arr[w][q] = cJSON_AddArrayToObject(sch, names[w][q]);
    for (int n = 0; n < r->mc.steps; n++) {
        double v[2][4];
        int live = 0;
        for (int w = 0; w < 2; w++)
            live = optsched_mc_control_bands(&r->mc, w, n, &v[w][0], &v[w][1], &v[w][2], &v[w][3]);
        if (!live) break;
        cJSON_AddItemToArray(tt, cJSON_CreateNumber(n * r->mc.dt));
        for (int w = 0; w < 2; w++)
            for (int q = 0; q < 4; q++)
                cJSON_AddItemToArray(arr[w][q], cJSON_CreateNumber(v[w][q]));
    }
    cJSON_AddBoolToObject(doc, "B_monotone", r->b_monotone);
    cJSON_AddNumberToObject(doc, "B_nondecreasing_fraction", r->b_increase_frac);
    cJSON *diag = hjb_diagnostics_json(&r->d, r->dp_gap);
    cJSON *prof = cJSON_AddArrayToObject(diag, "dp_gap_profile");
    for (int b = 0; b < r->nprofile; b++) {
        const hjb_profile_bin *q = &r->profile[b];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "t0", q->t0);
        cJSON_AddNumberToObject(o, "t1", q->t1);
        cJSON_AddNumberToObject(o, "paths", q->paths);
        cJSON_AddNumberToObject(o, "states", (double)q->states);
        cJSON_AddNumberToObject(o, "V_mean", q->V_mean);
        cJSON_AddNumberToObject(o, "loss_mean", q->loss_mean);
        cJSON_AddNumberToObject(o, "gap", q->gap);
        cJSON_AddNumberToObject(o, "gap_se", q->gap_se);
        cJSON_AddItemToArray(prof, o);
    }
    cJSON_AddItemToObject(doc, "diagnostics", diag);
    if (with_train) cJSON_AddItemToObject(doc, "train", train_json(&h->o));
    if (h->nval) { /* policy selection: each validation and the network kept */
        cJSON *sel = cJSON_AddObjectToObject(doc, "selection");
        cJSON_AddNumberToObject(sel, "paths", h->o.select_paths);
        cJSON_AddNumberToObject(sel, "seed", (double)(h->o.seed + 104729));
        cJSON_AddItemToObject(sel, "validation", validation_json(h));
        cJSON_AddNumberToObject(sel, "selected_iteration", (double)h->val[h->best].iter);
    }
    cJSON_AddItemToObject(doc, "model", cli_json_model(h->m));
    return doc;
}

void hjb_report_print(const hjb_session *h, const hjb_report *r, FILE *f)
{
    if (h->nmembers) fprintf(f, "ensemble             the mean value of %d networks\n", 1 + h->nmembers);
    fprintf(f, "V(a0, C_max, 0)      %.6f\n", r->d.V0);
    fprintf(f, "policy loss (MC)     %.6f ± %.6f (SE), %d paths, seed %llu; compute used %.4g\n",
            r->mc.mean, r->mc.se, r->mc.paths, (unsigned long long)h->mc.seed, r->mc.compute_mean);
    if (h->o.controls != OPTSCHED_HJB_CONTROLS_BOX) /* the default goes unsaid */
        fprintf(f, "greedy controls      %s minimiser\n", controls_name(h->o.controls));
    fprintf(f, "DP gap               %.4f\n", r->dp_gap);
    if (r->nprofile) { /* signed, along the policy's own paths */
        double worst = 0;
        fprintf(f, "V on its paths       ");
        for (int b = 0; b < r->nprofile; b++) {
            fprintf(f, "%+.1f%%%s", 100 * r->profile[b].gap, b + 1 < r->nprofile ? " " : "");
            if (r->profile[b].gap_se > worst) worst = r->profile[b].gap_se;
        }
        fprintf(f, "  (V / final loss - 1 by tenth of the run; SE <= %.1f%%)\n", 100 * worst);
    }
    fprintf(f, "HJB residual         L2 %.4g   Linf %.4g   (%d held-out points)\n",
            r->d.residual_l2, r->d.residual_linf, r->d.points);
    fprintf(f, "convexity            %.1f%%\n", 100 * r->d.convexity);
    fprintf(f, "monotonicity         %.1f%%  (dV/dr <= 0)\n", 100 * r->d.monotonicity);
    fprintf(f, "boundary MSE         terminal %.3g   budget %.3g\n", r->d.boundary_mse_terminal,
            r->d.boundary_mse_budget);
    fprintf(f, "mean B(t) monotone   %s (%.1f%% of steps non-decreasing)\n",
            r->b_monotone ? "yes" : "no", 100 * r->b_increase_frac);
    if (h->nval && !h->nmembers) { /* (each member of an ensemble has its own) */
        fprintf(f, "selection            greedy policy validated on %d held-out paths at iterations",
                h->o.select_paths);
        for (int i = 0; i < h->nval; i++) {
            fprintf(f, " %lld (%.5g", (long long)h->val[i].iter, h->val[i].mean);
            if (isfinite(h->val[i].alt_mean)) /* greedy best: which minimiser, and the other's */
                fprintf(f, " %s; %s %.5g", controls_name(h->val[i].controls),
                        controls_name(other_controls(h->val[i].controls)), h->val[i].alt_mean);
            fputc(')', f);
        }
        fprintf(f, "; kept %lld", (long long)h->val[h->best].iter);
        if (h->o.greedy_best) fprintf(f, " (%s)", controls_name(h->val[h->best].controls));
        fputc('\n', f);
    }
}

int hjb_report_plot(out_dir *o, const char *name, const hjb_session *h, const hjb_report *r,
                    optsched_error *err)
{
    const char *png = out_reserve(o, name, err);
    if (!png) return OPTSCHED_EFAIL;
    size_t cap = 4096 + (size_t)r->mc.steps * 200, len = 0;
    char *s = malloc(cap);
    if (!s) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    len += (size_t)snprintf(s + len, cap - len, "$d << EOD\n");
    for (int n = 0; n < r->mc.steps; n++) {
        double e[4], b[4];
        if (!optsched_mc_control_bands(&r->mc, 0, n, &e[0], &e[1], &e[2], &e[3])) break;
        optsched_mc_control_bands(&r->mc, 1, n, &b[0], &b[1], &b[2], &b[3]);
        len +=
            (size_t)snprintf(s + len, cap - len, "%.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g\n",
                             n * r->mc.dt, e[0], e[1], e[2], e[3], b[0], b[1], b[2], b[3]);
    }
    len += (size_t)snprintf(
        s + len, cap - len,
        "EOD\nset terminal pngcairo noenhanced size 1000,800 font 'sans,10'\nset output '%s'\n"
        "set grid\nset key top left\nset multiplot layout 2,1 title 'closed-loop (HJB) policy, "
        "alpha=%g C_max=%g T=%g K=%d: mean and 10-90%% band over %d paths'\n"
        "set ylabel 'learning rate eta'\nplot $d using 1:3:5 with filledcurves fs transparent "
        "solid 0.25 title '10-90%%', $d using 1:2 with lines lw 2 title 'mean', $d using 1:4 with "
        "lines dt 2 title 'median'\nset xlabel 'time t'\nset ylabel 'batch size B'\nplot $d using "
        "1:7:9 with filledcurves fs transparent solid 0.25 title '10-90%%', $d using 1:6 with "
        "lines lw 2 title 'mean', $d using 1:8 with lines dt 2 title 'median'\nunset multiplot\n",
        png, h->m->alpha, h->m->C, h->m->T, h->m->K, r->mc.paths);
    int st = out_gnuplot(s, err);
    free(s);
    return st;
}

/* The greedy policy with its clock started at t0: the Monte Carlo runs from time 0. */
typedef struct {
    optsched_hjb_policy *pol;
    double t0;
} shifted_policy;

static int shifted_policy_fn(void *ctx, int n, const double *a, const double *r, double t,
                             double *eta, double *B)
{
    const shifted_policy *s = ctx;
    return optsched_hjb_policy_fn(s->pol, n, a, r, t + s->t0, eta, B);
}

/* Monte Carlo of the network's policy from the state (a, r, t0): the same model started
 * there — a_k(0) = a_k, C_max = r, T = T − t0 — with the Euler step of the full run. */
static int mc_from_state(hjb_session *h, const double *a, double r, double t0, int paths,
                         uint64_t seed, optsched_mc_result *res, optsched_error *err)
{
    const optsched_model *m = h->m;
    if (!(r > 0) || t0 < 0 || !(t0 < m->T))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--state: a Monte Carlo (--paths) needs r > 0 and 0 <= t < T, got r = %g, t = %g",
                                  r, t0);
    optsched_model *ms = NULL;
    int st = model_at_state(h, a, r, t0, &ms, err);
    if (st) return st;
    optsched_mc_options o = h->mc;
    const double span = optsched_model_time_span(m), dt = span / o.steps;
    o.paths = paths;
    o.seed = seed;
    o.record = 0;
    o.steps = (int)fmax(1.0, ceil(optsched_model_time_span(ms) / dt - 1e-9));
    optsched_hjb_policy pol = {.problem = h->hp, .solver = h->solver, .controls = h->o.controls};
    shifted_policy sp = {&pol, t0};
    st = optsched_mc_run(ms, shifted_policy_fn, &sp, &o, res, err);
    optsched_hjb_policy_clear(&pol);
    optsched_model_free(ms);
    return st;
}

int hjb_eval_state(hjb_session *h, const char *state, int paths, uint64_t seed, int json,
                   optsched_error *err)
{
    const optsched_model *m = h->m;
    const int K = m->K, C = 3 + 2 * K;
    double v[OPTSCHED_MAX_MODES + 2];
    int nv = 0;
    const char *p = state;
    while (*p && nv < K + 2) {
        char *end;
        errno = 0;
        v[nv] = strtod(p, &end);
        if (end == p || errno || !isfinite(v[nv]) || (*end && *end != '/')) break;
        nv++;
        p = *end ? end + 1 : end;
    }
    if (nv != K + 2 || *p)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--state: expected %d numbers a_1/.../a_%d/r/t, got '%s'", K + 2,
                                  K, state);
    double x[OPTSCHED_MAX_MODES + 2], jets[3 + 2 * OPTSCHED_MAX_MODES];
    optsched_hjb_input(h->hp, v, v[K], v[K + 1], x);
    int st = optsched_dgm_solver_eval(h->solver, 1, x, jets, err);
    if (st) return st;
    double V, Vr, Vt, Va[OPTSCHED_MAX_MODES], Vaa[OPTSCHED_MAX_MODES], A, D, eta, B;
    (void)C;
    double as[OPTSCHED_MAX_MODES];
    optsched_hjb_unscale(h->hp, x, jets, &V, Va, &Vr, &Vt, Vaa);
    optsched_hjb_state(h->hp, x, as); /* |a_k| when folded */
    optsched_hjb_AD(m, as, Va, Vaa, &A, &D);
    if (h->o.fold) /* derivatives in a_k, not |a_k| */
        for (int k = 0; k < K; k++) Va[k] = v[k] < 0 ? -Va[k] : Va[k];
    /* the HJB residual takes the box's minimum of H; the controls printed are the policy's */
    double eb, bb;
    double H = optsched_hjb_box_min(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, &eb, &bb);
    optsched_hjb_controls(h->o.controls, m, A, D, Vr, Vt, &eta, &B);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "V", V);
    cJSON *ja = cJSON_AddArrayToObject(doc, "dV_da");
    cJSON *jaa = cJSON_AddArrayToObject(doc, "d2V_da2");
    for (int k = 0; k < K; k++) {
        cJSON_AddItemToArray(ja, cJSON_CreateNumber(Va[k]));
        cJSON_AddItemToArray(jaa, cJSON_CreateNumber(Vaa[k]));
    }
    cJSON_AddNumberToObject(doc, "dV_dr", Vr);
    cJSON_AddNumberToObject(doc, "dV_dt", Vt);
    cJSON_AddNumberToObject(doc, "eta", eta);
    cJSON_AddNumberToObject(doc, "B", B);
    cJSON_AddNumberToObject(doc, "hjb_residual", Vt + H);
    optsched_mc_result mc = {0};
    if (paths > 0) {
        if ((st = mc_from_state(h, v, v[K], v[K + 1], paths, seed, &mc, err))) {
            cJSON_Delete(doc);
            return st;
        }
        optsched_mc_options mo = {.seed = seed};
        cJSON_AddItemToObject(doc, "mc", cli_json_mc(&mc, &mo));
    }
    if (json)
        cli_json_print(doc);
    else {
        printf("V        %.8g\ndV/dr    %.6g\ndV/dt    %.6g\n", V, Vr, Vt);
        for (int k = 0; k < K; k++)
            printf("dV/da_%-3d %.6g   d2V/da_%d^2 %.6g\n", k + 1, Va[k], k + 1, Vaa[k]);
        printf("controls eta %.6g  B %.6g   (HJB residual %.3g)\n", eta, B, Vt + H);
        if (paths > 0)
            printf("policy   Monte Carlo loss from this state %.8g ± %.2g (%d paths, seed %llu)\n",
                   mc.mean, mc.se, mc.paths, (unsigned long long)seed);
    }
    optsched_mc_result_free(&mc);
    cJSON_Delete(doc);
    return OPTSCHED_OK;
}
