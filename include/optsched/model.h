/* optsched — the random-feature eigenmode model of SGD (SPEC §1).
 *
 *   da_k = −η λ_k P a_k dt + η sqrt(λ_k (ℓ(a) + σ²) / B) dW_k,   ℓ(a) = Σ_j λ_j a_j²
 *   dr   = −B dt,  r(0) = C_max,   λ_k = k^(−α)
 *
 * A run stops at τ = min(T, first time r = 0); its loss is ℓ(a(τ)) + L_tail.
 */
#ifndef OPTSCHED_MODEL_H
#define OPTSCHED_MODEL_H

#include "optsched/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OPTSCHED_MAX_MODES 4096

/* What a user sets. Fields carry the command line's names in comments. */
typedef struct optsched_model_params {
    int modes;              /* K            --modes      [1, 4096]        */
    double alpha;           /* α            --alpha      (0, 8]           */
    double features;        /* P            --features   (0, inf)         */
    double noise;           /* σ²           --noise      [0, inf)         */
    double tail;            /* L_tail       --tail       [0, inf)         */
    double budget;          /* C_max        --budget     (0, inf)         */
    double horizon;         /* T            --horizon    (0, inf]         */
    double eta_min, eta_max;/* --eta-min --eta-max: 0 < η_min ≤ η_max     */
    double batch_min, batch_max; /* --batch-min --batch-max: 0 < B_min ≤ B_max */
    double a0;              /* a_k(0) for every k  --a0  finite           */
    const double *a0_modes; /* optional per-mode a_k(0) (length modes); overrides a0 */
} optsched_model_params;

/* A validated model with its derived spectrum. Read-only after alloc. */
typedef struct optsched_model {
    int K;
    double alpha, P, sigma2, tail, C, T; /* T may be INFINITY */
    double eta_min, eta_max, B_min, B_max;
    double *lambda;      /* [K] λ_k = k^(−α), decreasing */
    double *sqrt_lambda; /* [K] */
    double *a0;          /* [K] initial coefficients */
} optsched_model;

/* The SPEC defaults: K = 10, α = 1, P = 2, σ² = 0.1, L_tail = 0, C_max = 20,
 * T = 10, η ∈ [1e-4, 0.5], B ∈ [1, 256], a_k(0) = 1. */
void optsched_model_params_default(optsched_model_params *p);

/* Validates p (every range above; the message names the flag and the range)
 * and builds the model. */
int optsched_model_alloc(optsched_model **out, const optsched_model_params *p, optsched_error *err);
void optsched_model_free(optsched_model *m);

/* ℓ(a) = Σ λ_k a_k² (without L_tail). */
double optsched_model_ell(const optsched_model *m, const double *a /* [K] */);

/* The longest time a run can last: T if finite, else C_max / B_min. */
double optsched_model_time_span(const optsched_model *m);

#ifdef __cplusplus
}
#endif
#endif
