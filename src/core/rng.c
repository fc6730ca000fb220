/* Counter-based normals: Philox4x32-10 → 32-bit uniforms → the normal quantile.
 *
 * The hot path draws normals for many paths at once: Philox rounds run across
 * lanes (one lane = one 4-word counter) so the compiler vectorises the 32×32→64
 * multiplies, and the quantile is branch-free, in float, so it vectorises 8
 * wide. For a uniform u = (x + 1/2)·2⁻³², min(u, 1 − u) ≥ 2⁻³³, so Wichura's
 * AS 241 needs only its central (|u − ½| ≤ 0.425) and intermediate (r ≤ 5)
 * rational approximations; both are computed and one is selected.
 * The Philox output equals Random123's philox4x32 (tested), and the scalar
 * entry points use the same code, so every route gives identical numbers. */
#include "optsched/rng.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) double poly7(const double *c, double x)
{
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x +
           c[0];
}

/* AS 241 (PPND16) coefficients */
static const double A[8] = {3.3871328727963666080e0, 1.3314166789178437745e+2,
                            1.9715909503065514427e+3, 1.3731693765509461125e+4,
                            4.5921953931549871457e+4, 6.7265770927008700853e+4,
                            3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double Bc[8] = {1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
                             5.3941960214247511077e+3, 2.1213794301586595867e+4,
                             3.9307895800092710610e+4, 2.8729085735721942674e+4,
                             5.2264952788528545610e+3};
static const double Cc[8] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                             5.76949722146069140550e0, 3.64784832476320460504e0,
                             1.27045825245236838258e0, 2.41780725177450611770e-1,
                             2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double D[8] = {1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
                            6.89767334985100004550e-1, 1.48103976427480074590e-1,
                            1.51986665636164571966e-2, 5.47593808499534494600e-4,
                            1.05075007164441684324e-9};
static const double E[8] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                            1.78482653991729133580e0, 2.96560571828504891230e-1,
                            2.65321895265761230930e-2, 1.24266094738807843860e-3,
                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double F[8] = {1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
                            1.48753612908506148525e-2, 7.86869131145613259100e-4,
                            1.84631831751005468180e-5, 1.42151175831644588870e-7,
                            2.04426310338993978564e-15};

double optsched_normal_quantile(double p)
{
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * poly7(A, r) / poly7(Bc, r);
    }
    double r = q < 0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        x = poly7(Cc, r) / poly7(D, r);
    } else {
        r -= 5.0;
        x = poly7(E, r) / poly7(F, r);
    }
    return q < 0 ? -x : x;
}

/* The AS 241 coefficients rounded to float, for the vectorised normals. */
#define F8(c)                                                                                      \
    {                                                                                              \
        (float)c[0], (float)c[1], (float)c[2], (float)c[3], (float)c[4], (float)c[5], (float)c[6], \
            (float)c[7]                                                                            \
    }
static const float Af[8] = F8(A), Bf[8] = F8(Bc), Cf[8] = F8(Cc), Df[8] = F8(D);

static inline __attribute__((always_inline)) float poly7f(const float *c, float x)
{
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x +
           c[0];
}

/* log(x) for normal positive floats, branch-free: x = 2^k m with m in [√2/2, √2),
 * log(m) = log((1+s)/(1−s)) = 2s + 2s³/3 + ..., s = (m−1)/(m+1), |s| ≤ 0.172, so
 * the series to s⁹ is below float rounding. */
static inline __attribute__((always_inline)) float log_nbf(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    int32_t k = (int32_t)(b - 0x3f3504f3u) >> 23; /* 0x3f3504f3 = √2/2 */
    uint32_t mb = b - ((uint32_t)k << 23);
    float m;
    memcpy(&m, &mb, sizeof m);
    float f = m - 1.0f, s = f / (2.0f + f), z = s * s;
    float R = z * (0.66666666666f + z * (0.4f + z * (0.28571428571f + z * 0.22222222222f)));
    float hfsq = 0.5f * f * f;
    return (float)k * 0.69314718056f - ((hfsq - s * (hfsq + R)) - f);
}

/* Φ⁻¹ of the uniform u = (x + ½)·2⁻³², branch-free, in float: absolute error
 * below 1e-6 (tested against the double quantile), far below any Monte Carlo
 * error, at a third of the cost of double. p = min(u, 1 − u) is formed from
 * the integer so that it keeps full relative precision in both tails. */
static inline __attribute__((always_inline)) double icdf32(uint32_t x)
{
    const int lower = x < 0x80000000u;
    const float p = ((float)(int32_t)(lower ? x : ~x) + 0.5f) * 0x1p-32f;
    const float q = lower ? p - 0.5f : 0.5f - p; /* u − ½ */
    const float rc = 0.180625f - q * q;
    const float r = sqrtf(-log_nbf(p)) - 1.6f;
    const int central = fabsf(q) <= 0.425f;
    /* select numerator and denominator first: one division instead of two */
    float num = central ? q * poly7f(Af, rc) : (lower ? -poly7f(Cf, r) : poly7f(Cf, r));
    float den = central ? poly7f(Bf, rc) : poly7f(Df, r);
    return (double)(num / den);
}

float optsched_rng_logf(float x) { return log_nbf(x); }

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u
#define LANES 64

/* Philox4x32-10 over n ≤ LANES counters, in place (c[w][lane]). */
static inline void philox_lanes(uint32_t c[4][LANES], int n, uint64_t seed)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
#pragma omp simd
        for (int l = 0; l < n; l++) {
            uint64_t p0 = (uint64_t)M0 * c[0][l], p1 = (uint64_t)M1 * c[2][l];
            uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
            uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
            uint32_t n0 = hi1 ^ c[1][l] ^ k0, n2 = hi0 ^ c[3][l] ^ k1;
            c[0][l] = n0;
            c[1][l] = lo1;
            c[2][l] = n2;
            c[3][l] = lo0;
        }
        k0 += W0;
        k1 += W1;
    }
}

/* Cloned for AVX2 (chosen at load time): 4 doubles a vector instead of 2. No
 * FMA is enabled, and -std=c11 keeps contraction off, so both clones compute
 * the same IEEE operations and give identical numbers. */
__attribute__((target_clones("avx2", "default"))) void optsched_rng_normal_batch(uint64_t seed, uint32_t stream, uint32_t step, int n,
                               const uint32_t *paths, int blocks, double *out)
{
    uint32_t c[4][LANES];
    const int total = n * blocks;
    int path_i = 0, block_j = 0; /* lane g = path_i * blocks + block_j, no division */
    for (int base = 0; base < total; base += LANES) {
        int m = total - base < LANES ? total - base : LANES;
        for (int l = 0; l < m; l++) {
            c[0][l] = paths[path_i];
            c[1][l] = step;
            c[2][l] = (uint32_t)block_j;
            c[3][l] = stream;
            if (++block_j == blocks) {
                block_j = 0;
                path_i++;
            }
        }
        philox_lanes(c, m, seed);
        double *o = out + (size_t)base * 4;
#pragma omp simd
        for (int l = 0; l < m; l++) {
            o[4 * l + 0] = icdf32(c[0][l]);
            o[4 * l + 1] = icdf32(c[1][l]);
            o[4 * l + 2] = icdf32(c[2][l]);
            o[4 * l + 3] = icdf32(c[3][l]);
        }
    }
}

void optsched_rng_philox(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                         uint32_t block, uint32_t out[4])
{
    uint32_t c[4][LANES] = {{path}, {step}, {block}, {stream}};
    philox_lanes(c, 1, seed);
    for (int i = 0; i < 4; i++) out[i] = c[i][0];
}

void optsched_rng_uniform4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                           uint32_t block, double out[4])
{
    uint32_t r[4];
    optsched_rng_philox(seed, stream, path, step, block, r);
    for (int i = 0; i < 4; i++) out[i] = ((double)r[i] + 0.5) * 0x1p-32;
}

void optsched_rng_normal4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                          uint32_t block, double out[4])
{
    uint32_t r[4];
    optsched_rng_philox(seed, stream, path, step, block, r);
    for (int i = 0; i < 4; i++) out[i] = icdf32(r[i]);
}
