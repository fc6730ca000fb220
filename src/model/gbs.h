/* Internal: Gragg–Bulirsch–Stoer extrapolation for y' = f(t, y) on one smooth
 * interval, adaptive in the step size, to a mixed tolerance per component
 * |err_i| ≤ atol + rtol |y_i|. */
#ifndef OPTSCHED_MODEL_GBS_H
#define OPTSCHED_MODEL_GBS_H

typedef void (*gbs_rhs)(void *ctx, double t, const double *y, double *dy);

/* Integrates y from t0 to t1 in place. work must hold (2*GBS_MAX_COLS + 4) * n
 * doubles. Returns 0, or -1 if the step size underflowed. */
#define GBS_MAX_COLS 9
int gbs_integrate(gbs_rhs f, void *ctx, int n, double t0, double t1, double *y, double rtol,
                  double atol, double *work);

#endif
