/* DGM engine benchmark: time per training iteration and its distance from the FLOP bound.
 *
 * The iteration (mirrored op for op by bench/dgm_torch.py): on N interior points of dimension
 * d = 12, the jets V, dV/dx (12), d2V/dx_j2 (j < 10) of a 3 x 128 DGM network (float32); loss
 *   mean (r0 + coef . jets)^2 + 50 mean sum_k relu(-d2V/dx_k2)^2 + 50 mean relu(dV/dx_10)^2
 *   + 50 mean relu(0 - V)^2 + 100 mean over N boundary points (V - target)^2;
 * its gradient with respect to every parameter; one Adam step.
 *
 * FLOP bound: the GEMM floating-point operations this formulation performs per iteration
 * divided by the best sgemm rate measured in the same run (the layer's big GEMM shape on all
 * threads, and a square 2048^3 sgemm). Everything else (the jet kernels, the loss, Adam) is
 * overhead above that bound. Also timed: the iteration's GEMMs alone ("GEMM skeleton": the
 * same calls on the same chunk shapes, two threads over chunks, no elementwise work), which
 * splits the distance from the bound into GEMM efficiency at chunk shapes and everything else.
 *
 * Usage: bench_dgm [reps2048 [reps256]]   Prints a table and one "RESULT ..." line per N.
 *        bench_dgm --core                   Prints the OpenBLAS kernel family in use.
 * Environment: CHUNK=P runs the engine and the GEMM skeleton on chunks of P points, the boundary
 * batch on chunks of 8P (default: the engine's, 16 and 128). */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/dgm.h"

enum { D = 12, Q = 10, WIDTH = 128, LAYERS = 3, C = 1 + D + Q };

typedef struct {
    const double *r0, *coef;
} ictx;

static double interior_loss(void *ctx, size_t p0, size_t n, int nc, const double *J, double *dJ)
{
    const ictx *c = ctx;
    double s = 0, scale = 1.0 / 2048, ps = 50.0 / 2048; /* scales do not affect timing */
    for (size_t p = 0; p < n; p++) {
        const double *j = J + p * nc, *cf = c->coef + (p0 + p) * nc;
        double *dj = dJ + p * nc, res = c->r0[p0 + p];
        for (int k = 0; k < nc; k++) res += cf[k] * j[k];
        for (int k = 0; k < nc; k++) dj[k] = 2 * scale * res * cf[k];
        s += scale * res * res;
        for (int k = 0; k < Q; k++) {
            double v = -j[1 + D + k];
            if (v > 0) { s += ps * v * v; dj[1 + D + k] -= 2 * ps * v; }
        }
        double vr = j[1 + 10];
        if (vr > 0) { s += ps * vr * vr; dj[1 + 10] += 2 * ps * vr; }
        double vl = -j[0];
        if (vl > 0) { s += ps * vl * vl; dj[0] -= 2 * ps * vl; }
    }
    return s;
}

static double bc_loss(void *ctx, size_t p0, size_t n, int nc, const double *J, double *dJ)
{
    const double *t = ctx;
    double s = 0;
    for (size_t p = 0; p < n; p++) {
        double e = J[p] - t[p0 + p];
        s += 100.0 / 2048 * e * e;
        dJ[p] = 2 * 100.0 / 2048 * e;
    }
    return s;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmpd);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* GEMM flops of one iteration of this formulation (see dgm_net_impl.h chunk_forward /
 * chunk_backward): forward, then reverse (two GEMMs per forward GEMM). */
static double gemm_flops(double N, double nc)
{
    double n = WIDTH, d = D, M = nc * N;
    double fwd = 2 * N * d * n + LAYERS * (2 * N * d * 4 * n + 2 * M * n * 3 * n + 2 * M * n * n) + 2 * M * n;
    double bwd = 2 * N * d * n + LAYERS * (2 * N * d * 4 * n + 2 * (2 * M * n * 3 * n) + 2 * (2 * M * n * n)) + 2 * M * n;
    return fwd + bwd;
}

static double sgemm_rate(int m, int n, int k, int reps)
{
    float *A = calloc((size_t)m * k, sizeof *A), *B = calloc((size_t)n * k, sizeof *B);
    float *Cm = calloc((size_t)m * n, sizeof *Cm);
    for (size_t i = 0; i < (size_t)m * k; i++) A[i] = (float)(i % 13) * 0.01f;
    for (size_t i = 0; i < (size_t)n * k; i++) B[i] = (float)(i % 7) * 0.01f;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, A, k, B, k, 0, Cm, n);
        double t = omp_get_wtime() - t0;
        if (t < best) best = t;
    }
    free(A); free(B); free(Cm);
    return 2.0 * m * n * k / best;
}

/* The GEMM calls of one iteration (see chunk_forward / chunk_backward in dgm_net_impl.h) on
 * chunks of P points, C channels; chunks split over two threads like the engine's slots. */
static void skeleton_chunk(float *buf, int Pc, int nc)
{
    const int n = WIDTH, d = D, M = nc * Pc;
    float *A = buf, *B = buf + (size_t)4 * M * n, *Cm = B + (size_t)4 * n * n + (size_t)4 * n * d;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Pc, n, d, 1, A, d, B, d, 0, Cm, n);
    for (int l = 0; l < LAYERS; l++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Pc, 4 * n, d, 1, A, d, B, d, 0, Cm, 4 * n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, 3 * n, n, 1, A, n, B, n, 0, Cm, 3 * n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, n, n, 1, A, n, B, n, 0, Cm, n);
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, M, n, 1, A, n, B, 1, 0, Cm, 1);
    cblas_sgemv(CblasRowMajor, CblasTrans, M, n, 1, A, n, B, 1, 1, Cm, 1);
    for (int l = 0; l < LAYERS; l++) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, M, 1, A, n, B, n, 1, Cm, n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, n, n, 1, A, n, B, n, 0, Cm, n);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 3 * n, n, M, 1, A, 3 * n, B, n, 1, Cm, n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, n, 3 * n, 1, A, 3 * n, B, n, 1, Cm, n);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 3 * n, d, Pc, 1, A, 3 * n, B, d, 1, Cm, d);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, Pc, 1, A, n, B, d, 1, Cm, d);
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, Pc, 1, A, n, B, d, 1, Cm, d);
}

static double skeleton(size_t N, int reps)
{
    const int P = getenv("CHUNK") ? atoi(getenv("CHUNK")) : OPTSCHED_DGM_CHUNK_DEFAULT;
    size_t per = (size_t)4 * C * P * WIDTH + (size_t)4 * WIDTH * WIDTH + (size_t)4 * WIDTH * D + (size_t)4 * C * P * WIDTH;
    float *buf = calloc(2 * per, sizeof *buf);
    double *t = malloc(reps * sizeof *t);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
    for (int r = -1; r < reps; r++) {
        double t0 = omp_get_wtime();
        for (int pass = 0; pass < 2; pass++) { /* interior (C channels), boundary (value only) */
            int nc = pass ? 1 : C, Pp = pass ? 8 * P : P; /* the boundary on 8x larger chunks */
            size_t nch = (N + Pp - 1) / Pp;
#pragma omp parallel for schedule(static)
            for (size_t k = 0; k < nch; k++)
                skeleton_chunk(buf + (size_t)omp_get_thread_num() % 2 * per, Pp, nc);
        }
        if (r >= 0) t[r] = omp_get_wtime() - t0;
    }
    openblas_set_num_threads(blas);
    double m = median(t, reps);
    free(t);
    free(buf);
    return m;
}

static void run(size_t N, int reps, double rate)
{
    optsched_error err;
    optsched_dgm_layout lay;
    optsched_dgm_layout_init(&lay, D, WIDTH, LAYERS, &err);
    int q[Q];
    for (int k = 0; k < Q; k++) q[k] = k;
    optsched_dgm_jetspec js = {1, Q, q}, jv = {0, 0, NULL};
    optsched_dgm_net_f32 *net = optsched_dgm_net_alloc_f32(&lay, &err);
    optsched_dgm_net_init_f32(net, 42);
    const int chunk = getenv("CHUNK") ? atoi(getenv("CHUNK")) : 0;
    optsched_dgm_work_f32 *wi = optsched_dgm_work_alloc_f32(&lay, &js, N, chunk, OPTSCHED_DGM_WORK_GRAD, &err);
    /* the boundary batch (value only) on chunks 8x larger, as the solver runs it */
    optsched_dgm_work_f32 *wb = optsched_dgm_work_alloc_f32(&lay, &jv, N, 8 * chunk, OPTSCHED_DGM_WORK_GRAD, &err);
    optsched_dgm_adam_f32 *adam = optsched_dgm_adam_alloc_f32(lay.nparams, 1e-3, &err);
    float *x = malloc(N * D * sizeof *x), *xb = malloc(N * D * sizeof *xb), *g = malloc(lay.nparams * sizeof *g);
    double *r0 = malloc(N * sizeof *r0), *coef = malloc(N * C * sizeof *coef), *tb = malloc(N * sizeof *tb);
    optsched_dgm_rng rng = {1, 0, 0};
    for (size_t i = 0; i < N * D; i++) {
        x[i] = (float)optsched_dgm_rng_uniform(&rng, i, 0);
        xb[i] = (float)optsched_dgm_rng_uniform(&rng, i, 1);
    }
    for (size_t i = 0; i < N * C; i++) coef[i] = optsched_dgm_rng_normal(&rng, i + 1000000, 0);
    for (size_t i = 0; i < N; i++) { r0[i] = optsched_dgm_rng_normal(&rng, i, 1); tb[i] = 1; }
    ictx ic = {r0, coef};
    double *t = malloc(reps * sizeof *t), lb, li;
    for (int r = -2; r < reps; r++) { /* two warm-up iterations */
        double t0 = omp_get_wtime();
        optsched_dgm_value_and_grad_f32(g, &lb, wb, net, N, xb, bc_loss, tb, 0, &err);
        optsched_dgm_value_and_grad_f32(g, &li, wi, net, N, x, interior_loss, &ic, 1, &err);
        optsched_dgm_adam_step_f32(adam, net->params, g);
        if (r >= 0) t[r] = omp_get_wtime() - t0;
    }
    double med = median(t, reps), fl = gemm_flops((double)N, C) + gemm_flops((double)N, 1);
    double bound = fl / rate;
    double skel = skeleton(N, reps);
    printf("N = %5zu: %8.2f ms/iteration (median of %d), GEMM work %.2f GFLOP, FLOP bound %.2f ms, "
           "time/bound %.3f; the GEMMs alone at chunk shapes %.2f ms (time/that %.3f)\n", N, med * 1e3,
           reps, fl * 1e-9, bound * 1e3, med / bound, skel * 1e3, med / skel);
    printf("RESULT engine=c N=%zu ms=%.4f bound_ms=%.4f gflop=%.4f skeleton_ms=%.4f\n", N, med * 1e3,
           bound * 1e3, fl * 1e-9, skel * 1e3);
    free(t); free(x); free(xb); free(g); free(r0); free(coef); free(tb);
    optsched_dgm_adam_free_f32(adam);
    optsched_dgm_work_free_f32(wi);
    optsched_dgm_work_free_f32(wb);
    optsched_dgm_net_free_f32(net);
}

extern char *openblas_get_corename(void);

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--core")) { /* which kernels OpenBLAS picked */
        printf("%s\n", openblas_get_corename());
        return 0;
    }
    int reps2048 = argc > 1 ? atoi(argv[1]) : 7, reps256 = argc > 2 ? atoi(argv[2]) : 21;
    if (reps2048 < 1) reps2048 = 1;
    if (reps256 < 1) reps256 = 1;
    printf("DGM engine benchmark: d = %d, q = %d, %d x %d, float32, %d OpenMP threads, OpenBLAS core %s\n",
           D, Q, LAYERS, WIDTH, omp_get_max_threads(), openblas_get_corename());
    double r1 = sgemm_rate(C * 2048, 3 * WIDTH, WIDTH, 5), r2 = sgemm_rate(2048, 2048, 2048, 3);
    double rate = r1 > r2 ? r1 : r2;
    printf("sgemm rate: %.1f GFLOP/s (%d x %d x %d), %.1f GFLOP/s (2048^3); bound uses %.1f\n", r1 * 1e-9,
           C * 2048, 3 * WIDTH, WIDTH, r2 * 1e-9, rate * 1e-9);
    printf("RESULT sgemm_gflops=%.3f\n", rate * 1e-9);
    run(2048, reps2048, rate);
    run(256, reps256, rate);
    return 0;
}
