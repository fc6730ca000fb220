/* The "pace" prior of the schedule HJB: the exact value of the feedback policy
 *
 *     η = η_max,   B = clamp(r / (T − t), B_min, B_max),
 *
 * which spends the remaining budget r exactly by the horizon (or, when even B_min
 * cannot, runs at B_min until the budget is gone). Along its own paths r/(T − t)
 * stays constant, so from (a, r, t) it is a constant schedule (η_max, B) run for
 *
 *     τ = min(T − t, r / B),
 *
 * whose expected final loss is exact (exact.h):
 *
 *     V0 = L_tail + Σ_j β_j [e^{μ_j τ} (Qᵀm)_j + φ_j(τ) (Qᵀc)_j],   m = a ⊙ a,  β = Qᵀλ,
 *
 * with M(η, B) = Q diag(μ) Qᵀ, c = (η²/B) σ² λ, φ_j(τ) = (e^{μ_j τ} − 1)/μ_j. V0 is
 * quadratic in a with weights w = Q (e^{μτ} ⊙ β) ≥ 0 (e^{Mτ} is entrywise non-negative:
 * M is Metzler), so ∂_{a_k}V0 = 2 a_k w_k and ∂²_{a_k}V0 = 2 w_k; ∂_τ V0 is analytic and
 * ∂_B V0 comes from a central difference in B (relative step 1e-5: truncation ~1e-10,
 * rounding ~1e-11 relative). It meets both boundary conditions exactly (τ = 0 there).
 *
 * Because V0 is the exact value of a feasible policy, a network that starts from it
 * (output layer zero) gives an exact first policy-improvement step. */
#include <math.h>
#include <stdlib.h>

#include "optsched/exact.h"
#include "hjb/sched_internal.h"

struct sched_prior {
    const optsched_model *m;
    double Tspan;
    optsched_prop *prop;
    double *beta, *s; /* [K] */
};

sched_prior *sched_prior_alloc(const optsched_model *m, double Tspan)
{
    sched_prior *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    p->Tspan = Tspan;
    p->prop = optsched_prop_alloc(m->K);
    p->beta = malloc((size_t)m->K * sizeof *p->beta);
    p->s = malloc((size_t)m->K * sizeof *p->s);
    if (!p->prop || !p->beta || !p->s) {
        sched_prior_free(p);
        return NULL;
    }
    return p;
}

void sched_prior_free(sched_prior *p)
{
    if (!p) return;
    optsched_prop_free(p->prop);
    free(p->beta);
    free(p->s);
    free(p);
}

/* V0 of the constant schedule (η, B) run for tau from second moments mom;
 * optionally the weights w = ∂V0/∂m and ∂_τ V0. */
static int value_const(sched_prior *p, double eta, double B, double tau, const double *mom,
                       double *V, double *w, double *Vtau)
{
    const optsched_model *m = p->m;
    const int K = m->K;
    int st = optsched_prop_set(p->prop, m, eta, B);
    if (st) return st;
    const double *mu = optsched_prop_eigenvalues(p->prop), *Q = optsched_prop_eigenvectors(p->prop);
    const double cq = eta * eta / B * m->sigma2;
    double v = m->tail, vt = 0;
    if (w)
        for (int i = 0; i < K; i++) w[i] = 0;
    for (int j = 0; j < K; j++) {
        const double *q = Q + (size_t)j * K;
        double beta = 0, s = 0;
        for (int i = 0; i < K; i++) {
            beta += q[i] * m->lambda[i];
            s += q[i] * mom[i];
        }
        const double x = mu[j] * tau, e = exp(x);
        const double phi = fabs(x) < 1e-300 ? tau : expm1(x) / mu[j];
        const double qc = cq * beta; /* (Qᵀc)_j with c = (η²/B) σ² λ */
        v += beta * (e * s + phi * qc);
        vt += beta * e * (mu[j] * s + qc);
        if (w)
            for (int i = 0; i < K; i++) w[i] += q[i] * beta * e;
    }
    *V = v;
    if (Vtau) *Vtau = vt;
    return OPTSCHED_OK;
}

int sched_prior_park_jets(sched_prior *p, double r, double t, double *V, double *Vr, double *Vt)
{
    const optsched_model *m = p->m;
    const double trem = isfinite(m->T) ? fmax(0.0, m->T - t) : INFINITY;
    const double run = fmax(0.0, r) / m->B_max; /* how long the budget lasts at B_max */
    double mom[OPTSCHED_MAX_MODES] = {0}, Vtau = 0;
    const int budget_binds = run < trem; /* else the horizon ends the run */
    int st = value_const(p, m->eta_min, m->B_max, budget_binds ? run : trem, mom, V, NULL, &Vtau);
    if (st) return st;
    *Vr = budget_binds && r > 0 ? Vtau / m->B_max : 0.0;
    *Vt = !budget_binds && isfinite(m->T) ? -Vtau : 0.0;
    return OPTSCHED_OK;
}

int sched_prior_park(sched_prior *p, double r, double t, double *V)
{
    double Vr, Vt;
    return sched_prior_park_jets(p, r, t, V, &Vr, &Vt);
}

int sched_prior_jets(sched_prior *p, size_t n, const double *x, double *jets)
{
    const optsched_model *m = p->m;
    const int K = m->K, d = K + 2, C = 3 + 2 * K;
    const double Tfin = isfinite(m->T) ? m->T : INFINITY;
    double mom[OPTSCHED_MAX_MODES], w[OPTSCHED_MAX_MODES];
    for (size_t i = 0; i < n; i++) {
        const double *a = x + i * d;
        const double r = fmax(0.0, a[K] * m->C), t = a[K + 1] * p->Tspan;
        const double trem = fmax(0.0, Tfin - t);
        for (int k = 0; k < K; k++)
            mom[k] = a[k] * a[k];
        /* the policy's batch and how long it runs; which clamp is active fixes how B and τ
         * move with r and t */
        const double g = trem > 0 ? r / trem : INFINITY;
        double B, tau, dBdr = 0, dBdt = 0, dtaudr = 0, dtaudt = 0;
        if (g < m->B_min) {
            B = m->B_min;
            tau = r / B;
            dtaudr = 1.0 / B;
        } else if (g > m->B_max) {
            B = m->B_max;
            tau = trem;
            dtaudt = isfinite(trem) ? -1.0 : 0.0;
        } else {
            B = g;
            tau = trem;
            dBdr = 1.0 / trem;
            dBdt = r / (trem * trem);
            dtaudt = -1.0;
        }
        double V, Vtau, VB = 0;
        int st = value_const(p, m->eta_max, B, tau, mom, &V, w, &Vtau);
        if (!st && (dBdr != 0 || dBdt != 0)) {
            const double h = 1e-5 * B;
            double Vp, Vm;
            st = value_const(p, m->eta_max, B + h, tau, mom, &Vp, NULL, NULL);
            if (!st) st = value_const(p, m->eta_max, B - h, tau, mom, &Vm, NULL, NULL);
            VB = (Vp - Vm) / (2 * h);
        }
        if (st) return st;
        double *J = jets + i * C;
        J[0] = V;
        for (int k = 0; k < K; k++) {
            J[1 + k] = 2 * a[k] * w[k];
            J[3 + K + k] = 2 * w[k];
        }
        /* network coordinates r̃ = r / C_max, t̃ = t / T_span */
        J[1 + K] = (VB * dBdr + Vtau * dtaudr) * m->C;
        J[2 + K] = (VB * dBdt + Vtau * dtaudt) * p->Tspan;
    }
    return OPTSCHED_OK;
}

void sched_prior_controls(const optsched_model *m, double r, double t, double *eta, double *B)
{
    const double trem = isfinite(m->T) ? fmax(0.0, m->T - t) : INFINITY;
    const double g = trem > 0 ? r / trem : INFINITY; /* as in sched_prior_jets */
    *eta = m->eta_max;
    *B = fmin(m->B_max, fmax(m->B_min, g));
}
