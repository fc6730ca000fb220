/* The closed-loop policy of a trained schedule value function (see hjb.h). */
#include <stdlib.h>

#include "optsched/hjb.h"

int optsched_hjb_policy_fn(void *ctx, int n, const double *a, const double *r, double t,
                           double *eta, double *B)
{
    optsched_hjb_policy *pol = ctx;
    const optsched_model *m = optsched_hjb_problem_model(pol->problem);
    const int K = m->K, d = K + 2, C = 3 + 2 * K;
    if ((size_t)n > pol->cap) {
        double *x = realloc(pol->x, (size_t)n * d * sizeof *x);
        if (x) pol->x = x;
        double *j = realloc(pol->jets, (size_t)n * C * sizeof *j);
        if (j) pol->jets = j;
        if (!x || !j) return OPTSCHED_ENOMEM;
        pol->cap = (size_t)n;
    }
    for (int i = 0; i < n; i++)
        optsched_hjb_input(pol->problem, a + (size_t)i * K, r[i], t, pol->x + (size_t)i * d);
    int st = optsched_dgm_solver_eval(pol->solver, (size_t)n, pol->x, pol->jets, NULL);
    if (st) return st;
    double Va[OPTSCHED_MAX_MODES], Vaa[OPTSCHED_MAX_MODES], as[OPTSCHED_MAX_MODES];
    for (int i = 0; i < n; i++) {
        double V, Vr, Vt, A, D;
        const double *xi = pol->x + (size_t)i * d;
        optsched_hjb_unscale(pol->problem, xi, pol->jets + (size_t)i * C, &V, Va, &Vr, &Vt, Vaa);
        optsched_hjb_state(pol->problem, xi, as); /* |a_k| for a folded problem (hjb.h) */
        optsched_hjb_AD(m, as, Va, Vaa, &A, &D);
        optsched_hjb_controls(pol->controls, m, A, D, Vr, Vt, &eta[i], &B[i]);
    }
    return OPTSCHED_OK;
}

void optsched_hjb_policy_clear(optsched_hjb_policy *pol)
{
    free(pol->x);
    free(pol->jets);
    pol->x = pol->jets = NULL;
    pol->cap = 0;
}
