#!/usr/bin/python3
"""One timed in-memory fit for bench/compare --python: lograd.LogisticRegression or
scikit-learn's LogisticRegression on the same array, C = 1, no intercept.

    python_fit.py DATA {lograd|sklearn} SOLVER TOL REPEAT [--dense]

DATA is LIBSVM text, loaded with load_svmlight_file (CSR float64; --dense: a C-contiguous
float64 array) before any timing. Prints one JSON line: the median fit seconds over REPEAT
fits, the objective 0.5 ||w||^2 + sum_i log(1 + exp(-y_i w.x_i)) of the last fit, n_iter."""
import json
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_svmlight_file

path, tool, solver, tol, repeat = sys.argv[1:6]
X, y = load_svmlight_file(path)
if "--dense" in sys.argv:
    X = np.ascontiguousarray(X.toarray())
if tool == "lograd":
    import lograd
    make = lambda: lograd.LogisticRegression(C=1.0, fit_intercept=False, solver=solver,
                                             tol=float(tol), max_iter=100000)
else:
    from sklearn.linear_model import LogisticRegression
    make = lambda: LogisticRegression(C=1.0, fit_intercept=False, solver=solver, tol=float(tol),
                                      max_iter=100000)
times = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _ in range(int(repeat)):
        est = make()
        t0 = time.perf_counter()
        est.fit(X, y)
        times.append(time.perf_counter() - t0)
w = est.coef_.ravel() * (1.0 if est.classes_[1] > 0 else -1.0)
t = np.where(y > 0, 1.0, -1.0) * (X @ w)
f = 0.5 * float(w @ w) + float(np.sum(np.logaddexp(0, -t)))
print(json.dumps({"fit": statistics.median(times), "objective": f,
                  "n_iter": int(np.max(est.n_iter_))}))
