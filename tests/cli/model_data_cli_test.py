#!/usr/bin/env python3
"""End-to-end tests of how a model meets data (standard library only): binary caches read by
CSV-trained models, the missing-value policy kept through a cache, the sample-weight column
absent at prediction, and data and models without features (found by probing the CLI,
2026-12-06).

Usage: model_data_cli_test.py PATH/TO/lograd

Each check compares against an independent result: predictions from a cache against those from
the CSV file it was made from, a featureless LIBLINEAR model's probabilities against the
normalised sigmoids of its biases (the closed form), a policy against what it must print.
"""
import json
import math
import os
import sys
import unittest

from cli_util import LogradTest

EXIT_ERROR = 1
EXIT_USAGE = 2


class Base(LogradTest):
    PREFIX = "lograd_model_data_cli_"


CSV = "a;colour;y\n1;red;0\n3;blue;1\n5;red;0\n2;green;1\n4;blue;1\n0.5;green;0\n"


class CachesAndCsvModels(Base):
    def test_a_csv_model_reads_its_cache_and_refuses_another_encoding(self):
        data = self.write("d.csv", CSV)
        cache = self.path("d.lgb")
        self.ok("convert", data, "-o", cache)
        model = self.path("m.json")
        self.ok("train", cache, "-q", "-o", model)
        from_csv = self.ok("predict", "-m", model, data, "--proba").out
        self.assertEqual(self.ok("predict", "-m", model, cache, "--proba").out, from_csv)
        self.assertIn("accuracy", self.ok("eval", "-m", model, cache).out)
        self.ok("train", data, "-q", "-o", self.path("m2.json"), "--test", cache)
        # Another CSV's cache: its categories are numbered in its own order.
        other = self.write("o.csv", "a;colour;y\n1;blue;0\n3;red;1\n")
        other_cache = self.path("o.lgb")
        self.ok("convert", other, "-o", other_cache)
        r = self.fails(EXIT_ERROR, "predict", "-m", model, other_cache)
        self.assertIn("encoded from its own CSV file", r.err)

    def test_the_missing_value_policy_goes_through_a_cache(self):
        data = self.write("m.csv", "a,b,y\n1,,0\n3,4,1\n5,?,0\n2,2,1\n")
        cache = self.path("m.lgb")
        self.ok("convert", data, "-o", cache, "--missing", "mean")
        model = self.path("m.json")
        self.ok("train", cache, "-q", "-o", model)
        with open(model) as f:
            self.assertEqual(json.load(f)["encoding"]["missing"], "mean")
        # The model fills with the training means, as the cache did.
        direct = self.path("direct.json")
        self.ok("train", data, "--missing", "mean", "-q", "-o", direct)
        self.assertEqual(self.ok("predict", "-m", model, data, "--decision").out,
                         self.ok("predict", "-m", direct, data, "--decision").out)
        r = self.fails(EXIT_USAGE, "train", cache, "--missing", "zero", "-o", self.path("z.json"))
        self.assertIn("made with --missing mean", r.err)

    def test_missing_mean_needs_a_model_with_means(self):
        model = self.path("m.json")
        self.ok("train", self.write("f.csv", "a,b,y\n1,2,0\n3,4,1\n5,1,0\n2,2,1\n"), "-q", "-o", model)
        r = self.fails(EXIT_USAGE, "predict", "-m", model,
                       self.write("g.csv", "a,b,y\n1,,0\n"), "--missing", "mean")
        self.assertIn("trained with --missing error", r.err)


class Categories(Base):
    def test_categories_unseen_in_training_are_counted(self):
        model = self.path("c.json")
        self.ok("train", self.write("d.csv", CSV), "-q", "-o", model)
        r = self.ok("predict", "-m", model,
                    self.write("p.csv", "a;colour;y\n1;purple;0\n3;red;1\n2;teal;0\n"))
        self.assertIn("has 2 value(s) in categorical columns that the training data did not "
                      "have", r.err)
        r = self.ok("predict", "-m", model, self.write("q.csv", "a;colour;y\n1;red;0\n"))
        self.assertNotIn("categorical", r.err)


class WeightColumn(Base):
    def test_prediction_without_the_weight_column(self):
        data = self.write("w.csv", "a,b,w,y\n1,2,1,0\n3,4,2,1\n5,1,0.5,0\n2,2,1,1\n")
        model = self.path("w.json")
        self.ok("train", data, "--sample-weight-column", "w", "-q", "-o", model)
        want = self.ok("predict", "-m", model, data, "--proba").out.split()
        self.assertEqual(len(want), 4)
        for text in ("a,b,y\n1,2,0\n3,4,1\n5,1,0\n2,2,1\n", "a,b\n1,2\n3,4\n5,1\n2,2\n",
                     "1,2\n3,4\n5,1\n2,2\n"):
            with self.subTest(text=text.split("\n")[0]):
                self.assertEqual(self.ok("predict", "-m", model, self.write("p.csv", text),
                                         "--proba").out.split(), want)
        self.assertIn("accuracy", self.ok("eval", "-m", model,
                                          self.write("e.csv", "a,b,y\n1,2,0\n3,4,1\n")).out)


class NoFeatures(Base):
    def test_training_data_without_features_is_refused(self):
        # Labels only (tests/models/train_multiclass_test.cc trains such data through the
        # library: the classes' frequencies). A CSV file read with the wrong delimiter.
        for mode in ("multinomial", "ovr", "auto"):
            with self.subTest(mode=mode):
                r = self.fails(EXIT_ERROR, "train", self.write("l.svm", "1\n1\n2\n3\n"),
                               "--multi-class", mode, "-o", self.path("m.json"))
                self.assertIn("has no features", r.err)
        csv = self.write("p.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,2\n")
        r = self.fails(EXIT_ERROR, "train", csv, "--delimiter", ";", "-o", self.path("d.json"))
        self.assertIn("--delimiter", r.err)
        self.assertFalse(os.path.exists(self.path("m.json")))

    def test_a_liblinear_model_without_features_predicts(self):
        model = self.write("z.model", "solver_type L2R_LR\nnr_class 3\nlabel 1 2 3\n"
                                      "nr_feature 0\nbias 1\nw\n0.1 0.2 0.3 \n")
        data = self.write("l.svm", "1\n2\n")
        lines = self.ok("predict", "-m", model, data, "--decision").out.strip().split("\n")
        self.assertEqual(lines[0], "labels 1 2 3")
        for line in lines[1:]:
            self.assertEqual([float(v) for v in line.split()], [0.1, 0.2, 0.3])
        # One-vs-rest probabilities: the K sigmoids of the biases, normalised (liblinear -b 1).
        lines = self.ok("predict", "-m", model, data, "--proba").out.strip().split("\n")
        self.assertEqual(lines[0], "labels 1 2 3")
        s = [1 / (1 + math.exp(-b)) for b in (0.1, 0.2, 0.3)]
        for line in lines[1:]:
            self.assertEqual(line.split()[0], "3")
            for p, q in zip(map(float, line.split()[1:]), s):
                self.assertAlmostEqual(p, q / sum(s), places=12)

class ScoresAndExports(Base):
    def test_scores_that_overflow_are_an_error_not_nan(self):
        model = self.path("t.json")
        self.ok("train", self.write("t.svm", "+1 1:1\n+1 1:2\n-1 2:1\n-1 2:2\n+1 1:1 2:0.2\n"
                                             "-1 1:0.2 2:1\n"), "-q", "--C", "10", "-o", model)
        big = self.write("big.svm", "-1 2:1\n+1 1:1.7e308 2:1.7e308\n")
        for args in (("predict",), ("predict", "--proba"), ("predict", "--decision"), ("eval",)):
            with self.subTest(args=args):
                r = self.fails(EXIT_ERROR, *args[:1], "-m", model, big, *args[1:])
                self.assertIn(f"{big}: example 2: the model's score", r.err)
                self.assertNotIn("nan", r.out)

    def test_export_of_a_csv_model_says_what_liblinear_cannot_hold(self):
        data = self.write("d.csv", "colour,h,y\nred,1,1\nblue,2,0\ngreen,,1\nred,3,0\n"
                                   "blue,1.5,1\ngreen,2.5,0\n")
        model = self.path("m.json")
        self.ok("train", data, "--missing", "mean", "-q", "-o", model)
        r = self.ok("export", "-m", model, "-o", self.path("m.ll"))
        self.assertIn("trained on CSV columns", r.err)
        self.assertIn("training means", r.err)
        svm = self.path("m2.json")
        self.ok("train", self.write("s.svm", "+1 1:1\n-1 2:1\n+1 1:2\n-1 2:2\n"), "-q", "-o", svm)
        self.assertNotIn("CSV", self.ok("export", "-m", svm, "-o", self.path("s.ll")).err)
        with open(self.path("s.ll")) as f:
            self.assertEqual(f.readline().split(), ["solver_type", "L2R_LR"])
        # A pure L1 model has LIBLINEAR's L1 name (-s 6).
        l1 = self.path("l1.json")
        self.ok("train", self.path("s.svm"), "--l1", "-q", "-o", l1)
        self.ok("export", "-m", l1, "-o", self.path("l1.ll"))
        with open(self.path("l1.ll")) as f:
            self.assertEqual(f.readline().split(), ["solver_type", "L1R_LR"])

    def test_reading_options_given_with_a_cache_are_named_as_ignored(self):
        data = self.write("s.svm", "+1 1:1 3:1\n-1 2:1\n+1 1:2\n-1 2:2 3:1\n")
        cache = self.path("s.lgb")
        self.ok("convert", data, "--storage", "dense", "-o", cache)
        r = self.ok("train", cache, "--storage", "sparse", "--dtype", "float64", "-q",
                    "-o", self.path("m.json"))
        self.assertIn("--storage, --dtype ignored", r.err)
        self.assertNotIn("ignored", self.ok("train", cache, "-q", "-o", self.path("m.json")).err)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: model_data_cli_test.py PATH/TO/lograd")
    LogradTest.LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
