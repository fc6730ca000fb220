/* DGM network in float (the default precision). See dgm_net_impl.h. */
#include <math.h>

/* tanh as a rational function (the minimax approximation used by Eigen for float), clamped
 * where tanh rounds to +-1 within a few ulp: branch-free, so the kernels vectorise; error a
 * few ulp over the whole line (checked against libm in tests/test_dgm_nn.c). */
static inline float dgm_tanhf(float x)
{
    const float c = 7.90531110763549805f;
    float xc = x > c ? c : (x < -c ? -c : x);
    float x2 = xc * xc;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * xc;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return p / q;
}

/* Exposed for the accuracy test only. */
float optsched_dgm_tanh_f32(float x);
float optsched_dgm_tanh_f32(float x) { return dgm_tanhf(x); }

#define REAL float
#define SFX f32
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define TANH(x) dgm_tanhf(x)
#define SQRT(x) sqrtf(x)
#include "dgm_net_impl.h"
