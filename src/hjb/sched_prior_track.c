/* The "openloop" prior of the schedule HJB: the exact value of the feedback policy that
 * follows an open-loop schedule (pieces [s_i, s_{i+1}) with η_i, b_i, s_n = T) with its
 * batch rescaled to spend the remaining budget by the horizon:
 *
 *     η = η_i,   B = clamp(κ b_i, B_min, B_max),   κ solving G(t, κ) = r,
 *     G(t, κ) = Σ_{l ≥ i} clamp(κ b_l) · |[s_l, s_{l+1}) ∩ [t, T)|.
 *
 * Along the policy's own path r(s) = G(s, κ), so κ is constant: from (a, r, t) the run is the
 * open-loop schedule with batches clamp(κ b_l), and its expected final loss is affine in the
 * second moments m = a ⊙ a,
 *
 *     V0 = F(t, κ; m) = p(t; κ)·m + q(t; κ),   −∂_t p = M p,   −∂_t q = c·p,   p(T) = λ, q(T) = L_tail,
 *
 * with M = diag(−2ηPλ) + (η²/B) λλᵀ (symmetric) and c = (η²/B) σ² λ on each piece. For κ on a
 * uniform grid in u = ln κ (step H_U, through κ = 1, covering every κ at which some piece is
 * unclamped) a backward sweep stores, for every piece, the eigen-decomposition of M and
 * y = Qᵀ p(s_{i+1}); inside a piece F and ∂_t F are then exact in t:
 *
 *     F = q_end + Σ_j e^{μ_j τ} y_j (Qᵀm)_j + Σ_j φ_j(τ) y_j (Qᵀc)_j,   τ = s_{i+1} − t.
 *
 * Between grid points F is a Catmull–Rom cubic in u, so V0 and every jet below are those of one
 * C¹ function (the jets are its exact derivatives; V0 equals the policy's value exactly at grid
 * points and to the interpolation error between them):
 *
 *     ∂_{a_k} V0 = 2 a_k p_k,  ∂²_{a_k} V0 = 2 p_k,  ∂_r V0 = F_u / (κ G_κ),
 *     ∂_t V0 = ∂_t F + F_u κ_t / κ,  κ_t = clamp(κ b_i) / G_κ   (G_κ = Σ unclamped b_l lengths).
 *
 * Two edge regimes: r ≥ B_max (T − t) runs B_max throughout (the top grid point; V0 does not
 * depend on r); r ≤ B_min (T − t) runs B_min and stops when the budget is gone at
 * t_e = t + r/B_min, which is propagated exactly piece by piece (∂_r through ∂V0/∂t_e).
 * Both boundary conditions hold exactly.
 *
 * Started from the open-loop optimum, the first policy-improvement step of this prior is the
 * greedy policy of the optimum's own value: its loss cannot be worse than the optimum's (up to
 * the interpolation error), and V0(a0, C, 0) is the optimum's exact loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/exact.h"
#include "hjb/sched_internal.h"

#define H_U 0.1                   /* grid step in ln κ */
#define MAX_TABLE_BYTES (1u << 30) /* refuse tables above 1 GiB */

struct sched_track {
    const optsched_model *m;
    int K, n, J;         /* modes, pieces, κ grid points */
    double u0;           /* u_j = u0 + j H_U */
    double *s, *eta, *b; /* [n + 1], [n], [n] */
    /* per (node j, piece i), at index j n + i: */
    double *Q;          /* [J n][K K] eigenvectors (vector l at l K) */
    double *mu, *y, *qc; /* [J n][K] eigenvalues, Qᵀ p(s_{i+1}), Qᵀ c */
    double *qend;        /* [J n] q(s_{i+1}) */
    double *z, *pv, *tmp; /* [K] scratch */
};

void sched_track_free(sched_track *p)
{
    if (!p) return;
    free(p->s);
    free(p->eta);
    free(p->b);
    free(p->Q);
    free(p->mu);
    free(p->y);
    free(p->qc);
    free(p->qend);
    free(p->z);
    free(p->pv);
    free(p->tmp);
    free(p);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* z = Qᵀ v */
static void qt_mul(int K, const double *Q, const double *v, double *z)
{
    for (int l = 0; l < K; l++) {
        const double *q = Q + (size_t)l * K;
        double acc = 0;
        for (int i = 0; i < K; i++) acc += q[i] * v[i];
        z[l] = acc;
    }
}

/* v = Q z */
static void q_mul(int K, const double *Q, const double *z, double *v)
{
    for (int i = 0; i < K; i++) v[i] = 0;
    for (int l = 0; l < K; l++) {
        const double *q = Q + (size_t)l * K;
        for (int i = 0; i < K; i++) v[i] += q[i] * z[l];
    }
}

static double phi(double mu, double tau)
{
    const double x = mu * tau;
    return fabs(x) < 1e-300 ? tau : expm1(x) / mu;
}

sched_track *sched_track_alloc(const optsched_model *m, const optsched_schedule *sch,
                               optsched_error *err)
{
    if (!isfinite(m->T)) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "--prior openloop: needs a finite horizon (--horizon), got inf");
        return NULL;
    }
    if (!sch || sch->family != OPTSCHED_ARRAY || sch->n < 1 || sch->t[0] != 0 ||
        !(sch->t[sch->n - 1] < m->T)) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "prior openloop: needs a piecewise schedule starting at 0 with its "
                           "last piece before the horizon");
        return NULL;
    }
    const int K = m->K, n = sch->n;
    sched_track *p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    p->m = m;
    p->K = K;
    p->n = n;
    p->s = malloc((size_t)(n + 1) * sizeof *p->s);
    p->eta = malloc((size_t)n * sizeof *p->eta);
    p->b = malloc((size_t)n * sizeof *p->b);
    if (!p->s || !p->eta || !p->b) goto nomem;
    double bmin = INFINITY, bmax = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && !(sch->t[i] > sch->t[i - 1])) {
            optsched_error_set(err, OPTSCHED_EINVAL, "prior openloop: piece starts not increasing");
            sched_track_free(p);
            return NULL;
        }
        p->s[i] = sch->t[i];
        p->eta[i] = clampd(sch->eta_v[i], m->eta_min, m->eta_max);
        p->b[i] = clampd(sch->B_v[i], m->B_min, m->B_max);
        bmin = fmin(bmin, p->b[i]);
        bmax = fmax(bmax, p->b[i]);
    }
    p->s[n] = m->T;
    /* every κ at which some piece is unclamped lies in [B_min/bmax, B_max/bmin] */
    const int jlo = (int)floor(log(m->B_min / bmax) / H_U) - 1;
    const int jhi = (int)ceil(log(m->B_max / bmin) / H_U) + 1;
    p->J = jhi - jlo + 1;
    p->u0 = jlo * H_U;
    const size_t cells = (size_t)p->J * (size_t)n;
    if ((double)cells * (double)K * (K + 3) * sizeof(double) > MAX_TABLE_BYTES) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "--prior openloop: its table would exceed 1 GiB at K = %d with %d pieces; "
                           "use --prior pace",
                           K, n);
        sched_track_free(p);
        return NULL;
    }
    p->Q = malloc(cells * (size_t)K * K * sizeof *p->Q);
    p->mu = malloc(cells * (size_t)K * sizeof *p->mu);
    p->y = malloc(cells * (size_t)K * sizeof *p->y);
    p->qc = malloc(cells * (size_t)K * sizeof *p->qc);
    p->qend = malloc(cells * sizeof *p->qend);
    p->z = malloc((size_t)K * sizeof *p->z);
    p->pv = malloc((size_t)K * sizeof *p->pv);
    p->tmp = malloc((size_t)K * sizeof *p->tmp);
    optsched_prop *prop = optsched_prop_alloc(K);
    if (!p->Q || !p->mu || !p->y || !p->qc || !p->qend || !p->z || !p->pv || !p->tmp || !prop) {
        optsched_prop_free(prop);
        goto nomem;
    }
    /* the backward sweep of every grid point */
    for (int j = 0; j < p->J; j++) {
        const double kappa = exp(p->u0 + j * H_U);
        double *pcur = p->pv, q = m->tail;
        for (int k = 0; k < K; k++) pcur[k] = m->lambda[k];
        for (int i = n - 1; i >= 0; i--) {
            const size_t c = (size_t)j * n + i;
            const double B = clampd(kappa * p->b[i], m->B_min, m->B_max);
            if (optsched_prop_set(prop, m, p->eta[i], B)) {
                optsched_prop_free(prop);
                optsched_error_set(err, OPTSCHED_EFAIL, "prior openloop: eigen-decomposition failed");
                sched_track_free(p);
                return NULL;
            }
            double *Q = p->Q + c * K * K, *mu = p->mu + c * K, *y = p->y + c * K,
                   *qc = p->qc + c * K;
            memcpy(Q, optsched_prop_eigenvectors(prop), (size_t)K * K * sizeof *Q);
            memcpy(mu, optsched_prop_eigenvalues(prop), (size_t)K * sizeof *mu);
            qt_mul(K, Q, pcur, y);
            qt_mul(K, Q, m->lambda, qc);
            const double rho = p->eta[i] * p->eta[i] / B * m->sigma2;
            for (int l = 0; l < K; l++) qc[l] *= rho;
            p->qend[c] = q;
            const double len = p->s[i + 1] - p->s[i];
            for (int l = 0; l < K; l++) {
                q += phi(mu[l], len) * y[l] * qc[l];
                p->tmp[l] = exp(mu[l] * len) * y[l];
            }
            q_mul(K, Q, p->tmp, pcur);
        }
    }
    optsched_prop_free(prop);
    return p;
nomem:
    optsched_error_set(err, OPTSCHED_ENOMEM, "prior openloop: out of memory");
    sched_track_free(p);
    return NULL;
}

/* The piece holding t (the last one for t ≥ s_{n−1}). */
static int piece_of(const sched_track *p, double t)
{
    int lo = 0, hi = p->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (p->s[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* G(t, κ) and G_κ from piece i on. */
static double budget_of(const sched_track *p, int i, double t, double kappa, double *dG)
{
    const optsched_model *m = p->m;
    double G = 0, Gk = 0;
    for (int l = i; l < p->n; l++) {
        const double len = p->s[l + 1] - (l == i ? t : p->s[l]);
        const double v = kappa * p->b[l];
        if (v <= m->B_min)
            G += m->B_min * len;
        else if (v >= m->B_max)
            G += m->B_max * len;
        else {
            G += v * len;
            Gk += p->b[l] * len;
        }
    }
    *dG = Gk;
    return G;
}

/* κ with G(t, κ) = r, for B_min (T − t) < r < B_max (T − t): Newton on the piecewise-linear,
 * non-decreasing G, safeguarded by bisection in ln κ. */
static double solve_kappa(const sched_track *p, int i, double t, double r, double *dG)
{
    double lo = p->u0, hi = p->u0 + (p->J - 1) * H_U, u = 0.0, Gk = 0;
    if (u <= lo || u >= hi) u = 0.5 * (lo + hi);
    for (int it = 0;; it++) { /* G and G_κ are always those of the returned κ */
        const double G = budget_of(p, i, t, exp(u), &Gk);
        if (fabs(G - r) <= 1e-14 * r || it == 199) break;
        if (G < r)
            lo = u;
        else
            hi = u;
        if (hi - lo < 1e-15) break;
        double un = Gk > 0 ? u + (r - G) / (exp(u) * Gk) : NAN; /* dG/du = κ G_κ */
        if (!(un > lo && un < hi)) un = 0.5 * (lo + hi);
        u = un;
    }
    *dG = Gk;
    return exp(u);
}

/* F, ∂_t F (κ fixed) and p(t) at grid point j, piece i, τ = s_{i+1} − t, moments mom. */
static void node_eval(sched_track *p, int j, int i, double tau, const double *mom, double *F,
                      double *Ft, double *pt)
{
    const int K = p->K;
    const size_t c = (size_t)j * p->n + i;
    const double *Q = p->Q + c * K * K, *mu = p->mu + c * K, *y = p->y + c * K,
                 *qc = p->qc + c * K;
    qt_mul(K, Q, mom, p->z);
    double f = p->qend[c], ft = 0;
    for (int l = 0; l < K; l++) {
        const double e = exp(mu[l] * tau);
        f += e * y[l] * p->z[l] + phi(mu[l], tau) * y[l] * qc[l];
        ft -= e * y[l] * (mu[l] * p->z[l] + qc[l]);
        p->tmp[l] = e * y[l];
    }
    q_mul(K, Q, p->tmp, pt);
    *F = f;
    *Ft = ft;
}

/* Catmull–Rom weights w[4] and their s-derivatives for nodes j−1..j+2 at s ∈ [0, 1]. */
static void cr_weights(double s, double *w, double *dw)
{
    const double s2 = s * s, s3 = s2 * s;
    w[0] = 0.5 * (-s3 + 2 * s2 - s);
    w[1] = 0.5 * (3 * s3 - 5 * s2 + 2);
    w[2] = 0.5 * (-3 * s3 + 4 * s2 + s);
    w[3] = 0.5 * (s3 - s2);
    dw[0] = 0.5 * (-3 * s2 + 4 * s - 1);
    dw[1] = 0.5 * (9 * s2 - 10 * s);
    dw[2] = 0.5 * (-9 * s2 + 8 * s + 1);
    dw[3] = 0.5 * (3 * s2 - 2 * s);
}

/* Stop-early regime: B_min from t until the budget is gone at te ≤ T. V, p(t) = ∂V/∂m,
 * ∂V/∂te and ∂V/∂t at fixed te. The κ grid's first point runs B_min on every piece. */
static void value_bmin(sched_track *p, int i0, double t, double te, const double *mom, double *V,
                       double *pt, double *Vte, double *Vt_fixed)
{
    const int K = p->K;
    const optsched_model *m = p->m;
    double *mm = p->pv; /* forward moments, then the backward weights */
    for (int k = 0; k < K; k++) mm[k] = mom[k];
    int last = i0;
    for (int i = i0; i < p->n; i++) {
        const double a = i == i0 ? t : p->s[i], b = fmin(p->s[i + 1], te);
        if (b > a) {
            const size_t c = (size_t)i; /* node 0 */
            const double *Q = p->Q + c * K * K, *mu = p->mu + c * K, *qc = p->qc + c * K;
            qt_mul(K, Q, mm, p->z);
            for (int l = 0; l < K; l++)
                p->tmp[l] = exp(mu[l] * (b - a)) * p->z[l] + phi(mu[l], b - a) * qc[l];
            q_mul(K, Q, p->tmp, mm);
        }
        last = i;
        if (p->s[i + 1] >= te) break;
    }
    double v = m->tail;
    for (int k = 0; k < K; k++) v += m->lambda[k] * mm[k];
    *V = v;
    { /* ∂V/∂te = λ·(M m(te) + c) on the last piece */
        const double *Q = p->Q + (size_t)last * K * K, *mu = p->mu + (size_t)last * K,
                     *qc = p->qc + (size_t)last * K;
        qt_mul(K, Q, mm, p->z);
        for (int l = 0; l < K; l++) p->tmp[l] = mu[l] * p->z[l] + qc[l];
        q_mul(K, Q, p->tmp, mm);
        double d = 0;
        for (int k = 0; k < K; k++) d += m->lambda[k] * mm[k];
        *Vte = d;
    }
    /* p(t): λ propagated backward from te to t */
    for (int k = 0; k < K; k++) pt[k] = m->lambda[k];
    for (int i = last; i >= i0; i--) {
        const double a = i == i0 ? t : p->s[i], b = fmin(p->s[i + 1], te);
        if (b <= a) continue;
        const double *Q = p->Q + (size_t)i * K * K, *mu = p->mu + (size_t)i * K;
        qt_mul(K, Q, pt, p->z);
        for (int l = 0; l < K; l++) p->tmp[l] = exp(mu[l] * (b - a)) * p->z[l];
        q_mul(K, Q, p->tmp, pt);
    }
    /* ∂V/∂t at fixed te = −p(t)·(M m(t) + c) on the first piece */
    {
        const double *Q = p->Q + (size_t)i0 * K * K, *mu = p->mu + (size_t)i0 * K,
                     *qc = p->qc + (size_t)i0 * K;
        qt_mul(K, Q, mom, p->z);
        double d = 0;
        for (int l = 0; l < K; l++) p->tmp[l] = mu[l] * p->z[l] + qc[l];
        q_mul(K, Q, p->tmp, mm);
        for (int k = 0; k < K; k++) d += pt[k] * mm[k];
        *Vt_fixed = -d;
    }
}

int sched_track_jets(sched_track *p, size_t n, const double *x, double *jets)
{
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = 3 + 2 * K;
    double mom[OPTSCHED_MAX_MODES], pt[OPTSCHED_MAX_MODES], pj[OPTSCHED_MAX_MODES];
    for (size_t pt_i = 0; pt_i < n; pt_i++) {
        const double *a = x + pt_i * d;
        const double r = fmax(0.0, a[K] * m->C), t = clampd(a[K + 1] * m->T, 0.0, m->T); /* T_span = T */
        const double trem = m->T - t;
        for (int k = 0; k < K; k++) mom[k] = a[k] * a[k];
        const int i = piece_of(p, t);
        const double tau = p->s[i + 1] - t;
        double V, Vr = 0, Vt;
        if (r <= m->B_min * trem) {
            double Vte, Vtf;
            value_bmin(p, i, t, t + r / m->B_min, mom, &V, pt, &Vte, &Vtf);
            Vr = Vte / m->B_min;
            Vt = Vtf + Vte;
        } else if (r >= m->B_max * trem) {
            node_eval(p, p->J - 1, i, tau, mom, &V, &Vt, pt);
        } else {
            double Gk;
            const double kappa = solve_kappa(p, i, t, r, &Gk);
            const double u = log(kappa), sj = (u - p->u0) / H_U;
            int j = (int)floor(sj);
            if (j < 0) j = 0;
            if (j > p->J - 2) j = p->J - 2;
            double w[4], dw[4];
            cr_weights(sj - j, w, dw);
            /* missing end neighbours: linear extrapolation of the two nearest */
            if (j == 0) {
                w[1] += 2 * w[0], w[2] -= w[0], w[0] = 0;
                dw[1] += 2 * dw[0], dw[2] -= dw[0], dw[0] = 0;
            }
            if (j == p->J - 2) {
                w[2] += 2 * w[3], w[1] -= w[3], w[3] = 0;
                dw[2] += 2 * dw[3], dw[1] -= dw[3], dw[3] = 0;
            }
            double F = 0, Fu = 0, Ft = 0;
            for (int k = 0; k < K; k++) pt[k] = 0;
            for (int q = 0; q < 4; q++) {
                if (w[q] == 0 && dw[q] == 0) continue;
                double f, ft;
                node_eval(p, j - 1 + q, i, tau, mom, &f, &ft, pj);
                F += w[q] * f;
                Fu += dw[q] / H_U * f;
                Ft += w[q] * ft;
                for (int k = 0; k < K; k++) pt[k] += w[q] * pj[k];
            }
            V = F;
            if (Gk > 0) {
                Vr = Fu / (kappa * Gk);
                const double kt = clampd(kappa * p->b[i], m->B_min, m->B_max) / Gk;
                Vt = Ft + Fu * kt / kappa;
            } else {
                Vt = Ft;
            }
        }
        double *J = jets + pt_i * C;
        J[0] = V;
        for (int k = 0; k < K; k++) {
            J[1 + k] = 2 * a[k] * pt[k];
            J[3 + K + k] = 2 * pt[k];
        }
        J[1 + K] = Vr * m->C;
        J[2 + K] = Vt * m->T;
    }
    return OPTSCHED_OK;
}

/* The tracking policy's controls at (r, t). */
void sched_track_controls(sched_track *p, double r, double t, double *eta, double *B)
{
    const optsched_model *m = p->m;
    t = clampd(t, 0.0, m->T);
    const int i = piece_of(p, t);
    const double trem = m->T - t;
    *eta = p->eta[i];
    if (r <= m->B_min * trem)
        *B = m->B_min;
    else if (r >= m->B_max * trem)
        *B = m->B_max;
    else {
        double Gk;
        *B = clampd(solve_kappa(p, i, t, r, &Gk) * p->b[i], m->B_min, m->B_max);
    }
}
