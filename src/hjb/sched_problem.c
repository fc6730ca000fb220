/* The schedule HJB as a plug-in of the Deep Galerkin engine (see hjb.h).
 *
 * Input coordinates x = (a_1..a_K, r/C_max, t/T_span): the network sees inputs
 * of order one whatever the budget and horizon; the scale factors 1/C_max and
 * 1/T_span enter the residual's coefficients. With fold the network sees |a_k|; with
 * stretch a stretched coordinate x_k of a_k (hjb.h), and the chain rule's factors enter
 * the residual's coefficients, the prior's jets and unscale. Jet channels (dgm.h): V = 0,
 * ∂_{a_k} = 1 + k, ∂_r̃ = 1 + K, ∂_t̃ = 2 + K, ∂²_{a_k} = 3 + K + k. */
#include <math.h>
#include <stdlib.h>

#include "optsched/exact.h"

#include "optsched/hjb.h"
#include "hjb/sched_internal.h"

struct optsched_hjb_problem {
    const optsched_model *m;
    optsched_hjb_sampling s;
    double Tspan;
    int *second;                   /* [K] = 0..K−1 */
    optsched_dgm_penalty *penalty; /* [K + 2] */
    sched_prior *prior;            /* the pace prior, or NULL */
    sched_track *track;            /* the open-loop prior, or NULL */
    sched_prior *park;             /* park_face (K = 1): the value of parking at a = 0 */
    sched_prior *kpark;            /* kink (K = 1): the same, for the form's shift */
    /* the pace policy's moment path, for sampling near where runs go (s.path_frac > 0):
     * mean and standard deviation of a_k at NPATH times spread over [0, path_end] */
    double path_end, path_B;
    double *path_mean, *path_sd; /* [NPATH][K] */
    /* states the policy under evaluation visits (network inputs), each with a Monte Carlo
     * sample of the loss its run reached: value data, and centres of on-policy sampling */
    size_t nanchor;
    double *anchor_x, *anchor_y; /* [nanchor][K + 2], [nanchor] */
    /* residual weighting (hjb.h): the pace batch, and V0(x0) + f and f of the relative weight */
    double B_ref, rel_scale, rel_floor;
    double *wjets; /* [wcap][C] prior jets for the relative weight */
    size_t wcap;
    double *mjets; /* [mcap][C] prior jets for the multiplier */
    size_t mcap;
    double *kx, *kjets; /* kink: [kcap][K + 2] inputs with a = 0, [kcap][C] the prior's jets there */
    size_t kcap;
    double ascale[OPTSCHED_MAX_MODES]; /* stretch: s_k */
    /* relative_value: the frozen network's V at the points improve was last given (x, n) */
    double *vprev;
    size_t vcap, vn;
    const double *vx;
};

#define NPATH 129
/* counters of the path sampler, apart from the box sampler's (pt·(K + 2) + j) */
#define PATH_INDEX0 ((uint64_t)1 << 40)
/* and of the on-policy sampler (pt·(K + 3) + j) */
#define ONPOLICY_INDEX0 ((uint64_t)1 << 41)

#define CH_A(k) (1 + (k))
#define CH_R(K) (1 + (K))
#define CH_T(K) (2 + (K))
#define CH_AA(K, k) (3 + (K) + (k))
#define NCH(K) (3 + 2 * (K))

void optsched_hjb_sampling_default(optsched_hjb_sampling *s)
{
    *s = (optsched_hjb_sampling){
        .a_low = -0.5, .a_high = 1.25, .a_noise = 0.0, .controls = OPTSCHED_HJB_CONTROLS_BOX, .initial = NULL,
        .prior = OPTSCHED_HJB_PRIOR_PACE, .prior_schedule = NULL, .path_frac = 0.0,
        .reachable = 0, .onpolicy_frac = 0.0, .compute_clock = 0, .relative = 0.0, .exact_boundary = 0, .terminal_power = 1.0,
        .evaluate_prior = 0, .fold = 0, .park_face = 0, .stretch = 0.0, .kink = 0.0, .relative_value = 0,
        .relative_boundary = 0};
}

const optsched_model *optsched_hjb_problem_model(const optsched_hjb_problem *p)
{
    return p->m;
}

/* The stretched coordinate (hjb.h, stretch): a = s ψ(x), ψ(x) = x sqrt(x² + δ²)/sqrt(1 + δ²).
 * Inverse: x² (x² + δ²) = c², c = |a/s| sqrt(1 + δ²), so x² = 2c²/(sqrt(δ⁴ + 4c²) + δ²) —
 * written without the cancellation of the textbook root when c ≪ δ². */
static double stretch_x(double delta, double s, double a)
{
    const double d2 = delta * delta, c = fabs(a / s) * sqrt(1 + d2);
    return copysign(sqrt(2 * c * c / (sqrt(d2 * d2 + 4 * c * c) + d2)), a);
}

/* a = s ψ(x) and its derivatives a' = s ψ'(x), a'' = s ψ''(x). */
static void stretch_a(double delta, double s, double x, double *a, double *a1, double *a2)
{
    const double d2 = delta * delta, N = sqrt(1 + d2), q = sqrt(x * x + d2);
    *a = s * x * q / N;
    *a1 = s * (2 * x * x + d2) / (q * N);
    *a2 = s * x * (2 * x * x + 3 * d2) / (q * q * q * N);
}

/* The model's a_k at network coordinate x_k, with a' = da/dx and a'' (the identity unless
 * stretched; folded, x_k is |a_k| and stays so). */
static void a_of_x(const optsched_hjb_problem *p, int k, double x, double *a, double *a1, double *a2)
{
    if (p->s.stretch > 0) {
        stretch_a(p->s.stretch, p->ascale[k], x, a, a1, a2);
    } else {
        *a = x;
        *a1 = 1.0;
        *a2 = 0.0;
    }
}

/* The network's a-coordinates x[K] of a[K] (in place allowed). */
static void input_a(const optsched_hjb_problem *p, const double *a, double *x)
{
    for (int k = 0; k < p->m->K; k++)
        x[k] = p->s.fold ? fabs(a[k])
               : p->s.stretch > 0 ? stretch_x(p->s.stretch, p->ascale[k], a[k])
                                  : a[k];
}

void optsched_hjb_input(const optsched_hjb_problem *p, const double *a, double r, double t,
                        double *x)
{
    const int K = p->m->K;
    input_a(p, a, x);
    x[K] = r / p->m->C;
    x[K + 1] = t / p->Tspan;
}

void optsched_hjb_state(const optsched_hjb_problem *p, const double *x, double *a)
{
    for (int k = 0; k < p->m->K; k++) {
        double a1, a2;
        a_of_x(p, k, x[k], &a[k], &a1, &a2);
    }
}

void optsched_hjb_unscale(const optsched_hjb_problem *p, const double *x, const double *jets,
                          double *V, double *Va, double *Vr, double *Vt, double *Vaa)
{
    const int K = p->m->K;
    *V = jets[0];
    for (int k = 0; k < K; k++) {
        Va[k] = jets[CH_A(k)];
        Vaa[k] = jets[CH_AA(K, k)];
        if (p->s.stretch > 0) { /* V_a = V_x / a', V_aa = (V_xx − V_a a'') / a'² */
            double a, a1, a2;
            stretch_a(p->s.stretch, p->ascale[k], x[k], &a, &a1, &a2);
            Va[k] /= a1;
            Vaa[k] = (Vaa[k] - Va[k] * a2) / (a1 * a1);
        }
    }
    *Vr = jets[CH_R(K)] / p->m->C;
    *Vt = jets[CH_T(K)] / p->Tspan;
}

void optsched_hjb_AD(const optsched_model *m, const double *a, const double *Va, const double *Vaa,
                     double *A, double *D)
{
    const double g = optsched_model_ell(m, a) + m->sigma2;
    double sa = 0, sd = 0;
    for (int k = 0; k < m->K; k++) {
        sa += m->lambda[k] * m->P * a[k] * Va[k];
        sd += m->lambda[k] * g * Vaa[k];
    }
    *A = sa;
    *D = sd;
}

static void sample_a(const optsched_hjb_problem *p, const optsched_dgm_rng *rng, size_t pt,
                     double *a)
{
    const optsched_model *m = p->m;
    for (int k = 0; k < m->K; k++) {
        /* lanes 0..1 of index (pt, k): distinct counters per point and mode */
        uint64_t idx = (uint64_t)pt * (uint64_t)(m->K + 2) + (uint64_t)k;
        double u = optsched_dgm_rng_uniform(rng, idx, 0);
        a[k] = m->a0[k] * (p->s.a_low + (p->s.a_high - p->s.a_low) * u);
        if (p->s.a_noise > 0) a[k] += p->s.a_noise * optsched_dgm_rng_normal(rng, idx, 1);
    }
}

/* A point near the pace policy's paths: t uniform over its run, r the budget it has left
 * then (spread by a log-normal factor e^{0.3 z}), a_k Gaussian around its mean with 1.5
 * times its standard deviation (at least 2% of a_k(0)). */
static void sample_path(const optsched_hjb_problem *p, const optsched_dgm_rng *rng, size_t pt,
                        double *xi)
{
    const optsched_model *m = p->m;
    const int K = m->K;
    const uint64_t base = PATH_INDEX0 + (uint64_t)pt * (uint64_t)(K + 2);
    const double u = optsched_dgm_rng_uniform(rng, base + (uint64_t)K, 0);
    const double t = u * p->path_end, f = u * (NPATH - 1);
    const int j = f >= NPATH - 1 ? NPATH - 2 : (int)f;
    const double w = f - j;
    for (int k = 0; k < K; k++) {
        double mu = (1 - w) * p->path_mean[j * K + k] + w * p->path_mean[(j + 1) * K + k];
        double sd = (1 - w) * p->path_sd[j * K + k] + w * p->path_sd[(j + 1) * K + k];
        sd = fmax(1.5 * sd, 0.02 * fabs(m->a0[k]));
        xi[k] = mu + sd * optsched_dgm_rng_normal(rng, base + (uint64_t)k, 0);
    }
    double r = (m->C - p->path_B * t) * exp(0.3 * optsched_dgm_rng_normal(rng, base + (uint64_t)K + 1, 0));
    xi[K] = fmin(1.0, fmax(0.0, r / m->C));
    xi[K + 1] = t / p->Tspan;
}

/* A point near a state the policy under evaluation visited (hjb.h, onpolicy_frac). */
static void sample_onpolicy(const optsched_hjb_problem *p, const optsched_dgm_rng *rng, size_t pt,
                            double *xi)
{
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2;
    const uint64_t base = ONPOLICY_INDEX0 + (uint64_t)pt * (uint64_t)(K + 3);
    size_t j = (size_t)(optsched_dgm_rng_uniform(rng, base, 1) * (double)p->nanchor);
    if (j >= p->nanchor) j = p->nanchor - 1;
    const double *c = p->anchor_x + j * (size_t)d;
    double ca[OPTSCHED_MAX_MODES]; /* the anchor's a (network inputs are stored) */
    optsched_hjb_state(p, c, ca);
    for (int k = 0; k < K; k++) {
        const uint64_t idx = base + 1 + (uint64_t)k;
        xi[k] = ca[k] * (1 + 0.1 * optsched_dgm_rng_normal(rng, idx, 0)) +
                0.02 * m->a0[k] * optsched_dgm_rng_normal(rng, idx, 1);
    }
    const uint64_t idx = base + 1 + (uint64_t)K;
    xi[K] = fmin(1.0, fmax(0.0, c[K] * exp(0.1 * optsched_dgm_rng_normal(rng, idx, 0))));
    xi[K + 1] = fmin(1.0, fmax(0.0, c[K + 1] + 0.01 * optsched_dgm_rng_normal(rng, idx, 1)));
}

/* (r/C_max, t/T_span) uniform over the reachable set {0 ≤ r ≤ C_max − B_min t} of the box,
 * from two uniforms: t by inverting its marginal CDF (density ∝ the height C_max − B_min t, a
 * quadratic), then r uniform under that height. */
static void sample_reachable(const optsched_hjb_problem *p, double u0, double u1, double *rt)
{
    const optsched_model *m = p->m;
    const double C = m->C, b = m->B_min, tend = fmin(p->Tspan, C / b);
    const double Z = C * tend - 0.5 * b * tend * tend; /* area under the height */
    /* b t²/2 − C t + u Z = 0, smaller root; written to avoid cancellation when b t ≪ C */
    const double q = C * C - 2 * b * u0 * Z;
    const double t = 2 * u0 * Z / (C + sqrt(fmax(q, 0.0)));
    rt[0] = u1 * fmax(C - b * t, 0.0) / C;
    rt[1] = fmin(1.0, t / p->Tspan);
}

/* A sampled point's a_k (as the samplers draw them) to the network's coordinates: |a_k|
 * when the problem is folded, the stretched x_k with stretch. */
static void network_a(const optsched_hjb_problem *p, double *xi)
{
    input_a(p, xi, xi);
}

static void sample_interior_point(const optsched_hjb_problem *p, const optsched_dgm_rng *rng,
                                  size_t i, double *xi)
{
    const int K = p->m->K, d = K + 2;
    if (p->s.onpolicy_frac > 0 && p->nanchor > 0 &&
        optsched_dgm_rng_uniform(rng, ONPOLICY_INDEX0 + (uint64_t)i * (uint64_t)(K + 3), 0) <
            p->s.onpolicy_frac) {
        sample_onpolicy(p, rng, i, xi);
        return;
    }
    if (p->s.path_frac > 0 &&
        optsched_dgm_rng_uniform(rng, PATH_INDEX0 + (uint64_t)i * (uint64_t)d + (uint64_t)K, 1) <
            p->s.path_frac) {
        sample_path(p, rng, i, xi);
        return;
    }
    sample_a(p, rng, i, xi);
    uint64_t idx = (uint64_t)i * (uint64_t)d + (uint64_t)K;
    const double u0 = optsched_dgm_rng_uniform(rng, idx, 0), u1 = optsched_dgm_rng_uniform(rng, idx, 1);
    if (p->s.reachable) {
        sample_reachable(p, u0, u1, xi + K);
    } else {
        xi[K] = u0;
        xi[K + 1] = u1;
    }
}

static int sample_interior(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x)
{
    const optsched_hjb_problem *p = ctx;
    const int d = p->m->K + 2;
    for (size_t i = 0; i < n; i++) {
        sample_interior_point(p, rng, i, x + i * d);
        network_a(p, x + i * d);
    }
    return OPTSCHED_OK;
}

/* Half the points on the terminal face t = T_span, half on the budget face r = 0;
 * on both V = ℓ(a) + L_tail. With park_face (K = 1), a third on each and a third on a = 0,
 * where the optimum parks: V = the exact value of parking (sched_prior_park). */
static int sample_boundary(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x,
                           double *target)
{
    const optsched_hjb_problem *p = ctx;
    const int K = p->m->K, d = K + 2;
    for (size_t i = 0; i < n; i++) {
        double *xi = x + i * d;
        sample_a(p, rng, i, xi);
        uint64_t idx = (uint64_t)i * (uint64_t)d + (uint64_t)K;
        double u = optsched_dgm_rng_uniform(rng, idx, 0);
        if (p->park && i % 3 == 2) {
            const double u1 = optsched_dgm_rng_uniform(rng, idx, 1);
            if (p->s.reachable) {
                sample_reachable(p, u, u1, xi + K);
            } else {
                xi[K] = u;
                xi[K + 1] = u1;
            }
            xi[0] = 0.0;
            int st = sched_prior_park(p->park, xi[K] * p->m->C, xi[K + 1] * p->Tspan, &target[i]);
            if (st) return st;
        } else {
            if (p->park ? i % 3 == 0 : i % 2 == 0) {
                xi[K] = u;
                xi[K + 1] = 1.0;
            } else {
                xi[K] = 0.0;
                xi[K + 1] = u;
            }
            target[i] = optsched_model_ell(p->m, xi) + p->m->tail;
        }
        network_a(p, xi);
    }
    return OPTSCHED_OK;
}

/* The boundary penalty relative to the value (hjb.h, relative_boundary): the residual's
 * relative weight with the point's target in place of V, squared as the error is. */
static int boundary_weight(void *ctx, size_t n, const double *x, const double *target, double *w)
{
    const optsched_hjb_problem *p = ctx;
    (void)x;
    for (size_t i = 0; i < n; i++) {
        const double q = p->rel_scale / (fmax(0.0, target[i]) + p->rel_floor);
        w[i] = q * q;
    }
    return OPTSCHED_OK;
}

/* Round 0: a given open-loop schedule (the open-loop optimum, say), or the
 * largest learning rate with the batch that spends the budget exactly at the
 * horizon — the tuned constant schedule's shape in most settings. */
static int initial_control(void *ctx, size_t n, const double *x, double *u)
{
    const optsched_hjb_problem *p = ctx;
    const optsched_model *m = p->m;
    const int d = m->K + 2;
    double eta = m->eta_max, B = fmin(m->B_max, fmax(m->B_min, m->C / p->Tspan));
    for (size_t i = 0; i < n; i++) {
        if (p->s.initial) /* an open-loop schedule: its controls at this point's time */
            optsched_schedule_controls(p->s.initial, m, x[i * d + m->K + 1] * p->Tspan, &eta, &B);
        u[2 * i] = eta;
        u[2 * i + 1] = B;
    }
    return OPTSCHED_OK;
}

static int improve(void *ctx, size_t n, const double *x, const double *jets, double *u)
{
    optsched_hjb_problem *p = ctx;
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = NCH(K);
    double Va[OPTSCHED_MAX_MODES], Vaa[OPTSCHED_MAX_MODES];
    if (p->s.evaluate_prior && (p->track || p->prior)) { /* the prior's own policy */
        for (size_t i = 0; i < n; i++) {
            const double r = fmax(0.0, x[i * d + K] * m->C), t = x[i * d + K + 1] * p->Tspan;
            if (p->track)
                sched_track_controls(p->track, r, t, &u[2 * i], &u[2 * i + 1]);
            else
                sched_prior_controls(m, r, t, &u[2 * i], &u[2 * i + 1]);
        }
        return OPTSCHED_OK;
    }
    if (p->s.relative_value && p->rel_scale > 0) { /* for the residual's weight (hjb.h) */
        if (n > p->vcap) {
            double *v = realloc(p->vprev, n * sizeof *v);
            if (!v) return OPTSCHED_ENOMEM;
            p->vprev = v;
            p->vcap = n;
        }
        for (size_t i = 0; i < n; i++) p->vprev[i] = jets[i * C];
        p->vx = x;
        p->vn = n;
    }
    double a[OPTSCHED_MAX_MODES];
    for (size_t i = 0; i < n; i++) {
        double V, Vr, Vt, A, D;
        optsched_hjb_unscale(p, x + i * d, jets + i * C, &V, Va, &Vr, &Vt, Vaa);
        optsched_hjb_state(p, x + i * d, a);
        optsched_hjb_AD(m, a, Va, Vaa, &A, &D);
        optsched_hjb_controls(p->s.controls, m, A, D, Vr, Vt, &u[2 * i], &u[2 * i + 1]);
    }
    return OPTSCHED_OK;
}

static int prior(void *ctx, size_t n, const double *x, double *jets);

static int prior_raw(optsched_hjb_problem *p, size_t n, const double *x, double *jets);

/* The prior's jets (V0 itself, without kink's shift) at n points into *buf (grown as
 * needed; [n][C]). */
static int prior_into(optsched_hjb_problem *p, size_t n, const double *x, double **buf, size_t *cap)
{
    if (n > *cap) {
        double *w = realloc(*buf, n * (size_t)NCH(p->m->K) * sizeof *w);
        if (!w) return OPTSCHED_ENOMEM;
        *buf = w;
        *cap = n;
    }
    return prior_raw(p, n, x, *buf);
}

/* ∂_tV + Σ_k [−ηλ_kPa_k ∂_{a_k}V + η²λ_k(ℓ+σ²)/(2B) ∂²_{a_k}V] − B ∂_rV, in the
 * network's coordinates, times the weight of hjb.h (compute_clock, relative). */
static int residual(void *ctx, size_t n, const double *x, const double *u, double *r0, double *coef)
{
    optsched_hjb_problem *p = ctx;
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = NCH(K);
    double a[OPTSCHED_MAX_MODES], a1[OPTSCHED_MAX_MODES], a2[OPTSCHED_MAX_MODES];
    for (size_t i = 0; i < n; i++) {
        const double eta = u[2 * i], B = u[2 * i + 1];
        for (int k = 0; k < K; k++) a_of_x(p, k, x[i * d + k], &a[k], &a1[k], &a2[k]);
        const double g = optsched_model_ell(m, a) + m->sigma2, q = eta * eta / (2.0 * B);
        double *c = coef + i * C;
        r0[i] = 0;
        c[0] = 0;
        for (int k = 0; k < K; k++) {
            c[CH_A(k)] = -eta * m->lambda[k] * m->P * a[k];
            c[CH_AA(K, k)] = q * m->lambda[k] * g;
            if (p->s.stretch > 0) { /* c_A V_a + c_AA V_aa in V_x, V_xx (unscale's chain rule) */
                c[CH_A(k)] = c[CH_A(k)] / a1[k] - c[CH_AA(K, k)] * a2[k] / (a1[k] * a1[k] * a1[k]);
                c[CH_AA(K, k)] /= a1[k] * a1[k];
            }
        }
        c[CH_R(K)] = -B / m->C;
        c[CH_T(K)] = 1.0 / p->Tspan;
    }
    const int relative = p->rel_scale > 0;
    if (!p->s.compute_clock && !relative) return OPTSCHED_OK;
    /* the weight's V: the frozen network's, when improve has just seen these points */
    const int byvalue = relative && p->s.relative_value && p->vx == x && p->vn == n;
    p->vx = NULL;
    int st = relative && !byvalue ? prior_into(p, n, x, &p->wjets, &p->wcap) : OPTSCHED_OK;
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        double w = 1.0;
        if (p->s.compute_clock) w *= p->B_ref / u[2 * i + 1];
        if (relative)
            w *= p->rel_scale /
                 (fmax(0.0, byvalue ? p->vprev[i] : p->wjets[i * (size_t)C]) + p->rel_floor);
        r0[i] *= w;
        for (int k = 0; k < C; k++) coef[i * (size_t)C + (size_t)k] *= w;
    }
    return OPTSCHED_OK;
}

/* The moments of a_k along the pace policy's run from the initial state: the constant
 * schedule (η_max, clamp(C_max/T)) until the budget or the horizon ends it. The mean is
 * a_k(0) e^{−η λ_k P t} (the drift is linear); the second moments come from the exact
 * propagator. */
static int path_moments(optsched_hjb_problem *p)
{
    const optsched_model *m = p->m;
    const int K = m->K;
    p->path_B = isfinite(m->T) ? fmin(m->B_max, fmax(m->B_min, m->C / m->T)) : m->B_min;
    p->path_end = fmin(p->Tspan, m->C / p->path_B);
    p->path_mean = malloc((size_t)NPATH * K * sizeof *p->path_mean);
    p->path_sd = malloc((size_t)NPATH * K * sizeof *p->path_sd);
    optsched_prop *pr = optsched_prop_alloc(K);
    double *mom = malloc((size_t)K * sizeof *mom);
    int st = !p->path_mean || !p->path_sd || !pr || !mom;
    if (!st) st = optsched_prop_set(pr, m, m->eta_max, p->path_B);
    if (!st) {
        const double dt = p->path_end / (NPATH - 1);
        for (int k = 0; k < K; k++) mom[k] = m->a0[k] * m->a0[k];
        for (int j = 0; j < NPATH; j++) {
            if (j > 0) optsched_prop_apply(pr, dt, mom);
            for (int k = 0; k < K; k++) {
                double mu = m->a0[k] * exp(-m->eta_max * m->lambda[k] * m->P * dt * j);
                p->path_mean[j * K + k] = mu;
                p->path_sd[j * K + k] = sqrt(fmax(0.0, mom[k] - mu * mu));
            }
        }
    }
    optsched_prop_free(pr);
    free(mom);
    return st;
}

static int sample_data(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x, double *target,
                       size_t *got)
{
    const optsched_hjb_problem *p = ctx;
    const size_t d = (size_t)p->m->K + 2;
    *got = p->nanchor ? n : 0;
    for (size_t i = 0; i < *got; i++) {
        size_t j = (size_t)(optsched_dgm_rng_uniform(rng, i, 0) * (double)p->nanchor);
        if (j >= p->nanchor) j = p->nanchor - 1;
        for (size_t c = 0; c < d; c++) x[i * d + c] = p->anchor_x[j * d + c];
        target[i] = p->anchor_y[j];
    }
    return OPTSCHED_OK;
}

int optsched_hjb_problem_set_anchors(optsched_hjb_problem *p, size_t n, const double *x,
                                     const double *y, optsched_error *err)
{
    const size_t d = (size_t)p->m->K + 2;
    double *ax = n ? malloc(n * d * sizeof *ax) : NULL, *ay = n ? malloc(n * sizeof *ay) : NULL;
    if (n && (!ax || !ay)) {
        free(ax);
        free(ay);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: out of memory (value data)");
    }
    for (size_t i = 0; i < n * d; i++) ax[i] = x[i];
    for (size_t i = 0; i < n; i++) ay[i] = y[i];
    free(p->anchor_x);
    free(p->anchor_y);
    p->anchor_x = ax;
    p->anchor_y = ay;
    p->nanchor = n;
    return OPTSCHED_OK;
}

static int prior_raw(optsched_hjb_problem *p, size_t n, const double *x, double *jets)
{
    if (!(p->s.stretch > 0))
        return p->track ? sched_track_jets(p->track, n, x, jets) : sched_prior_jets(p->prior, n, x, jets);
    /* the priors take the model's a: map the inputs back, then their jets forward
     * (P_x = P_a a', P_xx = P_aa a'² + P_a a'') */
    const int K = p->m->K, d = K + 2, C = NCH(K);
    double *xm = malloc(n * (size_t)d * sizeof *xm);
    if (!xm) return OPTSCHED_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        optsched_hjb_state(p, x + i * d, xm + i * d);
        xm[i * d + K] = x[i * d + K];
        xm[i * d + K + 1] = x[i * d + K + 1];
    }
    int st = p->track ? sched_track_jets(p->track, n, xm, jets) : sched_prior_jets(p->prior, n, xm, jets);
    free(xm);
    for (size_t i = 0; i < n && !st; i++)
        for (int k = 0; k < K; k++) {
            double a, a1, a2, *J = jets + i * C;
            stretch_a(p->s.stretch, p->ascale[k], x[i * d + k], &a, &a1, &a2);
            J[CH_AA(K, k)] = J[CH_AA(K, k)] * a1 * a1 + J[CH_A(k)] * a2;
            J[CH_A(k)] *= a1;
        }
    return st;
}

/* The prior of the network's form: V0, and with kink V0 − V0|_{a=0} + V_park (hjb.h), whose
 * a-derivatives are V0's (the shift depends on r and t alone). */
static int prior(void *ctx, size_t n, const double *x, double *jets)
{
    optsched_hjb_problem *p = ctx;
    int st = prior_raw(p, n, x, jets);
    if (st || !(p->s.kink > 0)) return st;
    const int K = p->m->K, d = K + 2, C = NCH(K);
    if (n > p->kcap) {
        double *kx = realloc(p->kx, n * (size_t)d * sizeof *kx);
        if (kx) p->kx = kx;
        double *kj = kx ? realloc(p->kjets, n * (size_t)C * sizeof *kj) : NULL;
        if (!kj) return OPTSCHED_ENOMEM;
        p->kjets = kj;
        p->kcap = n;
    }
    for (size_t i = 0; i < n; i++) { /* the same (r, t) on a = 0 */
        for (int k = 0; k < K; k++) p->kx[i * d + k] = 0.0;
        p->kx[i * d + K] = x[i * d + K];
        p->kx[i * d + K + 1] = x[i * d + K + 1];
    }
    if ((st = prior_raw(p, n, p->kx, p->kjets))) return st;
    for (size_t i = 0; i < n; i++) {
        const double *J0 = p->kjets + i * (size_t)C;
        double Vp, Vpr, Vpt;
        if ((st = sched_prior_park_jets(p->kpark, x[i * d + K] * p->m->C, x[i * d + K + 1] * p->Tspan,
                                        &Vp, &Vpr, &Vpt)))
            return st;
        double *J = jets + i * (size_t)C;
        J[0] += Vp - J0[0];
        J[CH_R(K)] += Vpr * p->m->C - J0[CH_R(K)];
        J[CH_T(K)] += Vpt * p->Tspan - J0[CH_T(K)];
    }
    return OPTSCHED_OK;
}

/* The kink factor h(a) = a²/(s sqrt(a² + ε²)) of hjb.h and its first two derivatives. */
static void kink_factor(double eps, double s, double a, double *h, double *h1, double *h2)
{
    const double e2 = eps * eps, q2 = a * a + e2, q = sqrt(q2);
    *h = a * a / (s * q);
    *h1 = a * (a * a + 2 * e2) / (s * q2 * q);
    *h2 = e2 * (2 * e2 - a * a) / (s * q2 * q2 * q);
}

/* S = q w, q = r̃ (1 − t̃^P), w = (V0 + f)/(V0(x0) + f) or 1 (hjb.h, exact_boundary,
 * terminal_power P). */
static int multiplier(void *ctx, size_t n, const double *x, double *jets)
{
    optsched_hjb_problem *p = ctx;
    const int K = p->m->K, d = K + 2, C = NCH(K);
    const int relative = p->rel_scale > 0;
    int st = relative ? prior_into(p, n, x, &p->mjets, &p->mcap) : OPTSCHED_OK;
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        const double r = x[i * d + K], t = x[i * d + K + 1], P = p->s.terminal_power;
        const double tp1 = P == 1 ? 1.0 : pow(fmax(t, 0.0), P - 1); /* t^(P-1) */
        const double g = 1 - tp1 * t, q = r * g, q_r = g, q_t = -r * P * tp1;
        double *S = jets + i * (size_t)C;
        for (int k = 0; k < C; k++) S[k] = 0.0;
        if (!relative) {
            S[0] = q;
            S[CH_R(K)] = q_r;
            S[CH_T(K)] = q_t;
            continue;
        }
        const double *W = p->mjets + i * (size_t)C, c = 1.0 / p->rel_scale;
        const double w = (fmax(0.0, W[0]) + p->rel_floor) * c;
        S[0] = q * w;
        for (int k = 0; k < K; k++) {
            S[CH_A(k)] = q * W[CH_A(k)] * c;
            S[CH_AA(K, k)] = q * W[CH_AA(K, k)] * c;
        }
        S[CH_R(K)] = q_r * w + q * W[CH_R(K)] * c;
        S[CH_T(K)] = q_t * w + q * W[CH_T(K)] * c;
    }
    if (p->s.kink > 0) /* times h(a) (one mode): the product rule on the a-channels */
        for (size_t i = 0; i < n; i++) {
            double h, h1, h2, *S = jets + i * (size_t)C;
            kink_factor(p->s.kink * p->ascale[0], p->ascale[0], x[i * d], &h, &h1, &h2);
            S[CH_AA(K, 0)] = S[CH_AA(K, 0)] * h + 2 * S[CH_A(0)] * h1 + S[0] * h2;
            S[CH_A(0)] = S[CH_A(0)] * h + S[0] * h1;
            S[0] *= h;
            S[CH_R(K)] *= h;
            S[CH_T(K)] *= h;
        }
    return OPTSCHED_OK;
}

optsched_hjb_problem *optsched_hjb_problem_create(const optsched_model *m,
                                                  const optsched_hjb_sampling *s,
                                                  optsched_dgm_problem *prob, optsched_error *err)
{
    optsched_hjb_problem *p = calloc(1, sizeof *p);
    if (p) {
        p->second = malloc((size_t)m->K * sizeof *p->second);
        p->penalty = malloc((size_t)(m->K + 2) * sizeof *p->penalty);
    }
    if (!p || !p->second || !p->penalty) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: out of memory");
        return NULL;
    }
    p->m = m;
    if (s)
        p->s = *s;
    else
        optsched_hjb_sampling_default(&p->s);
    p->Tspan = optsched_model_time_span(m);
    if (p->s.path_frac > 0 && path_moments(p)) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: cannot compute the sampling path");
        return NULL;
    }
    if (p->s.prior == OPTSCHED_HJB_PRIOR_PACE && !(p->prior = sched_prior_alloc(m, p->Tspan))) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: out of memory");
        return NULL;
    }
    if (p->s.prior == OPTSCHED_HJB_PRIOR_OPENLOOP &&
        !(p->track = sched_track_alloc(m, p->s.prior_schedule, err))) {
        optsched_hjb_problem_free(p);
        return NULL;
    }
    p->s.prior_schedule = NULL; /* copied into the table */
    if (p->s.fold) p->s.park_face = 1; /* the half-line needs its condition at a = 0 */
    if (!(p->s.stretch >= 0 && p->s.stretch <= 10) || (p->s.stretch > 0 && p->s.stretch < 1e-3) ||
        (p->s.stretch > 0 && p->s.fold)) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "hjb: stretch %g not 0 or in [0.001, 10] (and not with fold)", p->s.stretch);
        optsched_hjb_problem_free(p);
        return NULL;
    }
    for (int k = 0; k < m->K; k++) p->ascale[k] = m->a0[k] != 0 ? fabs(m->a0[k]) : 1.0;
    if (p->s.park_face && m->K != 1) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "hjb: fold and park_face need one mode (K = %d): with more, a = 0 in "
                           "one mode is no parking boundary", m->K);
        optsched_hjb_problem_free(p);
        return NULL;
    }
    if (p->s.park_face && !(p->park = sched_prior_alloc(m, p->Tspan))) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: out of memory");
        return NULL;
    }
    if (!(p->s.kink >= 0 && p->s.kink <= 1) || (p->s.kink > 0 && p->s.kink < 1e-3)) {
        optsched_error_set(err, OPTSCHED_EINVAL, "hjb: kink %g not 0 or in [0.001, 1]", p->s.kink);
        optsched_hjb_problem_free(p);
        return NULL;
    }
    if (p->s.kink > 0 && (m->K != 1 || !p->s.exact_boundary || p->s.fold || p->s.stretch > 0 ||
                          (!p->prior && !p->track))) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "hjb: kink needs one mode (K = %d), an exact boundary with a prior, and "
                           "neither fold nor stretch", m->K);
        optsched_hjb_problem_free(p);
        return NULL;
    }
    if (p->s.kink > 0 && !(p->kpark = sched_prior_alloc(m, p->Tspan))) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb: out of memory");
        return NULL;
    }
    p->B_ref = fmin(m->B_max, fmax(m->B_min, m->C / p->Tspan));
    if (p->s.exact_boundary && !p->prior && !p->track) {
        optsched_hjb_problem_free(p);
        optsched_error_set(err, OPTSCHED_EINVAL, "hjb: an exact boundary needs a prior");
        return NULL;
    }
    if (p->s.exact_boundary && !(p->s.terminal_power >= 1 && p->s.terminal_power <= 1e3)) {
        optsched_error_set(err, OPTSCHED_EINVAL, "hjb: terminal_power %g not in [1, 1000]",
                           p->s.terminal_power);
        optsched_hjb_problem_free(p);
        return NULL;
    }
    if (p->s.relative > 0) {
        if (!p->prior && !p->track) {
            optsched_hjb_problem_free(p);
            optsched_error_set(err, OPTSCHED_EINVAL, "hjb: a relative residual needs a prior");
            return NULL;
        }
        double x0[OPTSCHED_MAX_MODES + 2], J0[NCH(OPTSCHED_MAX_MODES)];
        optsched_hjb_input(p, m->a0, m->C, 0.0, x0);
        if (prior_raw(p, 1, x0, J0) || !(J0[0] > 0)) {
            optsched_hjb_problem_free(p);
            optsched_error_set(err, OPTSCHED_EINVAL,
                               "hjb: a relative residual needs a positive prior at the initial state");
            return NULL;
        }
        p->rel_floor = p->s.relative * J0[0];
        p->rel_scale = J0[0] + p->rel_floor;
    }
    const int K = m->K;
    for (int k = 0; k < K; k++) {
        p->second[k] = k;
        p->penalty[k] = (optsched_dgm_penalty){CH_AA(K, k), 0, 0.0}; /* convexity */
    }
    p->penalty[K] = (optsched_dgm_penalty){0, 0, m->tail};       /* V ≥ L_tail */
    p->penalty[K + 1] = (optsched_dgm_penalty){CH_R(K), 1, 0.0}; /* ∂_rV ≤ 0 */
    *prob = (optsched_dgm_problem){
        .name = "schedule",
        .dim = K + 2,
        .nsecond = K,
        .second = p->second,
        .ncontrols = 2,
        .ctx = p,
        .sample_interior = sample_interior,
        .sample_boundary = sample_boundary,
        /* with a prior and no start schedule, round 0 improves on the prior itself */
        .initial_control = (p->prior || p->track) && !p->s.initial ? NULL : initial_control,
        .improve = improve,
        .residual = residual,
        .npenalty = K + 2,
        .penalty = p->penalty,
        .prior = p->prior || p->track ? prior : NULL,
        .multiplier = p->s.exact_boundary ? multiplier : NULL,
        .sample_data = sample_data,
        .boundary_weight = p->s.relative_boundary && p->rel_scale > 0 ? boundary_weight : NULL,
    };
    return p;
}

void optsched_hjb_problem_free(optsched_hjb_problem *p)
{
    if (!p) return;
    free(p->second);
    free(p->penalty);
    sched_prior_free(p->prior);
    sched_prior_free(p->park);
    sched_prior_free(p->kpark);
    sched_track_free(p->track);
    free(p->path_mean);
    free(p->path_sd);
    free(p->anchor_x);
    free(p->anchor_y);
    free(p->wjets);
    free(p->mjets);
    free(p->kx);
    free(p->kjets);
    free(p->vprev);
    free(p);
}
