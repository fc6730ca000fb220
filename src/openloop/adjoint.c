/* Exact loss of a piecewise-constant schedule and its gradient by the discrete
 * adjoint of the eigen-decomposition propagator.
 *
 * Interval i maps the moments m_i to m_{i+1} = F m_i + G c with F = e^{M dt},
 * G = φ(M, dt) = ∫_0^dt e^{Ms} ds, M = −2ηPΛ + ρλλᵀ (ρ = η²/B), c = ρσ²λ; the
 * loss is L = λᵀm_n + L_tail. With the costate p_{i+1} = ∂L/∂m_{i+1}
 * (p_n = λ, p_i = Fᵀp_{i+1} = F p_{i+1} since M is symmetric), a parameter θ of
 * interval i contributes p_{i+1}ᵀ(DF[∂M/∂θ] m_i + DG[∂M/∂θ] c + G ∂c/∂θ).
 * In the eigenbasis M = Q diag(μ) Qᵀ the Fréchet derivative of a matrix
 * function f is Daleckii–Krein: Qᵀ Df[E] Q = f^[1](μ_j, μ_k) ∘ (QᵀEQ), so with
 * hats for Qᵀ(·)
 *     p̂ᵀ(Qᵀ DF[E] m) + p̂ᵀ(Qᵀ DG[E] c) = Σ_jk W_jk Ê_jk,
 *     W_jk = p̂_j (dt·e^[1](x_j, x_k) x̂_k + dt²·e^[2](0, x_j, x_k) ĉ_k),  x = μ dt,
 * because the divided difference of φ(·, dt) is dt²·exp[0, x_j, x_k].
 * The two parameter directions are ρ (Ê = ℓ̂ℓ̂ᵀ, ℓ̂ = Qᵀλ, plus ∂c/∂ρ = σ²λ) and
 * the drift coefficient η at fixed ρ, whose ∂M/∂η = −2PΛ = (M − ρλλᵀ)/η gives
 * Ê = (diag μ − ρℓ̂ℓ̂ᵀ)/η: everything is O(K²) per interval, no K³ transform of Λ.
 * The chain rule then gives ∂/∂η and ∂/∂B, and ∂L/∂dt = p_{i+1}ᵀ(M m_{i+1} + c).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "openloop/internal.h"

/* Eigen-decompositions are cached for the backward pass when they take at most
 * this many doubles (32 MiB); otherwise they are recomputed. */
#define CACHE_DOUBLES (1u << 22)

double ol_psi(double x) { return x == 0 ? 1.0 : expm1(x) / x; }

/* I_n(x) = ∫_0^1 s^n e^{sx} ds, accurate to a few ulps for every x:
 *  - |x| large: the recurrence I_k = (e^x − k I_{k−1})/x from I_0 = ψ(x), which
 *    damps errors by k/|x| < 1 per step;
 *  - x ≥ 0 otherwise: Σ_j x^j/(j!(n+j+1)), positive terms;
 *  - x < 0 otherwise: e^x n! Σ_j (−x)^j/(n+j+1)!  (from s → 1 − s), positive terms. */
double ol_In(int n, double x)
{
    if (fabs(x) > 2.0 * n + 4.0) {
        double I = ol_psi(x), ex = exp(x);
        for (int k = 1; k <= n; k++) I = (ex - k * I) / x;
        return I;
    }
    double sum = 0, term;
    if (x >= 0) {
        double pw = 1; /* x^j / j! */
        for (int j = 0; j < 400; j++) {
            term = pw / (n + j + 1);
            sum += term;
            if (term <= 1e-18 * sum) break;
            pw *= x / (j + 1);
        }
        return sum;
    }
    term = 1.0 / (n + 1);
    for (int j = 0; j < 400; j++) {
        sum += term;
        if (term <= 1e-18 * sum) break;
        term *= -x / (n + j + 2);
    }
    return exp(x) * sum;
}

double ol_dd1(double x, double y)
{
    if (x == y) return exp(x);
    /* well separated: the difference loses at most a factor e^{0.5}/(e^{0.5} − 1) */
    if (fabs(x - y) >= 0.5) return (exp(x) - exp(y)) / (x - y);
    double hi = fmax(x, y), lo = fmin(x, y);
    return exp(hi) * ol_psi(lo - hi);
}

/* exp[0, x, y] given ψ(x), ψ(y). Separated nodes: the quotient of differences,
 * whose rounding error is about ε·max(1, |x|)/|x − y| ≤ 1e3·ε ≈ 2e-13 relative
 * under the threshold below (ψ'/ψ ≈ 1/|x| for x → −∞, ≈ 1/2 near 0, ≈ 1 for
 * x → +∞). Close nodes: Taylor at the midpoint, Σ_k ψ^(2k+1)(c) h^{2k}/(2k+1)!,
 * h = (x − y)/2, whose terms shrink by (h/c)² or h²/((2k+2)(2k+3)), at least
 * ~4e6× per term here: two or three terms. The threshold is small because
 * clustered eigenvalues (the small-λ modes) are common and the Taylor branch
 * costs series evaluations of I_n. */
static double dd2_psi(double x, double y, double px, double py)
{
    double sep = 1e-3 * fmax(1.0, -fmax(x, y));
    if (fabs(x - y) >= sep) return (px - py) / (x - y);
    double c = 0.5 * (x + y), h = 0.5 * (x - y), h2 = h * h;
    double sum = 0, fac = 1; /* h^{2k}/(2k+1)! */
    for (int k = 0; k < 12; k++) {
        double term = ol_In(2 * k + 1, c) * fac;
        sum += term;
        if (fabs(term) <= 1e-18 * fabs(sum)) break;
        fac *= h2 / ((2.0 * k + 2) * (2.0 * k + 3));
    }
    return sum;
}

double ol_dd2(double x, double y) { return dd2_psi(x, y, ol_psi(x), ol_psi(y)); }

int ol_adj_init(ol_adj *a, const optsched_model *m, int cap_n)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->K = m->K;
    a->cap_n = cap_n;
    const size_t K = (size_t)m->K;
    a->prop = optsched_prop_alloc(m->K);
    a->mom = malloc(((size_t)cap_n + 1) * K * sizeof(double));
    double *s = malloc(8 * K * sizeof(double));
    if ((double)cap_n * K * K <= CACHE_DOUBLES) {
        a->Q = malloc((size_t)cap_n * K * K * sizeof(double));
        a->mu = malloc((size_t)cap_n * K * sizeof(double));
        if (!a->Q || !a->mu) {
            free(a->Q);
            free(a->mu);
            a->Q = a->mu = NULL;
        }
    }
    if (!a->prop || !a->mom || !s) {
        free(s);
        ol_adj_free(a);
        return OPTSCHED_ENOMEM;
    }
    a->xh = s;
    a->ph = s + K;
    a->lh = s + 2 * K;
    a->ch = s + 3 * K;
    a->X = s + 4 * K;
    a->E = s + 5 * K;
    a->Psi = s + 6 * K;
    a->p = s + 7 * K;
    return OPTSCHED_OK;
}

void ol_adj_free(ol_adj *a)
{
    optsched_prop_free(a->prop);
    free(a->mom);
    free(a->Q);
    free(a->mu);
    free(a->xh);
    memset(a, 0, sizeof *a);
}

/* Decomposition of interval i: from the cache or freshly computed. */
static int decomposition(ol_adj *a, int i, double eta, double B, const double **Q, const double **mu)
{
    const size_t K = (size_t)a->K;
    if (a->Q) {
        *Q = a->Q + (size_t)i * K * K;
        *mu = a->mu + (size_t)i * K;
        return OPTSCHED_OK;
    }
    if (optsched_prop_set(a->prop, a->m, eta, B)) return OPTSCHED_EFAIL;
    *Q = optsched_prop_eigenvectors(a->prop);
    *mu = optsched_prop_eigenvalues(a->prop);
    return OPTSCHED_OK;
}

int ol_adj_eval(ol_adj *a, int n, const double *dt, const double *eta, const double *B,
                double *loss, double *g_eta, double *g_B, double *g_dt)
{
    const optsched_model *m = a->m;
    const int K = a->K;
    const double *lam = m->lambda;
    *loss = HUGE_VAL;
    if (n > a->cap_n) return OPTSCHED_EFAIL;
    double *mom = a->mom;
    for (int k = 0; k < K; k++) mom[k] = m->a0[k] * m->a0[k];
    for (int i = 0; i < n; i++) {
        double *next = mom + (size_t)(i + 1) * K;
        memcpy(next, mom + (size_t)i * K, (size_t)K * sizeof *next);
        if (optsched_prop_set(a->prop, m, eta[i], B[i])) return OPTSCHED_EFAIL;
        optsched_prop_apply(a->prop, dt[i], next);
        if (a->Q) {
            memcpy(a->Q + (size_t)i * K * K, optsched_prop_eigenvectors(a->prop),
                   (size_t)K * K * sizeof(double));
            memcpy(a->mu + (size_t)i * K, optsched_prop_eigenvalues(a->prop), (size_t)K * sizeof(double));
        }
    }
    const double *mn = mom + (size_t)n * K;
    double L = m->tail;
    for (int k = 0; k < K; k++) L += lam[k] * mn[k];
    if (!isfinite(L)) return OPTSCHED_EFAIL;
    *loss = L;
    if (!g_eta && !g_B && !g_dt) return OPTSCHED_OK;

    double *p = a->p, *xh = a->xh, *ph = a->ph, *lh = a->lh, *ch = a->ch;
    double *X = a->X, *E = a->E, *Psi = a->Psi;
    memcpy(p, lam, (size_t)K * sizeof *p);
    for (int i = n - 1; i >= 0; i--) {
        const double *Q, *mu;
        if (decomposition(a, i, eta[i], B[i], &Q, &mu)) return OPTSCHED_EFAIL;
        const double *mi = mom + (size_t)i * K, *mi1 = mom + (size_t)(i + 1) * K;
        const double h = dt[i], rho = eta[i] * eta[i] / B[i], s2 = m->sigma2;
        double gdt = 0;
        for (int j = 0; j < K; j++) {
            const double *q = Q + (size_t)j * K;
            double x = 0, pp = 0, l = 0, x1 = 0;
            for (int k = 0; k < K; k++) {
                x += q[k] * mi[k];
                pp += q[k] * p[k];
                l += q[k] * lam[k];
                x1 += q[k] * mi1[k];
            }
            xh[j] = x;
            ph[j] = pp;
            lh[j] = l;
            ch[j] = rho * s2 * l;
            X[j] = mu[j] * h;
            E[j] = exp(X[j]);
            Psi[j] = ol_psi(X[j]);
            gdt += pp * (mu[j] * x1 + ch[j]);
        }
        /* S_l = Σ_jk W_jk ℓ̂_j ℓ̂_k, S_d = Σ_j W_jj μ_j; f^[1], φ^[1] are symmetric in
         * (j, k), so each pair is evaluated once */
        double Sl = 0, Sd = 0, Sc = 0;
        for (int j = 0; j < K; j++) {
            double f1 = h * E[j], g1 = h * h * dd2_psi(X[j], X[j], Psi[j], Psi[j]);
            double wjj = ph[j] * (f1 * xh[j] + g1 * ch[j]);
            Sl += wjj * lh[j] * lh[j];
            Sd += wjj * mu[j];
            Sc += ph[j] * h * Psi[j] * lh[j];
            for (int k = j + 1; k < K; k++) {
                /* separated nodes (the usual case): plain quotients, whose
                 * rounding error is ≲ ε/|x − y| ≤ 1e3·ε (see dd2_psi) */
                double d1, d2, dx = X[j] - X[k];
                if (fabs(dx) >= 1e-3 * fmax(1.0, -fmax(X[j], X[k]))) {
                    double inv = 1.0 / dx;
                    d1 = (E[j] - E[k]) * inv;
                    d2 = (Psi[j] - Psi[k]) * inv;
                } else {
                    d1 = ol_dd1(X[j], X[k]);
                    d2 = dd2_psi(X[j], X[k], Psi[j], Psi[k]);
                }
                f1 = h * d1;
                g1 = h * h * d2;
                double wjk = ph[j] * (f1 * xh[k] + g1 * ch[k]);
                double wkj = ph[k] * (f1 * xh[j] + g1 * ch[j]);
                Sl += (wjk + wkj) * lh[j] * lh[k];
            }
        }
        double grho = Sl + s2 * Sc;
        double gdrift = (Sd - rho * Sl) / eta[i];
        if (g_eta) g_eta[i] = gdrift + 2.0 * eta[i] / B[i] * grho;
        if (g_B) g_B[i] = -rho / B[i] * grho;
        if (g_dt) g_dt[i] = gdt;
        /* p_i = Q (e^{μ dt} ∘ p̂) */
        memset(p, 0, (size_t)K * sizeof *p);
        for (int j = 0; j < K; j++) {
            const double *q = Q + (size_t)j * K;
            const double y = E[j] * ph[j];
            for (int k = 0; k < K; k++) p[k] += q[k] * y;
        }
    }
    for (int i = 0; i < n; i++)
        if ((g_eta && !isfinite(g_eta[i])) || (g_B && !isfinite(g_B[i]))) return OPTSCHED_EFAIL;
    return OPTSCHED_OK;
}
