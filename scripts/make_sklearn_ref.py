#!/usr/bin/python3
"""Writes tests/golden/sklearn_reference.json: scikit-learn's LogisticRegression optima on
datasets from ../shared/datasets, for the C++ test to compare lograd's coefficients against.

Run by hand with Debian's python3-sklearn:  /usr/bin/python3 scripts/make_sklearn_ref.py
CI needs no scikit-learn: it only reads the committed JSON.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets")
OUT = os.path.join(ROOT, "tests", "golden", "sklearn_reference.json")

CASES = [
    # name, file, n_features
    ("a9a", "a9a", 123),
    ("covtype_20k", "covtype.binary.scale.20k.libsvm", 54),
]


def main():
    out = {"generator": "scripts/make_sklearn_ref.py", "sklearn": sklearn.__version__,
           "numpy": np.__version__,
           "estimator": "LogisticRegression(C=1, solver='newton-cg', tol=1e-8, max_iter=10000)",
           "cases": []}
    for name, file, n in CASES:
        X, y = load_svmlight_file(os.path.join(DATA, file), n_features=n, dtype=np.float64)
        clf = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-8, max_iter=10000)
        clf.fit(X, y)
        classes = [float(c) for c in clf.classes_]
        out["cases"].append({
            "name": name, "file": file, "n_features": n, "rows": int(X.shape[0]),
            "classes": classes,  # classes[1] is the positive class of coef_
            "coef": [float(v) for v in clf.coef_[0]],
            "intercept": float(clf.intercept_[0]),
            "n_iter": int(clf.n_iter_[0]),
        })
        print(f"{name}: {X.shape}, intercept {clf.intercept_[0]:.10f}, iters {clf.n_iter_[0]}",
              file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
