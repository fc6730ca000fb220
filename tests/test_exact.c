/* Exact expected loss against independent computations:
 *  - K = 1, constant schedule: the closed form of the scalar affine ODE
 *    m' = μ m + c, μ = −2ηPλ + (η²/B)λ², c = (η²/B)λσ²  → tolerance 1e-12;
 *  - K = 10: classical RK4 written here, run per smooth piece with n and 2n
 *    steps and Richardson-extrapolated (error O(h^6)), checked to have
 *    converged, then compared at 1e-9 relative (the acceptance level);
 *  with the budget binding in some cases and the horizon in others. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "optsched/exact.h"

static optsched_model *make_model(int K, double alpha, double C, double T)
{
    optsched_model_params p;
    optsched_model_params_default(&p);
    p.modes = K;
    p.alpha = alpha;
    p.budget = C;
    p.horizon = T;
    optsched_model *m;
    optsched_error err;
    if (optsched_model_alloc(&m, &p, &err)) {
        fprintf(stderr, "model: %s\n", err.msg);
        exit(1);
    }
    return m;
}

/* ---- independent oracle: RK4 over given kink points, with Richardson ---- */
/* Right-hand side on the piece [a, b]: the controls are read strictly inside
 * the piece, so an RK stage at an end sees the piece's own (left/right) limit. */
static void rhs(const optsched_model *m, const optsched_schedule *s, double a, double b, double t,
                const double *y, double *dy)
{
    double eta, B, pad = 1e-13 * (b - a);
    optsched_schedule_controls(s, m, fmin(b - pad, fmax(a + pad, t)), &eta, &B);
    double g = m->sigma2;
    for (int k = 0; k < m->K; k++) g += m->lambda[k] * y[k];
    for (int k = 0; k < m->K; k++)
        dy[k] = -2 * eta * m->P * m->lambda[k] * y[k] + eta * eta / B * m->lambda[k] * g;
}

/* RK4 with n steps on [a, b]. warp = 1 integrates in q with t = a + (b - a) q², which
 * makes a sqrt(t - a) shape smooth (the 1-sqrt decay). */
static void rk4_piece(const optsched_model *m, const optsched_schedule *s, double a, double b,
                      int n, int warp, double *y)
{
    int K = m->K;
    double k[4][64], tmp[64];
    double h = 1.0 / n;
    const double cs[4] = {0, 0.5, 0.5, 1}, ws[4] = {1, 2, 2, 1};
    for (int i = 0; i < n; i++) {
        for (int st = 0; st < 4; st++) {
            double q = (i + cs[st]) * h;
            for (int j = 0; j < K; j++) tmp[j] = st ? y[j] + cs[st] * h * k[st - 1][j] : y[j];
            double t = warp ? a + (b - a) * q * q : a + (b - a) * q;
            double jac = warp ? 2 * (b - a) * q : (b - a);
            rhs(m, s, a, b, t, tmp, k[st]);
            for (int j = 0; j < K; j++) k[st][j] *= jac;
        }
        for (int j = 0; j < K; j++)
            y[j] += h / 6 * (ws[0] * k[0][j] + ws[1] * k[1][j] + ws[2] * k[2][j] + ws[3] * k[3][j]);
    }
}

/* Loss with n steps per piece between the kinks (times) given. */
static int warp_last_piece = 0; /* set by the 1-sqrt case: the decay is the last piece */

static double rk4_loss(const optsched_model *m, const optsched_schedule *s, const double *kinks,
                       int nk, int n)
{
    double y[64];
    for (int k = 0; k < m->K; k++) y[k] = m->a0[k] * m->a0[k];
    for (int i = 0; i + 1 < nk; i++)
        rk4_piece(m, s, kinks[i], kinks[i + 1], n, warp_last_piece && i + 2 == nk, y);
    double l = m->tail;
    for (int k = 0; k < m->K; k++) l += m->lambda[k] * y[k];
    return l;
}

static double oracle(const optsched_model *m, const optsched_schedule *s, const double *kinks,
                     int nk, const char *spec)
{
    double l1 = rk4_loss(m, s, kinks, nk, 1000), l2 = rk4_loss(m, s, kinks, nk, 2000);
    double l4 = rk4_loss(m, s, kinks, nk, 4000);
    double r12 = (16 * l2 - l1) / 15, r24 = (16 * l4 - l2) / 15;
    /* the oracle itself must have converged well below the tolerance we test */
    CHECK(fabs(r24 - r12) <= 1e-11 * fabs(r24), "%s: RK4 oracle not converged: %.3g", spec,
          fabs(r24 - r12) / fabs(r24));
    return r24;
}

static void check_against_rk4(const char *spec, int K, double alpha, double C, double T,
                              const double *kink_fracs, int nkf, int expect_budget_binds)
{
    optsched_model *m = make_model(K, alpha, C, T);
    optsched_schedule s;
    optsched_error err;
    int st = optsched_schedule_parse(&s, spec, m, &err);
    CHECK_OK(st, err);
    optsched_exact_result r;
    st = optsched_exact_eval(m, &s, &r, &err);
    CHECK_OK(st, err);
    double t_end = optsched_schedule_t_end(&s, m);
    CHECK(expect_budget_binds ? (r.compute_used == C && t_end <= T) : (t_end == T && r.compute_used < C),
          "%s: stop rule: t_end %g compute %g", spec, t_end, r.compute_used);
    double kinks[32];
    int nk = 0;
    kinks[nk++] = 0;
    for (int i = 0; i < nkf; i++) kinks[nk++] = kink_fracs[i] * t_end;
    kinks[nk++] = t_end;
    double want = oracle(m, &s, kinks, nk, spec);
    char what[256];
    snprintf(what, sizeof what, "%s (C=%g T=%g)", spec, C, T);
    CHECK_REL(r.expected_loss, want, 1e-9, what);
    optsched_schedule_clear(&s);
    optsched_model_free(m);
}

static void test_closed_form_k1(void)
{
    const double etas[] = {0.5, 0.1, 1e-3}, Bs[] = {1, 4, 100};
    for (int i = 0; i < 3; i++) {
        optsched_model *m = make_model(1, 1.0, 20, 10);
        char spec[128];
        snprintf(spec, sizeof spec, "constant:eta=%g,B=%g", etas[i], Bs[i]);
        optsched_schedule s;
        optsched_error err;
        CHECK_OK(optsched_schedule_parse(&s, spec, m, &err), err);
        optsched_exact_result r;
        CHECK_OK(optsched_exact_eval(m, &s, &r, &err), err);
        double lam = 1, P = m->P, eta = etas[i], B = Bs[i], rho = eta * eta / B;
        double mu = -2 * eta * P * lam + rho * lam * lam, c = rho * lam * m->sigma2;
        double t = fmin(10.0, 20.0 / B);
        double want = lam * (exp(mu * t) * 1.0 + c * expm1(mu * t) / mu);
        CHECK_REL(r.expected_loss, want, 1e-12, spec);
        CHECK_REL(r.t_end, t, 1e-15, "t_end");
        CHECK_REL(r.compute_used, fmin(20.0, B * 10.0), 1e-15, "compute used");
        optsched_model_free(m);
    }
}

/* With the horizon not binding only u = η/B matters (SPEC §1): schedules with
 * the same u on the compute clock give the same loss. */
static void test_u_invariance(void)
{
    optsched_model *m = make_model(10, 1.0, 20, INFINITY);
    optsched_error err;
    optsched_exact_result r1, r2, r3, r4;
    optsched_schedule s1, s2, s3, s4;
    CHECK_OK(optsched_schedule_parse(&s1, "constant:eta=0.1,B=1", m, &err), err);
    CHECK_OK(optsched_schedule_parse(&s2, "constant:eta=0.4,B=4", m, &err), err);
    CHECK_OK(optsched_exact_eval(m, &s1, &r1, &err), err);
    CHECK_OK(optsched_exact_eval(m, &s2, &r2, &err), err);
    CHECK_REL(r2.expected_loss, r1.expected_loss, 1e-9, "same u, constant");
    /* a cosine at B = 2 and at B = 8 with η scaled by 4: same u(c) on the compute clock */
    CHECK_OK(optsched_schedule_parse(&s3, "cosine:eta=0.1,B=2,eta_end=0.001", m, &err), err);
    CHECK_OK(optsched_schedule_parse(&s4, "cosine:eta=0.4,B=8,eta_end=0.004", m, &err), err);
    CHECK_OK(optsched_exact_eval(m, &s3, &r3, &err), err);
    CHECK_OK(optsched_exact_eval(m, &s4, &r4, &err), err);
    CHECK_REL(r4.expected_loss, r3.expected_loss, 1e-9, "same u, cosine");
    /* a varying-B array: pieces of equal compute with u = 0.05 each */
    optsched_schedule s5;
    double t5[] = {0, 5, 7.5}, e5[] = {0.05, 0.1, 0.2}, b5[] = {1, 2, 4};
    CHECK_OK(optsched_schedule_from_arrays(&s5, 3, t5, e5, b5, m, &err), err);
    optsched_schedule s6;
    CHECK_OK(optsched_schedule_parse(&s6, "constant:eta=0.05,B=1", m, &err), err);
    optsched_exact_result r5, r6;
    CHECK_OK(optsched_exact_eval(m, &s5, &r5, &err), err);
    CHECK_OK(optsched_exact_eval(m, &s6, &r6, &err), err);
    CHECK_REL(r5.expected_loss, r6.expected_loss, 1e-9, "same u, array with varying B");
    CHECK_REL(r5.compute_used, 20, 1e-15, "array spends the budget");
    optsched_schedule_clear(&s5);
    optsched_model_free(m);
}

int main(void)
{
    test_closed_form_k1();
    /* small K, where the eigen-solver takes its special paths (K = 2 goes through
     * LAPACK's two-by-two case) */
    for (int K = 2; K <= 4; K++) {
        check_against_rk4("constant:eta=0.5,B=1", K, 1.0, 4, 10, NULL, 0, 1);
        check_against_rk4("cosine:eta=0.5,B=1,eta_end=0.01", K, 0.5, 4, 10, NULL, 0, 1);
    }
    /* constant: budget binds (C/B = 5 < T) and horizon binds (C/B = 20 > T) */
    check_against_rk4("constant:eta=0.3,B=4", 10, 1.0, 20, 10, NULL, 0, 1);
    check_against_rk4("constant:eta=0.3,B=1", 10, 1.0, 20, 10, NULL, 0, 0);
    /* WSD: kinks at 1 - decay; budget binding */
    double k_wsd[] = {0.7};
    check_against_rk4("wsd:eta=0.5,B=4,warmup=0,decay=0.3,decay_type=linear,min_ratio=0.1", 10,
                      1.0, 20, 10, k_wsd, 1, 1);
    /* WSD with a warmup from 0: η clamps at η_min until s = w η_min / η0, then kinks at w and 1 - d */
    double k_wsd2[] = {0.1 * 1e-4 / 0.5, 0.1, 0.8};
    check_against_rk4("wsd:eta=0.5,B=1,warmup=0.1,decay=0.2,decay_type=cosine,min_ratio=0.01", 10,
                      0.5, 20, 10, k_wsd2, 3, 0);
    /* cosine (smooth): horizon binds, and budget binds */
    check_against_rk4("cosine:eta=0.5,B=1,eta_end=0.001", 10, 1.0, 20, 10, NULL, 0, 0);
    check_against_rk4("cosine:eta=0.4,B=8,eta_end=0.01", 10, 2.0, 40, 10, NULL, 0, 1);
    /* 1-sqrt decay and bordelon (δ = 2): smooth pieces, power-law shape */
    double k_sq[] = {0.5};
    warp_last_piece = 1;
    check_against_rk4("wsd:eta=0.3,B=2,warmup=0,decay=0.5,decay_type=1-sqrt,min_ratio=0.2", 10,
                      1.0, 20, 10, k_sq, 1, 1);
    warp_last_piece = 0;
    /* bordelon clamps at η_min where ((1 - s)/f)^δ = η_min/η0 */
    double k_bd[] = {0.6, 1 - 0.4 * sqrt(1e-4 / 0.5)};
    check_against_rk4("bordelon:eta=0.5,B=2,delta=2,frac=0.4", 10, 1.0, 20, 10, k_bd, 2, 1);
    /* arrays with varying B: the budget runs out inside the second piece */
    check_against_rk4("array:t=0/3/6,eta=0.5/0.2/0.05,B=2/4/8", 10, 1.0, 20, 10,
                      (double[]){3.0 / 6.25, 6.0 / 6.25}, 2, 1);
    test_u_invariance();
    return check_summary("test_exact");
}
