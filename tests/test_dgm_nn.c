/* DGM network: jets and parameter gradients against central finite differences (float64),
 * float32 against float64, the fused and the taped reverse pass against each other, thread
 * count independence, and the float tanh against libm.
 *
 * With "--dump DIR" it instead writes a network, points and its jets / parameter gradients
 * (both precisions) for tests/test_dgm_torch.py to compare with PyTorch autograd. */
#include "check.h"
#include "optsched/dgm.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

float optsched_dgm_tanh_f32(float x);

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) * 0x1p-53;
}

/* Loss with fixed random weights on every jet: L = sum_p sum_c g[p][c] J[p][c]. */
typedef struct { const double *g; } lin_ctx;
static double lin_loss(void *ctx, size_t p0, size_t n, int C, const double *jets, double *djets)
{
    const lin_ctx *c = ctx;
    double s = 0;
    for (size_t i = 0; i < n * (size_t)C; i++) {
        djets[i] = c->g[p0 * C + i];
        s += djets[i] * jets[i];
    }
    return s;
}

static double jets_loss64(optsched_dgm_work_f64 *w, optsched_dgm_net_f64 *net, size_t N,
                          const double *x, const double *g, int C)
{
    double *j = malloc(N * C * sizeof *j);
    optsched_error err;
    optsched_dgm_forward_f64(j, w, net, N, x, &err);
    double s = 0;
    for (size_t i = 0; i < N * (size_t)C; i++) s += g[i] * j[i];
    free(j);
    return s;
}

/* Largest relative error of the parameter gradient grad of L = g . jets against central
 * differences (h = 1e-5 * max(1, |theta|): truncation ~h^2 = 1e-10, rounding ~1e-16 *
 * sum|g.jets| / h ~ 1e-9), each error measured relative to |fd| + 1e-4 max|grad| so that
 * entries near zero are held to that absolute floor; *worst is where it occurs. */
static double grad_fd_err(optsched_dgm_work_f64 *w, optsched_dgm_net_f64 *net, size_t np, size_t N,
                          const double *x, const double *g, int C, const double *grad, size_t *worst)
{
    double gmax = 0, emax = 0;
    for (size_t i = 0; i < np; i++) gmax = fmax(gmax, fabs(grad[i]));
    for (size_t i = 0; i < np; i++) {
        double th = net->params[i], h = 1e-5 * fmax(1, fabs(th));
        net->params[i] = th + h;
        double lp = jets_loss64(w, net, N, x, g, C);
        net->params[i] = th - h;
        double lm = jets_loss64(w, net, N, x, g, C);
        net->params[i] = th;
        double fd = (lp - lm) / (2 * h);
        double e = fabs(fd - grad[i]) / (1e-4 * gmax + fabs(fd));
        if (e > emax) { emax = e; *worst = i; }
    }
    return emax;
}

static int dump(const char *dir)
{
    /* The bench shape in miniature: d = 5, two second-order inputs, 2 layers of 16 units. */
    const int d = 5, n = 16, L = 2, q[2] = {0, 3};
    const size_t N = 37;
    optsched_error err;
    optsched_dgm_layout lay;
    optsched_dgm_layout_init(&lay, d, n, L, &err);
    optsched_dgm_jetspec js = {1, 2, q};
    int C = optsched_dgm_jet_channels(&js, d);
    optsched_dgm_net_f64 *n64 = optsched_dgm_net_alloc_f64(&lay, &err);
    optsched_dgm_net_f32 *n32 = optsched_dgm_net_alloc_f32(&lay, &err);
    optsched_dgm_net_init_f64(n64, 7);
    /* Non-zero biases so that they are exercised too. */
    uint64_t rs = 99;
    for (size_t i = 0; i < lay.nparams; i++) {
        if (n64->params[i] == 0) n64->params[i] = 0.2 * (urand(&rs) - 0.5);
        n32->params[i] = (float)n64->params[i];
    }
    double *x = malloc(N * d * sizeof *x), *g = malloc(N * C * sizeof *g);
    float *x32 = malloc(N * d * sizeof *x32);
    for (size_t i = 0; i < N * (size_t)d; i++) { x[i] = 2 * urand(&rs) - 1; x32[i] = (float)x[i]; }
    for (size_t i = 0; i < N * (size_t)C; i++) g[i] = 2 * urand(&rs) - 1;
    optsched_dgm_work_f64 *w64 = optsched_dgm_work_alloc_f64(&lay, &js, N, 8, OPTSCHED_DGM_WORK_GRAD | OPTSCHED_DGM_WORK_TAPE, &err);
    optsched_dgm_work_f32 *w32 = optsched_dgm_work_alloc_f32(&lay, &js, N, 8, OPTSCHED_DGM_WORK_GRAD | OPTSCHED_DGM_WORK_TAPE, &err);
    double *j64 = malloc(N * C * sizeof *j64), *g64 = malloc(lay.nparams * sizeof *g64);
    float *j32 = malloc(N * C * sizeof *j32), *g32 = malloc(lay.nparams * sizeof *g32);
    float *gf = malloc(N * C * sizeof *gf);
    for (size_t i = 0; i < N * (size_t)C; i++) gf[i] = (float)g[i];
    optsched_dgm_forward_f64(j64, w64, n64, N, x, &err);
    optsched_dgm_backward_f64(g64, w64, n64, g, 0, &err);
    optsched_dgm_forward_f32(j32, w32, n32, N, x32, &err);
    optsched_dgm_backward_f32(g32, w32, n32, gf, 0, &err);
    char path[4096];
    snprintf(path, sizeof path, "%s/dgm_dump.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return 1; }
    int32_t hdr[6] = {d, n, L, (int32_t)N, C, 2};
    fwrite(hdr, sizeof hdr, 1, f);
    int32_t qq[2] = {q[0], q[1]};
    fwrite(qq, sizeof qq, 1, f);
    int64_t np = (int64_t)lay.nparams;
    fwrite(&np, sizeof np, 1, f);
    fwrite(n64->params, sizeof(double), lay.nparams, f);
    fwrite(x, sizeof(double), N * d, f);
    fwrite(g, sizeof(double), N * C, f);
    fwrite(j64, sizeof(double), N * C, f);
    fwrite(g64, sizeof(double), lay.nparams, f);
    fwrite(j32, sizeof(float), N * C, f);
    fwrite(g32, sizeof(float), lay.nparams, f);
    fclose(f);
    printf("wrote %s (%zu parameters)\n", path, lay.nparams);
    free(x); free(g); free(x32); free(j64); free(g64); free(j32); free(g32); free(gf);
    optsched_dgm_work_free_f64(w64);
    optsched_dgm_work_free_f32(w32);
    optsched_dgm_net_free_f64(n64);
    optsched_dgm_net_free_f32(n32);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--dump")) return dump(argv[2]);
    optsched_error err;

    /* float tanh vs libm over [-12, 12]: relative error within 8 * 2^-24 (the approximation
     * measures 5.5; glibc's own tanhf 2.6). */
    {
        double maxe = 0;
        for (int i = -120000; i <= 120000; i++) {
            float xv = (float)(i * 1e-4);
            double e = fabs((double)optsched_dgm_tanh_f32(xv) - tanh((double)xv));
            double tol = fmax(fabs(tanh((double)xv)), 1e-30) * 8 * 0x1p-24;
            if (e / tol > maxe) maxe = e / tol;
        }
        CHECK(maxe <= 1.0, "float tanh error %.3g of the 8 * 2^-24 budget", maxe);
    }

    const int d = 4, n = 10, L = 2, q[3] = {0, 2, 3};
    const size_t N = 29; /* chunk 4: 8 chunks in 8 slots, the last one partial */
    optsched_dgm_layout lay;
    CHECK_OK(optsched_dgm_layout_init(&lay, d, n, L, &err), err);
    optsched_dgm_jetspec js = {1, 3, q};
    const int C = optsched_dgm_jet_channels(&js, d);
    CHECK(C == 1 + 4 + 3, "channels %d", C);
    optsched_dgm_net_f64 *net = optsched_dgm_net_alloc_f64(&lay, &err);
    optsched_dgm_net_init_f64(net, 3);
    uint64_t rs = 12345;
    for (size_t i = 0; i < lay.nparams; i++)
        if (net->params[i] == 0) net->params[i] = 0.3 * (urand(&rs) - 0.5);
    optsched_dgm_work_f64 *w = optsched_dgm_work_alloc_f64(&lay, &js, N, 4, OPTSCHED_DGM_WORK_GRAD | OPTSCHED_DGM_WORK_TAPE, &err);
    CHECK(w != NULL, "work alloc: %s", err.msg);
    optsched_dgm_jetspec jv = {0, 0, NULL};
    optsched_dgm_work_f64 *wv = optsched_dgm_work_alloc_f64(&lay, &jv, N, 4, 0, &err);
    double *x = malloc(N * d * sizeof *x), *jets = malloc(N * C * sizeof *jets);
    double *xp = malloc(N * d * sizeof *xp), *vp = malloc(N * sizeof *vp), *vm = malloc(N * sizeof *vm);
    double *jp = malloc(N * C * sizeof *jp), *jm = malloc(N * C * sizeof *jm);
    for (size_t i = 0; i < N * (size_t)d; i++) x[i] = 2 * urand(&rs) - 1;
    CHECK_OK(optsched_dgm_forward_f64(jets, w, net, N, x, &err), err);

    /* Value channel equals a value-only evaluation to rounding: the same products, but the
     * jets' GEMMs are C times wider, and a BLAS kernel may sum the edge columns of a block
     * in another order (bit-identical with OpenBLAS's Prescott and Sandybridge kernels; with
     * its Zen kernels measured 1.96 ulp, printed below). Tolerance 8 ulp of |V|;
     * a wrong channel is off by O(1). */
    CHECK_OK(optsched_dgm_forward_f64(vp, wv, net, N, x, &err), err);
    double vdiff = 0;
    for (size_t p = 0; p < N; p++)
        vdiff = fmax(vdiff, fabs(vp[p] - jets[p * C]) / (fabs(jets[p * C]) * 0x1p-52));
    printf("value-only forward vs the value channel: %.3g ulp\n", vdiff);
    CHECK(vdiff <= 8, "value-only forward differs from the value channel by %.3g ulp", vdiff);

    /* First derivatives: central differences of V, h = 1e-5 (truncation ~1e-10 * V'''). */
    double emax1 = 0, emax2 = 0, emax2v = 0;
    for (int i = 0; i < d; i++) {
        const double h = 1e-5;
        memcpy(xp, x, N * d * sizeof *x);
        for (size_t p = 0; p < N; p++) xp[p * d + i] = x[p * d + i] + h;
        optsched_dgm_forward_f64(jp, w, net, N, xp, &err);
        for (size_t p = 0; p < N; p++) xp[p * d + i] = x[p * d + i] - h;
        optsched_dgm_forward_f64(jm, w, net, N, xp, &err);
        for (size_t p = 0; p < N; p++) {
            double fd = (jp[p * C] - jm[p * C]) / (2 * h);
            emax1 = fmax(emax1, fabs(fd - jets[p * C + 1 + i]) / (1 + fabs(fd)));
            /* Second derivative: central difference of the first-derivative jet. */
            for (int k = 0; k < 3; k++)
                if (q[k] == i) {
                    double fd2 = (jp[p * C + 1 + i] - jm[p * C + 1 + i]) / (2 * h);
                    emax2 = fmax(emax2, fabs(fd2 - jets[p * C + 1 + d + k]) / (1 + fabs(fd2)));
                    /* and the plain second difference of V, h = 1e-5: error ~eps/h^2 = 2e-6 */
                    double fdv = (jp[p * C] - 2 * jets[p * C] + jm[p * C]) / (h * h);
                    emax2v = fmax(emax2v, fabs(fdv - jets[p * C + 1 + d + k]) / (1 + fabs(fdv)));
                }
        }
    }
    CHECK(emax1 < 1e-8, "dV/dx vs central differences: max rel err %.3g >= 1e-8", emax1);
    CHECK(emax2 < 1e-8, "d2V/dx2 vs differences of dV/dx: max rel err %.3g >= 1e-8", emax2);
    CHECK(emax2v < 1e-4, "d2V/dx2 vs second differences of V: max rel err %.3g >= 1e-4", emax2v);
    printf("jets vs FD: first %.2e, second %.2e (of jets), %.2e (of V)\n", emax1, emax2, emax2v);

    /* Parameter gradients of L = sum g . jets, every parameter, against central differences
     * (grad_fd_err: steps and error measure there). */
    double *g = malloc(N * C * sizeof *g), *grad = malloc(lay.nparams * sizeof *grad);
    double *grad2 = malloc(lay.nparams * sizeof *grad2);
    for (size_t i = 0; i < N * (size_t)C; i++) g[i] = 2 * urand(&rs) - 1;
    CHECK_OK(optsched_dgm_forward_f64(jets, w, net, N, x, &err), err);
    CHECK_OK(optsched_dgm_backward_f64(grad, w, net, g, 0, &err), err);
    double gmax = 0;
    for (size_t i = 0; i < lay.nparams; i++) gmax = fmax(gmax, fabs(grad[i]));
    size_t worst = 0;
    double emaxp = grad_fd_err(w, net, lay.nparams, N, x, g, C, grad, &worst);
    CHECK(emaxp < 5e-6, "parameter gradient vs FD: max rel err %.3g at parameter %zu", emaxp, worst);
    printf("parameter gradients vs FD (%zu parameters): max rel err %.2e (parameter %zu: %.6g)\n", lay.nparams, emaxp, worst, grad[worst]);

    /* The fused pass (forward, loss, reverse per chunk) gives the same gradient. */
    lin_ctx lc = {g};
    double loss;
    CHECK_OK(optsched_dgm_value_and_grad_f64(grad2, &loss, w, net, N, x, lin_loss, &lc, 0, &err), err);
    double ed = 0;
    for (size_t i = 0; i < lay.nparams; i++) ed = fmax(ed, fabs(grad2[i] - grad[i]));
    CHECK(ed == 0, "fused vs taped gradient differ by %.3g", ed);
    CHECK_REL(loss, jets_loss64(w, net, N, x, g, C), 1e-13, "fused loss");
    /* accumulate = 1 adds (to rounding: the slot sums are added to the old value in turn). */
    CHECK_OK(optsched_dgm_value_and_grad_f64(grad2, &loss, w, net, N, x, lin_loss, &lc, 1, &err), err);
    ed = 0;
    for (size_t i = 0; i < lay.nparams; i++) ed = fmax(ed, fabs(grad2[i] - 2 * grad[i]));
    CHECK(ed <= 1e-14 * gmax, "accumulated gradient differs from twice the gradient by %.3g", ed);

    /* float32 against float64 on the same weights. */
    {
        optsched_dgm_net_f32 *n32 = optsched_dgm_net_alloc_f32(&lay, &err);
        for (size_t i = 0; i < lay.nparams; i++) n32->params[i] = (float)net->params[i];
        optsched_dgm_work_f32 *w32 = optsched_dgm_work_alloc_f32(&lay, &js, N, 4, OPTSCHED_DGM_WORK_GRAD | OPTSCHED_DGM_WORK_TAPE, &err);
        float *x32 = malloc(N * d * sizeof *x32), *j32 = malloc(N * C * sizeof *j32);
        float *g32 = malloc(N * C * sizeof *g32), *gr32 = malloc(lay.nparams * sizeof *gr32);
        for (size_t i = 0; i < N * (size_t)d; i++) x32[i] = (float)x[i];
        for (size_t i = 0; i < N * (size_t)C; i++) g32[i] = (float)g[i];
        CHECK_OK(optsched_dgm_forward_f32(j32, w32, n32, N, x32, &err), err);
        CHECK_OK(optsched_dgm_backward_f32(gr32, w32, n32, g32, 0, &err), err);
        double ej = 0, jmax = 0, eg = 0;
        for (size_t i = 0; i < N * (size_t)C; i++) jmax = fmax(jmax, fabs(jets[i]));
        for (size_t i = 0; i < N * (size_t)C; i++) ej = fmax(ej, fabs(j32[i] - jets[i]) / jmax);
        for (size_t i = 0; i < lay.nparams; i++) eg = fmax(eg, fabs(gr32[i] - grad[i]) / gmax);
        CHECK(ej < 1e-5, "f32 jets vs f64: max err %.3g of max |jet|", ej);
        CHECK(eg < 1e-5, "f32 gradient vs f64: max err %.3g of max |grad|", eg);
        printf("f32 vs f64: jets %.2e, gradient %.2e (relative to the largest entry)\n", ej, eg);

        /* Thread-count independence: 1 and 2 threads, bit-identical jets and gradients. */
        float *ja = malloc(N * C * sizeof *ja), *ga = malloc(lay.nparams * sizeof *ga);
        omp_set_num_threads(1);
        optsched_dgm_forward_f32(ja, w32, n32, N, x32, &err);
        optsched_dgm_backward_f32(ga, w32, n32, g32, 0, &err);
        omp_set_num_threads(2);
        optsched_dgm_forward_f32(j32, w32, n32, N, x32, &err);
        optsched_dgm_backward_f32(gr32, w32, n32, g32, 0, &err);
        CHECK(!memcmp(ja, j32, N * C * sizeof *ja), "jets differ between 1 and 2 threads");
        CHECK(!memcmp(ga, gr32, lay.nparams * sizeof *ga), "gradients differ between 1 and 2 threads");
        free(ja); free(ga); free(x32); free(j32); free(g32); free(gr32);
        optsched_dgm_work_free_f32(w32);
        optsched_dgm_net_free_f32(n32);
    }

    /* Adam: one step from zero moments moves every parameter by lr * sign(g) (up to eps). */
    {
        optsched_dgm_adam_f64 *a = optsched_dgm_adam_alloc_f64(lay.nparams, 1e-3, &err);
        double *p0 = malloc(lay.nparams * sizeof *p0);
        memcpy(p0, net->params, lay.nparams * sizeof *p0);
        optsched_dgm_adam_step_f64(a, net->params, grad);
        double ea = 0;
        for (size_t i = 0; i < lay.nparams; i++) {
            double want = grad[i] == 0 ? 0 : -1e-3 * grad[i] / (fabs(grad[i]) + 1e-8);
            ea = fmax(ea, fabs((net->params[i] - p0[i]) - want));
        }
        CHECK(ea < 1e-15, "Adam first step: max deviation %.3g", ea);
        free(p0);
        optsched_dgm_adam_free_f64(a);
    }

    /* A repeated second-order index (q = {2, 0, 2}: the kernels fuse the first channel of each
     * input with its first-order row and run the repeat separately): the repeat's jet equals
     * the first one's to rounding, and the parameter gradient of L = g . jets still matches
     * central differences (same tolerances as above). */
    {
        const int qr[3] = {2, 0, 2};
        optsched_dgm_jetspec jr = {1, 3, qr};
        optsched_dgm_work_f64 *wr = optsched_dgm_work_alloc_f64(&lay, &jr, N, 4, OPTSCHED_DGM_WORK_GRAD | OPTSCHED_DGM_WORK_TAPE, &err);
        CHECK(wr != NULL, "work alloc (repeated index): %s", err.msg);
        CHECK_OK(optsched_dgm_forward_f64(jets, wr, net, N, x, &err), err);
        double erep = 0, e2 = 0;
        for (size_t p = 0; p < N; p++) {
            erep = fmax(erep, fabs(jets[p * C + 1 + d + 2] - jets[p * C + 1 + d + 0]));
            const double h = 1e-5;
            for (int k = 0; k < 3; k++) {
                memcpy(xp, x, N * d * sizeof *x);
                xp[p * d + qr[k]] += h;
                optsched_dgm_forward_f64(jp, wr, net, N, xp, &err);
                xp[p * d + qr[k]] -= 2 * h;
                optsched_dgm_forward_f64(jm, wr, net, N, xp, &err);
                double fd2 = (jp[p * C + 1 + qr[k]] - jm[p * C + 1 + qr[k]]) / (2 * h);
                e2 = fmax(e2, fabs(fd2 - jets[p * C + 1 + d + k]) / (1 + fabs(fd2)));
            }
            if (p == 4) break; /* a few points suffice: every point runs the same code */
        }
        CHECK(erep < 1e-13, "repeated second-order index: jets differ by %.3g", erep);
        CHECK(e2 < 1e-8, "repeated index: d2V/dx2 vs differences of dV/dx: max rel err %.3g", e2);
        CHECK_OK(optsched_dgm_forward_f64(jets, wr, net, N, x, &err), err);
        CHECK_OK(optsched_dgm_backward_f64(grad, wr, net, g, 0, &err), err);
        size_t wr_worst = 0;
        double ep = grad_fd_err(wr, net, lay.nparams, N, x, g, C, grad, &wr_worst);
        CHECK(ep < 5e-6, "repeated index: parameter gradient vs FD: max rel err %.3g", ep);
        printf("repeated second-order index: jets agree to %.2e, d2V %.2e, gradient %.2e\n", erep, e2, ep);
        optsched_dgm_work_free_f64(wr);
    }

    /* Bad input is refused with a message. */
    CHECK(optsched_dgm_forward_f64(jets, w, net, N + 1, x, &err) == OPTSCHED_EINVAL, "batch > nmax accepted");
    int bad[1] = {d};
    optsched_dgm_jetspec jb = {1, 1, bad};
    CHECK(optsched_dgm_work_alloc_f64(&lay, &jb, N, 4, 0, &err) == NULL && err.code == OPTSCHED_EINVAL,
          "out-of-range second-derivative index accepted");

    free(x); free(jets); free(xp); free(vp); free(vm); free(jp); free(jm); free(g); free(grad); free(grad2);
    optsched_dgm_work_free_f64(w);
    optsched_dgm_work_free_f64(wv);
    optsched_dgm_net_free_f64(net);
    return check_summary("test_dgm_nn");
}
