/* optsched — Euler–Maruyama Monte Carlo of the eigenmode SDE (SPEC §1).
 *
 * All paths step in lockstep on the grid t_n = n·span/steps, span = T (or
 * C_max/B_min when T = inf). A step that would overrun the budget is shortened
 * to spend exactly what remains and the path stops there. Increments come from
 * counter-based normals keyed by (seed, path, step, mode): every method given
 * the same seed sees the same Brownian increments, and the result is identical
 * whatever the number of OpenMP threads.
 */
#ifndef OPTSCHED_MC_H
#define OPTSCHED_MC_H

#include <stdint.h>

#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A feedback policy: controls for n states at time t. a is row-major [n][K],
 * r the remaining budget [n]. Writes eta[n], B[n] (the Monte Carlo clamps them
 * to the model's box). Returns 0, or a status code to abort the run. */
typedef int (*optsched_policy_fn)(void *ctx, int n, const double *a, const double *r, double t,
                                  double *eta, double *B);

typedef struct {
    uint64_t seed;  /* default 42 */
    int paths;      /* default 200 */
    int steps;      /* default 500 */
    int first_path; /* index of the first path (counter offset), default 0 */
    int record;     /* 1: keep η and B of every path at every step */
} optsched_mc_options;

typedef struct {
    int paths, steps;
    double mean, std, se;   /* of the final loss ℓ(a(τ)) + L_tail */
    double compute_mean;    /* mean compute used */
    double t_end_mean;      /* mean stop time */
    double *loss;           /* [paths] final loss per path */
    double *compute;        /* [paths] compute used per path */
    double *t_end;          /* [paths] */
    /* with record = 1: [steps][paths], NAN once a path has stopped */
    double *eta_trace, *B_trace;
    /* with record = 1 as well: ℓ(a) + L_tail and the compute used after each step */
    double *loss_trace, *compute_trace;
    double dt;              /* grid step */
} optsched_mc_result;

void optsched_mc_options_default(optsched_mc_options *o);

/* Runs the policy. res must be released with optsched_mc_result_free. */
int optsched_mc_run(const optsched_model *m, optsched_policy_fn policy, void *ctx,
                    const optsched_mc_options *o, optsched_mc_result *res, optsched_error *err);

/* Runs an open-loop schedule. */
int optsched_mc_schedule(const optsched_model *m, const optsched_schedule *s,
                         const optsched_mc_options *o, optsched_mc_result *res, optsched_error *err);

void optsched_mc_result_free(optsched_mc_result *res);

/* Paired difference b − a over the same paths (common random numbers): mean
 * and its standard error. Both results must cover the same paths. */
void optsched_mc_paired(const optsched_mc_result *a, const optsched_mc_result *b, double *mean,
                        double *se);

/* Bands of a recorded trace (which = 0: η, 1: B, 2: loss, 3: compute used) at step n over the paths
 * still running: mean and the q10, q50, q90 quantiles (linear interpolation
 * between order statistics). Returns the number of running paths (0: all NAN). */
int optsched_mc_control_bands(const optsched_mc_result *res, int which, int n, double *mean,
                              double *q10, double *q50, double *q90);

#ifdef __cplusplus
}
#endif
#endif
