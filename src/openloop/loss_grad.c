/* Public entry to the adjoint (one-off evaluations; the solver reuses its workspace). */
#include <math.h>

#include "openloop/internal.h"
#include "optsched/openloop.h"

int optsched_openloop_loss_grad(const optsched_model *m, int n, const double *dt,
                                const double *eta, const double *B, double *loss, double *g_eta,
                                double *g_B, double *g_dt, optsched_error *err)
{
    if (n < 1) return optsched_error_set(err, OPTSCHED_EINVAL, "loss_grad: need at least one interval");
    for (int i = 0; i < n; i++)
        if (!(dt[i] >= 0 && isfinite(dt[i]) && eta[i] > 0 && isfinite(eta[i]) && B[i] > 0 && isfinite(B[i])))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "loss_grad: interval %d needs dt >= 0, eta > 0, B > 0 (finite)", i);
    ol_adj a;
    if (ol_adj_init(&a, m, n)) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (adjoint)");
    int st = ol_adj_eval(&a, n, dt, eta, B, loss, g_eta, g_B, g_dt);
    ol_adj_free(&a);
    if (st) return optsched_error_set(err, OPTSCHED_EFAIL, "loss_grad: the moments overflowed or a decomposition failed");
    return OPTSCHED_OK;
}
