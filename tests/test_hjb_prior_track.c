/* The "openloop" prior of the schedule HJB (src/hjb/sched_prior_track.c) through the public
 * API: an untrained solver reports exactly the prior's jets (output layer zero). References:
 *
 *  - the policy's batch scale κ is found here independently (bisection of the budget the
 *    scaled schedule spends from (r, t) to T), and the value is optsched_exact_eval of the
 *    scaled schedule for a model started at (a, r) with horizon T − t. At κ on the prior's grid
 *    (ln κ a multiple of 0.1) both are exact propagations: tolerance 1e-10 relative. Between
 *    grid points the prior is a cubic in ln κ: tolerance 5e-5 relative (measured worst
 *    3.9e-6 at these points; the cubic's error is O(h⁴) with h = 0.1 where the value is smooth
 *    in κ);
 *  - in the two edge regimes (r ≥ B_max (T − t): B_max throughout; r ≤ B_min (T − t): B_min
 *    until the budget is gone) the value is exact: 1e-10;
 *  - derivatives in a_k, r, t: central differences of the prior itself (its jets are the exact
 *    derivatives of one C¹ interpolant), at times inside a piece and κ away from clamp
 *    changes; step 1e-5 relative, tolerance 1e-6 relative to the largest derivative;
 *  - the PDE of the tracking policy (its controls computed here): residual below 1e-4 of its
 *    largest term between grid points (interpolation), 1e-8 at grid points;
 *  - the open-loop optimum at K = 10 (canonical): V0 at the initial state equals the exact loss
 *    of the schedule the solver returned, 1e-9 relative (κ = 1 is a grid point).
 * Settings: K = 3 with a 6-piece schedule of varying η and B (T = 10, C = 20); K = 10. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "optsched/exact.h"
#include "optsched/hjb.h"
#include "optsched/openloop.h"

#define NP 6
static const double ST[NP] = {0, 1, 2.5, 4, 6, 8.5};
static const double SE[NP] = {0.5, 0.5, 0.4, 0.5, 0.3, 0.5};
static const double SB[NP] = {2, 1.5, 2, 3, 4, 6};

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int piece_of(const optsched_schedule *s, double t)
{
    int i = 0;
    while (i + 1 < s->n && s->t[i + 1] <= t) i++;
    return i;
}

/* Budget the κ-scaled schedule spends from t to T. */
static double spend(const optsched_model *m, const optsched_schedule *s, double t, double kappa)
{
    double G = 0;
    for (int l = piece_of(s, t); l < s->n; l++) {
        double a = fmax(s->t[l], t), b = l + 1 < s->n ? s->t[l + 1] : m->T;
        G += clampd(kappa * s->B_v[l], m->B_min, m->B_max) * (b - a);
    }
    return G;
}

static double kappa_of(const optsched_model *m, const optsched_schedule *s, double t, double r)
{
    double lo = 1e-6, hi = 1e6;
    for (int it = 0; it < 200; it++) {
        double mid = sqrt(lo * hi);
        if (spend(m, s, t, mid) < r)
            lo = mid;
        else
            hi = mid;
    }
    return sqrt(lo * hi);
}

/* Reference value: the exact evaluator on the policy's schedule from state (a, r, t). */
static double ref_value(const optsched_model_params *base, const optsched_model *m,
                        const optsched_schedule *s, const double *a, double r, double t)
{
    const double trem = m->T - t;
    double kappa = r <= m->B_min * trem ? 0 : r >= m->B_max * trem ? INFINITY : kappa_of(m, s, t, r);
    double tt[NP + 8], ee[NP + 8], bb[NP + 8];
    int n = 0;
    for (int l = piece_of(s, t); l < s->n; l++, n++) {
        tt[n] = fmax(s->t[l] - t, 0.0);
        ee[n] = s->eta_v[l];
        bb[n] = clampd(kappa * s->B_v[l], m->B_min, m->B_max);
    }
    optsched_model_params p = *base;
    p.a0_modes = a;
    p.budget = r;
    p.horizon = trem;
    optsched_model *mt = NULL;
    optsched_error err = {0};
    optsched_schedule sc = {0};
    optsched_exact_result res = {0};
    int st = optsched_model_alloc(&mt, &p, &err);
    if (!st) st = optsched_schedule_from_arrays(&sc, n, tt, ee, bb, mt, &err);
    if (!st) st = optsched_exact_eval(mt, &sc, &res, &err);
    if (st) fprintf(stderr, "reference: %s\n", err.msg);
    optsched_schedule_clear(&sc);
    optsched_model_free(mt);
    return st ? NAN : res.expected_loss;
}

typedef struct {
    optsched_model *m;
    optsched_hjb_problem *hp;
    optsched_dgm_problem prob;
    optsched_dgm_solver *s;
} setup;

static void setup_make(setup *S, const optsched_model_params *mp, const optsched_schedule *sch)
{
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&S->m, mp, &err), err);
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.prior = OPTSCHED_HJB_PRIOR_OPENLOOP;
    samp.prior_schedule = sch;
    S->hp = optsched_hjb_problem_create(S->m, &samp, &S->prob, &err);
    CHECK(S->hp && S->prob.prior, "openloop prior plug-in: %s", err.msg);
    S->s = optsched_dgm_solver_create(&S->prob, &err);
    CHECK_OK(optsched_dgm_solver_set(S->s, "precision", "f64", &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(S->s, "width", 8, &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(S->s, "layers", 1, &err), err);
}

static void setup_free(setup *S)
{
    optsched_dgm_solver_destroy(S->s);
    optsched_hjb_problem_free(S->hp);
    optsched_model_free(S->m);
}

/* Prior jets in model coordinates at (a, r, t). */
static void jets_at(setup *S, const double *a, double r, double t, double *V, double *Va,
                    double *Vr, double *Vt, double *Vaa)
{
    const int K = S->m->K;
    double x[16], jets[3 + 2 * 16];
    optsched_error err = {0};
    optsched_hjb_input(S->hp, a, r, t, x);
    CHECK_OK(optsched_dgm_solver_eval(S->s, 1, x, jets, &err), err);
    optsched_hjb_unscale(S->hp, x, jets, V, Va, Vr, Vt, Vaa);
    (void)K;
}

static double value_at(setup *S, const double *a, double r, double t)
{
    double V, Va[16], Vr, Vt, Vaa[16];
    jets_at(S, a, r, t, &V, Va, &Vr, &Vt, Vaa);
    return V;
}

/* One state: value against the exact reference (tolerance tol), jets against central
 * differences of the prior, and the policy's PDE residual (tolerance pde_tol). */
static double check_state(setup *S, const optsched_model_params *mp, const optsched_schedule *sch,
                          const double *a, double r, double t, double tol, double pde_tol,
                          int derivs)
{
    const optsched_model *m = S->m;
    const int K = m->K, C = 3 + 2 * K;
    double V, Va[16], Vr, Vt, Vaa[16];
    jets_at(S, a, r, t, &V, Va, &Vr, &Vt, Vaa);
    const double ref = ref_value(mp, m, sch, a, r, t);
    CHECK_REL(V, ref, tol, "openloop prior value vs exact evaluator");
    const double relerr = fabs(V - ref) / fabs(ref);
    if (derivs) {
        double scale = fabs(Vr) + fabs(Vt), ap[16];
        for (int k = 0; k < K; k++) scale = fmax(scale, fabs(Va[k]) + fabs(Vaa[k]));
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < K; j++) ap[j] = a[j];
            const double h = 1e-5;
            ap[k] = a[k] + h;
            double vp = value_at(S, ap, r, t);
            ap[k] = a[k] - h;
            double vm = value_at(S, ap, r, t);
            CHECK_ABS(Va[k], (vp - vm) / (2 * h), 1e-6 * scale, "dV0/da_k");
            ap[k] = a[k] + 0.1;
            vp = value_at(S, ap, r, t);
            ap[k] = a[k] - 0.1;
            vm = value_at(S, ap, r, t);
            CHECK_ABS(Vaa[k], (vp - 2 * V + vm) / 0.01, 1e-8 * scale, "d2V0/da_k2 (quadratic in a)");
        }
        const double hr = 1e-5 * r, ht = 1e-5;
        CHECK_ABS(Vr, (value_at(S, a, r + hr, t) - value_at(S, a, r - hr, t)) / (2 * hr),
                  1e-6 * scale, "dV0/dr");
        CHECK_ABS(Vt, (value_at(S, a, r, t + ht) - value_at(S, a, r, t - ht)) / (2 * ht),
                  1e-6 * scale, "dV0/dt");
    }
    /* the tracking policy's PDE, its controls computed here */
    const double trem = m->T - t;
    const int i = piece_of(sch, t);
    double kappa = r <= m->B_min * trem ? 0 : r >= m->B_max * trem ? INFINITY : kappa_of(m, sch, t, r);
    double u[2] = {clampd(sch->eta_v[i], m->eta_min, m->eta_max),
                   clampd(kappa * sch->B_v[i], m->B_min, m->B_max)};
    double x[16], jets[3 + 2 * 16], coef[3 + 2 * 16], r0;
    optsched_error err = {0};
    optsched_hjb_input(S->hp, a, r, t, x);
    CHECK_OK(optsched_dgm_solver_eval(S->s, 1, x, jets, &err), err);
    CHECK_OK(S->prob.residual(S->prob.ctx, 1, x, u, &r0, coef), err);
    double res = r0, big = fabs(r0);
    for (int c = 0; c < C; c++) {
        res += coef[c] * jets[c];
        big = fmax(big, fabs(coef[c] * jets[c]));
    }
    CHECK(fabs(res) <= pde_tol * big, "tracking PDE residual %.3g (largest term %.3g, tol %.1g)", res,
          big, pde_tol);
    return relerr;
}

static void check_synthetic(void)
{
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    mp.modes = 3;
    mp.tail = 0.02;
    mp.budget = 200; /* room for every κ in [0.6, 3] */
    optsched_model *m0 = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m0, &mp, &err), err);
    optsched_schedule sch = {0};
    CHECK_OK(optsched_schedule_from_arrays(&sch, NP, ST, SE, SB, m0, &err), err);
    setup S;
    setup_make(&S, &mp, &sch);
    const int K = S.m->K;
    uint64_t seed = 5;
    double a[16], worst_between = 0;
    int npts = 0;
    for (int pt = 0; pt < 24; pt++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u1 = ((seed >> 11) + 0.5) * 0x1p-53;
        for (int k = 0; k < K; k++) a[k] = S.m->a0[k] * (0.3 + 0.9 * u1 + 0.1 * k);
        /* times at piece midpoints (jets are discontinuous in t at piece starts) */
        const int piece = pt % NP;
        const double t = 0.5 * (ST[piece] + (piece + 1 < NP ? ST[piece + 1] : S.m->T)) + 0.01 * u1;
        /* κ at a grid point (pt even) or between grid points (pt odd), within [0.6, 3]: no
         * piece of the test schedule changes clamp there */
        double kappa = pt % 2 == 0 ? exp(0.1 * (double)(-5 + (pt * 7) % 16))
                                   : exp(0.1 * (-5.0 + 15.7 * u1) + 0.037);
        const double r = spend(S.m, &sch, t, kappa);
        if (r > S.m->C) continue;
        const int grid = pt % 2 == 0;
        double e = check_state(&S, &mp, &sch, a, r, t, grid ? 1e-10 : 5e-5, grid ? 1e-8 : 1e-4, 1);
        if (!grid) worst_between = fmax(worst_between, e);
        npts++;
    }
    /* edge regimes, exact: B_min until the budget is gone; B_max to the horizon */
    for (int k = 0; k < K; k++) a[k] = 0.8 * S.m->a0[k];
    check_state(&S, &mp, &sch, a, 0.5 * (S.m->T - 3.3), 3.3, 1e-10, 1e-8, 1);
    check_state(&S, &mp, &sch, a, 2.0, 6.7, 1e-10, 1e-8, 1);
    check_state(&S, &mp, &sch, a, 3.0, S.m->T - 0.01, 1e-10, 1e-8, 1);
    check_state(&S, &mp, &sch, a, 150.0, S.m->T - 0.5, 1e-10, 1e-8, 1);
    /* both boundary faces */
    CHECK_REL(value_at(&S, a, 0.0, 4.2), optsched_model_ell(S.m, a) + S.m->tail, 1e-14,
              "prior on r = 0");
    CHECK_REL(value_at(&S, a, 7.0, S.m->T), optsched_model_ell(S.m, a) + S.m->tail, 1e-14,
              "prior on t = T");
    printf("K=3 synthetic: %d interior points; worst relative error between grid points %.2g\n",
           npts, worst_between);
    CHECK(npts >= 16, "enough interior points (%d)", npts);
    setup_free(&S);
    optsched_schedule_clear(&sch);
    optsched_model_free(m0);
}

static void check_openloop_optimum(void)
{
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    optsched_model *m0 = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m0, &mp, &err), err);
    optsched_openloop *ol = optsched_openloop_create(m0, &err);
    CHECK_OK(optsched_openloop_solve(ol, &err), err);
    optsched_schedule sch = {0};
    CHECK_OK(optsched_openloop_schedule(ol, &sch, &err), err);
    optsched_openloop_destroy(ol);
    optsched_exact_result res = {0};
    CHECK_OK(optsched_exact_eval(m0, &sch, &res, &err), err);
    setup S;
    setup_make(&S, &mp, &sch);
    const double V0 = value_at(&S, S.m->a0, S.m->C, 0.0);
    CHECK_REL(V0, res.expected_loss, 1e-9, "V0(a0, C, 0) = the open-loop optimum's exact loss");
    printf("K=10 open-loop optimum: V0(a0) %.12g, exact loss %.12g\n", V0, res.expected_loss);
    setup_free(&S);
    optsched_schedule_clear(&sch);
    optsched_model_free(m0);
}

static void check_errors(void)
{
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    mp.horizon = INFINITY;
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    optsched_schedule sch = {0};
    CHECK_OK(optsched_schedule_from_arrays(&sch, NP, ST, SE, SB, m, &err), err);
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.prior = OPTSCHED_HJB_PRIOR_OPENLOOP;
    samp.prior_schedule = &sch;
    optsched_dgm_problem prob;
    err = (optsched_error){0};
    optsched_hjb_problem *hp = optsched_hjb_problem_create(m, &samp, &prob, &err);
    CHECK(!hp && err.code == OPTSCHED_EINVAL, "T = inf refused (code %d: %s)", err.code, err.msg);
    samp.prior_schedule = NULL;
    err = (optsched_error){0};
    optsched_model_free(m);
    optsched_model_params_default(&mp);
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    hp = optsched_hjb_problem_create(m, &samp, &prob, &err);
    CHECK(!hp && err.code == OPTSCHED_EINVAL, "no schedule refused (code %d)", err.code);
    optsched_schedule_clear(&sch);
    optsched_model_free(m);
}

int main(void)
{
    check_synthetic();
    check_openloop_optimum();
    check_errors();
    return check_summary("test_hjb_prior_track");
}
