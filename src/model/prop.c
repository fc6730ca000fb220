/* Exact propagation of the second-moment ODE over a piece of constant controls,
 * through the eigen-decomposition of the symmetric matrix M (see exact.h).
 *
 * M = diag(d) + ρ z zᵀ with d_k = −2ηPλ_k (strictly increasing in k) and
 * z = λ, ρ = η²/B > 0: a diagonal-plus-rank-one matrix. Its eigenvalues solve
 * the secular equation 1 + ρ Σ z_k²/(d_k − μ) = 0 (LAPACK dlaed4, which also
 * returns d_k − μ accurately), and its eigenvectors follow from the Gu–Eisenstat
 * construction of LAPACK's dlaed3, which keeps them orthogonal: O(K²) work per
 * piece instead of the O(K³) of a dense solver. Components with negligible
 * ρ z_k² deflate to (d_k, e_k). When two poles d_k are too close to separate in
 * floating point (α near 0), the dense solver dsyev is used instead.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/exact.h"

/* LAPACK (bundled with OpenBLAS) */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                   double *w, double *work, const int *lwork, int *info);
extern void dlaed4_(const int *n, const int *i, const double *d, const double *z, double *delta,
                    const double *rho, double *dlam, int *info);

struct optsched_prop {
    int K;
    int lwork;
    double *vecs;  /* [K*K] vecs[j*K + i] = component i of eigenvector j */
    double *mu;    /* [K] */
    double *qc;    /* [K] Qᵀc */
    double *y;     /* [K] scratch */
    double *work;  /* [lwork] dense fallback */
    double *delta; /* [K*K] secular solver: delta[j*K + i] = d_i − μ_j */
    double *dsub, *zsub, *w; /* [K] each */
    int *keep;     /* [K] indices of the non-deflated components */
};

optsched_prop *optsched_prop_alloc(int K)
{
    optsched_prop *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->K = K;
    p->lwork = 66 * K;
    size_t kk = (size_t)K * K;
    p->vecs = malloc(kk * sizeof(double));
    p->delta = malloc(kk * sizeof(double));
    p->mu = malloc((size_t)K * sizeof(double));
    p->qc = malloc((size_t)K * sizeof(double));
    p->y = malloc((size_t)K * sizeof(double));
    p->dsub = malloc((size_t)K * sizeof(double));
    p->zsub = malloc((size_t)K * sizeof(double));
    p->w = malloc((size_t)K * sizeof(double));
    p->keep = malloc((size_t)K * sizeof(int));
    p->work = malloc((size_t)p->lwork * sizeof(double));
    if (!p->vecs || !p->delta || !p->mu || !p->qc || !p->y || !p->dsub || !p->zsub || !p->w ||
        !p->keep || !p->work) {
        optsched_prop_free(p);
        return NULL;
    }
    return p;
}

void optsched_prop_free(optsched_prop *p)
{
    if (!p) return;
    free(p->vecs);
    free(p->delta);
    free(p->mu);
    free(p->qc);
    free(p->y);
    free(p->dsub);
    free(p->zsub);
    free(p->w);
    free(p->keep);
    free(p->work);
    free(p);
}

static int dense(optsched_prop *p, const optsched_model *m, double eta, double rho)
{
    const int K = p->K;
    const double *lam = m->lambda;
    for (int i = 0; i < K; i++) {
        for (int j = 0; j < K; j++) p->vecs[i * K + j] = rho * lam[i] * lam[j];
        p->vecs[i * K + i] -= 2.0 * eta * m->P * lam[i];
    }
    int info = 0;
    dsyev_("V", "U", &K, p->vecs, &K, p->mu, p->work, &p->lwork, &info);
    return info == 0 ? OPTSCHED_OK : OPTSCHED_EFAIL;
}

/* Returns OPTSCHED_OK, or OPTSCHED_EFAIL if the dense solver must take over. */
static int secular(optsched_prop *p, const optsched_model *m, double eta, double rho)
{
    const int K = p->K;
    const double *lam = m->lambda;
    double znorm2 = 0, dmax = 0;
    for (int k = 0; k < K; k++) {
        znorm2 += lam[k] * lam[k];
        dmax = fmax(dmax, 2.0 * eta * m->P * lam[k]);
    }
    const double znorm = sqrt(znorm2), rho_n = rho * znorm2; /* M = D + rho_n ẑẑᵀ, |ẑ| = 1 */
    const double tol = 8.0 * DBL_EPSILON * fmax(dmax, rho_n);
    /* d_k = −2ηPλ_k already increases with k, as the solver requires */
    int n = 0;
    memset(p->vecs, 0, (size_t)K * K * sizeof *p->vecs);
    for (int k = 0; k < K; k++) {
        double d = -2.0 * eta * m->P * lam[k], zh = lam[k] / znorm;
        if (rho_n * fabs(zh) <= tol) { /* deflated: (d_k, e_k) is an eigenpair */
            p->mu[k] = d;
            p->vecs[(size_t)k * K + k] = 1.0;
            continue;
        }
        p->keep[n] = k;
        p->dsub[n] = d;
        p->zsub[n] = zh;
        n++;
    }
    if (n == 0) return OPTSCHED_OK;
    /* the kept d must be strictly increasing with gaps the solver can resolve */
    for (int i = 1; i < n; i++)
        if (!(p->dsub[i] - p->dsub[i - 1] > 1e3 * tol)) return OPTSCHED_EFAIL;
    double zs2 = 0;
    for (int i = 0; i < n; i++) zs2 += p->zsub[i] * p->zsub[i];
    const double zs = sqrt(zs2), rho_s = rho_n * zs2;
    for (int i = 0; i < n; i++) p->zsub[i] /= zs;
    for (int j = 0; j < n; j++) {
        int idx = j + 1, info = 0;
        double dlam;
        dlaed4_(&n, &idx, p->dsub, p->zsub, p->delta + (size_t)j * n, &rho_s, &dlam, &info);
        if (info != 0) return OPTSCHED_EFAIL;
        p->mu[p->keep[j]] = dlam; /* root j lies in (d_j, d_{j+1}): one per kept index */
    }
    if (n == 1) {
        p->vecs[(size_t)p->keep[0] * K + p->keep[0]] = 1.0;
        return OPTSCHED_OK;
    }
    if (n == 2) {
        /* for N = 2 dlaed4 hands over to dlaed5, whose DELTA is the eigenvector
         * itself rather than d − μ (as LAPACK's dlaed3 also assumes) */
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < 2; i++)
                p->vecs[(size_t)p->keep[j] * K + p->keep[i]] = p->delta[(size_t)j * 2 + i];
        return OPTSCHED_OK;
    }
    /* Gu–Eisenstat: ẑ_i² = −Π_j (d_i − μ_j) / Π_{j≠i} (d_i − d_j), with the
     * products ordered as in dlaed3 to avoid overflow */
    double *D = p->delta; /* D[j*n + i] = d_i − μ_j */
    for (int i = 0; i < n; i++) p->w[i] = D[(size_t)i * n + i];
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            if (i != j) p->w[i] *= D[(size_t)j * n + i] / (p->dsub[i] - p->dsub[j]);
    for (int i = 0; i < n; i++) p->w[i] = copysign(sqrt(fmax(0.0, -p->w[i])), p->zsub[i]);
    for (int j = 0; j < n; j++) {
        double *v = p->vecs + (size_t)p->keep[j] * K, s2 = 0;
        for (int i = 0; i < n; i++) {
            double c = p->w[i] / D[(size_t)j * n + i];
            v[p->keep[i]] = c;
            s2 += c * c;
        }
        double inv = 1.0 / sqrt(s2);
        for (int i = 0; i < n; i++) v[p->keep[i]] *= inv;
    }
    return OPTSCHED_OK;
}

int optsched_prop_set(optsched_prop *p, const optsched_model *m, double eta, double B)
{
    const int K = p->K;
    const double rho = eta * eta / B;
    int st = secular(p, m, eta, rho);
    if (st != OPTSCHED_OK) st = dense(p, m, eta, rho);
    if (st != OPTSCHED_OK) return st;
    /* Qᵀc with c = ρσ²λ */
    for (int j = 0; j < K; j++) {
        const double *q = p->vecs + (size_t)j * K;
        double s = 0;
        for (int i = 0; i < K; i++) s += q[i] * m->lambda[i];
        p->qc[j] = rho * m->sigma2 * s;
    }
    return OPTSCHED_OK;
}

void optsched_prop_apply(optsched_prop *p, double dt, double *mom)
{
    const int K = p->K;
    for (int j = 0; j < K; j++) {
        const double *q = p->vecs + (size_t)j * K;
        double s = 0;
        for (int i = 0; i < K; i++) s += q[i] * mom[i];
        double x = p->mu[j] * dt;
        /* φ(μ, dt) = expm1(μ dt)/μ, → dt as μ → 0 */
        double phi = fabs(x) < 1e-300 ? dt : expm1(x) / p->mu[j];
        p->y[j] = exp(x) * s + phi * p->qc[j];
    }
    memset(mom, 0, (size_t)K * sizeof *mom);
    for (int j = 0; j < K; j++) {
        const double *q = p->vecs + (size_t)j * K;
        const double yj = p->y[j];
        for (int i = 0; i < K; i++) mom[i] += q[i] * yj;
    }
}

const double *optsched_prop_eigenvalues(const optsched_prop *p) { return p->mu; }
const double *optsched_prop_eigenvectors(const optsched_prop *p) { return p->vecs; }
