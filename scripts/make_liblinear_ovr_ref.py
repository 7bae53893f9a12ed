#!/usr/bin/python3
"""Writes tests/golden/liblinear_ovr_reference.json: LIBLINEAR's one-vs-rest L2-regularised
logistic regression (-s 0, C=1, no bias) on USPS, for the C++ tests to compare lograd's
one-vs-rest training against.

Run by hand (needs Debian's liblinear-tools 2.3 and numpy):

    /usr/bin/python3 scripts/make_liblinear_ovr_ref.py

It converts ../shared/datasets/usps_zip.train.csv to a temporary LIBSVM file (integer labels,
1-based feature indices, zeros left out, every value written as the CSV's own text so both
sides read the same doubles), runs

    liblinear-train -s 0 -c 1 -e 1e-6 usps.libsvm usps.model
    liblinear-predict usps.libsvm usps.model usps.predict

and records, in the model's label order ("labels"), each binary problem's objective in
LIBLINEAR's form, computed here in float64 from the model's weights:

    f_k = 0.5 ||w_k||^2 + C sum_i log(1 + exp(-t_ik w_k . x_i)),  t_ik = +1 if y_i == label_k
                                                                        else -1

(log1p(exp(-|u|)) + max(-u, 0) form), its gradient's 2-norm ("grad_norms", to show how far
LIBLINEAR converged), the predicted label of every training row ("predicted", from
liblinear-predict) and the training accuracy. Floats are written by json (repr: shortest
round-trip form). CI needs no LIBLINEAR: it only reads the committed JSON.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets")
FILE = "usps_zip.train.csv"
OUT = os.path.join(ROOT, "tests", "golden", "liblinear_ovr_reference.json")
GENERATOR = "scripts/make_liblinear_ovr_ref.py"
TRAIN = "/usr/bin/liblinear-train"
PREDICT = "/usr/bin/liblinear-predict"
C = 1.0
TRAIN_ARGS = ["-s", "0", "-c", "1", "-e", "1e-6"]


def liblinear_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "liblinear-tools"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def read_usps(path, libsvm_path):
    """Returns X (m, 256), y (m,) as float64 and writes the LIBSVM text of the same data."""
    X, y = [], []
    with open(path) as f, open(libsvm_path, "w") as out:
        for line in f:
            tok = line.strip().split(",")
            label = int(tok[0])
            vals = [float(t) for t in tok[1:]]
            out.write(str(label) + "".join(f" {j + 1}:{t}" for j, (t, v) in
                                           enumerate(zip(tok[1:], vals)) if v != 0) + "\n")
            X.append(vals)
            y.append(label)
    return np.array(X, dtype=np.float64), np.array(y, dtype=np.int64)


def read_model(path, n):
    with open(path) as f:
        lines = f.read().split("\n")
    header = {}
    i = 0
    while lines[i] != "w":
        key, _, value = lines[i].partition(" ")
        header[key] = value
        i += 1
    assert header["solver_type"] == "L2R_LR", header
    assert float(header["bias"]) < 0, header
    assert int(header["nr_feature"]) == n, header
    labels = [int(v) for v in header["label"].split()]
    K = int(header["nr_class"])
    assert K == len(labels) and K > 2, header  # one weight column per class
    W = np.array([[float(v) for v in lines[i + 1 + j].split()] for j in range(n)],
                 dtype=np.float64)
    assert W.shape == (n, K), W.shape
    return labels, W.T.copy()  # (K, n)


def objective(X, t, w):
    u = t * (X @ w)
    loss = np.log1p(np.exp(-np.abs(u))) + np.maximum(-u, 0.0)
    f = 0.5 * float(w @ w) + C * float(loss.sum())
    # d/dw: w - C sum_i t_i x_i sigmoid(-u_i)
    s = np.exp(-np.logaddexp(0.0, u))  # sigmoid(-u), stable
    g = w - C * (X.T @ (t * s))
    return f, float(np.linalg.norm(g))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "usps.libsvm")
        model = os.path.join(tmp, "usps.model")
        pred = os.path.join(tmp, "usps.predict")
        X, y = read_usps(os.path.join(DATA, FILE), data)
        m, n = X.shape
        train_cmd = [TRAIN] + TRAIN_ARGS + [data, model]
        predict_cmd = [PREDICT, data, model, pred]
        subprocess.run(train_cmd, check=True, stdout=subprocess.DEVNULL)
        res = subprocess.run(predict_cmd, check=True, capture_output=True, text=True)
        predict_stdout = res.stdout.strip()
        labels, W = read_model(model, n)
        with open(pred) as f:
            predicted = [int(v) for v in f.read().split()]
    assert len(predicted) == m
    objectives, grad_norms = [], []
    for k, label in enumerate(labels):
        t = np.where(y == label, 1.0, -1.0)
        f, g = objective(X, t, W[k])
        objectives.append(f)
        grad_norms.append(g)
        print(f"class {label}: objective {f!r}, |grad| {g:.3e}", file=sys.stderr)
    correct = int(np.sum(np.array(predicted) == y))
    accuracy = correct / m
    # liblinear-predict's own decision: argmax_k w_k . x (first label wins ties).
    mine = np.array(labels)[np.argmax(X @ W.T, axis=1)]
    assert np.array_equal(mine, predicted), "argmax of the model's scores != liblinear-predict"
    print(f"accuracy {correct}/{m} = {accuracy!r} ({predict_stdout})", file=sys.stderr)

    def show(cmd):
        return " ".join(os.path.basename(a) for a in cmd)

    out = {
        "generator": GENERATOR, "numpy": np.__version__,
        "liblinear": liblinear_version(),
        "file": FILE, "rows": int(m), "n_features": int(n), "C": C, "bias": False,
        "train_command": show(train_cmd),
        "predict_command": show(predict_cmd),
        "objective": "f_k = 0.5 ||w_k||^2 + C sum_i log(1 + exp(-t_ik w_k.x_i)), "
                     "t_ik = +1 if y_i == labels[k] else -1",
        "labels": labels,
        "objectives": objectives,
        "grad_norms": grad_norms,
        "accuracy": accuracy,
        "predict_stdout": predict_stdout,
        "predicted": predicted,
    }
    with open(OUT, "w") as f:  # one line per field
        f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in out.items())
                + "\n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
