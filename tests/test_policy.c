/* The loss-feedback policy (policy.h):
 *  - γ = 0 is the reference schedule itself: its feedback Monte Carlo equals the open-loop
 *    driver's on the same paths bit for bit (the two drivers share their arithmetic);
 *  - the rule at a state: B = clamp(B_ref(t) (ℓ/ℓ_ref(t))^γ), η = η_ref(t), with ℓ_ref(t)
 *    the reference run's exact expected loss (optsched_exact_trajectory, checked here at t = 0
 *    where it is ℓ(a0) exactly), and the clamps at B_min and B_max;
 *  - tuning returns a γ of the grid whose Monte Carlo mean is the smallest (recomputed here). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "optsched/policy.h"

int main(void)
{
    optsched_model_params p;
    optsched_model_params_default(&p);
    p.modes = 3;
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, &p, &err), err);
    optsched_schedule ref;
    CHECK_OK(optsched_schedule_parse(&ref, "array:t=0/3/7,eta=0.5/0.4/0.3,B=2/1.5/4", m, &err), err);

    optsched_mc_options o;
    optsched_mc_options_default(&o);
    o.paths = 257;
    optsched_lossfb pol;
    CHECK_OK(optsched_lossfb_init(&pol, m, &ref, 0.0, &err), err);
    optsched_mc_result a, b;
    CHECK_OK(optsched_mc_run(m, optsched_lossfb_policy_fn, &pol, &o, &a, &err), err);
    CHECK_OK(optsched_mc_schedule(m, &ref, &o, &b, &err), err);
    CHECK(memcmp(a.loss, b.loss, sizeof(double) * 257) == 0, "gamma = 0 differs from the reference schedule");
    optsched_mc_result_free(&a);
    optsched_mc_result_free(&b);
    optsched_lossfb_clear(&pol);

    /* the rule at t = 0: ℓ_ref(0) = ℓ(a0); a state with twice that loss */
    const double l0 = optsched_model_ell(m, m->a0);
    double st[3], eta, B, r = 20;
    for (int k = 0; k < 3; k++) st[k] = m->a0[k] * sqrt(2.0);
    const double gammas[3] = {0.5, -1.0, 10.0};
    for (int g = 0; g < 3; g++) {
        CHECK_OK(optsched_lossfb_init(&pol, m, &ref, gammas[g], &err), err);
        CHECK_REL(pol.loss[0], l0, 1e-14, "reference loss at t = 0");
        optsched_lossfb_policy_fn(&pol, 1, st, &r, 0.0, &eta, &B);
        double want = fmin(m->B_max, fmax(m->B_min, 2.0 * pow(2.0, gammas[g])));
        CHECK_REL(eta, 0.5, 0, "eta follows the reference");
        CHECK_REL(B, want, 1e-12, "B = clamp(B_ref (l/l_ref)^gamma)");
        optsched_lossfb_clear(&pol);
    }

    /* tuning picks the grid point with the smallest mean */
    const double grid[3] = {-0.5, 0.0, 0.5};
    double best_g, best_m, means[3];
    o.paths = 200;
    CHECK_OK(optsched_lossfb_tune(m, &ref, grid, 3, &o, &best_g, &best_m, &err), err);
    int arg = 0;
    for (int g = 0; g < 3; g++) {
        CHECK_OK(optsched_lossfb_init(&pol, m, &ref, grid[g], &err), err);
        CHECK_OK(optsched_mc_run(m, optsched_lossfb_policy_fn, &pol, &o, &a, &err), err);
        means[g] = a.mean;
        if (means[g] < means[arg]) arg = g;
        optsched_mc_result_free(&a);
        optsched_lossfb_clear(&pol);
    }
    CHECK(best_g == grid[arg] && best_m == means[arg], "tuned gamma %g (mean %g), recomputed %g (%g)",
          best_g, best_m, grid[arg], means[arg]);
    optsched_schedule_clear(&ref);
    optsched_model_free(m);
    return check_summary("test_policy");
}
