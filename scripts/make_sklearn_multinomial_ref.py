#!/usr/bin/python3
"""Writes tests/golden/sklearn_multinomial_reference.json: scikit-learn's multinomial (softmax)
LogisticRegression optima on multiclass datasets, for the C++ tests to compare lograd against.

Run by hand with Debian's python3-sklearn (single-threaded BLAS keeps the output identical
from run to run):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/make_sklearn_multinomial_ref.py
    ... scripts/make_sklearn_multinomial_ref.py usps news20   # only these cases
    ... scripts/make_sklearn_multinomial_ref.py --polish usps news20   # add "polished"
    ... scripts/make_sklearn_multinomial_ref.py --certify fmnist10 MODEL.json   # "polished"
                                                  # from a lograd model, certified in numpy

Cases named on the command line (default: all) are computed and merged into the existing JSON
file, replacing the cases of the same name, so the slow ones can be run separately. Cases are
kept in the order of CASES below. CI needs no scikit-learn: it only reads the committed JSON.
A plain rerun of a case keeps that case's old "polished" entry (see below).

Per case:
  name, file (relative to ../shared/datasets, or "fashion-mnist" for Debian's
  dataset-fashion-mnist package), n_features, rows, classes (sorted), n_iter, converged
  (no ConvergenceWarning), warnings (their texts, if any), lbfgs_message (scipy's L-BFGS-B
  termination message: sklearn passes tol as gtol only, so lbfgs usually stops on scipy's
  default ftol, the relative reduction of f, long before the gradient reaches tol);
  objective           = (1/m) sum_i CE(softmax(W x_i + b), y_i) + 1/(2 C m) ||W||_F^2
                        (lograd's form: mean loss, intercepts not penalised);
  objective_sklearn   = C sum_i CE + 0.5 ||W||_F^2  (= C m objective; what lbfgs minimises,
                        up to the factor C);
  max_grad            = max |gradient of `objective`| over (W, b) at the fitted solution;
  intercept           = K values (intercepts are unpenalised, so the optimum is unique only up
                        to a common shift; sklearn's lbfgs starts at 0 and keeps sum(b) = 0);
  coef                = K x n_features nested list, only when K * n_features <= 10000;
  proba_rows, proba   = 100 row indices spread over the training set (0-based) and
                        predict_proba of those rows (100 x K).
Both objectives and the gradient are computed here in float64 from coef_ / intercept_, with a
stable log-sum-exp. Floats are written by json (repr: shortest round-trip form).

--polish CASE... (default usps and news20; fmnist10 would take hours: ~1 s per gradient with
Debian's reference BLAS, thousands of L-BFGS-B iterations, so --certify below) adds to each named case of
the existing JSON a field "polished" and leaves every other field as it is. sklearn's lbfgs
stops on the relative reduction of f, not on tol, so its objective is above the optimum by 7e-7
(usps) and 9e-8 (news20) relative, its probabilities are off by up to 1.0e-4 and 1.7e-4 (and
usps's intercepts by up to 0.09); "polished" is the optimum to rounding (max|grad| ~1e-15).
Where the case stores coef (usps, fmnist10), the polish starts from the stored coef and
intercept, which are sklearn's fit exactly; otherwise (news20) sklearn is refit with the settings
above (a refit that does not reproduce the stored intercept bit for bit is reported on stderr).
From there `objective` is minimised over (W, b) in float64 by scipy's L-BFGS-B (ftol=0,
gtol=1e-12, maxcor=30; it stops when f no longer decreases, at max|grad| ~1e-9), then by
Newton-CG steps (exact Hessian-vector products, CG to relative residual 1e-8, full steps, kept
only while max|grad| decreases) until max|grad| <= 1e-13. Fields of "polished":
  objective, objective_sklearn, max_grad   as above, at the polished (W, b);
  iterations          L-BFGS-B iterations + Newton steps;
  method              how it was computed, with the L-BFGS-B, Newton and CG iteration counts;
  intercept           K values, centred to sum 0 (as sklearn's are);
  proba               predict_proba of the case's proba_rows (100 x K) at the polished (W, b);
  coef                K x n_features, only when coef is written for the case (usps);
  coef_sample         otherwise (news20): the 200 largest entries of W in magnitude and 800
                      drawn at random among the others (seed 20261206), as parallel lists
                      "classes" (index into the sorted classes), "features" (0-based), "values".

--certify CASE MODEL.json (fmnist10) writes the case's "polished" from a lograd model file
(`lograd train fmnist10.libsvm --multi-class multinomial --C 1 --solver newton --dtype float64
--tol 1e-12`; bench/make_fashion_mnist.py --multiclass writes the shortest text of every
double v / 255, so lograd reads the same X): W and b are read, b centred, and the objective,
max|grad| and probabilities are computed here in numpy, independently of lograd. A max|grad|
near rounding certifies the optimum: the objective is strongly convex in W (curvature at least
1/(C m)), and the probabilities do not depend on the intercepts' common shift.
"""
import gzip
import json
import os
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.optimize
import sklearn
from sklearn.datasets import load_svmlight_file
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets")
FMNIST = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join(ROOT, "tests", "golden", "sklearn_multinomial_reference.json")
GENERATOR = "scripts/make_sklearn_multinomial_ref.py"

C = 1.0
TOL = 1e-10
MAX_ITER = 10000
ESTIMATOR = (f"LogisticRegression(C={C!r}, multi_class='multinomial', solver='lbfgs', "
             f"tol={TOL!r}, max_iter={MAX_ITER})")
COEF_LIMIT = 10000   # write coef only when K * n_features <= this
N_PROBA_ROWS = 100
N_COEF_LARGEST, N_COEF_RANDOM, COEF_SEED = 200, 800, 20261206  # coef_sample (polished)


def load_usps():
    d = np.loadtxt(os.path.join(DATA, "usps_zip.train.csv"), delimiter=",", dtype=np.float64)
    return d[:, 1:], d[:, 0]


def load_news20():
    return load_svmlight_file(os.path.join(DATA, "news20.libsvm"), n_features=62061,
                              dtype=np.float64)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = int.from_bytes(data[2:4], "big") & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fmnist():
    images = read_idx(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(FMNIST, "train-labels-idx1-ubyte.gz"))
    X = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    return X, labels.astype(np.float64)


CASES = [
    # name, file, n_features, loader
    ("usps", "usps_zip.train.csv", 256, load_usps),
    ("news20", "news20.libsvm", 62061, load_news20),
    ("fmnist10", "fashion-mnist", 784, load_fmnist),
]


def objective_and_grad(X, y, classes, W, b):
    """lograd-form objective (mean CE + ||W||^2 / (2 C m)), the sum of CE, and max|grad|."""
    m = X.shape[0]
    Z = np.asarray(X @ W.T) + b                      # (m, K)
    zmax = Z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
    idx = np.searchsorted(classes, y)
    assert np.array_equal(classes[idx], y)
    ce_sum = float(np.sum(lse - Z[np.arange(m), idx]))
    w2 = float(np.sum(W * W))
    objective = ce_sum / m + w2 / (2.0 * C * m)
    objective_sklearn = C * ce_sum + 0.5 * w2
    P = np.exp(Z - lse[:, None])
    P[np.arange(m), idx] -= 1.0                     # P - Y
    gW = np.asarray(X.T @ P).T / m + W / (C * m)
    gb = P.sum(axis=0) / m
    max_grad = float(max(np.abs(gW).max(), np.abs(gb).max()))
    return objective, objective_sklearn, max_grad


def new_estimator():
    return LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs", tol=TOL,
                              max_iter=MAX_ITER)


def run_case(name, file, n, loader):
    X, y = loader()
    assert X.shape[1] == n, (name, X.shape)
    m = X.shape[0]
    clf = new_estimator()
    # Records scipy's L-BFGS-B termination message (sklearn only warns on status != 0).
    messages = []
    minimize = scipy.optimize.minimize

    def recording_minimize(*args, **kwargs):
        res = minimize(*args, **kwargs)
        messages.append(str(res.message))
        return res

    t0 = time.perf_counter()
    scipy.optimize.minimize = recording_minimize
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clf.fit(X, y)
    finally:
        scipy.optimize.minimize = minimize
    wall = time.perf_counter() - t0
    conv = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    other = [f"{w.category.__name__}: {w.message}" for w in caught
             if not issubclass(w.category, ConvergenceWarning)]
    classes = np.asarray(clf.classes_, dtype=np.float64)
    W = np.asarray(clf.coef_, dtype=np.float64)
    b = np.asarray(clf.intercept_, dtype=np.float64)
    K = len(classes)
    objective, objective_sklearn, max_grad = objective_and_grad(X, y, classes, W, b)
    rows = np.linspace(0, m - 1, N_PROBA_ROWS).astype(int)
    proba = clf.predict_proba(X[rows])
    case = {
        "name": name, "file": file, "n_features": n, "rows": int(m),
        "classes": [float(c) for c in classes],
        "n_iter": int(clf.n_iter_[0]),
        "converged": not conv,
        "warnings": conv + other,
        "lbfgs_message": messages[-1] if messages else None,
        "objective": objective,
        "objective_sklearn": objective_sklearn,
        "max_grad": max_grad,
        "intercept": [float(v) for v in b],
    }
    if K * n <= COEF_LIMIT:
        case["coef"] = [[float(v) for v in row] for row in W]
    case["proba_rows"] = [int(r) for r in rows]
    case["proba"] = [[float(v) for v in row] for row in proba]
    print(f"{name}: {X.shape}, K={K}, n_iter {case['n_iter']}, objective {objective!r}, "
          f"objective_sklearn {objective_sklearn!r}, max_grad {max_grad:.3e}, "
          f"converged {case['converged']}, {wall:.1f} s\n  lbfgs: {case['lbfgs_message']}",
          file=sys.stderr)
    for w in conv + other:
        print(f"  warning: {w}", file=sys.stderr)
    return case


POLISH_CASES = ("usps", "news20", "fmnist10")
LBFGS_OPTIONS = {"ftol": 0, "gtol": 1e-12, "maxiter": 100000, "maxcor": 30}
NEWTON_GTOL = 1e-13      # stop Newton-CG when max|grad| <= this
NEWTON_MAX_STEPS = 10
CG_RTOL = 1e-8           # CG stops at ||residual|| <= CG_RTOL ||grad||
CG_MAX_ITER = 10000


class Objective:
    """`objective` of (W, b) flattened to theta = [W.ravel(), b], its gradient and Hessian."""

    def __init__(self, X, y, classes):
        self.X, self.m, self.n, self.K = X, X.shape[0], X.shape[1], len(classes)
        self.idx = np.searchsorted(classes, y)
        assert np.array_equal(classes[self.idx], y)
        self.rows = np.arange(self.m)

    def unpack(self, theta):
        K, n = self.K, self.n
        return theta[:K * n].reshape(K, n), theta[K * n:]

    def proba(self, theta):
        W, b = self.unpack(theta)
        Z = np.asarray(self.X @ W.T) + b
        Z -= Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)

    def value_and_grad(self, theta):
        W, b = self.unpack(theta)
        m = self.m
        Z = np.asarray(self.X @ W.T) + b
        zmax = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - zmax)
        s = E.sum(axis=1)
        lse = zmax[:, 0] + np.log(s)
        f = (float(np.sum(lse - Z[self.rows, self.idx])) + float(np.sum(W * W)) / (2.0 * C)) / m
        P = E / s[:, None]
        P[self.rows, self.idx] -= 1.0
        gW = np.asarray(self.X.T @ P).T / m + W / (C * m)
        return f, np.concatenate([gW.ravel(), P.sum(axis=0) / m])

    def hessp(self, P, v):
        """Hessian at the point with probabilities P (m, K) times the direction v."""
        V, c = self.unpack(v)
        dZ = np.asarray(self.X @ V.T) + c
        dP = P * (dZ - (P * dZ).sum(axis=1, keepdims=True))
        hW = np.asarray(self.X.T @ dP).T / self.m + V / (C * self.m)
        return np.concatenate([hW.ravel(), dP.sum(axis=0) / self.m])


def newton_cg(obj, theta):
    """Newton steps H p = -g solved by CG, full steps kept while max|g| decreases."""
    f, g = obj.value_and_grad(theta)
    steps = cg_total = 0
    while steps < NEWTON_MAX_STEPS and np.abs(g).max() > NEWTON_GTOL:
        P = obj.proba(theta)
        p = np.zeros_like(g)
        r = -g
        d = r.copy()
        rr = float(r @ r)
        stop = CG_RTOL * np.sqrt(rr)
        for _ in range(CG_MAX_ITER):
            Hd = obj.hessp(P, d)
            a = rr / float(d @ Hd)
            p += a * d
            r = r - a * Hd
            cg_total += 1
            rr_new = float(r @ r)
            if np.sqrt(rr_new) <= stop:
                break
            d = r + (rr_new / rr) * d
            rr = rr_new
        f_new, g_new = obj.value_and_grad(theta + p)
        print(f"  newton step {steps + 1}: max|grad| {np.abs(g).max():.3e} -> "
              f"{np.abs(g_new).max():.3e}, f {f!r} -> {f_new!r}, CG iterations {cg_total}",
              file=sys.stderr)
        if np.abs(g_new).max() >= np.abs(g).max():
            break
        theta, f, g = theta + p, f_new, g_new
        steps += 1
    return theta, steps, cg_total


def coef_sample(W):
    """Entries of W too large to store whole (news20: 20 x 62,061): the N_COEF_LARGEST largest
    in magnitude and N_COEF_RANDOM drawn at random (a fixed seed) among the others, as parallel
    lists of class index (into the sorted classes), feature index (0-based) and value."""
    flat = np.abs(W).ravel()
    largest = np.argsort(-flat, kind="stable")[:N_COEF_LARGEST]
    rest = np.setdiff1d(np.arange(flat.size), largest)
    drawn = np.random.default_rng(COEF_SEED).choice(rest, N_COEF_RANDOM, replace=False)
    picked = np.sort(np.concatenate([largest, drawn]))
    q, j = np.unravel_index(picked, W.shape)
    return {"classes": [int(v) for v in q], "features": [int(v) for v in j],
            "values": [float(W[a, c]) for a, c in zip(q, j)]}


def polished_entry(case, X, y, classes, W, b, iterations, method):
    """The case's "polished" fields at (W, b) (b centred by the caller), computed here in
    numpy; method(objective, max_grad) describes how (W, b) was found. Returns them and the
    probabilities of the case's proba_rows."""
    objective, objective_sklearn, max_grad = objective_and_grad(X, y, classes, W, b)
    rows = case["proba_rows"]
    proba = Objective(X[rows], y[rows], classes).proba(np.concatenate([W.ravel(), b]))
    polished = {"objective": objective, "objective_sklearn": objective_sklearn,
                "max_grad": max_grad, "iterations": iterations,
                "method": method(objective, max_grad), "intercept": [float(v) for v in b]}
    if "coef" in case:
        polished["coef"] = [[float(v) for v in row] for row in W]
    else:
        polished["coef_sample"] = coef_sample(W)
    polished["proba"] = [[float(v) for v in row] for row in proba]
    return polished, proba


def polish_case(case, file, n, loader):
    name = case["name"]
    X, y = loader()
    assert X.shape[1] == n, (name, X.shape)
    t0 = time.perf_counter()
    if "coef" in case:
        # The stored coef and intercept are sklearn's fit exactly (json floats round-trip), so
        # no refit is needed (fmnist10's takes about half an hour).
        classes = np.asarray(case["classes"], dtype=np.float64)
        coef, intercept = np.asarray(case["coef"]), np.asarray(case["intercept"])
        start = "the stored coef/intercept (sklearn's fit)"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = new_estimator().fit(X, y)
        classes = np.asarray(clf.classes_, dtype=np.float64)
        if [float(v) for v in clf.intercept_] != case["intercept"]:
            print(f"{name}: note: the refit's intercept differs from the stored one (max "
                  f"{np.abs(clf.intercept_ - case['intercept']).max():.3e}); polishing from the "
                  f"refit", file=sys.stderr)
        coef, intercept = clf.coef_, clf.intercept_
        start = "sklearn's coef_/intercept_ (a refit)"
    t_fit = time.perf_counter() - t0
    assert [float(c) for c in classes] == case["classes"], name
    obj = Objective(X, y, classes)
    theta0 = np.concatenate([np.asarray(coef, dtype=np.float64).ravel(),
                             np.asarray(intercept, dtype=np.float64)])
    t1 = time.perf_counter()
    res = scipy.optimize.minimize(obj.value_and_grad, theta0, method="L-BFGS-B", jac=True,
                                  options=LBFGS_OPTIONS)
    print(f"{name}: L-BFGS-B {res.nit} iterations, max|grad| {np.abs(res.jac).max():.3e}, "
          f"{res.message}", file=sys.stderr)
    theta, steps, cg_total = newton_cg(obj, res.x)
    t_polish = time.perf_counter() - t1
    W, b = obj.unpack(theta)
    W = W.copy()
    b = b - b.mean()
    method = (f"from {start}: scipy L-BFGS-B (ftol=0, gtol=1e-12, maxcor=30), "
              f"{res.nit} iterations ({res.message}); then Newton-CG (exact Hessian-vector "
              f"products, CG to relative residual {CG_RTOL:g}), {steps} step{'' if steps == 1 else 's'}, "
              f"{cg_total} CG iterations; float64")
    polished, proba = polished_entry(case, X, y, classes, W, b, int(res.nit) + steps,
                                     lambda objective, max_grad: method)
    objective, max_grad = polished["objective"], polished["max_grad"]
    print(f"{name}: polished objective {objective!r} (sklearn's {case['objective']!r}, relative "
          f"difference {(case['objective'] - objective) / objective:.3e}), max_grad "
          f"{max_grad:.3e}, max|proba - sklearn's| "
          f"{np.abs(proba - np.asarray(case['proba'])).max():.3e}; refit {t_fit:.1f} s, "
          f"polish {t_polish:.1f} s, total {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    case["polished"] = polished


def certify_main(args):
    """--certify CASE MODEL: the case's "polished" entry from a lograd model file (multinomial,
    float64), its optimality certified here in numpy, independently of lograd."""
    if len(args) != 2:
        sys.exit("usage: --certify CASE MODEL.json")
    name, model_path = args
    with open(OUT) as f:
        out = json.load(f)
    case = next((c for c in out["cases"] if c["name"] == name), None)
    if case is None:
        sys.exit(f"--certify: case {name!r} not in {OUT}")
    loader = next(c[3] for c in CASES if c[0] == name)
    X, y = loader()
    with open(model_path) as f:
        model = json.load(f)
    classes = np.asarray(case["classes"], dtype=np.float64)
    order = [[float(l) for l in model["labels"]].index(c) for c in classes]  # to sorted classes
    W = np.asarray(model["weights"], dtype=np.float64).T[order]       # (K, n)
    b = np.asarray(model["bias"], dtype=np.float64)[order]
    b = b - b.mean()
    t = model.get("training", {})
    polished, proba = polished_entry(
        case, X, y, classes, W, b, t.get("iterations"),
        lambda objective, max_grad: (
            f"lograd {t.get('solver')} (tol {t.get('tol')}, float64, "
            f"{t.get('iterations')} iterations) from {t.get('data')}, its model file read "
            f"here; certified in numpy, independently of lograd: max|grad| {max_grad:.3g} "
            f"over (W, b) and the objective below scikit-learn's by "
            f"{(case['objective'] - objective) / objective:.3g} relative. scipy's "
            f"polish (L-BFGS-B, Newton-CG) takes hours with Debian's reference BLAS at "
            f"~1 s per gradient here."))
    objective, max_grad = polished["objective"], polished["max_grad"]
    print(f"{name}: certified objective {objective!r} (sklearn's {case['objective']!r}), max|grad| "
          f"{max_grad:.3e}, max|proba - sklearn's| "
          f"{np.abs(proba - np.asarray(case['proba'])).max():.3e}", file=sys.stderr)
    case["polished"] = polished
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    return 0


def polish_main(wanted):
    wanted = wanted or ["usps", "news20"]
    unknown = [w for w in wanted if w not in POLISH_CASES]
    if unknown:
        sys.exit(f"--polish: unknown or unsupported case(s) {unknown}; supported: "
                 f"{list(POLISH_CASES)}")
    with open(OUT) as f:
        out = json.load(f)
    cases = {c["name"]: c for c in out["cases"]}
    missing = [w for w in wanted if w not in cases]
    if missing:
        sys.exit(f"--polish: case(s) {missing} not in {OUT}; run them without --polish first")
    for name, file, n, loader in CASES:
        if name in wanted:
            polish_case(cases[name], file, n, loader)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    return 0


def main():
    if sys.argv[1:2] == ["--polish"]:
        return polish_main(sys.argv[2:])
    if sys.argv[1:2] == ["--certify"]:
        return certify_main(sys.argv[2:])
    names = [c[0] for c in CASES]
    wanted = sys.argv[1:] or names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; known: {names}")
    old = {}
    if os.path.exists(OUT):
        with open(OUT) as f:
            old = {c["name"]: c for c in json.load(f).get("cases", [])}
    for name, file, n, loader in CASES:
        if name in wanted:
            case = run_case(name, file, n, loader)
            if "polished" in old.get(name, {}):
                # The polished optimum does not depend on where sklearn stopped.
                case["polished"] = old[name]["polished"]
                print(f"{name}: kept the old \"polished\"; rerun with --polish to recompute it",
                      file=sys.stderr)
            old[name] = case
    out = {"generator": GENERATOR, "sklearn": sklearn.__version__, "numpy": np.__version__,
           "scipy": scipy.__version__,
           "estimator": ESTIMATOR,
           "objective": "(1/m) sum_i CE(softmax(W x_i + b), y_i) + ||W||_F^2 / (2 C m)",
           "objective_sklearn": "C sum_i CE + 0.5 ||W||_F^2",
           "cases": [old[c[0]] for c in CASES if c[0] in old]}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
