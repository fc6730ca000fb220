/* optsched — the open-loop optimum (SPEC §3 "Open-loop optimum").
 *
 * Minimises the exact expected loss (exact.h) over piecewise-constant controls
 * η_i, B_i on N intervals under the bounds, the budget and the horizon, with
 * gradients from the discrete adjoint of the exact eigen-decomposition
 * propagator. Formulation, parametrisations, adjoint and residual: docs/OPENLOOP.md.
 *
 * Lifecycle (acados-style):
 *     optsched_openloop *s = optsched_openloop_create(model, &err);
 *     optsched_openloop_set(s, "n", 200, &err);              numeric options by name
 *     optsched_openloop_set_str(s, "controls", "joint", &err); string options by name
 *     int st = optsched_openloop_solve(s, &err);             status (OPTSCHED_OK, ...)
 *     const optsched_openloop_result *r = optsched_openloop_get(s);
 *     optsched_openloop_destroy(s);
 * The model must outlive the solver. A solver may be solved again after
 * changing options; results are replaced.
 */
#ifndef OPTSCHED_OPENLOOP_H
#define OPTSCHED_OPENLOOP_H

#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OPTSCHED_CONTROLS_JOINT = 0, /* η_i and B_i */
    OPTSCHED_CONTROLS_LR = 1,    /* η_i, one constant B (searched in 1-D, or fixed) */
    OPTSCHED_CONTROLS_BATCH = 2  /* B_i, η fixed */
} optsched_controls;

/* How the N intervals were laid out for the reported solution. */
typedef enum {
    OPTSCHED_GRID_COMPUTE = 0, /* each interval consumes C_max/N compute (budget spent by construction) */
    OPTSCHED_GRID_TIME = 1     /* N equal time intervals of t_end/N */
} optsched_grid;

typedef struct {
    /* the schedule: interval i holds on [t[i], t[i] + dt[i]) */
    int n;
    double *t, *dt, *eta, *B, *u; /* [n] each; u = η/B */
    double *compute;              /* [n] compute consumed in interval i (B_i dt_i) */
    double expected_loss;         /* exact (optsched_exact_eval of the array schedule) */
    double compute_used, t_end;
    double residual;              /* first-order optimality residual (docs/OPENLOOP.md) */
    double value_2n;              /* optimum at 2N (NAN unless option "refine" = 1) */
    double residual_2n;
    optsched_grid grid;
    optsched_controls controls;
    int horizon_binds;    /* 1 if the horizon limits the optimum (or the budget cannot be spent by T) */
    int identifiable;     /* 0: only u = η/B is determined; (η, B) is the canonical representative */
    double lr_batch;      /* LR-only: the constant B used (searched or fixed); NAN otherwise */
    double batch_eta;     /* batch-only: the fixed η; NAN otherwise */
    double eta_max_fraction; /* fraction of intervals with η within 1e-6 (relative) of η_max */
    int b_dips_then_rises;   /* B(t) has an interior minimum below both ends */
    int starts;              /* starting points tried */
    int evaluations;         /* loss + gradient evaluations, all starts and the 2N solve */
    double seconds;          /* wall time of optsched_openloop_solve */
} optsched_openloop_result;

typedef struct optsched_openloop optsched_openloop;

optsched_openloop *optsched_openloop_create(const optsched_model *m, optsched_error *err);
void optsched_openloop_destroy(optsched_openloop *s);

/* Numeric options (out-of-range values are OPTSCHED_EINVAL, message names the flag):
 *   "n"          intervals N                    [2, 100000]      default 200
 *   "starts"     starting points                [1, 8]           default 3
 *   "max_evals"  evaluations per local solve    [10, 1e7]        default 5000
 *   "tol"        stop when the relative decrease of the loss per iteration is
 *                below tol                      [1e-15, 1e-3]    default 1e-12
 *   "refine"     also solve at 2N (value_2n)    0 or 1           default 1
 *   "lr_batch"   LR-only: fixed B (0: search B) 0 or [B_min, B_max] default 0
 *   "batch_eta"  batch-only: fixed η            [η_min, η_max]   default η_max  */
int optsched_openloop_set(optsched_openloop *s, const char *name, double value, optsched_error *err);
/* String options: "controls" = "joint" | "lr" | "batch". */
int optsched_openloop_set_str(optsched_openloop *s, const char *name, const char *value,
                              optsched_error *err);

int optsched_openloop_solve(optsched_openloop *s, optsched_error *err);
/* The result of the last successful solve (NULL before). Owned by s. */
const optsched_openloop_result *optsched_openloop_get(const optsched_openloop *s);

/* The solution as an array schedule (copies; release with optsched_schedule_clear). */
int optsched_openloop_schedule(const optsched_openloop *s, optsched_schedule *out, optsched_error *err);

const char *optsched_controls_name(optsched_controls c);
int optsched_controls_from_name(const char *name, optsched_controls *c);

/* Exact loss of a piecewise-constant schedule (interval i: controls eta[i], B[i]
 * for a time dt[i]; the run is these n intervals, the caller keeps them within
 * budget and horizon) and its gradient by the discrete adjoint: g_eta[i] =
 * ∂L/∂η_i, g_B[i] = ∂L/∂B_i, g_dt[i] = ∂L/∂dt_i. Any gradient pointer may be NULL
 * (all NULL: loss only). Returns OPTSCHED_EFAIL if the moments overflow. */
int optsched_openloop_loss_grad(const optsched_model *m, int n, const double *dt,
                                const double *eta, const double *B, double *loss, double *g_eta,
                                double *g_B, double *g_dt, optsched_error *err);

#ifdef __cplusplus
}
#endif
#endif
