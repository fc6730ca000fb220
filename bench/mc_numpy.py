"""Vectorised numpy peer of the Monte Carlo benchmark: the same model, schedule,
grid and stop rule (horizon binding), 200 paths x 500 steps, K = 10, normals drawn
inside the timing. Prints one JSON object with the median time over repeats."""
import json
import sys
import time

import numpy as np


def run(rng, paths=200, steps=500, K=10, P=2.0, s2=0.1, eta=0.2, B=1.0, T=10.0):
    lam = np.arange(1, K + 1, dtype=float) ** -1.0
    sl = np.sqrt(lam)
    a = np.ones((paths, K))
    dt = T / steps
    drift = eta * P * dt * lam
    for _ in range(steps):
        ell = (a * a) @ lam
        amp = eta * np.sqrt((ell + s2) / B * dt)
        z = rng.standard_normal((paths, K))
        a += -drift * a + amp[:, None] * sl * z
    return float(np.mean((a * a) @ lam))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    rng = np.random.default_rng(42)
    times, check = [], 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(3):
            check += run(rng)
        times.append((time.perf_counter() - t0) / 3)
    t = float(np.median(times))
    print(json.dumps({"bench": "mc_numpy", "median_s": t, "path_steps_per_s": 200 * 500 / t,
                      "mean_loss": check / (3 * reps)}))


if __name__ == "__main__":
    main()
