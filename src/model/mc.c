/* Euler–Maruyama Monte Carlo (see mc.h).
 *
 * Two drivers share one step (em_update) and one source of normals (the
 * batched, vectorised optsched_rng_normal_batch), so they give identical
 * numbers for the same controls:
 *  - feedback policies: all live paths advance in lockstep, kept compact in
 *    path order so the policy sees one contiguous batch per step;
 *  - open-loop schedules: controls and the stop step are the same for every
 *    path, so paths run in chunks from start to end in one parallel region. */
#include "optsched/mc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/rng.h"

#define CHUNK 16 /* paths drawn and stepped together */

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

static int alloc_result(optsched_mc_result *res, const optsched_mc_options *o, double dt)
{
    const int N = o->paths, S = o->steps;
    res->loss = malloc(3 * (size_t)N * sizeof *res->loss);
    if (o->record) res->eta_trace = malloc(4 * (size_t)N * S * sizeof *res->eta_trace);
    if (!res->loss || (o->record && !res->eta_trace)) return OPTSCHED_ENOMEM;
    res->compute = res->loss + N;
    res->t_end = res->loss + 2 * N;
    if (o->record) {
        res->B_trace = res->eta_trace + (size_t)N * S;
        res->loss_trace = res->eta_trace + 2 * (size_t)N * S;
        res->compute_trace = res->eta_trace + 3 * (size_t)N * S;
        for (size_t i = 0; i < 4 * (size_t)N * S; i++)
            res->eta_trace[i] = NAN;
    }
    res->paths = N;
    res->steps = S;
    res->dt = dt;
    return OPTSCHED_OK;
}

/* The step length actually taken: a step that would overrun the budget is
 * shortened to spend exactly what remains (then *out = 1). */
static inline double step_length(double B, double dt, double r, int *out)
{
    *out = B * dt >= r;
    return *out ? r / B : dt;
}

/* a ← a − η λ P a h + η sqrt(λ (ℓ(a) + σ²) h / B) z, for one path. */
static inline void em_update(const optsched_model *m, double eta, double B, double h, double *a,
                             const double *z)
{
    const int K = m->K;
    double ell = 0;
    for (int k = 0; k < K; k++)
        ell += m->lambda[k] * a[k] * a[k];
    const double amp = eta * sqrt((ell + m->sigma2) / B * h);
    const double drift = eta * m->P * h;
    for (int k = 0; k < K; k++)
        a[k] += -drift * m->lambda[k] * a[k] + amp * m->sqrt_lambda[k] * z[k];
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
    const int K = m->K, N = o->paths, S = o->steps, nb = (K + 3) / 4;
    const double dt = optsched_model_time_span(m) / S;
    double *a = malloc((size_t)N * K * sizeof *a);
    double *z = malloc((size_t)N * nb * 4 * sizeof *z);
    double *r = malloc((size_t)N * sizeof *r);
    double *eta = malloc((size_t)N * sizeof *eta), *B = malloc((size_t)N * sizeof *B);
    uint32_t *id = malloc((size_t)N * sizeof *id);
    unsigned char *done = malloc((size_t)N);
    if (!a || !z || !r || !eta || !B || !id || !done || alloc_result(res, o, dt)) {
        st = optsched_error_set(err, OPTSCHED_ENOMEM, "Monte Carlo: out of memory (%d paths)", N);
        goto out;
    }
    for (int i = 0; i < N; i++) {
        memcpy(a + (size_t)i * K, m->a0, (size_t)K * sizeof *a);
        r[i] = m->C;
        id[i] = (uint32_t)(o->first_path + i);
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
        for (int c0 = 0; c0 < live; c0 += CHUNK) {
            const int cn = live - c0 < CHUNK ? live - c0 : CHUNK;
            double *zc = z + (size_t)c0 * nb * 4;
            optsched_rng_normal_batch(o->seed, OPTSCHED_STREAM_BROWNIAN, (uint32_t)n, cn, id + c0,
                                      nb, zc);
            for (int i = c0; i < c0 + cn; i++) {
                const double e = fmin(m->eta_max, fmax(m->eta_min, eta[i]));
                const double b = fmin(m->B_max, fmax(m->B_min, B[i]));
                const int p = (int)id[i] - o->first_path;
                if (o->record) {
                    res->eta_trace[(size_t)n * N + p] = e;
                    res->B_trace[(size_t)n * N + p] = b;
                }
                int out;
                double h = step_length(b, dt, r[i], &out);
                em_update(m, e, b, h, a + (size_t)i * K, z + (size_t)i * nb * 4);
                r[i] = out ? 0.0 : r[i] - b * h;
                if (o->record) {
                    res->loss_trace[(size_t)n * N + p] = optsched_model_ell(m, a + (size_t)i * K) + m->tail;
                    res->compute_trace[(size_t)n * N + p] = m->C - r[i];
                }
                done[i] = (unsigned char)(out || last);
                if (done[i]) {
                    res->loss[p] = optsched_model_ell(m, a + (size_t)i * K) + m->tail;
                    res->compute[p] = m->C - r[i];
                    res->t_end[p] = t + h;
                    stopped++;
                }
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
    free(z);
    free(r);
    free(eta);
    free(B);
    free(id);
    free(done);
    if (st) optsched_mc_result_free(res);
    return st;
}

int optsched_mc_schedule(const optsched_model *m, const optsched_schedule *s,
                         const optsched_mc_options *o, optsched_mc_result *res, optsched_error *err)
{
    memset(res, 0, sizeof *res);
    int st = optsched_schedule_validate(s, m, err);
    if (!st) st = check_options(o, err);
    if (st) return st;
    const int K = m->K, N = o->paths, S = o->steps, nb = (K + 3) / 4;
    const double dt = optsched_model_time_span(m) / S;
    /* the controls, step lengths and stop step: the same for every path */
    double *ctl = malloc(3 * (size_t)S * sizeof *ctl);
    if (!ctl || alloc_result(res, o, dt)) {
        free(ctl);
        optsched_mc_result_free(res);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "Monte Carlo: out of memory (%d paths)", N);
    }
    double *eta = ctl, *B = ctl + S, *h = ctl + 2 * S, r = m->C;
    int last = S - 1;
    for (int n = 0; n < S; n++) {
        optsched_schedule_controls(s, m, n * dt, &eta[n], &B[n]);
        eta[n] = fmin(m->eta_max, fmax(m->eta_min, eta[n]));
        B[n] = fmin(m->B_max, fmax(m->B_min, B[n]));
        int out;
        h[n] = step_length(B[n], dt, r, &out);
        r = out ? 0.0 : r - B[n] * h[n];
        if (out) {
            last = n;
            break;
        }
    }
    const double compute = m->C - r, t_end = last * dt + h[last];
    int oom = 0;
#pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < N; c0 += CHUNK) {
        const int cn = N - c0 < CHUNK ? N - c0 : CHUNK;
        double *st_a = malloc((size_t)cn * K * sizeof *st_a);
        double *z = malloc((size_t)cn * nb * 4 * sizeof *z);
        uint32_t id[CHUNK];
        if (st_a && z) {
            for (int i = 0; i < cn; i++) {
                memcpy(st_a + (size_t)i * K, m->a0, (size_t)K * sizeof *st_a);
                id[i] = (uint32_t)(o->first_path + c0 + i);
            }
            double spent = 0;
            for (int n = 0; n <= last; n++) {
                optsched_rng_normal_batch(o->seed, OPTSCHED_STREAM_BROWNIAN, (uint32_t)n, cn, id,
                                          nb, z);
                for (int i = 0; i < cn; i++)
                    em_update(m, eta[n], B[n], h[n], st_a + (size_t)i * K, z + (size_t)i * nb * 4);
                spent += B[n] * h[n];
                if (o->record)
                    for (int i = 0; i < cn; i++) {
                        res->loss_trace[(size_t)n * N + c0 + i] =
                            optsched_model_ell(m, st_a + (size_t)i * K) + m->tail;
                        res->compute_trace[(size_t)n * N + c0 + i] = n == last ? compute : spent;
                    }
            }
            for (int i = 0; i < cn; i++) {
                const int p = c0 + i;
                res->loss[p] = optsched_model_ell(m, st_a + (size_t)i * K) + m->tail;
                res->compute[p] = compute;
                res->t_end[p] = t_end;
                if (o->record)
                    for (int n = 0; n <= last; n++) {
                        res->eta_trace[(size_t)n * N + p] = eta[n];
                        res->B_trace[(size_t)n * N + p] = B[n];
                    }
            }
        } else {
#pragma omp atomic write
            oom = 1;
        }
        free(st_a);
        free(z);
    }
    free(ctl);
    if (oom) {
        optsched_mc_result_free(res);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "Monte Carlo: out of memory");
    }
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    if (i >= n - 1) return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

int optsched_mc_control_bands(const optsched_mc_result *res, int which, int n, double *mean,
                              double *q10, double *q50, double *q90)
{
    *mean = *q10 = *q50 = *q90 = NAN;
    if (!res->eta_trace || n < 0 || n >= res->steps) return 0;
    const double *base = which == 0   ? res->eta_trace
                         : which == 1 ? res->B_trace
                         : which == 2 ? res->loss_trace
                                      : res->compute_trace;
    const double *row = base + (size_t)n * res->paths;
    double *v = malloc((size_t)res->paths * sizeof *v);
    if (!v) return 0;
    int live = 0;
    double s = 0;
    for (int p = 0; p < res->paths; p++)
        if (!isnan(row[p])) {
            v[live++] = row[p];
            s += row[p];
        }
    if (live > 0) {
        qsort(v, (size_t)live, sizeof *v, cmp_double);
        *mean = s / live;
        *q10 = quantile_sorted(v, live, 0.1);
        *q50 = quantile_sorted(v, live, 0.5);
        *q90 = quantile_sorted(v, live, 0.9);
    }
    free(v);
    return live;
}
