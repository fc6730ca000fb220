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

/* Four independent U(0,1) numbers (never 0 or 1), 32-bit resolution. */
void optsched_rng_uniform4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                           uint32_t block, double out[4]);

/* Four independent N(0,1) numbers by the inverse normal CDF of the uniforms. */
void optsched_rng_normal4(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                          uint32_t block, double out[4]);

/* The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Wichura's AS 241, ~1e-16). */
double optsched_normal_quantile(double p);

#ifdef __cplusplus
}
#endif
#endif
