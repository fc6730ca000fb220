#!/usr/bin/env python3
"""numpy reference for bench_scaling.c: the Theorem 3 verification grid of
seed 004 (Eq. 4 with C1 = C2 = C3 = 1 on 100 log-uniform values of eta, alpha, b
per budget, 100 budgets; footnote-3 ranges), evaluated with broadcasting and
reduced by argmin per budget. usage: scaling_numpy.py [repeats] [--dump FILE]"""
import json
import sys
import time

import numpy as np


def grid_minima(eta, alpha, b, T, c1=1.0, c2=1.0, c3=1.0):
    ieta = 1.0 / eta
    sb = np.sqrt(b)
    ceta = c3 + c3 / alpha                       # (c4 + c5/alpha), c4 = c5 = C3
    out = np.empty((len(T), 5))
    for t, tt in enumerate(T):
        A = c1 * b / tt                          # (nb,)
        rest = c2 * sb[None, :] / (alpha[:, None] * tt) + c2 * np.sqrt(alpha)[:, None] / sb[None, :]
        V = A[None, :, None] * ieta[None, None, :] + ceta[:, None, None] * eta[None, None, :]
        V += rest[:, :, None]                    # (nalpha, nb, neta)
        k = int(np.argmin(V))
        ja, kb, ie = np.unravel_index(k, V.shape)
        out[t] = (tt, eta[ie], alpha[ja], b[kb], V.flat[k])
    return out


def main():
    reps, dump = 5, None
    args = sys.argv[1:]
    i = 0
    while i < len(args):
        if args[i] == "--dump":
            dump = args[i + 1]
            i += 2
        else:
            reps = int(args[i])
            i += 1
    eta = np.logspace(-15, 4, 100)
    alpha = np.logspace(-10, 0, 100)
    b = np.logspace(0, 15, 100)
    T = np.logspace(2, 22, 100)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        res = grid_minima(eta, alpha, b, T)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"bench": "scaling_grid_numpy", "numpy": np.__version__,
                      "points_per_budget": 10**6, "budgets": 100, "repeats": reps,
                      "median_s": round(times[len(times) // 2], 6), "min_s": round(times[0], 6)}))
    if dump:
        np.savetxt(dump, res, fmt="%.17g")


if __name__ == "__main__":
    main()
