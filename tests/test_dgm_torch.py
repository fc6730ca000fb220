"""DGM network against PyTorch autograd.

tests/test_dgm_nn --dump DIR writes a network (weights in the engine's layout), points,
random weights g on the jets, and the engine's jets and gradients of L = sum g * jets, in
float64 and float32. This script rebuilds the same network in torch (float64), gets V,
dV/dx and d2V/dx_j2 by autograd (create_graph=True) and the parameter gradients of the same
L, and compares.

Tolerances (relative to the largest entry of each array):
  engine float64 vs torch float64: 1e-13 (the same function, rounded in a different order;
                                   measured 6e-16)
  engine float32 vs torch float64: 1e-5 (float32 rounding through 2 gated layers; measured 3e-7)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

BUILD = os.environ.get("BUILD", "build")
EXE = os.path.join(BUILD, "tests", "test_dgm_nn")


def load(path):
    raw = open(path, "rb").read()
    off = 0

    def take(fmt, count):
        nonlocal off
        size = np.dtype(fmt).itemsize * count
        arr = np.frombuffer(raw, dtype=np.dtype(fmt), count=count, offset=off)
        off += size
        return arr

    d, n, L, N, C, nq = (int(v) for v in take("<i4", 6))
    q = [int(v) for v in take("<i4", nq)]
    (npar,) = (int(v) for v in take("<i8", 1))
    out = dict(d=d, n=n, L=L, N=N, C=C, q=q, npar=npar)
    out["params"] = take("<f8", npar).copy()
    out["x"] = take("<f8", N * d).reshape(N, d).copy()
    out["g"] = take("<f8", N * C).reshape(N, C).copy()
    out["jets64"] = take("<f8", N * C).reshape(N, C).copy()
    out["grad64"] = take("<f8", npar).copy()
    out["jets32"] = take("<f4", N * C).reshape(N, C).astype(np.float64)
    out["grad32"] = take("<f4", npar).astype(np.float64)
    assert off == len(raw), (off, len(raw))
    return out


def views(theta, d, n, L):
    """Named views of the flat parameter vector, in the engine's layout (include/optsched/dgm.h)."""
    off = 0
    P = {}

    def take(name, *shape):
        nonlocal off
        size = int(np.prod(shape))
        P[name] = theta[off:off + size].view(*shape)
        off += size

    take("Win", n, d)
    take("bin", n)
    for l in range(L):
        take(f"U{l}", 4 * n, d)
        take(f"W{l}", 3 * n, n)
        take(f"Wh{l}", n, n)
        take(f"b{l}", 4 * n)
    take("w", n)
    take("bout", 1)
    assert off == theta.numel()
    return P


def network(P, x, n, L):
    S = torch.tanh(x @ P["Win"].T + P["bin"])
    for l in range(L):
        U, W, Wh, b = P[f"U{l}"], P[f"W{l}"], P[f"Wh{l}"], P[f"b{l}"]
        ux = x @ U.T + b
        zgr = ux[:, :3 * n] + S @ W.T
        Z, G, R = torch.tanh(zgr[:, :n]), torch.tanh(zgr[:, n:2 * n]), torch.tanh(zgr[:, 2 * n:])
        H = torch.tanh(ux[:, 3 * n:] + (S * R) @ Wh.T)
        S = (1 - G) * H + Z * S
    return S @ P["w"] + P["bout"]


def main():
    if not os.path.exists(EXE):
        print(f"missing {EXE} (build the tests first)")
        return 1
    torch.set_default_dtype(torch.float64)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([EXE, "--dump", tmp], check=True)
        D = load(os.path.join(tmp, "dgm_dump.bin"))
    d, n, L, N, C, q = D["d"], D["n"], D["L"], D["N"], D["C"], D["q"]
    theta = torch.tensor(D["params"], requires_grad=True)
    P = views(theta, d, n, L)
    x = torch.tensor(D["x"], requires_grad=True)
    V = network(P, x, n, L)
    (dV,) = torch.autograd.grad(V.sum(), x, create_graph=True)
    cols = [V[:, None], dV]
    for j in q:
        (h,) = torch.autograd.grad(dV[:, j].sum(), x, create_graph=True)
        cols.append(h[:, j:j + 1])
    J = torch.cat(cols, dim=1)
    assert J.shape == (N, C)
    loss = (torch.tensor(D["g"]) * J).sum()
    (gtheta,) = torch.autograd.grad(loss, theta)
    Jt, gt = J.detach().numpy(), gtheta.numpy()

    def rel(a, b):
        return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))

    checks = [
        ("f64 jets (V, dV/dx, d2V/dx2)", rel(D["jets64"], Jt), 1e-13),
        ("f64 parameter gradients", rel(D["grad64"], gt), 1e-13),
        ("f32 jets", rel(D["jets32"], Jt), 1e-5),
        ("f32 parameter gradients", rel(D["grad32"], gt), 1e-5),
    ]
    # Per channel group too, so that a wrong second derivative cannot hide behind large values.
    for name, sl in (("V", slice(0, 1)), ("dV/dx", slice(1, 1 + d)), ("d2V/dx2", slice(1 + d, C))):
        checks.append((f"f64 {name}", rel(D["jets64"][:, sl], Jt[:, sl]), 1e-13))
    fails = 0
    for name, err, tol in checks:
        ok = err <= tol
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: max rel err {err:.2e} (tol {tol:.0e})")
    print(f"test_dgm_torch: {len(checks) - fails} checks passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
