#!/usr/bin/python3
"""Writes the golden fixtures of tests/graph/golden_test.cc, computed by PyTorch in float64.

Run by hand, with the interpreter that has torch (Debian's python3-torch):

    /usr/bin/python3 scripts/make_golden.py            # writes tests/golden/*.json
    /usr/bin/python3 scripts/make_golden.py --out DIR  # writes somewhere else

Each fixture is one small graph with the op semantics of include/lograd/op.h:

    {
      "name": "<file stem>", "generator": "scripts/make_golden.py",
      "description": "...", "torch_version": "...",
      "dtype": "float64", "seed": <int or null>,
      "inputs":  {"<name>": {"shape": [...], "data": [...row-major...], "parameter": bool}},
      "outputs": {"<name>": {"shape": [...], "data": [...]}},   # forward values, incl. "loss"
      "grads":   {"<param>": {"shape": [...], "data": [...]}},  # dloss/dparam, every parameter
      "node_grads": {"<name>": {...}}                            # optional: dloss/d(intermediate)
    }

Floats are written with repr (shortest round-trip form), so a C++ reader gets the exact doubles
torch produced. CI only reads the JSON files; it never needs torch.
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

DTYPE = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "tests", "golden")
# Marks the files this script owns: tests/golden/ also holds other references.
GENERATOR = "scripts/make_golden.py"


def enc(t):
    """A tensor as {"shape", "data"} with data flat in row-major order."""
    t = t.detach().to(DTYPE).contiguous()
    data = [float(v) for v in t.reshape(-1).tolist()]
    for v in data:
        if not math.isfinite(v):
            raise ValueError("non-finite value in a fixture")
    return {"shape": list(t.shape), "data": data}


def leaf(value, parameter):
    t = torch.as_tensor(value, dtype=DTYPE).clone()
    if parameter:
        t.requires_grad_(True)
    return t


def fixture(name, description, seed, inputs, outputs, loss, node_grads=()):
    """Runs autograd from loss and packs everything into one fixture dict.

    inputs: dict name -> leaf tensor (requires_grad marks a parameter)
    outputs: dict name -> forward tensor (must include "loss")
    node_grads: names in outputs whose gradient is recorded too (they must retain_grad())
    """
    assert "loss" in outputs and outputs["loss"] is loss and loss.dim() == 0
    params = {k: v for k, v in inputs.items() if v.requires_grad}
    loss.backward()
    out = {
        "name": name,
        "generator": GENERATOR,
        "description": description,
        "torch_version": torch.__version__,
        "dtype": "float64",
        "seed": seed,
        "inputs": {k: dict(enc(v), parameter=v.requires_grad) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outputs.items()},
        "grads": {k: enc(v.grad) for k, v in params.items()},
    }
    if node_grads:
        out["node_grads"] = {k: enc(outputs[k].grad) for k in node_grads}
    return out


# ---- a. the lecture's one-example graph, from primitive ops ----------------------------------
def lecture_primitive(name, x, y, w, b, seed, description):
    inputs = {
        "x1": leaf(x[0], False), "x2": leaf(x[1], False), "y": leaf(y, False),
        "w1": leaf(w[0], True), "w2": leaf(w[1], True), "b": leaf(b, True),
    }
    i = inputs
    z = i["w1"] * i["x1"] + i["w2"] * i["x2"] + i["b"]
    z.retain_grad()
    a = torch.sigmoid(z)
    a.retain_grad()
    loss = -(i["y"] * torch.log(a) + (1 - i["y"]) * torch.log(1 - a))
    return fixture(name, description, seed, inputs, {"z": z, "a": a, "loss": loss}, loss,
                   node_grads=("z", "a"))


def lecture_default():
    # The lecture's worked example (lograd::default_lecture_example): x=(1,2), y=1,
    # w=(0.1,-0.2), b=0.05.
    return lecture_primitive(
        "lecture_primitive", x=(1.0, 2.0), y=1.0, w=(0.1, -0.2), b=0.05, seed=None,
        description="Lecture example: z = w1*x1 + w2*x2 + b, a = sigmoid(z), "
                    "L = -(y*log(a) + (1-y)*log(1-a)) from primitive ops; x=(1,2), y=1, "
                    "w=(0.1,-0.2), b=0.05; grads of w1, w2, b and of the nodes a, z.")


def lecture_soft():
    seed = 11
    g = torch.Generator().manual_seed(seed)
    v = (torch.rand(5, generator=g, dtype=DTYPE) * 2 - 1).tolist()
    return lecture_primitive(
        "lecture_primitive_soft_target", x=(1.5 * v[0], 1.5 * v[1]), y=0.3, w=(v[2], v[3]),
        b=v[4], seed=seed,
        description="The lecture's primitive-op graph with a soft target y=0.3, so both log "
                    "terms of L carry gradient; random x, w, b (seeded).")


# ---- b./c. the batch logistic-regression graph, dense and sparse X ---------------------------
def logistic_batch(name, m, n, zero_fraction, seed, description):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(m, n, generator=g, dtype=DTYPE)
    if zero_fraction > 0:
        keep = torch.rand(m, n, generator=g, dtype=DTYPE) >= zero_fraction
        X = torch.where(keep, X, torch.zeros((), dtype=DTYPE))  # +0.0, not -0.0
    y = (torch.rand(m, generator=g, dtype=DTYPE) < 0.5).to(DTYPE)
    y[0], y[1] = 0.0, 1.0  # both classes present
    w = 0.5 * torch.randn(n, generator=g, dtype=DTYPE)
    b = 0.1 * torch.randn((), generator=g, dtype=DTYPE)
    inputs = {"X": leaf(X, False), "y": leaf(y, False), "w": leaf(w, True), "b": leaf(b, True)}
    i = inputs
    Xw = i["X"] @ i["w"]
    z = Xw + i["b"]
    loss = F.binary_cross_entropy_with_logits(z, i["y"], reduction="mean")
    fx = fixture(name, description, seed, inputs, {"Xw": Xw, "z": z, "loss": loss}, loss)
    fx["nnz"] = int((X != 0).sum())
    return fx


def logistic_batch_fused():
    return logistic_batch(
        "logistic_batch_fused", 8, 5, 0.0, seed=1,
        description="Batch logistic regression, fused loss: X (8,5) constant, y (8) in {0,1}, "
                    "params w (5), scalar b; z = X@w + b, loss = bce_with_logits(z, y) (mean).")


def logistic_sparse():
    return logistic_batch(
        "logistic_sparse", 8, 5, 0.6, seed=2,
        description="As logistic_batch_fused with ~60% of X zero; lograd builds "
                    "CsrMatrix::from_dense(X), z = add_bias(spmv(X, w), b), "
                    "loss = bce_with_logits(z, y). torch reference uses dense math.")


# ---- d. two-layer MLP with softmax cross-entropy --------------------------------------------
def two_layer_mlp(name, activation, soft_targets, seed, description):
    m, n, h, k = 6, 4, 5, 3
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(m, n, generator=g, dtype=DTYPE)
    W1 = 0.6 * torch.randn(n, h, generator=g, dtype=DTYPE)
    b1 = 0.2 * torch.randn(h, generator=g, dtype=DTYPE)
    W2 = 0.6 * torch.randn(h, k, generator=g, dtype=DTYPE)
    b2 = 0.2 * torch.randn(k, generator=g, dtype=DTYPE)
    labels = torch.arange(m) % k  # every class present
    labels = labels[torch.randperm(m, generator=g)]
    Y = F.one_hot(labels, k).to(DTYPE)
    if soft_targets:  # label smoothing: rows still sum to 1
        Y = 0.8 * Y + 0.2 / k
    inputs = {"X": leaf(X, False), "Y": leaf(Y, False), "W1": leaf(W1, True),
              "b1": leaf(b1, True), "W2": leaf(W2, True), "b2": leaf(b2, True)}
    i = inputs
    pre1 = i["X"] @ i["W1"] + i["b1"]
    if activation == "relu":
        # Keep away from relu's kink at 0, where the derivative convention matters.
        assert float(pre1.detach().abs().min()) > 1e-3, "pre-activation too close to 0"
        H = torch.relu(pre1)
        assert 0 < int((pre1 > 0).sum()) < pre1.numel(), "relu should be active and inactive"
    else:
        H = torch.tanh(pre1)
    Z = H @ i["W2"] + i["b2"]
    loss = -(i["Y"] * F.log_softmax(Z, dim=1)).sum(dim=1).mean()
    if not soft_targets:  # the same value as torch's own cross_entropy with class indices
        ref = F.cross_entropy(Z.detach(), labels)
        assert abs(float(ref) - float(loss)) <= 1e-14 * abs(float(ref)) + 1e-15
    return fixture(name, description, seed, inputs,
                   {"pre1": pre1, "H": H, "Z": Z, "loss": loss}, loss)


def mlp_tanh():
    return two_layer_mlp(
        "two_layer_mlp", "tanh", False, seed=3,
        description="X (6,4), one-hot Y (6,3); H = tanh(add_bias(X@W1, b1)), "
                    "Z = add_bias(H@W2, b2), loss = softmax_cross_entropy(Z, Y) (mean over "
                    "rows); params W1 (4,5), b1 (5), W2 (5,3), b2 (3).")


def mlp_relu():
    return two_layer_mlp(
        "two_layer_mlp_relu", "relu", True, seed=4,
        description="As two_layer_mlp with H = relu(...) (no pre-activation within 1e-3 of 0) "
                    "and label-smoothed targets Y = 0.8*onehot + 0.2/3.")


# ---- e. a chain of elementwise ops and reductions ---------------------------------------------
def elementwise_chain():
    seed = 5
    g = torch.Generator().manual_seed(seed)
    v = 0.3 + 1.4 * torch.rand(5, generator=g, dtype=DTYPE)  # in (0.3, 1.7): log, div fine
    inputs = {
        "v": leaf(v, True),
        "k": leaf([0.7], True),    # one-element vector parameter, broadcast by mul
        "half": leaf(0.5, False),  # scalar constants, broadcast by mul and div
        "two": leaf(2.0, False),
    }
    i = inputs
    p = i["v"] * i["half"]             # mul, scalar on the right
    e = torch.exp(p)                   # exp
    l = torch.log(i["v"])              # log
    q = torch.log1p(torch.square(i["v"]))  # square, log1p
    r = e / q                          # div, equal shapes
    u = i["two"] / i["v"]              # div, scalar on the left
    s = l - r - u                      # sub (twice)
    n = -s                             # neg
    t = i["k"] * n                     # mul, one-element parameter on the left
    loss = torch.mean(torch.square(t)) + torch.sum(l)  # square, mean, sum, add
    return fixture(
        "elementwise_chain",
        "v (5) in (0.3,1.7), k (1) params; half=0.5, two=2 scalar constants: p = v*half, "
        "e = exp(p), l = log(v), q = log1p(square(v)), r = e/q, u = two/v, s = (l - r) - u, "
        "n = -s, t = k*n, loss = mean(square(t)) + sum(l).",
        seed, inputs, {"e": e, "l": l, "q": q, "r": r, "u": u, "t": t, "loss": loss}, loss)


# ---- f. the fused softmax loss with sample weights, L2 and a Hessian-vector product --------
def softmax_fused():
    seed = 6
    m, n, k, lam = 8, 5, 3, 0.1
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(m, n, generator=g, dtype=DTYPE)
    labels = torch.arange(m) % k  # every class present
    labels = labels[torch.randperm(m, generator=g)]
    s = 0.5 + 1.5 * torch.rand(m, generator=g, dtype=DTYPE)  # weights in (0.5, 2)
    W = 0.5 * torch.randn(n, k, generator=g, dtype=DTYPE)
    b = 0.1 * torch.randn(k, generator=g, dtype=DTYPE)
    V = torch.randn(n, k, generator=g, dtype=DTYPE)
    c = torch.randn(k, generator=g, dtype=DTYPE)
    inputs = {"X": leaf(X, False), "y": leaf(labels.to(DTYPE), False), "s": leaf(s, False),
              "W": leaf(W, True), "b": leaf(b, True), "V": leaf(V, False), "c": leaf(c, False)}
    i = inputs
    z = i["X"] @ i["W"] + i["b"]
    p = torch.softmax(z, dim=1)
    ce = torch.logsumexp(z, dim=1) - z.gather(1, labels.unsqueeze(1)).squeeze(1)
    loss = (i["s"] * ce).mean() + 0.5 * lam * torch.sum(torch.square(i["W"]))
    # Hessian of loss w.r.t. (W, b) times the direction (V, c), by double backward.
    gW, gb = torch.autograd.grad(loss, (i["W"], i["b"]), create_graph=True)
    hv_W, hv_b = torch.autograd.grad((gW * i["V"]).sum() + (gb * i["c"]).sum(),
                                     (i["W"], i["b"]), retain_graph=True)
    # Cross-checks: torch's own weighted cross_entropy, and the closed-form Hessian product
    # dZ = X V + c, dP = P * (dZ - rowsum(P * dZ)), H v = (X^T (s dP) / m + lam V, sum(s dP) / m).
    ref = (s * F.cross_entropy(z.detach(), labels, reduction="none")).mean() \
        + 0.5 * lam * float((W * W).sum())
    assert abs(float(ref) - float(loss)) <= 1e-14 * abs(float(ref))
    P = p.detach()
    dZ = X @ V + c
    dP = P * (dZ - (P * dZ).sum(dim=1, keepdim=True))
    sdP = s.unsqueeze(1) * dP
    assert torch.allclose(hv_W, X.T @ sdP / m + lam * V, rtol=1e-13, atol=1e-15)
    assert torch.allclose(hv_b, sdP.sum(dim=0) / m, rtol=1e-13, atol=1e-15)
    fx = fixture(
        "softmax_fused",
        "Fused softmax loss with sample weights and L2: X (8,5), y (8) class indices in [0,3) "
        "(every class present) as floats, s (8) weights in (0.5,2); params W (5,3), b (3); "
        "z = X@W + b, p = softmax(z), loss = mean_i s_i (logsumexp(z_i) - z_i,y_i) "
        "+ lambda/2 ||W||_F^2 with lambda = 0.1 (b not penalised) = softmax_loss(W, b, y, s) "
        "+ L2. hv_W, hv_b: the Hessian of loss w.r.t. (W, b) applied to the constant "
        "direction (V (5,3), c (3)), by double backward.",
        seed, inputs, {"z": z, "p": p, "hv_W": hv_W, "hv_b": hv_b, "loss": loss}, loss)
    fx["lambda"] = lam
    return fx


def dumps(obj, indent=""):
    """JSON with one line per tensor (or scalar), nested objects indented; floats as repr."""
    if isinstance(obj, dict) and obj and "shape" not in obj:
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return json.dumps(obj)


BUILDERS = [lecture_default, lecture_soft, logistic_batch_fused, logistic_sparse, mlp_tanh,
            mlp_relu, elementwise_chain, softmax_fused]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default tests/golden)")
    args = ap.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    for build in BUILDERS:
        fx = build()
        path = os.path.join(args.out, fx["name"] + ".json")
        with open(path, "w") as f:
            f.write(dumps(fx) + "\n")
        print(f"wrote {os.path.relpath(path)}: loss = {fx['outputs']['loss']['data'][0]!r}")
    print(f"torch {torch.__version__}, {len(BUILDERS)} fixtures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
