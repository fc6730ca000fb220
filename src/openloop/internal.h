/* Internals of the open-loop solver: the adjoint workspace and divided
 * differences of the exponential (adjoint.c), shared with the solver (openloop.c). */
#ifndef OPTSCHED_OPENLOOP_INTERNAL_H
#define OPTSCHED_OPENLOOP_INTERNAL_H

#include "optsched/exact.h"
#include "optsched/model.h"

/* Reusable workspace for loss + gradient of piecewise-constant schedules with
 * up to cap_n intervals (no allocation per evaluation). */
typedef struct {
    const optsched_model *m;
    int K, cap_n;
    optsched_prop *prop;
    double *mom;       /* [(cap_n+1) K] moments at the interval starts */
    double *Q, *mu;    /* eigen-decompositions per interval, or NULL (recomputed backward) */
    double *xh, *ph, *lh, *ch, *X, *E, *Psi, *p; /* [K] scratch */
} ol_adj;

int ol_adj_init(ol_adj *a, const optsched_model *m, int cap_n);
void ol_adj_free(ol_adj *a);

/* Loss (with L_tail) of the n intervals and, if g_eta != NULL, the gradient
 * (g_eta, g_B, g_dt may be NULL individually except that g_eta selects the
 * backward pass). Returns OPTSCHED_OK, or OPTSCHED_EFAIL on overflow / failed
 * decomposition (loss = +inf). */
int ol_adj_eval(ol_adj *a, int n, const double *dt, const double *eta, const double *B,
                double *loss, double *g_eta, double *g_B, double *g_dt);

/* Divided differences of exp, exposed for tests:
 *   ol_dd1(x, y) = (e^x − e^y)/(x − y)        (e^x at x = y)
 *   ol_dd2(x, y) = exp[0, x, y] = (ψ(x) − ψ(y))/(x − y), ψ(x) = (e^x − 1)/x
 *   ol_In(n, x)  = ∫_0^1 s^n e^{sx} ds = ψ^{(n)}(x)                          */
double ol_psi(double x);
double ol_In(int n, double x);
double ol_dd1(double x, double y);
double ol_dd2(double x, double y);

#endif
