#!/usr/bin/env python3
"""The open-loop problem of optsched (docs/OPENLOOP.md) solved with scipy SLSQP,
for the benchmark: same parametrisations (equal-compute grid in log u when the
horizon does not bind; equal-time grid in log eta, log B with the budget
constraint when it binds), same exact propagator (batched numpy eigh), same
discrete adjoint gradient, same constant start (best constant by a bounded 1-D
search). Prints one JSON line per setting: loss, seconds, evaluations.

usage: openloop_scipy.py N REPEATS alpha:C:T [alpha:C:T ...]   (T may be inf)
"""
import json, sys, time
import numpy as np
from scipy.optimize import minimize, minimize_scalar

K, P, S2, ETA_MIN, ETA_MAX, B_MIN, B_MAX = 10, 2.0, 0.1, 1e-4, 0.5, 1.0, 256.0


def psi(x):
    out = np.ones_like(x)
    nz = x != 0
    out[nz] = np.expm1(x[nz]) / x[nz]
    return out


def i1(x):  # ∫_0^1 s e^{sx} ds
    out = np.empty_like(x)
    small = np.abs(x) < 1e-2
    xs = x[small]
    out[small] = 0.5 + xs / 3 + xs**2 / 8 + xs**3 / 30 + xs**4 / 144
    xb = x[~small]
    out[~small] = (np.exp(xb) * (xb - 1) + 1) / xb**2
    return out


class Problem:
    def __init__(self, alpha):
        self.lam = np.arange(1, K + 1, dtype=float) ** (-alpha)
        self.a0sq = np.ones(K)
        self.evals = 0

    def loss_grad(self, eta, B, dt, grad=True):
        self.evals += 1
        lam = self.lam
        rho = eta**2 / B
        M = (-2 * P * eta)[:, None, None] * np.diag(lam)[None] + rho[:, None, None] * np.outer(lam, lam)[None]
        mu, Q = np.linalg.eigh(M)  # Q[i][:, j]: eigenvector j of interval i
        X = mu * dt[:, None]
        E, Ps = np.exp(X), psi(X)
        lh = np.einsum('ikj,k->ij', Q, lam)
        ch = (rho * S2)[:, None] * lh
        n = len(eta)
        ms = np.empty((n + 1, K))
        m = self.a0sq.copy()
        ms[0] = m
        for i in range(n):
            m = Q[i] @ (E[i] * (Q[i].T @ m) + dt[i] * Ps[i] * ch[i])
            ms[i + 1] = m
        L = lam @ m
        if not grad:
            return L, None, None
        # divided differences, all intervals at once
        dX = X[:, :, None] - X[:, None, :]
        close = np.abs(dX) < 1e-3 * np.maximum(1.0, -np.maximum(X[:, :, None], X[:, None, :]))
        safe = np.where(close, 1.0, dX)
        D1 = np.where(close, np.exp(np.maximum(X[:, :, None], X[:, None, :])), (E[:, :, None] - E[:, None, :]) / safe)
        D2 = np.where(close, i1(0.5 * (X[:, :, None] + X[:, None, :])), (Ps[:, :, None] - Ps[:, None, :]) / safe)
        ge, gB = np.empty(n), np.empty(n)
        p = lam.copy()
        for i in range(n - 1, -1, -1):
            xh = Q[i].T @ ms[i]
            ph = Q[i].T @ p
            W = ph[:, None] * (dt[i] * D1[i] * xh[None, :] + dt[i] ** 2 * D2[i] * ch[i][None, :])
            Sl = lh[i] @ W @ lh[i]
            Sd = np.diag(W) @ mu[i]
            grho = Sl + S2 * np.sum(ph * dt[i] * Ps[i] * lh[i])
            ge[i] = (Sd - rho[i] * Sl) / eta[i] + 2 * eta[i] / B[i] * grho
            gB[i] = -rho[i] / B[i] * grho
            p = Q[i] @ (E[i] * ph)
        return L, ge, gB


def solve(alpha, C, T, n):
    pr = Problem(alpha)
    t0 = time.perf_counter()
    ulo, uhi = ETA_MIN / B_MAX, ETA_MAX / B_MIN
    dtc = np.full(n, C / n)
    ones = np.ones(n)

    def fu(z):
        L, ge, _ = pr.loss_grad(np.exp(z), ones, dtc)
        return L / f0, np.exp(z) * ge / f0

    c = minimize_scalar(lambda z: pr.loss_grad(np.full(n, np.exp(z)), ones, dtc, False)[0],
                        bounds=(np.log(ulo), np.log(uhi)), method='bounded', options={'xatol': 1e-10})
    z0 = np.full(n, c.x)
    f0 = pr.loss_grad(np.exp(z0), ones, dtc, False)[0]
    r = minimize(fu, z0, jac=True, method='SLSQP', bounds=[(np.log(ulo), np.log(uhi))] * n,
                 options={'ftol': 1e-12, 'maxiter': 2000})
    u = np.exp(r.x)
    t_fast = np.sum((C / n) * np.maximum(u / ETA_MAX, 1 / B_MAX))
    loss, grid = pr.loss_grad(u, ones, dtc, False)[0], 'compute'
    if np.isfinite(T) and t_fast > T:  # the horizon binds: equal-time grid with the budget
        h = T / n
        dtt = np.full(n, h)
        Bc = min(B_MAX, max(B_MIN, C / T))

        c = minimize_scalar(lambda z: pr.loss_grad(np.full(n, np.exp(z)), np.full(n, Bc), dtt, False)[0],
                            bounds=(np.log(ETA_MIN), np.log(ETA_MAX)), method='bounded', options={'xatol': 1e-10})
        x0 = np.concatenate([np.full(n, c.x), np.full(n, np.log(Bc))])
        f0 = pr.loss_grad(np.exp(x0[:n]), np.exp(x0[n:]), dtt, False)[0]

        def fx(x):
            L, ge, gB = pr.loss_grad(np.exp(x[:n]), np.exp(x[n:]), dtt)
            return L / f0, np.concatenate([np.exp(x[:n]) * ge, np.exp(x[n:]) * gB]) / f0

        con = {'type': 'ineq', 'fun': lambda x: 1 - np.sum(np.exp(x[n:]) * h) / C,
               'jac': lambda x: np.concatenate([np.zeros(n), -np.exp(x[n:]) * h / C])}
        bnds = [(np.log(ETA_MIN), np.log(ETA_MAX))] * n + [(np.log(B_MIN), np.log(B_MAX))] * n
        r = minimize(fx, x0, jac=True, method='SLSQP', bounds=bnds, constraints=[con],
                     options={'ftol': 1e-12, 'maxiter': 2000})
        x = r.x
        Bv = np.exp(x[n:])
        over = np.sum(Bv * h) / C - 1
        if over > 0:
            Bv /= 1 + over
        loss, grid = pr.loss_grad(np.exp(x[:n]), Bv, dtt, False)[0], 'time'
    return {'alpha': alpha, 'C': C, 'T': T if np.isfinite(T) else 'inf', 'loss': float(loss), 'grid': grid,
            'seconds': time.perf_counter() - t0, 'evaluations': pr.evals, 'status': r.message}


def main():
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    for spec in sys.argv[3:]:
        a, C, T = spec.split(':')
        runs = [solve(float(a), float(C), float(T), n) for _ in range(repeats)]
        best = runs[0]
        best['seconds_median'] = float(np.median([r['seconds'] for r in runs]))
        best['repeats'] = repeats
        print(json.dumps(best))


if __name__ == '__main__':
    main()
