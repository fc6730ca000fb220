/* optsched — exact expected loss of open-loop schedules (SPEC §1 "Exact moments").
 *
 * For deterministic controls the second moments m_k = E[a_k²] obey the closed
 * linear ODE
 *     dm/dt = M m + c,   M = −2ηP diag(λ) + (η²/B) λλᵀ,   c = (η²/B) σ² λ,
 * and E[loss] = Σ λ_k m_k(τ) + L_tail. M is symmetric, so a constant piece is
 * propagated exactly through the eigen-decomposition M = Q diag(μ) Qᵀ:
 *     m(t) = Q [e^{μt} ⊙ Qᵀm(0) + φ(μ, t) ⊙ Qᵀc],   φ(μ, t) = (e^{μt} − 1)/μ.
 * Smooth pieces of a family shape are integrated by Gragg–Bulirsch–Stoer
 * extrapolation to a relative tolerance of 1e-12 between the shape's kinks, its
 * clamp points (found to machine precision) and the stop time.
 */
#ifndef OPTSCHED_EXACT_H
#define OPTSCHED_EXACT_H

#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double expected_loss; /* E[ℓ(a(τ))] + L_tail */
    double compute_used;  /* C_max − r(τ) */
    double t_end;         /* τ */
} optsched_exact_result;

/* Exact expected loss of an open-loop schedule under both stop rules. */
int optsched_exact_eval(const optsched_model *m, const optsched_schedule *s,
                        optsched_exact_result *res, optsched_error *err);

/* The expected loss along the run at n times spread evenly over [0, τ]
 * (loss[i] at t[i] = τ i/(n−1)), with the compute used by then; n ≥ 2. */
int optsched_exact_trajectory(const optsched_model *m, const optsched_schedule *s, int n,
                              double *t /* [n] */, double *loss /* [n] */,
                              double *compute /* [n] */, optsched_error *err);

/* Workspace for the constant-piece propagator (sized for K modes). */
typedef struct optsched_prop optsched_prop;
optsched_prop *optsched_prop_alloc(int K);
void optsched_prop_free(optsched_prop *p);

/* Decomposes M for (η, B); the propagator then applies it for any dt. */
int optsched_prop_set(optsched_prop *p, const optsched_model *m, double eta, double B);
/* mom ← m(dt) starting from mom (in place), with the controls last set. */
void optsched_prop_apply(optsched_prop *p, double dt, double *mom /* [K] */);
/* Eigenvalues μ (in no particular order) and eigenvectors of the last set M, for callers that
 * differentiate through the propagator: vecs[j*K + i] is component i of vector j. */
const double *optsched_prop_eigenvalues(const optsched_prop *p);
const double *optsched_prop_eigenvectors(const optsched_prop *p);

#ifdef __cplusplus
}
#endif
#endif
