#!/usr/bin/python3
"""Writes tests/golden/sklearn_multinomial_reference.json: scikit-learn's multinomial (softmax)
LogisticRegression optima on multiclass datasets, for the C++ tests to compare lograd against.

Run by hand with Debian's python3-sklearn (single-threaded BLAS keeps the output identical
from run to run):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/make_sklearn_multinomial_ref.py
    ... scripts/make_sklearn_multinomial_ref.py usps news20   # only these cases

Cases named on the command line (default: all) are computed and merged into the existing JSON
file, replacing the cases of the same name, so the slow ones can be run separately. Cases are
kept in the order of CASES below. CI needs no scikit-learn: it only reads the committed JSON.

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


def run_case(name, file, n, loader):
    X, y = loader()
    assert X.shape[1] == n, (name, X.shape)
    m = X.shape[0]
    clf = LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs", tol=TOL,
                             max_iter=MAX_ITER)
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


def main():
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
            old[name] = run_case(name, file, n, loader)
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
