/* Random numbers: the normal quantile against the CDF from libm's erfc
 * (Φ(x) = erfc(−x/√2)/2), and moments of the counter-based normals. */
#include <math.h>

#include "check.h"
#include "optsched/rng.h"

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
    return check_summary("test_rng");
}
