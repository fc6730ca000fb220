/* DGM engine: precision-independent pieces — parameter layout, jet channels, and the
 * counter-based random numbers plug-ins sample with, and the product rule of a multiplier. */
#include "optsched/dgm.h"
#include "nn/dgm_internal.h"

#include <math.h>

#include <Random123/philox.h>

int optsched_dgm_layout_init(optsched_dgm_layout *lay, int dim, int width, int layers,
                             optsched_error *err)
{
    if (dim < 1 || dim > 4096)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: input dimension %d not in [1, 4096]", dim);
    if (width < 1 || width > 8192)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm option 'width': %d not in [1, 8192]", width);
    if (layers < 1 || layers > OPTSCHED_DGM_MAX_LAYERS)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm option 'layers': %d not in [1, %d]",
                                  layers, OPTSCHED_DGM_MAX_LAYERS);
    size_t d = (size_t)dim, n = (size_t)width, off = 0;
    lay->dim = dim;
    lay->width = width;
    lay->layers = layers;
    lay->W1 = off; off += n * d;
    lay->b1 = off; off += n;
    for (int l = 0; l < OPTSCHED_DGM_MAX_LAYERS; l++) {
        if (l >= layers) {
            lay->U[l] = lay->W[l] = lay->Wh[l] = lay->b[l] = 0;
            continue;
        }
        lay->U[l] = off; off += 4 * n * d;
        lay->W[l] = off; off += 3 * n * n;
        lay->Wh[l] = off; off += n * n;
        lay->b[l] = off; off += 4 * n;
    }
    lay->w = off; off += n;
    lay->bout = off; off += 1;
    lay->nparams = off;
    return OPTSCHED_OK;
}

int optsched_dgm_jet_channels(const optsched_dgm_jetspec *js, int dim)
{
    return 1 + (js->first ? dim : 0) + js->nsecond;
}

/* One Philox block for (seed, stream, iter, index). */
static philox4x32_ctr_t block(const optsched_dgm_rng *rng, uint64_t index)
{
    philox4x32_key_t k = {{(uint32_t)rng->seed, (uint32_t)(rng->seed >> 32)}};
    philox4x32_ctr_t c = {{(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)rng->iter,
                           (uint32_t)((rng->iter >> 32) ^ ((uint64_t)rng->stream << 16))}};
    return philox4x32(c, k);
}

/* 53 random bits from two words, mapped to the open interval (0, 1). */
static double open01(uint32_t hi, uint32_t lo)
{
    uint64_t u = (((uint64_t)hi << 32) | lo) >> 11;
    return ((double)u + 0.5) * 0x1p-53;
}

double optsched_dgm_rng_uniform(const optsched_dgm_rng *rng, uint64_t index, unsigned lane)
{
    philox4x32_ctr_t r = block(rng, index);
    return lane ? open01(r.v[2], r.v[3]) : open01(r.v[0], r.v[1]);
}

double optsched_dgm_rng_normal(const optsched_dgm_rng *rng, uint64_t index, unsigned lane)
{
    philox4x32_ctr_t r = block(rng, index);
    double u1 = open01(r.v[0], r.v[1]), u2 = open01(r.v[2], r.v[3]);
    double rad = sqrt(-2.0 * log(u1)), ang = 6.283185307179586476925286766559 * u2;
    return lane ? rad * sin(ang) : rad * cos(ang);
}

/* The jets of S·N from those of S and N (channels: value, ∂_i for i < dim, ∂²_{second[j]}):
 * (SN) = S N, ∂_i(SN) = S_i N + S N_i, ∂²_i(SN) = S_ii N + 2 S_i N_i + S N_ii. */
void dgm_mul_jets(int dim, int ns, const int *second, const double *S, const double *jn,
                         double *jv)
{
    jv[0] = S[0] * jn[0];
    for (int i = 0; i < dim; i++) jv[1 + i] = S[1 + i] * jn[0] + S[0] * jn[1 + i];
    for (int j = 0; j < ns; j++) {
        const int i = second[j], c = 1 + dim + j;
        jv[c] = S[c] * jn[0] + 2 * S[1 + i] * jn[1 + i] + S[0] * jn[c];
    }
}

/* Its transpose: dn = (∂ jv / ∂ jn)ᵀ dv. */
void dgm_mul_jets_adj(int dim, int ns, const int *second, const double *S, const double *dv,
                             double *dn)
{
    dn[0] = S[0] * dv[0];
    for (int i = 0; i < dim; i++) {
        dn[0] += S[1 + i] * dv[1 + i];
        dn[1 + i] = S[0] * dv[1 + i];
    }
    for (int j = 0; j < ns; j++) {
        const int i = second[j], c = 1 + dim + j;
        dn[0] += S[c] * dv[c];
        dn[1 + i] += 2 * S[1 + i] * dv[c];
        dn[c] = S[0] * dv[c];
    }
}
