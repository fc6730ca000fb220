/* Monte Carlo against exact values.
 *  (1) Against the exact expectation of the Euler–Maruyama scheme itself: for
 *      open-loop controls the discrete second moments obey, per step of length h,
 *        m_k ← (1 − ηλ_kP h)² m_k + (η²/B) λ_k h (Σ_j λ_j m_j + σ²),
 *      computed here independently; the MC mean must lie within 4 SE of it.
 *  (2) Against the exact continuous loss (optsched_exact_eval) within 4 SE on
 *      20,000 paths, with enough steps that the scheme's O(h) bias, measured
 *      by (1), is below one SE.
 *  (3) Bit-identical results with 1 and 2 OpenMP threads; common random numbers. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "optsched/exact.h"
#include "optsched/mc.h"

static optsched_model *make_model(double C, double T)
{
    optsched_model_params p;
    optsched_model_params_default(&p);
    p.budget = C;
    p.horizon = T;
    optsched_model *m;
    optsched_error err;
    if (optsched_model_alloc(&m, &p, &err)) exit(1);
    return m;
}

/* Exact expectation of the EM scheme's loss (same grid and stop rule as mc.c). */
static double em_expectation(const optsched_model *m, const optsched_schedule *s, int steps)
{
    double mom[64], r = m->C, dt = optsched_model_time_span(m) / steps;
    for (int k = 0; k < m->K; k++) mom[k] = m->a0[k] * m->a0[k];
    for (int n = 0; n < steps; n++) {
        double eta, B, h = dt;
        optsched_schedule_controls(s, m, n * dt, &eta, &B);
        int out = B * h >= r;
        if (out) h = r / B;
        double g = m->sigma2;
        for (int k = 0; k < m->K; k++) g += m->lambda[k] * mom[k];
        for (int k = 0; k < m->K; k++) {
            double f = 1 - eta * m->lambda[k] * m->P * h;
            mom[k] = f * f * mom[k] + eta * eta / B * m->lambda[k] * h * g;
        }
        r -= B * h;
        if (out) break;
    }
    double l = m->tail;
    for (int k = 0; k < m->K; k++) l += m->lambda[k] * mom[k];
    return l;
}

static void check_schedule(const char *spec, double C, double T, int steps)
{
    optsched_model *m = make_model(C, T);
    optsched_schedule s;
    optsched_error err;
    CHECK_OK(optsched_schedule_parse(&s, spec, m, &err), err);
    optsched_mc_options o;
    optsched_mc_options_default(&o);
    o.paths = 20000;
    o.steps = steps;
    optsched_mc_result r;
    CHECK_OK(optsched_mc_schedule(m, &s, &o, &r, &err), err);
    optsched_exact_result ex;
    CHECK_OK(optsched_exact_eval(m, &s, &ex, &err), err);
    double em = em_expectation(m, &s, steps);
    double bias = fabs(em - ex.expected_loss);
    printf("%-60s exact %.6f  EM-exp %.6f  MC %.6f ± %.6f  (bias/SE %.2f)\n", spec,
           ex.expected_loss, em, r.mean, r.se, bias / r.se);
    CHECK(fabs(r.mean - em) <= 4 * r.se, "%s: MC %.6g vs EM expectation %.6g (SE %.3g)", spec,
          r.mean, em, r.se);
    CHECK(bias <= r.se, "%s: steps=%d leaves an EM bias %.3g above one SE %.3g", spec, steps, bias,
          r.se);
    CHECK(fabs(r.mean - ex.expected_loss) <= 4 * r.se, "%s: MC %.6g vs exact %.6g (SE %.3g)", spec,
          r.mean, ex.expected_loss, r.se);
    CHECK_REL(r.compute_mean, ex.compute_used, 1e-12, "compute used");
    CHECK_REL(r.t_end_mean, ex.t_end, 1e-12, "stop time");
    optsched_mc_result_free(&r);
    optsched_schedule_clear(&s);
    optsched_model_free(m);
}

static void check_threads_and_crn(void)
{
    optsched_model *m = make_model(20, 10);
    optsched_schedule s;
    optsched_error err;
    CHECK_OK(optsched_schedule_parse(&s, "cosine:eta=0.5,B=2,eta_end=0.001", m, &err), err);
    optsched_mc_options o;
    optsched_mc_options_default(&o);
    o.paths = 1001;
    optsched_mc_result r1, r2, r3;
    omp_set_num_threads(1);
    CHECK_OK(optsched_mc_schedule(m, &s, &o, &r1, &err), err);
    omp_set_num_threads(2);
    CHECK_OK(optsched_mc_schedule(m, &s, &o, &r2, &err), err);
    CHECK(memcmp(r1.loss, r2.loss, sizeof(double) * 1001) == 0 && r1.mean == r2.mean &&
              r1.std == r2.std,
          "1 vs 2 threads differ");
    /* paths are independent of how many there are: path i is the same in a run of 10 */
    o.paths = 10;
    CHECK_OK(optsched_mc_schedule(m, &s, &o, &r3, &err), err);
    CHECK(memcmp(r1.loss, r3.loss, sizeof(double) * 10) == 0, "path values depend on the path count");
    double d, se;
    optsched_mc_paired(&r1, &r2, &d, &se);
    CHECK(d == 0 && se == 0, "paired difference of identical runs");
    optsched_mc_result_free(&r1);
    optsched_mc_result_free(&r2);
    optsched_mc_result_free(&r3);
    optsched_model_free(m);
}

/* The generic feedback path (lockstep over paths) and the open-loop fast path
 * (path-major) must give the same numbers bit for bit. */
typedef struct {
    const optsched_model *m;
    const optsched_schedule *s;
} sched_ctx;

static int as_policy(void *vc, int n, const double *a, const double *r, double t, double *eta,
                     double *B)
{
    const sched_ctx *c = vc;
    for (int i = 0; i < n; i++) optsched_schedule_controls(c->s, c->m, t, &eta[i], &B[i]);
    return 0;
}

static void check_paths_agree(void)
{
    optsched_model *m = make_model(20, 10);
    optsched_schedule s;
    optsched_error err;
    CHECK_OK(optsched_schedule_parse(&s, "array:t=0/2/6,eta=0.5/0.3/0.05,B=1/3/8", m, &err), err);
    optsched_mc_options o;
    optsched_mc_options_default(&o);
    o.paths = 301;
    o.record = 1;
    optsched_mc_result r1, r2;
    sched_ctx c = {m, &s};
    CHECK_OK(optsched_mc_run(m, as_policy, &c, &o, &r1, &err), err);
    CHECK_OK(optsched_mc_schedule(m, &s, &o, &r2, &err), err);
    CHECK(memcmp(r1.loss, r2.loss, sizeof(double) * 301) == 0 && r1.mean == r2.mean,
          "feedback and open-loop paths differ");
    CHECK(r1.t_end_mean == r2.t_end_mean && r1.compute_mean == r2.compute_mean, "stop times differ");
    int same = 1;
    for (size_t i = 0; i < (size_t)301 * 500; i++)
        same &= (isnan(r1.B_trace[i]) && isnan(r2.B_trace[i])) || r1.B_trace[i] == r2.B_trace[i];
    CHECK(same, "recorded controls differ");
    /* the loss and compute traces: the same in both drivers (loss bit for bit; compute is
     * C − r in one and a running sum in the other, 1e-12), ending at each path's final loss */
    int same_loss = 1, close_compute = 1, ends = 1;
    for (size_t i = 0; i < (size_t)301 * 500; i++) {
        same_loss &= (isnan(r1.loss_trace[i]) && isnan(r2.loss_trace[i])) ||
                     r1.loss_trace[i] == r2.loss_trace[i];
        close_compute &= (isnan(r1.compute_trace[i]) && isnan(r2.compute_trace[i])) ||
                         fabs(r1.compute_trace[i] - r2.compute_trace[i]) <= 1e-12 * 20;
    }
    for (int p = 0; p < 301; p++) {
        int last = -1;
        for (int n = 0; n < 500; n++)
            if (!isnan(r1.loss_trace[(size_t)n * 301 + p])) last = n;
        ends &= last >= 0 && r1.loss_trace[(size_t)last * 301 + p] == r1.loss[p] &&
                r1.compute_trace[(size_t)last * 301 + p] == r1.compute[p];
    }
    CHECK(same_loss, "recorded losses differ between the drivers");
    CHECK(close_compute, "recorded compute differs between the drivers");
    CHECK(ends, "a loss trace does not end at the path's final loss and compute");
    optsched_mc_result_free(&r1);
    optsched_mc_result_free(&r2);
    optsched_schedule_clear(&s);
    optsched_model_free(m);
}

int main(void)
{
    check_paths_agree();
    check_threads_and_crn();
    /* constant, horizon binds (B = 1: C/B = 20 > T = 10) */
    check_schedule("constant:eta=0.2,B=1", 20, 10, 1000);
    /* cosine from η_max, budget and horizon both reached at t = 10 */
    check_schedule("cosine:eta=0.5,B=2,eta_end=0.001", 20, 10, 2000);
    /* wsd with a kink, budget binds in the middle of a grid step */
    check_schedule("wsd:eta=0.4,B=3,warmup=0.1,decay=0.3,decay_type=linear,min_ratio=0.05", 20, 10,
                   1000);
    return check_summary("test_mc");
}
