/* Diagnostics of a trained schedule value function (seed 000 Appendix B):
 * the HJB residual with the exact minimiser, structure fractions, boundary
 * errors, on held-out points. */
#include <math.h>
#include <stdlib.h>

#include "optsched/hjb.h"

/* a stream number no training sampler uses: held-out points are new points */
#define HELDOUT_STREAM 0x4e1d0u

int optsched_hjb_diagnose(optsched_dgm_solver *solver, const optsched_dgm_problem *prob, int points,
                          uint64_t seed, optsched_hjb_diagnostics *d, optsched_error *err)
{
    const optsched_hjb_problem *view = prob->ctx;
    const optsched_model *m = optsched_hjb_problem_model(view);
    const int K = m->K, dim = K + 2, C = 3 + 2 * K;
    if (points < 1)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--points: expected a positive integer");
    double *x = malloc((size_t)points * dim * sizeof *x);
    double *jets = malloc((size_t)points * C * sizeof *jets);
    double *target = malloc((size_t)points * sizeof *target);
    int st = OPTSCHED_OK;
    if (!x || !jets || !target) {
        st = optsched_error_set(err, OPTSCHED_ENOMEM, "hjb diagnose: out of memory");
        goto out;
    }
    optsched_dgm_rng rng = {.seed = seed, .stream = HELDOUT_STREAM, .iter = 0};
    st = prob->sample_interior(prob->ctx, &rng, (size_t)points, x);
    if (!st) st = optsched_dgm_solver_eval(solver, (size_t)points, x, jets, err);
    if (st) goto out;
    double s2 = 0, linf = 0;
    int convex = 0, mono = 0;
    double Va[OPTSCHED_MAX_MODES], Vaa[OPTSCHED_MAX_MODES];
    for (int i = 0; i < points; i++) {
        double V, Vr, Vt, A, D, eta, B;
        double a[OPTSCHED_MAX_MODES];
        optsched_hjb_unscale(view, x + (size_t)i * dim, jets + (size_t)i * C, &V, Va, &Vr, &Vt, Vaa);
        optsched_hjb_state(view, x + (size_t)i * dim, a);
        optsched_hjb_AD(m, a, Va, Vaa, &A, &D);
        double h =
            optsched_hjb_box_min(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, &eta, &B);
        double res = Vt + h;
        s2 += res * res;
        linf = fmax(linf, fabs(res));
        int cv = 1;
        for (int k = 0; k < K; k++)
            cv &= Vaa[k] >= 0;
        convex += cv;
        mono += Vr <= 0;
    }
    d->points = points;
    d->residual_l2 = sqrt(s2 / points);
    d->residual_linf = linf;
    d->convexity = (double)convex / points;
    d->monotonicity = (double)mono / points;
    /* boundary faces, told apart by the points' coordinates (the sampler alternates terminal
     * and budget points, and with a parking face puts every third point on a = 0, which is
     * not counted here) */
    rng.iter = 1;
    st = prob->sample_boundary(prob->ctx, &rng, (size_t)points, x, target);
    if (!st) st = optsched_dgm_solver_eval(solver, (size_t)points, x, jets, err);
    if (st) goto out;
    double mt = 0, mb = 0;
    int nt = 0, nb = 0;
    for (int i = 0; i < points; i++) {
        const double e = jets[(size_t)i * C] - target[i], *xi = x + (size_t)i * dim;
        if (xi[m->K + 1] == 1.0) {
            mt += e * e;
            nt++;
        } else if (xi[m->K] == 0.0) {
            mb += e * e;
            nb++;
        }
    }
    d->boundary_mse_terminal = nt ? mt / nt : NAN;
    d->boundary_mse_budget = nb ? mb / nb : NAN;
    optsched_hjb_input(view, m->a0, m->C, 0.0, x);
    st = optsched_dgm_solver_eval(solver, 1, x, jets, err);
    if (!st) d->V0 = jets[0];
out:
    free(x);
    free(jets);
    free(target);
    return st;
}

double optsched_hjb_dp_gap(double V0, double mc_mean)
{
    return fabs(V0 - mc_mean) / fabs(V0);
}
