/* optsched — generic Deep Galerkin Method (DGM) engine.
 *
 * Three layers, each usable on its own:
 *
 *  1. The network (SPEC §3): input x in R^d,
 *       S_1 = tanh(W_1 x + b_1)
 *       for each of L layers:  Z = tanh(U_z x + W_z S + b_z)   G = tanh(U_g x + W_g S + b_g)
 *                              R = tanh(U_r x + W_r S + b_r)   H = tanh(U_h x + W_h (S.R) + b_h)
 *                              S <- (1 - G).H + Z.S
 *       V = w^T S + b
 *     evaluated for a batch with forward-mode Taylor jets (V, dV/dx_i for every input i,
 *     d2V/dx_j2 for a chosen index set) and differentiated in reverse mode through those jets
 *     (gradients of any loss of the jets with respect to every parameter). Adam.
 *  2. A policy-iteration trainer (the solver object) driven by a control-problem plug-in
 *     (optsched_dgm_problem): evaluation of the frozen policy on the *linear* residual, then
 *     improvement from the jets.
 *  3. Merton's portfolio problem as a plug-in with a closed-form solution.
 *
 * Precision. The network layer exists in float (suffix _f32, the default, fast) and double
 * (suffix _f64, for checks); both are in the library at once. The solver picks one by option.
 * The plug-in interface and the solver's evaluation calls are always double.
 *
 * Jets. For a batch of N points, "jets" are point-major: jets[p*C + c], C = 1 + D + Q, with
 *   c = 0            V
 *   c = 1 + i        dV/dx_i          (i < D; D = d when first derivatives are requested, else 0)
 *   c = 1 + D + k    d2V/dx_j2, j = second[k]  (k < Q; needs D = d)
 *
 * Determinism. Batches are cut into fixed-size chunks, chunks into a fixed number of slots,
 * and every reduction runs in a fixed order; results are bit-identical for any OpenMP thread
 * count. While an engine call runs it sets OpenBLAS to one thread (the engine parallelises
 * over chunks itself) and restores the previous setting before returning.
 * Details: docs/DGM.md.
 */
#ifndef OPTSCHED_DGM_H
#define OPTSCHED_DGM_H

#include <stddef.h>
#include <stdint.h>

#include "optsched/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OPTSCHED_DGM_MAX_LAYERS 16

/* Offsets (in elements) of every parameter in the single contiguous parameter buffer.
 * Matrices are row-major with one row per output unit:
 *   W1 [n][d], b1 [n];
 *   per layer l: U[l] [4n][d] (row blocks z, g, r, h), W[l] [3n][n] (row blocks z, g, r: the
 *   three gates that read S share one GEMM), Wh[l] [n][n], b[l] [4n] (blocks z, g, r, h);
 *   w [n], bout [1].
 * A gradient buffer uses the same layout. */
typedef struct optsched_dgm_layout {
    int dim, width, layers;
    size_t nparams;
    size_t W1, b1, w, bout;
    size_t U[OPTSCHED_DGM_MAX_LAYERS], W[OPTSCHED_DGM_MAX_LAYERS];
    size_t Wh[OPTSCHED_DGM_MAX_LAYERS], b[OPTSCHED_DGM_MAX_LAYERS];
} optsched_dgm_layout;

/* Fills lay for input dimension dim, width units, layers gated layers. */
int optsched_dgm_layout_init(optsched_dgm_layout *lay, int dim, int width, int layers,
                             optsched_error *err);

/* Which jets to compute: first = 1 for all d first derivatives (0: value only);
 * nsecond indices in second[] (each in [0, d)) get d2V/dx_j2. */
typedef struct optsched_dgm_jetspec {
    int first;
    int nsecond;
    const int *second;
} optsched_dgm_jetspec;

/* Channels C = 1 + D + Q of a jet spec for input dimension dim. */
int optsched_dgm_jet_channels(const optsched_dgm_jetspec *js, int dim);

/* A loss that is a sum over points. Called for consecutive point ranges [p0, p0 + n), possibly
 * concurrently from several threads on disjoint ranges (it must only read ctx). Gets the jets of
 * those points (jets[p*C + c], local p) and writes dL/d(jets) in the same layout; returns the
 * range's contribution to the loss. */
typedef double (*optsched_dgm_loss_fn)(void *ctx, size_t p0, size_t n, int C,
                                       const double *jets, double *djets);

/* Points per chunk of a jet batch unless the caller says otherwise (work spaces, the solver's
 * "chunk" option); value-only batches take 8x as many. */
#define OPTSCHED_DGM_CHUNK_DEFAULT 16

/* Work flags. */
enum {
    OPTSCHED_DGM_WORK_GRAD = 1, /* gradients will be requested (per-slot gradient buffers) */
    OPTSCHED_DGM_WORK_TAPE = 2  /* keep the whole batch's tape for a separate backward call */
};

/* The per-precision network API. Declared once per precision by this macro so that the two
 * sets cannot drift apart; SFX is f32 or f64, REAL float or double.
 *
 *   optsched_dgm_net_SFX          the parameters (one buffer) and their layout
 *   _net_alloc / _net_free        buffer allocation (zeroed)
 *   _net_init(net, seed)          Glorot-uniform weights from a Philox stream, zero biases
 *   _work_alloc(lay, js, nmax, chunk, flags) / _work_free
 *                                 scratch for batches of at most nmax points, chunk points per
 *                                 chunk (0 = OPTSCHED_DGM_CHUNK_DEFAULT, 8x that for a value-only work space)
 *   _forward(jets[N][C], work, net, N, x[N][d])
 *                                 jets of the network at N points; with WORK_TAPE the whole
 *                                 forward is kept for _backward
 *   _backward(grad[nparams], work, net, djets[N][C], accumulate)
 *                                 reverse mode through the last _forward: grad = (or +=)
 *                                 sum_p sum_c djets[p][c] * d jets[p][c] / d params
 *   _value_and_grad(grad, loss, work, net, N, x, fn, ctx, accumulate)
 *                                 forward, loss fn, backward fused chunk by chunk (activations
 *                                 stay in cache; no tape needed); *loss = sum of fn's values
 *   _adam_alloc / _adam_free / _adam_step(adam, params, grad)
 *                                 Adam with bias correction: m, v moments of nparams each
 */
#define OPTSCHED_DGM_DECLARE(SFX, REAL)                                                        \
    typedef struct optsched_dgm_net_##SFX {                                                    \
        optsched_dgm_layout lay;                                                               \
        REAL *params; /* [lay.nparams] */                                                      \
    } optsched_dgm_net_##SFX;                                                                  \
    typedef struct optsched_dgm_work_##SFX optsched_dgm_work_##SFX;                            \
    typedef struct optsched_dgm_adam_##SFX {                                                   \
        size_t n;                                                                              \
        REAL *m, *v;     /* first and second moments [n] */                                    \
        int64_t step;    /* steps taken */                                                     \
        double lr, beta1, beta2, eps;                                                          \
    } optsched_dgm_adam_##SFX;                                                                 \
    optsched_dgm_net_##SFX *optsched_dgm_net_alloc_##SFX(const optsched_dgm_layout *lay,       \
                                                         optsched_error *err);                 \
    void optsched_dgm_net_free_##SFX(optsched_dgm_net_##SFX *net);                             \
    void optsched_dgm_net_init_##SFX(optsched_dgm_net_##SFX *net, uint64_t seed);              \
    optsched_dgm_work_##SFX *optsched_dgm_work_alloc_##SFX(                                    \
        const optsched_dgm_layout *lay, const optsched_dgm_jetspec *js, size_t nmax,           \
        int chunk, int flags, optsched_error *err);                                            \
    void optsched_dgm_work_free_##SFX(optsched_dgm_work_##SFX *work);                          \
    int optsched_dgm_forward_##SFX(REAL *jets, optsched_dgm_work_##SFX *work,                  \
                                   const optsched_dgm_net_##SFX *net, size_t N,                \
                                   const REAL *x, optsched_error *err);                        \
    int optsched_dgm_backward_##SFX(REAL *grad, optsched_dgm_work_##SFX *work,                 \
                                    const optsched_dgm_net_##SFX *net, const REAL *djets,      \
                                    int accumulate, optsched_error *err);                      \
    int optsched_dgm_value_and_grad_##SFX(REAL *grad, double *loss,                            \
                                          optsched_dgm_work_##SFX *work,                       \
                                          const optsched_dgm_net_##SFX *net, size_t N,         \
                                          const REAL *x, optsched_dgm_loss_fn fn, void *ctx,   \
                                          int accumulate, optsched_error *err);                \
    optsched_dgm_adam_##SFX *optsched_dgm_adam_alloc_##SFX(size_t n, double lr,                \
                                                           optsched_error *err);               \
    void optsched_dgm_adam_free_##SFX(optsched_dgm_adam_##SFX *adam);                          \
    void optsched_dgm_adam_step_##SFX(optsched_dgm_adam_##SFX *adam, REAL *params,             \
                                      const REAL *grad);

OPTSCHED_DGM_DECLARE(f32, float)
OPTSCHED_DGM_DECLARE(f64, double)

/* ---------------------------------------------------------------------------------------
 * Counter-based random numbers for plug-ins (Philox 4x32-10). A value depends only on
 * (seed, stream, iter, index, lane): sampling is reproducible, resumable from the iteration
 * counter alone, and independent of the thread count. */
typedef struct optsched_dgm_rng {
    uint64_t seed;
    uint32_t stream; /* which sampler (interior, boundary, ...) */
    uint64_t iter;   /* training iteration */
} optsched_dgm_rng;

/* Uniform in (0, 1) for element index, lane 0..1. */
double optsched_dgm_rng_uniform(const optsched_dgm_rng *rng, uint64_t index, unsigned lane);
/* Standard normal for element index, lane 0..1 (Box-Muller on one Philox block). */
double optsched_dgm_rng_normal(const optsched_dgm_rng *rng, uint64_t index, unsigned lane);

/* ---------------------------------------------------------------------------------------
 * The control-problem plug-in. All arrays are double and point-major; n points at a time.
 * Callbacks return OPTSCHED_OK or an error status (the solver stops with it). They are
 * called from one thread at a time.
 *
 * The engine trains V to satisfy, on interior points with frozen controls u,
 *     res(x) = r0(x, u) + sum_c coef_c(x, u) * jets_c(x) = 0        (linear in the jets)
 * plus lam_bc * mean (V - target)^2 on boundary points and lam_struct * sum over penalty
 * terms of mean relu(violation)^2. Improvement replaces u by improve(x, jets) of the
 * network at the end of the previous round. */
typedef struct optsched_dgm_penalty {
    int channel; /* jet channel c (layout above) */
    int upper;   /* 0: penalise relu(limit - jets_c)^2, 1: relu(jets_c - limit)^2 */
    double limit;
} optsched_dgm_penalty;

typedef struct optsched_dgm_problem {
    const char *name;
    int dim;           /* d: network input dimension */
    int nsecond;       /* Q: inputs that need d2V/dx_j2 ... */
    const int *second; /* ... and their indices */
    int ncontrols;
    void *ctx;

    /* x[n][dim]: interior collocation points. */
    int (*sample_interior)(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x);
    /* x[n][dim] on the boundary and the value V must take there, target[n]. */
    int (*sample_boundary)(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x,
                           double *target);
    /* Round-0 policy u[n][ncontrols] (NULL: improve() on the initial network). */
    int (*initial_control)(void *ctx, size_t n, const double *x, double *u);
    /* Improvement: u[n][ncontrols] = the optimal controls given the jets (C = 1 + dim + nsecond). */
    int (*improve)(void *ctx, size_t n, const double *x, const double *jets, double *u);
    /* The linear residual for frozen controls: r0[n] and coef[n][C]. */
    int (*residual)(void *ctx, size_t n, const double *x, const double *u, double *r0,
                    double *coef);

    /* Structural penalties (may be 0 / NULL). */
    int npenalty;
    const optsched_dgm_penalty *penalty;

    /* Optional prior V0 with known jets: the network then represents the correction,
     * V = V0 + N_theta, and every jet the solver reports (eval, controls, the frozen policy)
     * is that of the sum. Writes jets[n][C] of V0, all C channels. With a prior the
     * network's output layer starts at zero, so training starts from V = V0: a prior that
     * is the exact value of a feasible policy makes the first improvement exact. NULL: V = N_theta. */
    int (*prior)(void *ctx, size_t n, const double *x, double *jets);

    /* Optional multiplier S with known jets (all C channels, like the prior's): the network
     * then represents N in V = V0 + S·N_theta, and every loss term and reported jet is that
     * of this V (product rule). An S that vanishes on the boundary makes the boundary
     * condition exact — V = V0 there whatever the network — instead of a penalty whose balance
     * against the residual decides how well the level of V is held (the residual of a PDE
     * without a zeroth-order term does not see the level at all); an S that scales like V0
     * makes N a relative correction. NULL: S = 1. */
    int (*multiplier)(void *ctx, size_t n, const double *x, double *jets);

    /* Optional value data: up to n points x[n][dim] with values V should take there
     * (*got of them; 0 when there is none yet), fitted after each round's warm-up with
     * weight lambda_data · mean (V − target)². For Monte Carlo targets of the frozen policy's
     * cost-to-go, say, which are unbiased but noisy. NULL: none. */
    int (*sample_data)(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x,
                       double *target, size_t *got);

    /* Optional weights of the boundary loss, w[n] >= 0, for the points and targets that
     * sample_boundary has just given (before any prior is subtracted): the loss is then
     * lam_bc * mean w (V - target)^2 — for a residual weighted relative to the value, the
     * same relative weight on the boundary, so that neither outweighs the other where the
     * value is small. NULL: 1. */
    int (*boundary_weight)(void *ctx, size_t n, const double *x, const double *target,
                           double *w);
} optsched_dgm_problem;

/* ---------------------------------------------------------------------------------------
 * The solver: create, set options by name, solve, read results, destroy.
 *
 * Options (name: type, default):
 *   precision: "f32" | "f64", f32        width: int, 128        layers: int, 3
 *   rounds: int, 5                       iters: int (per round), 4000
 *   warmup: double (fraction of each round on the boundary loss only), 0.15
 *   lr: double, 1e-3    beta1: 0.9   beta2: 0.999   eps: 1e-8
 *   lr_decay: double in (0, 1], 1: the learning rate falls as lr * lr_decay^(k / iters) over
 *             the k-th iteration of each round (1 = constant, the seed's setting)
 *   batch: int (interior points per iteration), 2048
 *   batch_bc: int (boundary points per iteration), 0 = same as batch
 *   lambda_bc: double, 100        lambda_struct: double, 50
 *   lambda_data: double, 1 (the weight of the plug-in's value data, if it has any)
 *   seed: int, 42                 chunk: int (points per chunk of the jet batches; the
 *                                 value-only boundary and data batches use 8x as many), 16
 *   checkpoint: string (path, "" = none)   checkpoint_every: int (iterations, 0 = never)
 *   stop_at: int (stop after this many iterations in total, leaving a resumable state;
 *            0 = run to the end)
 *   verbose: int, 0 (1: one line per round on stderr)
 * Setting an option after the network exists (first solve or load) is refused for the
 * architecture options (precision, width, layers, seed, chunk, batch, batch_bc). */
typedef struct optsched_dgm_solver optsched_dgm_solver;

typedef struct optsched_dgm_stats {
    int64_t iter;        /* iterations done (total, across rounds) */
    int64_t iter_total;  /* rounds * iters */
    int round;           /* current round (0-based) */
    int finished;        /* 1 when all rounds are done */
    double loss, loss_pde, loss_bc, loss_struct; /* last iteration (mean over the last 50) */
    double seconds;      /* wall time spent in solve() (this process) */
} optsched_dgm_stats;

optsched_dgm_solver *optsched_dgm_solver_create(const optsched_dgm_problem *prob,
                                                optsched_error *err);
void optsched_dgm_solver_destroy(optsched_dgm_solver *s);
int optsched_dgm_solver_set(optsched_dgm_solver *s, const char *name, const char *value,
                            optsched_error *err);
int optsched_dgm_solver_set_int(optsched_dgm_solver *s, const char *name, long value,
                                optsched_error *err);
int optsched_dgm_solver_set_double(optsched_dgm_solver *s, const char *name, double value,
                                   optsched_error *err);
/* Runs (or continues) training until all rounds are done or stop_at is reached. */
int optsched_dgm_solver_solve(optsched_dgm_solver *s, optsched_error *err);
void optsched_dgm_solver_get_stats(const optsched_dgm_solver *s, optsched_dgm_stats *st);
/* Jets jets[n][C] (C = 1 + dim + nsecond) of the current network at x[n][dim]. */
int optsched_dgm_solver_eval(optsched_dgm_solver *s, size_t n, const double *x, double *jets,
                             optsched_error *err);
/* An ensemble: from now on eval (and controls, and everything built on them) reports the
 * mean of this solver's jets and member's, each the jets of its own V = V0 + S·N — exact,
 * the jets being linear in V: the mean value's gradient and curvature, and the greedy policy
 * of the mean value. The member must take the same inputs (dim and nsecond equal; the caller
 * makes sure they mean the same states) and outlive this solver, which does not own it.
 * A solver with members is not trained (solve: EINVAL). At most OPTSCHED_DGM_MAX_MEMBERS. */
#define OPTSCHED_DGM_MAX_MEMBERS 63
int optsched_dgm_solver_add_member(optsched_dgm_solver *s, optsched_dgm_solver *member,
                                   optsched_error *err);
/* The problem the solver was created for (its copy). */
const optsched_dgm_problem *optsched_dgm_solver_problem(const optsched_dgm_solver *s);
/* Controls u[n][ncontrols] of the current network's greedy policy at x[n][dim]. */
int optsched_dgm_solver_controls(optsched_dgm_solver *s, size_t n, const double *x, double *u,
                                 optsched_error *err);
/* Checkpoints: the whole training state (format in docs/DGM.md), written atomically. */
int optsched_dgm_solver_save(optsched_dgm_solver *s, const char *path, optsched_error *err);
int optsched_dgm_solver_load(optsched_dgm_solver *s, const char *path, optsched_error *err);
/* The current parameters as doubles (out[nparams]); returns nparams (0 before solve/load). */
size_t optsched_dgm_solver_params(const optsched_dgm_solver *s, double *out);
/* Replaces the current parameters (in[nparams], rounded to the solver's precision), e.g. to
 * return to an earlier network chosen by validation. The frozen policy, Adam's moments and
 * the iteration count are left as they are. */
int optsched_dgm_solver_set_params(optsched_dgm_solver *s, const double *in, optsched_error *err);

/* ---------------------------------------------------------------------------------------
 * A refinement stage (two-stage training). A network trained by Adam fits its target to
 * about a fixed fraction of its output's scale; where the value is small against that scale
 * the fraction is a large relative error. A second network whose output is scaled to the
 * first's error takes the fit that much further: the refined problem is the base problem
 * with the frozen solver's V1 (its own prior and multiplier included) as the prior and
 * scale·S as the multiplier (S the base problem's, 1 without one), so that
 *     V = V1 + scale · S · N2,
 * N2 starting at zero. Its round 0 improves on V1: trained for one round, N2 evaluates V1's
 * greedy policy with the controls frozen, and every jet the refined solver reports is that of
 * the sum. Samplers, residual, improvement, penalties, value data and boundary weights are
 * the base problem's. `frozen` must not be trained while the refined solver lives; `r` holds
 * what the callbacks need and must outlive the solver made from `out`. */
typedef struct optsched_dgm_refine {
    optsched_dgm_problem base;
    optsched_dgm_solver *frozen;
    double scale;
} optsched_dgm_refine;

/* Fills r and *out (scale > 0 and finite; frozen a solver of the same input dimension and
 * second derivatives as base). */
int optsched_dgm_refine_problem(optsched_dgm_problem *out, optsched_dgm_refine *r,
                                const optsched_dgm_problem *base, optsched_dgm_solver *frozen,
                                double scale, optsched_error *err);

/* ---------------------------------------------------------------------------------------
 * Merton's portfolio problem: maximise E[U(W_T)], U(w) = w^(1-gamma)/(1-gamma), over the
 * risky fraction pi in [pi_min, pi_max]:  dW = (r + pi (mu - r)) W dt + pi sigma W dB.
 * Network input x = (log w, t) (log-wealth: constant coefficients, derivatives of one scale),
 * second derivative in log w. Closed form: V = exp(beta (T - t)) U(w),
 * pi* = clamp((mu - r) / (gamma sigma^2)), beta = (1 - gamma)(r + pi* (mu - r)
 * - gamma sigma^2 pi*^2 / 2). Boundary: the terminal condition at t = T and, because the
 * PDE is posed on the bounded wealth interval [w_min, w_max], the exact value on its two
 * ends (Dirichlet data from the closed form). */
typedef struct optsched_dgm_merton {
    double gamma, mu, r, sigma, T;
    double w_min, w_max, pi_min, pi_max;
    double pi0;  /* round-0 policy */
    int lateral; /* 1: Dirichlet data (closed form) at w_min and w_max; 0: terminal data only */
} optsched_dgm_merton;

/* Default parameters (gamma 2, mu 1.7, r 0.1, sigma 1, T 0.5, w in [0.5, 2], pi in [0, 1],
 * pi0 0.5 (half the wealth at risk), lateral 1; pi* = 0.8). The plug-in declares one structural penalty, relu(V_ww)^2 (concavity). */
void optsched_dgm_merton_default(optsched_dgm_merton *m);
/* Fills prob (which keeps a pointer to m: m must outlive it). */
int optsched_dgm_merton_problem(optsched_dgm_problem *prob, optsched_dgm_merton *m,
                                optsched_error *err);
double optsched_dgm_merton_value(const optsched_dgm_merton *m, double w, double t);
double optsched_dgm_merton_control(const optsched_dgm_merton *m);

#ifdef __cplusplus
}
#endif
#endif
