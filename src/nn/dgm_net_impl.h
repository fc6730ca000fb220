/* DGM network: forward-mode jets, reverse mode through them, Adam.
 *
 * Precision template: included by dgm_net_f32.c and dgm_net_f64.c with
 *   REAL (float | double), SFX (f32 | f64), GEMM / GEMV (cblas_sgemm | cblas_dgemm, ...),
 *   TANH(x) (a vectorisable tanh for float, libm tanh for double).
 *
 * Layout of a chunk (Pc points, C channels, n units). Every jet tensor is channel-major with
 * units innermost: T[(c*Pc + p)*w + u], w = n or 3n. Stacking the C channels of a chunk as
 * rows makes each weight product one GEMM of C*Pc rows; the three gates that read S (z, g, r)
 * are one GEMM of width 3n. Only the value channel sees the bias and U x; channel 1+i
 * (dV/dx_i) sees the column U[:, i]; second-order channels see neither (x is linear in x).
 *
 * Jet algebra (per unit; i first-order, j = second[k] second-order):
 *   s = tanh(p):   s_i = t p_i,  s_jj = t (p_jj - 2 s p_j^2),   t = 1 - s^2
 *   products:      (a b)_i = a_i b + a b_i,  (a b)_jj = a_jj b + 2 a_j b_j + a b_jj
 * Each layer's forward kernel is followed by its reverse-mode kernel. The tape keeps the
 * pre-activation jets and the value channel of each tanh; the post-activation tangents are
 * recomputed from them (cheap, and bit-identical to the forward).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include <Random123/philox.h>

#include "optsched/dgm.h"
#include "nn/dgm_internal.h"

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(name, SFX)
#define NET F(optsched_dgm_net)
#define WORK F(optsched_dgm_work)
#define ADAM F(optsched_dgm_adam)

/* Slots: chunks are dealt to a fixed number of slots (contiguous ranges); one thread runs a
 * slot at a time, with the slot's own scratch and gradient buffer, and slot gradients are
 * summed in slot order. The number of slots, not of threads, fixes the arithmetic. */
#define DGM_SLOTS 4

/* Per-kernel code generation for the host's vector width; the ifunc picks at load time. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("fp-contract=fast")))
#else
#define KERNEL
#endif

struct WORK {
    optsched_dgm_layout lay;
    int d, n, L, C, D, Q;
    int qidx[64];
    int *pair;         /* [D]: see kdim */
    int extra[64], nextra;
    size_t nmax;
    int P;             /* points per chunk */
    int flags;
    size_t tape_sz;    /* elements per chunk tape */
    size_t ntape;      /* chunk tapes held (all chunks with WORK_TAPE, else one per slot) */
    REAL *tape;
    size_t scr_sz;     /* elements of per-slot scratch */
    REAL *scr;
    REAL *sgrad;       /* [DGM_SLOTS][nparams] when WORK_GRAD */
    double *jd;        /* [DGM_SLOTS][P*C] jets in double for loss callbacks */
    double *djd;
    double *chunk_loss;/* [nchunks] */
    REAL *T;           /* transposed input columns: W1T [d][n], then UT[l] [d][4n] */
    size_t N_last;     /* batch of the last taped forward */
    int taped;
};

/* Offsets inside one chunk tape (sized for P points; tensors are packed with Pc rows). */
typedef struct {
    size_t X, S[OPTSCHED_DGM_MAX_LAYERS + 1];
    size_t Pzgr[OPTSCHED_DGM_MAX_LAYERS], tz[OPTSCHED_DGM_MAX_LAYERS];
    size_t Ph[OPTSCHED_DGM_MAX_LAYERS], th[OPTSCHED_DGM_MAX_LAYERS];
    size_t SR[OPTSCHED_DGM_MAX_LAYERS];
    size_t total;
} tape_off;

static tape_off F(tape_offsets)(int d, int n, int L, int C, int P)
{
    tape_off o;
    size_t off = 0, CP = (size_t)C * P, nn = (size_t)n;
    o.X = off; off += (size_t)P * d;
    for (int l = 0; l <= L; l++) { o.S[l] = off; off += CP * nn; }
    for (int l = 0; l < L; l++) {
        o.Pzgr[l] = off; off += CP * 3 * nn;
        o.tz[l] = off; off += (size_t)P * 3 * nn;
        o.Ph[l] = off; off += CP * nn;
        o.th[l] = off; off += (size_t)P * nn;
        o.SR[l] = off; off += CP * nn;
    }
    o.total = off;
    return o;
}

/* Per-slot scratch: dS (two), dPh, dPzgr, dSR, UX, V, acc, colsum. */
typedef struct {
    size_t dSa, dSb, dPh, dPzgr, dSR, UX, V, acc, total;
} scr_off;

static scr_off F(scr_offsets)(int d, int n, int C, int P)
{
    scr_off o;
    size_t off = 0, CP = (size_t)C * P, nn = (size_t)n;
    o.dSa = off; off += CP * nn;
    o.dSb = off; off += CP * nn;
    o.dPh = off; off += CP * nn;
    o.dPzgr = off; off += CP * 3 * nn;
    o.dSR = off; off += CP * nn;
    o.UX = off; off += (size_t)P * 4 * nn;
    o.V = off; off += CP;
    o.acc = off; off += 4 * nn + (size_t)d * 4 * nn;
    o.total = off;
    (void)d;
    return o;
}

/* ---------------------------------------------------------------------------------------
 * Allocation */

NET *F(optsched_dgm_net_alloc)(const optsched_dgm_layout *lay, optsched_error *err)
{
    NET *net = calloc(1, sizeof *net);
    if (!net) { optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory"); return NULL; }
    net->lay = *lay;
    net->params = calloc(lay->nparams, sizeof(REAL));
    if (!net->params) {
        free(net);
        optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory (%zu parameters)", lay->nparams);
        return NULL;
    }
    return net;
}

void F(optsched_dgm_net_free)(NET *net)
{
    if (!net) return;
    free(net->params);
    free(net);
}

/* Glorot-uniform block rows x cols at p, from Philox counter (stream, element). */
static void F(glorot)(REAL *p, size_t rows, size_t cols, uint64_t seed, uint32_t stream)
{
    double a = sqrt(6.0 / (double)(rows + cols));
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    for (size_t e = 0; e < rows * cols; e++) {
        philox4x32_ctr_t c = {{(uint32_t)e, (uint32_t)((uint64_t)e >> 32), stream, 0x9e3779b9u}};
        philox4x32_ctr_t r = philox4x32(c, k);
        uint64_t u = (((uint64_t)r.v[0] << 32) | r.v[1]) >> 11;
        double x = ((double)u + 0.5) * 0x1p-53;
        p[e] = (REAL)((2.0 * x - 1.0) * a);
    }
}

void F(optsched_dgm_net_init)(NET *net, uint64_t seed)
{
    const optsched_dgm_layout *L = &net->lay;
    size_t d = (size_t)L->dim, n = (size_t)L->width;
    REAL *P = net->params;
    memset(P, 0, L->nparams * sizeof(REAL));
    uint32_t st = 1;
    F(glorot)(P + L->W1, n, d, seed, st++);
    for (int l = 0; l < L->layers; l++) {
        for (int g = 0; g < 4; g++) F(glorot)(P + L->U[l] + g * n * d, n, d, seed, st++);
        for (int g = 0; g < 3; g++) F(glorot)(P + L->W[l] + g * n * n, n, n, seed, st++);
        F(glorot)(P + L->Wh[l], n, n, seed, st++);
    }
    F(glorot)(P + L->w, 1, n, seed, st++);
}

WORK *F(optsched_dgm_work_alloc)(const optsched_dgm_layout *lay, const optsched_dgm_jetspec *js,
                                 size_t nmax, int chunk, int flags, optsched_error *err)
{
    if (js->nsecond < 0 || js->nsecond > 64)
        { optsched_error_set(err, OPTSCHED_EINVAL, "dgm: %d second-derivative inputs not in [0, 64]", js->nsecond); return NULL; }
    if (js->nsecond > 0 && !js->first)
        { optsched_error_set(err, OPTSCHED_EINVAL, "dgm: second derivatives need the first derivatives"); return NULL; }
    for (int k = 0; k < js->nsecond; k++)
        if (js->second[k] < 0 || js->second[k] >= lay->dim)
            { optsched_error_set(err, OPTSCHED_EINVAL, "dgm: second-derivative input %d not in [0, %d)", js->second[k], lay->dim); return NULL; }
    if (nmax < 1) { optsched_error_set(err, OPTSCHED_EINVAL, "dgm: batch size must be >= 1"); return NULL; }
    if (chunk < 0 || chunk > 4096) { optsched_error_set(err, OPTSCHED_EINVAL, "dgm option 'chunk': %d not in [1, 4096]", chunk); return NULL; }
    WORK *w = calloc(1, sizeof *w);
    if (!w) { optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory"); return NULL; }
    w->lay = *lay;
    w->d = lay->dim; w->n = lay->width; w->L = lay->layers;
    w->D = js->first ? lay->dim : 0;
    w->Q = js->nsecond;
    for (int k = 0; k < w->Q; k++) w->qidx[k] = js->second[k];
    w->C = 1 + w->D + w->Q;
    w->pair = malloc((size_t)(w->D > 0 ? w->D : 1) * sizeof(int));
    if (!w->pair) { free(w); optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory"); return NULL; }
    for (int i = 0; i < w->D; i++) w->pair[i] = -1;
    for (int k = 0; k < w->Q; k++) {
        if (w->pair[w->qidx[k]] < 0) w->pair[w->qidx[k]] = k;
        else w->extra[w->nextra++] = k;
    }
    w->nmax = nmax;
    w->P = chunk ? chunk
                 : w->C == 1 ? DGM_VALUE_CHUNK(OPTSCHED_DGM_CHUNK_DEFAULT) : OPTSCHED_DGM_CHUNK_DEFAULT;
    if ((size_t)w->P > nmax) w->P = (int)nmax;
    w->flags = flags;
    size_t nch = (nmax + w->P - 1) / w->P;
    tape_off to = F(tape_offsets)(w->d, w->n, w->L, w->C, w->P);
    scr_off so = F(scr_offsets)(w->d, w->n, w->C, w->P);
    w->tape_sz = to.total;
    w->ntape = (flags & OPTSCHED_DGM_WORK_TAPE) ? nch : DGM_SLOTS;
    w->scr_sz = so.total;
    w->tape = malloc(w->ntape * w->tape_sz * sizeof(REAL));
    w->scr = malloc((size_t)DGM_SLOTS * w->scr_sz * sizeof(REAL));
    w->jd = malloc((size_t)DGM_SLOTS * w->P * w->C * sizeof(double));
    w->djd = malloc((size_t)DGM_SLOTS * w->P * w->C * sizeof(double));
    w->chunk_loss = malloc(nch * sizeof(double));
    w->T = malloc(((size_t)w->d * w->n + (size_t)w->L * w->d * 4 * w->n) * sizeof(REAL));
    if (flags & OPTSCHED_DGM_WORK_GRAD)
        w->sgrad = malloc((size_t)DGM_SLOTS * lay->nparams * sizeof(REAL));
    if (!w->tape || !w->scr || !w->jd || !w->djd || !w->chunk_loss || !w->T ||
        ((flags & OPTSCHED_DGM_WORK_GRAD) && !w->sgrad)) {
        F(optsched_dgm_work_free)(w);
        optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory for the work space (%zu points)", nmax);
        return NULL;
    }
    return w;
}

void F(optsched_dgm_work_free)(WORK *w)
{
    if (!w) return;
    free(w->tape); free(w->scr); free(w->sgrad); free(w->jd); free(w->djd);
    free(w->chunk_loss); free(w->T); free(w->pair);
    free(w);
}

/* Transposed input columns (contiguous in units) for the tangent channels. */
static void F(prepare_T)(WORK *w, const NET *net)
{
    const optsched_dgm_layout *L = &net->lay;
    int d = w->d, n = w->n;
    const REAL *P = net->params;
    for (int i = 0; i < d; i++)
        for (int u = 0; u < n; u++) w->T[(size_t)i * n + u] = P[L->W1 + (size_t)u * d + i];
    for (int l = 0; l < w->L; l++) {
        REAL *UT = w->T + (size_t)d * n + (size_t)l * d * 4 * n;
        for (int i = 0; i < d; i++)
            for (int u = 0; u < 4 * n; u++) UT[(size_t)i * 4 * n + u] = P[L->U[l] + (size_t)u * d + i];
    }
}

/* ---------------------------------------------------------------------------------------
 * Kernels. Arguments: Pc points in the chunk; row(T, c, p) = T + (c*Pc + p)*width. */

typedef struct {
    int Pc, n, D, Q;
    const int *q;
    const int *pair;  /* [D]: the second-order channel fused with first-order channel i, or -1 */
    const int *extra; /* [nextra]: second-order channels not fused (their input repeats in q) */
    int nextra;
} kdim;

#define ROW(T, c, p, wid) ((T) + ((size_t)(c) * K.Pc + (p)) * (size_t)(wid))

/* First layer, forward: S1 value rows hold W1 x (GEMM); finish with the bias and tanh, and
 * fill the tangents from the constant pre-activation tangents W1[:, i] (second-order
 * pre-activations are zero). */
KERNEL static void F(k_first_fwd)(kdim K, REAL *S, const REAL *b1, const REAL *W1T)
{
    const int n = K.n;
    for (int p = 0; p < K.Pc; p++) {
        REAL *sv = ROW(S, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) sv[u] = TANH(sv[u] + b1[u]);
        for (int i = 0; i < K.D; i++) {
            REAL *si = ROW(S, 1 + i, p, n);
            const REAL *wi = W1T + (size_t)i * n;
#pragma omp simd
            for (int u = 0; u < n; u++) si[u] = (1 - sv[u] * sv[u]) * wi[u];
        }
        for (int k = 0; k < K.Q; k++) {
            REAL *sk = ROW(S, 1 + K.D + k, p, n);
            const REAL *wj = W1T + (size_t)K.q[k] * n;
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL s = sv[u], t = 1 - s * s;
                sk[u] = -2 * s * t * wj[u] * wj[u];
            }
        }
    }
}

/* First layer, reverse: dS1 (all channels) -> dP1 value rows (into dPv, Pc x n) and the
 * per-unit sums of the tangent pre-activation gradients added to gW1 (their coefficient in
 * the pre-activation is W1[u, i] itself). */
KERNEL static void F(k_first_bwd)(kdim K, REAL *dPv, REAL *gW1T, const REAL *dS, const REAL *S,
                                  const REAL *W1T)
{
    const int n = K.n;
    for (int p = 0; p < K.Pc; p++) {
        const REAL *sv = ROW(S, 0, p, n);
        REAL *dv = dPv + (size_t)p * n;
        const REAL *ds0 = ROW(dS, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) dv[u] = ds0[u];
        for (int i = 0; i < K.D; i++) {
            const REAL *dsi = ROW(dS, 1 + i, p, n), *wi = W1T + (size_t)i * n;
            REAL *g = gW1T + (size_t)i * n;
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL s = sv[u], t = 1 - s * s;
                dv[u] += dsi[u] * (-2 * s * wi[u]);
                g[u] += t * dsi[u];
            }
        }
        for (int k = 0; k < K.Q; k++) {
            const REAL *dsk = ROW(dS, 1 + K.D + k, p, n), *wj = W1T + (size_t)K.q[k] * n;
            REAL *g = gW1T + (size_t)K.q[k] * n;
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL s = sv[u], t = 1 - s * s;
                dv[u] += dsk[u] * (-2 * wj[u] * wj[u] * (1 - 3 * s * s));
                g[u] += -4 * s * t * wj[u] * dsk[u];
            }
        }
#pragma omp simd
        for (int u = 0; u < n; u++) dv[u] *= 1 - sv[u] * sv[u];
    }
}

/* Channel pairs. Every kernel below walks the first-order channels i and, in the same loop,
 * the second-order channel k = pair[i] of the same input (q[k] = i) when there is one: the
 * second-order algebra reads the i rows (p_i, s_i) and, in reverse, adds to them, so doing both
 * in one pass reads and writes each i row once instead of twice — these kernels are bound by
 * memory traffic, not arithmetic. Second-order channels of an input already paired (a repeated
 * index in q) are in extra[] and take the separate second-order loop after the pairs. */

/* Jets of S.R (the input of the W_h product) from S and the gate pre-activations Pz and
 * tanh values tz (kept on the tape for the reverse pass: the W_h gradient reads it). */
KERNEL static void F(k_sr)(kdim K, REAL *SR, const REAL *S, const REAL *Pz, const REAL *tz)
{
    const int n = K.n, n3 = 3 * n;
    for (int p = 0; p < K.Pc; p++) {
        const REAL *R = tz + (size_t)p * n3 + 2 * n, *sv = ROW(S, 0, p, n);
        REAL *srv = ROW(SR, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) srv[u] = sv[u] * R[u];
        for (int i = 0; i < K.D; i++) {
            const REAL *pri = ROW(Pz, 1 + i, p, n3) + 2 * n, *si = ROW(S, 1 + i, p, n);
            REAL *o = ROW(SR, 1 + i, p, n);
            const int k = K.pair[i];
            if (k < 0) {
#pragma omp simd
                for (int u = 0; u < n; u++) {
                    REAL t = 1 - R[u] * R[u];
                    o[u] = si[u] * R[u] + sv[u] * (t * pri[u]);
                }
                continue;
            }
            const REAL *prk = ROW(Pz, 1 + K.D + k, p, n3) + 2 * n, *sk = ROW(S, 1 + K.D + k, p, n);
            REAL *ok = ROW(SR, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL r = R[u], t = 1 - r * r, pr = pri[u], s1 = si[u];
                REAL ri = t * pr, rii = t * (prk[u] - 2 * r * pr * pr);
                o[u] = s1 * r + sv[u] * ri;
                ok[u] = sk[u] * r + 2 * s1 * ri + sv[u] * rii;
            }
        }
        for (int e = 0; e < K.nextra; e++) {
            const int k = K.extra[e], j = K.q[k];
            const REAL *prj = ROW(Pz, 1 + j, p, n3) + 2 * n, *prk = ROW(Pz, 1 + K.D + k, p, n3) + 2 * n;
            const REAL *sj = ROW(S, 1 + j, p, n), *sk = ROW(S, 1 + K.D + k, p, n);
            REAL *o = ROW(SR, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL r = R[u], t = 1 - r * r;
                REAL rj = t * prj[u], rjj = t * (prk[u] - 2 * r * prj[u] * prj[u]);
                o[u] = sk[u] * r + 2 * sj[u] * rj + sv[u] * rjj;
            }
        }
    }
}

/* Gated layer, part 1 forward. Pz (C*Pc x 3n) holds W_zgr S; add U x + b to the value rows
 * and U[:, i] to tangent rows i, and store tanh of the value rows in tz (Pc x 3n). */
KERNEL static void F(k_gate_fwd)(kdim K, REAL *Pz, REAL *tz, const REAL *UX, const REAL *UT,
                                 const REAL *b)
{
    const int n = K.n, n3 = 3 * n;
    for (int p = 0; p < K.Pc; p++) {
        REAL *pv = ROW(Pz, 0, p, n3), *tv = tz + (size_t)p * n3;
        const REAL *ux = UX + (size_t)p * 4 * n;
#pragma omp simd
        for (int u = 0; u < n3; u++) {
            pv[u] += ux[u] + b[u];
            tv[u] = TANH(pv[u]);
        }
        for (int i = 0; i < K.D; i++) {
            REAL *pi = ROW(Pz, 1 + i, p, n3);
            const REAL *ui = UT + (size_t)i * 4 * n;
#pragma omp simd
            for (int u = 0; u < n3; u++) pi[u] += ui[u];
        }
    }
}

/* Gated layer, part 2 forward. Ph (C*Pc x n) holds W_h (S.R); add U_h x + b_h / U_h[:, i],
 * store tanh of the value rows in th, and write S_new = (1 - G) H + Z S (all jets). */
KERNEL static void F(k_update_fwd)(kdim K, REAL *Sn, REAL *Ph, REAL *th, const REAL *Pz,
                                   const REAL *tz, const REAL *S, const REAL *UX, const REAL *UT,
                                   const REAL *b)
{
    const int n = K.n, n3 = 3 * n;
    for (int p = 0; p < K.Pc; p++) {
        REAL *hv = ROW(Ph, 0, p, n), *H = th + (size_t)p * n;
        const REAL *ux = UX + (size_t)p * 4 * n + n3, *bh = b + n3;
#pragma omp simd
        for (int u = 0; u < n; u++) {
            hv[u] += ux[u] + bh[u];
            H[u] = TANH(hv[u]);
        }
        const REAL *Z = tz + (size_t)p * n3, *G = Z + n, *sv = ROW(S, 0, p, n);
        REAL *o = ROW(Sn, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) o[u] = (1 - G[u]) * H[u] + Z[u] * sv[u];
        for (int i = 0; i < K.D; i++) {
            const REAL *pz = ROW(Pz, 1 + i, p, n3), *pg = pz + n, *si = ROW(S, 1 + i, p, n);
            const REAL *ui = UT + (size_t)i * 4 * n + n3;
            REAL *ph = ROW(Ph, 1 + i, p, n), *oi = ROW(Sn, 1 + i, p, n);
            const int k = K.pair[i];
            if (k < 0) {
#pragma omp simd
                for (int u = 0; u < n; u++) {
                    REAL h1 = ph[u] + ui[u];
                    ph[u] = h1;
                    REAL zi = (1 - Z[u] * Z[u]) * pz[u], gi = (1 - G[u] * G[u]) * pg[u];
                    REAL hi = (1 - H[u] * H[u]) * h1;
                    oi[u] = -gi * H[u] + (1 - G[u]) * hi + zi * sv[u] + Z[u] * si[u];
                }
                continue;
            }
            const REAL *pzk = ROW(Pz, 1 + K.D + k, p, n3), *pgk = pzk + n, *phk = ROW(Ph, 1 + K.D + k, p, n);
            const REAL *sk = ROW(S, 1 + K.D + k, p, n);
            REAL *ok = ROW(Sn, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL z = Z[u], g = G[u], h = H[u], s1 = si[u];
                REAL pz1 = pz[u], pg1 = pg[u], ph1 = ph[u] + ui[u];
                ph[u] = ph1;
                REAL tzz = 1 - z * z, tg = 1 - g * g, thh = 1 - h * h;
                REAL zi = tzz * pz1, gi = tg * pg1, hi = thh * ph1;
                REAL zii = tzz * (pzk[u] - 2 * z * pz1 * pz1);
                REAL gii = tg * (pgk[u] - 2 * g * pg1 * pg1);
                REAL hii = thh * (phk[u] - 2 * h * ph1 * ph1);
                oi[u] = -gi * h + (1 - g) * hi + zi * sv[u] + z * s1;
                ok[u] = -gii * h - 2 * gi * hi + (1 - g) * hii + zii * sv[u] + 2 * zi * s1 + z * sk[u];
            }
        }
        for (int e = 0; e < K.nextra; e++) {
            const int k = K.extra[e], j = K.q[k];
            const REAL *pzj = ROW(Pz, 1 + j, p, n3), *pgj = pzj + n, *phj = ROW(Ph, 1 + j, p, n);
            const REAL *pzk = ROW(Pz, 1 + K.D + k, p, n3), *pgk = pzk + n, *phk = ROW(Ph, 1 + K.D + k, p, n);
            const REAL *sj = ROW(S, 1 + j, p, n), *sk = ROW(S, 1 + K.D + k, p, n);
            REAL *ok = ROW(Sn, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL z = Z[u], g = G[u], h = H[u];
                REAL tzz = 1 - z * z, tg = 1 - g * g, thh = 1 - h * h;
                REAL zj = tzz * pzj[u], gj = tg * pgj[u], hj = thh * phj[u];
                REAL zjj = tzz * (pzk[u] - 2 * z * pzj[u] * pzj[u]);
                REAL gjj = tg * (pgk[u] - 2 * g * pgj[u] * pgj[u]);
                REAL hjj = thh * (phk[u] - 2 * h * phj[u] * phj[u]);
                ok[u] = -gjj * h - 2 * gj * hj + (1 - g) * hjj + zjj * sv[u] + 2 * zj * sj[u] + z * sk[u];
            }
        }
    }
}

/* The reverse of a gate's tanh, fused into the kernels that produce its upstream gradients
 * (u = the gradient with respect to the gate's post-activation jets; x its value, t = 1 - x^2,
 * p_i and p_kk its pre-activation jets; header comment for the forward algebra):
 *   value row:  dp   = t (u + sum_i u_i (-2 x p_i) + sum_k u_kk (-2 x p_kk - 2 p_j^2 (1 - 3 x^2)))
 *   first:      dp_i = t (u_i - 4 x p_i sum_{k: j=i} u_kk),     second: dp_kk = t u_kk.
 * Each term is linear in the u's, so the kernels add every term as they produce it: the value
 * row accumulates the bracket and is multiplied by t at the end of the point; a pair writes
 * its rows already finished; an extra channel adds its share to the finished j rows. */

/* Gated layer, part 2 reverse: dSn (upstream, all jets of S_new) -> gradients of the
 * pre-activation jets of Z and G (the z and g blocks of dPz) and of H (dPh), and the direct
 * part of dS (overwritten). Upstream gradients of the post-activation jets of a pair (i, k):
 *   u_G,i = -h q_i - 2 h_i q_k,   u_H,i = (1 - g) q_i - 2 g_i q_k,   u_Z,i = s q_i + 2 s_i q_k,
 *   u_G,kk = -h q_k,             u_H,kk = (1 - g) q_k,               u_Z,kk = s q_k;
 * the direct part dS_i = z q_i + 2 z_i q_k, dS_kk = z q_k. */
KERNEL static void F(k_update_bwd)(kdim K, REAL *dPz, REAL *dPh, REAL *dS, const REAL *dSn,
                                   const REAL *Pz, const REAL *tz, const REAL *Ph,
                                   const REAL *th, const REAL *S)
{
    const int n = K.n, n3 = 3 * n;
    for (int p = 0; p < K.Pc; p++) {
        const REAL *Z = tz + (size_t)p * n3, *G = Z + n, *H = th + (size_t)p * n;
        const REAL *sv = ROW(S, 0, p, n), *q0 = ROW(dSn, 0, p, n);
        REAL *dZv = ROW(dPz, 0, p, n3), *dGv = dZv + n, *dHv = ROW(dPh, 0, p, n);
        REAL *dSv = ROW(dS, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) {
            REAL q = q0[u];
            dZv[u] = sv[u] * q;
            dGv[u] = -H[u] * q;
            dHv[u] = (1 - G[u]) * q;
            dSv[u] = Z[u] * q;
        }
        for (int i = 0; i < K.D; i++) {
            const REAL *pz = ROW(Pz, 1 + i, p, n3), *pg = pz + n, *ph = ROW(Ph, 1 + i, p, n);
            const REAL *si = ROW(S, 1 + i, p, n), *qi = ROW(dSn, 1 + i, p, n);
            REAL *dZi = ROW(dPz, 1 + i, p, n3), *dGi = dZi + n, *dHi = ROW(dPh, 1 + i, p, n);
            REAL *dSi = ROW(dS, 1 + i, p, n);
            const int k = K.pair[i];
            if (k < 0) {
#pragma omp simd
                for (int u = 0; u < n; u++) {
                    REAL z = Z[u], g = G[u], h = H[u], q = qi[u];
                    REAL pz1 = pz[u], pg1 = pg[u], ph1 = ph[u];
                    REAL tzz = 1 - z * z, tg = 1 - g * g, thh = 1 - h * h;
                    REAL uG = -h * q, uH = (1 - g) * q, uZ = sv[u] * q;
                    dHv[u] += -tg * pg1 * q - 2 * h * ph1 * uH;
                    dGv[u] += -thh * ph1 * q - 2 * g * pg1 * uG;
                    dZv[u] += si[u] * q - 2 * z * pz1 * uZ;
                    dSv[u] += tzz * pz1 * q;
                    dGi[u] = tg * uG;
                    dHi[u] = thh * uH;
                    dZi[u] = tzz * uZ;
                    dSi[u] = z * q;
                }
                continue;
            }
            const REAL *pzk = ROW(Pz, 1 + K.D + k, p, n3), *pgk = pzk + n, *phk = ROW(Ph, 1 + K.D + k, p, n);
            const REAL *sk = ROW(S, 1 + K.D + k, p, n), *qk = ROW(dSn, 1 + K.D + k, p, n);
            REAL *dZk = ROW(dPz, 1 + K.D + k, p, n3), *dGk = dZk + n, *dHk = ROW(dPh, 1 + K.D + k, p, n);
            REAL *dSk = ROW(dS, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL z = Z[u], g = G[u], h = H[u], q = qi[u], q2 = qk[u], s1 = si[u], s0 = sv[u];
                REAL pz1 = pz[u], pg1 = pg[u], ph1 = ph[u], pz2 = pzk[u], pg2 = pgk[u], ph2 = phk[u];
                REAL tzz = 1 - z * z, tg = 1 - g * g, thh = 1 - h * h;
                REAL zi = tzz * pz1, gi = tg * pg1, hi = thh * ph1;
                REAL zii = tzz * (pz2 - 2 * z * pz1 * pz1);
                REAL gii = tg * (pg2 - 2 * g * pg1 * pg1);
                REAL hii = thh * (ph2 - 2 * h * ph1 * ph1);
                REAL uGi = -h * q - 2 * hi * q2, uHi = (1 - g) * q - 2 * gi * q2, uZi = s0 * q + 2 * s1 * q2;
                REAL uGk = -h * q2, uHk = (1 - g) * q2, uZk = s0 * q2;
                dHv[u] += -gi * q - gii * q2 - 2 * h * ph1 * uHi
                          + uHk * (-2 * h * ph2 - 2 * ph1 * ph1 * (1 - 3 * h * h));
                dGv[u] += -hi * q - hii * q2 - 2 * g * pg1 * uGi
                          + uGk * (-2 * g * pg2 - 2 * pg1 * pg1 * (1 - 3 * g * g));
                dZv[u] += s1 * q + sk[u] * q2 - 2 * z * pz1 * uZi
                          + uZk * (-2 * z * pz2 - 2 * pz1 * pz1 * (1 - 3 * z * z));
                dSv[u] += zi * q + zii * q2;
                dGi[u] = tg * (uGi - 4 * g * pg1 * uGk);
                dHi[u] = thh * (uHi - 4 * h * ph1 * uHk);
                dZi[u] = tzz * (uZi - 4 * z * pz1 * uZk);
                dSi[u] = z * q + 2 * zi * q2;
                dGk[u] = tg * uGk;
                dHk[u] = thh * uHk;
                dZk[u] = tzz * uZk;
                dSk[u] = z * q2;
            }
        }
        for (int e = 0; e < K.nextra; e++) {
            const int k = K.extra[e], j = K.q[k];
            const REAL *pzj = ROW(Pz, 1 + j, p, n3), *pgj = pzj + n, *phj = ROW(Ph, 1 + j, p, n);
            const REAL *pzk = ROW(Pz, 1 + K.D + k, p, n3), *pgk = pzk + n, *phk = ROW(Ph, 1 + K.D + k, p, n);
            const REAL *sj = ROW(S, 1 + j, p, n), *sk = ROW(S, 1 + K.D + k, p, n);
            const REAL *qk = ROW(dSn, 1 + K.D + k, p, n);
            REAL *dZj = ROW(dPz, 1 + j, p, n3), *dGj = dZj + n, *dHj = ROW(dPh, 1 + j, p, n);
            REAL *dZk = ROW(dPz, 1 + K.D + k, p, n3), *dGk = dZk + n, *dHk = ROW(dPh, 1 + K.D + k, p, n);
            REAL *dSj = ROW(dS, 1 + j, p, n), *dSk = ROW(dS, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL z = Z[u], g = G[u], h = H[u], q = qk[u], s0 = sv[u];
                REAL pz1 = pzj[u], pg1 = pgj[u], ph1 = phj[u], pz2 = pzk[u], pg2 = pgk[u], ph2 = phk[u];
                REAL tzz = 1 - z * z, tg = 1 - g * g, thh = 1 - h * h;
                REAL zj = tzz * pz1, gj = tg * pg1, hj = thh * ph1;
                REAL zjj = tzz * (pz2 - 2 * z * pz1 * pz1);
                REAL gjj = tg * (pg2 - 2 * g * pg1 * pg1);
                REAL hjj = thh * (ph2 - 2 * h * ph1 * ph1);
                /* this channel's shares of the j rows' upstream gradients, and its own */
                REAL uGj = -2 * hj * q, uHj = -2 * gj * q, uZj = 2 * sj[u] * q;
                REAL uGk = -h * q, uHk = (1 - g) * q, uZk = s0 * q;
                dHv[u] += -gjj * q - 2 * h * ph1 * uHj + uHk * (-2 * h * ph2 - 2 * ph1 * ph1 * (1 - 3 * h * h));
                dGv[u] += -hjj * q - 2 * g * pg1 * uGj + uGk * (-2 * g * pg2 - 2 * pg1 * pg1 * (1 - 3 * g * g));
                dZv[u] += sk[u] * q - 2 * z * pz1 * uZj + uZk * (-2 * z * pz2 - 2 * pz1 * pz1 * (1 - 3 * z * z));
                dSv[u] += zjj * q;
                dGj[u] += tg * (uGj - 4 * g * pg1 * uGk);
                dHj[u] += thh * (uHj - 4 * h * ph1 * uHk);
                dZj[u] += tzz * (uZj - 4 * z * pz1 * uZk);
                dSj[u] += 2 * zj * q;
                dGk[u] = tg * uGk;
                dHk[u] = thh * uHk;
                dZk[u] = tzz * uZk;
                dSk[u] = z * q;
            }
        }
#pragma omp simd
        for (int u = 0; u < n; u++) {
            dZv[u] *= 1 - Z[u] * Z[u];
            dGv[u] *= 1 - G[u] * G[u];
            dHv[u] *= 1 - H[u] * H[u];
        }
    }
}

/* Gated layer, part 1 reverse: dSR (all jets of S.R) -> gradients of the pre-activation jets
 * of R (the r block of dPz, overwritten; tanh reverse fused as above) and dS (accumulated).
 * Upstream of R's post-activation jets for a pair (i, k): u_i = s q_i + 2 s_i q_k, u_kk = s q_k. */
KERNEL static void F(k_gate_bwd)(kdim K, REAL *dPz, REAL *dS, const REAL *dSR, const REAL *Pz,
                                 const REAL *tz, const REAL *S)
{
    const int n = K.n, n3 = 3 * n;
    for (int p = 0; p < K.Pc; p++) {
        const REAL *R = tz + (size_t)p * n3 + 2 * n, *sv = ROW(S, 0, p, n), *q0 = ROW(dSR, 0, p, n);
        REAL *dRv = ROW(dPz, 0, p, n3) + 2 * n, *dSv = ROW(dS, 0, p, n);
#pragma omp simd
        for (int u = 0; u < n; u++) {
            dSv[u] += R[u] * q0[u];
            dRv[u] = sv[u] * q0[u];
        }
        for (int i = 0; i < K.D; i++) {
            const REAL *pri = ROW(Pz, 1 + i, p, n3) + 2 * n, *si = ROW(S, 1 + i, p, n);
            const REAL *qi = ROW(dSR, 1 + i, p, n);
            REAL *dRi = ROW(dPz, 1 + i, p, n3) + 2 * n, *dSi = ROW(dS, 1 + i, p, n);
            const int k = K.pair[i];
            if (k < 0) {
#pragma omp simd
                for (int u = 0; u < n; u++) {
                    REAL r = R[u], q = qi[u], t = 1 - r * r, pr = pri[u], uR = sv[u] * q;
                    dSi[u] += r * q;
                    dRv[u] += si[u] * q - 2 * r * pr * uR;
                    dSv[u] += t * pr * q;
                    dRi[u] = t * uR;
                }
                continue;
            }
            const REAL *prk = ROW(Pz, 1 + K.D + k, p, n3) + 2 * n, *sk = ROW(S, 1 + K.D + k, p, n);
            const REAL *qk = ROW(dSR, 1 + K.D + k, p, n);
            REAL *dRk = ROW(dPz, 1 + K.D + k, p, n3) + 2 * n, *dSk = ROW(dS, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL r = R[u], q = qi[u], q2 = qk[u], t = 1 - r * r, pr = pri[u], pr2 = prk[u];
                REAL s0 = sv[u], s1 = si[u];
                REAL ri = t * pr, rii = t * (pr2 - 2 * r * pr * pr);
                REAL uRi = s0 * q + 2 * s1 * q2, uRk = s0 * q2;
                dSi[u] += r * q + 2 * ri * q2;
                dSk[u] += r * q2;
                dSv[u] += ri * q + rii * q2;
                dRv[u] += s1 * q + sk[u] * q2 - 2 * r * pr * uRi
                          + uRk * (-2 * r * pr2 - 2 * pr * pr * (1 - 3 * r * r));
                dRi[u] = t * (uRi - 4 * r * pr * uRk);
                dRk[u] = t * uRk;
            }
        }
        for (int e = 0; e < K.nextra; e++) {
            const int k = K.extra[e], j = K.q[k];
            const REAL *prj = ROW(Pz, 1 + j, p, n3) + 2 * n, *prk = ROW(Pz, 1 + K.D + k, p, n3) + 2 * n;
            const REAL *sj = ROW(S, 1 + j, p, n), *sk = ROW(S, 1 + K.D + k, p, n);
            const REAL *qk = ROW(dSR, 1 + K.D + k, p, n);
            REAL *dRj = ROW(dPz, 1 + j, p, n3) + 2 * n, *dRk = ROW(dPz, 1 + K.D + k, p, n3) + 2 * n;
            REAL *dSj = ROW(dS, 1 + j, p, n), *dSk = ROW(dS, 1 + K.D + k, p, n);
#pragma omp simd
            for (int u = 0; u < n; u++) {
                REAL r = R[u], q = qk[u], t = 1 - r * r, pr = prj[u], pr2 = prk[u];
                REAL rj = t * pr, rjj = t * (pr2 - 2 * r * pr * pr);
                REAL uRj = 2 * sj[u] * q, uRk = sv[u] * q;
                dSk[u] += r * q;
                dSj[u] += 2 * rj * q;
                dSv[u] += rjj * q;
                dRv[u] += sk[u] * q - 2 * r * pr * uRj + uRk * (-2 * r * pr2 - 2 * pr * pr * (1 - 3 * r * r));
                dRj[u] += t * (uRj - 4 * r * pr * uRk);
                dRk[u] = t * uRk;
            }
        }
#pragma omp simd
        for (int u = 0; u < n; u++) dRv[u] *= 1 - R[u] * R[u];
    }
}

/* Sums over the chunk's points of the value rows (bias gradient) and of each tangent row
 * (gradient of U[:, i], whose coefficient in tangent row i is 1): acc [wid] and colT [D][wid]
 * are accumulated. */
KERNEL static void F(k_colsums)(kdim K, int wid, REAL *gb, REAL *gUT, int ldT, const REAL *dP)
{
    for (int c = 0; c <= K.D; c++) {
        REAL *g = c == 0 ? gb : gUT + (size_t)(c - 1) * ldT;
        for (int p = 0; p < K.Pc; p++) {
            const REAL *r = ROW(dP, c, p, wid);
#pragma omp simd
            for (int u = 0; u < wid; u++) g[u] += r[u];
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * One chunk through the network. */

static void F(chunk_forward)(WORK *w, const NET *net, REAL *tape, REAL *scr, size_t p0, int Pc,
                             const REAL *x)
{
    const optsched_dgm_layout *L = &net->lay;
    const REAL *P = net->params;
    const int d = w->d, n = w->n, C = w->C;
    const int M = C * Pc;
    tape_off to = F(tape_offsets)(d, n, w->L, C, w->P);
    scr_off so = F(scr_offsets)(d, n, C, w->P);
    kdim K = {Pc, n, w->D, w->Q, w->qidx, w->pair, w->extra, w->nextra};
    REAL *X = tape + to.X, *UX = scr + so.UX;
    memcpy(X, x + p0 * d, (size_t)Pc * d * sizeof(REAL));

    REAL *S0 = tape + to.S[0];
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, Pc, n, d, 1, X, d, P + L->W1, d, 0, S0, n);
    F(k_first_fwd)(K, S0, P + L->b1, w->T);
    for (int l = 0; l < w->L; l++) {
        REAL *S = tape + to.S[l], *Sn = tape + to.S[l + 1];
        REAL *Pz = tape + to.Pzgr[l], *tz = tape + to.tz[l], *Ph = tape + to.Ph[l], *th = tape + to.th[l];
        REAL *SR = tape + to.SR[l];
        const REAL *UT = w->T + (size_t)d * n + (size_t)l * d * 4 * n;
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, Pc, 4 * n, d, 1, X, d, P + L->U[l], d, 0, UX, 4 * n);
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, M, 3 * n, n, 1, S, n, P + L->W[l], n, 0, Pz, 3 * n);
        F(k_gate_fwd)(K, Pz, tz, UX, UT, P + L->b[l]);
        F(k_sr)(K, SR, S, Pz, tz);
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, M, n, n, 1, SR, n, P + L->Wh[l], n, 0, Ph, n);
        F(k_update_fwd)(K, Sn, Ph, th, Pz, tz, S, UX, UT, P + L->b[l]);
    }
    REAL *V = scr + so.V;
    GEMV(CblasRowMajor, CblasNoTrans, M, n, 1, tape + to.S[w->L], n, P + L->w, 1, 0, V, 1);
    for (int p = 0; p < Pc; p++) V[p] += P[L->bout];
}

/* Reverse through one chunk: dV (C*Pc, channel-major) in scr V; gradients added to g. */
static void F(chunk_backward)(WORK *w, const NET *net, REAL *tape, REAL *scr, REAL *g, int Pc)
{
    const optsched_dgm_layout *L = &net->lay;
    const REAL *P = net->params;
    const int d = w->d, n = w->n, C = w->C, D = w->D;
    const int M = C * Pc;
    tape_off to = F(tape_offsets)(d, n, w->L, C, w->P);
    scr_off so = F(scr_offsets)(d, n, C, w->P);
    kdim K = {Pc, n, D, w->Q, w->qidx, w->pair, w->extra, w->nextra};
    const REAL *X = tape + to.X, *dV = scr + so.V;
    REAL *dS = scr + so.dSa, *dSin = scr + so.dSb, *dPh = scr + so.dPh, *dPz = scr + so.dPzgr;
    REAL *dSR = scr + so.dSR, *acc = scr + so.acc, *colT = acc + 4 * n;

    /* Output layer: V_c = w . S_L,c (+ b for the value channel). */
    const REAL *SL = tape + to.S[w->L];
    for (int r = 0; r < M; r++) {
        REAL *o = dS + (size_t)r * n;
        const REAL *wv = P + L->w;
        for (int u = 0; u < n; u++) o[u] = wv[u] * dV[r];
    }
    GEMV(CblasRowMajor, CblasTrans, M, n, 1, SL, n, dV, 1, 1, g + L->w, 1);
    for (int p = 0; p < Pc; p++) g[L->bout] += dV[p];

    for (int l = w->L - 1; l >= 0; l--) {
        const REAL *S = tape + to.S[l], *Pz = tape + to.Pzgr[l], *tz = tape + to.tz[l];
        const REAL *Ph = tape + to.Ph[l], *th = tape + to.th[l], *SR = tape + to.SR[l];
        F(k_update_bwd)(K, dPz, dPh, dSin, dS, Pz, tz, Ph, th, S);
        /* S.R (the input of the W_h product, on the tape) for W_h's gradient; dSR. */
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, M, 1, dPh, n, SR, n, 1, g + L->Wh[l], n);
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, n, n, 1, dPh, n, P + L->Wh[l], n, 0, dSR, n);
        F(k_gate_bwd)(K, dPz, dSin, dSR, Pz, tz, S);
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, 3 * n, n, M, 1, dPz, 3 * n, S, n, 1, g + L->W[l], n);
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, n, 3 * n, 1, dPz, 3 * n, P + L->W[l], n, 1, dSin, n);
        /* U and b: value rows against x, tangent rows summed. */
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, 3 * n, d, Pc, 1, dPz, 3 * n, X, d, 1, g + L->U[l], d);
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, Pc, 1, dPh, n, X, d, 1, g + L->U[l] + (size_t)3 * n * d, d);
        memset(acc, 0, (size_t)4 * n * sizeof(REAL));
        memset(colT, 0, (size_t)D * 4 * n * sizeof(REAL));
        F(k_colsums)(K, 3 * n, acc, colT, 4 * n, dPz);
        F(k_colsums)(K, n, acc + 3 * n, colT + 3 * n, 4 * n, dPh);
        for (int u = 0; u < 4 * n; u++) g[L->b[l] + u] += acc[u];
        for (int i = 0; i < D; i++)
            for (int u = 0; u < 4 * n; u++) g[L->U[l] + (size_t)u * d + i] += colT[(size_t)i * 4 * n + u];
        REAL *tmp = dS; dS = dSin; dSin = tmp;
    }
    /* First layer. dPh serves as the Pc x n value-row gradient. */
    memset(colT, 0, (size_t)d * n * sizeof(REAL));
    F(k_first_bwd)(K, dPh, colT, dS, tape + to.S[0], w->T);
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, Pc, 1, dPh, n, X, d, 1, g + L->W1, d);
    for (int p = 0; p < Pc; p++)
        for (int u = 0; u < n; u++) g[L->b1 + u] += dPh[(size_t)p * n + u];
    for (int i = 0; i < d; i++)
        for (int u = 0; u < n; u++) g[L->W1 + (size_t)u * d + i] += colT[(size_t)i * n + u];
}

/* ---------------------------------------------------------------------------------------
 * Batch drivers. */

/* Threads only pay off above about a millisecond of work per call: below it, waking and
 * spinning threads (on a shared machine) costs more than it saves. The arithmetic is the same
 * either way. */
static int F(parallel_worth)(const WORK *w, size_t N)
{
    return (double)N * w->C * w->n * w->n * w->L > 4e6;
}

static void F(slot_range)(size_t nch, int nslot, int s, size_t *k0, size_t *k1)
{
    *k0 = nch * (size_t)s / (size_t)nslot;
    *k1 = nch * (size_t)(s + 1) / (size_t)nslot;
}

static int F(check_batch)(const WORK *w, const NET *net, size_t N, optsched_error *err)
{
    if (N < 1 || N > w->nmax)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: batch of %zu points not in [1, %zu]", N, w->nmax);
    if (net->lay.nparams != w->lay.nparams || net->lay.dim != w->d || net->lay.width != w->n ||
        net->lay.layers != w->L)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: network and work space have different layouts");
    return OPTSCHED_OK;
}

/* Channel-major chunk values (scr V) -> point-major output rows. */
static void F(scatter_jets)(REAL *jets, const REAL *V, size_t p0, int Pc, int C)
{
    for (int p = 0; p < Pc; p++)
        for (int c = 0; c < C; c++) jets[(p0 + p) * C + c] = V[(size_t)c * Pc + p];
}

int F(optsched_dgm_forward)(REAL *jets, WORK *w, const NET *net, size_t N, const REAL *x,
                            optsched_error *err)
{
    int st = F(check_batch)(w, net, N, err);
    if (st) return st;
    F(prepare_T)(w, net);
    size_t nch = (N + w->P - 1) / w->P;
    int nslot = nch < DGM_SLOTS ? (int)nch : DGM_SLOTS;
    int taped = (w->flags & OPTSCHED_DGM_WORK_TAPE) != 0;
    int par = F(parallel_worth)(w, N);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel for schedule(static, 1) if (par)
    for (int s = 0; s < nslot; s++) {
        size_t k0, k1;
        F(slot_range)(nch, nslot, s, &k0, &k1);
        REAL *scr = w->scr + (size_t)s * w->scr_sz;
        for (size_t k = k0; k < k1; k++) {
            size_t p0 = k * w->P;
            int Pc = (int)(N - p0 < (size_t)w->P ? N - p0 : (size_t)w->P);
            REAL *tape = w->tape + (taped ? k : (size_t)s) * w->tape_sz;
            F(chunk_forward)(w, net, tape, scr, p0, Pc, x);
            F(scatter_jets)(jets, scr + F(scr_offsets)(w->d, w->n, w->C, w->P).V, p0, Pc, w->C);
        }
    }
    openblas_set_num_threads(blas);
    w->N_last = N;
    w->taped = taped;
    return OPTSCHED_OK;
}

/* grad (=|+=) sum of the slot gradients, in slot order; on the threads of the chunk loop
 * (par), whatever the size: the sum is per element, so the arithmetic is the same. */
static void F(reduce_slots)(REAL *grad, const WORK *w, int nslot, int accumulate, int par)
{
    size_t np = w->lay.nparams;
#pragma omp parallel for schedule(static) if (par)
    for (size_t i = 0; i < np; i++) {
        REAL a = accumulate ? grad[i] : 0;
        for (int s = 0; s < nslot; s++) a += w->sgrad[(size_t)s * np + i];
        grad[i] = a;
    }
}

int F(optsched_dgm_backward)(REAL *grad, WORK *w, const NET *net, const REAL *djets,
                             int accumulate, optsched_error *err)
{
    if (!(w->flags & OPTSCHED_DGM_WORK_TAPE) || !(w->flags & OPTSCHED_DGM_WORK_GRAD) || !w->taped)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "dgm: backward needs a work space with TAPE|GRAD after a forward");
    size_t N = w->N_last;
    int st = F(check_batch)(w, net, N, err);
    if (st) return st;
    F(prepare_T)(w, net);
    size_t nch = (N + w->P - 1) / w->P;
    int nslot = nch < DGM_SLOTS ? (int)nch : DGM_SLOTS;
    size_t np = w->lay.nparams;
    int par = F(parallel_worth)(w, N);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel for schedule(static, 1) if (par)
    for (int s = 0; s < nslot; s++) {
        size_t k0, k1;
        F(slot_range)(nch, nslot, s, &k0, &k1);
        REAL *scr = w->scr + (size_t)s * w->scr_sz, *g = w->sgrad + (size_t)s * np;
        REAL *V = scr + F(scr_offsets)(w->d, w->n, w->C, w->P).V;
        memset(g, 0, np * sizeof(REAL));
        for (size_t k = k0; k < k1; k++) {
            size_t p0 = k * w->P;
            int Pc = (int)(N - p0 < (size_t)w->P ? N - p0 : (size_t)w->P);
            for (int p = 0; p < Pc; p++)
                for (int c = 0; c < w->C; c++) V[(size_t)c * Pc + p] = djets[(p0 + p) * w->C + c];
            F(chunk_backward)(w, net, w->tape + k * w->tape_sz, scr, g, Pc);
        }
    }
    openblas_set_num_threads(blas);
    F(reduce_slots)(grad, w, nslot, accumulate, par);
    return OPTSCHED_OK;
}

int F(optsched_dgm_value_and_grad)(REAL *grad, double *loss, WORK *w, const NET *net, size_t N,
                                   const REAL *x, optsched_dgm_loss_fn fn, void *ctx,
                                   int accumulate, optsched_error *err)
{
    int st = F(check_batch)(w, net, N, err);
    if (st) return st;
    if (!(w->flags & OPTSCHED_DGM_WORK_GRAD))
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: value_and_grad needs a work space with GRAD");
    F(prepare_T)(w, net);
    size_t nch = (N + w->P - 1) / w->P;
    int nslot = nch < DGM_SLOTS ? (int)nch : DGM_SLOTS;
    size_t np = w->lay.nparams;
    const int C = w->C;
    int par = F(parallel_worth)(w, N);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel for schedule(static, 1) if (par)
    for (int s = 0; s < nslot; s++) {
        size_t k0, k1;
        F(slot_range)(nch, nslot, s, &k0, &k1);
        REAL *scr = w->scr + (size_t)s * w->scr_sz, *g = w->sgrad + (size_t)s * np;
        REAL *V = scr + F(scr_offsets)(w->d, w->n, C, w->P).V;
        double *jd = w->jd + (size_t)s * w->P * C, *djd = w->djd + (size_t)s * w->P * C;
        memset(g, 0, np * sizeof(REAL));
        for (size_t k = k0; k < k1; k++) {
            size_t p0 = k * w->P;
            int Pc = (int)(N - p0 < (size_t)w->P ? N - p0 : (size_t)w->P);
            REAL *tape = w->tape + ((w->flags & OPTSCHED_DGM_WORK_TAPE) ? k : (size_t)s) * w->tape_sz;
            F(chunk_forward)(w, net, tape, scr, p0, Pc, x);
            for (int p = 0; p < Pc; p++)
                for (int c = 0; c < C; c++) jd[(size_t)p * C + c] = V[(size_t)c * Pc + p];
            w->chunk_loss[k] = fn(ctx, p0, (size_t)Pc, C, jd, djd);
            for (int p = 0; p < Pc; p++)
                for (int c = 0; c < C; c++) V[(size_t)c * Pc + p] = (REAL)djd[(size_t)p * C + c];
            F(chunk_backward)(w, net, tape, scr, g, Pc);
        }
    }
    openblas_set_num_threads(blas);
    F(reduce_slots)(grad, w, nslot, accumulate, par);
    double sum = 0;
    for (size_t k = 0; k < nch; k++) sum += w->chunk_loss[k];
    if (loss) *loss = sum;
    w->taped = 0;
    return OPTSCHED_OK;
}

/* ---------------------------------------------------------------------------------------
 * Adam (Kingma & Ba, with bias correction as in torch.optim.Adam). */

ADAM *F(optsched_dgm_adam_alloc)(size_t n, double lr, optsched_error *err)
{
    ADAM *a = calloc(1, sizeof *a);
    if (a) {
        a->m = calloc(n, sizeof(REAL));
        a->v = calloc(n, sizeof(REAL));
    }
    if (!a || !a->m || !a->v) {
        F(optsched_dgm_adam_free)(a);
        optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory for Adam (%zu parameters)", n);
        return NULL;
    }
    a->n = n;
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    return a;
}

void F(optsched_dgm_adam_free)(ADAM *a)
{
    if (!a) return;
    free(a->m);
    free(a->v);
    free(a);
}

void F(optsched_dgm_adam_step)(ADAM *a, REAL *params, const REAL *grad)
{
    a->step++;
    const REAL b1 = (REAL)a->beta1, b2 = (REAL)a->beta2, eps = (REAL)a->eps;
    const REAL bc1 = (REAL)(1.0 - pow(a->beta1, (double)a->step));
    const REAL bc2s = (REAL)sqrt(1.0 - pow(a->beta2, (double)a->step));
    const REAL step = (REAL)a->lr / bc1;
    REAL *m = a->m, *v = a->v;
    const size_t n = a->n;
#pragma omp parallel for simd schedule(static) if (n > 200000)
    for (size_t i = 0; i < n; i++) {
        REAL gi = grad[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        params[i] -= step * m[i] / (SQRT(v[i]) / bc2s + eps);
    }
}
