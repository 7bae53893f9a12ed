#!/usr/bin/python3
"""Writes tests/golden/metrics_reference.json: binary metrics computed by scikit-learn.

Run by hand, with the interpreter that has scikit-learn (Debian's python3-sklearn):

    /usr/bin/python3 scripts/make_metrics_ref.py            # writes tests/golden/
    /usr/bin/python3 scripts/make_metrics_ref.py --out DIR  # writes somewhere else

Each case is a small vector of 0/1 targets y and probabilities p of class 1, with tied scores
(across and within classes) and probabilities at 0, 0.5 and 1. Predicted labels are p > 0.5,
the rule of lograd's BinaryMetrics. Floats are written with repr (shortest round-trip form), so
tests/metrics/binary_metrics_test.cc reads the exact doubles scikit-learn produced. CI only
reads the JSON; it never needs scikit-learn.
"""

import argparse
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "tests", "golden")

CASES = [
    {
        "name": "ties_across_classes",
        "y": [0, 0, 1, 1, 0, 1, 1, 0, 1, 0],
        "p": [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.65, 0.65, 0.2],
    },
    {
        "name": "extremes_and_threshold",  # p = 0 and 1 exercise the 1e-15 clip; 0.5 is class 0
        "y": [1, 0, 1, 0, 1, 0, 0, 1],
        "p": [1.0, 0.0, 0.5, 0.5, 0.0, 1.0, 0.25, 0.75],
    },
    {
        "name": "random_with_repeats",
        "seed": 20240607,
    },
]


def materialise(case):
    if "seed" not in case:
        return np.array(case["y"], dtype=np.float64), np.array(case["p"], dtype=np.float64)
    rng = np.random.default_rng(case["seed"])
    n = 40
    y = rng.integers(0, 2, size=n).astype(np.float64)
    # Scores on a coarse grid, so many of them tie, correlated with y.
    p = np.clip(np.round(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.25, size=n), 1), 0, 1)
    return y, p


def reference(y, p):
    pred = (p > 0.5).astype(np.int64)
    yi = y.astype(np.int64)
    tn, fp, fn, tp = metrics.confusion_matrix(yi, pred, labels=[0, 1]).ravel()
    return {
        "accuracy": float(metrics.accuracy_score(yi, pred)),
        "log_loss": float(metrics.log_loss(yi, p, eps=1e-15, labels=[0, 1])),
        "roc_auc": float(metrics.roc_auc_score(yi, p)),
        "precision": float(metrics.precision_score(yi, pred, zero_division=0)),
        "recall": float(metrics.recall_score(yi, pred, zero_division=0)),
        "f1": float(metrics.f1_score(yi, pred, zero_division=0)),
        "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    cases = []
    for case in CASES:
        y, p = materialise(case)
        cases.append({"name": case["name"], "y": y.tolist(), "p": p.tolist(),
                      "expected": reference(y, p)})
    doc = {
        "description": "binary metrics of p (of class 1) against y, predicted 1 when p > 0.5; "
                       "written by scripts/make_metrics_ref.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "cases": cases,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "metrics_reference.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
