/* optsched — the closed-loop schedule problem (seed 000 Eq. 3; SPEC §3).
 *
 *   ∂_tV + min_{η,B} H = 0,   H(η, B) = −η A + η² D / (2B) − B ∂_rV,
 *   A = Σ_k λ_k P a_k ∂_{a_k}V,   D = Σ_k λ_k (ℓ(a) + σ²) ∂²_{a_k}V,
 *   V(a, r, T) = V(a, 0, t) = ℓ(a) + L_tail.
 *
 * This header gives the exact minimiser of H over the control box, the
 * Deep Galerkin plug-in of the problem (for the engine in dgm.h), and the
 * closed-loop policy built from a value function.
 */
#ifndef OPTSCHED_HJB_H
#define OPTSCHED_HJB_H

#include "optsched/dgm.h"
#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

/* H(η, B) for given A, D, V_r. */
double optsched_hjb_hamiltonian(double A, double D, double Vr, double eta, double B);

/* The exact minimiser of H over [η_min, η_max] × [B_min, B_max]. H is linear in B
 * along η = AB/D (the interior stationary point is a singular arc), so the minimum
 * lies on the box's boundary: each edge is minimised in closed form (a quadratic in
 * η on a B-edge; e²D/(2B) − B V_r on an η-edge, stationary at B = e sqrt(D/(−2V_r)))
 * and the best of the four is returned; ties go to the first edge in the order
 * B = B_min, B = B_max, η = η_max, η = η_min. Returns H at the minimiser. */
double optsched_hjb_box_min(double A, double D, double Vr, double eta_min, double eta_max,
                            double B_min, double B_max, double *eta, double *B);

/* The minimiser on the compute clock. Divided by B, the HJB reads, per unit of compute,
 *     −∂_rV + min (−u A + u² D/2 + ∂_tV / B),   u = η/B,
 * so the controls act only through u and the time 1/B they take per unit of compute; V_r
 * does not enter. The exact value has ∂_tV ≥ 0 (a run with more time left can do whatever
 * one with less can), so for each u the largest batch the box allows is best: the minimiser
 * lies on the frontier B = min(B_max, η_max/u), where the objective is a quadratic in u on
 * each of its two pieces (B = B_max; η = η_max) and is minimised in closed form; a negative
 * ∂_tV (an approximation's error) is taken as 0. For the exact value both minimisers make
 * ∂_tV + H zero. Where time does not bind (∂_tV = 0) the box's minimum is attained along a
 * whole ray of batches (the singular arc), and box_min applied to an approximate V picks the
 * batch by the sign of −A²/(2D) − V_r, which vanishes there: B_min with a smaller η, or
 * B_max with u near its smallest value. The frontier takes the fastest batch of that ray.
 * Returns the objective −uA + u²D/2 + max(V_t, 0)/B at the minimiser. */
double optsched_hjb_frontier_min(double A, double D, double Vt, double eta_min, double eta_max,
                                 double B_min, double B_max, double *eta, double *B);
/* −uA + u²D/2 + max(V_t, 0)/B at (η, B), u = η/B. */
double optsched_hjb_frontier_objective(double A, double D, double Vt, double eta, double B);

/* Seed 000's 5-round fixed point of its Eqs. 4–5 (η = AB/D, B = sqrt(η²D/(−2V_r)),
 * clamped each round), kept for comparison only; start from (η_max, B_min). */
double optsched_hjb_fixed_point(double A, double D, double Vr, double eta_min, double eta_max,
                                double B_min, double B_max, int rounds, double *eta, double *B);

/* Which minimiser the greedy policy of a value function takes. */
enum {
    OPTSCHED_HJB_CONTROLS_BOX = 0,         /* optsched_hjb_box_min (the default) */
    OPTSCHED_HJB_CONTROLS_FIXED_POINT = 1, /* the seed's 5-round fixed point (comparison only) */
    OPTSCHED_HJB_CONTROLS_FRONTIER = 2     /* optsched_hjb_frontier_min (the compute clock) */
};

/* The greedy controls of the chosen minimiser (the enum above) from A, D, V_r, V_t over m's box. */
void optsched_hjb_controls(int which, const optsched_model *m, double A, double D, double Vr,
                           double Vt, double *eta, double *B);

/* ---- the Deep Galerkin plug-in ----
 * Network input coordinates: x = (a_1..a_K, r / C_max, t / T_span) with T_span = T, or
 * C_max/B_min when T = inf; the residual's coefficients carry the scale factors. */
typedef struct {
    double a_low, a_high; /* interior a_k sampled as a0_k · U(a_low, a_high) + N(0, a_noise²) */
    double a_noise;
    int controls;         /* the improvement's minimiser, OPTSCHED_HJB_CONTROLS_* (BOX) */
    /* round-0 policy: the controls of this open-loop schedule at time t (NULL: η_max
     * with the batch that spends the budget at the horizon); must outlive the problem */
    const optsched_schedule *initial;
    /* The network represents V − V0 for a prior V0 (dgm.h). OPTSCHED_HJB_PRIOR_PACE (this
     * struct's default) is the exact value of η = η_max, B = clamp(r/(T − t)) — the policy
     * that paces the remaining budget to the remaining time. OPTSCHED_HJB_PRIOR_OPENLOOP (what
     * the CLI presets take when the horizon is finite) is the exact value of following
     * prior_schedule (normally the open-loop optimum) with its batch scaled to spend the
     * remaining budget by the horizon (finite T only; V0 at the initial state is that
     * schedule's exact loss). OPTSCHED_HJB_PRIOR_NONE: V0 = 0. */
    int prior;
    const optsched_schedule *prior_schedule; /* OPENLOOP: a piecewise schedule; copied */
    /* Fraction of interior points drawn near the paths of the pace policy from the initial
     * state (time uniform over its run, remaining budget around what it has left, a_k
     * Gaussian around its exact mean with 1.5× its standard deviation); the rest from the
     * box above. 0: box only. */
    double path_frac;
    /* 1: the box's (r, t) are drawn uniformly over the reachable set r ≤ C_max − B_min t (the
     * states a run from the initial state can be in: a run spends at least B_min per unit time)
     * instead of the whole box. At a small budget most of the box is unreachable — at C_max = 4,
     * T = 10, B_min = 1 four fifths of it — and a finite network fits best where it is trained.
     * 0: the whole box. */
    int reachable;
    /* Fraction of interior points drawn near the states the policy under evaluation visits:
     * the states given to optsched_hjb_problem_set_anchors (its runs from the initial state),
     * each jittered — a_k by a factor 1 + 0.1 z plus 0.02 a_k(0) z', r by e^{0.1 z}, t by 1% of
     * the span. Policy evaluation is only as good as the fit where the policy goes, and from
     * round 1 on that is not where the box or the pace paths put points. 0: off; while no
     * states are set, those points come from the other samplers. */
    double onpolicy_frac;
    /* 1: the residual is written on the compute clock dc = B dt, i.e. divided by B/B_ref
     * (B_ref = clamp(C_max/T_span), the pace batch). Its zero set is the same PDE, but every
     * coefficient is bounded (the speed in r is 1, in t at most 1/B_min), so points where the
     * policy spends at B_max no longer dominate the least-squares fit by a factor up to
     * (B_max/B_ref)². 0: the wall-clock residual. */
    int compute_clock;
    /* > 0: the residual is also divided by (V0(x) + f)/(V0(x0) + f), f = relative · V0(x0), with
     * V0 the prior and x0 the initial state: an error in the residual integrates into a
     * relative error of V, so the fit weighs the small values (late in a run, where the
     * policy's gains are decided) like the large ones. 0: off; needs a prior. */
    double relative;
    /* With relative > 0. 1: V0(x) in that weight is the value of the policy under evaluation
     * — the frozen network's V at the point, as improve sees it (the prior's in round 0) —
     * so that where the optimum is far below the prior (one mode with much budget left: the
     * pace prior is 4-20 times the optimum there) the fit still weighs relative errors. f
     * and the normalisation stay the prior's at x0. Points whose controls come from the
     * round-0 policy (no improve) fall back to the prior. 0: the prior. */
    int relative_value;
    /* With relative > 0. 1: the boundary penalty is weighted alike, each point's error
     * (V − g) divided by (g + f)/(V0(x0) + f) with g its target, so that where the value is
     * small (the parking face, g ~ 0) the interior's relative weight does not outweigh the
     * condition that holds the value's level there. With an exact boundary only the parking
     * face has a penalty. 0: the boundary penalty unweighted. */
    int relative_boundary;
    /* 1: V = V0 + S·N with S = (r/C_max)(1 − t/T_span) — times (V0 + f)/(V0(x0) + f) when
     * relative > 0 — so the boundary condition holds exactly (V0, the prior, meets it) and
     * the network's output is a correction relative to V0. The residual has no zeroth-order
     * term, so it does not fix the level of V: with the boundary as a penalty, the level
     * floats with the balance of the two terms. Needs a prior. 0: V = V0 + N. */
    int exact_boundary;
    /* With exact_boundary: the time factor of S is 1 − (t/T_span)^terminal_power (in [1, 1000]; the
     * struct's default 1 is linear). The network's correction is N = (V − V0)/S, so where V
     * departs from the prior until just before the horizon (a policy and the prior that spend a
     * large remaining budget differently late in the run), a linear factor makes N grow like
     * 1/(1 − t/T) there; a larger power keeps S near 1 until late and N bounded. */
    double terminal_power;
    /* Diagnostic of the policy-evaluation step: with a prior, every round evaluates the prior's
     * own policy instead of improving on it, so the exact answer is V = V0 (a trained network
     * should leave the correction near zero). 0: normal policy iteration. */
    int evaluate_prior;
    /* One mode only (K = 1). 1: the network sees |a| in place of a, and a = 0 is a boundary.
     * The dynamics and the loss are symmetric under a -> -a (drift -eta lambda P a, diffusion
     * even in a), so V is even in a; at a = 0 the closed-loop optimum parks (eta_min, B_max:
     * the least noise per unit of compute) and V has a kink there, which a smooth network of a
     * can only round off — raising V near a = 0 and, through the PDE, wherever runs go on to
     * park. Folded, the kink is the edge of the network's domain and a third of the boundary
     * points sit on a = 0 with the exact value of parking as their target. The derivatives
     * unscale returns are then those in |a|: optsched_hjb_AD is to be given the network's
     * coordinate |a|, where the formula is the same. 0: a as it is. */
    int fold;
    /* One mode only. 1: a third of the boundary points on a = 0 with the exact value of parking
     * as target, the network unfolded (fold implies it). A smooth network of a is then held to
     * the near-zero value at a = 0 and must bend there, which keeps the curvature the greedy
     * policy slows down with near a = 0. 0: off. */
    int park_face;
    /* > 0: the network's a-coordinates are stretched near a_k = 0: a_k = s_k ψ(x_k) with
     * ψ(x) = x sqrt(x² + δ²)/sqrt(1 + δ²), δ = stretch, s_k = |a_k(0)| (1 when 0). ψ is odd,
     * ψ(±1) = ±1, ψ'(0) ≈ δ and ψ(x) ≈ x|x| beyond δ, so |a| = s x² there: V's kink at a = 0
     * (one mode: the optimum parks there) is a smooth x² in the network's coordinate, and
     * what is left of it, within |a| ≲ δ² s, has a slope jump δ times smaller. A smooth
     * network then rounds an edge that much smaller. unscale applies the chain rule;
     * optsched_hjb_state maps a network input back to the model's a. Needs no convexity
     * penalty (it would act on the network's coordinate). 0: off. */
    double stretch;
    /* One mode, with exact_boundary. > 0: the value's kink at a = 0 is built into the form,
     *     V = V0 − V0|_{a=0} + V_park + S·h(a)·N,   h(a) = a²/(s sqrt(a² + ε²)),
     * ε = kink · s, s = |a(0)|: V = V_park (the exact value of parking) on a = 0 with no
     * penalty, h ≈ |a|/s beyond ε (short of it by the fraction ε²/(2a²)), so a smooth N carries the
     * slope c(r, t) of V ≈ V_park + c|a| and the kink is rounded only within ε, with the
     * curvature 2N S/(s ε) there that slows the greedy policy as a reaches 0. The shift
     * V_park − V0|_{a=0} depends on (r, t) alone and vanishes on both boundary faces; the
     * relative weights still use V0. 0: off. */
    double kink;
} optsched_hjb_sampling;

enum { OPTSCHED_HJB_PRIOR_NONE = 0, OPTSCHED_HJB_PRIOR_PACE = 1, OPTSCHED_HJB_PRIOR_OPENLOOP = 2 };

void optsched_hjb_sampling_default(optsched_hjb_sampling *s);

typedef struct optsched_hjb_problem optsched_hjb_problem;

/* Builds the plug-in for model m (which must outlive it) into prob. */
optsched_hjb_problem *optsched_hjb_problem_create(const optsched_model *m,
                                                  const optsched_hjb_sampling *s,
                                                  optsched_dgm_problem *prob, optsched_error *err);
void optsched_hjb_problem_free(optsched_hjb_problem *p);

/* Value data for the network (dgm.h sample_data): n states as network inputs x[n][K+2] and a
 * sample y[n] of the final loss of a run continued from each under the policy being
 * evaluated — unbiased, noisy targets of its value. Copied; n = 0 removes them. */
int optsched_hjb_problem_set_anchors(optsched_hjb_problem *p, size_t n, const double *x,
                                     const double *y, optsched_error *err);

/* The model the problem was built for. */
const optsched_model *optsched_hjb_problem_model(const optsched_hjb_problem *p);

/* Network input of a state: x[K+2] from a[K], r, t. */
void optsched_hjb_input(const optsched_hjb_problem *p, const double *a, double r, double t,
                        double *x);

/* The model's a[K] of a network input x[K+2] (with fold: |a|). */
void optsched_hjb_state(const optsched_hjb_problem *p, const double *x, double *a);

/* Derivatives in the model's coordinates from the network jets (C = 1 + (K+2) + K) at input
 * x[K+2]: V, ∂_aV[K], ∂_rV, ∂_tV, ∂²_aV[K] (with fold: in |a|). */
void optsched_hjb_unscale(const optsched_hjb_problem *p, const double *x, const double *jets,
                          double *V, double *Va, double *Vr, double *Vt, double *Vaa);

/* A, D of the Hamiltonian at state a (optsched_hjb_state of the input) from the
 * model-coordinate derivatives. With a folded problem (fold above) a and the derivatives are
 * those in |a|, where the formula is the same. */
void optsched_hjb_AD(const optsched_model *m, const double *a, const double *Va, const double *Vaa,
                     double *A, double *D);

/* ---- diagnostics (seed 000 Appendix B) on held-out points ---- */
typedef struct {
    int points;                   /* held-out interior points (and as many per boundary face) */
    double residual_l2;           /* sqrt(mean (∂_tV + min H)²) over interior points */
    double residual_linf;         /* max |∂_tV + min H| */
    double convexity;             /* fraction with ∂²_{a_k}V ≥ 0 for every k */
    double monotonicity;          /* fraction with ∂_rV ≤ 0 */
    double boundary_mse_terminal; /* mean (V − ℓ − L_tail)² on t = T_span */
    double boundary_mse_budget;   /* mean (V − ℓ − L_tail)² on r = 0 */
    double V0;                    /* V(a0, C_max, 0) */
} optsched_hjb_diagnostics;

/* Diagnostics of the solver's current network on held-out points drawn from a
 * stream no training batch uses (seed as given). prob is the plug-in filled by
 * optsched_hjb_problem_create. */
int optsched_hjb_diagnose(optsched_dgm_solver *solver, const optsched_dgm_problem *prob,
                          int points, uint64_t seed, optsched_hjb_diagnostics *d,
                          optsched_error *err);

/* The DP gap |V0 − L̄| / |V0| for a Monte Carlo mean L̄ of the extracted policy. */
double optsched_hjb_dp_gap(double V0, double mc_mean);

/* ---- the closed-loop policy of a trained value function ----
 * A feedback policy for optsched_mc_run (mc.h): at each step it evaluates the
 * network's jets at the live states and takes the greedy controls of the minimiser
 * the problem was built with (optsched_hjb_controls). */
typedef struct {
    const optsched_hjb_problem *problem;
    optsched_dgm_solver *solver;
    double *x, *jets; /* scratch, grown on demand */
    size_t cap;
    int controls; /* OPTSCHED_HJB_CONTROLS_*, as the problem was built */
} optsched_hjb_policy;

/* The optsched_policy_fn of mc.h; ctx is an optsched_hjb_policy. */
int optsched_hjb_policy_fn(void *ctx, int n, const double *a, const double *r, double t,
                           double *eta, double *B);
void optsched_hjb_policy_clear(optsched_hjb_policy *pol);

#ifdef __cplusplus
}
#endif
#endif
