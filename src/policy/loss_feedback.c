/* The loss-feedback policy (policy.h): the reference schedule's controls, the batch scaled
 * by (ℓ / ℓ_ref(t))^γ. */
#include <math.h>
#include <stdlib.h>

#include "optsched/exact.h"
#include "optsched/policy.h"

#define NREF 401

int optsched_lossfb_init(optsched_lossfb *p, const optsched_model *m, const optsched_schedule *ref,
                         double gamma, optsched_error *err)
{
    *p = (optsched_lossfb){.m = m, .ref = ref, .gamma = gamma, .n = NREF};
    p->t = malloc(3 * NREF * sizeof *p->t);
    if (!p->t) return optsched_error_set(err, OPTSCHED_ENOMEM, "loss feedback: out of memory");
    p->loss = p->t + NREF;
    int st = optsched_exact_trajectory(m, ref, NREF, p->t, p->loss, p->t + 2 * NREF, err);
    if (st) optsched_lossfb_clear(p);
    return st;
}

void optsched_lossfb_clear(optsched_lossfb *p)
{
    free(p->t);
    p->t = p->loss = NULL;
}

/* ℓ_ref at time t: linear interpolation on the uniform grid (the last value past t_end). */
static double ref_loss(const optsched_lossfb *p, double t)
{
    const double tend = p->t[p->n - 1];
    if (!(tend > 0) || t >= tend) return p->loss[p->n - 1];
    double f = t / tend * (p->n - 1);
    int i = (int)f;
    if (i >= p->n - 1) return p->loss[p->n - 1];
    return p->loss[i] + (f - i) * (p->loss[i + 1] - p->loss[i]);
}

int optsched_lossfb_policy_fn(void *ctx, int n, const double *a, const double *r, double t,
                              double *eta, double *B)
{
    const optsched_lossfb *p = ctx;
    const optsched_model *m = p->m;
    double e, b;
    optsched_schedule_controls(p->ref, m, t, &e, &b);
    const double lref = ref_loss(p, t) - m->tail;
    for (int i = 0; i < n; i++) {
        const double l = optsched_model_ell(m, a + (size_t)i * m->K);
        const double scale = p->gamma == 0 || !(lref > 0) || !(l > 0) ? 1.0 : pow(l / lref, p->gamma);
        eta[i] = e;
        B[i] = fmin(m->B_max, fmax(m->B_min, b * scale));
    }
    (void)r;
    return 0;
}

int optsched_lossfb_tune(const optsched_model *m, const optsched_schedule *ref, const double *grid,
                         int ngrid, const optsched_mc_options *o, double *best_gamma,
                         double *best_mean, optsched_error *err)
{
    *best_gamma = NAN;
    *best_mean = INFINITY;
    for (int g = 0; g < ngrid; g++) {
        optsched_lossfb p;
        int st = optsched_lossfb_init(&p, m, ref, grid[g], err);
        if (st) return st;
        optsched_mc_result res;
        st = optsched_mc_run(m, optsched_lossfb_policy_fn, &p, o, &res, err);
        optsched_lossfb_clear(&p);
        if (st) return st;
        if (res.mean < *best_mean) {
            *best_mean = res.mean;
            *best_gamma = grid[g];
        }
        optsched_mc_result_free(&res);
    }
    return OPTSCHED_OK;
}
