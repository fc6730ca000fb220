/* The exact-boundary form of the schedule value, V = V0 + S·N with S = r̃ (1 − t̃^P) w
 * (hjb.h: exact_boundary, terminal_power P, relative weight w), on a network with arbitrary
 * (non-zero) weights, float64:
 * - V equals the prior V0 on both boundary faces (t̃ = 1 and r̃ = 0), to rounding (1e-15);
 * - the jets of the correction S·N = V − V0 (V's jets minus the prior's: the prior's own
 *   derivatives are checked in tests/test_hjb_prior.c) against differences of V − V0: every
 *   first derivative a central difference (step 1e-5: truncation ~1e-10, rounding ~1e-11 of
 *   the scale max(|V − V0|, 1e-3); measured ≤ 1.5e-9 except ∂_t at t̃ = 0.95, 2.8e-7, where the
 *   relative weight's ∂_tV0 — itself from a difference inside the prior — sets it; tolerance
 *   1e-6, while a wrong time factor is off by O(1)), every d2/da_k2 a second difference (step
 *   1e-4; measured 8e-8; tolerance 1e-6), for P = 1 and P = 4;
 * - with the same weights, (V − V0) at P = 4 over (V − V0) at P = 1 is the ratio of the time
 *   factors (1 − t̃^4)/(1 − t̃), to 1e-12;
 * - a power below 1 is refused (EINVAL).
 * The kink form (hjb.h: kink; one mode), V = V0 − V0|_{a=0} + V_park + S·h(a)·N, on a
 * network with arbitrary weights, float64:
 * - on a = 0, V is the exact value of parking: optsched_exact_eval of the constant schedule
 *   (η_min, B_max) from a = 0 with budget r and horizon T − t, to 1e-17 absolute (parking's
 *   values are ~1e-14 here; the shift V_park − V0|_{a=0} is formed next to V0 ~ 1e-3, whose
 *   rounding, ~1e-19, is what is left; a missing shift is off by V0 itself);
 * - on t̃ = 1 and r̃ = 0, V is the terminal loss ℓ(a) + L_tail (1e-14 relative);
 * - V's jets (all of them: the prior's shift and the factor h) against central differences
 *   of V at points from a = 0.2 ε to 18 ε: first derivatives step 1e-6 in the network's
 *   coordinates (truncation ~(1e-6/ε)² of the curvature scale), d2V/da2 step 1e-5
 *   (measured 1.1e-6 of the scale; tolerance 1e-5 of max(|V|, |∂V|) at the point, where
 *   leaving out one product-rule term, tried, is off by 0.44);
 * - kink with two modes, without an exact boundary, or outside [0.001, 1] is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "optsched/exact.h"
#include "optsched/hjb.h"

#define NPT 5

typedef struct {
    optsched_hjb_problem *hp;
    optsched_dgm_problem prob;
    optsched_dgm_solver *s;
} fixture;

/* The plug-in of samp with an exact boundary and the relative weight (the accurate preset's
 * form), on a float64 network with arbitrary weights. */
static void make_with(fixture *f, const optsched_model *m, optsched_hjb_sampling *samp)
{
    samp->exact_boundary = 1;
    samp->relative = 0.3;
    optsched_error err = {0};
    f->hp = optsched_hjb_problem_create(m, samp, &f->prob, &err);
    CHECK(f->hp != NULL, "plug-in: %s", err.msg);
    f->s = optsched_dgm_solver_create(&f->prob, &err);
    CHECK(f->s != NULL, "solver: %s", err.msg);
    CHECK_OK(optsched_dgm_solver_set(f->s, "precision", "f64", &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(f->s, "width", 8, &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(f->s, "layers", 2, &err), err);
    /* arbitrary weights: with a prior the network starts at N = 0, which would hide S */
    double x[4] = {0.5, 0.5, 0.5, 0.5}, jets[16];
    CHECK_OK(optsched_dgm_solver_eval(f->s, 1, x, jets, &err), err);
    size_t np = optsched_dgm_solver_params(f->s, NULL);
    double *w = malloc(np * sizeof *w);
    for (size_t i = 0; i < np; i++) w[i] = 0.4 * sin(1.0 + 0.7 * (double)i);
    CHECK_OK(optsched_dgm_solver_set_params(f->s, w, &err), err);
    free(w);
}

static void make(fixture *f, const optsched_model *m, double power)
{
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp); /* pace prior */
    samp.terminal_power = power;
    make_with(f, m, &samp);
}

static void drop(fixture *f)
{
    optsched_dgm_solver_destroy(f->s);
    optsched_hjb_problem_free(f->hp);
}

/* V − V0 at x. */
static double correction_at(fixture *f, const double *x)
{
    double jets[16], J0[16];
    optsched_error err = {0};
    CHECK_OK(optsched_dgm_solver_eval(f->s, 1, x, jets, &err), err);
    CHECK(f->prob.prior(f->prob.ctx, 1, x, J0) == OPTSCHED_OK, "prior");
    return jets[0] - J0[0];
}

/* The exact value of parking from a = 0 with budget r at time t (the reference of the
 * kink form's a = 0): the constant schedule (η_min, B_max) on a model started there. */
static double park_ref(const optsched_model_params *base, const optsched_model *m, double r, double t)
{
    optsched_model_params p = *base;
    const double zero[1] = {0.0};
    p.a0_modes = zero;
    p.budget = r;
    p.horizon = base->horizon - t;
    optsched_model *mr = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&mr, &p, &err), err);
    char spec[128];
    snprintf(spec, sizeof spec, "constant:eta=%.17g,B=%.17g", m->eta_min, m->B_max);
    optsched_schedule sc = {0};
    optsched_exact_result res = {0};
    CHECK_OK(optsched_schedule_parse(&sc, spec, mr, &err), err);
    CHECK_OK(optsched_exact_eval(mr, &sc, &res, &err), err);
    optsched_schedule_clear(&sc);
    optsched_model_free(mr);
    return res.expected_loss;
}

static double value_at(fixture *f, const double *x)
{
    double jets[16];
    optsched_error err = {0};
    CHECK_OK(optsched_dgm_solver_eval(f->s, 1, x, jets, &err), err);
    return jets[0];
}

static void check_kink(void)
{
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    mp.modes = 1;
    mp.budget = 4;
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    const double eps = 0.05, s = fabs(m->a0[0]);
    fixture f;
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.kink = eps;
    make_with(&f, m, &samp);
    const double Tspan = optsched_model_time_span(m);
    /* a = 0: parking's exact value, whatever the network */
    double worst0 = 0;
    for (int i = 0; i < 4; i++) {
        const double r = m->C * (0.1 + 0.3 * i), t = Tspan * (0.05 + 0.2 * i);
        double x[3], a = 0.0;
        optsched_hjb_input(f.hp, &a, r, t, x);
        const double want = park_ref(&mp, m, r, t);
        worst0 = fmax(worst0, fabs(value_at(&f, x) - want));
    }
    CHECK(worst0 < 1e-17, "kink: V = parking's exact value on a = 0 (%.2e absolute)", worst0);
    /* the boundary faces: the terminal loss */
    double worstb = 0;
    for (int i = 0; i < 4; i++) {
        double a = s * (0.03 + 0.3 * i), x[3];
        const double want = optsched_model_ell(m, &a) + m->tail;
        optsched_hjb_input(f.hp, &a, 0.0, Tspan * 0.4, x);
        worstb = fmax(worstb, fabs(value_at(&f, x) - want) / want);
        optsched_hjb_input(f.hp, &a, m->C * 0.7, Tspan, x);
        worstb = fmax(worstb, fabs(value_at(&f, x) - want) / want);
    }
    CHECK(worstb < 1e-14, "kink: V = l(a) + L_tail on t = T and r = 0 (%.2e)", worstb);
    /* every jet against differences of V */
    const double pts[6][3] = {{0.01, 0.9, 0.1}, {0.04, 0.5, 0.5}, {-0.03, 0.3, 0.2},
                              {0.3, 0.7, 0.6}, {-0.2, 0.95, 0.05}, {0.9, 0.4, 0.9}};
    double worst1 = 0, worst2 = 0;
    for (int i = 0; i < 6; i++) {
        double x[3] = {pts[i][0] * s, pts[i][1], pts[i][2]}, jets[16];
        CHECK_OK(optsched_dgm_solver_eval(f.s, 1, x, jets, &err), err);
        double scale = fabs(jets[0]);
        for (int c = 1; c < 5; c++) scale = fmax(scale, fabs(jets[c]));
        for (int j = 0; j < 3; j++) {
            const double h = 1e-6;
            double xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]};
            xp[j] += h;
            xm[j] -= h;
            const double fd = (value_at(&f, xp) - value_at(&f, xm)) / (2 * h);
            worst1 = fmax(worst1, fabs(jets[1 + j] - fd) / scale);
        }
        const double h = 1e-5;
        double xp[3] = {x[0] + h, x[1], x[2]}, xm[3] = {x[0] - h, x[1], x[2]};
        const double fd = (value_at(&f, xp) - 2 * jets[0] + value_at(&f, xm)) / (h * h);
        worst2 = fmax(worst2, fabs(jets[4] - fd) / scale);
    }
    printf("kink %g: V on a = 0 vs parking %.2e (absolute), boundary %.2e, first derivatives %.2e, d2V/da2 %.2e\n",
           eps, worst0, worstb, worst1, worst2);
    CHECK(worst1 < 1e-5, "kink: first derivatives against central differences (%.2e)", worst1);
    CHECK(worst2 < 1e-5, "kink: d2V/da2 against second differences (%.2e)", worst2);
    drop(&f);
    /* refused: no exact boundary; out of range; two modes */
    optsched_dgm_problem prob;
    optsched_hjb_sampling bad = samp;
    bad.exact_boundary = 0;
    optsched_error e = {0};
    optsched_hjb_problem *hp = optsched_hjb_problem_create(m, &bad, &prob, &e);
    CHECK(hp == NULL && e.code == OPTSCHED_EINVAL, "kink without an exact boundary refused: %s", e.msg);
    bad = samp;
    bad.kink = 2;
    e = (optsched_error){0};
    hp = optsched_hjb_problem_create(m, &bad, &prob, &e);
    CHECK(hp == NULL && e.code == OPTSCHED_EINVAL, "kink 2 refused: %s", e.msg);
    optsched_model_free(m);
    mp.modes = 2;
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    e = (optsched_error){0};
    hp = optsched_hjb_problem_create(m, &samp, &prob, &e);
    CHECK(hp == NULL && e.code == OPTSCHED_EINVAL, "kink with two modes refused: %s", e.msg);
    optsched_model_free(m);
}

int main(void)
{
    check_kink();
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    mp.modes = 2;
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    const int K = 2, d = K + 2, C = 3 + 2 * K; /* channels: V, dV/dx (d), d2V/da_k2 (K) */
    /* network inputs (a1, a2, r/C, t/T) inside the box */
    const double pts[NPT][4] = {{0.8, 0.9, 0.9, 0.1}, {0.3, 0.6, 0.5, 0.5}, {0.05, 0.2, 0.4, 0.8},
                                {0.5, 0.1, 0.7, 0.95}, {0.02, 0.03, 0.2, 0.3}};
    double diff[NPT];
    const double powers[2] = {1.0, 4.0};
    for (int ip = 0; ip < 2; ip++) {
        fixture f;
        make(&f, m, powers[ip]);
        double worst1 = 0, worst2 = 0, worstb = 0;
        for (int i = 0; i < NPT; i++) {
            double x[4], jets[16], V0[16];
            for (int j = 0; j < d; j++) x[j] = pts[i][j];
            CHECK_OK(optsched_dgm_solver_eval(f.s, 1, x, jets, &err), err);
            CHECK(f.prob.prior(f.prob.ctx, 1, x, V0) == OPTSCHED_OK, "prior");
            diff[i] = ip == 0 ? jets[0] - V0[0] : (jets[0] - V0[0]) / diff[i];
            for (int c = 0; c < C; c++) jets[c] -= V0[c]; /* the correction's jets */
            const double scale = fmax(fabs(jets[0]), 1e-3);
            for (int j = 0; j < d; j++) { /* first derivatives */
                const double h = 1e-5;
                double xp[4], xm[4];
                for (int k = 0; k < d; k++) xp[k] = xm[k] = x[k];
                xp[j] += h;
                xm[j] -= h;
                double fd = (correction_at(&f, xp) - correction_at(&f, xm)) / (2 * h);
                worst1 = fmax(worst1, fabs(jets[1 + j] - fd) / scale);
            }
            for (int k = 0; k < K; k++) { /* second derivatives in a_k */
                const double h = 1e-4;
                double xp[4], xm[4];
                for (int j = 0; j < d; j++) xp[j] = xm[j] = x[j];
                xp[k] += h;
                xm[k] -= h;
                double fd = (correction_at(&f, xp) - 2 * jets[0] + correction_at(&f, xm)) / (h * h);
                worst2 = fmax(worst2, fabs(jets[1 + d + k] - fd) / scale);
            }
            for (int face = 0; face < 2; face++) { /* t̃ = 1, r̃ = 0: V is the prior */
                double xb[4];
                for (int j = 0; j < d; j++) xb[j] = x[j];
                xb[face ? K : K + 1] = face ? 0.0 : 1.0;
                double Vb[16], J0[16];
                CHECK_OK(optsched_dgm_solver_eval(f.s, 1, xb, Vb, &err), err);
                CHECK(f.prob.prior(f.prob.ctx, 1, xb, J0) == OPTSCHED_OK, "prior");
                worstb = fmax(worstb, fabs(Vb[0] - J0[0]) / fabs(J0[0]));
            }
        }
        printf("terminal power %g: first derivatives vs differences %.2e, d2V/da2 %.2e, boundary %.2e\n",
               powers[ip], worst1, worst2, worstb);
        CHECK(worst1 < 1e-6, "P = %g: first derivatives against central differences (%.2e)", powers[ip], worst1);
        CHECK(worst2 < 1e-6, "P = %g: d2V/da2 against second differences (%.2e)", powers[ip], worst2);
        CHECK(worstb < 1e-15, "P = %g: V = V0 on t = T and r = 0 (%.2e)", powers[ip], worstb);
        drop(&f);
    }
    for (int i = 0; i < NPT; i++) { /* same weights: the correction scales by the time factor */
        const double t = pts[i][3], want = (1 - pow(t, 4)) / (1 - t);
        CHECK_REL(diff[i], want, 1e-12, "(V - V0) at P = 4 over P = 1 is (1 - t^4)/(1 - t)");
    }
    optsched_hjb_sampling bad;
    optsched_hjb_sampling_default(&bad);
    bad.exact_boundary = 1;
    bad.terminal_power = 0.5;
    optsched_dgm_problem prob;
    optsched_error e2 = {0};
    optsched_hjb_problem *hp = optsched_hjb_problem_create(m, &bad, &prob, &e2);
    CHECK(hp == NULL && e2.code == OPTSCHED_EINVAL, "terminal power 0.5 refused: %s", e2.msg);
    optsched_hjb_problem_free(hp);
    optsched_model_free(m);
    return check_summary("test_hjb_boundary");
}
