/* optsched — a monotone grid solver of the closed-loop HJB equation for K = 1
 * and K = 2 modes (SPEC §3 "Closed-loop optimum", validation (ii)).
 *
 * The value function V(a, r, t) of the full-state feedback problem
 *     ∂_tV + min_{η,B} { Σ_k [−η λ_k P a_k ∂_{a_k}V + (η²/2B) λ_k (ℓ(a)+σ²) ∂²_{a_k}V] − B ∂_rV } = 0,
 *     V(a, r, T) = V(a, 0, t) = ℓ(a) + L_tail,
 * is computed by a semi-Lagrangian scheme marching in the remaining compute r
 * (the compute clock dc = B dt, on which every speed is bounded), with exact
 * handling of the horizon, Gauss–Hermite expectations, multilinear
 * interpolation in a and t, and minimisation over a finite set of (η, B)
 * candidates. Every update is a convex combination of values of the previous
 * compute level plus known terms, so the scheme is monotone and stable for any
 * step. Scheme, boundary treatment and measured convergence: docs/HJB_GRID.md.
 *
 * Lifecycle (acados-style):
 *     optsched_hjb_grid *g = optsched_hjb_grid_create(model, &err);
 *     optsched_hjb_grid_set(g, "n_a", 201, &err);            numeric options by name
 *     optsched_hjb_grid_set_str(g, "controls", "box", &err);  string options by name
 *     int st = optsched_hjb_grid_solve(g, &err);
 *     optsched_hjb_grid_value(g, a, r, t, &V);                queries (after a solve)
 *     optsched_hjb_grid_controls(g, a, r, t, &eta, &B);
 *     const optsched_hjb_grid_stats *s = optsched_hjb_grid_get_stats(g);
 *     optsched_hjb_grid_destroy(g);
 * The model must outlive the solver. Results do not depend on the number of
 * OpenMP threads.
 */
#ifndef OPTSCHED_HJB_GRID_H
#define OPTSCHED_HJB_GRID_H

#include "optsched/error.h"
#include "optsched/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OPTSCHED_HJB_GRID_MAX_MODES 2

typedef struct optsched_hjb_grid optsched_hjb_grid;

typedef struct {
    int K;                 /* modes (1 or 2) */
    int n_a;               /* nodes per coordinate on [0, a_box] (V is even in each a_k) */
    double stretch;        /* β of the node map a_i = a_box sinh(β i/(n_a−1)) / sinh(β) */
    int n_r;               /* compute steps: levels r_j = j C_max / n_r, j = 0..n_r */
    int n_t;               /* time nodes t_i = i T / (n_t − 1); 1 when T = inf */
    int n_controls;        /* (η, B) candidates */
    int gh;                /* Gauss–Hermite points per mode */
    double a_box;          /* box half-width: |a_k| ≤ a_box */
    double da_min, da_max; /* a-node spacing at 0 and at the box edge */
    double dr, dt;         /* compute step and time step (dt = 0 when T = inf) */
    double value0;         /* V(a0, C_max, 0) */
    double eta0, B0;       /* argmin controls at the initial state (node-interpolated) */
    double convex_fraction;     /* nodes with ∂²V/∂a_k² ≥ 0 (second differences, every k) */
    double monotone_r_fraction; /* nodes with V(·, r_j, ·) ≤ V(·, r_{j−1}, ·) */
    double monotone_t_fraction; /* nodes with V(·, ·, t_i) ≤ V(·, ·, t_{i+1}) */
    long long nodes;       /* stored nodes (all levels) */
    double memory_mb;      /* storage of values and argmin indices */
    double seconds;        /* wall time of the last solve */
    int threads;           /* OpenMP threads used */
} optsched_hjb_grid_stats;

/* Fails with OPTSCHED_EINVAL (message names --modes and the range [1, 2]) for K > 2. */
optsched_hjb_grid *optsched_hjb_grid_create(const optsched_model *m, optsched_error *err);
void optsched_hjb_grid_destroy(optsched_hjb_grid *g);

/* Numeric options (out-of-range values are OPTSCHED_EINVAL; the message names the option):
 *   "n_a"    nodes per coordinate on [0, a_box]   [3, 4001]   default 201 (K=1), 41 (K=2)
 *   "n_r"    compute steps                         [1, 100000] default 200 (K=1), 100 (K=2)
 *   "n_t"    time nodes over [0, T] (ignored when T = inf)
 *                                                  [2, 10001]  default 41
 *   "n_u"    frontier controls: points of u = η/B  [2, 4096]   default 64 (K=1), 32 (K=2)
 *   "n_eta", "n_B"  box controls: log-grid points per axis [2, 128] default 16 each
 *   "gh"     Gauss–Hermite points per mode         {3, 4, 5}   default 3
 *   "a_max"  box half-width as a multiple of max_k |a_k(0)| (1 if every a_k(0) = 0)
 *                                                  [1, 100]    default 3
 *   "stretch" β of the node map a_i = a_box sinh(β i/(n_a−1)) / sinh(β): nodes
 *            crowd towards a_k = 0 (0: uniform)    [0, 10]     default 5
 *   "threads" OpenMP threads (0: the runtime's default) [0, 1024] default 0 */
int optsched_hjb_grid_set(optsched_hjb_grid *g, const char *name, double value,
                          optsched_error *err);
/* String options: "controls" = "frontier" (default) | "box".
 *   frontier: u = η/B on a log grid over [η_min/B_max, η_max/B_min], each with the
 *             largest batch that realises it, B = min(B_max, η_max/u), η = uB;
 *   box:      the n_eta × n_B log grid over the whole box (corners included).
 * Why the frontier loses nothing: docs/HJB_GRID.md. */
int optsched_hjb_grid_set_str(optsched_hjb_grid *g, const char *name, const char *value,
                              optsched_error *err);

/* Solves; replaces any previous solution. Status OPTSCHED_OK, OPTSCHED_ENOMEM, ... */
int optsched_hjb_grid_solve(optsched_hjb_grid *g, optsched_error *err);

/* V at an arbitrary state by multilinear interpolation in (a, r, t) (in a, of V minus
 * the quadratic the scheme subtracts, see docs/HJB_GRID.md); a has K entries,
 * r ∈ [0, C_max], t ∈ [0, T] (values outside are clamped). Returns OPTSCHED_EINVAL
 * before a solve or for non-finite input. At r = 0 or t ≥ T it is ℓ(a) + L_tail exactly. */
int optsched_hjb_grid_value(const optsched_hjb_grid *g, const double *a, double r, double t,
                            double *V);

/* The argmin controls at an arbitrary state: log η and log B of the stored node
 * argmins, interpolated multilinearly in (a, r, t). */
int optsched_hjb_grid_controls(const optsched_hjb_grid *g, const double *a, double r, double t,
                               double *eta, double *B);

/* The same as an optsched_policy_fn (mc.h) with ctx = the solver: feeds the grid's
 * policy to optsched_mc_run. Thread-safe (read-only). */
int optsched_hjb_grid_policy(void *ctx, int n, const double *a, const double *r, double t,
                             double *eta, double *B);

/* Statistics of the last solve (NULL before). Owned by g. */
const optsched_hjb_grid_stats *optsched_hjb_grid_get_stats(const optsched_hjb_grid *g);

#ifdef __cplusplus
}
#endif
#endif
