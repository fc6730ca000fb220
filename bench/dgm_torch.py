"""PyTorch formulations of the DGM training iteration of bench/bench_dgm.c, for comparison.

The iteration: jets V, dV/dx (d = 12), d2V/dx_j2 (j < 10) of a 3 x 128 DGM network (float32)
on N interior points; loss mean (r0 + coef . jets)^2 + 50 mean [sum_k relu(-d2V_k)^2 +
relu(dV/dx_10)^2 + relu(-V)^2] + 100 mean over N boundary points (V - target)^2; gradient;
one Adam step.

Formulations (each timed; the fastest is the one to beat):
  autograd      V, then dV/dx by autograd.grad(create_graph=True), then one more grad per
                second derivative (the usual PINN / DGM code, as in the seed paper)
  autograd_vmap the same, the 10 second-derivative passes batched with is_grads_batched=True
  functorch     per-point jacrev, and jacfwd(jacrev) for the Hessian diagonal, under vmap
  jets          forward-mode Taylor jets written in torch ops: all channels stacked so each
                weight product is one matmul (the engine's own formulation), autograd for the
                parameter gradient

Usage: dgm_torch.py [--threads T] [--reps2048 R] [--reps256 R] [--variants a,b]
Prints "RESULT engine=torch variant=V N=N ms=MEDIAN" lines.
"""
import argparse
import statistics
import sys
import time

import torch

D, Q, WIDTH, LAYERS = 12, 10, 128, 3
C = 1 + D + Q
QIDX = list(range(Q))


def make_params(seed=42):
    g = torch.Generator().manual_seed(seed)

    def glorot(rows, cols):
        a = (6.0 / (rows + cols)) ** 0.5
        return ((torch.rand(rows, cols, generator=g) * 2 - 1) * a).requires_grad_()

    n, d = WIDTH, D
    P = {"Win": glorot(n, d), "bin": torch.zeros(n, requires_grad=True)}
    for l in range(LAYERS):
        P[f"U{l}"] = torch.cat([glorot(n, d) for _ in range(4)]).detach().requires_grad_()
        P[f"W{l}"] = torch.cat([glorot(n, n) for _ in range(3)]).detach().requires_grad_()
        P[f"Wh{l}"] = glorot(n, n)
        P[f"b{l}"] = torch.zeros(4 * n, requires_grad=True)
    P["w"] = glorot(1, n).reshape(n).detach().requires_grad_()
    P["bout"] = torch.zeros(1, requires_grad=True)
    return P


def value(P, x):
    """V(x) for a batch x [N, d] (or a single point [d])."""
    n = WIDTH
    S = torch.tanh(x @ P["Win"].T + P["bin"])
    for l in range(LAYERS):
        ux = x @ P[f"U{l}"].T + P[f"b{l}"]
        zgr = ux[..., :3 * n] + S @ P[f"W{l}"].T
        Z, G, R = torch.tanh(zgr[..., :n]), torch.tanh(zgr[..., n:2 * n]), torch.tanh(zgr[..., 2 * n:])
        H = torch.tanh(ux[..., 3 * n:] + (S * R) @ P[f"Wh{l}"].T)
        S = (1 - G) * H + Z * S
    return S @ P["w"] + P["bout"]


def jets_autograd(P, x, batched):
    x = x.requires_grad_()
    V = value(P, x)
    (dV,) = torch.autograd.grad(V.sum(), x, create_graph=True)
    if batched:
        eye = torch.zeros(Q, *dV.shape)
        for k, j in enumerate(QIDX):
            eye[k, :, j] = 1
        (h,) = torch.autograd.grad(dV, x, grad_outputs=eye, create_graph=True, is_grads_batched=True)
        sec = torch.stack([h[k, :, j] for k, j in enumerate(QIDX)], dim=1)
    else:
        cols = []
        for j in QIDX:
            (h,) = torch.autograd.grad(dV[:, j].sum(), x, create_graph=True)
            cols.append(h[:, j])
        sec = torch.stack(cols, dim=1)
    return torch.cat([V[:, None], dV, sec], dim=1)


def jets_functorch(P, x):
    import functorch

    f = lambda xi: value(P, xi)[0]  # noqa: E731 (a scalar per point)
    g = functorch.vmap(functorch.jacrev(f))(x)
    Hs = functorch.vmap(functorch.jacfwd(functorch.jacrev(f)))(x)
    sec = torch.diagonal(Hs, dim1=1, dim2=2)[:, QIDX]
    return torch.cat([value(P, x)[:, None], g, sec], dim=1)


# --- forward-mode jets in torch ops ------------------------------------------------------
# A jet is a tensor [C, N, w]: channel 0 the value, 1..d first derivatives, then second.
QT = torch.tensor(QIDX)


def tanh_jet(Pj):
    s = torch.tanh(Pj[0])
    t = 1 - s * s
    first = t * Pj[1:1 + D]
    pj = Pj[1 + QT]
    second = t * (Pj[1 + D:] - 2 * s * pj * pj)
    return torch.cat([s[None], first, second])


def mul_jet(A, B):
    v = A[0] * B[0]
    first = A[1:1 + D] * B[0] + A[0] * B[1:1 + D]
    second = A[1 + D:] * B[0] + 2 * A[1 + QT] * B[1 + QT] + A[0] * B[1 + D:]
    return torch.cat([v[None], first, second])


def linear_jet(J, W):
    c, N, w = J.shape
    return (J.reshape(c * N, w) @ W.T).reshape(c, N, -1)


def add_input(Pj, x, U, b):
    """Pre-activation += U x + b (value channel) and U[:, i] (first-order channel i)."""
    extra = torch.zeros(C, 1, U.shape[0])
    extra[1:1 + D, 0, :] = U.T
    val = (x @ U.T + b)[None]
    return Pj + torch.cat([val, torch.zeros(C - 1, x.shape[0], U.shape[0])]) + extra


def jets_forward(P, x):
    n, N = WIDTH, x.shape[0]
    S = tanh_jet(add_input(torch.zeros(C, N, n), x, P["Win"], P["bin"]))
    for l in range(LAYERS):
        U, b = P[f"U{l}"], P[f"b{l}"]
        zgr = add_input(linear_jet(S, P[f"W{l}"]), x, U[:3 * n], b[:3 * n])
        Z, G, R = tanh_jet(zgr[..., :n]), tanh_jet(zgr[..., n:2 * n]), tanh_jet(zgr[..., 2 * n:])
        H = tanh_jet(add_input(linear_jet(mul_jet(S, R), P[f"Wh{l}"]), x, U[3 * n:], b[3 * n:]))
        one_minus_G = -G
        one_minus_G[0] = 1 - G[0]
        S = mul_jet(one_minus_G, H) + mul_jet(Z, S)
    out = S @ P["w"]  # [C, N]
    out[0] = out[0] + P["bout"]
    return out.T


def loss_of(J, Vb, r0, coef, tb):
    N = J.shape[0]
    res = r0 + (coef * J).sum(1)
    pen = (torch.relu(-J[:, 1 + D:]) ** 2).sum(1) + torch.relu(J[:, 1 + 10]) ** 2 + torch.relu(-J[:, 0]) ** 2
    return (res * res).sum() / 2048 + 50 * pen.sum() / 2048 + 100 * ((Vb - tb) ** 2).sum() / 2048 + 0 * N


def bench(variant, N, reps):
    torch.manual_seed(0)
    P = make_params()
    params = list(P.values())
    opt = torch.optim.Adam(params, lr=1e-3)
    x, xb = torch.rand(N, D), torch.rand(N, D)
    r0, coef, tb = torch.randn(N), torch.randn(N, C), torch.ones(N)
    times = []
    for r in range(-2, reps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        if variant == "autograd":
            J = jets_autograd(P, x.clone(), False)
        elif variant == "autograd_vmap":
            J = jets_autograd(P, x.clone(), True)
        elif variant == "functorch":
            J = jets_functorch(P, x)
        else:
            J = jets_forward(P, x)
        loss = loss_of(J, value(P, xb), r0, coef, tb)
        loss.backward()
        opt.step()
        if r >= 0:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), J.detach()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps2048", type=int, default=5)
    ap.add_argument("--reps256", type=int, default=11)
    ap.add_argument("--variants", default="autograd,autograd_vmap,functorch,jets")
    ap.add_argument("--check", action="store_true", help="check the formulations agree, then exit")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    variants = a.variants.split(",")
    if a.check:
        torch.set_default_dtype(torch.float64)
        P = make_params()
        x = torch.rand(7, D)
        ref = jets_autograd(P, x.clone(), False)
        for v in ("autograd_vmap", "functorch", "jets"):
            J = {"autograd_vmap": lambda: jets_autograd(P, x.clone(), True),
                 "functorch": lambda: jets_functorch(P, x), "jets": lambda: jets_forward(P, x)}[v]()
            err = float((J - ref).abs().max() / ref.abs().max())
            print(f"{v}: max rel deviation from autograd {err:.2e}")
            if err > 1e-10:
                return 1
        return 0
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch threads", flush=True)
    for N, reps in ((2048, a.reps2048), (256, a.reps256)):
        for v in variants:
            try:
                t, _ = bench(v, N, reps)
            except Exception as e:  # a formulation this torch cannot run is reported, not fatal
                print(f"variant {v} N={N}: failed: {type(e).__name__}: {e}", flush=True)
                continue
            print(f"RESULT engine=torch variant={v} threads={a.threads} N={N} ms={t * 1e3:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
