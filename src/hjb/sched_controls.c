/* The controls of the schedule HJB: the exact minimiser of the Hamiltonian
 * over the box, and the seed's fixed point for comparison (see hjb.h). */
#include <math.h>

#include "optsched/hjb.h"

double optsched_hjb_hamiltonian(double A, double D, double Vr, double eta, double B)
{
    return -eta * A + eta * eta * D / (2.0 * B) - B * Vr;
}

static double clampd(double x, double lo, double hi)
{
    return fmin(hi, fmax(lo, x));
}

/* Best η on the edge B = b: q(η) = −ηA + η²D/(2b). */
static double best_eta(double A, double D, double b, double e0, double e1)
{
    if (D > 0) return clampd(A * b / D, e0, e1);
    /* concave or linear: an end */
    return -e0 * A + e0 * e0 * D / (2 * b) <= -e1 * A + e1 * e1 * D / (2 * b) ? e0 : e1;
}

/* Best B on the edge η = e: g(B) = e²D/(2B) − B V_r. */
static double best_B(double D, double Vr, double e, double b0, double b1)
{
    if (D > 0 && Vr < 0) return clampd(e * sqrt(D / (-2.0 * Vr)), b0, b1);
    if (D >= 0 && Vr >= 0) return b1 > b0 && (D > 0 || Vr > 0) ? b1 : b0; /* g' < 0 or flat */
    double g0 = e * e * D / (2 * b0) - b0 * Vr, g1 = e * e * D / (2 * b1) - b1 * Vr;
    return g0 <= g1 ? b0 : b1;
}

double optsched_hjb_box_min(double A, double D, double Vr, double eta_min, double eta_max,
                            double B_min, double B_max, double *eta, double *B)
{
    double ce[4], cb[4];
    ce[0] = best_eta(A, D, B_min, eta_min, eta_max);
    cb[0] = B_min;
    ce[1] = best_eta(A, D, B_max, eta_min, eta_max);
    cb[1] = B_max;
    ce[2] = eta_max;
    cb[2] = best_B(D, Vr, eta_max, B_min, B_max);
    ce[3] = eta_min;
    cb[3] = best_B(D, Vr, eta_min, B_min, B_max);
    int best = 0;
    double hb = optsched_hjb_hamiltonian(A, D, Vr, ce[0], cb[0]);
    for (int i = 1; i < 4; i++) {
        double h = optsched_hjb_hamiltonian(A, D, Vr, ce[i], cb[i]);
        if (h < hb) {
            hb = h;
            best = i;
        }
    }
    *eta = ce[best];
    *B = cb[best];
    return hb;
}

double optsched_hjb_fixed_point(double A, double D, double Vr, double eta_min, double eta_max,
                                double B_min, double B_max, int rounds, double *eta, double *B)
{
    double e = eta_max, b = B_min;
    for (int i = 0; i < rounds; i++) {
        e = D > 0 ? clampd(A * b / D, eta_min, eta_max) : eta_max;
        b = Vr < 0 && D > 0 ? clampd(sqrt(e * e * D / (-2.0 * Vr)), B_min, B_max) : B_max;
    }
    *eta = e;
    *B = b;
    return optsched_hjb_hamiltonian(A, D, Vr, e, b);
}
