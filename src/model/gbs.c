/* Gragg–Bulirsch–Stoer: modified-midpoint sweeps with n_j = 2(j+1) substeps,
 * Aitken–Neville extrapolation in h², accepted when two successive diagonal
 * entries agree to the tolerance. The order rises to 2*GBS_MAX_COLS, so a
 * smooth piece needs only a handful of macro steps at 1e-12. */
#include "model/gbs.h"

#include <math.h>
#include <string.h>

static void midpoint(gbs_rhs f, void *ctx, int n, double t, double H, int steps, const double *y0,
                     double *out, double *zm, double *zn, double *dy)
{
    const double h = H / steps;
    memcpy(zm, y0, (size_t)n * sizeof *zm);
    f(ctx, t, y0, dy);
    for (int i = 0; i < n; i++) zn[i] = y0[i] + h * dy[i];
    for (int s = 1; s < steps; s++) {
        f(ctx, t + s * h, zn, dy);
        for (int i = 0; i < n; i++) {
            double z = zm[i] + 2 * h * dy[i];
            zm[i] = zn[i];
            zn[i] = z;
        }
    }
    f(ctx, t + H, zn, dy);
    for (int i = 0; i < n; i++) out[i] = 0.5 * (zm[i] + zn[i] + h * dy[i]);
}

int gbs_integrate(gbs_rhs f, void *ctx, int n, double t0, double t1, double *y, double rtol,
                  double atol, double *work)
{
    double *T = work;                     /* [GBS_MAX_COLS][n] current row of the tableau */
    double *prev = T + GBS_MAX_COLS * n;  /* [GBS_MAX_COLS][n] previous row */
    double *zm = prev + GBS_MAX_COLS * n, *zn = zm + n, *dy = zn + n, *row0 = dy + n;
    const double span = t1 - t0;
    if (!(span > 0)) return 0;
    double t = t0, H = span / 4;
    const double hmin = span * 1e-14;
    while (t < t1) {
        int last = t + H >= t1 || t1 - (t + H) < 1e-12 * span;
        if (last) H = t1 - t;
        int accepted = 0, col = 0;
        for (int j = 0; j < GBS_MAX_COLS; j++) {
            int nj = 2 * (j + 1);
            midpoint(f, ctx, n, t, H, nj, y, row0, zm, zn, dy);
            memcpy(T, row0, (size_t)n * sizeof *T);
            for (int l = 1; l <= j; l++) {
                double r = (double)nj / (2 * (j - l + 1));
                double fac = 1.0 / (r * r - 1.0);
                for (int i = 0; i < n; i++)
                    T[l * n + i] = T[(l - 1) * n + i] + (T[(l - 1) * n + i] - prev[(l - 1) * n + i]) * fac;
            }
            if (j >= 2) {
                double err = 0;
                for (int i = 0; i < n; i++) {
                    double d = fabs(T[j * n + i] - T[(j - 1) * n + i]);
                    double sc = atol + rtol * fabs(T[j * n + i]);
                    if (d / sc > err) err = d / sc;
                }
                if (err <= 1.0) {
                    memcpy(y, T + j * n, (size_t)n * sizeof *y);
                    accepted = 1;
                    col = j;
                    break;
                }
            }
            memcpy(prev, T, (size_t)(j + 1) * n * sizeof *T);
        }
        if (!accepted) {
            H *= 0.25;
            if (H < hmin) return -1;
            continue;
        }
        t = last ? t1 : t + H;
        /* aim for convergence around column 5: cheap per unit time */
        if (col <= 3)
            H *= 2.0;
        else if (col >= 7)
            H *= 0.6;
    }
    return 0;
}
