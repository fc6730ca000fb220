/* Random numbers: the normal quantile against the CDF from libm's erfc
 * (Φ(x) = erfc(−x/√2)/2), and moments of the counter-based normals. */
#include <math.h>

#include "check.h"
#include "optsched/rng.h"

#include <Random123/philox.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    /* Φ(Φ⁻¹(p)) = p over p ∈ [1e-300, 1/2]: a quantile error δx moves p by
     * φ(x)δx, i.e. relatively by about |x|δx ~ x² ε in the tail, so the bound is
     * 4e-15 (1 + x²) relative. */
    double worst = 0;
    for (int i = 1; i < 2000; i++) {
        double p = (double)i / 2000;
        double x = optsched_normal_quantile(p);
        double back = 0.5 * erfc(-x / sqrt(2.0));
        double e = fabs(back - p) / fmin(p, 1 - p) / (1 + x * x);
        if (e > worst) worst = e;
    }
    for (double p = 1e-300; p < 1e-2; p *= 7.3) {
        double x = optsched_normal_quantile(p);
        double back = 0.5 * erfc(-x / sqrt(2.0));
        double e = fabs(back - p) / p / (1 + x * x);
        if (e > worst) worst = e;
    }
    CHECK(worst < 4e-15, "quantile round trip: worst relative error %.3g", worst);
    CHECK_ABS(optsched_normal_quantile(0.975), 1.959963984540054, 1e-15, "z_0.975 (tables)");
    CHECK(optsched_normal_quantile(0.5) == 0.0, "median");

    /* moments of 4e6 normals: mean 0 ± 4 SE, variance 1 ± 4 SE (SE of the sample
     * variance of normals is sqrt(2/n)), kurtosis 3 ± 4 SE (sqrt(96/n)) */
    double s1 = 0, s2 = 0, s4 = 0;
    const int n = 1000000;
    for (int i = 0; i < n; i++) {
        double z[4];
        optsched_rng_normal4(42, 0, (uint32_t)i, 7, 0, z);
        for (int j = 0; j < 4; j++) {
            s1 += z[j];
            s2 += z[j] * z[j];
            s4 += z[j] * z[j] * z[j] * z[j];
        }
    }
    double N = 4.0 * n, mean = s1 / N, var = s2 / N - mean * mean;
    CHECK(fabs(mean) < 4 / sqrt(N), "mean %.3g", mean);
    CHECK(fabs(var - 1) < 4 * sqrt(2 / N), "variance %.6f", var);
    CHECK(fabs(s4 / N - 3) < 4 * sqrt(96 / N), "fourth moment %.4f", s4 / N);

    /* counters, not state: the same (seed, stream, path, step, block) gives the same
     * numbers; changing any one of them changes them */
    double a[4], b[4], c[4];
    optsched_rng_normal4(42, 0, 3, 5, 1, a);
    optsched_rng_normal4(42, 0, 3, 5, 1, b);
    CHECK(a[0] == b[0] && a[3] == b[3], "reproducible");
    const uint32_t alt[5][4] = {{0, 3, 5, 2}, {0, 4, 5, 1}, {0, 3, 6, 1}, {1, 3, 5, 1}, {0, 3, 5, 1}};
    for (int i = 0; i < 5; i++) {
        optsched_rng_normal4(i == 4 ? 43 : 42, alt[i][0], alt[i][1], alt[i][2], alt[i][3], c);
        CHECK(c[0] != a[0], "counter field %d changes the draw", i);
    }

    /* Philox: equal to Random123's philox4x32 (the reference implementation) */
    int same = 1;
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t mine[4];
        uint64_t seed = 0x123456789abcdefULL * (i + 1);
        optsched_rng_philox(seed, i % 3, i * 7919u, i * 31u, i % 5, mine);
        philox4x32_ctr_t ctr = {{i * 7919u, i * 31u, i % 5, i % 3}};
        philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
        philox4x32_ctr_t r = philox4x32(ctr, k);
        for (int j = 0; j < 4; j++) same &= mine[j] == r.v[j];
    }
    CHECK(same, "Philox differs from Random123");

    /* the branch-free float log against libm's double log: within 2 float ulps of
     * the result (2^-23 relative, or 2^-24 absolute near log 1 = 0) over (1e-10, 1) */
    double worst_ulp = 0;
    for (int i = 0; i < 200000; i++) {
        float x = (float)exp(-23.0 * (i + 0.5) / 200000);
        double got = optsched_rng_logf(x), want = log((double)x);
        double ulp = fabs(got - want) / fmax(ldexp(1.0, -23) * fabs(want), ldexp(1.0, -24));
        if (ulp > worst_ulp) worst_ulp = ulp;
    }
    CHECK(worst_ulp <= 2, "logf: %.2f float ulps from libm", worst_ulp);

    /* normals from 32-bit uniforms against the double-precision reference
     * quantile, over 2e6 draws: float arithmetic, so the bound is a few float
     * ulps of the result, |error| ≤ 3e-7 (1 + |z|) — e.g. 2e-6 at z = 6 */
    double worst_q = 0;
    for (uint32_t i = 0; i < 500000; i++) {
        uint32_t r4[4];
        double z4[4];
        optsched_rng_philox(7, 0, i, 3, 0, r4);
        optsched_rng_normal4(7, 0, i, 3, 0, z4);
        for (int j = 0; j < 4; j++) {
            double ref = optsched_normal_quantile(((double)r4[j] + 0.5) * 0x1p-32);
            double e = fabs(z4[j] - ref) / (1 + fabs(ref));
            if (e > worst_q) worst_q = e;
        }
    }
    CHECK(worst_q <= 3e-7, "normal quantile of 32-bit uniforms: error/(1+|z|) %.3g", worst_q);

    /* the batch route equals the scalar route */
    uint32_t ids[37];
    for (int i = 0; i < 37; i++) ids[i] = (uint32_t)(3 * i + 1);
    double *batch = malloc(37 * 3 * 4 * sizeof *batch);
    optsched_rng_normal_batch(99, 0, 12, 37, ids, 3, batch);
    int eq = 1;
    for (int i = 0; i < 37; i++)
        for (int j = 0; j < 3; j++) {
            double z4[4];
            optsched_rng_normal4(99, 0, ids[i], 12, (uint32_t)j, z4);
            eq &= memcmp(z4, batch + (i * 3 + j) * 4, sizeof z4) == 0;
        }
    CHECK(eq, "batch normals differ from the scalar ones");
    free(batch);
    return check_summary("test_rng");
}
