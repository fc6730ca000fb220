/* The exact box minimiser of H(η, B) = −ηA + η²D/(2B) − B V_r against brute
 * force: a 700 × 700 grid, log-spaced over the box, plus the corners. The
 * minimiser must be at least as good as every grid point (to 1e-12 relative
 * of the spread of H, a rounding allowance) and inside the box. Random (A, D,
 * V_r) cover every sign combination. The seed's fixed point is compared too:
 * it can only be worse or equal, and the test counts how often it is worse. The compute-clock
 * minimiser on the frontier (hjb.h) gets the same brute force for its own objective. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "optsched/hjb.h"

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) * 0x1p-53;
}

static const double e0 = 1e-4, e1 = 0.5, b0 = 1, b1 = 256;
enum { G = 700 };

/* min and max of f(p, q, v, η, B) over the (G + 1)² log grid of the box (the corners included) */
static void grid_range(double (*f)(double, double, double, double, double), double p, double q,
                       double v, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i <= G; i++)
        for (int j = 0; j <= G; j++) {
            double e = exp(log(e0) + (log(e1) - log(e0)) * i / G);
            double b = exp(log(b0) + (log(b1) - log(b0)) * j / G);
            double g = f(p, q, v, e, b);
            *lo = fmin(*lo, g);
            *hi = fmax(*hi, g);
        }
}

int main(void)
{
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
        double hmin, hmax;
        grid_range(optsched_hjb_hamiltonian, A, D, Vr, &hmin, &hmax);
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

    /* The frontier minimiser against the same log grid of the whole box, for its objective
     * −uA + u²D/2 + max(V_t, 0)/B: it may only be better (it searches the frontier exactly),
     * and with V_t ≥ 0 the box's best point lies on the frontier, so never worse. */
    for (int c = 0; c < cases; c++) {
        double A = (urand(&seed) - 0.3) * pow(10, 4 * urand(&seed) - 2);
        double D = (urand(&seed) - 0.2) * pow(10, 4 * urand(&seed) - 2);
        double Vt = (urand(&seed) - 0.2) * pow(10, 4 * urand(&seed) - 4);
        double e, b;
        double f = optsched_hjb_frontier_min(A, D, Vt, e0, e1, b0, b1, &e, &b);
        CHECK(e >= e0 && e <= e1 && b >= b0 && b <= b1, "frontier: outside the box");
        CHECK(e == e1 || b == b1, "frontier: (%g, %g) not on the frontier", e, b);
        CHECK(f == optsched_hjb_frontier_objective(A, D, Vt, e, b), "frontier: returned objective");
        double fmin_, fmax_;
        grid_range(optsched_hjb_frontier_objective, A, D, Vt, &fmin_, &fmax_);
        double tol = 1e-12 * (fmax_ - fmin_) + 1e-300;
        CHECK(f <= fmin_ + tol, "frontier case %d: A=%g D=%g Vt=%g: %.15g > grid %.15g", c, A, D,
              Vt, f, fmin_);
        /* the HJB identity: per unit of compute the wall-clock Hamiltonian plus V_t is the
         * frontier objective minus V_r, for any V_r */
        double Vr = -0.01 * urand(&seed);
        double lhs = (optsched_hjb_hamiltonian(A, D, Vr, e, b) + fmax(Vt, 0.0)) / b;
        double scale = fabs(e / b * A) + fabs(e * e / (b * b) * D) + fabs(Vr) + fabs(Vt / b);
        CHECK(fabs(lhs - (f - Vr)) <= 1e-12 * scale, "frontier case %d: (V_t + H)/B = %.15g, f - V_r = %.15g",
              c, lhs, f - Vr);
    }
    /* a hand case: V_t = 0, D > 0, u* = A/D = 0.05 lies on the η = η_max piece: B = 10 */
    double fe, fb;
    optsched_hjb_frontier_min(0.5, 10.0, 0.0, e0, e1, b0, b1, &fe, &fb);
    CHECK_REL(fe, 0.5, 0, "frontier hand case eta");
    CHECK_REL(fb, 10.0, 1e-15, "frontier hand case B");
    /* and with a time cost V_t = 1: u* = (A − V_t/η_max)/D = (0.5 − 2)/10 < 0, the smallest u
     * of that piece, η_max/B_max; it is also the right end of the B = B_max piece, whose own
     * optimum (A/D = 0.05) is beyond it, so B = B_max, η = η_max */
    optsched_hjb_frontier_min(0.5, 10.0, 1.0, e0, e1, b0, b1, &fe, &fb);
    CHECK_REL(fe, 0.5, 1e-15, "frontier hand case 2 eta");
    CHECK_REL(fb, 256.0, 1e-15, "frontier hand case 2 B");
    return check_summary("test_hjb_controls");
}
