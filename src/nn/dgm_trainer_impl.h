/* Policy-iteration trainer, per-precision part: one training iteration, improvement,
 * evaluation. Included by src/hjb/trainer_f32.c and trainer_f64.c with REAL and SFX defined.
 *
 * One iteration:
 *   boundary: x_b, targets from the plug-in; loss lambda_bc * mean (V - target)^2
 *   interior (after the warm-up of the round): x from the plug-in; frozen controls u from the
 *     policy network (the network as it was at the end of the previous round: its jets go
 *     through the plug-in's improve()), or the plug-in's round-0 policy; the plug-in's linear
 *     residual coefficients (r0, coef) for those controls; loss
 *       mean (r0 + coef . jets)^2 + lambda_struct * sum_terms mean relu(violation)^2
 *   value data (after the warm-up, if the plug-in has any): lambda_data * mean (V - target)^2
 *   one Adam step on the sum of the gradients.
 * With a prior V0 the network N is the correction, V = V0 + N: V0 is subtracted from boundary
 * and data targets, its part of the linear residual moves into r0, the penalties see V0 + N,
 * and every reported jet (evaluation, the frozen policy) is that of the sum.
 * With a multiplier S as well, V = V0 + S·N: the loss terms are formed on the jets of V (product
 * rule, mul_jets) and their gradients taken back to N's jets by its transpose.
 * The loss callbacks only read their context and write per-point slots, so the engine may run
 * them concurrently on disjoint chunks. */
#include <stdlib.h>
#include <string.h>

#include "nn/dgm_internal.h"

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(name, SFX)
#define NET F(optsched_dgm_net)
#define WORK F(optsched_dgm_work)
#define ADAM F(optsched_dgm_adam)

typedef struct {
    const optsched_dgm_problem *prob;
    dgm_opts o;
    optsched_dgm_layout lay;
    int C, nb;
    NET *net, *snap;
    ADAM *adam;
    WORK *wi, *wb, *we; /* interior (jets, grad), boundary (value, grad), evaluation (jets) */
    REAL *grad, *xr, *xbr, *jr;
    double *x, *xb, *tb, *jd, *u, *r0, *coef, *pde, *pen;
    double *bw; /* the boundary points' weights (the plug-in's boundary_weight) */
    double *pj, *pt; /* prior jets at the interior batch; prior scratch for evaluations */
    double *ms, *mt; /* multiplier jets at the interior batch; multiplier scratch */
} F(tstate);

typedef struct {
    const double *target;
    const double *w; /* [n] per-point weights (the plug-in's boundary_weight), or NULL: 1 */
    double scale; /* lambda_bc / nb */
    const double *mult; /* [n][mstride] multiplier jets (value in channel 0), or NULL */
    size_t mstride;
} F(bc_ctx);

static double F(bc_loss)(void *ctx, size_t p0, size_t n, int C, const double *jets, double *djets)
{
    const F(bc_ctx) *c = ctx;
    double s = 0;
    for (size_t p = 0; p < n; p++) {
        const double S = c->mult ? c->mult[(p0 + p) * c->mstride] : 1.0;
        const double sc = c->w ? c->scale * c->w[p0 + p] : c->scale;
        double e = S * jets[p * C] - c->target[p0 + p];
        s += sc * e * e;
        djets[p * C] = 2 * sc * e * S;
    }
    return s;
}

typedef struct {
    const double *r0, *coef;
    const double *prior; /* [n][C] jets of the prior V0 (NULL: none); penalties see V0 + N */
    double *pde, *pen; /* per-point loss parts (summed in order afterwards) */
    double scale, pscale; /* 1 / n, lambda_struct / n */
    int npen;
    const optsched_dgm_penalty *penalty;
    /* with a multiplier: its jets [n][C]; r0 then leaves out the prior, added here */
    const double *mult;
    int dim, nsecond;
    const int *second;
} F(int_ctx);

/* The interior loss with a multiplier: everything on the jets of V = V0 + S·N. */
static double F(int_loss_mult)(const F(int_ctx) *c, size_t p0, size_t n, int C, const double *jets,
                               double *djets)
{
    double s = 0, JV[DGM_MAX_CHANNELS], dV[DGM_MAX_CHANNELS];
    for (size_t p = 0; p < n; p++) {
        const double *cf = c->coef + (p0 + p) * C, *S = c->mult + (p0 + p) * C;
        const double *J0 = c->prior ? c->prior + (p0 + p) * C : NULL;
        dgm_mul_jets(c->dim, c->nsecond, c->second, S, jets + p * C, JV);
        if (J0)
            for (int k = 0; k < C; k++) JV[k] += J0[k];
        double res = c->r0[p0 + p];
        for (int k = 0; k < C; k++) res += cf[k] * JV[k];
        for (int k = 0; k < C; k++) dV[k] = 2 * c->scale * res * cf[k];
        double pen = 0;
        for (int t = 0; t < c->npen; t++) {
            const optsched_dgm_penalty *q = &c->penalty[t];
            double v = q->upper ? JV[q->channel] - q->limit : q->limit - JV[q->channel];
            if (v > 0) {
                pen += c->pscale * v * v;
                dV[q->channel] += 2 * c->pscale * v * (q->upper ? 1 : -1);
            }
        }
        dgm_mul_jets_adj(c->dim, c->nsecond, c->second, S, dV, djets + p * C);
        c->pde[p0 + p] = c->scale * res * res;
        c->pen[p0 + p] = pen;
        s += c->scale * res * res + pen;
    }
    return s;
}

static double F(int_loss)(void *ctx, size_t p0, size_t n, int C, const double *jets, double *djets)
{
    const F(int_ctx) *c = ctx;
    if (c->mult) return F(int_loss_mult)(c, p0, n, C, jets, djets);
    double s = 0;
    for (size_t p = 0; p < n; p++) {
        const double *J = jets + p * C, *cf = c->coef + (p0 + p) * C;
        double *dJ = djets + p * C;
        double res = c->r0[p0 + p];
        for (int k = 0; k < C; k++) res += cf[k] * J[k];
        for (int k = 0; k < C; k++) dJ[k] = 2 * c->scale * res * cf[k];
        double pen = 0;
        const double *J0 = c->prior ? c->prior + (p0 + p) * C : NULL;
        for (int t = 0; t < c->npen; t++) {
            const optsched_dgm_penalty *q = &c->penalty[t];
            double Jc = J[q->channel] + (J0 ? J0[q->channel] : 0.0);
            double v = q->upper ? Jc - q->limit : q->limit - Jc;
            if (v > 0) {
                pen += c->pscale * v * v;
                dJ[q->channel] += 2 * c->pscale * v * (q->upper ? 1 : -1);
            }
        }
        c->pde[p0 + p] = c->scale * res * res;
        c->pen[p0 + p] = pen;
        s += c->scale * res * res + pen;
    }
    return s;
}

static void F(tdestroy)(void *sv)
{
    F(tstate) *s = sv;
    if (!s) return;
    F(optsched_dgm_net_free)(s->net);
    F(optsched_dgm_net_free)(s->snap);
    F(optsched_dgm_adam_free)(s->adam);
    F(optsched_dgm_work_free)(s->wi);
    F(optsched_dgm_work_free)(s->wb);
    F(optsched_dgm_work_free)(s->we);
    free(s->grad); free(s->xr); free(s->xbr); free(s->jr);
    free(s->x); free(s->xb); free(s->tb); free(s->bw); free(s->jd); free(s->u); free(s->r0); free(s->coef);
    free(s->pde); free(s->pen); free(s->pj); free(s->pt); free(s->ms); free(s->mt);
    free(s);
}

static void *F(tcreate)(const optsched_dgm_problem *prob, const dgm_opts *o, optsched_error *err)
{
    F(tstate) *s = calloc(1, sizeof *s);
    if (!s) { optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory"); return NULL; }
    s->prob = prob;
    s->o = *o;
    if (optsched_dgm_layout_init(&s->lay, prob->dim, o->width, o->layers, err)) { free(s); return NULL; }
    optsched_dgm_jetspec js = {1, prob->nsecond, prob->second}, jv = {0, 0, NULL};
    s->C = optsched_dgm_jet_channels(&js, prob->dim);
    s->nb = o->batch_bc > 0 ? o->batch_bc : o->batch;
    size_t n = (size_t)o->batch, nb = (size_t)s->nb, d = (size_t)prob->dim, C = (size_t)s->C;
    size_t nu = (size_t)(prob->ncontrols > 0 ? prob->ncontrols : 1);
    s->net = F(optsched_dgm_net_alloc)(&s->lay, err);
    s->snap = s->net ? F(optsched_dgm_net_alloc)(&s->lay, err) : NULL;
    s->adam = s->snap ? F(optsched_dgm_adam_alloc)(s->lay.nparams, o->lr, err) : NULL;
    s->wi = s->adam ? F(optsched_dgm_work_alloc)(&s->lay, &js, n, o->chunk, OPTSCHED_DGM_WORK_GRAD, err) : NULL;
    s->wb = s->wi ? F(optsched_dgm_work_alloc)(&s->lay, &jv, nb, DGM_VALUE_CHUNK(o->chunk),
                                                 OPTSCHED_DGM_WORK_GRAD, err) : NULL;
    s->we = s->wb ? F(optsched_dgm_work_alloc)(&s->lay, &js, n, o->chunk, 0, err) : NULL;
    if (!s->we) { F(tdestroy)(s); return NULL; }
    s->grad = malloc(s->lay.nparams * sizeof(REAL));
    s->xr = malloc(n * d * sizeof(REAL));
    s->xbr = malloc(nb * d * sizeof(REAL));
    s->jr = malloc(n * C * sizeof(REAL));
    s->x = malloc(n * d * sizeof(double));
    s->xb = malloc(nb * d * sizeof(double));
    s->tb = malloc(nb * sizeof(double));
    s->bw = malloc(nb * sizeof(double));
    s->jd = malloc(n * C * sizeof(double));
    s->u = malloc(n * nu * sizeof(double));
    s->r0 = malloc(n * sizeof(double));
    s->coef = malloc(n * C * sizeof(double));
    s->pde = malloc(n * sizeof(double));
    s->pen = malloc(n * sizeof(double));
    if (prob->prior) {
        s->pj = malloc(n * C * sizeof(double));
        s->pt = malloc((n > nb ? n : nb) * C * sizeof(double));
    }
    if (prob->multiplier) {
        s->ms = malloc(n * C * sizeof(double));
        s->mt = malloc((n > nb ? n : nb) * C * sizeof(double));
    }
    if (!s->grad || !s->xr || !s->xbr || !s->jr || !s->x || !s->xb || !s->tb || !s->bw || !s->jd || !s->u ||
        !s->r0 || !s->coef || !s->pde || !s->pen || (prob->prior && (!s->pj || !s->pt)) ||
        (prob->multiplier && (!s->ms || !s->mt))) {
        F(tdestroy)(s);
        optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory for batches of %zu points", n);
        return NULL;
    }
    if (prob->multiplier && s->C > DGM_MAX_CHANNELS) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "dgm problem '%s': a multiplier supports at most %d jet channels, got %d",
                           prob->name, DGM_MAX_CHANNELS, s->C);
        F(tdestroy)(s);
        return NULL;
    }
    s->adam->beta1 = o->beta1;
    s->adam->beta2 = o->beta2;
    s->adam->eps = o->eps;
    F(optsched_dgm_net_init)(s->net, (uint64_t)o->seed);
    if (prob->prior) /* start from V = V0: the correction's output layer is zero */
        memset(s->net->params + s->lay.w, 0, ((size_t)s->lay.width + 1) * sizeof(REAL));
    memcpy(s->snap->params, s->net->params, s->lay.nparams * sizeof(REAL));
    return s;
}

/* Jets of the prior at n points into jets[n][C]. */
static int F(prior_of)(F(tstate) *s, size_t n, const double *x, double *jets, optsched_error *err)
{
    int st = s->prob->prior(s->prob->ctx, n, x, jets);
    return st ? optsched_error_set(err, st, "dgm problem '%s': prior failed", s->prob->name) : OPTSCHED_OK;
}

/* Jets of the multiplier at n points into jets[n][C]. */
static int F(mult_of)(F(tstate) *s, size_t n, const double *x, double *jets, optsched_error *err)
{
    int st = s->prob->multiplier(s->prob->ctx, n, x, jets);
    return st ? optsched_error_set(err, st, "dgm problem '%s': multiplier failed", s->prob->name) : OPTSCHED_OK;
}

/* Jets (double, point-major) of V = prior + [multiplier ·] network `net` at n <= batch points. */
static int F(jets_of)(F(tstate) *s, const NET *net, size_t n, const double *x, double *jets,
                      optsched_error *err)
{
    size_t d = (size_t)s->prob->dim, C = (size_t)s->C;
    for (size_t i = 0; i < n * d; i++) s->xr[i] = (REAL)x[i];
    int st = F(optsched_dgm_forward)(s->jr, s->we, net, n, s->xr, err);
    if (st) return st;
    if (s->prob->multiplier) {
        double jn[DGM_MAX_CHANNELS];
        if ((st = F(mult_of)(s, n, x, s->mt, err))) return st;
        for (size_t i = 0; i < n; i++) {
            for (size_t c = 0; c < C; c++) jn[c] = (double)s->jr[i * C + c];
            dgm_mul_jets(s->prob->dim, s->prob->nsecond, s->prob->second, s->mt + i * C, jn,
                         jets + i * C);
        }
    } else {
        for (size_t i = 0; i < n * C; i++) jets[i] = (double)s->jr[i];
    }
    if (s->prob->prior) {
        if ((st = F(prior_of)(s, n, x, s->pt, err))) return st;
        for (size_t i = 0; i < n * C; i++) jets[i] += s->pt[i];
    }
    return OPTSCHED_OK;
}

static int F(tstep)(void *sv, int64_t it, int round, int warm, dgm_losses *out, optsched_error *err)
{
    F(tstate) *s = sv;
    const optsched_dgm_problem *pr = s->prob;
    size_t n = (size_t)s->o.batch, nb = (size_t)s->nb, d = (size_t)pr->dim;
    int st;
    out->pde = out->bc = out->pen = 0;

    optsched_dgm_rng rb = {(uint64_t)s->o.seed, DGM_STREAM_BOUNDARY, (uint64_t)it};
    if ((st = pr->sample_boundary(pr->ctx, &rb, nb, s->xb, s->tb)))
        return optsched_error_set(err, st, "dgm problem '%s': sample_boundary failed", pr->name);
    for (size_t i = 0; i < nb * d; i++) s->xbr[i] = (REAL)s->xb[i];
    if (pr->boundary_weight && (st = pr->boundary_weight(pr->ctx, nb, s->xb, s->tb, s->bw)))
        return optsched_error_set(err, st, "dgm problem '%s': boundary_weight failed", pr->name);
    if (pr->prior) { /* the network fits the boundary data minus the prior */
        if ((st = F(prior_of)(s, nb, s->xb, s->pt, err))) return st;
        for (size_t i = 0; i < nb; i++) s->tb[i] -= s->pt[i * (size_t)s->C];
    }
    if (pr->multiplier && (st = F(mult_of)(s, nb, s->xb, s->mt, err))) return st;
    F(bc_ctx) bc = {s->tb, pr->boundary_weight ? s->bw : NULL, s->o.lambda_bc / (double)nb,
                    pr->multiplier ? s->mt : NULL, (size_t)s->C};
    if ((st = F(optsched_dgm_value_and_grad)(s->grad, &out->bc, s->wb, s->net, nb, s->xbr,
                                             F(bc_loss), &bc, 0, err)))
        return st;

    if (!warm) {
        optsched_dgm_rng ri = {(uint64_t)s->o.seed, DGM_STREAM_INTERIOR, (uint64_t)it};
        if ((st = pr->sample_interior(pr->ctx, &ri, n, s->x)))
            return optsched_error_set(err, st, "dgm problem '%s': sample_interior failed", pr->name);
        if (round == 0 && pr->initial_control) {
            if ((st = pr->initial_control(pr->ctx, n, s->x, s->u)))
                return optsched_error_set(err, st, "dgm problem '%s': initial_control failed", pr->name);
        } else {
            if ((st = F(jets_of)(s, s->snap, n, s->x, s->jd, err))) return st;
            if ((st = pr->improve(pr->ctx, n, s->x, s->jd, s->u)))
                return optsched_error_set(err, st, "dgm problem '%s': improve failed", pr->name);
        }
        if ((st = pr->residual(pr->ctx, n, s->x, s->u, s->r0, s->coef)))
            return optsched_error_set(err, st, "dgm problem '%s': residual failed", pr->name);
        if (pr->prior) { /* the residual is linear: the prior's part moves into r0 */
            if ((st = F(prior_of)(s, n, s->x, s->pj, err))) return st;
            size_t C = (size_t)s->C;
            if (!pr->multiplier) /* (with one, int_loss_mult adds it to the jets of V) */
                for (size_t i = 0; i < n; i++)
                    for (size_t c = 0; c < C; c++) s->r0[i] += s->coef[i * C + c] * s->pj[i * C + c];
        }
        if (pr->multiplier && (st = F(mult_of)(s, n, s->x, s->ms, err))) return st;
        for (size_t i = 0; i < n * d; i++) s->xr[i] = (REAL)s->x[i];
        F(int_ctx) ic = {s->r0, s->coef, pr->prior ? s->pj : NULL, s->pde, s->pen, 1.0 / (double)n,
                         s->o.lambda_struct / (double)n, pr->npenalty, pr->penalty,
                         pr->multiplier ? s->ms : NULL, pr->dim, pr->nsecond, pr->second};
        double tot;
        if ((st = F(optsched_dgm_value_and_grad)(s->grad, &tot, s->wi, s->net, n, s->xr,
                                                 F(int_loss), &ic, 1, err)))
            return st;
        for (size_t p = 0; p < n; p++) { out->pde += s->pde[p]; out->pen += s->pen[p]; }
        /* value data (the boundary buffers are free again) */
        size_t got = 0;
        if (pr->sample_data && s->o.lambda_data > 0) {
            optsched_dgm_rng rd = {(uint64_t)s->o.seed, DGM_STREAM_DATA, (uint64_t)it};
            if ((st = pr->sample_data(pr->ctx, &rd, nb, s->xb, s->tb, &got)))
                return optsched_error_set(err, st, "dgm problem '%s': sample_data failed", pr->name);
        }
        if (got > 0) {
            if (got > nb) got = nb;
            for (size_t i = 0; i < got * d; i++) s->xbr[i] = (REAL)s->xb[i];
            if (pr->prior) {
                if ((st = F(prior_of)(s, got, s->xb, s->pt, err))) return st;
                for (size_t i = 0; i < got; i++) s->tb[i] -= s->pt[i * (size_t)s->C];
            }
            if (pr->multiplier && (st = F(mult_of)(s, got, s->xb, s->mt, err))) return st;
            F(bc_ctx) dc = {s->tb, NULL, s->o.lambda_data / (double)got, pr->multiplier ? s->mt : NULL,
                            (size_t)s->C};
            double dl;
            if ((st = F(optsched_dgm_value_and_grad)(s->grad, &dl, s->wb, s->net, got, s->xbr,
                                                     F(bc_loss), &dc, 1, err)))
                return st;
            out->bc += dl;
        }
    }
    F(optsched_dgm_adam_step)(s->adam, s->net->params, s->grad);
    return OPTSCHED_OK;
}

static void F(tsnapshot)(void *sv)
{
    F(tstate) *s = sv;
    memcpy(s->snap->params, s->net->params, s->lay.nparams * sizeof(REAL));
}

static int F(teval)(void *sv, size_t n, const double *x, double *jets, optsched_error *err)
{
    F(tstate) *s = sv;
    size_t B = (size_t)s->o.batch, d = (size_t)s->prob->dim, C = (size_t)s->C;
    for (size_t p0 = 0; p0 < n; p0 += B) {
        size_t m = n - p0 < B ? n - p0 : B;
        int st = F(jets_of)(s, s->net, m, x + p0 * d, jets + p0 * C, err);
        if (st) return st;
    }
    return OPTSCHED_OK;
}

static void F(tview)(void *sv, dgm_state_view *v)
{
    F(tstate) *s = sv;
    v->nparams = s->lay.nparams;
    v->real_size = sizeof(REAL);
    v->params = s->net->params;
    v->snapshot = s->snap->params;
    v->m = s->adam->m;
    v->v = s->adam->v;
    v->adam_step = &s->adam->step;
    v->lr = &s->adam->lr;
}

const dgm_backend F(optsched_dgm_backend) = {F(tcreate), F(tdestroy), F(tstep), F(tsnapshot),
                                            F(teval), F(tview)};
