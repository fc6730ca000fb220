/* The semi-Lagrangian scheme of the grid HJB solver (hjb_grid.h); the
 * derivation, with the reasons for each choice, is in docs/HJB_GRID.md.
 *
 * Levels r_j = j h (h = C_max / n_r) of remaining compute; level 0 and the time
 * node t = T hold the terminal loss ℓ(a) + L_tail. From node (a, r_j, t_i) a
 * control c = (η, B), u = η/B, spends the compute h in the time h/B:
 *   - on the compute clock the a-dynamics are linear in a with a noise that
 *     depends on ℓ(a); over the step, the mean of a_k is a_k e^{−uλ_k P h} and
 *     its second moment m_k(h) = (Φ a² + ψ)_k follows exactly from the moment
 *     ODE (optsched_prop); a Gauss–Hermite rule per mode with that mean and
 *     variance takes the expectation;
 *   - V_{j−1} is read by multilinear interpolation in |a| (V is even in every
 *     a_k) and linear interpolation in t at t_i + h/B;
 *   - a step that would pass T ends at T after the compute B (T − t_i): its value
 *     is the exact expected terminal loss E ℓ(a(T)) + L_tail;
 *   - V_j = min over the candidates.
 * What is interpolated in a is W = V − q_{j,i} with q_{j,i}(a) = Σ_k γ_k a_k²
 * the quadratic part of the exact loss of the best constant control from a(0)
 * over the (r_j, T − t_i) left; E q(a') is added back exactly from the moments.
 * The update stays a convex combination of V_{j−1} plus terms known before the
 * step (monotone), and interpolation no longer adds an O(Δa²) error per step on
 * the quadratic bulk of V. Beyond the box, W is continued as a constant.
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "hjbgrid/internal.h"
#include "optsched/exact.h"

/* Gauss–Hermite rules for the standard normal (probabilists'), weights sum to 1. */
static void gh_rule(int n, double *x, double *w)
{
    if (n == 3) {
        x[0] = -sqrt(3.0), x[1] = 0, x[2] = sqrt(3.0);
        w[0] = w[2] = 1.0 / 6, w[1] = 2.0 / 3;
    } else if (n == 4) {
        double i = sqrt(3 - sqrt(6.0)), o = sqrt(3 + sqrt(6.0));
        x[0] = -o, x[1] = -i, x[2] = i, x[3] = o;
        w[1] = w[2] = (3 + sqrt(6.0)) / 12, w[0] = w[3] = (3 - sqrt(6.0)) / 12;
    } else {
        double i = sqrt(5 - sqrt(10.0)), o = sqrt(5 + sqrt(10.0));
        x[0] = -o, x[1] = -i, x[2] = 0, x[3] = i, x[4] = o;
        w[2] = 8.0 / 15, w[1] = w[3] = (7 + 2 * sqrt(10.0)) / 60,
        w[0] = w[4] = (7 - 2 * sqrt(10.0)) / 60;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* n points log-spaced over [lo, hi] (endpoints exact), plus extra (if inside), sorted and
 * without near-duplicates; returns the count. out has room for n + 1. */
static int log_axis(double lo, double hi, int n, double extra, double *out)
{
    int k = 0;
    if (hi <= lo * (1 + 1e-12)) {
        out[0] = lo;
        return 1;
    }
    for (int i = 0; i < n; i++)
        out[k++] = i == 0 ? lo : i == n - 1 ? hi : lo * pow(hi / lo, (double)i / (n - 1));
    if (extra > lo && extra < hi) out[k++] = extra;
    qsort(out, (size_t)k, sizeof *out, cmp_double);
    int w = 1;
    for (int i = 1; i < k; i++)
        if (out[i] > out[w - 1] * (1 + 1e-12)) out[w++] = out[i];
    return w;
}

int hg_controls(optsched_hjb_grid *g, optsched_error *err)
{
    const optsched_model *m = g->m;
    free(g->ceta);
    g->ceta = g->cB = g->clogeta = g->clogB = NULL;
    int cap = g->box ? g->n_eta * g->n_B + 4 : g->n_u + 2;
    g->ceta = malloc(4 * (size_t)cap * sizeof *g->ceta);
    double *ax = malloc(2 * (size_t)(cap + 2) * sizeof *ax);
    if (!g->ceta || !ax) {
        free(ax);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "hjb-grid: out of memory (controls)");
    }
    g->cB = g->ceta + cap;
    g->clogeta = g->cB + cap;
    g->clogB = g->clogeta + cap;
    int nc = 0;
    if (!g->box) {
        /* u = η/B on a log grid; each u with its largest batch (the least time),
         * which puts η at η_max above u = η_max/B_max (kept as a candidate) */
        const double umin = m->eta_min / m->B_max, umax = m->eta_max / m->B_min;
        int n = log_axis(umin, umax, g->n_u, m->eta_max / m->B_max, ax);
        for (int i = 0; i < n; i++) {
            double B = fmin(m->B_max, m->eta_max / ax[i]);
            B = fmax(m->B_min, B);
            g->cB[nc] = B;
            g->ceta[nc] = fmin(m->eta_max, fmax(m->eta_min, ax[i] * B));
            nc++;
        }
    } else {
        double *ae = ax, *ab = ax + cap + 2;
        int ne = log_axis(m->eta_min, m->eta_max, g->n_eta, 0, ae);
        int nb = log_axis(m->B_min, m->B_max, g->n_B, 0, ab);
        for (int i = 0; i < ne; i++)
            for (int k = 0; k < nb; k++) {
                g->ceta[nc] = ae[i];
                g->cB[nc] = ab[k];
                nc++;
            }
    }
    free(ax);
    if (nc > 65535)
        return optsched_error_set(err, OPTSCHED_EINVAL, "hjb-grid: %d controls, at most 65535", nc);
    for (int c = 0; c < nc; c++) {
        g->clogeta[c] = log(g->ceta[c]);
        g->clogB[c] = log(g->cB[c]);
    }
    g->nc = nc;
    return OPTSCHED_OK;
}

void hg_clear(optsched_hjb_grid *g)
{
    free(g->xs);
    free(g->loc);
    g->xs = NULL;
    g->loc = NULL;
    free(g->V);
    free(g->Vtop);
    free(g->arg);
    free(g->gamma);
    g->V = NULL;
    g->Vtop = NULL;
    g->arg = NULL;
    g->gamma = NULL;
    g->solved = 0;
}

/* m(comp) = Φ m(0) + ψ under the control last set in p, for compute comp at batch B:
 * Phi[k*K + l], psi[k]. The propagator is affine, so its columns give Φ and ψ. */
static void moment_map(optsched_prop *p, int K, double B, double comp, double *Phi, double *psi)
{
    double v[OPTSCHED_HJB_GRID_MAX_MODES];
    const double dt = comp / B;
    memset(v, 0, sizeof v);
    optsched_prop_apply(p, dt, v);
    for (int k = 0; k < K; k++) psi[k] = v[k];
    for (int l = 0; l < K; l++) {
        memset(v, 0, sizeof v);
        v[l] = 1.0;
        optsched_prop_apply(p, dt, v);
        for (int k = 0; k < K; k++) Phi[k * K + l] = v[k] - psi[k];
    }
}

/* A 1-D interpolation stencil: the Gauss–Hermite points of one mode, reflected
 * into [0, A] (V is even), spread on their two neighbouring nodes; points beyond
 * the box sit on the last node (W continued as a constant). i2 = Σ w x_node². */
typedef struct {
    int n;
    int idx[2 * HG_MAX_GH];
    double w[2 * HG_MAX_GH];
    double i2;
} stencil1;

static inline void st_add(stencil1 *s, int idx, double w)
{
    for (int e = 0; e < s->n; e++)
        if (s->idx[e] == idx) {
            s->w[e] += w;
            return;
        }
    s->idx[s->n] = idx;
    s->w[s->n] = w;
    s->n++;
}

static void build1(stencil1 *s, const optsched_hjb_grid *g, double mean, double sd,
                   const double *x, const double *w)
{
    s->n = 0;
    for (int q = 0; q < g->gh; q++) {
        int i0;
        double f;
        hg_locate(g, mean + sd * x[q], &i0, &f);
        if (f < 1) st_add(s, i0, w[q] * (1 - f));
        if (f > 0) st_add(s, i0 + 1, w[q] * f);
    }
    s->i2 = 0;
    for (int e = 0; e < s->n; e++) {
        double xn = g->xs[s->idx[e]];
        s->i2 += s->w[e] * xn * xn;
    }
}

/* Per-control data of the scheme. */
typedef struct {
    double u, B;
    double e[OPTSCHED_HJB_GRID_MAX_MODES];     /* e^{−uλ_k P h} */
    double Phi[OPTSCHED_HJB_GRID_MAX_MODES * OPTSCHED_HJB_GRID_MAX_MODES], psi[OPTSCHED_HJB_GRID_MAX_MODES];
    double s;   /* (h/B)/Δt: the step's length in time cells */
    int mshift; /* floor(s) */
    double wt;  /* s − floor(s) */
    double *tmap; /* [nt][K+1]: E ℓ at T = Σ_k tmap[k] a_k² + tmap[K], for cut nodes */
} ctrl_data;

/* Does the step from time node i pass T? (then it ends at T) */
static inline int cut(int i, double s, int nt) { return (double)i + s >= (double)(nt - 1) - 1e-9; }


int hg_solve(optsched_hjb_grid *g, optsched_error *err)
{
    const optsched_model *m = g->m;
    const int K = g->K, n_a = g->n_a, n_r = g->n_r, nc = g->nc;
    const int nt = isfinite(m->T) ? g->n_t : 1;
    const int nth = g->threads > 0 ? g->threads : omp_get_max_threads();
    const double t0 = omp_get_wtime();
    double amax0 = 0;
    for (int k = 0; k < K; k++) amax0 = fmax(amax0, fabs(m->a0[k]));
    if (amax0 == 0) amax0 = 1;
    const double A = g->a_max * amax0, h = m->C / n_r;
    const double dtt = nt > 1 ? m->T / (nt - 1) : 0;
    const long long na_tot = K == 1 ? n_a : (long long)n_a * n_a;
    const long long level = na_tot * nt;
    const int nt_act = nt > 1 ? nt - 1 : 1; /* time nodes with a decision */

    hg_clear(g);
    g->nt = nt;
    g->A = A;
    g->h = h;
    g->dtt = dtt;
    g->na_tot = na_tot;
    g->level = level;

    const double bytes = (double)(n_r + 1) * level * (sizeof(float) + sizeof(uint16_t)) +
                         3.0 * level * sizeof(double);
    if (bytes > 16e9)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "hjb-grid: the grid needs %.0f MB (n_a^K (n_r+1) n_t nodes); "
                                  "reduce n_a, n_r or n_t", bytes / 1e6);
    g->n_loc = 8 * (n_a - 1);
    g->xs = malloc((size_t)n_a * sizeof *g->xs);
    g->loc = malloc(((size_t)g->n_loc + 1) * sizeof *g->loc);
    g->V = malloc((size_t)(n_r + 1) * level * sizeof *g->V);
    g->arg = malloc((size_t)(n_r + 1) * level * sizeof *g->arg);
    g->Vtop = malloc((size_t)level * sizeof *g->Vtop);
    g->gamma = malloc((size_t)(n_r + 1) * nt * K * sizeof *g->gamma);
    double *Vprev = malloc((size_t)level * sizeof *Vprev);
    double *Vcur = malloc((size_t)level * sizeof *Vcur);
    ctrl_data *cd = calloc((size_t)nc, sizeof *cd);
    double *tmaps = malloc((size_t)nc * nt * (K + 1) * sizeof *tmaps);
    optsched_prop **props = calloc((size_t)nth, sizeof *props);
    int st = OPTSCHED_OK;
    if (!g->xs || !g->loc || !g->V || !g->arg || !g->Vtop || !g->gamma || !Vprev || !Vcur || !cd || !tmaps || !props) {
        st = optsched_error_set(err, OPTSCHED_ENOMEM, "hjb-grid: out of memory (%.0f MB)",
                                bytes / 1e6);
        goto out;
    }
    /* a-nodes, stretched towards 0 where the value is small and has its kink */
    {
        const double beta = g->stretch, sb = sinh(beta);
        for (int i = 0; i < n_a; i++) {
            double xi = (double)i / (n_a - 1);
            g->xs[i] = beta > 0 ? A * sinh(beta * xi) / sb : A * xi;
        }
        g->xs[0] = 0;
        g->xs[n_a - 1] = A;
        int cell = 0;
        for (int q = 0; q <= g->n_loc; q++) {
            double y = A * q / g->n_loc;
            while (cell < n_a - 2 && g->xs[cell + 1] <= y) cell++;
            g->loc[q] = cell;
        }
    }
    for (int q = 0; q < nth; q++)
        if (!(props[q] = optsched_prop_alloc(K))) {
            st = optsched_error_set(err, OPTSCHED_ENOMEM, "hjb-grid: out of memory");
            goto out;
        }

    /* per-control data: one-step moment map, time shift, horizon maps */
    for (int c = 0; c < nc; c++) {
        ctrl_data *d = &cd[c];
        d->B = g->cB[c];
        d->u = g->ceta[c] / g->cB[c];
        d->tmap = tmaps + (size_t)c * nt * (K + 1);
        if (optsched_prop_set(props[0], m, g->ceta[c], d->B)) {
            st = optsched_error_set(err, OPTSCHED_EFAIL,
                                    "hjb-grid: moment propagator failed (eta %g, B %g)",
                                    g->ceta[c], d->B);
            goto out;
        }
        for (int k = 0; k < K; k++) d->e[k] = exp(-d->u * m->lambda[k] * m->P * h);
        moment_map(props[0], K, d->B, h, d->Phi, d->psi);
        if (nt > 1) {
            d->s = fmin(h / d->B / dtt, 1e9);
            d->mshift = (int)floor(d->s);
            d->wt = d->s - d->mshift;
            for (int i = 0; i < nt - 1; i++) {
                if (!cut(i, d->s, nt)) continue;
                double Phi[4], psi[2], *tm = d->tmap + (size_t)i * (K + 1);
                moment_map(props[0], K, d->B, d->B * (m->T - i * dtt), Phi, psi);
                tm[K] = m->tail;
                for (int l = 0; l < K; l++) {
                    tm[l] = 0;
                    for (int k = 0; k < K; k++) tm[l] += m->lambda[k] * Phi[k * K + l];
                }
                for (int k = 0; k < K; k++) tm[K] += m->lambda[k] * psi[k];
            }
        }
    }

    /* gamma: the quadratic part of the best constant control's exact loss from a(0) */
    {
        int fail = 0;
#pragma omp parallel num_threads(nth) reduction(| : fail)
        {
            optsched_prop *pp = props[omp_get_thread_num()];
            double *bl = malloc((size_t)nt * sizeof *bl);
            if (!bl) fail = 1;
#pragma omp for schedule(static)
            for (int j = 0; j <= n_r; j++) {
                double *gj = g->gamma + (size_t)j * nt * K;
                for (int i = 0; i < nt; i++)
                    for (int k = 0; k < K; k++) gj[i * K + k] = m->lambda[k];
                if (j == 0 || !bl) continue;
                for (int i = 0; i < nt; i++) bl[i] = INFINITY;
                for (int c = 0; c < nc; c++) {
                    if (optsched_prop_set(pp, m, g->ceta[c], g->cB[c])) {
                        fail = 1;
                        continue;
                    }
                    for (int i = 0; i < nt_act; i++) {
                        double comp = j * h;
                        if (nt > 1) comp = fmin(comp, g->cB[c] * (m->T - i * dtt));
                        double Phi[4], psi[2], loss = 0, gam[2];
                        moment_map(pp, K, g->cB[c], comp, Phi, psi);
                        for (int l = 0; l < K; l++) {
                            gam[l] = 0;
                            for (int k = 0; k < K; k++) gam[l] += m->lambda[k] * Phi[k * K + l];
                            loss += gam[l] * m->a0[l] * m->a0[l];
                        }
                        for (int k = 0; k < K; k++) loss += m->lambda[k] * psi[k];
                        if (loss < bl[i]) {
                            bl[i] = loss;
                            for (int l = 0; l < K; l++) gj[i * K + l] = gam[l];
                        }
                    }
                }
            }
            free(bl);
        }
        if (fail) {
            st = optsched_error_set(err, OPTSCHED_EFAIL, "hjb-grid: moment propagator failed");
            goto out;
        }
    }

    /* level 0: the budget is spent */
    for (long long p = 0; p < na_tot; p++) {
        double a1 = g->xs[K == 1 ? p : p / n_a], a2 = K == 2 ? g->xs[p % n_a] : 0;
        double ell = m->lambda[0] * a1 * a1 + (K == 2 ? m->lambda[1] * a2 * a2 : 0) + m->tail;
        for (int i = 0; i < nt; i++) {
            Vprev[p * nt + i] = ell;
            g->V[p * nt + i] = (float)ell;
        }
    }

    double gx[HG_MAX_GH], gw[HG_MAX_GH];
    gh_rule(g->gh, gx, gw);
    long long n_conv = 0, n_mr = 0, n_mt = 0, tot_conv = 0, tot_mr = 0, tot_mt = 0;
    int nomem = 0;
    for (int j = 1; j <= n_r; j++) {
        const double *gprev = g->gamma + (size_t)(j - 1) * nt * K;
        uint16_t *argj = g->arg + (size_t)j * level;
        /* tiny levels run on one thread: a parallel region costs more than they do */
        const int par = (double)na_tot * nt * nc > 2e4;
#pragma omp parallel num_threads(nth) if (par) reduction(| : nomem)
        {
            double *Q = malloc(2 * (size_t)nt * sizeof *Q);
            int *barg = malloc((size_t)nt * sizeof *barg);
            if (!Q || !barg) nomem = 1;
            double *best = Q ? Q + nt : NULL;
            /* stencils are wider near the centre: dynamic chunks balance the threads;
             * every node is computed alone, so the result does not depend on them */
#pragma omp for schedule(dynamic, 8)
            for (long long p = 0; p < na_tot; p++) {
                if (!Q || !barg) continue;
                int ia[2] = {K == 1 ? (int)p : (int)(p / n_a), K == 2 ? (int)(p % n_a) : 0};
                double a[2], a2[2], ell = 0;
                for (int k = 0; k < K; k++) {
                    a[k] = g->xs[ia[k]];
                    a2[k] = a[k] * a[k];
                    ell += m->lambda[k] * a2[k];
                }
                for (int i = 0; i < nt_act; i++) best[i] = INFINITY, barg[i] = 0;
                for (int c = 0; c < nc; c++) {
                    const ctrl_data *d = &cd[c];
                    stencil1 S[2];
                    double dM[2];
                    for (int k = 0; k < K; k++) {
                        double mean = a[k] * d->e[k], M2 = d->psi[k];
                        for (int l = 0; l < K; l++) M2 += d->Phi[k * K + l] * a2[l];
                        double sd = sqrt(fmax(0.0, M2 - mean * mean));
                        build1(&S[k], g, mean, sd, gx, gw);
                        dM[k] = M2 - S[k].i2;
                    }
                    /* Q[k] = E V_{j−1}(a', t_k), k ≥ k0: the time nodes the step can land between */
                    const int k0 = nt > 1 ? (d->mshift < nt ? d->mshift : nt) : 0;
                    for (int kk = k0; kk < nt; kk++) {
                        double corr = 0;
                        for (int k = 0; k < K; k++) corr += gprev[kk * K + k] * dM[k];
                        Q[kk] = corr;
                    }
                    if (k0 < nt) {
                        if (K == 1) {
                            for (int e = 0; e < S[0].n; e++) {
                                const double w = S[0].w[e], *row = Vprev + (size_t)S[0].idx[e] * nt;
                                for (int kk = k0; kk < nt; kk++) Q[kk] += w * row[kk];
                            }
                        } else {
                            for (int e1 = 0; e1 < S[0].n; e1++)
                                for (int e2 = 0; e2 < S[1].n; e2++) {
                                    const double w = S[0].w[e1] * S[1].w[e2];
                                    const double *row =
                                        Vprev + ((size_t)S[0].idx[e1] * n_a + S[1].idx[e2]) * nt;
                                    for (int kk = k0; kk < nt; kk++) Q[kk] += w * row[kk];
                                }
                        }
                    }
                    for (int i = 0; i < nt_act; i++) {
                        double cand;
                        if (nt == 1) {
                            cand = Q[0];
                        } else if (cut(i, d->s, nt)) {
                            const double *tm = d->tmap + (size_t)i * (K + 1);
                            cand = tm[K];
                            for (int k = 0; k < K; k++) cand += tm[k] * a2[k];
                        } else {
                            const int lo = i + d->mshift;
                            cand = (1 - d->wt) * Q[lo] + d->wt * Q[lo + 1];
                        }
                        if (cand < best[i]) {
                            best[i] = cand;
                            barg[i] = c;
                        }
                    }
                }
                double *vc = Vcur + p * nt;
                uint16_t *ac = argj + p * nt;
                for (int i = 0; i < nt_act; i++) {
                    vc[i] = best[i];
                    ac[i] = (uint16_t)barg[i];
                }
                if (nt > 1) { /* t = T: the run is over */
                    vc[nt - 1] = ell + m->tail;
                    ac[nt - 1] = (uint16_t)barg[nt - 2];
                }
            }
            free(Q);
            free(barg);
        }
        if (nomem) {
            st = optsched_error_set(err, OPTSCHED_ENOMEM, "hjb-grid: out of memory (scratch)");
            goto out;
        }
        float *Vj = g->V + (size_t)j * level;
        for (long long q = 0; q < level; q++) Vj[q] = (float)Vcur[q];
        double *tmp = Vprev;
        Vprev = Vcur;
        Vcur = tmp;
    }
    memcpy(g->Vtop, Vprev, (size_t)level * sizeof *Vprev);
    /* level 0 has no decision: copy level 1 so that control interpolation needs no case */
    if (n_r >= 1) memcpy(g->arg, g->arg + level, (size_t)level * sizeof *g->arg);

    /* shape diagnostics over every level j ≥ 1 and decision node: convexity in each a_k
     * (divided differences on the non-uniform nodes, V even in a_k), ∂_rV ≤ 0, ∂_tV ≥ 0.
     * Read from the stored levels: the tolerance covers their float rounding. */
#pragma omp parallel for num_threads(nth) schedule(static) collapse(2) \
    reduction(+ : n_conv, n_mr, n_mt, tot_conv, tot_mr, tot_mt)
    for (int j = 1; j <= n_r; j++)
        for (long long p = 0; p < na_tot; p++) {
            const float *Vj = g->V + (size_t)j * level, *Vm = g->V + (size_t)(j - 1) * level;
            const int ia[2] = {K == 1 ? (int)p : (int)(p / n_a), K == 2 ? (int)(p % n_a) : 0};
            const long long stride[2] = {K == 1 ? 1 : n_a, 1};
            for (int i = 0; i < nt_act; i++) {
                const double v = Vj[p * nt + i], tol = 1e-12 + 3e-7 * fabs(v);
                tot_mr++;
                n_mr += v <= Vm[p * nt + i] + tol;
                if (nt > 1) {
                    tot_mt++;
                    n_mt += v <= Vj[p * nt + i + 1] + tol;
                }
                int interior = 1, convex = 1;
                for (int k = 0; k < K; k++) {
                    if (ia[k] == n_a - 1) {
                        interior = 0;
                        break;
                    }
                    const double up = Vj[(p + stride[k]) * nt + i];
                    const double dn = ia[k] == 0 ? up : Vj[(p - stride[k]) * nt + i];
                    const double hu = g->xs[ia[k] + 1] - g->xs[ia[k]];
                    const double hd = ia[k] == 0 ? hu : g->xs[ia[k]] - g->xs[ia[k] - 1];
                    convex &= (up - v) / hu - (v - dn) / hd >= -2 * tol / fmin(hu, hd);
                }
                if (interior) {
                    tot_conv++;
                    n_conv += convex;
                }
            }
        }

    optsched_hjb_grid_stats *s = &g->stats;
    memset(s, 0, sizeof *s);
    s->K = K;
    s->n_a = n_a;
    s->n_r = n_r;
    s->n_t = nt;
    s->n_controls = nc;
    s->gh = g->gh;
    s->a_box = A;
    s->da_min = g->xs[1] - g->xs[0];
    s->da_max = g->xs[n_a - 1] - g->xs[n_a - 2];
    s->stretch = g->stretch;
    s->dr = h;
    s->dt = dtt;
    s->convex_fraction = tot_conv ? (double)n_conv / tot_conv : 1;
    s->monotone_r_fraction = tot_mr ? (double)n_mr / tot_mr : 1;
    s->monotone_t_fraction = tot_mt ? (double)n_mt / tot_mt : 1;
    s->nodes = (long long)(n_r + 1) * level;
    s->memory_mb = bytes / 1e6;
    s->threads = nth;
    s->seconds = omp_get_wtime() - t0;
    g->solved = 1;
out:
    if (props)
        for (int q = 0; q < nth; q++) optsched_prop_free(props[q]);
    free(props);
    free(tmaps);
    free(cd);
    free(Vprev);
    free(Vcur);
    if (st) hg_clear(g);
    return st;
}
