/* optsched — counter-based random numbers (Random123 Philox4x32-10).
 *
 * Every random number is a pure function of (seed, stream, path, step, block):
 * no generator state, so results do not depend on the number of threads or on
 * the order in which paths are simulated, and two methods given the same seed
 * see the same Brownian increments (common random numbers). A call yields four
 * standard normals; mode k of a path at a step uses block k/4, lane k%4.
 */
#ifndef OPTSCHED_RNG_H
#define OPTSCHED_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Streams keep unrelated uses of one seed apart. */
enum {
    OPTSCHED_STREAM_BROWNIAN = 0, /* Monte Carlo increments */
    OPTSCHED_STREAM_SAMPLING = 1, /* collocation / initial-state sampling */
    OPTSCHED_STREAM_INIT = 2      /* network initialisation */
};

/* The raw Philox4x32-10 output for the counter (path, step, block, stream)
 * and the key (seed low, seed high) — equal to Random123's philox4x32. */
void optsched_rng_philox(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                         uint32_t block, uint32_t out[4]);

/* Four independent U(0,1) numbers (never 0 or 1), 32-bit resolution. */
void optsched_rng_uniform4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                           uint32_t block, double out[4]);

/* Four independent N(0,1) numbers: the normal quantile of the uniforms,
 * computed in float (absolute error < 1e-6, far below any Monte Carlo error). */
void optsched_rng_normal4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                          uint32_t block, double out[4]);

/* Normals for n paths at one step, blocks blocks each (4 normals a block):
 * out[(i*blocks + j)*4 + l] is lane l of block j of path paths[i]; identical to
 * optsched_rng_normal4 for each (path, step, block). Vectorised. */
void optsched_rng_normal_batch(uint64_t seed, uint32_t stream, uint32_t step, int n,
                               const uint32_t *paths, int blocks, double *out);

/* The branch-free float logarithm the normals use (exposed for its test). */
float optsched_rng_logf(float x);

/* The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Wichura's AS 241, ~1e-16). */
double optsched_normal_quantile(double p);

#ifdef __cplusplus
}
#endif
#endif
