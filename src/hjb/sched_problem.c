/* The schedule HJB as a plug-in of the Deep Galerkin engine (see hjb.h).
 *
 * Input coordinates x = (a_1..a_K, r/C_max, t/T_span): the network sees inputs
 * of order one whatever the budget and horizon; the scale factors 1/C_max and
 * 1/T_span enter the residual's coefficients. Jet channels (dgm.h): V = 0,
 * ∂_{a_k} = 1 + k, ∂_r̃ = 1 + K, ∂_t̃ = 2 + K, ∂²_{a_k} = 3 + K + k. */
#include <math.h>
#include <stdlib.h>

#include "optsched/hjb.h"

struct optsched_hjb_problem {
    const optsched_model *m;
    optsched_hjb_sampling s;
    double Tspan;
    int *second;                   /* [K] = 0..K−1 */
    optsched_dgm_penalty *penalty; /* [K + 2] */
};

#define CH_A(k) (1 + (k))
#define CH_R(K) (1 + (K))
#define CH_T(K) (2 + (K))
#define CH_AA(K, k) (3 + (K) + (k))
#define NCH(K) (3 + 2 * (K))

void optsched_hjb_sampling_default(optsched_hjb_sampling *s)
{
    *s = (optsched_hjb_sampling){
        .a_low = -0.5, .a_high = 1.25, .a_noise = 0.0, .fixed_point = 0, .initial = NULL};
}

const optsched_model *optsched_hjb_problem_model(const optsched_hjb_problem *p)
{
    return p->m;
}

void optsched_hjb_input(const optsched_hjb_problem *p, const double *a, double r, double t,
                        double *x)
{
    const int K = p->m->K;
    for (int k = 0; k < K; k++)
        x[k] = a[k];
    x[K] = r / p->m->C;
    x[K + 1] = t / p->Tspan;
}

void optsched_hjb_unscale(const optsched_hjb_problem *p, const double *jets, double *V, double *Va,
                          double *Vr, double *Vt, double *Vaa)
{
    const int K = p->m->K;
    *V = jets[0];
    for (int k = 0; k < K; k++) {
        Va[k] = jets[CH_A(k)];
        Vaa[k] = jets[CH_AA(K, k)];
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

static int sample_interior(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x)
{
    const optsched_hjb_problem *p = ctx;
    const int K = p->m->K, d = K + 2;
    for (size_t i = 0; i < n; i++) {
        double *xi = x + i * d;
        sample_a(p, rng, i, xi);
        uint64_t idx = (uint64_t)i * (uint64_t)d + (uint64_t)K;
        xi[K] = optsched_dgm_rng_uniform(rng, idx, 0);
        xi[K + 1] = optsched_dgm_rng_uniform(rng, idx, 1);
    }
    return OPTSCHED_OK;
}

/* Half the points on the terminal face t = T_span, half on the budget face r = 0;
 * on both V = ℓ(a) + L_tail. */
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
        if (i % 2 == 0) {
            xi[K] = u;
            xi[K + 1] = 1.0;
        } else {
            xi[K] = 0.0;
            xi[K + 1] = u;
        }
        target[i] = optsched_model_ell(p->m, xi) + p->m->tail;
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
    const optsched_hjb_problem *p = ctx;
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = NCH(K);
    double Va[OPTSCHED_MAX_MODES], Vaa[OPTSCHED_MAX_MODES];
    for (size_t i = 0; i < n; i++) {
        double V, Vr, Vt, A, D;
        optsched_hjb_unscale(p, jets + i * C, &V, Va, &Vr, &Vt, Vaa);
        optsched_hjb_AD(m, x + i * d, Va, Vaa, &A, &D);
        if (p->s.fixed_point)
            optsched_hjb_fixed_point(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, 5,
                                     &u[2 * i], &u[2 * i + 1]);
        else
            optsched_hjb_box_min(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, &u[2 * i],
                                 &u[2 * i + 1]);
    }
    return OPTSCHED_OK;
}

/* ∂_tV + Σ_k [−ηλ_kPa_k ∂_{a_k}V + η²λ_k(ℓ+σ²)/(2B) ∂²_{a_k}V] − B ∂_rV, in the
 * network's coordinates. */
static int residual(void *ctx, size_t n, const double *x, const double *u, double *r0, double *coef)
{
    const optsched_hjb_problem *p = ctx;
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = NCH(K);
    for (size_t i = 0; i < n; i++) {
        const double *a = x + i * d, eta = u[2 * i], B = u[2 * i + 1];
        const double g = optsched_model_ell(m, a) + m->sigma2, q = eta * eta / (2.0 * B);
        double *c = coef + i * C;
        r0[i] = 0;
        c[0] = 0;
        for (int k = 0; k < K; k++) {
            c[CH_A(k)] = -eta * m->lambda[k] * m->P * a[k];
            c[CH_AA(K, k)] = q * m->lambda[k] * g;
        }
        c[CH_R(K)] = -B / m->C;
        c[CH_T(K)] = 1.0 / p->Tspan;
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
        .initial_control = initial_control,
        .improve = improve,
        .residual = residual,
        .npenalty = K + 2,
        .penalty = p->penalty,
    };
    return p;
}

void optsched_hjb_problem_free(optsched_hjb_problem *p)
{
    if (!p) return;
    free(p->second);
    free(p->penalty);
    free(p);
}
