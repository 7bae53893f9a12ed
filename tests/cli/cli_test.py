#!/usr/bin/env python3
"""End-to-end tests of the lograd command line (standard library only).

Usage: cli_test.py PATH/TO/lograd
"""
import json
import math
import os
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
        r = run("explain", "--x", "1,abc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--x", r.stderr)
        r = run("explain", "--x", "1,2,3", "--w", "1,2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("x has 3 features but w has 2 weights", r.stderr)
        r = run("explain", "--y", "3")
        self.assertEqual(r.returncode, 1)
        self.assertIn("y must be a target in [0, 1]", r.stderr)

    def test_help_documents_every_option(self):
        r = run("explain", "--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--x", "--y", "--w", "--b", "--lr", "--json"):
            self.assertIn(opt, r.stdout)


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
