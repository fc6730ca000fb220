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
 * - a power below 1 is refused (EINVAL). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "optsched/hjb.h"

#define NPT 5

typedef struct {
    optsched_hjb_problem *hp;
    optsched_dgm_problem prob;
    optsched_dgm_solver *s;
} fixture;

static void make(fixture *f, const optsched_model *m, double power)
{
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp); /* pace prior */
    samp.exact_boundary = 1;
    samp.relative = 0.3;
    samp.terminal_power = power;
    optsched_error err = {0};
    f->hp = optsched_hjb_problem_create(m, &samp, &f->prob, &err);
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

int main(void)
{
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
