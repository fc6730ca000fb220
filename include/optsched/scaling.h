/* optsched — hyperparameter scaling laws from LMO convergence bounds (seed 004).
 *
 * The seed bounds the expected dual gradient norm of an LMO method (normalised
 * SGD, signSGD, Muon) with step size eta, momentum update alpha (beta = 1 - alpha),
 * batch b and K steps (token budget T = bK), Eq. 2/10:
 *
 *   U = D0/(eta K) + 2 rho sigma/(alpha sqrt(b) K) + 2 rho sigma sqrt(alpha/b)
 *       + 7 L eta/2 + 2 L eta/alpha
 *
 * Every proxy the seed minimises has the same shape, so one coefficient set
 * describes them all (optsched_scaling_coeffs):
 *
 *   P = c1/(eta K) + burn * c2/(alpha sqrt(b) K) + c2 sqrt(alpha/b) + (c4 + c5/alpha) eta
 *
 *   form                    c1   c2           c4     c5     burn
 *   bound, Eq. 2/10/11      D0   2 rho sigma  7L/2   2L     1
 *   proxy, Eq. 3/4          D0   2 rho sigma  4L     4L     1
 *   simplified, Eq. 5       D0   2 rho sigma  4L     4L     0
 *   leading, App. B.2       D0   2 rho sigma  0      4L     0
 *
 * (Eq. 5 writes C~2/sqrt(b) with C~2 = C2 sqrt(alpha), C~3 = C3 (1 + 1/alpha).)
 * Token-budget forms substitute K = T/b. All optima below treat b as continuous.
 */
#ifndef OPTSCHED_SCALING_H
#define OPTSCHED_SCALING_H

#include "optsched/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Problem constants of the bound. */
typedef struct {
    double delta0; /* D0 = f(x0) - f_inf > 0 */
    double L;      /* smoothness constant > 0 */
    double sigma;  /* gradient-noise scale > 0 */
    double rho;    /* norm-equivalence constant >= 1 (1 for the Euclidean norm) */
} optsched_scaling_problem;

typedef enum {
    OPTSCHED_SCALING_BOUND = 0,  /* Eq. 2 / 10 / 11 */
    OPTSCHED_SCALING_PROXY = 1,  /* Eq. 3 / 4 */
    OPTSCHED_SCALING_SIMPLE = 2, /* Eq. 5 */
    OPTSCHED_SCALING_LEAD = 3    /* leading proxy of App. B.2 */
} optsched_scaling_form;

typedef struct {
    double c1, c2, c4, c5;
    int burn; /* 1: keep the momentum burn-in term c2/(alpha sqrt(b) K) */
} optsched_scaling_coeffs;

/* A hyperparameter setting and the value of the objective it was chosen for. */
typedef struct {
    double eta, alpha, batch, steps, tokens;
    double value;
} optsched_scaling_point;

/* ---- bound and proxies (bound.c) ---------------------------------------- */

/* Checks the problem constants; messages name --delta0, --smoothness,
 * --noise-scale, --rho. */
int optsched_scaling_problem_check(const optsched_scaling_problem *p, optsched_error *err);

/* Coefficients of one form from the problem constants (table above). */
int optsched_scaling_coeffs_init(const optsched_scaling_problem *p, optsched_scaling_form form,
                                 optsched_scaling_coeffs *c, optsched_error *err);

/* Coefficients given directly, as the seed's figures do (C1 = C2 = C3 = 1):
 * c1 = C1, c2 = C2, c4 = c5 = C3, with or without the burn-in term. */
optsched_scaling_coeffs optsched_scaling_coeffs_c123(double C1, double C2, double C3, int burn);

/* P(eta, alpha, b; K) as above. */
double optsched_scaling_eval_K(const optsched_scaling_coeffs *c, double eta, double alpha,
                               double b, double K);
/* Token form, K = T/b (Eqs. 4, 11 and the token form of Eq. 5). */
double optsched_scaling_eval_T(const optsched_scaling_coeffs *c, double eta, double alpha,
                               double b, double T);

/* Eq. 2/10 evaluated term by term from the problem constants. */
double optsched_scaling_bound(const optsched_scaling_problem *p, double eta, double alpha,
                              double b, double K);

/* ---- closed-form optima (optima.c) --------------------------------------- */

/* Theorem 1 / App. B.1, iteration scaling: minimises the fixed-momentum
 * simplified proxy (c1/(eta K) + c2 sqrt(alpha/b) + (c4 + c5/alpha) eta; the
 * burn-in term is ignored) over eta at fixed (alpha, b, K):
 * eta = sqrt(c1/(C~3 K)), value = 2 sqrt(c1 C~3/K) + C~2/sqrt(b). */
int optsched_scaling_fixed_momentum_K(const optsched_scaling_coeffs *c, double alpha, double b,
                                      double K, optsched_scaling_point *out,
                                      optsched_error *err);

/* Theorem 1 / App. B.1, token scaling at a fixed batch b:
 * eta = sqrt(c1 b/(C~3 T)), value = 2 sqrt(c1 C~3 b/T) + C~2/sqrt(b). This is
 * also Corollary 1.2's capped-batch optimum with b = b_max. */
int optsched_scaling_fixed_momentum_batch_T(const optsched_scaling_coeffs *c, double alpha,
                                            double b, double T, optsched_scaling_point *out,
                                            optsched_error *err);

/* Theorem 1 / App. B.1 (Eqs. 24-26), joint (eta, b) at fixed alpha and T:
 * b = C~2 sqrt(T)/(2 sqrt(c1 C~3)), eta = c1^(1/4) C~2^(1/2) T^(-1/4)/(sqrt(2) C~3^(3/4)),
 * value = 2 sqrt(2) (c1 C~3)^(1/4) C~2^(1/2) T^(-1/4). */
int optsched_scaling_fixed_momentum_T(const optsched_scaling_coeffs *c, double alpha, double T,
                                      optsched_scaling_point *out, optsched_error *err);

/* App. B.3 steps 1-2 at a fixed alpha, with the burn-in term kept: b from
 * Eq. 16, eta from Eq. 12, value 2 sqrt(A_T B) (Eq. 17). Exact minimiser over
 * (eta, b > 0) of the burn-in form (Eq. 4 or 11) at fixed alpha. */
int optsched_scaling_fixed_momentum_exact_T(const optsched_scaling_coeffs *c, double alpha,
                                            double T, optsched_scaling_point *out,
                                            optsched_error *err);

/* Theorem 2 / App. B.2: minimises the leading proxy
 * c1/(eta K) + c2 sqrt(alpha/b) + c5 eta/alpha over (eta, alpha > 0) at fixed (b, K):
 * alpha = 2 sqrt(c1 c5) sqrt(b)/(c2 sqrt(K)), eta = sqrt(c1 alpha/(c5 K)),
 * value = 2 sqrt(2) c2^(1/2) (c1 c5)^(1/4) (bK)^(-1/4). With K = T/b this is the
 * token form alpha ~ b T^(-1/2), eta ~ b T^(-3/4) (Eq. 8). */
int optsched_scaling_fixed_batch_K(const optsched_scaling_coeffs *c, double b, double K,
                                   optsched_scaling_point *out, optsched_error *err);
int optsched_scaling_fixed_batch_T(const optsched_scaling_coeffs *c, double b, double T,
                                   optsched_scaling_point *out, optsched_error *err);

/* Theorem 3 / App. B.3, generalised to any burn-in form with c4 > 0. */
typedef struct {
    optsched_scaling_point exact; /* root of the cubic, Eq. 16, Eq. 12, Eq. 18 */
    double cubic[3];              /* A', B', C' of  A' T a^3 - B' a - C' = 0 (Eq. 20/21) */
    double u0, u1;                /* alpha = u0 T^(-1/3) + u1 T^(-2/3) + O(1/T) (Eq. 22) */
    double alpha_lead;            /* u0 T^(-1/3) */
    double alpha_corr;            /* u0 T^(-1/3) + u1 T^(-2/3) */
    optsched_scaling_point lead;  /* leading-order b ~ T^(1/6), eta ~ T^(-7/12), value ~ T^(-1/4) */
    int alpha_feasible;           /* exact.alpha <= 1 */
    int batch_feasible;           /* exact.batch >= 1 */
} optsched_scaling_joint;

/* Unique positive root of A' T a^3 - B' a - C' = 0 (A', C' > 0, B' >= 0). */
double optsched_scaling_cubic_root(double Ap, double Bp, double Cp, double T);

int optsched_scaling_joint_T(const optsched_scaling_coeffs *c, double T,
                             optsched_scaling_joint *out, optsched_error *err);

/* Corollary 1.1 / Eq. 27: risk*(alpha) / risk*(alpha -> 0) = (1 + alpha)^(1/4). */
double optsched_scaling_momentum_gain(double alpha);
/* Corollary 1.2: the noise floor C~2/sqrt(b_max) = c2 sqrt(alpha/b_max) that the
 * capped fixed-momentum optimum approaches as T -> infinity. */
double optsched_scaling_noise_floor(const optsched_scaling_coeffs *c, double alpha, double b_max);

/* Corollary 2 / App. B.5: power-law paths b ~ T^phi, alpha ~ T^-gamma, eta ~ T^-delta. */
typedef struct {
    double r[5];  /* decay exponents r1..r5 of Eq. 31 */
    double rate;  /* min_i r_i: the bound decays as T^-rate (Eq. 32) */
} optsched_scaling_path_rate;

/* Eq. 31-32 for given (phi, gamma, delta). */
void optsched_scaling_path_exponents(double phi, double gamma, double delta,
                                     optsched_scaling_path_rate *out);

/* The best schedule for a batch exponent phi in [0, 1): for phi <= 1/2 Eq. 34
 * (gamma = 1/2 - phi, delta = 3/4 - phi, rate 1/4); for phi > 1/2 Eq. 39
 * (gamma = 0, delta = (1 - phi)/2, rate (1 - phi)/2, the ceiling of Eq. 38). */
int optsched_scaling_power_path(double phi, double *gamma, double *delta,
                                optsched_scaling_path_rate *out, optsched_error *err);

/* App. B.6: SGD bound D0 b/(eta T) + L eta sigma^2/b (Eq. 42 with K = T/b);
 * eta* = b sqrt(D0/(L sigma^2 T)), value 2 sqrt(D0 L sigma^2/T), independent of b. */
double optsched_scaling_sgd_eval_T(const optsched_scaling_problem *p, double eta, double b,
                                   double T);
int optsched_scaling_sgd_T(const optsched_scaling_problem *p, double b, double T,
                           optsched_scaling_point *out, optsched_error *err);

/* App. C.3: q_eff = kappa p - lambda (1 - p) (Eq. 47); positive iff
 * p > lambda/(kappa + lambda) (Eq. 48), returned by the second function. */
double optsched_scaling_effective_exponent(double kappa, double lambda, double p);
double optsched_scaling_effective_threshold(double kappa, double lambda);

/* App. D: the eta-tuned bound u(b, K) = C_det/sqrt(K) + C_burn/(K sqrt(b)) + C_floor/sqrt(b),
 * C_det = 2 sqrt(D0 L (7/2 + 2/alpha)), C_burn = 2 rho sigma/alpha, C_floor = 2 rho sigma sqrt(alpha). */
typedef struct {
    double c_det, c_burn, c_floor;
} optsched_scaling_isoloss;

int optsched_scaling_isoloss_init(const optsched_scaling_problem *p, double alpha,
                                  optsched_scaling_isoloss *out, optsched_error *err);
/* The same constants for any burn-in coefficient form:
 * C_det = 2 sqrt(c1 (c4 + c5/alpha)), C_burn = c2/alpha, C_floor = c2 sqrt(alpha). */
int optsched_scaling_isoloss_from_coeffs(const optsched_scaling_coeffs *c, double alpha,
                                         optsched_scaling_isoloss *out, optsched_error *err);
double optsched_scaling_isoloss_u(const optsched_scaling_isoloss *d, double b, double K);
/* Iteration-limited regime: K_min = (C_det/c)^2. */
double optsched_scaling_isoloss_kmin(const optsched_scaling_isoloss *d, double c);
/* Batch-limited regime: b_min = (C_floor/c)^2. */
double optsched_scaling_isoloss_bmin(const optsched_scaling_isoloss *d, double c);
/* The level set u(b, K) = c solved exactly for b:
 * sqrt(b) = (C_floor + C_burn/K)/(c - C_det/sqrt(K)); +inf when K <= K_min. */
double optsched_scaling_isoloss_batch(const optsched_scaling_isoloss *d, double K, double c);

/* ---- budget transfer, Tables 2 and 3 (transfer.c) ------------------------- */

typedef enum {
    OPTSCHED_SCALING_REGIME_A = 0, /* fixed b, fixed alpha */
    OPTSCHED_SCALING_REGIME_B,     /* fixed b, tuned alpha */
    OPTSCHED_SCALING_REGIME_C,     /* tuned b, fixed alpha */
    OPTSCHED_SCALING_REGIME_D,     /* tuned b, tuned alpha */
    OPTSCHED_SCALING_REGIME_SGD
} optsched_scaling_regime;

/* Parses "A".."D" or "sgd" (case-insensitive); -1 if unknown. */
int optsched_scaling_regime_parse(const char *s);
const char *optsched_scaling_regime_name(int regime);

typedef struct {
    double tokens, eta, alpha, batch;
} optsched_scaling_config;

/* Extrapolates from0 (tuned at from0.tokens) to T1. b1 > 0 selects Table 3
 * (batch changed between tuning and the long run; regimes A, B and SGD only);
 * b1 <= 0 (or NaN) uses Table 2, where regimes C and D choose b1 themselves.
 * No clamping: feasibility (alpha1 <= 1, b1 >= 1) is left to the caller. */
int optsched_scaling_transfer(int regime, const optsched_scaling_config *from0, double T1,
                              double b1, optsched_scaling_config *to1, optsched_error *err);

/* ---- brute-force minimisation (numeric.c) -------------------------------- */

/* Which variables are free; the others take the values in fixed. Bounds are
 * searched in log space by a coarse scan followed by golden-section refinement,
 * nested eta (inner), b, alpha (outer). Uses function values only, never the
 * closed forms, so it can serve as their independent check. */
typedef struct {
    int free_eta, free_alpha, free_batch;
    double eta_lo, eta_hi, alpha_lo, alpha_hi, b_lo, b_hi;
    int scan;      /* coarse points per level (>= 8) */
    double tol;    /* relative width at which golden-section stops (e.g. 1e-11) */
} optsched_scaling_search;

/* Defaults: all free, eta in [1e-24, 1e12], alpha in [1e-14, 1], b in [1e-8, 1e24]. */
optsched_scaling_search optsched_scaling_search_default(void);

/* Minimises P(.; T) (token form) over the free variables; fixed->tokens = T. */
int optsched_scaling_minimize_T(const optsched_scaling_coeffs *c,
                                const optsched_scaling_search *s, optsched_scaling_point *fixed,
                                optsched_error *err);

/* ---- verification grids and fits (grid.c, fit.c) ------------------------- */

typedef enum {
    OPTSCHED_SCALING_GRID_FIXED_MOMENTUM = 1, /* Theorem 1: grid over (eta, b), alpha fixed */
    OPTSCHED_SCALING_GRID_FIXED_BATCH = 2,    /* Theorem 2: grid over (eta, alpha), b fixed */
    OPTSCHED_SCALING_GRID_JOINT = 3           /* Theorem 3: grid over (eta, alpha, b) */
} optsched_scaling_grid_kind;

typedef struct {
    int kind;
    double eta_lo, eta_hi, alpha_lo, alpha_hi, b_lo, b_hi, T_lo, T_hi;
    int n_eta, n_alpha, n_b, n_T; /* log-uniform, endpoints included */
    double alpha_fixed, b_fixed;
    optsched_scaling_coeffs coeffs;
    /* Theorem 3 only. 0: the seed's protocol, every point of the 3-D grid.
     * 1: profile — b on its grid, (eta, alpha) minimised continuously inside their
     * ranges by optsched_scaling_minimize_T. The joint landscape is nearly flat
     * in b once (eta, alpha) are re-tuned (App. C.2), so the 3-D grid's
     * discretisation error in (eta, alpha) decides which b wins; the profile
     * removes that error and leaves only the b-grid spacing. */
    int profile;
} optsched_scaling_grid_spec;

/* Footnote 3 of the seed: eta in (1e-15, 1e4), b in (1, 1e15), alpha in (1e-10, 1),
 * T in (1e2, 1e22), 100 values each, C1 = C2 = C3 = 1 in Eq. 4. */
optsched_scaling_grid_spec optsched_scaling_grid_default(int kind);

int optsched_scaling_grid_check(const optsched_scaling_grid_spec *g, optsched_error *err);

/* i-th of n log-uniform values in [lo, hi] (lo when n == 1). */
double optsched_scaling_logspace(double lo, double hi, int i, int n);

/* The grid minimum of Eq. 4 (coeffs) for each budget: arrays of length n_T.
 * Ties go to the lowest flat index (eta fastest, then b or alpha), so the result
 * does not depend on the number of threads. edge[t] is 1 when the minimiser sits
 * on the boundary of a searched axis. */
typedef struct {
    int n;
    double *T, *eta, *alpha, *batch, *value;
    int *edge;
} optsched_scaling_grid_result;

int optsched_scaling_grid_run(const optsched_scaling_grid_spec *g,
                              optsched_scaling_grid_result *out, optsched_error *err);
void optsched_scaling_grid_free(optsched_scaling_grid_result *r);

/* Least-squares slope of log y against log x over x in [x_lo, x_hi]. */
typedef struct {
    double slope, intercept; /* log10 y = intercept + slope log10 x */
    double x_lo, x_hi;       /* range actually used (smallest and largest x) */
    int n;                   /* points used */
    double rms;              /* residual rms in log10 units */
} optsched_scaling_fit;

int optsched_scaling_fit_power(const double *x, const double *y, int n, double x_lo,
                               double x_hi, optsched_scaling_fit *out, optsched_error *err);

/* ---- files and plots (plot.c) -------------------------------------------- */

/* Creates dir if missing (one level). */
int optsched_scaling_outdir(const char *dir, optsched_error *err);

/* Writes DIR/NAME as CSV (header line, then n rows of ncol columns taken from
 * cols[j][i]) through a temporary name and rename(2). */
int optsched_scaling_write_csv(const char *dir, const char *name, const char *header,
                               const double *const *cols, int ncol, int n, optsched_error *err);

/* Runs gnuplot on script (which may read files in dir by their final names),
 * writing a PNG of width x height to a temporary name, then renames it to
 * DIR/NAME. */
int optsched_scaling_plot(const char *dir, const char *name, int width, int height,
                          const char *script, optsched_error *err);

#ifdef __cplusplus
}
#endif
#endif
