/* Brute-force minimisation of the seed-004 proxies: nested one-dimensional
 * searches in log space, each a coarse scan followed by golden-section
 * refinement of the best bracket. It only evaluates the proxy, so it is an
 * independent check of the closed forms in optima.c. */
#include "optsched/scaling.h"

#include <math.h>

optsched_scaling_search optsched_scaling_search_default(void)
{
    optsched_scaling_search s = {1, 1, 1, 1e-24, 1e12, 1e-14, 1.0, 1e-8, 1e24, 64, 1e-11};
    return s;
}

enum { V_ALPHA, V_BATCH, V_ETA };

typedef struct {
    const optsched_scaling_coeffs *c;
    const optsched_scaling_search *s;
    double T;
    double x[3];    /* alpha, b, eta */
    int var[3];     /* free variables, outermost first */
    int nvar;
    double lo[3], hi[3];
} ctx;

static double level(ctx *k, int d);

/* Minimises level d+1 over variable var[d] in [lo, hi] (log space); leaves
 * x[var[d]] and all inner variables at the minimiser; returns the minimum. */
static double search(ctx *k, int d)
{
    int v = k->var[d], n = k->s->scan;
    double a = log(k->lo[v]), b = log(k->hi[v]);
    double best = INFINITY, bx = a;
    int bi = 0;
    for (int i = 0; i < n; i++) {
        double t = a + (b - a) * i / (n - 1);
        k->x[v] = exp(t);
        double f = level(k, d + 1);
        if (f < best) best = f, bx = t, bi = i;
    }
    double h = (b - a) / (n - 1);
    double l = bi > 0 ? bx - h : bx, r = bi < n - 1 ? bx + h : bx;
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = r - g * (r - l), x2 = l + g * (r - l);
    k->x[v] = exp(x1);
    double f1 = level(k, d + 1);
    k->x[v] = exp(x2);
    double f2 = level(k, d + 1);
    while (r - l > k->s->tol) {
        if (f1 <= f2) {
            r = x2, x2 = x1, f2 = f1;
            x1 = r - g * (r - l);
            k->x[v] = exp(x1);
            f1 = level(k, d + 1);
        } else {
            l = x1, x1 = x2, f1 = f2;
            x2 = l + g * (r - l);
            k->x[v] = exp(x2);
            f2 = level(k, d + 1);
        }
    }
    if (f1 < best) best = f1, bx = x1;
    if (f2 < best) best = f2, bx = x2;
    /* Re-evaluate at the winner so that the inner variables hold their argmins. */
    k->x[v] = exp(bx);
    return level(k, d + 1);
}

static double level(ctx *k, int d)
{
    if (d == k->nvar)
        return optsched_scaling_eval_T(k->c, k->x[V_ETA], k->x[V_ALPHA], k->x[V_BATCH], k->T);
    return search(k, d);
}

int optsched_scaling_minimize_T(const optsched_scaling_coeffs *c,
                                const optsched_scaling_search *s, optsched_scaling_point *fixed,
                                optsched_error *err)
{
    if (!(fixed->tokens > 0) || !isfinite(fixed->tokens))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--tokens: expected a number in (0,inf)");
    if (s->scan < 8 || !(s->tol > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL, "search: scan >= 8 and tol > 0 required");
    ctx k = {.c = c, .s = s, .T = fixed->tokens, .nvar = 0};
    k.x[V_ALPHA] = fixed->alpha;
    k.x[V_BATCH] = fixed->batch;
    k.x[V_ETA] = fixed->eta;
    k.lo[V_ALPHA] = s->alpha_lo, k.hi[V_ALPHA] = s->alpha_hi;
    k.lo[V_BATCH] = s->b_lo, k.hi[V_BATCH] = s->b_hi;
    k.lo[V_ETA] = s->eta_lo, k.hi[V_ETA] = s->eta_hi;
    if (s->free_alpha) k.var[k.nvar++] = V_ALPHA;
    if (s->free_batch) k.var[k.nvar++] = V_BATCH;
    if (s->free_eta) k.var[k.nvar++] = V_ETA;
    for (int i = 0; i < k.nvar; i++) {
        int v = k.var[i];
        if (!(k.lo[v] > 0 && k.hi[v] > k.lo[v] && isfinite(k.hi[v])))
            return optsched_error_set(err, OPTSCHED_EINVAL, "search: bad bounds for variable %d", v);
    }
    for (int v = 0; v < 3; v++) {
        int is_free = 0;
        for (int i = 0; i < k.nvar; i++) is_free |= k.var[i] == v;
        if (!is_free && !(k.x[v] > 0 && isfinite(k.x[v])))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "search: fixed variable %d must be positive", v);
    }
    double v = level(&k, 0);
    fixed->alpha = k.x[V_ALPHA];
    fixed->batch = k.x[V_BATCH];
    fixed->eta = k.x[V_ETA];
    fixed->steps = fixed->tokens / fixed->batch;
    fixed->value = v;
    return OPTSCHED_OK;
}
