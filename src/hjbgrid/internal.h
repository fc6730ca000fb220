/* Internals of the grid HJB solver (hjb_grid.h), shared by the lifecycle/query
 * code (hjb_grid.c) and the scheme (solve.c). */
#ifndef OPTSCHED_HJBGRID_INTERNAL_H
#define OPTSCHED_HJBGRID_INTERNAL_H

#include <stdint.h>

#include "optsched/hjb_grid.h"

#define HG_MAX_GH 5

struct optsched_hjb_grid {
    const optsched_model *m;
    int K;
    /* options */
    int n_a, n_r, n_t, n_u, n_eta, n_B, gh, threads;
    double a_max, stretch;
    int box; /* controls: 0 frontier, 1 box */

    /* solution (valid when solved) */
    int solved;
    int nt;          /* time nodes actually used (1 when T = inf) */
    double A, h, dtt;
    double *xs;       /* [n_a] a-nodes: xs[i] = A sinh(β i/(n_a−1)) / sinh(β) (uniform if β = 0) */
    int n_loc;        /* cell lookup: loc[m] = the cell holding m A / n_loc */
    int *loc;         /* [n_loc + 1] */
    long long na_tot; /* n_a^K */
    long long level;  /* na_tot * nt: nodes per compute level */
    float *V;         /* [(n_r+1) * level] values, layout [j][p][i] (p: a-node, i: t-node) */
    double *Vtop;     /* [level] the top level j = n_r in double */
    uint16_t *arg;    /* [(n_r+1) * level] argmin control index (levels 0 and t = T copied
                         from their neighbours so that interpolation needs no special case) */
    double *gamma;    /* [(n_r+1) * nt * K] q_{j,i}(a) = Σ_k gamma_k a_k² (see solve.c) */
    int nc;
    double *ceta, *cB;       /* [nc] candidate controls */
    double *clogeta, *clogB; /* [nc] their logarithms (control interpolation) */
    optsched_hjb_grid_stats stats;
};

/* Position of |x| on the a-axis: cell i0 ∈ [0, n_a−2] and the weight f of node
 * i0+1; beyond the box, the last node (f = 1). */
static inline void hg_locate(const optsched_hjb_grid *g, double x, int *i0, double *f)
{
    const double y = fabs(x);
    const int n = g->n_a;
    if (!(y < g->A)) {
        *i0 = n - 2;
        *f = 1;
        return;
    }
    int i = g->loc[(int)(y / g->A * g->n_loc)];
    while (i < n - 2 && g->xs[i + 1] <= y) i++;
    *i0 = i;
    double w = (y - g->xs[i]) / (g->xs[i + 1] - g->xs[i]);
    *f = w < 0 ? 0 : w > 1 ? 1 : w;
}

/* The scheme: fills V, Vtop, arg, gamma and the stats (solve.c). */
int hg_solve(optsched_hjb_grid *g, optsched_error *err);
/* Builds the candidate list for the current options (solve.c). */
int hg_controls(optsched_hjb_grid *g, optsched_error *err);
/* Frees the solution arrays. */
void hg_clear(optsched_hjb_grid *g);

#endif
