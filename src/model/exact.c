/* Exact expected loss of an open-loop schedule: the run [0, τ] is cut into
 * segments on which η is either constant (propagated exactly by prop.c) or a
 * smooth unclamped piece of a family shape (integrated by gbs.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/gbs.h"
#include "optsched/exact.h"
#include "schedule/shape.h"

#define GBS_RTOL 1e-12
#define GBS_ATOL 1e-300

typedef struct {
    double t0, t1; /* time span */
    int smooth;    /* 0: constant η (eta below); 1: η from the shape */
    double eta, B;
} segment;

typedef struct {
    segment *seg;
    int n, cap;
} seglist;

static int push(seglist *L, double t0, double t1, int smooth, double eta, double B)
{
    if (!(t1 > t0)) return 0;
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 16;
        segment *s = realloc(L->seg, (size_t)cap * sizeof *s);
        if (!s) return -1;
        L->seg = s;
        L->cap = cap;
    }
    L->seg[L->n++] = (segment){t0, t1, smooth, eta, B};
    return 0;
}

static double clampd(double x, double lo, double hi) { return fmin(hi, fmax(lo, x)); }

/* The point in [a, b] where the monotone shape crosses level (it does). */
static double crossing(const optsched_schedule *s, double a, double b, double level)
{
    double fa = schedule_shape(s, a) - level;
    for (int it = 0; it < 200 && b - a > 0; it++) {
        double mid = 0.5 * (a + b);
        if (mid <= a || mid >= b) break;
        double fm = schedule_shape(s, mid) - level;
        if ((fm > 0) == (fa > 0)) {
            a = mid;
            fa = fm;
        } else {
            b = mid;
        }
    }
    return 0.5 * (a + b);
}

/* One smooth shape piece [s0, s1]: split where the shape crosses the bounds. */
static int push_smooth_piece(seglist *L, const optsched_schedule *s, const optsched_model *m,
                             double s0, double s1, double t_end)
{
    double cuts[4] = {s0, 0, 0, 0};
    int nc = 1;
    const double levels[2] = {m->eta_min, m->eta_max};
    double ea = schedule_shape(s, s0), eb = schedule_shape(s, s1);
    double found[2];
    int nf = 0;
    for (int i = 0; i < 2; i++)
        if ((ea - levels[i]) * (eb - levels[i]) < 0) found[nf++] = crossing(s, s0, s1, levels[i]);
    if (nf == 2 && found[1] < found[0]) {
        double x = found[0];
        found[0] = found[1];
        found[1] = x;
    }
    for (int i = 0; i < nf; i++) cuts[nc++] = found[i];
    cuts[nc++] = s1;
    for (int i = 0; i + 1 < nc; i++) {
        double a = cuts[i], b = cuts[i + 1];
        double mid = schedule_shape(s, 0.5 * (a + b));
        int clamped = mid <= m->eta_min || mid >= m->eta_max;
        if (push(L, a * t_end, b * t_end, !clamped, clampd(mid, m->eta_min, m->eta_max), s->B))
            return -1;
    }
    return 0;
}

static int build_segments(seglist *L, const optsched_model *m, const optsched_schedule *s,
                          double t_end)
{
    if (s->family == OPTSCHED_ARRAY) {
        for (int i = 0; i < s->n && s->t[i] < t_end; i++) {
            double t1 = i + 1 < s->n ? fmin(s->t[i + 1], t_end) : t_end;
            if (push(L, s->t[i], t1, 0, s->eta_v[i], s->B_v[i])) return -1;
        }
        return 0;
    }
    double bp[OPTSCHED_MAX_MILESTONES + 4];
    int nb = schedule_breakpoints(s, bp + 1, OPTSCHED_MAX_MILESTONES + 2);
    bp[0] = 0;
    bp[nb + 1] = 1;
    for (int i = 0; i <= nb; i++) {
        double s0 = bp[i], s1 = bp[i + 1];
        if (schedule_piece_is_constant(s, s0, s1)) {
            double e = clampd(schedule_shape(s, 0.5 * (s0 + s1)), m->eta_min, m->eta_max);
            if (push(L, s0 * t_end, s1 * t_end, 0, e, s->B)) return -1;
        } else if (push_smooth_piece(L, s, m, s0, s1, t_end)) {
            return -1;
        }
    }
    return 0;
}

typedef struct {
    const optsched_model *m;
    const optsched_schedule *s;
    double t_end;
} rhs_ctx;

static void moment_rhs(void *vctx, double t, const double *mom, double *dmom)
{
    const rhs_ctx *c = vctx;
    const optsched_model *m = c->m;
    double eta = clampd(schedule_shape(c->s, t / c->t_end), m->eta_min, m->eta_max);
    double rho = eta * eta / c->s->B;
    double g = m->sigma2;
    for (int k = 0; k < m->K; k++) g += m->lambda[k] * mom[k];
    for (int k = 0; k < m->K; k++)
        dmom[k] = -2.0 * eta * m->P * m->lambda[k] * mom[k] + rho * m->lambda[k] * g;
}

typedef struct {
    const optsched_model *m;
    const optsched_schedule *s;
    double t_end;
    seglist segs;
    optsched_prop *prop;
    double last_eta, last_B;
    double *work;
    double *mom; /* [K] the moments being advanced */
} evaluator;

static int evaluator_init(evaluator *ev, const optsched_model *m, const optsched_schedule *s,
                          optsched_error *err)
{
    memset(ev, 0, sizeof *ev);
    ev->m = m;
    ev->s = s;
    ev->last_eta = ev->last_B = NAN;
    int st = optsched_schedule_validate(s, m, err);
    if (st) return st;
    ev->t_end = optsched_schedule_t_end(s, m);
    ev->prop = optsched_prop_alloc(m->K);
    ev->work = malloc((size_t)(2 * GBS_MAX_COLS + 4) * m->K * sizeof(double));
    ev->mom = malloc((size_t)m->K * sizeof(double));
    if (!ev->prop || !ev->work || !ev->mom || build_segments(&ev->segs, m, s, ev->t_end))
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (exact evaluation)");
    for (int k = 0; k < m->K; k++) ev->mom[k] = m->a0[k] * m->a0[k];
    return OPTSCHED_OK;
}

static void evaluator_free(evaluator *ev)
{
    optsched_prop_free(ev->prop);
    free(ev->work);
    free(ev->mom);
    free(ev->segs.seg);
}

/* Advances mom across [ta, tb] ⊆ [0, τ] through every segment it meets. */
static int advance(evaluator *ev, double ta, double tb, double *mom, int *cursor,
                   optsched_error *err)
{
    const segment *S = ev->segs.seg;
    int i = *cursor;
    while (i < ev->segs.n && S[i].t1 <= ta) i++;
    for (; i < ev->segs.n && S[i].t0 < tb; i++) {
        double a = fmax(ta, S[i].t0), b = fmin(tb, S[i].t1);
        if (!(b > a)) continue;
        if (S[i].smooth) {
            rhs_ctx c = {ev->m, ev->s, ev->t_end};
            if (gbs_integrate(moment_rhs, &c, ev->m->K, a, b, mom, GBS_RTOL, GBS_ATOL, ev->work))
                return optsched_error_set(err, OPTSCHED_ENOCONV,
                                          "exact evaluation: the integrator's step underflowed "
                                          "on [%g, %g]", a, b);
        } else {
            if (S[i].eta != ev->last_eta || S[i].B != ev->last_B) {
                if (optsched_prop_set(ev->prop, ev->m, S[i].eta, S[i].B))
                    return optsched_error_set(err, OPTSCHED_EFAIL,
                                              "exact evaluation: eigen-decomposition failed");
                ev->last_eta = S[i].eta;
                ev->last_B = S[i].B;
            }
            optsched_prop_apply(ev->prop, b - a, mom);
        }
        if (S[i].t1 > tb) break;
    }
    *cursor = i < ev->segs.n ? i : ev->segs.n - 1;
    if (*cursor < 0) *cursor = 0;
    return OPTSCHED_OK;
}

static double expected_loss(const optsched_model *m, const double *mom)
{
    double l = m->tail;
    for (int k = 0; k < m->K; k++) l += m->lambda[k] * mom[k];
    return l;
}

/* The expected loss and the compute used at n times spread evenly over [0, τ],
 * advancing once through the segments; the compute is accumulated segment by
 * segment along the way, not re-summed from 0 for every point. */
static int walk(evaluator *ev, int n, double *t, double *loss, double *compute, optsched_error *err)
{
    const segment *S = ev->segs.seg;
    int cursor = 0, seg = 0, st = OPTSCHED_OK;
    double prev = 0, done = 0; /* compute of the segments wholly before segment seg */
    for (int i = 0; i < n && !st; i++) {
        double ti = i == n - 1 ? ev->t_end : ev->t_end * i / (n - 1);
        st = advance(ev, prev, ti, ev->mom, &cursor, err);
        while (seg < ev->segs.n && S[seg].t1 <= ti) {
            done += S[seg].B * (S[seg].t1 - S[seg].t0);
            seg++;
        }
        double c = done + (seg < ev->segs.n && S[seg].t0 < ti ? S[seg].B * (ti - S[seg].t0) : 0);
        if (t) t[i] = ti;
        loss[i] = expected_loss(ev->m, ev->mom);
        compute[i] = fmin(c, ev->m->C);
        prev = ti;
    }
    return st;
}

int optsched_exact_eval(const optsched_model *m, const optsched_schedule *s,
                        optsched_exact_result *res, optsched_error *err)
{
    evaluator ev;
    double loss[2], compute[2];
    int st = evaluator_init(&ev, m, s, err);
    if (!st) st = walk(&ev, 2, NULL, loss, compute, err);
    if (!st) {
        res->expected_loss = loss[1];
        res->t_end = ev.t_end;
        res->compute_used = compute[1];
    }
    evaluator_free(&ev);
    return st;
}

int optsched_exact_trajectory(const optsched_model *m, const optsched_schedule *s, int n, double *t,
                              double *loss, double *compute, optsched_error *err)
{
    if (n < 2) return optsched_error_set(err, OPTSCHED_EINVAL, "trajectory: need at least 2 points");
    evaluator ev;
    int st = evaluator_init(&ev, m, s, err);
    if (!st) st = walk(&ev, n, t, loss, compute, err);
    evaluator_free(&ev);
    return st;
}
