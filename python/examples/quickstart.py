"""lograd from Python: the README's example, run by `make demo`.

Trains lograd.LogisticRegression on the bundled a9a data (read by scikit-learn's LIBSVM loader
into a scipy CSR matrix, which lograd reads in place), compares it with scikit-learn's own
LogisticRegression on the same problem, saves the model for the CLI, and prints the lecture's
step as a dict."""
import pathlib
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import lograd

data = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "data")
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".")

X, y = load_svmlight_file(str(data / "a9a.gz"))
X_test, y_test = load_svmlight_file(str(data / "a9a.t.gz"), n_features=X.shape[1])

t = time.perf_counter()
clf = lograd.LogisticRegression(C=1.0, tol=1e-10).fit(X, y)
seconds = time.perf_counter() - t
print(f"lograd       {X.shape[0]} x {X.shape[1]} ({lograd.simd_target()}): fit {seconds:.2f} s, "
      f"{clf.n_iter_[0]} iterations ({clf.solver_}), test accuracy {clf.score(X_test, y_test):.4f}")

t = time.perf_counter()
with warnings.catch_warnings():  # newton-cg at tol 1e-10 warns of rounding in its line search
    warnings.simplefilter("ignore")
    ref = SkLogisticRegression(C=1.0, solver="newton-cg", tol=1e-10, max_iter=1000).fit(X, y)
seconds = time.perf_counter() - t
print(f"scikit-learn newton-cg: fit {seconds:.2f} s, test accuracy {ref.score(X_test, y_test):.4f}, "
      f"largest |coef_ difference| {np.abs(clf.coef_ - ref.coef_).max():.1e}")

clf.save(out / "a9a.python.model.json")
print(f"saved {out / 'a9a.python.model.json'} (lograd predict --model ... reads it)")

step = lograd.explain()  # the lecture's step for x = (1, 2), y = 1, w = (0.1, -0.2), b = 0.05
print("lecture step: " + ", ".join(f"{k} = {step[k]:.6g}" for k in ("z", "a", "L", "dz", "db")))
