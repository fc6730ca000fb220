/* Counter-based normals: Philox4x32-10 → uniforms → Wichura's AS 241
 * (algorithm PPND16, Applied Statistics 37, 1988), accurate to about 1e-16.
 * The inverse CDF needs one uniform per normal and no rejection, so a block of
 * four normals is one Philox call. */
#include "optsched/rng.h"

#include <math.h>

#include <Random123/philox.h>

static inline double poly7(const double *c, double x)
{
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x + c[0];
}

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

static inline philox4x32_ctr_t draw(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                                    uint32_t block)
{
    philox4x32_ctr_t c = {{path, step, block, stream}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    return philox4x32(c, k);
}

void optsched_rng_uniform4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                           uint32_t block, double out[4])
{
    philox4x32_ctr_t r = draw(seed, stream, path, step, block);
    for (int i = 0; i < 4; i++) out[i] = ((double)r.v[i] + 0.5) * 0x1p-32;
}

void optsched_rng_normal4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                          uint32_t block, double out[4])
{
    philox4x32_ctr_t r = draw(seed, stream, path, step, block);
    for (int i = 0; i < 4; i++) out[i] = optsched_normal_quantile(((double)r.v[i] + 0.5) * 0x1p-32);
}
