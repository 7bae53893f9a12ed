#!/usr/bin/python3
"""End-to-end tests of multiclass training through the CLI: multinomial and one-vs-rest models
on the bundled USPS digits and on small files, predict's liblinear-predict -b 1 layout and
scores, eval's multiclass report, LIBLINEAR export, warm start, checkpoint and resume.

Each check compares against something computed independently: the probabilities against the
softmax of the printed scores, the confusion matrix against the predicted labels, the exported
model against liblinear-predict, a resumed run against an uninterrupted one (bit for bit).

Usage: multiclass_cli_test.py PATH/TO/lograd
"""
import json
import math
import os
import shutil
import subprocess
import sys
import unittest

from cli_util import TempDirTest

LOGRAD = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USPS_TRAIN = os.path.join(REPO, "data", "usps.train.csv.gz")
USPS_TEST = os.path.join(REPO, "data", "usps.test.csv.gz")
USPS = ("--no-header", "--label-column", "1")
LIBLINEAR_PREDICT = shutil.which("liblinear-predict")


def run(*args, timeout=300):
    return subprocess.run([LOGRAD, *map(str, args)], capture_output=True, timeout=timeout)


def ok(*args):
    r = run(*args)
    if r.returncode != 0:
        raise AssertionError(f"lograd {' '.join(map(str, args))} exited {r.returncode}:\n"
                             f"{r.stderr.decode()}")
    return r.stdout.decode()


# Three classes in a plane, integer labels 1, 2, 3 (LIBSVM) and the same as text (CSV).
POINTS = [((1.0, 0.2), 1), ((0.8, -0.1), 1), ((1.2, 0.4), 1), ((0.2, 0.3), 1),
          ((-0.5, 1.0), 2), ((-0.7, 0.8), 2), ((-0.2, 1.3), 2), ((0.1, 0.9), 2),
          ((-0.6, -0.9), 3), ((-0.3, -1.2), 3), ((-0.9, -0.4), 3), ((0.3, -0.8), 3)]


class Multiclass(TempDirTest):
    PREFIX = "lograd_multiclass_cli_"

    def svm(self):
        return self.write("three.svm", "".join(f"{y} 1:{a} 2:{b}\n" for (a, b), y in POINTS))

    def test_usps_multinomial_predict_eval(self):
        model = self.path("usps.json")
        out = ok("train", USPS_TRAIN, *USPS, "-o", model, "--json")
        summary = json.loads(out)
        self.assertEqual(summary["multi_class"], "multinomial")
        self.assertEqual(summary["classes"], [str(d) for d in range(10)])
        self.assertTrue(summary["converged"])
        # predict --proba: "labels 0 .. 9", then the label and ten probabilities per line.
        lines = ok("predict", "-m", model, USPS_TEST, *USPS, "--proba").splitlines()
        self.assertEqual(lines[0], "labels " + " ".join(str(d) for d in range(10)))
        rows = [l.split() for l in lines[1:]]
        self.assertEqual(len(rows), 1459)
        decision = ok("predict", "-m", model, USPS_TEST, *USPS, "--decision").splitlines()
        self.assertEqual(decision[0], lines[0])  # the same "labels ..." header
        scores = [list(map(float, l.split())) for l in decision[1:]]
        labels = ok("predict", "-m", model, USPS_TEST, *USPS).split()
        for row, z, label in zip(rows, scores, labels):
            p = list(map(float, row[1:]))
            self.assertEqual(len(p), 10)
            top = max(z)
            e = [math.exp(v - top) for v in z]
            for q in range(10):  # the probabilities are the softmax of the scores
                self.assertAlmostEqual(p[q], e[q] / sum(e), delta=1e-12)
            self.assertEqual(row[0], str(max(range(10), key=lambda q: p[q])))
            self.assertEqual(row[0], label)
        # eval --json: the confusion matrix counts the predicted labels against the truth.
        ev = json.loads(ok("eval", "-m", model, USPS_TEST, *USPS, "--json"))
        truth = []
        with subprocess.Popen(["zcat", USPS_TEST], stdout=subprocess.PIPE) as z:
            truth = [line.split(b",")[0].decode() for line in z.stdout]
        want = [[0] * 10 for _ in range(10)]
        for t, l in zip(truth, labels):
            want[int(t)][int(l)] += 1
        self.assertEqual(ev["confusion"]["matrix"], want)
        self.assertEqual(ev["count"], 1459)
        self.assertAlmostEqual(ev["accuracy"], sum(want[q][q] for q in range(10)) / 1459, places=12)
        self.assertGreater(ev["accuracy"], 0.93)
        self.assertEqual(len(ev["per_class"]), 10)
        text = ok("eval", "-m", model, USPS_TEST, *USPS)
        self.assertIn("confusion", text)
        self.assertIn("macro F1", text)

    def test_string_labels_and_ovr(self):
        names = {1: "red", 2: "green", 3: "blue"}
        data = self.write("three.csv", "a,b,colour\n" +
                          "".join(f"{a},{b},{names[y]}\n" for (a, b), y in POINTS))
        for mode in ("multinomial", "ovr"):
            model = self.path(mode + ".json")
            ok("train", data, "--multi-class", mode, "-o", model, "--lambda", "0.01")
            with open(model) as f:
                m = json.load(f)
            self.assertEqual(m["multi_class"], mode)
            self.assertEqual(m["labels"], ["blue", "green", "red"])
            self.assertEqual(len(m["weights"]), 2)
            self.assertEqual(len(m["weights"][0]), 3)
            predicted = ok("predict", "-m", model, data).split()
            self.assertEqual(predicted, [names[y] for _, y in POINTS], mode)

    @unittest.skipUnless(LIBLINEAR_PREDICT, "liblinear-predict is not installed")
    def test_ovr_export_predicts_the_same_with_liblinear(self):
        data = self.svm()
        model, exported = self.path("ovr.json"), self.path("ovr.liblinear")
        ok("train", data, "--multi-class", "ovr", "-o", model)
        ok("export", "-m", model, "--format", "liblinear", "-o", exported)
        out = self.path("ll.out")
        r = subprocess.run([LIBLINEAR_PREDICT, data, exported, out], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            theirs = f.read().split()
        self.assertEqual(ok("predict", "-m", model, data).split(), theirs)
        # A multinomial model has no LIBLINEAR form: refused with the way out.
        soft = self.path("soft.json")
        ok("train", data, "-o", soft)
        r = run("export", "-m", soft, "--format", "liblinear", "-o", self.path("x"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("ovr", r.stderr.decode())

    def test_resume_is_bit_exact_and_init_warm_starts(self):
        data = self.svm()
        full, part, resumed = self.path("full.json"), self.path("part.json"), self.path("res.json")
        ck = self.path("ck.json")
        common = ("--solver", "lbfgs", "--lambda", "0.001", "--tol", "1e-12", "--threads", "1")
        ok("train", data, *common, "--max-iter", "40", "-o", full)
        run("train", data, *common, "--max-iter", "15", "-o", part, "--checkpoint", ck)
        ok("train", data, *common, "--max-iter", "40", "-o", resumed, "--resume", ck)
        with open(full) as f, open(resumed) as g:
            a, b = json.load(f), json.load(g)
        self.assertEqual(a["weights"], b["weights"])
        self.assertEqual(a["bias"], b["bias"])
        # --init from the finished model: converged at once (the same optimum).
        out = json.loads(ok("train", data, "--lambda", "0.001", "--init", full, "-o",
                            self.path("warm.json"), "--json", "--tol", "1e-3"))
        self.assertLessEqual(out["iterations"], 1)
        # An ovr model cannot warm-start a multinomial run.
        ovr = self.path("ovr.json")
        ok("train", data, "--multi-class", "ovr", "-o", ovr)
        r = run("train", data, "--init", ovr, "-o", self.path("bad.json"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("ovr", r.stderr.decode())

    def test_class_weights_need_one_per_class(self):
        data = self.svm()
        r = run("train", data, "--class-weight", "1,2", "-o", self.path("m.json"))
        self.assertEqual(r.returncode, 2)  # a usage error, found once the classes are known
        self.assertIn("3 positive numbers", r.stderr.decode())
        ok("train", data, "--class-weight", "1,2,3", "-o", self.path("m.json"))
        ok("train", data, "--class-weight", "balanced", "-o", self.path("m.json"))


def main():
    global LOGRAD
    if len(sys.argv) < 2:
        sys.exit("usage: multiclass_cli_test.py PATH/TO/lograd")
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
