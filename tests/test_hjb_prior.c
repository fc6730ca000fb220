/* The "pace" prior of the schedule HJB (src/hjb/sched_prior.c) through the public API:
 * a solver whose network has not been trained reports exactly the prior's jets (the
 * correction's output layer starts at zero), and those jets are checked against
 * independent references:
 *
 *  - value: optsched_exact_eval (the exact evaluator's own walker) of the constant schedule
 *    (η_max, B = clamp(r/(T − t))) for a model started at (a, r) with horizon T − t;
 *    tolerance 1e-10 relative (both are exact propagations; rounding only);
 *  - derivatives in a_k, r, t: central differences of that same reference (step 1e-4 in a for
 *    the first and 0.1 for the second derivative, both exact for a quadratic up to rounding;
 *    1e-4 relative in r and t, truncation ~1e-8); tolerance 1e-6 (second: 1e-8) relative to
 *    the largest derivative of the point;
 *  - the PDE: the prior is the exact value of its own feedback policy, so the plug-in's
 *    linear residual with the policy's controls frozen must vanish, to 1e-7 relative to its
 *    largest term.
 * Settings: K = 10 canonical (T = 10), K = 3 with T = inf, K = 1 with a budget that binds;
 * the last two again with the stretched a-coordinate (hjb.h, stretch), where the network's
 * jets are in x_k and unscale's chain rule, the prior's jets and the residual's coefficients
 * must give the same model-coordinate derivatives and the same zero residual — and the
 * input's map must invert (optsched_hjb_state, 1e-14 relative). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "optsched/exact.h"
#include "optsched/hjb.h"

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) * 0x1p-53;
}

/* The pace policy's batch at (r, t). */
static double pace_B(const optsched_model *m, double r, double t)
{
    double trem = m->T - t, g = isfinite(trem) ? r / trem : 0.0;
    return fmin(m->B_max, fmax(m->B_min, g));
}

/* Reference value: the exact evaluator on a model started at state (a, r, t). */
static double ref_value(const optsched_model_params *base, const double *a, double r, double t)
{
    optsched_model_params p = *base;
    p.a0_modes = a;
    p.budget = r;
    p.horizon = isfinite(base->horizon) ? base->horizon - t : INFINITY;
    optsched_model *m = NULL;
    optsched_error err = {0};
    if (optsched_model_alloc(&m, &p, &err)) {
        fprintf(stderr, "ref model: %s\n", err.msg);
        return NAN;
    }
    char spec[128];
    snprintf(spec, sizeof spec, "constant:eta=%.17g,B=%.17g", m->eta_max, pace_B(m, r, 0.0));
    optsched_schedule s = {0};
    optsched_exact_result res = {0};
    int st = optsched_schedule_parse(&s, spec, m, &err);
    if (!st) st = optsched_exact_eval(m, &s, &res, &err);
    if (st) fprintf(stderr, "ref eval: %s\n", err.msg);
    optsched_schedule_clear(&s);
    optsched_model_free(m);
    return st ? NAN : res.expected_loss;
}

static void check_setting(const char *name, const optsched_model_params *mp, int npoints,
                          double stretch)
{
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, mp, &err), err);
    const int K = m->K, d = K + 2, C = 3 + 2 * K;
    optsched_dgm_problem prob;
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.stretch = stretch;
    optsched_hjb_problem *hp = optsched_hjb_problem_create(m, &samp, &prob, &err);
    CHECK(hp && prob.prior, "%s: default plug-in has the pace prior", name);
    optsched_dgm_solver *s = optsched_dgm_solver_create(&prob, &err);
    CHECK_OK(optsched_dgm_solver_set(s, "precision", "f64", &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(s, "width", 8, &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(s, "layers", 1, &err), err);
    CHECK_OK(optsched_dgm_solver_set_int(s, "batch", 64, &err), err);

    const double Tspan = optsched_model_time_span(m);
    uint64_t seed = 11;
    double *x = malloc((size_t)d * sizeof *x), *jets = malloc((size_t)C * sizeof *jets);
    double u[2], r0, *coef = malloc((size_t)C * sizeof *coef);
    double a[OPTSCHED_MAX_MODES], ap[OPTSCHED_MAX_MODES];
    int checked = 0;
    for (int pt = 0; pt < npoints; pt++) {
        for (int k = 0; k < K; k++) a[k] = m->a0[k] * (2 * urand(&seed) - 0.5);
        double r = m->C * (0.02 + 0.96 * urand(&seed)), t = Tspan * 0.95 * urand(&seed);
        optsched_hjb_input(hp, a, r, t, x);
        optsched_hjb_state(hp, x, ap);
        for (int k = 0; k < K; k++) {
            CHECK_ABS(ap[k], a[k], 1e-14 * fabs(m->a0[k]), "the input's a-map inverts");
            const double at = fabs(a[k] / m->a0[k]);
            if (stretch == 0) CHECK(x[k] == a[k], "%s: unstretched input is a itself", name);
            else if (at > 1e-3 && at < 0.999) /* |ψ(x)| < |x| inside (0, 1) */
                CHECK(fabs(x[k]) > at * 1.0001, "%s: stretched x %g of a/a0 %g", name, x[k], a[k] / m->a0[k]);
        }
        CHECK_OK(optsched_dgm_solver_eval(s, 1, x, jets, &err), err);
        double V, Va[OPTSCHED_MAX_MODES], Vr, Vt, Vaa[OPTSCHED_MAX_MODES];
        optsched_hjb_unscale(hp, x, jets, &V, Va, &Vr, &Vt, Vaa);

        CHECK_REL(V, ref_value(mp, a, r, t), 1e-10, "prior value vs exact evaluator");

        /* central differences of the reference; skip points within 1% of a clamp kink
         * (r/(T − t) = B_min or B_max), where one-sided limits differ */
        double g = isfinite(m->T) ? r / (m->T - t) : 0.0;
        int near_kink = isfinite(m->T) && (fabs(g / m->B_min - 1) < 0.01 || fabs(g / m->B_max - 1) < 0.01);
        if (!near_kink) {
            double scale = fabs(Vr) + fabs(Vt);
            for (int k = 0; k < K; k++) scale = fmax(scale, fabs(Va[k]) + fabs(Vaa[k]));
            const double ha = 1e-4, hr = 1e-4 * r, ht = 1e-4 * (isfinite(m->T) ? m->T - t : Tspan);
            for (int k = 0; k < K; k++) {
                for (int j = 0; j < K; j++) ap[j] = a[j];
                ap[k] = a[k] + ha;
                double vp = ref_value(mp, ap, r, t);
                ap[k] = a[k] - ha;
                double vm = ref_value(mp, ap, r, t);
                CHECK_ABS(Va[k], (vp - vm) / (2 * ha), 1e-6 * scale, "dV/da_k");
                /* V is exactly quadratic in a_k: a wide second difference has no truncation
                 * error and little rounding */
                ap[k] = a[k] + 0.1;
                vp = ref_value(mp, ap, r, t);
                ap[k] = a[k] - 0.1;
                vm = ref_value(mp, ap, r, t);
                CHECK_ABS(Vaa[k], (vp - 2 * V + vm) / 0.01, 1e-8 * scale, "d2V/da_k2");
            }
            double dr = (ref_value(mp, a, r + hr, t) - ref_value(mp, a, r - hr, t)) / (2 * hr);
            CHECK_ABS(Vr, dr, 1e-6 * scale, "dV/dr");
            if (isfinite(m->T)) {
                double dt = (ref_value(mp, a, r, t + ht) - ref_value(mp, a, r, t - ht)) / (2 * ht);
                CHECK_ABS(Vt, dt, 1e-6 * scale, "dV/dt");
            } else {
                CHECK(Vt == 0, "T = inf: the prior does not depend on t");
            }
            checked++;
        }

        /* the PDE of the pace policy itself */
        u[0] = m->eta_max;
        u[1] = pace_B(m, r, t);
        CHECK_OK(prob.residual(prob.ctx, 1, x, u, &r0, coef), err);
        double res = r0, big = fabs(r0);
        for (int c = 0; c < C; c++) {
            res += coef[c] * jets[c];
            big = fmax(big, fabs(coef[c] * jets[c]));
        }
        CHECK(fabs(res) <= 1e-7 * big, "%s: pace PDE residual %.3g (largest term %.3g)", name, res, big);
    }
    printf("%s: %d points, %d with derivative checks\n", name, npoints, checked);
    /* on both boundary faces the prior is the terminal loss */
    for (int k = 0; k < K; k++) a[k] = 0.7 * m->a0[k];
    optsched_hjb_input(hp, a, 0.0, 0.3 * Tspan, x);
    CHECK_OK(optsched_dgm_solver_eval(s, 1, x, jets, &err), err);
    CHECK_REL(jets[0], optsched_model_ell(m, a) + m->tail, 1e-14, "prior on r = 0");
    if (isfinite(m->T)) {
        optsched_hjb_input(hp, a, 0.5 * m->C, m->T, x);
        CHECK_OK(optsched_dgm_solver_eval(s, 1, x, jets, &err), err);
        CHECK_REL(jets[0], optsched_model_ell(m, a) + m->tail, 1e-14, "prior on t = T");
    }
    free(x);
    free(jets);
    free(coef);
    optsched_dgm_solver_destroy(s);
    optsched_hjb_problem_free(hp);
    optsched_model_free(m);
}

int main(void)
{
    optsched_model_params p;
    optsched_model_params_default(&p);
    check_setting("K=10 canonical", &p, 12, 0);

    optsched_model_params_default(&p);
    p.modes = 3;
    p.horizon = INFINITY;
    p.tail = 0.05;
    check_setting("K=3 T=inf tail", &p, 8, 0);
    check_setting("K=3 T=inf tail, stretch 0.05", &p, 8, 0.05);

    optsched_model_params_default(&p);
    p.modes = 1;
    p.budget = 4;
    check_setting("K=1 C=4", &p, 8, 0);
    check_setting("K=1 C=4, stretch 0.1", &p, 8, 0.1);
    return check_summary("test_hjb_prior");
}
