/* Exact propagation of the second-moment ODE over a piece of constant controls,
 * through the eigen-decomposition of the symmetric matrix M (see exact.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/exact.h"

/* LAPACK (bundled with OpenBLAS): symmetric eigen-decomposition. */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                   double *w, double *work, const int *lwork, int *info);

struct optsched_prop {
    int K;
    int lwork;
    double *vecs; /* [K*K] vecs[j*K + i] = component i of eigenvector j */
    double *mu;   /* [K] ascending */
    double *qc;   /* [K] Qᵀc */
    double *y;    /* [K] scratch */
    double *work; /* [lwork] */
};

optsched_prop *optsched_prop_alloc(int K)
{
    optsched_prop *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->K = K;
    p->lwork = 3 * K + 64 * K;
    p->vecs = malloc((size_t)K * K * sizeof(double));
    p->mu = malloc((size_t)K * sizeof(double));
    p->qc = malloc((size_t)K * sizeof(double));
    p->y = malloc((size_t)K * sizeof(double));
    p->work = malloc((size_t)p->lwork * sizeof(double));
    if (!p->vecs || !p->mu || !p->qc || !p->y || !p->work) {
        optsched_prop_free(p);
        return NULL;
    }
    return p;
}

void optsched_prop_free(optsched_prop *p)
{
    if (!p) return;
    free(p->vecs);
    free(p->mu);
    free(p->qc);
    free(p->y);
    free(p->work);
    free(p);
}

int optsched_prop_set(optsched_prop *p, const optsched_model *m, double eta, double B)
{
    const int K = p->K;
    const double rho = eta * eta / B;
    const double *lam = m->lambda;
    for (int i = 0; i < K; i++) {
        for (int j = 0; j < K; j++) p->vecs[i * K + j] = rho * lam[i] * lam[j];
        p->vecs[i * K + i] -= 2.0 * eta * m->P * lam[i];
    }
    int info = 0;
    dsyev_("V", "U", &K, p->vecs, &K, p->mu, p->work, &p->lwork, &info);
    if (info != 0) return OPTSCHED_EFAIL;
    /* Qᵀc with c = ρσ²λ */
    for (int j = 0; j < K; j++) {
        const double *q = p->vecs + (size_t)j * K;
        double s = 0;
        for (int i = 0; i < K; i++) s += q[i] * lam[i];
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
