/* The controls of the schedule HJB: the exact minimiser of the Hamiltonian over the box,
 * the minimiser on the compute clock (over the frontier), and the seed's fixed point for
 * comparison (see hjb.h). */
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

/* min over [lo, hi] of q(u) = −u a + u²D/2; returns the minimiser. */
static double best_u(double a, double D, double lo, double hi)
{
    if (D > 0) return clampd(a / D, lo, hi);
    return -lo * a + lo * lo * D / 2 <= -hi * a + hi * hi * D / 2 ? lo : hi;
}

double optsched_hjb_frontier_objective(double A, double D, double Vt, double eta, double B)
{
    const double u = eta / B;
    return -u * A + u * u * D / 2 + fmax(Vt, 0.0) / B;
}

double optsched_hjb_frontier_min(double A, double D, double Vt, double eta_min, double eta_max,
                                 double B_min, double B_max, double *eta, double *B)
{
    /* Per unit of compute a control acts only through u = η/B, and uses 1/B of time, which
     * costs V_t ≥ 0: for a given u the largest batch the box allows is never worse, so the
     * minimiser lies on the frontier B = min(B_max, η_max/u). Its two pieces are quadratics
     * in u: B = B_max for u ≤ η_max/B_max, η = η_max (time cost u V_t/η_max) above. */
    const double vt = fmax(Vt, 0.0), um = eta_max / B_max;
    const double u1 = best_u(A, D, eta_min / B_max, um);
    const double u2 = best_u(A - vt / eta_max, D, um, eta_max / B_min);
    const double e1 = u1 * B_max, b2 = eta_max / u2;
    const double f1 = optsched_hjb_frontier_objective(A, D, Vt, e1, B_max);
    const double f2 = optsched_hjb_frontier_objective(A, D, Vt, eta_max, b2);
    if (f1 < f2) {
        *eta = clampd(e1, eta_min, eta_max);
        *B = B_max;
        return f1;
    }
    *eta = eta_max;
    *B = clampd(b2, B_min, B_max);
    return f2;
}

void optsched_hjb_controls(int which, const optsched_model *m, double A, double D, double Vr,
                           double Vt, double *eta, double *B)
{
    if (which == OPTSCHED_HJB_CONTROLS_FIXED_POINT)
        optsched_hjb_fixed_point(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, 5, eta, B);
    else if (which == OPTSCHED_HJB_CONTROLS_FRONTIER)
        optsched_hjb_frontier_min(A, D, Vt, m->eta_min, m->eta_max, m->B_min, m->B_max, eta, B);
    else
        optsched_hjb_box_min(A, D, Vr, m->eta_min, m->eta_max, m->B_min, m->B_max, eta, B);
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
