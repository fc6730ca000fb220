/* Numerical verification of Theorems 1-3 (seed 004, App. D and footnote 3):
 * exhaustive evaluation of the token-form proxy on log-uniform grids and the
 * grid minimum for each budget. Budgets are distributed over threads; each
 * budget is scanned by one thread in a fixed order, so results are identical for
 * any thread count. */
#include "optsched/scaling.h"

#include <math.h>
#include <stdlib.h>

double optsched_scaling_logspace(double lo, double hi, int i, int n)
{
    if (n <= 1) return lo;
    if (i == n - 1) return hi; /* exact endpoint, no rounding drift */
    return exp(log(lo) + (log(hi) - log(lo)) * (double)i / (double)(n - 1));
}

optsched_scaling_grid_spec optsched_scaling_grid_default(int kind)
{
    optsched_scaling_grid_spec g = {
        .kind = kind,
        .eta_lo = 1e-15, .eta_hi = 1e4,
        .alpha_lo = 1e-10, .alpha_hi = 1.0,
        .b_lo = 1.0, .b_hi = 1e15,
        .T_lo = 1e2, .T_hi = 1e22,
        .n_eta = 100, .n_alpha = 100, .n_b = 100, .n_T = 100,
        .alpha_fixed = 1e-3, /* beta = 0.999 as in the seed's Figure 1 */
        .b_fixed = 1072,     /* the seed's Figure 2 */
        .coeffs = optsched_scaling_coeffs_c123(1.0, 1.0, 1.0, 1),
        .profile = 0,
    };
    return g;
}

static int range_ok(double lo, double hi) { return lo > 0 && hi >= lo && isfinite(hi); }

int optsched_scaling_grid_check(const optsched_scaling_grid_spec *g, optsched_error *err)
{
    if (g->kind < 1 || g->kind > 3)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--theorem: expected 1, 2 or 3");
    if (!range_ok(g->eta_lo, g->eta_hi))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--eta-range: expected 0 < lo <= hi < inf");
    if (!range_ok(g->alpha_lo, g->alpha_hi) || g->alpha_hi > 1)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--alpha-range: expected 0 < lo <= hi <= 1");
    if (!range_ok(g->b_lo, g->b_hi))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--batch-range: expected 0 < lo <= hi < inf");
    if (!range_ok(g->T_lo, g->T_hi))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--tokens-range: expected 0 < lo <= hi < inf");
    /* one point on an axis is allowed: it pins that variable (Figure 1's fixed-b
     * and fixed-eta curves) */
    if (g->n_eta < 1 || g->n_eta > 100000 || g->n_alpha < 1 || g->n_alpha > 100000 ||
        g->n_b < 1 || g->n_b > 100000 || g->n_T < 1 || g->n_T > 100000)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--points: expected an integer in [1,100000]");
    if (g->profile && g->kind != OPTSCHED_SCALING_GRID_JOINT)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--method profile: only with --theorem 3");
    if (g->kind == OPTSCHED_SCALING_GRID_FIXED_MOMENTUM && !(g->alpha_fixed > 0 && g->alpha_fixed <= 1))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--alpha: expected a number in (0,1]");
    if (g->kind == OPTSCHED_SCALING_GRID_FIXED_BATCH && !(g->b_fixed > 0 && isfinite(g->b_fixed)))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--batch: expected a number in (0,inf)");
    const optsched_scaling_coeffs *c = &g->coeffs;
    if (!(c->c1 > 0 && c->c2 > 0 && c->c4 >= 0 && c->c5 > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--c1/--c2/--c3: expected numbers in (0,inf)");
    return OPTSCHED_OK;
}

void optsched_scaling_grid_free(optsched_scaling_grid_result *r)
{
    if (!r) return;
    free(r->T), free(r->eta), free(r->alpha), free(r->batch), free(r->value), free(r->edge);
    r->T = r->eta = r->alpha = r->batch = r->value = NULL;
    r->edge = NULL;
    r->n = 0;
}

int optsched_scaling_grid_run(const optsched_scaling_grid_spec *g,
                              optsched_scaling_grid_result *out, optsched_error *err)
{
    int st = optsched_scaling_grid_check(g, err);
    if (st) return st;
    const optsched_scaling_coeffs c = g->coeffs;
    int ne = g->n_eta;
    int na = g->kind == OPTSCHED_SCALING_GRID_FIXED_MOMENTUM ? 1 : g->n_alpha;
    int nb = g->kind == OPTSCHED_SCALING_GRID_FIXED_BATCH ? 1 : g->n_b;
    int nT = g->n_T;
    double *eta = malloc(sizeof(double) * (size_t)ne), *ieta = malloc(sizeof(double) * (size_t)ne);
    double *al = malloc(sizeof(double) * (size_t)na), *bs = malloc(sizeof(double) * (size_t)nb);
    out->n = nT;
    out->T = malloc(sizeof(double) * (size_t)nT);
    out->eta = malloc(sizeof(double) * (size_t)nT);
    out->alpha = malloc(sizeof(double) * (size_t)nT);
    out->batch = malloc(sizeof(double) * (size_t)nT);
    out->value = malloc(sizeof(double) * (size_t)nT);
    out->edge = malloc(sizeof(int) * (size_t)nT);
    if (!eta || !ieta || !al || !bs || !out->T || !out->eta || !out->alpha || !out->batch ||
        !out->value || !out->edge) {
        free(eta), free(ieta), free(al), free(bs);
        optsched_scaling_grid_free(out);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "grid: out of memory");
    }
    for (int i = 0; i < ne; i++) {
        eta[i] = optsched_scaling_logspace(g->eta_lo, g->eta_hi, i, ne);
        ieta[i] = 1.0 / eta[i];
    }
    for (int j = 0; j < na; j++)
        al[j] = na == 1 ? g->alpha_fixed : optsched_scaling_logspace(g->alpha_lo, g->alpha_hi, j, na);
    for (int k = 0; k < nb; k++)
        bs[k] = nb == 1 ? g->b_fixed : optsched_scaling_logspace(g->b_lo, g->b_hi, k, nb);
    for (int t = 0; t < nT; t++) out->T[t] = optsched_scaling_logspace(g->T_lo, g->T_hi, t, nT);

    if (g->profile) {
        int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
        for (int t = 0; t < nT; t++) {
            optsched_scaling_search s = optsched_scaling_search_default();
            s.free_batch = 0;
            s.eta_lo = g->eta_lo, s.eta_hi = g->eta_hi;
            s.alpha_lo = g->alpha_lo, s.alpha_hi = g->alpha_hi;
            s.scan = 48, s.tol = 1e-9;
            double best = INFINITY;
            optsched_scaling_point bp = {0};
            int bk = 0;
            for (int k = 0; k < nb; k++) {
                optsched_scaling_point q = {.batch = bs[k], .tokens = out->T[t]};
                optsched_error e2;
                bad |= optsched_scaling_minimize_T(&c, &s, &q, &e2) != OPTSCHED_OK;
                if (q.value < best) best = q.value, bp = q, bk = k;
            }
            out->eta[t] = bp.eta, out->alpha[t] = bp.alpha, out->batch[t] = bp.batch;
            out->value[t] = best;
            /* an inner variable at its range end counts as an edge too */
            out->edge[t] = bk == 0 || bk == nb - 1 || bp.eta <= g->eta_lo * (1 + 1e-6) ||
                           bp.eta >= g->eta_hi * (1 - 1e-6) || bp.alpha <= g->alpha_lo * (1 + 1e-6) ||
                           bp.alpha >= g->alpha_hi * (1 - 1e-6);
        }
        free(eta), free(ieta), free(al), free(bs);
        if (bad) {
            optsched_scaling_grid_free(out);
            return optsched_error_set(err, OPTSCHED_EFAIL, "grid: profile search failed");
        }
        return OPTSCHED_OK;
    }

#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < nT; t++) {
        double T = out->T[t], best = INFINITY;
        int bi = 0, bj = 0, bk = 0;
        double *ce = malloc(sizeof(double) * (size_t)ne);
        if (!ce) { /* reported after the loop */
            out->value[t] = NAN;
            continue;
        }
        for (int j = 0; j < na; j++) {
            double a = al[j], sa = sqrt(a), ceta = c.c4 + c.c5 / a;
            for (int i = 0; i < ne; i++) ce[i] = ceta * eta[i];
            /* Eq. 4 at (eta, a, b): c1 b/(eta T) + c2 sqrt(b)/(a T) + c2 sqrt(a/b)
             * + (c4 + c5/a) eta. The eta-free part is hoisted out of the scan and
             * four batch values share each pass over eta (four independent
             * minimum chains keep the pipeline busy). */
            for (int k0 = 0; k0 < nb; k0 += 4) {
                int nk = nb - k0 < 4 ? nb - k0 : 4;
                double A[4], rest[4], m[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
                for (int q = 0; q < 4; q++) {
                    double b = bs[k0 + (q < nk ? q : 0)], sb = sqrt(b);
                    A[q] = c.c1 * b / T;
                    rest[q] = (c.burn ? c.c2 * sb / (a * T) : 0.0) + c.c2 * sa / sb;
                }
                double m0 = INFINITY, m1 = INFINITY, m2 = INFINITY, m3 = INFINITY;
                for (int i = 0; i < ne; i++) {
                    double x = ieta[i], y = ce[i];
                    double v0 = A[0] * x + y, v1 = A[1] * x + y, v2 = A[2] * x + y, v3 = A[3] * x + y;
                    m0 = v0 < m0 ? v0 : m0;
                    m1 = v1 < m1 ? v1 : m1;
                    m2 = v2 < m2 ? v2 : m2;
                    m3 = v3 < m3 ? v3 : m3;
                }
                m[0] = m0, m[1] = m1, m[2] = m2, m[3] = m3;
                for (int q = 0; q < nk; q++) {
                    if (!(m[q] + rest[q] < best)) continue;
                    /* rare: locate the first eta index attaining the minimum */
                    int mi = 0;
                    double mv = INFINITY;
                    for (int i = 0; i < ne; i++) {
                        double v = A[q] * ieta[i] + ce[i];
                        if (v < mv) mv = v, mi = i;
                    }
                    best = mv + rest[q], bi = mi, bj = j, bk = k0 + q;
                }
            }
        }
        free(ce);
        out->eta[t] = eta[bi];
        out->alpha[t] = al[bj];
        out->batch[t] = bs[bk];
        out->value[t] = best;
        out->edge[t] = (ne > 1 && (bi == 0 || bi == ne - 1)) || (na > 1 && (bj == 0 || bj == na - 1)) ||
                       (nb > 1 && (bk == 0 || bk == nb - 1));
    }
    free(eta), free(ieta), free(al), free(bs);
    for (int t = 0; t < nT; t++)
        if (isnan(out->value[t])) {
            optsched_scaling_grid_free(out);
            return optsched_error_set(err, OPTSCHED_ENOMEM, "grid: out of memory");
        }
    return OPTSCHED_OK;
}
