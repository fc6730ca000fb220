/* The refinement stage of dgm.h: the base problem with a frozen solver's value as the prior
 * and a scaled multiplier, so that a second network fits what the first left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/dgm.h"

/* The refined problem's callbacks forward to the base problem's with its context. */
static int r_sample_interior(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.sample_interior(r->base.ctx, rng, n, x);
}

static int r_sample_boundary(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x,
                             double *target)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.sample_boundary(r->base.ctx, rng, n, x, target);
}

static int r_improve(void *ctx, size_t n, const double *x, const double *jets, double *u)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.improve(r->base.ctx, n, x, jets, u);
}

static int r_residual(void *ctx, size_t n, const double *x, const double *u, double *r0,
                      double *coef)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.residual(r->base.ctx, n, x, u, r0, coef);
}

static int r_sample_data(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x,
                         double *target, size_t *got)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.sample_data(r->base.ctx, rng, n, x, target, got);
}

static int r_boundary_weight(void *ctx, size_t n, const double *x, const double *target,
                             double *w)
{
    const optsched_dgm_refine *r = ctx;
    return r->base.boundary_weight(r->base.ctx, n, x, target, w);
}

/* The prior: V1's jets, everything the frozen solver reports (its prior and multiplier
 * included). */
static int r_prior(void *ctx, size_t n, const double *x, double *jets)
{
    const optsched_dgm_refine *r = ctx;
    return optsched_dgm_solver_eval(r->frozen, n, x, jets, NULL);
}

/* The multiplier: scale times the base problem's (the jets are linear in S), or the
 * constant scale. */
static int r_multiplier(void *ctx, size_t n, const double *x, double *jets)
{
    const optsched_dgm_refine *r = ctx;
    const size_t C = (size_t)(1 + r->base.dim + r->base.nsecond);
    if (!r->base.multiplier) {
        memset(jets, 0, n * C * sizeof *jets);
        for (size_t i = 0; i < n; i++) jets[i * C] = r->scale;
        return 0;
    }
    int st = r->base.multiplier(r->base.ctx, n, x, jets);
    if (!st)
        for (size_t i = 0; i < n * C; i++) jets[i] *= r->scale;
    return st;
}

int optsched_dgm_refine_problem(optsched_dgm_problem *out, optsched_dgm_refine *r,
                                const optsched_dgm_problem *base, optsched_dgm_solver *frozen,
                                double scale, optsched_error *err)
{
    if (!out || !r || !base || !frozen)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm refine: a NULL argument");
    if (!(scale > 0) || !isfinite(scale))
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm refine: scale must be > 0 and finite, got %g", scale);
    const optsched_dgm_problem *fp = optsched_dgm_solver_problem(frozen);
    int same = fp->dim == base->dim && fp->nsecond == base->nsecond;
    for (int k = 0; same && k < base->nsecond; k++) same = fp->second[k] == base->second[k];
    if (!same)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "dgm refine: the frozen solver's inputs (%d, %d second) are not the problem's (%d, %d)",
                                  fp->dim, fp->nsecond, base->dim, base->nsecond);
    r->base = *base;
    r->frozen = frozen;
    r->scale = scale;
    *out = *base;
    out->ctx = r;
    out->sample_interior = r_sample_interior;
    out->sample_boundary = r_sample_boundary;
    out->initial_control = NULL; /* round 0 improves on the prior, V1 */
    out->improve = r_improve;
    out->residual = r_residual;
    out->prior = r_prior;
    out->multiplier = r_multiplier;
    out->sample_data = base->sample_data ? r_sample_data : NULL;
    out->boundary_weight = base->boundary_weight ? r_boundary_weight : NULL;
    return OPTSCHED_OK;
}
