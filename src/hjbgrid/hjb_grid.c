/* Grid HJB solver: lifecycle, options and queries (see hjb_grid.h; the scheme
 * is in solve.c). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hjbgrid/internal.h"

optsched_hjb_grid *optsched_hjb_grid_create(const optsched_model *m, optsched_error *err)
{
    if (!m) {
        optsched_error_set(err, OPTSCHED_EINVAL, "hjb-grid: no model");
        return NULL;
    }
    if (m->K < 1 || m->K > OPTSCHED_HJB_GRID_MAX_MODES) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "--modes: the grid HJB solver accepts an integer in [1, %d], got %d",
                           OPTSCHED_HJB_GRID_MAX_MODES, m->K);
        return NULL;
    }
    optsched_hjb_grid *g = calloc(1, sizeof *g);
    if (!g) {
        optsched_error_set(err, OPTSCHED_ENOMEM, "hjb-grid: out of memory");
        return NULL;
    }
    g->m = m;
    g->K = m->K;
    /* defaults: about a second on one core for K = 1 and a few seconds for K = 2 at
     * the canonical setting (docs/HJB_GRID.md) */
    g->n_a = m->K == 1 ? 201 : 41;
    g->n_r = m->K == 1 ? 200 : 100;
    g->n_t = 41;
    g->n_u = m->K == 1 ? 64 : 32;
    g->n_eta = 16;
    g->n_B = 16;
    g->gh = 3;
    g->a_max = 3;
    g->stretch = 5;
    g->threads = 0;
    g->box = 0;
    return g;
}

void optsched_hjb_grid_destroy(optsched_hjb_grid *g)
{
    if (!g) return;
    hg_clear(g);
    free(g->ceta);
    free(g);
}

typedef struct {
    const char *name;
    double lo, hi;
    int integer;
    size_t off_int, off_dbl; /* one of them used */
} option;

#define OPT_I(n, lo, hi, f) {n, lo, hi, 1, offsetof(optsched_hjb_grid, f), 0}
#define OPT_D(n, lo, hi, f) {n, lo, hi, 0, 0, offsetof(optsched_hjb_grid, f)}

static const option options[] = {
    OPT_I("n_a", 3, 4001, n_a),     OPT_I("n_r", 1, 100000, n_r),  OPT_I("n_t", 2, 10001, n_t),
    OPT_I("n_u", 2, 4096, n_u),     OPT_I("n_eta", 2, 128, n_eta), OPT_I("n_B", 2, 128, n_B),
    OPT_I("gh", 3, 5, gh),          OPT_D("a_max", 1, 100, a_max), OPT_I("threads", 0, 1024, threads),
    OPT_D("stretch", 0, 10, stretch),
};

int optsched_hjb_grid_set(optsched_hjb_grid *g, const char *name, double value,
                          optsched_error *err)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const option *o = &options[i];
        if (strcmp(name, o->name)) continue;
        if (!(value >= o->lo && value <= o->hi) || (o->integer && value != floor(value)))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "hjb-grid option '%s': expected %s in [%g, %g], got %g", name,
                                      o->integer ? "an integer" : "a number", o->lo, o->hi, value);
        if (o->integer)
            *(int *)((char *)g + o->off_int) = (int)value;
        else
            *(double *)((char *)g + o->off_dbl) = value;
        return OPTSCHED_OK;
    }
    return optsched_error_set(err, OPTSCHED_EINVAL,
                              "hjb-grid: unknown option '%s' (n_a, n_r, n_t, n_u, n_eta, n_B, gh, "
                              "a_max, stretch, threads)", name);
}

int optsched_hjb_grid_set_str(optsched_hjb_grid *g, const char *name, const char *value,
                              optsched_error *err)
{
    if (strcmp(name, "controls"))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "hjb-grid: unknown string option '%s' (controls)", name);
    if (!strcmp(value, "frontier"))
        g->box = 0;
    else if (!strcmp(value, "box"))
        g->box = 1;
    else
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "hjb-grid option 'controls': expected frontier or box, got '%s'",
                                  value);
    return OPTSCHED_OK;
}

/* Positions of a state in r (level j0, weight wr of j0+1) and t (node i0, weight wt of i0+1). */
static void locate_rt(const optsched_hjb_grid *g, double r, double t, int *j0, double *wr, int *i0,
                      double *wt)
{
    double x = fmin(fmax(r, 0.0), g->m->C) / g->h;
    int j = (int)x;
    if (j > g->n_r - 1) j = g->n_r - 1;
    *j0 = j;
    *wr = fmin(1.0, x - j);
    if (g->nt == 1) {
        *i0 = 0;
        *wt = 0;
        return;
    }
    double y = fmin(fmax(t, 0.0), g->m->T) / g->dtt;
    int i = (int)y;
    if (i > g->nt - 2) i = g->nt - 2;
    *i0 = i;
    *wt = fmin(1.0, y - i);
}

static double ell(const optsched_model *m, const double *a)
{
    double s = 0;
    for (int k = 0; k < m->K; k++) s += m->lambda[k] * a[k] * a[k];
    return s;
}

/* V at level j, time node i, state a: interpolates W = V − q_{j,i} in |a| and adds q back. */
static double value_at(const optsched_hjb_grid *g, int j, int i, const double *a)
{
    const optsched_model *m = g->m;
    const int K = g->K, nt = g->nt;
    if (j == 0 || (nt > 1 && i == nt - 1)) return ell(m, a) + m->tail;
    const double *gam = g->gamma + ((size_t)j * nt + i) * K;
    int i0[2] = {0, 0};
    double f[2] = {0, 0};
    for (int k = 0; k < K; k++) hg_locate(g, a[k], &i0[k], &f[k]);
    double q = 0;
    for (int k = 0; k < K; k++) q += gam[k] * a[k] * a[k];
    double s = 0;
    for (int c = 0; c < (1 << K); c++) {
        double w = 1, qn = 0;
        long long p = 0;
        for (int k = 0; k < K; k++) {
            int b = (c >> k) & 1, idx = i0[k] + b;
            w *= b ? f[k] : 1 - f[k];
            p = p * g->n_a + idx;
            double x = g->xs[idx];
            qn += gam[k] * x * x;
        }
        if (w == 0) continue;
        size_t at = (size_t)p * nt + i;
        double v = j == g->n_r ? g->Vtop[at] : (double)g->V[(size_t)j * g->level + at];
        s += w * (v - qn);
    }
    return s + q;
}

int optsched_hjb_grid_value(const optsched_hjb_grid *g, const double *a, double r, double t,
                            double *V)
{
    if (!g || !g->solved || !a || !V || !isfinite(r) || isnan(t)) return OPTSCHED_EINVAL;
    for (int k = 0; k < g->K; k++)
        if (!isfinite(a[k])) return OPTSCHED_EINVAL;
    int j0, i0;
    double wr, wt;
    locate_rt(g, r, t, &j0, &wr, &i0, &wt);
    double s = 0;
    for (int dj = 0; dj < 2; dj++)
        for (int di = 0; di < (g->nt > 1 ? 2 : 1); di++) {
            double w = (dj ? wr : 1 - wr) * (g->nt > 1 ? (di ? wt : 1 - wt) : 1);
            if (w != 0) s += w * value_at(g, j0 + dj, i0 + di, a);
        }
    *V = s;
    return OPTSCHED_OK;
}

int optsched_hjb_grid_controls(const optsched_hjb_grid *g, const double *a, double r, double t,
                               double *eta, double *B)
{
    if (!g || !g->solved || !a || !eta || !B || !isfinite(r) || isnan(t)) return OPTSCHED_EINVAL;
    const int K = g->K, nt = g->nt;
    int i0a[2] = {0, 0};
    double fa[2] = {0, 0};
    for (int k = 0; k < K; k++) {
        if (!isfinite(a[k])) return OPTSCHED_EINVAL;
        hg_locate(g, a[k], &i0a[k], &fa[k]);
    }
    int j0, i0;
    double wr, wt;
    locate_rt(g, r, t, &j0, &wr, &i0, &wt);
    double le = 0, lb = 0;
    for (int dj = 0; dj < 2; dj++)
        for (int di = 0; di < (nt > 1 ? 2 : 1); di++) {
            double wrt = (dj ? wr : 1 - wr) * (nt > 1 ? (di ? wt : 1 - wt) : 1);
            if (wrt == 0) continue;
            const uint16_t *arg = g->arg + (size_t)(j0 + dj) * g->level;
            for (int c = 0; c < (1 << K); c++) {
                double w = wrt;
                long long p = 0;
                for (int k = 0; k < K; k++) {
                    int b = (c >> k) & 1;
                    w *= b ? fa[k] : 1 - fa[k];
                    p = p * g->n_a + i0a[k] + b;
                }
                if (w == 0) continue;
                int ci = arg[(size_t)p * nt + i0 + di];
                le += w * g->clogeta[ci];
                lb += w * g->clogB[ci];
            }
        }
    *eta = fmin(g->m->eta_max, fmax(g->m->eta_min, exp(le)));
    *B = fmin(g->m->B_max, fmax(g->m->B_min, exp(lb)));
    return OPTSCHED_OK;
}

int optsched_hjb_grid_policy(void *ctx, int n, const double *a, const double *r, double t,
                             double *eta, double *B)
{
    const optsched_hjb_grid *g = ctx;
    int st = OPTSCHED_OK;
    /* the Monte Carlo calls the policy outside its parallel regions: use the threads here */
#pragma omp parallel for schedule(static) if (n > 512) reduction(| : st)
    for (int q = 0; q < n; q++)
        st |= optsched_hjb_grid_controls(g, a + (size_t)q * g->K, r[q], t, &eta[q], &B[q]);
    return st ? OPTSCHED_EINVAL : OPTSCHED_OK;
}

int optsched_hjb_grid_solve(optsched_hjb_grid *g, optsched_error *err)
{
    if (!g) return optsched_error_set(err, OPTSCHED_EINVAL, "hjb-grid: no solver");
    int st = hg_controls(g, err);
    if (!st) st = hg_solve(g, err);
    if (st) return st;
    optsched_hjb_grid_stats *s = &g->stats;
    optsched_hjb_grid_value(g, g->m->a0, g->m->C, 0, &s->value0);
    optsched_hjb_grid_controls(g, g->m->a0, g->m->C, 0, &s->eta0, &s->B0);
    return OPTSCHED_OK;
}

const optsched_hjb_grid_stats *optsched_hjb_grid_get_stats(const optsched_hjb_grid *g)
{
    return g && g->solved ? &g->stats : NULL;
}
