/* The closed-loop (HJB) solver as the commands use it: training sessions with
 * presets, progress, checkpoints and a sidecar JSON; reports with diagnostics
 * and the extracted policy's Monte Carlo statistics and control bands. Shared
 * by `optsched hjb` and `optsched solve --method hjb`. */
#ifndef OPTSCHED_CLI_HJB_COMMON_H
#define OPTSCHED_CLI_HJB_COMMON_H

#include <stdio.h>

#include "cli/common.h"
#include "optsched/hjb.h"

typedef struct {
    cli_common common;
    const char *weights;
    const char *preset; /* "fast" (default) or "paper" */
    const char *precision;
    const char *init; /* round-0 policy: "constant" (default) or "openloop" */
    const char *prior; /* "pace" (default) or "none" */
    const char *clock; /* residual clock: "wall" or "compute" */
    const char *greedy; /* the greedy policy's minimiser: "box", "frontier" or "best" */
    int rounds, iters, batch, width, layers, fixed_point, select_paths, mc_values, exact_boundary,
        reachable, spread_starts, fold, park_face, relative_boundary, stage2;
    const char *keep; /* "best" or "last" */
    double lr, lr_decay, path_frac, onpolicy_frac, relative, lambda_bc, lambda_struct, lambda_data,
        warmup, terminal_power, stretch, kink, stage2_scale;
    const char *relative_to; /* "prior" or "value" */
} hjb_cli;

#define HJB_TRAIN_FLAGS 37

/* Appends the common flags and the training flags; returns the count. */
int hjb_cli_flags(hjb_cli *c, cli_arg *table);

typedef struct {
    char preset[16], precision[8], init[16], prior[16];
    int rounds, iters, batch, width, layers;
    int chunk;    /* points per chunk of the engine's jet batches (dgm.h option "chunk") */
    int controls; /* OPTSCHED_HJB_CONTROLS_* (hjb.h): the minimiser in use */
    int greedy_best; /* 1: train with box, validate box and frontier, keep the better pair */
    int select_paths; /* > 0: validate every round's greedy policy on this many paths */
    int keep_last;    /* 1: keep the last round's network, not the best-validated one */
    int mc_values;    /* 1: the validation paths also give the next round value data */
    int compute_clock; /* 1: the residual on the compute clock (hjb.h) */
    int exact_boundary; /* 1: V = V0 + S N with S zero on the boundary (hjb.h) */
    double terminal_power; /* S's time factor 1 - (t/T)^power (hjb.h); 1: linear */
    int reachable;      /* 1: box points (r, t) on the reachable set (hjb.h) */
    /* > 0: every validation also runs the policy under evaluation from this many other initial
     * states (a0 scaled per mode, the whole budget, t = 0); their states join the on-policy
     * points and value data */
    int spread_starts;
    int fold;           /* 1: the network sees |a| (hjb.h; one mode) */
    int park_face;      /* 1: boundary points on a = 0 with parking's value (hjb.h; one mode) */
    double stretch;     /* > 0: the network's a-coordinate stretched near 0 (hjb.h); 0: off */
    double kink;        /* > 0: the kink at a = 0 built into V's form, rounded within kink |a0| (hjb.h; one mode) */
    double lr, lr_decay, path_frac, lambda_bc, lambda_struct, lambda_data, warmup;
    double onpolicy_frac; /* share of points near the validation paths' states (hjb.h) */
    double relative;      /* the residual relative to the prior (hjb.h); 0: off */
    int relative_value;   /* 1: relative to the frozen policy's value instead (hjb.h) */
    int relative_boundary; /* 1: the boundary penalty weighted relative to its target too (hjb.h) */
    /* > 0: after policy iteration, a refinement stage of this many iterations: a second
     * network N2, V = V1 + stage2_scale·S·N2, evaluates the kept network V1's greedy policy
     * (dgm.h, optsched_dgm_refine_problem); 0: none */
    int stage2;
    double stage2_scale;
    uint64_t seed;
} hjb_train_opts;

/* One validation of a network's greedy policy during training (select_paths > 0). */
typedef struct {
    int64_t iter;
    double mean, se;
    double V0; /* the network's V at the initial state then: what it promised the policy */
    int controls; /* the minimiser of the policy counted (with greedy_best: the better one) */
    double alt_mean, alt_se; /* greedy_best: the other minimiser's policy (NAN otherwise) */
} hjb_validation;

/* The training options of a preset ("fast" for NULL, "paper", "quick"), or NULL. */
const hjb_train_opts *hjb_preset_find(const char *name);
/* The prior a session trains with: "auto" is openloop for a finite horizon, pace otherwise;
 * any other name is returned as it is. */
const char *hjb_prior_resolve(const char *prior, double horizon);

typedef struct hjb_session {
    optsched_model_params params;
    optsched_model *m;
    optsched_hjb_problem *hp;
    optsched_dgm_problem prob;
    optsched_dgm_solver *solver; /* the network every report uses: stage 2 once refined */
    /* with a refinement stage under way or done: the first stage's solver (frozen; the
     * prior of `solver`) and what the refined problem's callbacks need; NULL before */
    optsched_dgm_solver *stage1;
    optsched_dgm_refine refine;
    hjb_train_opts o;
    char weights[1024];
    optsched_mc_options mc;
    optsched_schedule initial; /* the round-0 open-loop schedule with init = openloop */
    /* policy selection: the validations so far (the best one's parameters kept) */
    hjb_validation *val;
    int nval, best;           /* best: index into val, -1 before any */
    double *best_params;
    /* keep_last: the per-path losses of the best and of the latest validation (their paths are
     * the same, so the two compare pairwise), and how the last compared at the end */
    double *best_loss, *last_loss;
    int nloss;
    double keep_diff, keep_se; /* last minus best, paired, and its standard error; NAN: none */
    int64_t selected_iter;    /* the iteration whose network was kept at the end, -1: last */
    /* an ensemble (hjb_session_load of "W1,W2,..."): the other networks' sessions, whose
     * solvers are members of this one's (optsched_dgm_solver_add_member) */
    struct hjb_session *members;
    int nmembers;
    char ensemble[1024]; /* loaded from an ensemble's description (--members): its name */
} hjb_session;

/* A new session from flags: the preset, then the flags given explicitly. */
int hjb_session_new(hjb_session *h, const hjb_cli *c, const cli_arg *table, int n,
                    optsched_error *err);
/* A session for the model params without flags: the named preset ("fast",
 * "paper" or "quick"), or the training options o when o is non-NULL (o->preset is then
 * only a label); Monte Carlo options default with the given seed. */
int hjb_session_new_opts(hjb_session *h, const optsched_model_params *p, const char *preset,
                         const hjb_train_opts *o, uint64_t seed, optsched_error *err);
/* A session from WEIGHTS and WEIGHTS.json; "W1,W2,...", or W whose W.json describes an
 * ensemble (hjb_ensemble_describe), loads the networks as an ensemble. */
int hjb_session_load(hjb_session *h, const char *weights, optsched_error *err);

/* Ensembles trained in one command (`hjb train --members M`): ENSEMBLE.json describes them
 * ({"members": M, "model", "train"}: one network's description without statistics), and
 * member i is the network ENSEMBLE.m<i> trained with those options and seed + i. */
void hjb_member_name(char *out, size_t n, const char *ensemble, int i);
/* ENSEMBLE.json for `members` networks trained with h's model and options. */
int hjb_ensemble_describe(const hjb_session *h, const char *ensemble, int members, optsched_error *err);
/* How many members WEIGHTS.json describes: 0 for one network's description. */
int hjb_ensemble_members(const char *weights, int *members, optsched_error *err);
/* A new session for member i of the ensemble ENSEMBLE.json describes (weights ENSEMBLE.m<i>). */
int hjb_session_new_member(hjb_session *h, const char *ensemble, int i, optsched_error *err);
/* Trains to the end (or continues), printing a progress line on stderr when
 * progress is set, checkpointing every `every` iterations (0: a tenth of a
 * round), and finally writing WEIGHTS and WEIGHTS.json (if weights is set). */
int hjb_session_train(hjb_session *h, int every, int progress, optsched_error *err);
void hjb_session_free(hjb_session *h);
cJSON *hjb_session_json(const hjb_session *h);
void hjb_session_print(const hjb_session *h, FILE *f);

/* The network's V on its own policy's Monte Carlo paths against the final losses those paths
 * reached (unbiased samples of the policy's value there), by tenth of the run: the DP gap
 * along the way, not only at the start. */
#define HJB_PROFILE_BINS 10
typedef struct {
    double t0, t1;            /* time range (model time) */
    int paths;                /* paths with a state recorded in the range */
    long states;              /* states recorded in the range (every span/50) */
    double V_mean, loss_mean; /* mean V over those states; mean final loss of their paths */
    double gap, gap_se;       /* V_mean / loss_mean - 1 and its standard error (over paths) */
} hjb_profile_bin;

typedef struct {
    optsched_hjb_diagnostics d;
    optsched_mc_result mc;
    double dp_gap;
    hjb_profile_bin profile[HJB_PROFILE_BINS];
    int nprofile;             /* bins with states */
    int b_monotone;        /* the mean B(t) over running paths never decreases (rel. 1e-9) */
    double b_increase_frac; /* fraction of steps where the mean B rises or stays */
} hjb_report;

/* Diagnostics on `points` held-out points and a Monte Carlo of the extracted
 * policy on `paths` paths (recorded, for the bands). */
int hjb_session_report(hjb_session *h, int points, int paths, uint64_t seed, int steps,
                       hjb_report *r, optsched_error *err);
void hjb_report_free(hjb_report *r);
/* The diagnostics object of the JSON reports: points, V0, residual_l2, residual_linf,
 * convexity, monotonicity, boundary_mse_terminal, boundary_mse_budget, dp_gap. */
cJSON *hjb_diagnostics_json(const optsched_hjb_diagnostics *d, double dp_gap);
/* JSON with mc, compute_used, schedule {t, eta, B and bands}, diagnostics, V0;
 * with_train adds the training options. */
cJSON *hjb_report_json(const hjb_session *h, const hjb_report *r, int with_train);
void hjb_report_print(const hjb_session *h, const hjb_report *r, FILE *f);
/* PNG of the extracted policy's η(t) and B(t): mean and 10/50/90% bands. */
int hjb_report_plot(out_dir *o, const char *name, const hjb_session *h, const hjb_report *r,
                    optsched_error *err);

/* Prints V, its derivatives and the controls at the state "a_1/.../a_K/r/t"; with paths > 0
 * also the Monte Carlo loss of the network's greedy policy started there (seed `seed`), the
 * quantity V estimates. */
int hjb_eval_state(hjb_session *h, const char *state, int paths, uint64_t seed, int json,
                   optsched_error *err);

#endif
