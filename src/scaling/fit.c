/* Power-law fits y ~ x^slope by least squares in log10-log10 over a stated range. */
#include "optsched/scaling.h"

#include <math.h>

int optsched_scaling_fit_power(const double *x, const double *y, int n, double x_lo,
                               double x_hi, optsched_scaling_fit *out, optsched_error *err)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    out->x_lo = INFINITY;
    out->x_hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!(x[i] >= x_lo && x[i] <= x_hi) || !(x[i] > 0) || !(y[i] > 0)) continue;
        double lx = log10(x[i]), ly = log10(y[i]);
        sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
        m++;
        if (x[i] < out->x_lo) out->x_lo = x[i];
        if (x[i] > out->x_hi) out->x_hi = x[i];
    }
    out->n = m;
    double den = m * sxx - sx * sx;
    if (m < 2 || !(den > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--fit-range: fewer than two distinct budgets inside [%g, %g]",
                                  x_lo, x_hi);
    out->slope = (m * sxy - sx * sy) / den;
    out->intercept = (sy - out->slope * sx) / m;
    double ss = 0;
    for (int i = 0; i < n; i++) {
        if (!(x[i] >= x_lo && x[i] <= x_hi) || !(x[i] > 0) || !(y[i] > 0)) continue;
        double r = log10(y[i]) - out->intercept - out->slope * log10(x[i]);
        ss += r * r;
    }
    out->rms = sqrt(ss / m);
    return OPTSCHED_OK;
}
