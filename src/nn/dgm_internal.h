/* DGM engine internals shared by the solver (src/hjb/trainer.c), its per-precision backends
 * (src/hjb/trainer_f32.c, trainer_f64.c, both from dgm_trainer_impl.h) and the checkpoint
 * code (src/hjb/checkpoint.c). Not installed. */
#ifndef OPTSCHED_DGM_INTERNAL_H
#define OPTSCHED_DGM_INTERNAL_H

#include "optsched/dgm.h"

/* Solver options (see dgm.h for names and defaults). */
typedef struct dgm_opts {
    int f64;
    int width, layers, rounds, iters, batch, batch_bc, chunk, verbose;
    double warmup, lr, lr_decay, beta1, beta2, eps, lambda_bc, lambda_struct, lambda_data;
    int64_t seed, checkpoint_every, stop_at;
    char checkpoint[1024];
} dgm_opts;

/* Loss components of one iteration (already weighted by the lambdas). */
typedef struct dgm_losses {
    double pde, bc, pen;
} dgm_losses;

/* Where a backend keeps the training state, for checkpoints. */
typedef struct dgm_state_view {
    size_t nparams, real_size;
    void *params, *snapshot, *m, *v; /* [nparams] REAL each */
    int64_t *adam_step;
    double *lr; /* Adam's current learning rate */
} dgm_state_view;

/* Points per chunk of a value-only batch (one row per point) for chunk points per chunk of a
 * jet batch: 8x as many, so that its GEMMs are not tiny (16 rows: OpenBLAS's small-matrix
 * kernels, 40% above the GEMM rate). */
#define DGM_VALUE_CHUNK(chunk) ((chunk) > 512 ? 4096 : 8 * (chunk))

/* The most jet channels a problem with a multiplier may have (the product rule works on
 * per-point arrays of this size on the stack). */
#define DGM_MAX_CHANNELS 1024

/* The jets of S·N from those of S and N (channels: value, ∂_i for i < dim, ∂²_{second[j]}):
 * (SN) = S N, ∂_i(SN) = S_i N + S N_i, ∂²_i(SN) = S_ii N + 2 S_i N_i + S N_ii. */
void dgm_mul_jets(int dim, int ns, const int *second, const double *S, const double *jn,
                  double *jv);
/* Its transpose: dn = (∂ jv / ∂ jn)ᵀ dv. */
void dgm_mul_jets_adj(int dim, int ns, const int *second, const double *S, const double *dv,
                      double *dn);

/* RNG streams of the trainer's samplers. */
enum { DGM_STREAM_INTERIOR = 1, DGM_STREAM_BOUNDARY = 2, DGM_STREAM_DATA = 3 };

typedef struct dgm_backend {
    void *(*create)(const optsched_dgm_problem *prob, const dgm_opts *o, optsched_error *err);
    void (*destroy)(void *st);
    /* One training iteration it (0-based) of round `round`; warm = boundary loss only. */
    int (*step)(void *st, int64_t it, int round, int warm, dgm_losses *out, optsched_error *err);
    /* Improvement: the frozen policy becomes the current network. */
    void (*snapshot)(void *st);
    /* Jets [n][C] of the current network at x [n][dim]. */
    int (*eval)(void *st, size_t n, const double *x, double *jets, optsched_error *err);
    void (*view)(void *st, dgm_state_view *v);
} dgm_backend;

extern const dgm_backend optsched_dgm_backend_f32;
extern const dgm_backend optsched_dgm_backend_f64;

/* Checkpoint file I/O (src/hjb/checkpoint.c). */
int optsched_dgm_checkpoint_write(const char *path, const optsched_dgm_problem *prob,
                                  const dgm_opts *o, int64_t iter, const dgm_state_view *v,
                                  optsched_error *err);
int optsched_dgm_checkpoint_read(const char *path, const optsched_dgm_problem *prob,
                                 const dgm_opts *o, int64_t *iter, const dgm_state_view *v,
                                 optsched_error *err);

#endif
