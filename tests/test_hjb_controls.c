/* The exact box minimiser of H(η, B) = −ηA + η²D/(2B) − B V_r against brute
 * force: a 700 × 700 grid, log-spaced over the box, plus the corners. The
 * minimiser must be at least as good as every grid point (to 1e-12 relative
 * of the spread of H, a rounding allowance) and inside the box. Random (A, D,
 * V_r) cover every sign combination. The seed's fixed point is compared too:
 * it can only be worse or equal, and the test counts how often it is worse. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "optsched/hjb.h"

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) * 0x1p-53;
}

int main(void)
{
    const double e0 = 1e-4, e1 = 0.5, b0 = 1, b1 = 256;
    const int G = 700;
    uint64_t seed = 7;
    int worse_fp = 0, cases = 200;
    for (int c = 0; c < cases; c++) {
        double A = (urand(&seed) - 0.3) * pow(10, 4 * urand(&seed) - 2);
        double D = (urand(&seed) - 0.2) * pow(10, 4 * urand(&seed) - 2);
        double Vr = (urand(&seed) - 0.8) * pow(10, 4 * urand(&seed) - 4);
        double eta, B;
        double h = optsched_hjb_box_min(A, D, Vr, e0, e1, b0, b1, &eta, &B);
        CHECK(eta >= e0 && eta <= e1 && B >= b0 && B <= b1, "outside the box");
        CHECK(h == optsched_hjb_hamiltonian(A, D, Vr, eta, B), "returned H");
        double hmin = INFINITY, hmax = -INFINITY;
        for (int i = 0; i <= G; i++)
            for (int j = 0; j <= G; j++) {
                double e = exp(log(e0) + (log(e1) - log(e0)) * i / G);
                double b = exp(log(b0) + (log(b1) - log(b0)) * j / G);
                double g = optsched_hjb_hamiltonian(A, D, Vr, e, b);
                hmin = fmin(hmin, g);
                hmax = fmax(hmax, g);
            }
        double tol = 1e-12 * (hmax - hmin) + 1e-300;
        CHECK(h <= hmin + tol, "case %d: A=%g D=%g Vr=%g: box_min H=%.15g > grid %.15g", c, A, D,
              Vr, h, hmin);
        double ef, bf;
        double hf = optsched_hjb_fixed_point(A, D, Vr, e0, e1, b0, b1, 5, &ef, &bf);
        CHECK(hf >= h - tol, "fixed point beat the exact minimiser");
        worse_fp += hf > h + 1e-9 * (hmax - hmin);
    }
    printf("the seed's 5-round fixed point is worse than the exact minimiser in %d of %d cases\n",
           worse_fp, cases);
    /* a hand case: D > 0, V_r < 0, interior optimum along η = η_max edge:
     * B* = η_max sqrt(D/(−2V_r)) = 0.5 sqrt(8/(2·0.001)) = 31.62..., and H there
     * beats the corners */
    double eta, B;
    optsched_hjb_box_min(10.0, 8.0, -0.001, e0, e1, b0, b1, &eta, &B);
    CHECK_REL(eta, 0.5, 0, "hand case eta");
    CHECK_REL(B, 0.5 * sqrt(8 / 0.002), 1e-15, "hand case B");
    return check_summary("test_hjb_controls");
}
