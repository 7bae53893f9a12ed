#!/usr/bin/env python3
"""End-to-end tests of `lograd train`, `predict`, `eval` and `export` (standard library only).

Usage: train_cli_test.py PATH/TO/lograd

Every test checks numbers against something independent of lograd: a small Newton solver
written here in Python (the reference optimum of the same objective), closed forms (one
gradient step, standardisation statistics, metrics computed from predictions), invariants
(weight 2 == a duplicated row, --C and --lambda, warm starts), or LIBLINEAR itself
(`liblinear-train` / `liblinear-predict` from Debian's liblinear-tools, when installed) and the
published LIBLINEAR optimum on a9a. Real-data tests use ../shared/datasets from the repository
root and are skipped with a message when it is missing.
"""
import csv
import gzip
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

LOGRAD = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASETS = os.path.normpath(os.path.join(REPO, "..", "shared", "datasets"))
LIBLINEAR_TRAIN = shutil.which("liblinear-train") or "/usr/bin/liblinear-train"
LIBLINEAR_PREDICT = shutil.which("liblinear-predict") or "/usr/bin/liblinear-predict"
HAVE_LIBLINEAR = os.access(LIBLINEAR_TRAIN, os.X_OK) and os.access(LIBLINEAR_PREDICT, os.X_OK)

SUMMARY_KEYS = {"objective", "objective_liblinear", "iterations", "converged", "passes",
                "load_seconds", "train_seconds", "data_bytes", "train_accuracy"}
METRIC_KEYS = {"count", "accuracy", "log_loss", "roc_auc", "precision", "recall", "f1",
               "confusion"}


# ---- running lograd ----------------------------------------------------------------------------

# The reference numbers here (closed forms, numpy, scikit-learn) are float64 computations on
# the data as written, so these tests read data in float64 unless they choose a --dtype;
# the default, float32 storage, is tested against them with a tolerance in
# test_storage_and_dtype.
READS_DATA = {"train", "predict", "eval", "convert"}


def run(*args, cwd=None, timeout=300):
    args = [str(a) for a in args]
    if args and args[0] in READS_DATA and "--dtype" not in args and "--help" not in args:
        args += ["--dtype", "float64"]
    return subprocess.run([LOGRAD, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def dataset(name):
    path = os.path.join(DATASETS, name)
    if not os.path.exists(path):
        raise unittest.SkipTest(f"real dataset {path} is missing: skipping (see "
                                f"../shared/datasets/README.md)")
    return path


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_lines(path):
    with open(path) as f:
        return f.read().split()


# ---- data --------------------------------------------------------------------------------------

def sigmoid(z):
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def log1pexp(v):
    """log(1 + e^v), exact in both tails."""
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


class Problem:
    """A small binary problem: rows X (lists of floats), labels y in {0, 1}, weights s."""

    def __init__(self, X, y, s=None, names=("-1", "1")):
        self.X, self.y = X, y
        self.s = s if s is not None else [1.0] * len(X)
        self.names = names  # names[t] is the label text of target t

    @property
    def m(self):
        return len(self.X)

    @property
    def n(self):
        return len(self.X[0])

    def rows(self, idx):
        return Problem([self.X[i] for i in idx], [self.y[i] for i in idx],
                       [self.s[i] for i in idx], self.names)

    def write_libsvm(self, path, labels=("-1", "+1")):
        with open(path, "w") as f:
            for x, t in zip(self.X, self.y):
                feats = " ".join(f"{j + 1}:{v!r}" for j, v in enumerate(x) if v != 0)
                f.write(f"{labels[t]} {feats}\n")
        return path

    def write_csv(self, path, delimiter=",", header=True, label_first=False, weights=False,
                  labels=None, fmt=repr):
        labels = labels or self.names
        cols = [f"x{j + 1}" for j in range(self.n)]
        with open(path, "w") as f:
            if header:
                head = (["label"] + cols) if label_first else (cols + ["label"])
                if weights:
                    head.insert(1 if label_first else 0, "weight")
                f.write(delimiter.join(head) + "\n")
            for x, t, s in zip(self.X, self.y, self.s):
                fields = [fmt(v) for v in x]
                row = ([labels[t]] + fields) if label_first else (fields + [labels[t]])
                if weights:
                    row.insert(1 if label_first else 0, repr(s))
                f.write(delimiter.join(row) + "\n")
        return path


def make_problem(m=300, n=5, seed=0, w=(1.0, -2.0, 0.5, 0.0, 1.5), b=0.3, positive=None,
                 digits=3):
    """Gaussian features (rounded to `digits` decimals; digits=None: multiples of 1/8, exact in
    float32), labels drawn from the logistic model, so the classes overlap (finite optimum)."""
    rng = random.Random(seed)
    X, y = [], []
    for _ in range(m):
        if digits is None:
            x = [round(rng.gauss(0, 1) * 8) / 8 for _ in range(n)]
        else:
            x = [round(rng.gauss(0, 1), digits) for _ in range(n)]
        z = dot(w, x) + b
        X.append(x)
        y.append(1 if rng.random() < sigmoid(z) else 0)
    if positive is not None:  # force an imbalanced problem: the first rows positive, etc.
        y = [1 if i < positive else 0 for i in range(m)]
        for i in range(m):
            if y[i]:
                X[i] = [v + 0.8 * wj for v, wj in zip(X[i], w)]
    return Problem(X, y)


# ---- a reference solver and metrics in Python ----------------------------------------------------

def solve_linear(A, b):
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            if f:
                for k in range(c, n + 1):
                    M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (M[r][n] - sum(M[r][k] * x[k] for k in range(r + 1, n))) / M[r][r]
    return x


def objective(p, w, b, lam, l1_ratio=0.0):
    """F(w, b) = (1/m) sum s_i log(1 + e^{-t_i z_i}) + lam ((1-a)/2 ||w||^2 + a ||w||_1)."""
    loss = 0.0
    for x, t, s in zip(p.X, p.y, p.s):
        z = dot(w, x) + b
        loss += s * log1pexp(-z if t else z)
    reg = lam * ((1 - l1_ratio) / 2 * dot(w, w) + l1_ratio * sum(abs(v) for v in w))
    return loss / p.m + reg


def reference_fit(p, lam, bias=True):
    """Newton's method on the L2 objective, to machine precision: (w, b, F)."""
    n, m = p.n, p.m
    d = n + (1 if bias else 0)
    v = [0.0] * d
    for _ in range(100):
        g = [0.0] * d
        H = [[0.0] * d for _ in range(d)]
        for x, t, s in zip(p.X, p.y, p.s):
            a = x + [1.0] if bias else x
            q = sigmoid(dot(v, a))
            r, c = s * (q - t) / m, s * q * (1 - q) / m
            for j in range(d):
                g[j] += r * a[j]
                cj = c * a[j]
                Hj = H[j]
                for k in range(d):
                    Hj[k] += cj * a[k]
        for j in range(n):
            g[j] += lam * v[j]
            H[j][j] += lam
        step = solve_linear(H, g)
        v = [vi - si for vi, si in zip(v, step)]
        if math.sqrt(dot(g, g)) < 1e-15:
            break
    w, b = v[:n], (v[n] if bias else 0.0)
    return w, b, objective(p, w, b, lam)


def model_raw(model):
    """The model's weights and bias in the space of the raw features (standardisation folded)."""
    w, b = model["weights"], model["bias"] if model["has_bias"] else 0.0
    st = model["standardize"]
    if st:
        w = [wj / sc for wj, sc in zip(w, st["scale"])]
        b = b - dot(w, st["mean"])
    return w, b


def model_proba(model, X):
    w, b = model_raw(model)
    return [sigmoid(dot(w, x) + b) for x in X]


def metrics(y, p):
    """accuracy, confusion, precision, recall, f1, log loss, ROC AUC (ties count 1/2)."""
    tp = sum(1 for t, q in zip(y, p) if t == 1 and q > 0.5)
    fp = sum(1 for t, q in zip(y, p) if t == 0 and q > 0.5)
    fn = sum(1 for t, q in zip(y, p) if t == 1 and q <= 0.5)
    tn = sum(1 for t, q in zip(y, p) if t == 0 and q <= 0.5)
    eps = 1e-300
    ll = -sum(math.log(max(q, eps)) if t else math.log(max(1 - q, eps)) for t, q in zip(y, p))
    pos = sorted(q for t, q in zip(y, p) if t)
    neg = sorted(q for t, q in zip(y, p) if not t)
    # Mann-Whitney U by ranks (average rank for ties).
    allv = sorted((q, t) for t, q in zip(y, p))
    ranks, i = {}, 0
    rank_sum = 0.0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        r = (i + j + 1) / 2
        rank_sum += r * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    auc = (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return dict(count=len(y), accuracy=(tp + tn) / len(y), log_loss=ll / len(y), roc_auc=auc,
                precision=prec, recall=rec, f1=f1, confusion=[[tn, fp], [fn, tp]])


def liblinear_train(data, *options):
    """Runs liblinear-train; returns its weights oriented as lograd's (positive: the larger
    numeric label), the bias weight last when it has one."""
    fd, path = tempfile.mkstemp(suffix=".liblinear")
    os.close(fd)
    try:
        subprocess.run([LIBLINEAR_TRAIN, *map(str, options), "-q", data, path], check=True,
                       capture_output=True, timeout=300)
        with open(path) as f:
            head, body = f.read().split("\nw\n")
    finally:
        os.unlink(path)
    fields = dict(l.split(None, 1) for l in head.splitlines())
    first, second = (float(v) for v in fields["label"].split())
    sign = 1.0 if first > second else -1.0  # LIBLINEAR predicts its first label when w.x > 0
    return [sign * float(v) for v in body.split()]


def close(a, b, rtol=1e-9, atol=1e-12):
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def max_diff(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


# ---- the base class ------------------------------------------------------------------------------

class LogradTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lograd_train_cli_")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def ok(self, *args, cwd=None, timeout=300):
        r = run(*args, cwd=cwd, timeout=timeout)
        self.assertEqual(r.returncode, 0, f"lograd {' '.join(map(str, args))}\n"
                                          f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def fails(self, code, *args, contains=()):
        r = run(*args)
        self.assertEqual(r.returncode, code, f"lograd {' '.join(map(str, args))} should exit "
                                             f"{code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        for text in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(text, r.stderr, f"lograd {' '.join(map(str, args))}")
        return r

    def train(self, data, *args, name=None, timeout=300):
        """Runs `train DATA ARGS --json -o MODEL`: (summary, model)."""
        name = name or f"m{len(os.listdir(self.dir))}.json"
        out = self.path(name)
        r = self.ok("train", data, *args, "--json", "-o", out, timeout=timeout)
        summary = json.loads(r.stdout)
        return summary, read_json(out)

    def predict(self, model_path, data, *args):
        return self.ok("predict", "-m", model_path, data, *args).stdout.split()

    def proba(self, model_path, data, *args):
        return [float(v) for v in self.predict(model_path, data, "--proba", *args)]

    def assertVecClose(self, got, want, tol, what=""):
        self.assertEqual(len(got), len(want), what)
        d = max_diff(got, want) if got else 0.0
        short = lambda v: "[" + ", ".join(f"{x!r}" for x in v[:8]) + (", ...]" if len(v) > 8
                                                                      else "]")
        self.assertLessEqual(d, tol, f"{what}: max |difference| {d:g} > {tol:g}\n"
                                     f"got  {short(got)}\nwant {short(want)}")

    def assertModelsEqual(self, a, b, tol=1e-7, what=""):
        self.assertVecClose(a["weights"] + [a["bias"]], b["weights"] + [b["bias"]], tol, what)


# ---- help ------------------------------------------------------------------------------------------

DATA_OPTS = ["--format", "--header", "--no-header", "--label-column", "--delimiter", "--missing",
             "--storage", "--dtype"]
HELP = {
    "train": ["-o,--out", "--lambda", "--C", "--no-bias", "--l1", "--elastic-net", "--standardize",
              "--class-weight", "--solver", "--tol", "--max-iter", "--max-seconds", "--lr",
              "--epochs", "--batch-size", "--seed", "--cv", "--test", "--init", "--curve",
              "-q,--quiet", "--json", "--sample-weight-column", "--threads", "--checkpoint",
              "--multi-class", "--exact-sums",
              "--checkpoint-every", "--resume", "--max-memory", "--cache"] + DATA_OPTS,
    "predict": ["-m,--model", "--proba", "--decision", "-o,--out", "--max-memory"] + DATA_OPTS,
    "eval": ["-m,--model", "--json", "--max-memory"] + DATA_OPTS,
    "export": ["-m,--model", "--format", "-o,--out"],
}


class Help(unittest.TestCase):
    def test_every_subcommand_documents_every_option(self):
        for cmd, opts in HELP.items():
            r = run(cmd, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            for opt in opts:
                self.assertRegex(r.stdout, r"(^|\s)" + re.escape(opt) + r"\b",
                                 f"`lograd {cmd} --help` does not document {opt}")
            documented = set(re.findall(r"^\s+(-[-\w]+(?:,--[\w-]+)?)", r.stdout, re.M))
            documented.discard("-h,--help")
            self.assertEqual(documented, set(opts),
                             f"`lograd {cmd} --help` documents options this test does not cover")

    def test_top_level_help_lists_the_training_commands(self):
        r = run("--help")
        for cmd in HELP:
            self.assertIn(cmd, r.stdout)

    def test_usage_errors_exit_2(self):
        for args in (["train"], ["train", "x", "--solver", "bfgs"], ["train", "x", "--tol", "-1"],
                     ["train", "x", "--cv", "1"], ["train", "x", "--missing", "drop"],
                     ["predict", "x"], ["eval", "x"], ["export", "-m", "x"],
                     ["export", "-m", "x", "-o", "y", "--format", "csv"],
                     ["train", "x", "--storage", "csr"], ["train", "x", "--dtype", "float16"],
                     ["train", "x", "--format", "arff"],
                     ["train", "x", "--exact-sums", "--solver", "adam"]):
            r = run(*args)
            self.assertEqual(r.returncode, 2, f"lograd {' '.join(args)}: {r.stderr}")


# ---- exact sums -------------------------------------------------------------------------------

class ExactSums(LogradTest):
    def test_the_model_does_not_depend_on_threads_or_row_order(self):
        """--exact-sums: USPS multinomial (dense, 10 outputs: several threads' blocks) gives the
        same model file on 1 and 2 threads and on its rows reversed; without it, the fused
        kernels' sums follow the row order (the weights differ in their last bits)."""
        with gzip.open(os.path.join(REPO, "data", "usps.train.csv.gz"), "rt") as f:
            lines = f.readlines()
        fwd, back = self.path("fwd.csv"), self.path("back.csv")
        with open(fwd, "w") as f:
            f.writelines(lines)
        with open(back, "w") as f:
            f.writelines(lines[::-1])
        common = ["--no-header", "--label-column", "1", "--max-iter", "3", "-q"]
        models = []
        for data, threads in ((fwd, 1), (fwd, 2), (back, 2)):
            out = self.path(f"m{len(models)}.json")
            self.ok("train", data, "-o", out, "--threads", threads, "--exact-sums", *common)
            with open(out) as f:
                models.append(json.load(f))
        for m in models[1:]:
            self.assertEqual(m["weights"], models[0]["weights"])
            self.assertEqual(m.get("biases", m.get("bias")), models[0].get("biases", models[0].get("bias")))
        for data, name in ((fwd, "f.json"), (back, "b.json")):
            self.ok("train", data, "-o", self.path(name), "--threads", 2, *common)
        with open(self.path("f.json")) as f, open(self.path("b.json")) as g:
            self.assertNotEqual(json.load(f)["weights"], json.load(g)["weights"])


    def test_a_checkpoint_resumes_to_the_same_bits_and_names_the_option(self):
        """An --exact-sums run stopped after 3 iterations resumes to the uninterrupted run's
        model; resuming it without --exact-sums is refused, naming the option."""
        data = os.path.join(REPO, "data", "a9a.gz")
        ckpt = self.path("c.ckpt")
        self.ok("train", data, "-o", self.path("part.json"), "--exact-sums", "--tol", "1e-10",
                "--max-iter", "3", "--checkpoint", ckpt, "-q")
        self.ok("train", data, "-o", self.path("resumed.json"), "--exact-sums", "--tol", "1e-10",
                "--resume", ckpt, "-q")
        self.ok("train", data, "-o", self.path("full.json"), "--exact-sums", "--tol", "1e-10", "-q")
        with open(self.path("resumed.json")) as f, open(self.path("full.json")) as g:
            a, b = json.load(f), json.load(g)
        self.assertEqual(a["weights"], b["weights"])
        self.assertEqual(a["bias"], b["bias"])
        self.assertTrue(b["training"]["exact_sums"])
        r = self.fails(1, "train", data, "-o", self.path("x.json"), "--resume", ckpt, "-q")
        self.assertIn("exact_sums", r.stderr)


# ---- the objective and regularisation ----------------------------------------------------------

class Regularisation(LogradTest):
    def setUp(self):
        super().setUp()
        self.p = make_problem(m=240, n=4, seed=1, w=(1.5, -1.0, 0.5, 0.0))
        self.data = self.p.write_libsvm(self.path("train.libsvm"))

    def test_matches_python_newton_and_json_summary(self):
        lam = 0.01
        s, model = self.train(self.data, "--lambda", lam, "--tol", "1e-10")
        self.assertTrue(SUMMARY_KEYS <= set(s), f"missing keys {SUMMARY_KEYS - set(s)}")
        self.assertIs(s["converged"], True)
        self.assertIsInstance(s["iterations"], int)
        self.assertGreater(s["passes"], 0)
        self.assertGreaterEqual(s["load_seconds"], 0)
        self.assertGreaterEqual(s["train_seconds"], 0)
        self.assertEqual(s["examples"], self.p.m)
        self.assertEqual(s["features"], self.p.n)
        w, b, F = reference_fit(self.p, lam)
        self.assertVecClose(model["weights"] + [model["bias"]], w + [b], 1e-7,
                            "weights vs a Newton solver in Python")
        self.assertTrue(close(s["objective"], F, 1e-10), (s["objective"], F))
        # The reported objective is F at the saved model.
        self.assertTrue(close(objective(self.p, model["weights"], model["bias"], lam),
                              s["objective"], 1e-12))
        self.assertTrue(close(s["objective_liblinear"], s["objective"] / lam, 1e-12))
        self.assertTrue(close(s["lambda"], lam, 1e-15))
        acc = sum((q > 0.5) == (t == 1) for q, t in zip(model_proba(model, self.p.X), self.p.y))
        self.assertTrue(close(s["train_accuracy"], acc / self.p.m, 1e-12))
        self.assertLessEqual(s["grad_norm"], 1e-10 * s["grad_norm0"])
        self.assertEqual(model["format"], "lograd-model")
        self.assertEqual(model["labels"], ["-1", "1"])
        self.assertIs(model["has_bias"], True)
        self.assertEqual(model["training"]["solver"], "newton")
        # data_bytes: the matrix as stored (sparse: values + column indices + row pointers).
        nnz = sum(1 for x in self.p.X for v in x if v)
        dense = s["storage"].startswith("dense")
        per = 4 if "float32" in s["storage"] else 8
        want = self.p.m * self.p.n * per if dense else nnz * (per + 4) + (self.p.m + 1) * 8
        self.assertEqual(s["data_bytes"], want, s["storage"])

    def test_C_and_lambda_are_the_same_objective(self):
        C = 0.5
        sc, mc = self.train(self.data, "--C", C, "--tol", "1e-10")
        sl, ml = self.train(self.data, "--lambda", repr(1 / (C * self.p.m)), "--tol", "1e-10")
        self.assertModelsEqual(mc, ml, 1e-9, "--C 0.5 vs --lambda 1/(C m)")
        self.assertTrue(close(sc["lambda"], 1 / (C * self.p.m), 1e-14))
        self.assertTrue(close(sc["objective_liblinear"], sc["objective"] / sc["lambda"], 1e-12))
        # LIBLINEAR's form: 0.5 ||w||^2 + C sum log(1 + e^{-y z}).
        w, b = mc["weights"], mc["bias"]
        ll = 0.5 * dot(w, w) + C * sum(log1pexp(-(dot(w, x) + b) if t else dot(w, x) + b)
                                       for x, t in zip(self.p.X, self.p.y))
        self.assertTrue(close(sc["objective_liblinear"], ll, 1e-10), (sc["objective_liblinear"], ll))
        self.assertTrue(close(mc["training"]["C"], C, 1e-12))
        # The default is C = 1.
        sd, md = self.train(self.data, "--tol", "1e-10")
        self.assertTrue(close(sd["lambda"], 1 / self.p.m, 1e-14))
        s1, m1 = self.train(self.data, "--C", 1, "--tol", "1e-10")
        self.assertModelsEqual(md, m1, 1e-12)
        # Larger C, weaker penalty: larger weights.
        s4, m4 = self.train(self.data, "--C", 4, "--tol", "1e-10")
        self.assertGreater(dot(m4["weights"], m4["weights"]), dot(mc["weights"], mc["weights"]))

    def test_lambda_and_C_together_is_an_error(self):
        self.fails(2, "train", self.data, "--lambda", "0.1", "--C", "1", "-o", self.path("x.json"))
        self.assertFalse(os.path.exists(self.path("x.json")))
        # Bad values are usage errors (issue 15, item 9).
        self.fails(2, "train", self.data, "--C", "0", "-o", self.path("x.json"), contains="--C")
        self.fails(2, "train", self.data, "--lambda", "-1", "-o", self.path("x.json"),
                   contains="--lambda")

    def test_no_bias(self):
        lam = 0.02
        s, model = self.train(self.data, "--lambda", lam, "--no-bias", "--tol", "1e-10")
        self.assertIs(model["has_bias"], False)
        self.assertEqual(model["bias"], 0)
        w, b, F = reference_fit(self.p, lam, bias=False)
        self.assertVecClose(model["weights"], w, 1e-7, "--no-bias vs Python")
        self.assertTrue(close(s["objective"], F, 1e-10))
        # With a bias the optimum is lower (the bias is free).
        s2, _ = self.train(self.data, "--lambda", lam, "--tol", "1e-10")
        self.assertLess(s2["objective"], s["objective"])

    def test_lambda_zero_on_separable_data_warns(self):
        p = Problem([[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1])
        data = p.write_libsvm(self.path("sep.libsvm"))
        r = self.ok("train", data, "--lambda", "0", "-o", self.path("sep.json"))
        self.assertIn("separable", r.stderr,
                      "BUG: --lambda 0 on linearly separable data (optimum at infinity) must "
                      "warn 'the data looks linearly separable'; lograd reports 'converged' "
                      "with finite weights and says nothing")
        r = self.ok("train", data, "--lambda", "0", "--json", "-o", self.path("sep.json"))
        self.assertEqual(json.loads(r.stdout).get("warning"), "separable",
                         "BUG: --json must carry \"warning\": \"separable\" here")
        # Regularised, the same data has a finite optimum and no warning.
        r = self.ok("train", data, "--lambda", "0.1", "--tol", "1e-10", "-o", self.path("sep.json"))
        self.assertNotIn("separable", r.stderr)
        w, b, F = reference_fit(p, 0.1)
        self.assertVecClose(read_json(self.path("sep.json"))["weights"], w, 1e-6)


class Sparsity(LogradTest):
    def setUp(self):
        super().setUp()
        # 12 features, only 3 informative: L1 must zero some of the others.
        self.p = make_problem(m=300, n=12, seed=2, w=(2.0, -1.5, 1.0) + (0.0,) * 9)
        self.data = self.p.write_libsvm(self.path("train.libsvm"))

    def zeros(self, model):
        return sum(1 for v in model["weights"] if v == 0.0)

    def test_l1_exact_zeros_and_objective(self):
        lam = 0.02
        s, model = self.train(self.data, "--l1", "--lambda", lam, "--tol", "1e-8")
        self.assertEqual(s["solver"], "lbfgs", "default solver with an L1 term is OWL-QN")
        self.assertGreater(self.zeros(model), 0, f"--l1 gave no exact zeros: {model['weights']}")
        self.assertEqual(model["training"]["l1_ratio"], 1.0)
        F = objective(self.p, model["weights"], model["bias"], lam, l1_ratio=1.0)
        self.assertTrue(close(s["objective"], F, 1e-10), (s["objective"], F))
        # Optimality: nudging any weight (or the bias) does not lower F.
        w, b = model["weights"], model["bias"]
        for j in range(len(w) + 1):
            for h in (1e-4, -1e-4):
                w2, b2 = list(w), b
                if j < len(w):
                    w2[j] += h
                else:
                    b2 += h
                self.assertGreaterEqual(objective(self.p, w2, b2, lam, 1.0), F - 1e-12,
                                        f"F decreases along coordinate {j}: not the optimum")
        # The L2 model has no exact zeros.
        _, l2 = self.train(self.data, "--lambda", lam)
        self.assertEqual(self.zeros(l2), 0)

    def test_l1_objective_and_sparsity_grow_with_lambda(self):
        prev_obj, prev_zeros, prev_norm = -1.0, -1, math.inf
        for lam in (0.001, 0.01, 0.05, 0.1):
            s, model = self.train(self.data, "--l1", "--lambda", lam, "--tol", "1e-8")
            self.assertGreater(s["objective"], prev_obj, f"objective not increasing at {lam}")
            self.assertGreaterEqual(self.zeros(model), prev_zeros, f"fewer zeros at {lam}")
            norm1 = sum(abs(v) for v in model["weights"])
            self.assertLess(norm1, prev_norm, f"||w||_1 not decreasing at {lam}")
            prev_obj, prev_zeros, prev_norm = s["objective"], self.zeros(model), norm1
        # Every weight is 0 exactly when lambda >= ||grad_w f(0, b*)||_inf, b* the best bias
        # alone (the log-odds of the positive class).
        q = sum(self.p.y) / self.p.m
        g = [abs(sum((q - t) * x[j] for x, t in zip(self.p.X, self.p.y)) / self.p.m)
             for j in range(self.p.n)]
        lam_max = max(g)
        s, model = self.train(self.data, "--l1", "--lambda", repr(1.01 * lam_max), "--tol", "1e-8")
        self.assertEqual(self.zeros(model), self.p.n, f"lambda above {lam_max}: all zero")
        self.assertTrue(close(model["bias"], math.log(q / (1 - q)), 1e-6))
        s, model = self.train(self.data, "--l1", "--lambda", repr(0.95 * lam_max), "--tol", "1e-8")
        self.assertEqual(self.zeros(model), self.p.n - 1,
                         "just below lambda_max exactly one weight (the steepest) is non-zero")
        self.assertNotEqual(model["weights"][g.index(lam_max)], 0)

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-train is not installed")
    def test_l1_matches_liblinear(self):
        for C in (0.05, 0.5):
            s, model = self.train(self.data, "--l1", "--C", C, "--no-bias", "--tol", "1e-10")
            want = liblinear_train(self.data, "-s", "6", "-c", C, "-e", "1e-10")
            self.assertVecClose(model["weights"], want, 1e-4, f"--l1 --C {C} vs liblinear-train -s 6")
            lam = 1 / (C * self.p.m)
            F = objective(self.p, want, 0.0, lam, l1_ratio=1.0)
            self.assertLessEqual(s["objective"], F * (1 + 1e-9), "LIBLINEAR found a lower objective")
            self.assertEqual([v == 0 for v in model["weights"]], [v == 0 for v in want],
                             f"--l1 --C {C}: zero pattern differs from LIBLINEAR's")

    def test_elastic_net(self):
        lam = 0.02
        s1, l1 = self.train(self.data, "--l1", "--lambda", lam, "--tol", "1e-9")
        se, e1 = self.train(self.data, "--elastic-net", "1", "--lambda", lam, "--tol", "1e-9")
        self.assertModelsEqual(l1, e1, 1e-6, "--elastic-net 1 vs --l1")
        self.assertTrue(close(s1["objective"], se["objective"], 1e-10))
        s0, e0 = self.train(self.data, "--elastic-net", "0", "--lambda", lam, "--tol", "1e-9")
        _, l2 = self.train(self.data, "--lambda", lam, "--tol", "1e-9")
        self.assertModelsEqual(e0, l2, 1e-6, "--elastic-net 0 vs L2")
        sh, half = self.train(self.data, "--elastic-net", "0.5", "--lambda", lam, "--tol", "1e-9")
        self.assertEqual(half["training"]["l1_ratio"], 0.5)
        F = objective(self.p, half["weights"], half["bias"], lam, l1_ratio=0.5)
        self.assertTrue(close(sh["objective"], F, 1e-10), (sh["objective"], F))
        zeros = [self.zeros(m) for m in (l2, half, l1)]
        self.assertTrue(zeros[0] <= zeros[1] <= zeros[2], zeros)
        norms = [sum(abs(v) for v in m["weights"]) for m in (l2, half, l1)]
        self.assertTrue(norms[0] >= norms[1] >= norms[2], f"||w||_1 not between: {norms}")
        # The proximal gd solver reaches the same elastic-net optimum.
        sg, g = self.train(self.data, "--elastic-net", "0.5", "--lambda", lam, "--solver", "gd",
                           "--tol", "1e-7", "--max-iter", "100000")
        self.assertTrue(close(sg["objective"], sh["objective"], 1e-8), (sg["objective"], sh["objective"]))
        self.assertEqual(self.zeros(g), self.zeros(half))

    def test_bad_penalties(self):
        out = self.path("x.json")
        # Usage errors, status 2 (issue 15, item 9).
        self.fails(2, "train", self.data, "--elastic-net", "1.5", "-o", out, contains="[0, 1]")
        self.fails(2, "train", self.data, "--elastic-net", "abc", "-o", out, contains="--elastic-net")
        self.fails(2, "train", self.data, "--l1", "--elastic-net", "0.5", "-o", out)
        self.fails(2, "train", self.data, "--l1", "--solver", "newton", "-o", out,
                   contains="lbfgs")


# ---- solvers ---------------------------------------------------------------------------------

class Solvers(LogradTest):
    def setUp(self):
        super().setUp()
        self.p = make_problem(m=300, n=5, seed=3)
        self.data = self.p.write_libsvm(self.path("train.libsvm"))
        self.lam = 0.01

    def newton(self):
        return self.train(self.data, "--lambda", self.lam, "--tol", "1e-10", "--solver", "newton")

    def test_every_solver_reaches_the_optimum(self):
        s_ref, m_ref = self.newton()
        F = s_ref["objective"]
        self.assertTrue(close(F, reference_fit(self.p, self.lam)[2], 1e-10))
        # (solver, extra options, relative tolerance on the objective)
        cases = [("lbfgs", ["--tol", "1e-8"], 1e-10),
                 ("gd", ["--tol", "1e-6", "--max-iter", "100000"], 1e-8),
                 ("momentum", ["--epochs", "300", "--batch-size", "300", "--lr", "0.5"], 1e-8),
                 ("adam", ["--epochs", "800", "--batch-size", "300", "--lr", "0.05"], 1e-5),
                 ("sgd", ["--epochs", "300", "--batch-size", "30", "--lr", "0.05"], 1e-3),
                 ("momentum", ["--epochs", "200", "--batch-size", "30", "--lr", "0.01"], 1e-3),
                 ("adam", ["--epochs", "200", "--batch-size", "30", "--lr", "0.005"], 1e-3)]
        for solver, extra, rtol in cases:
            with self.subTest(solver=solver, extra=extra):
                s, model = self.train(self.data, "--lambda", self.lam, "--solver", solver, *extra)
                self.assertEqual(s["solver"], solver)
                self.assertEqual(model["training"]["solver"], solver)
                self.assertGreaterEqual(s["objective"], F * (1 - 1e-12), "below the optimum?")
                self.assertLessEqual(s["objective"] - F, rtol * F,
                                     f"{solver}: objective {s['objective']!r}, newton {F!r}")
                self.assertTrue(close(objective(self.p, model["weights"], model["bias"], self.lam),
                                      s["objective"], 1e-10),
                                "the reported objective is F at the saved model")

    def test_lr_one_gd_step_is_minus_lr_times_the_gradient(self):
        lr = 0.7
        _, model = self.train(self.data, "--lambda", self.lam, "--solver", "gd", "--lr", lr,
                              "--max-iter", "1")
        m = self.p.m
        g = [sum((0.5 - t) * x[j] for x, t in zip(self.p.X, self.p.y)) / m
             for j in range(self.p.n)]
        gb = sum(0.5 - t for t in self.p.y) / m
        self.assertVecClose(model["weights"] + [model["bias"]], [-lr * v for v in g + [gb]], 1e-12,
                            "one gd step from 0 must be w = -lr grad F(0)")
        # The default step is 1/L, L the largest curvature at 0: (1/4m) A^T A + lambda I.
        _, d = self.train(self.data, "--lambda", self.lam, "--solver", "gd", "--max-iter", "1")
        lr0 = -d["bias"] / gb
        A = [x + [1.0] for x in self.p.X]
        v = [1.0] * (self.p.n + 1)
        for _ in range(200):  # power iteration
            Av = [dot(a, v) for a in A]
            hv = [sum(a[j] * q for a, q in zip(A, Av)) / (4 * m) + (self.lam * v[j] if j < self.p.n
                                                                      else 0.0)
                  for j in range(self.p.n + 1)]
            L = math.sqrt(dot(hv, hv))
            v = [h / L for h in hv]
        self.assertTrue(0.85 <= lr0 * L <= 1.0, f"default gd step {lr0} is not about 1/L = {1 / L}")
        self.assertVecClose(d["weights"], [-lr0 * v for v in g], 1e-12)

    def test_first_steps_of_momentum_and_adam(self):
        m = self.p.m
        g = [sum((0.5 - t) * x[j] for x, t in zip(self.p.X, self.p.y)) / m
             for j in range(self.p.n)] + [sum(0.5 - t for t in self.p.y) / m]
        # Momentum from rest: the first step is a gd step.
        _, mom = self.train(self.data, "--lambda", self.lam, "--solver", "momentum", "--lr", "0.3",
                            "--epochs", "1", "--batch-size", m)
        self.assertVecClose(mom["weights"] + [mom["bias"]], [-0.3 * v for v in g], 1e-12)
        # Adam's first step is lr * sign(g) (bias-corrected moments: g / |g|), default lr 0.01.
        _, adam = self.train(self.data, "--lambda", self.lam, "--solver", "adam", "--epochs", "1",
                             "--batch-size", m)
        want = [-0.01 * v / (abs(v) + 1e-8) for v in g]
        self.assertVecClose(adam["weights"] + [adam["bias"]], want, 1e-9,
                            "adam's first step with the default --lr 0.01")
        _, adam2 = self.train(self.data, "--lambda", self.lam, "--solver", "adam", "--epochs", "1",
                              "--batch-size", m, "--lr", "0.2")
        self.assertVecClose(adam2["weights"] + [adam2["bias"]], [20 * v for v in want], 1e-9)

    def test_batch_size_full_batch_sgd_equals_gd(self):
        lr = 0.5
        s1, gd = self.train(self.data, "--lambda", self.lam, "--solver", "gd", "--lr", lr,
                            "--max-iter", "5", "--tol", "1e-12")
        s2, sgd = self.train(self.data, "--lambda", self.lam, "--solver", "sgd", "--lr", lr,
                             "--epochs", "5", "--batch-size", self.p.m, "--tol", "1e-12")
        self.assertEqual(s1["iterations"], 5)
        self.assertEqual(s2["iterations"], 5)
        self.assertModelsEqual(gd, sgd, 1e-12, "sgd with --batch-size m must be gd")
        # Smaller batches take more steps per epoch: after one epoch, a different point.
        _, small = self.train(self.data, "--lambda", self.lam, "--solver", "sgd", "--lr", lr,
                              "--epochs", "1", "--batch-size", "10")
        _, full1 = self.train(self.data, "--lambda", self.lam, "--solver", "sgd", "--lr", lr,
                              "--epochs", "1", "--batch-size", self.p.m)
        self.assertGreater(max_diff(small["weights"], full1["weights"]), 1e-3)
        # --batch-size 1 on two rows: two steps of w <- w - lr (sigma(z) - t) x, one per row,
        # in one of the two orders.
        two = Problem([[1.0, 2.0], [-0.5, 1.5]], [1, 0])
        data = two.write_libsvm(self.path("two.libsvm"))
        _, m2 = self.train(data, "--lambda", "0", "--solver", "sgd", "--lr", lr, "--epochs", "1",
                           "--batch-size", "1")

        def steps(order):
            v = [0.0, 0.0, 0.0]
            for i in order:
                a = two.X[i] + [1.0]
                r = sigmoid(dot(v, a)) - two.y[i]
                v = [vj - lr * r * aj for vj, aj in zip(v, a)]
            return v

        got = m2["weights"] + [m2["bias"]]
        self.assertLessEqual(min(max_diff(got, steps(o)) for o in ((0, 1), (1, 0))), 1e-12,
                             f"--batch-size 1: {got} is neither order of two sgd steps "
                             f"{steps((0, 1))} / {steps((1, 0))}")

    def test_epochs_and_max_iter(self):
        for solver in ("gd", "sgd", "momentum", "adam"):
            s, _ = self.train(self.data, "--lambda", self.lam, "--solver", solver, "--epochs", "7",
                              "--tol", "1e-14")
            self.assertEqual(s["iterations"], 7, solver)
            self.assertIs(s["converged"], False)
        s, _ = self.train(self.data, "--solver", "gd", "--epochs", "9", "--max-iter", "4",
                          "--tol", "1e-14")
        self.assertEqual(s["iterations"], 4, "--epochs and --max-iter: the smaller wins")

    def test_threads(self):
        # Repeatable for a given thread count, and the same optimum whatever the count.
        big = make_problem(m=6000, n=5, seed=21, w=(1.0, -0.5, 0.25, 0.0, 2.0))
        data = big.write_libsvm(self.path("big.libsvm"))
        _, a = self.train(data, "--threads", "2", "--tol", "1e-10")
        _, b = self.train(data, "--threads", "2", "--tol", "1e-10")
        _, c = self.train(data, "--threads", "1", "--tol", "1e-10")
        self.assertEqual(a["weights"], b["weights"])
        self.assertModelsEqual(a, c, 1e-9)

    def test_seed(self):
        args = ["--lambda", self.lam, "--solver", "sgd", "--epochs", "3", "--batch-size", "16"]
        _, a = self.train(self.data, *args, "--seed", "7")
        _, b = self.train(self.data, *args, "--seed", "7")
        _, c = self.train(self.data, *args, "--seed", "8")
        self.assertEqual(a["weights"], b["weights"], "same seed must give the same model")
        self.assertEqual(a["bias"], b["bias"])
        self.assertGreater(max_diff(a["weights"], c["weights"]), 1e-6,
                           "a different seed must shuffle differently")
        # Deterministic solvers ignore the seed.
        _, n1 = self.train(self.data, "--seed", "1")
        _, n2 = self.train(self.data, "--seed", "2")
        self.assertEqual(n1["weights"], n2["weights"])

    def test_max_iter_stops_and_advises(self):
        out = self.path("mi.json")
        r = self.ok("train", self.data, "--solver", "newton", "--max-iter", "2", "--tol", "1e-14",
                    "-o", out)
        m = read_json(out)
        self.assertEqual(m["training"]["iterations"], 2)
        self.assertIs(m["training"]["converged"], False)
        self.assertEqual(m["training"]["stop_reason"], "max_iter")
        self.assertIn("stopped after 2 iterations", r.stdout)
        self.assertIn("warning", r.stderr)
        self.assertIn("--max-iter", r.stderr)
        self.assertIn("raise --max-iter", r.stderr, "the warning should give advice")
        s, _ = self.train(self.data, "--solver", "gd", "--max-iter", "3", "--tol", "1e-14")
        self.assertEqual((s["iterations"], s["converged"], s["stop_reason"]), (3, False, "max_iter"))
        # A converged run prints no warning.
        r = self.ok("train", self.data, "-o", out)
        self.assertNotIn("warning", r.stderr)
        self.assertIn("converged", r.stdout)

    def test_tol(self):
        loose, _ = self.train(self.data, "--solver", "gd", "--tol", "1e-2", "--max-iter", "100000")
        tight, _ = self.train(self.data, "--solver", "gd", "--tol", "1e-6", "--max-iter", "100000")
        for s, tol in ((loose, 1e-2), (tight, 1e-6)):
            self.assertIs(s["converged"], True)
            self.assertLessEqual(s["grad_norm"], tol * s["grad_norm0"])
        self.assertLess(loose["iterations"], tight["iterations"])
        self.assertGreater(loose["grad_norm"], 1e-6 * loose["grad_norm0"],
                           "a loose --tol should stop early")
        self.assertGreaterEqual(loose["objective"], tight["objective"])

    def test_max_seconds(self):
        a9a = dataset("a9a")
        args = ["--solver", "gd", "--tol", "1e-14", "--max-iter", "100000000", "--max-seconds",
                "0.5"]
        s, _ = self.train(a9a, *args, timeout=120)
        self.assertEqual(s["stop_reason"], "max_seconds")
        self.assertIs(s["converged"], False)
        self.assertLess(s["iterations"], 100000000)
        self.assertGreaterEqual(s["train_seconds"], 0.5)
        self.assertLess(s["train_seconds"], 30, "--max-seconds 0.5 did not stop training")
        r = self.ok("train", a9a, *args, "-o", self.path("ms.json"), timeout=120)
        self.assertIn("warning", r.stderr)
        self.assertIn("--max-seconds", r.stderr, "the warning should name the limit and advise")

    def test_diverging_lr_is_reported(self):
        r = run("train", self.data, "--solver", "gd", "--lr", "1e300", "--lambda", "1", "--json",
                "-o", self.path("div.json"))
        # Exit status 3 (documented in `lograd --help`): the run diverged, and the model holds
        # the last finite parameters.
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("diverged", r.stderr)
        self.assertIn("Lower --lr", r.stderr)
        with open(self.path("div.json")) as f:
            model = json.load(f)
        self.assertTrue(all(math.isfinite(v) for v in model["weights"]))


# ---- standardisation -------------------------------------------------------------------------

class Standardize(LogradTest):
    def setUp(self):
        super().setUp()
        p = make_problem(m=200, n=4, seed=4, w=(1.0, -1.0, 0.5, 2.0))
        # Badly scaled, off-centre columns.
        scales, shifts = (1000.0, 0.01, 1.0, 50.0), (5000.0, -3.0, 0.0, 100.0)
        p.X = [[round(v * sc + sh, 6) for v, sc, sh in zip(x, scales, shifts)] for x in p.X]
        self.p = p
        self.data = p.write_csv(self.path("raw.csv"))

    def stats(self):
        m = self.p.m
        mean = [sum(x[j] for x in self.p.X) / m for j in range(self.p.n)]
        std = [math.sqrt(sum((x[j] - mean[j]) ** 2 for x in self.p.X) / m) for j in range(self.p.n)]
        return mean, std

    def check(self, bias):
        extra = [] if bias else ["--no-bias"]
        s, model = self.train(self.data, "--standardize", "--C", "1", "--tol", "1e-10", *extra,
                              name="std.json")
        st = model["standardize"]
        self.assertIsNotNone(st, "model JSON must hold the standardisation")
        mean, std = self.stats()
        self.assertVecClose(st["scale"], std, 1e-9 * max(std))
        if bias:
            self.assertVecClose(st["mean"], mean, 1e-9 * max(map(abs, mean)))
        else:
            self.assertEqual(st["mean"], [0.0] * self.p.n, "without a bias: scale only")
            mean = [0.0] * self.p.n
        self.assertIs(model["training"]["standardize"], True)
        # The same model as training on data standardised by hand.
        q = Problem([[(v - mu) / sd for v, mu, sd in zip(x, mean, std)] for x in self.p.X],
                    self.p.y)
        manual = q.write_csv(self.path("manual.csv"))
        s2, m2 = self.train(manual, "--C", "1", "--tol", "1e-10", *extra, name="manual.json")
        self.assertIsNone(m2["standardize"])
        self.assertModelsEqual(model, m2, 1e-6, "--standardize vs standardised by hand")
        self.assertTrue(close(s["objective"], s2["objective"], 1e-9))
        pa = self.proba(self.path("std.json"), self.data)
        pb = self.proba(self.path("manual.json"), manual)
        self.assertVecClose(pa, pb, 1e-8, "predictions on raw data vs on hand-standardised data")
        self.assertVecClose(pa, model_proba(model, self.p.X), 1e-9)
        # Sparse storage stays sparse (centring is folded into the bias): the same model.
        s3, m3 = self.train(self.data, "--standardize", "--C", "1", "--tol", "1e-10", *extra,
                            "--storage", "sparse")
        self.assertTrue(s3["storage"].startswith("sparse"), s3["storage"])
        self.assertModelsEqual(m3, model, 1e-9, "--standardize on sparse vs dense storage")

    def test_with_bias(self):
        self.check(bias=True)

    def test_without_bias(self):
        self.check(bias=False)

    def test_standardize_helps_gd_on_badly_scaled_data(self):
        raw, _ = self.train(self.data, "--solver", "gd", "--max-iter", "300", "--tol", "1e-6")
        std, _ = self.train(self.data, "--solver", "gd", "--max-iter", "300", "--tol", "1e-6",
                            "--standardize")
        self.assertIs(std["converged"], True, "gd on standardised data should converge quickly")
        self.assertLess(std["iterations"], raw["iterations"])

    def test_kddcup_converges(self):
        data = dataset("kddcup99_10pct_binary.libsvm.gz")
        s, model = self.train(data, "--C", "1", "--no-bias", "--standardize", timeout=600)
        self.assertIs(s["converged"], True, f"kddcup99 --standardize did not converge: {s}")
        self.assertEqual(s["examples"], 494021)
        self.assertEqual(s["features"], 118)
        self.assertGreater(s["train_accuracy"], 0.99)
        self.assertIn("sparse", s["storage"], "sparse data stays sparse under --standardize")
        self.assertEqual(len(model["standardize"]["scale"]), 118)
        self.assertTrue(close(s["objective_liblinear"], s["objective"] / s["lambda"], 1e-12))


# ---- weights -----------------------------------------------------------------------------------

class Weights(LogradTest):
    def setUp(self):
        super().setUp()
        # Imbalanced: 40 positives, 160 negatives, overlapping.
        self.p = make_problem(m=200, n=3, seed=5, w=(1.0, -1.0, 0.5), positive=40)
        self.data = self.p.write_libsvm(self.path("train.libsvm"))

    def dup(self, p, times):
        """Rows repeated times[i] times."""
        idx = [i for i in range(p.m) for _ in range(times[i])]
        return p.rows(idx)

    def test_class_weight_integers_equal_duplicating_rows(self):
        _, cw = self.train(self.data, "--class-weight", "1,3", "--C", "1", "--tol", "1e-10")
        q = self.dup(self.p, [3 if t else 1 for t in self.p.y])
        _, dm = self.train(q.write_libsvm(self.path("dup.libsvm")), "--C", "1", "--tol", "1e-10")
        self.assertModelsEqual(cw, dm, 1e-7, "--class-weight 1,3 vs positive rows tripled")
        self.assertEqual(cw["training"]["class_weight"], "1,3")

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-train is not installed")
    def test_class_weight_and_C_match_liblinear(self):
        for C, w0, w1 in ((1, 1, 3), (0.3, 2, 0.5)):
            _, model = self.train(self.data, "--class-weight", f"{w0},{w1}", "--C", C, "--no-bias",
                                  "--tol", "1e-10")
            want = liblinear_train(self.data, "-s", "0", "-c", C, "-w-1", w0, "-w1", w1,
                                   "-e", "1e-8")
            self.assertVecClose(model["weights"], want, 1e-5,
                                f"--C {C} --class-weight {w0},{w1} vs liblinear-train")

    def test_balanced(self):
        m, mp = self.p.m, sum(self.p.y)
        wn, wp = m / (2 * (m - mp)), m / (2 * mp)
        _, bal = self.train(self.data, "--class-weight", "balanced", "--tol", "1e-10")
        _, explicit = self.train(self.data, "--class-weight", f"{wn!r},{wp!r}", "--tol", "1e-10")
        self.assertModelsEqual(bal, explicit, 1e-9, "balanced vs m/(2 m_c) given explicitly")
        _, plain = self.train(self.data, "--tol", "1e-10")
        npos = lambda model: sum(q > 0.5 for q in model_proba(model, self.p.X))
        self.assertGreater(npos(bal), npos(plain), "balanced weights should predict the minority "
                                                   "(positive) class more often")
        self.assertGreater(bal["bias"], plain["bias"])
        pred = self.predict(self.path(self.last_model(bal)), self.data)
        self.assertEqual(sum(1 for v in pred if v == "1"), npos(bal))

    def last_model(self, model):
        for f in os.listdir(self.dir):
            if f.endswith(".json") and read_json(self.path(f)) == model:
                return f
        self.fail("model file not found")

    def test_bad_class_weight(self):
        for bad in ("1", "a,b", "1,-1", "0,1", "1,2,-3"):
            self.fails(2, "train", self.data, "--class-weight", bad, "-o", self.path("x.json"),
                       contains="--class-weight")

    def test_sample_weight_column(self):
        rng = random.Random(9)
        p = self.p
        p.s = [float(rng.choice((0, 1, 1, 2, 3))) for _ in range(p.m)]
        data = p.write_csv(self.path("w.csv"), weights=True)  # header: weight,x1,x2,x3,label
        _, byname = self.train(data, "--sample-weight-column", "weight", "--C", "1", "--tol", "1e-10")
        _, byidx = self.train(data, "--sample-weight-column", "1", "--C", "1", "--tol", "1e-10")
        self.assertModelsEqual(byname, byidx, 1e-12)
        self.assertEqual(byname["n_features"], 3, "the weight column is not a feature")
        kinds = [c["kind"] for c in byname["encoding"]["columns"]]
        self.assertEqual(kinds, ["weight", "numeric", "numeric", "numeric", "label"])
        q = self.dup(Problem(p.X, p.y), [int(v) for v in p.s])
        _, dm = self.train(q.write_csv(self.path("dup.csv")), "--C", "1", "--tol", "1e-10")
        self.assertModelsEqual(byname, dm, 1e-7, "weight k must equal the row repeated k times")
        # The objective is the weighted mean over the m rows.
        lam = 1 / p.m
        self.assertTrue(close(byname["training"]["objective"],
                              objective(p, byname["weights"], byname["bias"], lam), 1e-10))
        # Without the option the column is a feature.
        _, nw = self.train(data, "--C", "1")
        self.assertEqual(nw["n_features"], 4)
        # A negative weight is an error naming the place.
        with open(data) as f:
            lines = f.read().splitlines()
        lines[3] = "-1" + lines[3][lines[3].index(","):]
        bad = self.path("neg.csv")
        with open(bad, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.fails(1, "train", bad, "--sample-weight-column", "weight", "-o", self.path("x.json"),
                   contains=[f"{bad}:4:1", "negative"])
        self.fails(1, "train", data, "--sample-weight-column", "nosuch", "-o", self.path("x.json"),
                   contains="nosuch")


# ---- the training workflow: cv, test, init, curve, output --------------------------------------

class Workflow(LogradTest):
    def setUp(self):
        super().setUp()
        self.p = make_problem(m=200, n=4, seed=6, w=(1.0, -1.5, 0.7, 0.0))
        self.data = self.p.write_libsvm(self.path("train.libsvm"))
        self.t = make_problem(m=100, n=4, seed=7, w=(1.0, -1.5, 0.7, 0.0))
        self.test_data = self.t.write_libsvm(self.path("test.libsvm"))

    def test_cv(self):
        K = 5
        s, _ = self.train(self.data, "--cv", K)
        self.assertEqual(len(s["cv"]), K)
        counts = [f["count"] for f in s["cv"]]
        self.assertEqual(sum(counts), self.p.m, "the folds must partition the data")
        self.assertTrue(all(c in (self.p.m // K, -(-self.p.m // K)) for c in counts), counts)
        for f in s["cv"]:
            self.assertTrue(METRIC_KEYS <= set(f))
            cm = f["confusion"]
            self.assertEqual(sum(map(sum, cm)), f["count"])
            self.assertTrue(close(f["accuracy"], (cm[0][0] + cm[1][1]) / f["count"], 1e-12))
        r = self.ok("train", self.data, "--cv", K, "-o", self.path("cv.json"))
        line = [l for l in r.stdout.splitlines() if l.startswith("cv")]
        self.assertEqual(len(line), 1, r.stdout)
        accs = [float(v) for v in re.search(r"accuracy((?: [\d.]+)+);", line[0]).group(1).split()]
        self.assertEqual(len(accs), K, line[0])
        self.assertVecClose(accs, [f["accuracy"] for f in s["cv"]], 1e-4)
        # The folds depend on --seed, not on chance.
        s1, _ = self.train(self.data, "--cv", K, "--seed", "3")
        s2, _ = self.train(self.data, "--cv", K, "--seed", "3")
        s3, _ = self.train(self.data, "--cv", K, "--seed", "4")
        self.assertEqual(s1["cv"], s2["cv"])
        self.assertNotEqual([f["confusion"] for f in s1["cv"]], [f["confusion"] for f in s3["cv"]],
                            "--seed should change the folds")

    def test_cv_leave_one_out_matches_python(self):
        p = make_problem(m=24, n=2, seed=8, w=(1.0, -1.0), b=0.0)
        data = p.write_libsvm(self.path("loo.libsvm"))
        lam = 0.05
        s, _ = self.train(data, "--cv", p.m, "--lambda", lam, "--tol", "1e-10")
        self.assertEqual([f["count"] for f in s["cv"]], [1] * p.m)
        got = sum(f["accuracy"] for f in s["cv"])
        want = 0
        for i in range(p.m):
            w, b, _ = reference_fit(p.rows([k for k in range(p.m) if k != i]), lam)
            want += (sigmoid(dot(w, p.X[i]) + b) > 0.5) == (p.y[i] == 1)
        self.assertEqual(got, want, "leave-one-out: correct predictions differ from Python's")
        self.fails(2, "train", data, "--cv", p.m + 1, "-o", self.path("x.json"), contains="--cv")

    def test_test_file_metrics(self):
        s, model = self.train(self.data, "--test", self.test_data, name="model.json")
        t = s["test"]
        self.assertTrue(METRIC_KEYS <= set(t))
        want = metrics(self.t.y, model_proba(model, self.t.X))
        self.assertEqual(t["count"], self.t.m)
        self.assertEqual(t["confusion"], want["confusion"])
        for k in ("accuracy", "log_loss", "roc_auc", "precision", "recall", "f1"):
            self.assertTrue(close(t[k], want[k], 1e-9), (k, t[k], want[k]))
        e = json.loads(self.ok("eval", "-m", self.path("model.json"), self.test_data, "--json").stdout)
        for k in ("count", "accuracy", "log_loss", "roc_auc", "precision", "recall", "f1"):
            self.assertTrue(close(e[k], t[k], 1e-12), k)
        tr = metrics(self.p.y, model_proba(model, self.p.X))
        self.assertTrue(close(s["train"]["roc_auc"], tr["roc_auc"], 1e-9))
        r = self.ok("train", self.data, "--test", self.test_data, "-o", self.path("x.json"))
        self.assertRegex(r.stdout, r"test\s+.*accuracy %.4f%%" % (100 * t["accuracy"]))

    def test_init_warm_start(self):
        s1, _ = self.train(self.data, "--tol", "1e-9", name="opt.json")
        s2, m2 = self.train(self.data, "--tol", "1e-9", "--init", self.path("opt.json"))
        self.assertLessEqual(s2["iterations"], 1, "warm start from the optimum")
        self.assertTrue(close(s2["objective"], s1["objective"], 1e-12))
        self.assertLess(s2["passes"], s1["passes"])
        # From a half-trained model it converges faster than from zero.
        self.train(self.data, "--max-iter", "2", "--tol", "1e-14", name="half.json")
        s3, _ = self.train(self.data, "--tol", "1e-9", "--init", self.path("half.json"))
        self.assertLess(s3["iterations"], s1["iterations"])
        self.assertTrue(close(s3["objective"], s1["objective"], 1e-10))
        # The warm start is mapped through --standardize (raw weights are what carries over).
        self.train(self.data, "--standardize", "--tol", "1e-9", name="std.json")
        s4, _ = self.train(self.data, "--tol", "1e-9", "--init", self.path("std.json"))
        self.assertLessEqual(s4["iterations"], s1["iterations"])
        s5, _ = self.train(self.data, "--standardize", "--tol", "1e-9", "--init",
                           self.path("std.json"))
        self.assertLessEqual(s5["iterations"], 1)
        # Data with more features than the --init model is refused.
        other = make_problem(m=50, n=3, seed=1, w=(1,) * 3).write_libsvm(self.path("o.libsvm"))
        self.train(other, name="other.json")
        self.fails(1, "train", self.data, "--init", self.path("other.json"), "-o",
                   self.path("x.json"), contains="features")
        # LIBSVM data narrower than the model is read with the model's width (absent = 0).
        wide = make_problem(m=50, n=6, seed=1, w=(1,) * 6).write_libsvm(self.path("w.libsvm"))
        self.train(wide, name="wide.json")
        s6, m6 = self.train(self.data, "--init", self.path("wide.json"), "--tol", "1e-9")
        self.assertEqual(s6["features"], 6)
        self.assertVecClose(m6["weights"][4:], [0.0, 0.0], 1e-6, "all-zero columns")
        self.assertModelsEqual({"weights": m6["weights"][:4], "bias": m6["bias"]},
                               read_json(self.path("opt.json")), 1e-6)

    def test_cache(self):
        cache = self.path("d.lgb")
        s1, m1 = self.train(self.data, "--cache", cache, "--tol", "1e-9")
        self.assertEqual(s1["cache"], "written")
        self.assertTrue(os.path.exists(cache))
        s2, m2 = self.train(self.data, "--cache", cache, "--tol", "1e-9")
        self.assertEqual(s2["cache"], "loaded")
        self.assertEqual(m1["weights"], m2["weights"], "the cache holds the same data")
        # The cache is a plain binary cache: train reads it directly too.
        _, m3 = self.train(cache, "--tol", "1e-9")
        self.assertEqual(m3["weights"], m1["weights"])
        # Other reading options, or a changed data file, make a new cache.
        s4, _ = self.train(self.data, "--cache", cache, "--dtype", "float32", "--tol", "1e-9")
        self.assertEqual(s4["cache"], "written")
        self.assertIn("float32", s4["storage"])
        q = make_problem(m=80, n=4, seed=9, w=(1, -1, 0.5, 2))
        changed = q.write_libsvm(self.path("changing.libsvm"))
        s5, _ = self.train(changed, "--cache", cache)
        self.assertEqual((s5["cache"], s5["examples"]), ("written", 80))
        q = make_problem(m=90, n=4, seed=9, w=(1, -1, 0.5, 2))
        q.write_libsvm(changed)
        os.utime(changed, ns=(1, 1))  # a different modification time as well as size
        s6, _ = self.train(changed, "--cache", cache)
        self.assertEqual((s6["cache"], s6["examples"]), ("written", 90))
        # A damaged cache is not trusted: it is rebuilt.
        with open(cache, "r+b") as f:
            f.seek(20)
            f.write(b"garbage!")
        s7, _ = self.train(changed, "--cache", cache)
        self.assertEqual((s7["cache"], s7["examples"]), ("written", 90))
        # The text summary says where the data came from.
        r = self.ok("train", changed, "--cache", cache, "-o", self.path("t.json"))
        self.assertIn(f"(from the cache {cache})", r.stdout)

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-train is not installed")
    def test_init_from_liblinear_model(self):
        for labels in (("-1", "+1"), ("0", "1")):
            for first in (1, 0):  # LIBLINEAR lists 0/1 labels in order of first appearance
                order = sorted(range(self.p.m), key=lambda i: self.p.y[i] != first)
                data = self.p.rows(order).write_libsvm(self.path("ord.libsvm"), labels=labels)
                ll = self.path("ll.model")
                subprocess.run([LIBLINEAR_TRAIN, "-s", "0", "-c", "1", "-e", "1e-8", "-q", data,
                                ll], check=True, capture_output=True)
                with open(ll) as f:
                    label_line = [l.strip() for l in f if l.startswith("label")][0]
                s0, _ = self.train(data, "--C", "1", "--no-bias", "--tol", "1e-8")
                r = run("train", data, "--C", "1", "--no-bias", "--tol", "1e-8", "--init", ll,
                        "--json", "-o", self.path("w.json"))
                self.assertEqual(r.returncode, 0,
                                 f"BUG: --init with a LIBLINEAR model of the same data whose "
                                 f"header says '{label_line}' must warm-start (the classes are "
                                 f"the same, only listed in LIBLINEAR's order); got: {r.stderr}")
                s = json.loads(r.stdout)
                self.assertLessEqual(s["iterations"], 2, label_line)
                self.assertTrue(close(s["objective"], s0["objective"], 1e-9), label_line)

    def test_curve_csv(self):
        curve = self.path("curve.csv")
        s, _ = self.train(self.data, "--tol", "1e-10", "--curve", curve)
        with open(curve) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0]), ["iteration", "objective", "grad_norm", "seconds"])
        its = [int(r["iteration"]) for r in rows]
        self.assertEqual(its, list(range(s["iterations"] + 1)))
        objs = [float(r["objective"]) for r in rows]
        self.assertTrue(all(b <= a * (1 + 1e-15) for a, b in zip(objs, objs[1:])),
                        f"newton not monotone: {objs}")
        self.assertTrue(close(objs[-1], s["objective"], 1e-14))
        self.assertTrue(close(objs[0], math.log(2), 1e-12), "F(0) = log 2")
        self.assertTrue(close(float(rows[0]["grad_norm"]), s["grad_norm0"], 1e-12))
        self.assertTrue(close(float(rows[-1]["grad_norm"]), s["grad_norm"], 1e-12))
        secs = [float(r["seconds"]) for r in rows]
        self.assertEqual(secs, sorted(secs))
        r = self.ok("train", self.data, "--curve", curve, "-o", self.path("x.json"))
        self.assertIn(f"curve     {curve}", r.stdout)

    def test_curve_svg(self):
        svg = self.path("curve.svg")
        s, _ = self.train(self.data, "--curve", svg)
        with open(svg) as f:
            text = f.read()
        self.assertTrue(text.lstrip().startswith("<svg"), text[:100])
        self.assertTrue(text.rstrip().endswith("</svg>"))
        lines = re.findall(r"<polyline[^>]*points='([^']*)'", text)
        self.assertEqual(len(lines), 2, "objective and gradient-norm panels")
        pts = [tuple(map(float, p.split(","))) for p in lines[0].split()]
        self.assertEqual(len(pts), s["iterations"] + 1)
        xs = [x for x, _ in pts]
        self.assertEqual(xs, sorted(xs))
        ys = [y for _, y in pts]  # SVG y grows downwards: a falling objective rises in y
        self.assertTrue(all(b >= a for a, b in zip(ys, ys[1:])), ys)
        self.fails(2, "train", self.data, "--curve", self.path("c.png"), "-o", self.path("x.json"),
                   contains=".svg")

    def test_quiet_and_progress_on_a_terminal(self):
        import pty
        data = dataset("a9a")

        def stderr_on_tty(*args):
            master, slave = pty.openpty()
            proc = subprocess.Popen([LOGRAD, "train", data, *args, "-o", self.path("t.json")],
                                    stdout=subprocess.PIPE, stderr=slave, text=True)
            os.close(slave)
            chunks = []
            while True:
                try:
                    b = os.read(master, 65536)
                except OSError:
                    break
                if not b:
                    break
                chunks.append(b)
            out = proc.communicate(timeout=120)[0]
            os.close(master)
            self.assertEqual(proc.returncode, 0)
            return out, b"".join(chunks).decode(errors="replace")

        out, err = stderr_on_tty("--tol", "1e-8")
        self.assertIn("\033[K", err, "a terminal should show the progress line")
        self.assertIn("iter", err)
        qout, qerr = stderr_on_tty("--tol", "1e-8", "--quiet")
        self.assertNotIn("\033", qerr, "--quiet must not draw the progress line")
        strip = lambda s: [re.sub(r"[\d.]+ s\b|[\d.]+ s,", "", l) for l in s.splitlines()]
        self.assertEqual(strip(out), strip(qout), "--quiet prints the same summary")
        self.assertIn("objective", qout)
        jout, jerr = stderr_on_tty("--tol", "1e-8", "-q", "--json")
        self.assertNotIn("\033", jerr)
        self.assertIn("objective", json.loads(jout))

    def test_text_summary_agrees_with_json(self):
        s, _ = self.train(self.data, "--C", "2")
        r = self.ok("train", self.data, "--C", "2", "-o", self.path("x.json"))
        out = r.stdout
        self.assertEqual(r.stderr, "")
        obj = float(re.search(r"result\s+objective (\S+)", out).group(1))
        self.assertTrue(close(obj, s["objective"], 1e-11))
        lib = float(re.search(r"LIBLINEAR form .*: (\S+)\)", out).group(1))
        self.assertTrue(close(lib, s["objective_liblinear"], 1e-11))
        acc = float(re.search(r"train\s+accuracy ([\d.]+)%", out).group(1))
        self.assertAlmostEqual(acc, 100 * s["train_accuracy"], places=3)
        self.assertIn(f"{self.p.m} examples x {self.p.n} features", out)
        self.assertIn("C = 2", out)

    def test_output_path_and_default_name(self):
        out = self.path("sub.json")
        r = self.ok("train", self.data, "-o", out)
        self.assertIn(f"model     {out}", r.stdout)
        m = read_json(out)
        r = self.ok("train", self.data, "--out", self.path("long.json"))
        self.assertEqual(read_json(self.path("long.json"))["weights"], m["weights"])
        cwd = self.path("cwd")
        os.mkdir(cwd)
        r = self.ok("train", self.data, cwd=cwd)
        self.assertTrue(os.path.exists(os.path.join(cwd, "train.libsvm.model.json")),
                        f"default model name: {os.listdir(cwd)}")
        self.assertEqual(read_json(os.path.join(cwd, "train.libsvm.model.json"))["weights"],
                         m["weights"])
        r = self.ok("train", self.data, "--json", cwd=cwd)
        self.assertEqual(json.loads(r.stdout)["model"], "train.libsvm.model.json")
        self.fails(2, "train", self.data, "-o", self.path("no/such/dir/m.json"))


# ---- CSV reading options -----------------------------------------------------------------------

class CsvOptions(LogradTest):
    def setUp(self):
        super().setUp()
        self.p = make_problem(m=150, n=3, seed=10, w=(1.0, -1.0, 0.5))
        self.p.names = ("no", "yes")
        self.ref_data = self.p.write_csv(self.path("ref.csv"))
        self.ref, self.ref_model = self.train(self.ref_data, "--tol", "1e-10", name="ref.json")

    def same(self, data, *args, what=""):
        s, model = self.train(data, "--tol", "1e-10", *args)
        self.assertEqual(model["labels"], ["no", "yes"], what)
        self.assertModelsEqual(model, self.ref_model, 1e-9, what)
        self.assertEqual(s["examples"], self.p.m, what)
        return s, model

    def test_header(self):
        self.assertIs(self.ref_model["encoding"]["header"], True, "a header is auto-detected")
        self.assertEqual(self.ref_model["feature_names"], ["x1", "x2", "x3"])
        noh = self.p.write_csv(self.path("noh.csv"), header=False)
        s, m = self.same(noh, what="no header, auto-detected")
        self.assertIs(m["encoding"]["header"], False)
        self.same(noh, "--no-header", what="--no-header")
        self.same(self.ref_data, "--header", what="--header")
        # A numeric first row read as a header drops one example.
        s, _ = self.train(noh, "--header")
        self.assertEqual(s["examples"], self.p.m - 1)
        # The header read as data puts text in columns of numbers.
        self.fails(1, "train", self.ref_data, "--no-header", "-o", self.path("x.json"),
                   contains="line 1 looks like a header: drop --no-header")
        self.fails(2, "train", self.ref_data, "--header", "--no-header", "-o", self.path("x.json"))

    def test_label_column(self):
        first = self.p.write_csv(self.path("first.csv"), label_first=True)
        self.same(first, "--label-column", "1", what="--label-column 1 (columns count from 1)")
        self.same(first, "--label-column", "label", what="--label-column by name")
        _, m = self.same(self.ref_data, "--label-column", "4", what="the last column by number")
        kinds = [c["kind"] for c in m["encoding"]["columns"]]
        self.assertEqual(kinds, ["numeric"] * 3 + ["label"])
        self.fails(1, "train", first, "--label-column", "9", "-o", self.path("x.json"),
                   contains="out of range")
        self.fails(1, "train", first, "--label-column", "nosuch", "-o", self.path("x.json"),
                   contains="nosuch")
        # Predicting and evaluating replay the saved label column.
        self.train(first, "--label-column", "label", name="first.json")
        want = [self.p.names[t] for t in self.p.y]
        pred = self.predict(self.path("first.json"), first)
        self.assertEqual(len(pred), self.p.m)
        acc = sum(a == b for a, b in zip(pred, want)) / self.p.m
        e = json.loads(self.ok("eval", "-m", self.path("first.json"), first, "--json").stdout)
        self.assertTrue(close(e["accuracy"], acc, 1e-12))

    def test_delimiters(self):
        for delim, opt in ((";", ";"), ("\t", "tab"), ("\t", "\\t"), (" ", " "), ("|", "|")):
            data = self.p.write_csv(self.path("d.csv"), delimiter=delim)
            s, m = self.same(data, "--delimiter", opt, what=f"--delimiter {opt!r}")
            self.assertEqual(m["encoding"]["delimiter"], delim)
            if delim != "|":
                self.same(data, what=f"delimiter {delim!r} auto-detected")
        tsv = self.p.write_csv(self.path("d.tsv"), delimiter="\t")
        self.same(tsv, what=".tsv")
        # The wrong delimiter: one column per line, not this data.
        semi = self.p.write_csv(self.path("semi.csv"), delimiter=";")
        r = run("train", semi, "--delimiter", ",", "--json", "-o", self.path("x.json"))
        self.assertEqual(r.returncode, 1, "a ';' file read with --delimiter , should fail "
                                          "(one column per line: no features)")
        self.assertIn("--delimiter", r.stderr)
        self.fails(2, "train", semi, "--delimiter", ";;", "-o", self.path("x.json"),
                   contains="--delimiter")

    def test_predict_and_eval_take_the_delimiter(self):
        semi = self.p.write_csv(self.path("semi.csv"), delimiter=";")
        want = self.predict(self.path("ref.json"), self.ref_data)
        self.assertEqual(self.predict(self.path("ref.json"), semi, "--delimiter", ";"), want)
        e1 = self.ok("eval", "-m", self.path("ref.json"), semi, "--delimiter", ";", "--json")
        e2 = self.ok("eval", "-m", self.path("ref.json"), self.ref_data, "--json")
        self.assertEqual(json.loads(e1.stdout), json.loads(e2.stdout))

    def write_missing(self):
        """The reference data with '?' or '' in 8 places; returns (path, missing cells)."""
        rng = random.Random(11)
        cells = set()
        while len(cells) < 8:
            cells.add((rng.randrange(self.p.m), rng.randrange(self.p.n)))
        path = self.path("missing.csv")
        with open(path, "w") as f:
            f.write("x1,x2,x3,label\n")
            for i, (x, t) in enumerate(zip(self.p.X, self.p.y)):
                vals = ["?" if (i, j) in cells and (i + j) % 2 else "" if (i, j) in cells
                        else repr(v) for j, v in enumerate(x)]
                f.write(",".join(vals + [self.p.names[t]]) + "\n")
        return path, sorted(cells)

    def test_missing_values(self):
        path, cells = self.write_missing()
        row, col = cells[0]
        with open(path) as f:
            line = f.read().splitlines()[row + 1]
        col1 = sum(len(v) + 1 for v in line.split(",")[:col]) + 1
        r = self.fails(1, "train", path, "-o", self.path("x.json"))
        self.assertIn(f"{path}:{row + 2}:{col1}:", r.stderr, "the error names file:line:col")
        self.assertIn("--missing", r.stderr)
        r = self.fails(1, "train", path, "--missing", "error", "-o", self.path("x.json"))
        self.assertIn(f"{path}:{row + 2}:{col1}:", r.stderr)
        bad_rows = {i for i, _ in cells}
        # skip-row: the same as the file without those rows.
        keep = [i for i in range(self.p.m) if i not in bad_rows]
        kept = self.p.rows(keep).write_csv(self.path("kept.csv"))
        s1, m1 = self.train(path, "--missing", "skip-row", "--C", "1", "--tol", "1e-10")
        s2, m2 = self.train(kept, "--C", "1", "--tol", "1e-10")
        self.assertEqual(s1["examples"], len(keep))
        self.assertModelsEqual(m1, m2, 1e-9, "--missing skip-row")
        # zero: as if the missing entries were 0.
        zp = Problem([[0.0 if (i, j) in cells else v for j, v in enumerate(x)]
                      for i, x in enumerate(self.p.X)], self.p.y, names=self.p.names)
        s1, m1 = self.train(path, "--missing", "zero", "--tol", "1e-10")
        s2, m2 = self.train(zp.write_csv(self.path("zero.csv")), "--tol", "1e-10")
        self.assertEqual(s1["examples"], self.p.m)
        self.assertModelsEqual(m1, m2, 1e-9, "--missing zero")
        # mean: the mean of the column's present values, saved in the model.
        means = [sum(x[j] for i, x in enumerate(self.p.X) if (i, j) not in cells) /
                 sum(1 for i in range(self.p.m) if (i, j) not in cells) for j in range(self.p.n)]
        mp = Problem([[means[j] if (i, j) in cells else v for j, v in enumerate(x)]
                      for i, x in enumerate(self.p.X)], self.p.y, names=self.p.names)
        s1, m1 = self.train(path, "--missing", "mean", "--tol", "1e-10", name="mean.json")
        s2, m2 = self.train(mp.write_csv(self.path("mean.csv")), "--tol", "1e-10")
        fills = [c["fill"] for c in m1["encoding"]["columns"][:3]]
        self.assertVecClose(fills, means, 1e-12, "saved fill values")
        self.assertModelsEqual(m1, m2, 1e-7, "--missing mean")
        # Prediction replays the saved means under --missing mean, which is also the default
        # for a model trained with it (issue 15, item 10); --missing error refuses '?'.
        pa = self.proba(self.path("mean.json"), path, "--missing", "mean")
        self.assertVecClose(pa, model_proba(m1, mp.X), 1e-9)
        self.assertEqual(self.proba(self.path("mean.json"), path), pa)
        self.fails(1, "predict", "-m", self.path("mean.json"), path, "--missing", "error",
                   contains="--missing")
        e = json.loads(self.ok("eval", "-m", self.path("mean.json"), path, "--missing",
                               "skip-row", "--json").stdout)
        self.assertEqual(e["count"], len(keep))
        # A missing label is always an error.
        lab = self.path("nolabel.csv")
        with open(lab, "w") as f:
            f.write("1,2,3,yes\n4,5,6,no\n7,8,9,?\n")
        self.fails(1, "train", lab, "--missing", "zero", "-o", self.path("x.json"),
                   contains=[f"{lab}:3:7:", "label"])
        # Everything skipped: an error, not an empty model.
        allm = self.path("allmissing.csv")
        with open(allm, "w") as f:
            f.write("a,b,label\n?,1,yes\n2,?,no\n")
        self.fails(1, "train", allm, "--missing", "skip-row", "-o", self.path("x.json"))

    def test_categorical_one_hot(self):
        rng = random.Random(12)
        colors = ["red", "green", "blue"]
        effect = {"red": 1.5, "green": 0.0, "blue": -1.5}
        rows = []
        for i in range(240):
            c, v = rng.choice(colors), round(rng.gauss(0, 1), 3)
            y = rng.random() < sigmoid(effect[c] + v)
            rows.append((v, c, ">50K" if y else "<=50K"))
        path = self.path("cat.csv")
        with open(path, "w") as f:
            f.write("num;color;income\n")
            for v, c, y in rows:
                f.write(f"{v!r};{c};{y}\n")
        s, m = self.train(path, "--tol", "1e-10", name="cat.json")
        self.assertEqual(m["labels"], ["<=50K", ">50K"])
        cols = m["encoding"]["columns"]
        self.assertEqual([c["kind"] for c in cols], ["numeric", "categorical", "label"])
        self.assertEqual(cols[1]["categories"], ["blue", "green", "red"])
        self.assertEqual(m["feature_names"], ["num", "color=blue", "color=green", "color=red"])
        self.assertEqual(m["n_features"], 4)
        self.assertEqual(m["encoding"]["delimiter"], ";")
        # The same model as one-hot columns written by hand.
        X = [[v] + [1.0 if c == k else 0.0 for k in ("blue", "green", "red")] for v, c, _ in rows]
        q = Problem(X, [1 if y == ">50K" else 0 for _, _, y in rows], names=("<=50K", ">50K"))
        _, hand = self.train(q.write_csv(self.path("hand.csv")), "--tol", "1e-10")
        self.assertModelsEqual(m, hand, 1e-9, "one-hot by lograd vs by hand")
        w = dict(zip(m["feature_names"], m["weights"]))
        self.assertGreater(w["color=red"], w["color=blue"])
        # Predictions come back as the original text labels, consistent with --proba.
        pred = self.predict(self.path("cat.json"), path)
        proba = self.proba(self.path("cat.json"), path)
        self.assertEqual(set(pred), {"<=50K", ">50K"})
        self.assertEqual(pred, [">50K" if p > 0.5 else "<=50K" for p in proba])
        self.assertVecClose(proba, model_proba(m, X), 1e-9)
        # An unseen category at prediction is all zeros.
        new = self.path("new.csv")
        with open(new, "w") as f:
            f.write("num;color;income\n0.5;purple;>50K\n0.5;red;>50K\n")
        p2 = self.proba(self.path("cat.json"), new)
        self.assertVecClose(p2, model_proba(m, [[0.5, 0, 0, 0], [0.5, 0, 0, 1]]), 1e-9)

    def test_storage_and_dtype(self):
        p = make_problem(m=120, n=4, seed=13, digits=None)  # exact in float32
        p.names = ("no", "yes")
        data = p.write_csv(self.path("exact.csv"))
        models = {}
        for storage in ("dense", "sparse"):
            for dtype in ("float32", "float64"):
                s, m = self.train(data, "--storage", storage, "--dtype", dtype, "--tol", "1e-10")
                self.assertTrue(s["storage"].startswith(f"{storage} {dtype}"), s["storage"])
                nnz = sum(1 for x in p.X for v in x if v)
                per = 4 if dtype == "float32" else 8
                want = (p.m * p.n * per if storage == "dense"
                        else nnz * (per + 4) + (p.m + 1) * 8)
                self.assertEqual(s["data_bytes"], want, (storage, dtype))
                models[storage, dtype] = m
        base = models["dense", "float64"]
        for k, m in models.items():
            self.assertModelsEqual(m, base, 1e-9, f"{k} vs dense float64")
        s, _ = self.train(data, "--dtype", "auto")
        self.assertIn("float32", s["storage"], "auto picks float32")
        s, m = self.train(self.ref_data, "--dtype", "auto", "--tol", "1e-10")
        self.assertIn("float32", s["storage"], "auto rounds values like 0.123 to float32")
        self.assertModelsEqual(m, self.ref_model, 1e-5, "float32 rounding moves the optimum little")
        big = self.path("big.svm")
        with open(big, "w") as f:
            f.write("1 1:1e39 2:1\n-1 2:2\n1 1:1e-40\n")
        s, _ = self.train(big, "--dtype", "auto")
        self.assertIn("float64", s["storage"], "values beyond float32's range keep float64")
        s32, m32 = self.train(self.ref_data, "--dtype", "float32", "--tol", "1e-10")
        self.assertIn("float32", s32["storage"])
        self.assertModelsEqual(m32, self.ref_model, 1e-5, "float32 rounding moves the optimum little")
        # predict and eval accept the options and give the same answers.
        mp = self.path("ref.json")
        want = self.proba(mp, self.ref_data)
        for opts in (["--storage", "sparse"], ["--storage", "dense"], ["--dtype", "float64"]):
            self.assertVecClose(self.proba(mp, self.ref_data, *opts), want, 1e-12, str(opts))
        got = self.proba(mp, self.ref_data, "--dtype", "float32")
        self.assertVecClose(got, want, 1e-5)
        self.assertGreater(max_diff(got, want), 0, "--dtype float32 should round 0.001 steps")
        e = json.loads(self.ok("eval", "-m", mp, self.ref_data, "--storage", "sparse",
                               "--dtype", "float64", "--json").stdout)
        e0 = json.loads(self.ok("eval", "-m", mp, self.ref_data, "--json").stdout)
        self.assertTrue(close(e["log_loss"], e0["log_loss"], 1e-12))

    def test_format(self):
        # LIBSVM text in a file named .csv: --format libsvm reads it as LIBSVM.
        lib = self.p.write_libsvm(self.path("lib.csv"))
        s, m = self.train(lib, "--format", "libsvm", "--tol", "1e-10", name="lib.json")
        self.assertIsNone(m["encoding"])
        self.assertEqual(m["labels"], ["-1", "1"])
        self.assertModelsEqual(m, self.ref_model, 1e-9, "--format libsvm")
        self.assertEqual(self.predict(self.path("lib.json"), lib, "--format", "libsvm"),
                         ["1" if v == "yes" else "-1"
                          for v in self.predict(self.path("ref.json"), self.ref_data)])
        # Without --format the .csv extension wins: a different (CSV) reading.
        r = run("train", lib, "--json", "-o", self.path("x.json"))
        if r.returncode == 0:
            self.assertIsNotNone(read_json(self.path("x.json"))["encoding"])
        # CSV text without an extension is sniffed; --format csv forces it.
        plain = self.p.write_csv(self.path("plaindata"))
        self.same(plain, what="CSV sniffed")
        self.same(plain, "--format", "csv", what="--format csv")
        r = run("train", plain, "--format", "libsvm", "-o", self.path("x.json"))
        self.assertEqual(r.returncode, 1, "CSV read as LIBSVM must fail: " + r.stderr)
        self.assertRegex(r.stderr, re.escape(plain) + r":\d+:\d+:")
        # A LIBSVM model predicts CSV data given --format csv and the label column.
        libm = self.p.write_libsvm(self.path("lib.libsvm"))
        self.train(libm, "--tol", "1e-10", name="libm.json")
        first = self.p.write_csv(self.path("first.csv"), label_first=True, header=False,
                                 labels=("-1", "1"))
        want = self.proba(self.path("libm.json"), libm)
        got = self.proba(self.path("libm.json"), first, "--format", "csv", "--label-column", "1",
                         "--no-header")
        self.assertVecClose(got, want, 1e-12, "LIBSVM model on CSV data")
        e1 = json.loads(self.ok("eval", "-m", self.path("libm.json"), first, "--label-column", "1",
                                "--header", "--json").stdout)
        self.assertEqual(e1["count"], self.p.m - 1, "eval --header drops the first row")

    def test_csv_only_options_are_not_silently_ignored_on_libsvm_data(self):
        lib = self.p.write_libsvm(self.path("d.libsvm"))
        for opt, value in (("--sample-weight-column", "1"), ("--label-column", "2")):
            r = run("train", lib, opt, value, "--json", "-o", self.path("x.json"))
            if r.returncode == 0:
                with self.subTest(option=opt):
                    self.assertIn(opt, r.stderr,
                                  f"BUG: `lograd train DATA.libsvm {opt} {value}` trains as "
                                  f"if the option were not given (no weights / the usual "
                                  f"label), silently; expected an error or at least a warning "
                                  f"that {opt} applies to CSV only")

    def test_predict_with_columns_in_another_order(self):
        # The same data, columns in another order, with a header that names them.
        path = self.path("swapped.csv")
        with open(path, "w") as f:
            f.write("x2,x3,x1,label\n")
            for x, t in zip(self.p.X, self.p.y):
                f.write(f"{x[1]!r},{x[2]!r},{x[0]!r},{self.p.names[t]}\n")
        want = self.proba(self.path("ref.json"), self.ref_data)
        r = run("predict", "-m", self.path("ref.json"), path, "--proba")
        if r.returncode == 0:
            got = [float(v) for v in r.stdout.split()]
            self.assertVecClose(got, want, 1e-12,
                                "BUG: predict on a CSV whose header names the model's columns in "
                                "another order uses the columns by position, silently giving "
                                "wrong probabilities; expected the columns matched by name (or "
                                "an error naming the mismatch)")
        else:
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("x1", r.stderr, "the error should name the mismatched columns")

    def test_header_at_prediction(self):
        noh = self.p.write_csv(self.path("noh.csv"), header=False)
        want = self.proba(self.path("ref.json"), self.ref_data)
        self.assertVecClose(self.proba(self.path("ref.json"), noh), want, 0,
                            "a model trained with a header predicts a file without one")
        self.assertVecClose(self.proba(self.path("ref.json"), noh, "--no-header"), want, 0)
        self.assertVecClose(self.proba(self.path("ref.json"), self.ref_data, "--header"), want, 0)
        # Forcing --header on data whose first row does not name the training columns is an
        # error: columns are matched by position and the names are the only check.
        self.fails(1, "predict", "-m", self.path("ref.json"), noh, "--header",
                   contains=f"{noh}:1:1: column 1 is named")
        self.fails(1, "predict", "-m", self.path("ref.json"), self.ref_data, "--no-header",
                   contains=f"{self.ref_data}:1:1:")

    def test_test_file_with_csv_encoding(self):
        tp = make_problem(m=60, n=3, seed=15, w=(1.0, -1.0, 0.5))
        tp.names = self.p.names
        test = tp.write_csv(self.path("test.csv"), header=False)
        s, model = self.train(self.ref_data, "--test", test, "--tol", "1e-10")
        self.assertModelsEqual(model, self.ref_model, 1e-12)
        want = metrics(tp.y, model_proba(model, tp.X))
        self.assertEqual(s["test"]["count"], tp.m)
        self.assertEqual(s["test"]["confusion"], want["confusion"])
        for k in ("accuracy", "log_loss", "roc_auc", "f1"):
            self.assertTrue(close(s["test"][k], want[k], 1e-9), k)

    def test_gzip_input(self):
        import gzip
        gz = self.path("ref.csv.gz")
        with open(self.ref_data, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        self.same(gz, what="gzip CSV")


# ---- predict, eval, export ---------------------------------------------------------------------

class PredictEvalExport(LogradTest):
    def setUp(self):
        super().setUp()
        self.p = make_problem(m=200, n=5, seed=14)
        self.data = self.p.write_libsvm(self.path("train.libsvm"))
        self.model_path = self.path("model.json")
        self.summary, self.model = self.train(self.data, "--tol", "1e-10", name="model.json")

    def test_predict_labels_and_proba(self):
        pred = self.predict(self.model_path, self.data)
        self.assertEqual(len(pred), self.p.m)
        self.assertEqual(set(pred), {"-1", "1"}, "labels in their original (numeric) form")
        proba = self.proba(self.model_path, self.data)
        self.assertTrue(all(0 <= q <= 1 for q in proba))
        self.assertEqual(pred, ["1" if q > 0.5 else "-1" for q in proba],
                         "p > 0.5 must be the positive label")
        self.assertVecClose(proba, model_proba(self.model, self.p.X), 1e-12)
        out = self.path("pred.txt")
        r = self.ok("predict", "-m", self.model_path, self.data, "-o", out)
        self.assertEqual(r.stdout, "")
        self.assertEqual(read_lines(out), pred)
        self.ok("predict", "--model", self.model_path, self.data, "--proba", "--out", out)
        self.assertEqual([float(v) for v in read_lines(out)], proba)
        # 0/1 and 1/2 labels come back as they were.
        for labels in (("0", "1"), ("1", "2"), ("2", "1")):
            d = self.p.write_libsvm(self.path("l.libsvm"), labels=labels)
            self.train(d, name="l.json")
            got = self.predict(self.path("l.json"), d)
            self.assertEqual(set(got), set(labels))
            acc = sum(g == labels[t] for g, t in zip(got, self.p.y)) / self.p.m
            self.assertGreater(acc, 0.7, f"labels {labels}: accuracy {acc}")
        self.fails(1, "predict", "-m", self.model_path, self.path("nosuch.libsvm"))
        self.fails(1, "predict", "-m", self.path("nosuch.json"), self.data)
        self.fails(2, "predict", "-m", self.model_path, self.data, "-o", self.path("no/dir/x"))

    def test_predict_fewer_or_more_features(self):
        q = Problem([x[:3] for x in self.p.X[:20]], self.p.y[:20])
        fewer = q.write_libsvm(self.path("fewer.libsvm"))
        got = self.proba(self.model_path, fewer)
        self.assertVecClose(got, model_proba(self.model, [x + [0, 0] for x in q.X]), 1e-12)
        q = Problem([x + [5.0] for x in self.p.X[:20]], self.p.y[:20])
        more = q.write_libsvm(self.path("more.libsvm"))
        self.assertVecClose(self.proba(self.model_path, more),
                            model_proba(self.model, self.p.X[:20]), 1e-12)

    def test_eval(self):
        proba = self.proba(self.model_path, self.data)
        want = metrics(self.p.y, proba)
        r = self.ok("eval", "-m", self.model_path, self.data, "--json")
        e = json.loads(r.stdout)
        self.assertEqual(set(e), METRIC_KEYS)
        self.assertEqual(e["confusion"]["labels"], ["-1", "1"])
        self.assertEqual(e["confusion"]["matrix"], want["confusion"])
        for k in ("count", "accuracy", "log_loss", "roc_auc", "precision", "recall", "f1"):
            self.assertTrue(close(e[k], want[k], 1e-9), (k, e[k], want[k]))
        pred = self.predict(self.model_path, self.data)
        truth = [self.p.names[t] for t in self.p.y]
        self.assertTrue(close(e["accuracy"], sum(a == b for a, b in zip(pred, truth)) / self.p.m,
                              1e-12))
        self.assertTrue(close(e["accuracy"], self.summary["train_accuracy"], 1e-12))
        text = self.ok("eval", "--model", self.model_path, self.data).stdout
        self.assertIn(f"examples   {self.p.m}", text)
        self.assertIn("accuracy   %.4f%%" % (100 * want["accuracy"]), text)
        self.assertIn("ROC AUC    %.6f" % want["roc_auc"], text)
        (tn, fp), (fn, tp) = want["confusion"]
        self.assertRegex(text, r"\n\s+-1\s+%d\s+%d\n\s+1\s+%d\s+%d" % (tn, fp, fn, tp))

    def test_eval_unknown_label(self):
        q = Problem(self.p.X[:10], [0] * 5 + [1] * 5)
        d = q.write_libsvm(self.path("other.libsvm"), labels=("-1", "3"))
        r = self.fails(1, "eval", "-m", self.model_path, d)
        self.assertIn("'3'", r.stderr)
        self.assertIn("(example 6)", r.stderr)
        self.assertIn("does not know", r.stderr)
        self.assertEqual(len(self.predict(self.model_path, d)), 10, "predict ignores labels")
        self.fails(1, "train", d, "--test", self.data, "-o", self.path("x.json"))
        # A binary model cannot be evaluated on three classes' data.
        three = self.path("three.libsvm")
        with open(three, "w") as f:
            f.write("1 1:1\n2 1:2\n3 1:3\n")
        self.fails(1, "eval", "-m", self.model_path, three, contains="does not know")

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-predict is not installed")
    def test_predict_with_a_liblinear_model(self):
        for labels in (("-1", "+1"), ("0", "1")):
            for first in (0, 1):  # LIBLINEAR lists its labels in order of first appearance
                order = sorted(range(self.p.m), key=lambda i: self.p.y[i] != first)
                q = self.p.rows(order)
                data = q.write_libsvm(self.path("o.libsvm"), labels=labels)
                truth = [float(labels[t]) for t in q.y]
                for bias in ("-1", "1"):
                    what = f"labels {labels}, first {labels[first]}, -B {bias}"
                    ll, out = self.path("ll.model"), self.path("ll.out")
                    subprocess.run([LIBLINEAR_TRAIN, "-s", "0", "-c", "1", "-B", bias, "-q",
                                    data, ll], check=True, capture_output=True)
                    subprocess.run([LIBLINEAR_PREDICT, "-b", "1", data, ll, out], check=True,
                                   capture_output=True)
                    with open(out) as f:
                        names = [float(v) for v in f.readline().split()[1:]]
                        rows = [[float(v) for v in l.split()] for l in f]
                    want = [r[0] for r in rows]
                    got = [float(v) for v in self.predict(ll, data)]
                    self.assertEqual(got, want, what)
                    # --proba is P(lograd's positive class): the label it predicts when > 0.5.
                    proba = self.proba(ll, data)
                    pos = {g for g, p in zip(got, proba) if p > 0.5}
                    self.assertEqual(len(pos), 1, what)
                    col = 1 + names.index(pos.pop())
                    self.assertVecClose(proba, [r[col] for r in rows], 2e-6,
                                        f"--proba vs liblinear-predict -b 1 ({what})")
                    e = json.loads(self.ok("eval", "-m", ll, data, "--json").stdout)
                    acc = sum(a == b for a, b in zip(want, truth)) / q.m
                    self.assertTrue(close(e["accuracy"], acc, 1e-12), (what, e["accuracy"], acc))

    def test_export_format(self):
        out = self.path("m.liblinear")
        r = self.ok("export", "-m", self.model_path, "--format", "liblinear", "-o", out)
        self.assertIn(out, r.stderr)
        with open(out) as f:
            lines = f.read().split("\n")
        self.assertEqual(lines[:6], ["solver_type L2R_LR", "nr_class 2", "label 1 -1",
                                     f"nr_feature {self.p.n}", "bias 1", "w"])
        ws = [float(v) for v in lines[6:6 + self.p.n + 1]]
        self.assertVecClose(ws, self.model["weights"] + [self.model["bias"]], 0)
        # The exported file loads back as a model with the same predictions.
        self.assertVecClose(self.proba(out, self.data), self.proba(self.model_path, self.data),
                            1e-12, "export and re-import")
        # Text labels cannot be exported; neither can a missing model.
        q = Problem(self.p.X, self.p.y, names=("no", "yes"))
        self.train(q.write_csv(self.path("t.csv")), name="text.json")
        self.fails(1, "export", "-m", self.path("text.json"), "-o", out, contains="integer")
        self.fails(1, "export", "-m", self.path("nosuch.json"), "-o", out)

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-predict is not installed")
    def test_export_matches_liblinear_predict_on_a9a(self):
        a9a, a9at = dataset("a9a"), dataset("a9a.t")
        for extra in ([], ["--no-bias"], ["--standardize"], ["--standardize", "--no-bias"]):
            with self.subTest(extra=extra):
                mp, ll, out = self.path("a.json"), self.path("a.liblinear"), self.path("a.out")
                self.ok("train", a9a, *extra, "-o", mp, timeout=120)
                self.ok("export", "-m", mp, "-o", ll)
                subprocess.run([LIBLINEAR_PREDICT, a9at, ll, out], check=True, capture_output=True)
                want = [float(v) for v in read_lines(out)]
                got = [float(v) for v in self.predict(mp, a9at)]
                self.assertEqual(len(got), 16281)
                diff = sum(a != b for a, b in zip(got, want))
                self.assertEqual(diff, 0, f"{diff} of 16281 labels differ from liblinear-predict")


# ---- real data -----------------------------------------------------------------------------------

class RealData(LogradTest):
    def test_a9a_reaches_liblinear_optimum(self):
        a9a, a9at = dataset("a9a"), dataset("a9a.t")
        s, model = self.train(a9a, "--C", "1", "--no-bias", "--tol", "1e-8", "--test", a9at,
                              timeout=120)
        self.assertIs(s["converged"], True)
        self.assertTrue(close(s["objective_liblinear"], 10529.56258, 1e-6),
                        f"a9a optimum {s['objective_liblinear']!r}, LIBLINEAR 10529.56258")
        self.assertGreaterEqual(s["test"]["accuracy"], 0.849)
        self.assertEqual(s["test"]["count"], 16281)
        self.assertEqual(s["examples"], 32561)
        self.assertEqual(model["n_features"], 123)
        self.assertEqual(model["labels"], ["-1", "1"])

    @unittest.skipUnless(HAVE_LIBLINEAR, "liblinear-train is not installed")
    def test_a9a_same_optimum_as_liblinear_train(self):
        a9a = dataset("a9a")
        w = liblinear_train(a9a, "-s", "0", "-c", "1", "-e", "1e-6")
        _, model = self.train(a9a, "--C", "1", "--no-bias", "--tol", "1e-8", timeout=120)
        self.assertEqual(len(w), 123)
        self.assertVecClose(model["weights"], w, 2e-3, "a9a weights vs liblinear-train")

    def test_agaricus_separable_warning(self):
        data = dataset("agaricus.txt.train")
        r = self.ok("train", data, "--lambda", "0", "-o", self.path("ag.json"), timeout=120)
        self.assertIn("separable", r.stderr,
                      "agaricus is linearly separable: --lambda 0 must warn that the optimum is "
                      "at infinity")
        self.assertIn("--lambda", r.stderr, "the warning should say what to do")
        s, model = self.train(data, "--C", "1")
        self.assertNotIn("warning", s, "with regularisation the optimum is finite")
        self.assertEqual(model["labels"], ["0", "1"])

    def test_adult_csv_text_labels_and_missing_values(self):
        data, test = dataset("adult.data"), dataset("adult.test")
        s, model = self.train(data, "--missing", "zero", "--standardize", name="adult.json",
                              timeout=120)
        self.assertEqual(model["labels"], ["<=50K", ">50K"])
        self.assertGreater(s["train_accuracy"], 0.84)
        kinds = [c["kind"] for c in model["encoding"]["columns"]]
        self.assertEqual(kinds.count("categorical"), 8)
        self.assertEqual(kinds.count("numeric"), 6)
        pred = self.predict(self.path("adult.json"), test, "--missing", "zero")
        self.assertEqual(len(pred), 16281)
        self.assertEqual(set(pred), {"<=50K", ">50K"})
        # adult.test writes its labels with a trailing '.': unknown to the model.
        r = self.fails(1, "eval", "-m", self.path("adult.json"), test, "--missing", "zero")
        self.assertIn("<=50K.", r.stderr)
        with open(test) as f:
            truth = [l.rsplit(",", 1)[1].strip().rstrip(".") for l in f if l.count(",") >= 14]
        acc = sum(a == b for a, b in zip(pred, truth)) / len(truth)
        self.assertGreater(acc, 0.84, f"adult.test accuracy {acc}")


if __name__ == "__main__":
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
