#!/usr/bin/env python3
"""End-to-end tests of the lograd command line (standard library only).

Usage: cli_test.py PATH/TO/lograd
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

LOGRAD = None


def run(*args, env=None):
    return subprocess.run([LOGRAD, *args], capture_output=True, text=True, env=env, timeout=60)


def closed_form(x, y, w, b, lr):
    """The lecture's closed forms, evaluated so that they stay exact in the tails:
    1 - a as 1/(1+e^z), log a as -log1p(e^-z) and log(1 - a) as -log1p(e^z)."""
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    a = 1 / (1 + math.exp(-z))
    one_minus_a = 1 / (1 + math.exp(z))
    loss = y * math.log1p(math.exp(-z)) + (1 - y) * math.log1p(math.exp(z))
    da = -y / a + (1 - y) / one_minus_a
    dz = -one_minus_a if y == 1 else a
    dw = [xi * dz for xi in x]
    return dict(z=z, a=a, loss=loss, da=da, dz=dz, dw=dw, db=dz,
                w_new=[wi - lr * dwi for wi, dwi in zip(w, dw)], b_new=b - lr * dz)


def rel_close(got, want, rtol=1e-12):
    return abs(got - want) <= rtol * abs(want)


class Explain(unittest.TestCase):
    def check_json(self, x, y, w, b, lr):
        fmt = lambda v: ",".join(repr(float(t)) for t in v)
        r = run("explain", f"--x={fmt(x)}", f"--y={y}", f"--w={fmt(w)}", f"--b={b}",
                f"--lr={lr}", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(set(got), {"z", "a", "loss", "da", "dz", "dw", "db", "w_new", "b_new"})
        want = closed_form(x, y, w, b, lr)
        for key, value in want.items():
            pairs = zip(got[key], value) if isinstance(value, list) else [(got[key], value)]
            for g, v in pairs:
                self.assertTrue(rel_close(g, v), f"{key}: lograd {g!r}, closed form {v!r} "
                                                 f"at x={x} y={y} w={w} b={b}")

    def test_issue_example(self):
        self.check_json([1, 2], 1, [0.1, -0.2], 0.05, 0.1)

    def test_other_examples(self):
        self.check_json([0.5, -1.5, 3.0], 0, [0.2, 0.1, -0.4], -0.3, 0.5)
        self.check_json([2.0], 1, [-1.25], 0.75, 1.0)

    def test_z_near_100(self):
        for y in (0, 1):
            self.check_json([1, 2], y, [30, 35], 0, 0.1)        # z = 100
            self.check_json([1, 2], y, [-30, -35], -2.5, 0.1)   # z = -102.5
            self.check_json([1, 2], y, [30, 34.75], 0.1, 0.1)   # z = 99.6

    def test_default_example_table(self):
        r = run("explain")
        self.assertEqual(r.returncode, 0, r.stderr)
        want = closed_form([1, 2], 1, [0.1, -0.2], 0.05, 0.1)
        for line, value in [("  L ", want["loss"]), ("  da ", want["da"]), ("  dw2 ", want["dw"][1])]:
            rows = [l for l in r.stdout.splitlines() if l.startswith(line)]
            self.assertEqual(len(rows), 1, r.stdout)
            self.assertTrue(rel_close(float(rows[0].split()[-1]), value, 1e-11), rows[0])
        self.assertIn("update", r.stdout)

    def test_bad_input(self):
        # Every bad example is a bad command line (status 2), named by its option.
        r = run("explain", "--x", "1,abc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--x", r.stderr)
        r = run("explain", "--x", "1,2,3", "--w", "1,2")
        self.assertEqual(r.returncode, 2)
        self.assertIn("x has 3 features but w has 2 weights", r.stderr)
        r = run("explain", "--y", "3")
        self.assertEqual(r.returncode, 2)
        self.assertIn("y must be a target in [0, 1]", r.stderr)

    def test_help_documents_every_option(self):
        r = run("explain", "--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--x", "--y", "--w", "--b", "--lr", "--json"):
            self.assertIn(opt, r.stdout)


def softmax_closed_form(x, y, W, b, lr):
    """The softmax step by hand: W is a list of n rows of K weights (feature i's weight for
    each class); z = W^T x + b, a = softmax(z), L = -log a_y, dz = a - onehot(y), dW = x dz^T."""
    K = len(b)
    z = [sum(x[i] * W[i][k] for i in range(len(x))) + b[k] for k in range(K)]
    zmax = max(z)
    s = sum(math.exp(v - zmax) for v in z)
    a = [math.exp(v - zmax) / s for v in z]
    loss = zmax + math.log(s) - z[y]
    dz = [a[k] - (1 if k == y else 0) for k in range(K)]
    dw = [[xi * d for d in dz] for xi in x]
    return dict(z=z, a=a, loss=loss, dz=dz, dw=dw, db=dz,
                w_new=[[W[i][k] - lr * dw[i][k] for k in range(K)] for i in range(len(x))],
                b_new=[b[k] - lr * dz[k] for k in range(K)])


def flat(v):
    return [t for row in v for t in (row if isinstance(row, list) else [row])] \
        if isinstance(v, list) else [v]


class ExplainSoftmax(unittest.TestCase):
    # The documented default of --classes 3: x = (1, 2), y = 1, W[i][k] = 0.1 (k - i), b = 0.
    DEFAULT = dict(x=[1, 2], y=1, W=[[0, 0.1, 0.2], [-0.1, 0, 0.1]], b=[0, 0, 0], lr=0.1)

    def check_json(self, args, x, y, W, b, lr):
        r = run("explain", "--classes", str(len(b)), *args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(set(got), {"z", "a", "loss", "dz", "dw", "db", "w_new", "b_new"})
        want = softmax_closed_form(x, y, W, b, lr)
        for key, value in want.items():
            g, v = flat(got[key]), flat(value)
            self.assertEqual(len(g), len(v), key)
            for gi, vi in zip(g, v):
                self.assertLessEqual(abs(gi - vi), 1e-12 * abs(vi) + 1e-15,
                                     f"{key}: lograd {gi!r}, closed form {vi!r} for {args}")
        self.assertEqual(len(got["dw"]), len(x))  # n rows of K

    def test_default_json(self):
        self.check_json([], **self.DEFAULT)

    def test_given_example_json(self):
        x, W, b = [0.5, -1.5, 3.0], [[0.2, -0.1, 0.3, 0.0], [0.1, 0.4, -0.2, 0.05],
                                     [-0.4, 0.1, 0.2, -0.3]], [-0.3, 0.1, 0.0, 0.25]
        fmt = lambda v: ",".join(repr(float(t)) for t in v)
        self.check_json([f"--x={fmt(x)}", "--y=3", f"--w={fmt(flat(W))}", f"--b={fmt(b)}",
                         "--lr=0.5"], x, 3, W, b, 0.5)
        # --x alone: W follows the documented default for the new width.
        self.check_json(["--x=1,-1,2"], [1, -1, 2], 1,
                        [[0.1 * (k - i) for k in range(3)] for i in range(3)], [0, 0, 0], 0.1)

    def test_table_prints_every_row_from_the_graph(self):
        r = run("explain", "--classes", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.DEFAULT
        want = softmax_closed_form(d["x"], d["y"], d["W"], d["b"], d["lr"])
        rows = {"z": want["z"], "a": want["a"], "L": [want["loss"]], "dz": want["dz"],
                "dW1": want["dw"][0], "dW2": want["dw"][1], "db": want["db"],
                "W1": want["w_new"][0], "W2": want["w_new"][1], "b": want["b_new"]}
        lines = r.stdout.splitlines()
        for name, value in rows.items():
            found = [l for l in lines if l.startswith(f"  {name:<5} = ")]
            self.assertEqual(len(found), 1, f"row {name}:\n{r.stdout}")
            numbers = re.search(r"(\[[^\]]*\]|\S+)$", found[0]).group(1).strip("[]")
            got = [float(t) for t in numbers.split(",")]
            self.assertEqual(len(got), len(value), found[0])
            for g, v in zip(got, value):
                self.assertLessEqual(abs(g - v), 1e-11 * abs(v) + 1e-15, found[0])
        self.assertIn("softmax regression over K = 3 classes", r.stdout)
        self.assertIn("y = 1 (one-hot [0, 1, 0])", r.stdout)

    def test_bad_input(self):
        r = run("explain", "--classes", "1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--classes", r.stderr)
        self.assertIn("from 2 to", r.stderr)
        for args, message in [(["--y", "3"], "a whole number from 0 to 2; got 3"),
                              (["--y", "1.5"], "a whole number from 0 to 2; got 1.5"),
                              (["--b", "1,2"], "--classes 3 needs one bias per class"),
                              (["--w", "1,2"], "give n x K = 6 weights")]:
            r = run("explain", "--classes", "3", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)
        r = run("explain", "--b", "1,2")  # the binary example takes one bias
        self.assertEqual(r.returncode, 2)
        self.assertIn("--b takes one bias", r.stderr)

    def test_help_documents_classes(self):
        r = run("explain", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--classes", r.stdout)
        self.assertIn("softmax", r.stdout)


class GraphCommand(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lograd_cli_")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_dot_renders_with_graphviz(self):
        for extra in ([], ["--m", "5"], ["--fused"], ["--x", "1,2,3,4"]):
            out = os.path.join(self.dir, "g.dot")
            r = run("graph", "--out", out, *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                dot = f.read()
            self.assertTrue(dot.startswith("digraph lograd {"))
            self.assertIn("(loss)", dot)
            self.assertIn("parameter", dot)
            svg = subprocess.run(["dot", "-Tsvg", out], capture_output=True, text=True)
            self.assertEqual(svg.returncode, 0, svg.stderr)
            self.assertIn("<svg", svg.stdout)

    def test_vectorised_graph_shapes(self):
        r = run("graph", "--m", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("X = constant", r.stdout)
        self.assertIn("float64 (7, 2)", r.stdout)
        self.assertIn("matmul", r.stdout)

    def test_picture_outputs(self):
        for ext in ("svg", "png"):
            out = os.path.join(self.dir, "g." + ext)
            r = run("graph", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(os.path.getsize(out), 100)
        with open(os.path.join(self.dir, "g.svg")) as f:
            self.assertIn("<svg", f.read())

    def test_softmax_graph(self):
        want = softmax_closed_form([1, 2], 1, [[0, 0.1, 0.2], [-0.1, 0, 0.1]], [0, 0, 0], 0.1)
        for extra, loss_op in (([], "L = neg (loss)"),
                               (["--fused"], "L = softmax_cross_entropy (loss)")):
            out = os.path.join(self.dir, "s.dot")
            r = run("graph", "--classes", "3", "--out", out, *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                dot = f.read()
            self.assertTrue(dot.startswith("digraph lograd {"))
            self.assertIn("softmax regression over 3 classes", dot)
            self.assertIn(loss_op, dot)
            self.assertIn("W = parameter", dot)
            self.assertIn("float64 (2, 3)", dot)  # W is (n, K)
            self.assertIn("a = div", dot)
            # The loss box shows the graph's L (6 significant digits).
            loss_box = re.search(re.escape(loss_op) + r".*?value ([^<]+)<", dot).group(1)
            self.assertAlmostEqual(float(loss_box), want["loss"], delta=1e-5 * want["loss"])
            svg = subprocess.run(["dot", "-Tsvg", out], capture_output=True, text=True)
            self.assertEqual(svg.returncode, 0, svg.stderr)
            self.assertIn("<svg", svg.stdout)
        r = run("graph", "--classes", "3", "--m", "5")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--m", r.stderr)

    def test_missing_graphviz_says_what_to_install(self):
        env = dict(os.environ, PATH="/nonexistent")
        r = run("graph", "--out", os.path.join(self.dir, "g.svg"), env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("apt-get install graphviz", r.stderr)


class TopLevel(unittest.TestCase):
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("explain", r.stdout)
        self.assertIn("graph", r.stdout)
        self.assertIn("Exit status", r.stdout)
        self.assertEqual(run("--version").returncode, 0)

    def test_no_subcommand_is_a_usage_error(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)


if __name__ == "__main__":
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
