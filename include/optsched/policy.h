/* optsched — feedback policies that observe only what real training can measure.
 *
 * The closed-loop optimum of the HJB (hjb.h) observes the full eigen-state a, which a
 * training run cannot. The policy here observes only the loss ℓ(a) (and the budget and
 * time, which every run knows): it follows a reference open-loop schedule (η_ref(t),
 * B_ref(t)) — normally the open-loop optimum — and scales the batch by how the loss
 * compares with the reference run's expected loss ℓ_ref(t) (exact, exact.h):
 *
 *     η = η_ref(t),   B = clamp(B_ref(t) · (ℓ(a) / ℓ_ref(t))^γ, B_min, B_max).
 *
 * γ = 0 is the reference schedule itself; γ > 0 buys a larger batch (less noise) when the
 * run is behind its reference, γ < 0 a smaller one. γ is chosen by Monte Carlo on a grid
 * (optsched_lossfb_tune) with a seed of its own, so the reported loss is measured on paths
 * the choice never saw. */
#ifndef OPTSCHED_POLICY_H
#define OPTSCHED_POLICY_H

#include "optsched/error.h"
#include "optsched/mc.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const optsched_model *m;
    const optsched_schedule *ref; /* must outlive the policy */
    double gamma;
    int n;             /* reference loss on n times spread over [0, t_end] */
    double *t, *loss;  /* [n] */
} optsched_lossfb;

int optsched_lossfb_init(optsched_lossfb *p, const optsched_model *m, const optsched_schedule *ref,
                         double gamma, optsched_error *err);
void optsched_lossfb_clear(optsched_lossfb *p);
/* The optsched_policy_fn of mc.h; ctx is an optsched_lossfb. */
int optsched_lossfb_policy_fn(void *ctx, int n, const double *a, const double *r, double t,
                              double *eta, double *B);

/* Chooses γ from grid[ngrid] by the Monte Carlo mean loss with options o (its seed should
 * differ from the evaluation's); writes the best γ and its mean. */
int optsched_lossfb_tune(const optsched_model *m, const optsched_schedule *ref, const double *grid,
                         int ngrid, const optsched_mc_options *o, double *best_gamma,
                         double *best_mean, optsched_error *err);

#ifdef __cplusplus
}
#endif
#endif
