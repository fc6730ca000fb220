/* Euler–Maruyama Monte Carlo (see mc.h). The live paths are kept compact, in
 * path order, so a feedback policy sees one contiguous batch per step. */
#include "optsched/mc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/rng.h"

void optsched_mc_options_default(optsched_mc_options *o)
{
    *o =
        (optsched_mc_options){.seed = 42, .paths = 200, .steps = 500, .first_path = 0, .record = 0};
}

void optsched_mc_result_free(optsched_mc_result *res)
{
    free(res->loss);
    free(res->eta_trace);
    memset(res, 0, sizeof *res);
}

static int check_options(const optsched_mc_options *o, optsched_error *err)
{
    if (o->paths < 1 || o->paths > 100000000)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--paths: expected an integer in [1, 100000000], got %d",
                                  o->paths);
    if (o->steps < 1 || o->steps > 100000000)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--steps: expected an integer in [1, 100000000], got %d",
                                  o->steps);
    if (o->first_path < 0)
        return optsched_error_set(err, OPTSCHED_EINVAL, "first path must be >= 0, got %d",
                                  o->first_path);
    return OPTSCHED_OK;
}

/* One Euler–Maruyama step of one path; returns 1 if the budget ran out. */
static inline int em_step(const optsched_model *m, uint64_t seed, uint32_t path, uint32_t step,
                          double eta, double B, double dt, double *a, double *r, double *dt_used)
{
    int out = 0;
    if (B * dt >= *r) {
        dt = *r / B;
        out = 1;
    }
    const int K = m->K;
    double ell = 0;
    for (int k = 0; k < K; k++)
        ell += m->lambda[k] * a[k] * a[k];
    const double amp = eta * sqrt((ell + m->sigma2) / B * dt);
    const double drift = eta * m->P * dt;
    double z[4];
    for (int k = 0; k < K; k++) {
        if ((k & 3) == 0)
            optsched_rng_normal4(seed, OPTSCHED_STREAM_BROWNIAN, path, step, (uint32_t)(k >> 2), z);
        a[k] += -drift * m->lambda[k] * a[k] + amp * m->sqrt_lambda[k] * z[k & 3];
    }
    *r = out ? 0.0 : *r - B * dt;
    *dt_used = dt;
    return out;
}

/* Mean, std and SE in path order: independent of the thread count. */
static void summarize(optsched_mc_result *res)
{
    const int N = res->paths;
    double s = 0, c = 0, te = 0;
    for (int i = 0; i < N; i++) {
        s += res->loss[i];
        c += res->compute[i];
        te += res->t_end[i];
    }
    res->mean = s / N;
    res->compute_mean = c / N;
    res->t_end_mean = te / N;
    double v = 0;
    for (int i = 0; i < N; i++)
        v += (res->loss[i] - res->mean) * (res->loss[i] - res->mean);
    res->std = N > 1 ? sqrt(v / (N - 1)) : 0.0;
    res->se = res->std / sqrt((double)N);
}

int optsched_mc_run(const optsched_model *m, optsched_policy_fn policy, void *ctx,
                    const optsched_mc_options *o, optsched_mc_result *res, optsched_error *err)
{
    memset(res, 0, sizeof *res);
    int st = check_options(o, err);
    if (st) return st;
    const int K = m->K, N = o->paths, S = o->steps;
    const double span = optsched_model_time_span(m), dt = span / S;
    double *a = malloc((size_t)N * K * sizeof *a);
    double *r = malloc((size_t)N * sizeof *r);
    double *eta = malloc((size_t)N * sizeof *eta), *B = malloc((size_t)N * sizeof *B);
    int *id = malloc((size_t)N * sizeof *id);
    unsigned char *done = malloc((size_t)N);
    res->loss = malloc(3 * (size_t)N * sizeof *res->loss);
    if (o->record) res->eta_trace = malloc(2 * (size_t)N * S * sizeof *res->eta_trace);
    if (!a || !r || !eta || !B || !id || !done || !res->loss || (o->record && !res->eta_trace)) {
        st = optsched_error_set(err, OPTSCHED_ENOMEM, "Monte Carlo: out of memory (%d paths)", N);
        goto out;
    }
    res->compute = res->loss + N;
    res->t_end = res->loss + 2 * N;
    if (o->record) {
        res->B_trace = res->eta_trace + (size_t)N * S;
        for (size_t i = 0; i < 2 * (size_t)N * S; i++)
            res->eta_trace[i] = NAN;
    }
    res->paths = N;
    res->steps = S;
    res->dt = dt;
    for (int i = 0; i < N; i++) {
        memcpy(a + (size_t)i * K, m->a0, (size_t)K * sizeof *a);
        r[i] = m->C;
        id[i] = i;
    }
    int live = N;
    for (int n = 0; n < S && live > 0; n++) {
        const double t = n * dt;
        st = policy(ctx, live, a, r, t, eta, B);
        if (st) {
            optsched_error_set(err, st, "Monte Carlo: the policy failed at t = %g", t);
            goto out;
        }
        const int last = n == S - 1;
        int stopped = 0;
#pragma omp parallel for schedule(static) reduction(+ : stopped)
        for (int i = 0; i < live; i++) {
            double e = fmin(m->eta_max, fmax(m->eta_min, eta[i]));
            double b = fmin(m->B_max, fmax(m->B_min, B[i]));
            const int p = id[i];
            if (o->record) {
                res->eta_trace[(size_t)n * N + p] = e;
                res->B_trace[(size_t)n * N + p] = b;
            }
            double used;
            int out = em_step(m, o->seed, (uint32_t)(o->first_path + p), (uint32_t)n, e, b, dt,
                              a + (size_t)i * K, &r[i], &used);
            done[i] = (unsigned char)(out || last);
            if (done[i]) {
                res->loss[p] = optsched_model_ell(m, a + (size_t)i * K) + m->tail;
                res->compute[p] = m->C - r[i];
                res->t_end[p] = t + used;
                stopped++;
            }
        }
        if (stopped) { /* compact the live paths, keeping path order */
            int w = 0;
            for (int i = 0; i < live; i++) {
                if (done[i]) continue;
                if (w != i) {
                    memmove(a + (size_t)w * K, a + (size_t)i * K, (size_t)K * sizeof *a);
                    r[w] = r[i];
                    id[w] = id[i];
                }
                w++;
            }
            live = w;
        }
    }
    summarize(res);
out:
    free(a);
    free(r);
    free(eta);
    free(B);
    free(id);
    free(done);
    if (st) optsched_mc_result_free(res);
    return st;
}

/* Open-loop controls are the same for every path, so each path can run all
 * its steps in one go: one parallel region instead of a barrier per step, and
 * a path's state stays in registers/L1. The arithmetic per path is the same as
 * in optsched_mc_run, so both give identical numbers. */
int optsched_mc_schedule(const optsched_model *m, const optsched_schedule *s,
                         const optsched_mc_options *o, optsched_mc_result *res, optsched_error *err)
{
    memset(res, 0, sizeof *res);
    int st = optsched_schedule_validate(s, m, err);
    if (!st) st = check_options(o, err);
    if (st) return st;
    const int K = m->K, N = o->paths, S = o->steps;
    const double span = optsched_model_time_span(m), dt = span / S;
    double *ctl = malloc(2 * (size_t)S * sizeof *ctl);
    res->loss = malloc(3 * (size_t)N * sizeof *res->loss);
    if (o->record) res->eta_trace = malloc(2 * (size_t)N * S * sizeof *res->eta_trace);
    if (!ctl || !res->loss || (o->record && !res->eta_trace)) {
        free(ctl);
        optsched_mc_result_free(res);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "Monte Carlo: out of memory (%d paths)", N);
    }
    double *eta = ctl, *B = ctl + S;
    for (int n = 0; n < S; n++) {
        optsched_schedule_controls(s, m, n * dt, &eta[n], &B[n]);
        eta[n] = fmin(m->eta_max, fmax(m->eta_min, eta[n]));
        B[n] = fmin(m->B_max, fmax(m->B_min, B[n]));
    }
    res->compute = res->loss + N;
    res->t_end = res->loss + 2 * N;
    if (o->record) res->B_trace = res->eta_trace + (size_t)N * S;
    res->paths = N;
    res->steps = S;
    res->dt = dt;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < N; p++) {
        double a[OPTSCHED_MAX_MODES];
        memcpy(a, m->a0, (size_t)K * sizeof *a);
        double r = m->C;
        int n = 0;
        for (; n < S; n++) {
            if (o->record) {
                res->eta_trace[(size_t)n * N + p] = eta[n];
                res->B_trace[(size_t)n * N + p] = B[n];
            }
            double used;
            int out = em_step(m, o->seed, (uint32_t)(o->first_path + p), (uint32_t)n, eta[n], B[n],
                              dt, a, &r, &used);
            if (out || n == S - 1) {
                res->loss[p] = optsched_model_ell(m, a) + m->tail;
                res->compute[p] = m->C - r;
                res->t_end[p] = n * dt + used;
                break;
            }
        }
        if (o->record)
            for (int q = n + 1; q < S; q++)
                res->eta_trace[(size_t)q * N + p] = res->B_trace[(size_t)q * N + p] = NAN;
    }
    free(ctl);
    summarize(res);
    return OPTSCHED_OK;
}

void optsched_mc_paired(const optsched_mc_result *a, const optsched_mc_result *b, double *mean,
                        double *se)
{
    const int n = a->paths < b->paths ? a->paths : b->paths;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += b->loss[i] - a->loss[i];
    double mu = s / n, v = 0;
    for (int i = 0; i < n; i++) {
        double d = b->loss[i] - a->loss[i] - mu;
        v += d * d;
    }
    *mean = mu;
    *se = n > 1 ? sqrt(v / (n - 1) / n) : 0.0;
}
