#!/usr/bin/env python3
"""End-to-end tests of issue 15, items 5, 9 and 10 (standard library only).

Usage: messages_cli_test.py PATH/TO/lograd

Item 5: odd inputs that were accepted silently now get an error or a warning. Item 9: bad
option values are usage errors (status 2) with readable messages, unknown options and commands
get a "did you mean", and the messages of odd cases say what is wrong. Item 10: predict reads
data without labels, with the model's missing-value policy.
"""
import json
import os
import random
import sys
import unittest

from cli_util import LogradTest, run_lograd

LOGRAD = None
EXIT_ERROR = 1
EXIT_USAGE = 2


def run(*args, timeout=120):
    return run_lograd(LOGRAD, *args, timeout=timeout)


def csv_rows(n=60, seed=3, missing=()):
    """Rows 'x1,x2,colour,label' with a signal in x1 and x2; `missing`: (row, col) left empty."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        y = i % 2
        x1 = rng.gauss(1.0 if y else -1.0, 1.0)
        x2 = rng.gauss(0.5 if y else -0.5, 1.0)
        colour = rng.choice(["red", "blue", "green"])
        fields = [f"{x1:.4f}", f"{x2:.4f}", colour, "yes" if y else "no"]
        for (r, c) in missing:
            if r == i:
                fields[c] = ""
        rows.append(fields)
    return rows


def libsvm_lines(n=60, seed=5, width=3):
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        y = 1 if i % 2 else -1
        feats = " ".join(f"{j}:{rng.gauss(0.8 * y / j, 1.0):.4f}" for j in range(1, width + 1))
        lines.append(f"{'+1' if y > 0 else '-1'} {feats}")
    return lines


class Base(LogradTest):
    PREFIX = "lograd_messages_cli_"

    def write_csv(self, name, rows, header=("x1", "x2", "colour", "label")):
        lines = ([",".join(header)] if header else []) + [",".join(r) for r in rows]
        return self.write(name, "\n".join(lines) + "\n")

    def svm(self, name="train.svm", **kw):
        return self.write(name, "\n".join(libsvm_lines(**kw)) + "\n")

    def model(self, data, *args, name="m.json"):
        out = self.path(name)
        self.ok("train", data, "-o", out, "-q", *args)
        return out


# -- item 5: odd inputs accepted silently ---------------------------------------------------------

class OddInputs(Base):
    def test_liblinear_label_line_repeating_a_class(self):
        # '1' and '+1' are one class to LIBLINEAR: the model predicted '1' for everything.
        model = self.write("m.liblinear", "solver_type L2R_LR\nnr_class 2\nlabel 1 +1\n"
                                          "nr_feature 1\nbias -1\nw\n0.5\n")
        data = self.write("d.svm", "1 1:1\n-1 1:-1\n")
        r = self.fails(EXIT_ERROR, "predict", "--model", model, data)
        self.assertIn(f"{model}: not a usable LIBLINEAR model: the \"label\" line names the "
                      "class 1 twice", r.err)
        self.assertEqual(r.out, "")

    def test_label_glued_to_the_first_feature_is_libsvm(self):
        # '+1:1 2:3' (space missing after the label) made the whole file read as one-column CSV.
        rest = "\n".join(libsvm_lines(n=20)[1:]) + "\n"
        for first in ("+1:1 2:3", "+1:1"):
            with self.subTest(first=first):
                data = self.write("glued.svm", first + "\n" + rest)
                r = self.fails(EXIT_ERROR, "train", data, "-o", self.path("x.json"))
                self.assertIn(f"lograd: error: {data}:1:1: expected a label before the features, "
                              "found '+1:1'", r.err)
                self.assertIn("space missing after the label", r.err)
                self.assertFalse(os.path.exists(self.path("x.json")))

    def test_all_zero_sample_weights(self):
        rows = [r + ["0"] for r in csv_rows(n=20)]
        data = self.write_csv("w.csv", rows, header=("x1", "x2", "colour", "label", "w"))
        r = self.fails(EXIT_ERROR, "train", data, "--label-column", "label",
                       "--sample-weight-column", "w", "-o", self.path("x.json"))
        self.assertIn("every example has weight 0", r.err)
        self.assertNotIn("converged", r.out)
        # One example with weight > 0 is enough to train on.
        rows[0][4] = "1"
        rows[1][4] = "1"
        data = self.write_csv("w.csv", rows, header=("x1", "x2", "colour", "label", "w"))
        self.ok("train", data, "--label-column", "label", "--sample-weight-column", "w",
                "-o", self.path("x.json"))

    def test_skip_row_says_how_many_rows_it_dropped(self):
        data = self.write_csv("miss.csv", csv_rows(n=40, missing=[(3, 0), (7, 1), (11, 2)]))
        r = self.ok("train", data, "--missing", "skip-row", "-o", self.path("m.json"))
        self.assertIn(f"lograd: warning: --missing skip-row dropped 3 of the 40 rows of {data}",
                      r.err)
        self.assertIn("37 examples", r.out)
        # eval with the model's policy (skip-row) says so too.
        r = self.ok("eval", "--model", self.path("m.json"), data)
        self.assertIn("dropped 3 of the 40 rows", r.err)
        self.assertIn("examples   37", r.out)
        # Without missing values there is nothing to say.
        full = self.write_csv("full.csv", csv_rows(n=40))
        r = self.ok("train", full, "--missing", "skip-row", "-o", self.path("m2.json"))
        self.assertNotIn("warning", r.err)

    def test_predict_data_wider_than_the_model_warns_once(self):
        model = self.model(self.svm(width=2))
        wide = self.svm("wide.svm", width=4, seed=9)
        r = self.ok("predict", "--model", model, wide)
        self.assertEqual(r.err.count("warning"), 1, r.err)
        self.assertIn(f"lograd: warning: {wide} has 4 features, the model 2: features 3 to 4 "
                      "are not in the model and are ignored", r.err)
        self.assertEqual(len(r.out.split()), 60)
        narrow = self.svm("narrow.svm", width=2, seed=9)
        self.assertEqual(self.ok("predict", "--model", model, narrow).err, "")


# -- item 9: messages --------------------------------------------------------------------------

class UsageErrors(Base):
    def test_bad_option_values_are_usage_errors(self):
        data = self.svm()
        cases = [
            (("train", data, "--C", "-1"), "--C", "must be a number > 0, got '-1'"),
            (("train", data, "--C", "0"), "--C", "got '0'"),
            (("train", data, "--class-weight", "10"), "--class-weight",
             "must be 'balanced' or two numbers > 0 'w0,w1'"),
            (("train", data, "--class-weight", "1,-2"), "--class-weight", "got '1,-2'"),
            (("train", data, "--elastic-net", "1.5"), "--elastic-net",
             "must be a number in [0, 1], got '1.5'"),
            (("train", data, "--l1", "--solver", "newton"), "--solver",
             "the newton solver handles the L2 penalty only"),
            (("train", data, "--elastic-net", "0.5", "--solver", "newton"), "--solver",
             "use --solver lbfgs"),
            (("train", data, "--l1", "--elastic-net", "0.5"), "--l1", "not both"),
            (("train", data, "--lr", "nan", "--solver", "gd"), "--lr", "got 'nan'"),
            (("train", data, "--lr", "inf", "--solver", "gd"), "--lr", "got 'inf'"),
            (("train", data, "--lambda", "-1"), "--lambda", "must be a number >= 0"),
            (("train", data, "--tol", "0"), "--tol", "must be a number > 0, got '0'"),
            (("train", data, "--max-iter", "0"), "--max-iter", "got '0'"),
            (("train", data, "--label-column", "0"), "--label-column",
             "columns are numbered from 1"),
            (("graph", "--out", self.path("x.jpg")), "--out", "must be .dot or .gv"),
            (("predict", "--model", "m.json", data, "--missing", "skip-row"), "--missing",
             "skip-row cannot be used"),
        ]
        for args, option, message in cases:
            with self.subTest(args=args[2:] if args[0] == "train" else args):
                out = ("-o", self.path("x.json")) if args[0] == "train" else ()
                r = self.fails(EXIT_USAGE, *args, *out)
                self.assertIn(option, r.err)
                self.assertIn(message, r.err)
                # Readable bounds: no 309-digit numbers, no "diverged".
                self.assertNotIn("17976931348623157", r.err)
                self.assertNotIn("e+308", r.err)
                self.assertNotIn("diverged", r.err)
                self.assertFalse(os.path.exists(self.path("x.json")))
                self.assertFalse(os.path.exists(self.path("x.jpg")))

    def test_unknown_command_did_you_mean(self):
        r = self.fails(EXIT_USAGE, "trian", "data.svm")
        self.assertIn("unknown command 'trian' (did you mean 'train'?)", r.err)
        r = self.fails(EXIT_USAGE, "predcit")
        self.assertIn("did you mean 'predict'?", r.err)
        r = self.fails(EXIT_USAGE, "frobnicate")
        self.assertIn("unknown command 'frobnicate'", r.err)
        self.assertNotIn("did you mean", r.err)

    def test_unknown_option_did_you_mean(self):
        data = self.svm()
        for typo, meant in (("--lamda", "--lambda"), ("--standardise", "--standardize"),
                            ("--max-iters", "--max-iter"), ("-lambda", "--lambda")):
            with self.subTest(typo=typo):
                r = self.fails(EXIT_USAGE, "train", data, typo, "1", "-o", self.path("x.json"))
                self.assertIn(f"lograd: hint: {typo}: unknown option; did you mean {meant}?",
                              r.err)
                self.assertFalse(os.path.exists(self.path("x.json")))
        r = self.fails(EXIT_USAGE, "predict", "--model", "m.json", data, "--probaa")
        self.assertIn("did you mean --proba?", r.err)

    def test_liblinear_spellings_point_to_lograds(self):
        data = self.svm()
        for flag, value, pointer in (("-c", "1", "lograd's --C C"), ("-e", "0.01", "--tol"),
                                     ("-s", "0", "--solver"), ("-B", "1", "--no-bias"),
                                     ("-w1", "2", "--class-weight"), ("-v", "5", "--cv")):
            with self.subTest(flag=flag):
                r = self.fails(EXIT_USAGE, "train", data, flag, value, "-o", self.path("x.json"))
                self.assertIn(f"lograd: hint: {flag}: LIBLINEAR's", r.err)
                self.assertIn(pointer, r.err)


class Messages(Base):
    def test_json_given_as_data(self):
        model = self.model(self.svm())
        for command in (("train", model, "-o", self.path("x.json")),
                        ("predict", "--model", model, model), ("eval", "--model", model, model)):
            with self.subTest(command=command[0]):
                r = self.fails(EXIT_ERROR, *command)
                self.assertIn(f"lograd: error: {model}:1:1: this is a JSON file", r.err)
                self.assertIn("a lograd model or checkpoint?", r.err)

    def test_data_given_as_model(self):
        data = self.svm()
        r = self.fails(EXIT_ERROR, "predict", "--model", data, data)
        self.assertIn(f"lograd: error: {data}: not a model file: it looks like LIBSVM data", r.err)
        self.assertIn("is this the data file, given as the model?", r.err)
        self.assertNotIn("json.exception", r.err)
        csv = self.write_csv("d.csv", csv_rows(n=10))
        r = self.fails(EXIT_ERROR, "eval", "--model", csv, csv)
        self.assertIn("it looks like CSV data", r.err)
        self.assertNotIn("json.exception", r.err)
        r = self.fails(EXIT_ERROR, "train", data, "--init", csv, "-o", self.path("x.json"))
        self.assertIn("it looks like CSV data", r.err)

    def test_windows_1252_text_is_refused_at_its_line(self):
        rows = csv_rows(n=30)
        rows[4][2] = "caf\xe9"  # written below as the single byte 0xe9 (Windows-1252 'é')
        text = ("x1,x2,colour,label\n" + "\n".join(",".join(r) for r in rows) + "\n")
        data = self.write("cp1252.csv", text.encode("cp1252"))
        out = self.path("x.json")
        r = self.fails(EXIT_ERROR, "train", data, "-o", out)
        # Line 6 (header, then rows 0..4), column: x1,x2, then 'caf' -> the byte after it.
        line = text.splitlines()[5]
        col = line.index("caf") + 4
        self.assertIn(f"lograd: error: {data}:6:{col}: byte 0xe9 in the value 'caf", r.err)
        self.assertIn("of column 3 is not UTF-8", r.err)
        self.assertIn("iconv -f WINDOWS-1252 -t UTF-8", r.err)
        self.assertEqual(r.out, "", "refused before training")
        self.assertFalse(os.path.exists(out))
        # In a header name and in a label too.
        text2 = "x1,x2,colour,lab\xe9l\n" + "\n".join(",".join(r) for r in csv_rows(n=10)) + "\n"
        data2 = self.write("h.csv", text2.encode("cp1252"))
        r = self.fails(EXIT_ERROR, "train", data2, "-o", out)
        self.assertIn(f"{data2}:1:", r.err)
        self.assertIn("in the column name", r.err)
        rows = csv_rows(n=10)
        rows[2][3] = "n\xf6"
        text3 = "x1,x2,colour,label\n" + "\n".join(",".join(r) for r in rows) + "\n"
        data3 = self.write("l.csv", text3.encode("cp1252"))
        r = self.fails(EXIT_ERROR, "train", data3, "-o", out)
        self.assertIn(f"{data3}:4:", r.err)
        self.assertIn("in the label", r.err)
        # Real UTF-8 is fine.
        self.ok("train", self.write("utf8.csv", text.encode("utf-8")), "-o", out)

    def test_huge_constant_feature_does_not_blame_init(self):
        lines = [f"{l} 4:1e300" for l in libsvm_lines(n=30)]
        data = self.write("huge.svm", "\n".join(lines) + "\n")
        r = run("train", data, "-o", self.path("x.json"), "--dtype", "float64")
        self.assertIn(r.returncode, (0, 3), r.err)
        self.assertNotIn("--init", r.err)

    def test_lambda_zero_has_no_liblinear_form(self):
        # Non-separable data (one feature, overlapping classes): lambda 0 has a finite optimum.
        data = self.svm(width=1)
        r = self.ok("train", data, "--lambda", "0", "-o", self.path("x.json"))
        self.assertNotIn("nan", r.out.lower())
        self.assertIn("no LIBLINEAR form: lambda = 0", r.out)

    def test_l1_summary_names_the_l1_objective(self):
        data = self.svm()
        r = self.ok("train", data, "--l1", "-o", self.path("x.json"))
        self.assertIn("objective mean log loss + lambda ||w||_1 (L1)", r.out)
        self.assertNotIn("||w||^2", r.out)
        self.assertIn("LIBLINEAR form ||w||_1 + C sum", r.out)
        r = self.ok("train", data, "--elastic-net", "0.25", "-o", self.path("x.json"))
        self.assertIn("lambda (alpha ||w||_1 + (1-alpha)/2 ||w||^2) (elastic net, alpha = 0.25)",
                      r.out)
        r = self.ok("train", data, "-o", self.path("x.json"))
        self.assertIn("objective mean log loss + lambda/2 ||w||^2,", r.out)
        self.assertIn("LIBLINEAR form 0.5||w||^2 + C sum", r.out)

    def test_column_numbers_count_from_one_everywhere(self):
        # Label first: --label-column 1 is the first column, as "column 1" in messages.
        rows = [[r[3], r[0], r[1], r[2]] for r in csv_rows(n=30)]
        data = self.write_csv("first.csv", rows, header=None)
        by_number = self.model(data, "--label-column", "1", name="a.json")
        with open(by_number) as f:
            doc = json.load(f)
        self.assertEqual(doc["labels"], ["no", "yes"])
        self.assertEqual(doc["encoding"]["columns"][0]["kind"], "label")
        r = self.fails(EXIT_ERROR, "train", data, "--label-column", "5", "-o", self.path("x.json"))
        self.assertIn("label column 5 is out of range", r.err)
        self.assertIn("has 4 columns (1 to 4)", r.err)
        # A message about column 2 names the second column (x1).
        rows[3][1] = "abc"
        bad = self.write_csv("bad.csv", rows, header=None)
        r = self.fails(EXIT_ERROR, "train", bad, "--label-column", "1", "-o", self.path("x.json"))
        self.assertIn("expected a number in column 2, found 'abc'", r.err)


# -- item 10: prediction without labels ---------------------------------------------------------

class PredictWithoutLabels(Base):
    def test_csv_without_the_label_column(self):
        rows = csv_rows(n=40)
        data = self.write_csv("train.csv", rows)
        model = self.model(data)
        want = self.ok("predict", "--model", model, data, "--proba").out
        self.assertEqual(len(want.split()), 40)
        unlabelled = self.write_csv("x.csv", [r[:3] for r in rows], header=("x1", "x2", "colour"))
        self.assertEqual(self.ok("predict", "--model", model, unlabelled, "--proba").out, want)
        no_header = self.write_csv("y.csv", [r[:3] for r in rows], header=None)
        self.assertEqual(self.ok("predict", "--model", model, no_header, "--proba").out, want)
        # The label first: the model's label column is skipped wherever it was.
        rows2 = [[r[3], r[0], r[1], r[2]] for r in rows]
        data2 = self.write_csv("t2.csv", rows2, header=("label", "x1", "x2", "colour"))
        model2 = self.model(data2, "--label-column", "label", name="m2.json")
        want2 = self.ok("predict", "--model", model2, data2, "--proba").out
        self.assertEqual(self.ok("predict", "--model", model2, unlabelled, "--proba").out, want2)
        # eval needs the labels.
        self.fails(EXIT_ERROR, "eval", "--model", model, unlabelled)
        # A row of another width is still an error, counted without the label column.
        ragged = self.write("r.csv", "x1,x2,colour\n1,2,red\n1,2\n")
        r = self.fails(EXIT_ERROR, "predict", "--model", model, ragged)
        self.assertIn(f"{ragged}:3:", r.err)
        self.assertIn("expected 3 fields", r.err)

    def test_libsvm_lines_without_a_label(self):
        lines = libsvm_lines(n=30)
        data = self.write("t.svm", "\n".join(lines) + "\n")
        model = self.model(data)
        want = self.ok("predict", "--model", model, data, "--proba").out
        bare = self.write("bare.svm", "\n".join(l.split(" ", 1)[1] for l in lines) + "\n")
        self.assertEqual(self.ok("predict", "--model", model, bare, "--proba").out, want)
        # Mixed: some lines with labels, some without.
        mixed = self.write("mixed.svm", "\n".join(
            l if i % 2 else l.split(" ", 1)[1] for i, l in enumerate(lines)) + "\n")
        self.assertEqual(self.ok("predict", "--model", model, mixed, "--proba").out, want)
        # Training and eval still need labels, at the first line without one.
        r = self.fails(EXIT_ERROR, "eval", "--model", model, bare)
        self.assertIn(f"{bare}:1:1: expected a label before the features", r.err)

    def test_predict_uses_the_models_missing_policy(self):
        rows = csv_rows(n=40, missing=[(2, 0), (5, 1)])
        data = self.write_csv("m.csv", rows)
        model = self.model(data, "--missing", "mean")
        explicit = self.ok("predict", "--model", model, data, "--missing", "mean", "--proba").out
        self.assertEqual(self.ok("predict", "--model", model, data, "--proba").out, explicit)
        zero = self.ok("predict", "--model", model, data, "--missing", "zero", "--proba").out
        self.assertNotEqual(zero, explicit, "--missing given overrides the model's")
        # Without labels too.
        unlabelled = self.write_csv("u.csv", [r[:3] for r in rows], header=("x1", "x2", "colour"))
        self.assertEqual(self.ok("predict", "--model", model, unlabelled, "--proba").out,
                         explicit)
        # A model trained with the default policy still refuses missing values.
        full = self.write_csv("full.csv", csv_rows(n=40))
        strict = self.model(full, name="strict.json")
        r = self.fails(EXIT_ERROR, "predict", "--model", strict, data)
        self.assertIn("missing value", r.err)


# -- found by probing (2026-12-06): usage errors, warnings and advice --------------------------

class Probed(Base):
    def test_bad_values_found_after_parsing_are_usage_errors(self):
        data = self.svm()
        out = self.path("m.json")
        cases = [
            (("train", data, "--test", self.path("absent.svm"), "-o", out), "cannot open"),
            (("train", data, "--cv", "100", "-o", out), "the data has 60"),
            (("train", data, "--header", "--no-header", "-o", out), "not both"),
            (("train", data, "--delimiter", "ab", "-o", out), "one character"),
            (("train", data, "--class-weight", "1,2,3", "-o", out), "two positive numbers"),
            (("train", data, "--seed", "-1", "-o", out), ">= 0"),
            (("train", data, "--checkpoint-every", "3", "-o", out), "needs --checkpoint"),
            (("explain", "--y", "2"), "--y"),
            (("explain", "--lr", "1e400"), "lr must be a finite number"),
            (("explain", "--w=1e308,1e308", "--b", "0"), "overflow"),
            (("graph", "--out", self.path("no-dir/g.svg")), "does not exist"),
            (("explain", "--x", ""), "is empty"),
            (("explain", "--x", "1,,2"), "is empty"),
            (("graph", "--w=1,2,"), "is empty"),
        ]
        for args, text in cases:
            with self.subTest(args=args[:3]):
                r = self.fails(EXIT_USAGE, *args)
                self.assertIn(text, r.err)
        # None of them trained: no model was written.
        self.assertFalse(os.path.exists(out))
        # --checkpoint-every with --resume: the checkpoints go back to the resumed file.
        ck = self.path("ck.json")
        self.ok("train", data, "-q", "--max-iter", "2", "-o", out, "--checkpoint", ck)
        self.ok("train", data, "-q", "-o", out, "--resume", ck, "--checkpoint-every", "5")

    def test_options_the_solver_does_not_use_are_named(self):
        data = self.svm()
        r = self.ok("train", data, "-q", "--lr", "5", "-o", self.path("m.json"))
        self.assertIn("--lr is ignored", r.err)
        r = self.ok("train", data, "-q", "--solver", "gd", "--batch-size", "2", "--max-iter", "3",
                    "-o", self.path("m.json"))
        self.assertIn("--batch-size is ignored", r.err)
        self.assertNotIn("--lr is ignored", r.err)
        r = self.ok("train", data, "-q", "--solver", "sgd", "--lr", "0.1", "--batch-size", "8",
                    "--epochs", "2", "-o", self.path("m.json"))
        self.assertNotIn("ignored", r.err)

    def test_advice_names_the_limit_given_and_only_solvers_that_apply(self):
        data = self.svm()
        r = self.ok("train", data, "--solver", "newton", "--epochs", "1", "--tol", "1e-15",
                    "-o", self.path("m.json"))
        self.assertIn("stopped at --epochs 1", r.err)
        self.assertNotIn("--solver newton", r.err)
        r = self.ok("train", data, "--l1", "--max-iter", "1", "--tol", "1e-15",
                    "-o", self.path("m.json"))
        self.assertIn("stopped at --max-iter 1", r.err)
        self.assertNotIn("--solver newton", r.err)

    def test_metrics_and_label_errors_say_what_and_where(self):
        data = self.svm()
        model = self.model(data)
        one_class = self.write("one.svm", "+1 1:0.5\n+1 2:1\n")
        r = self.ok("eval", "--model", model, one_class)
        self.assertIn("ROC AUC    undefined (one class)", r.out)
        self.assertNotIn("nan", r.out)
        r = self.ok("train", data, "-q", "-o", self.path("m2.json"), "--test", one_class)
        self.assertIn("ROC AUC undefined (one class)", r.out)
        other = self.write("other.svm", "+1 1:0.5\n7 2:1\n")
        r = self.fails(EXIT_ERROR, "eval", "--model", model, other)
        self.assertIn(f"{other} has label '7' (example 2)", r.err)
        r = self.fails(EXIT_ERROR, "train", data, "-q", "-o", self.path("m3.json"), "--test", other)
        self.assertIn(f"{other} has label '7'", r.err)
        self.assertIn("the model is written", r.err)

    def test_an_empty_or_comment_only_file_is_read_as_libsvm(self):
        for text in ("", "# only a comment\n", "\n\n"):
            with self.subTest(text=text):
                r = self.fails(EXIT_ERROR, "train", self.write("e.svm", text),
                               "-o", self.path("m.json"))
                self.assertIn("has no examples", r.err)
                self.assertIn("index:value", r.err)

    def test_a_label_column_name_given_twice_in_the_header_is_refused(self):
        data = self.write("dup.csv", "a,b,a\n1,2,0\n3,4,1\n5,6,0\n")
        r = self.fails(EXIT_ERROR, "train", data, "--label-column", "a", "-o", self.path("m.json"))
        self.assertIn("names columns 1 and 3", r.err)
        self.ok("train", data, "--label-column", "3", "-q", "-o", self.path("m.json"))

    def test_a_regression_target_is_flagged(self):
        rows = "\n".join(f"{i % 7},{0.37 * i + 0.01 * (i % 3):.3f}" for i in range(40))
        r = self.ok("train", self.write("reg.csv", "x,price\n" + rows + "\n"), "-q",
                    "--max-iter", "2", "-o", self.path("m.json"))
        self.assertIn("distinct labels among 40 examples", r.err)
        r = self.ok("train", self.svm(), "-q", "-o", self.path("m2.json"))
        self.assertNotIn("distinct labels", r.err)

    def test_predict_with_a_skip_row_model_asks_for_a_fill(self):
        rows = csv_rows(n=40, missing=[(3, 1)])
        data = self.write_csv("m.csv", rows)
        model = self.model(data, "--missing", "skip-row")
        r = self.fails(EXIT_ERROR, "predict", "--model", model, data)
        self.assertIn("use --missing zero to fill the value", r.err)
        self.assertNotIn("skip-row|", r.err)  # predict refuses skip-row: not offered
        self.assertNotIn("|mean", r.err)  # nor mean: the model holds no means
        self.assertIn("dropped 1 of the 40 rows", self.ok("eval", "--model", model, data).err)
        r = self.fails(EXIT_USAGE, "predict", "--model", model, data, "--missing", "mean")
        self.assertNotIn("or skip-row", r.err)

    def test_cv_says_when_a_class_has_a_single_example(self):
        lines = libsvm_lines(n=30)
        lines.append("7 1:0.5 2:0.1 3:0.2")  # a third class of one example
        data = self.write("c.svm", "\n".join(lines) + "\n")
        r = self.fails(EXIT_ERROR, "train", data, "--cv", "3", "-o", self.path("m.json"))
        self.assertIn("class '7' has a single example", r.err)

    def test_a_test_set_through_a_fifo_is_read_once_after_training(self):
        import threading
        data = self.svm()
        fifo = self.path("test.fifo")
        os.mkfifo(fifo)
        text = "\n".join(libsvm_lines(n=20, seed=9)) + "\n"

        def writer():
            with open(fifo, "w") as f:  # blocks until lograd opens it for reading
                f.write(text)
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        r = run("train", data, "-q", "--json", "-o", self.path("m.json"), "--test", fifo,
                timeout=60)
        t.join(timeout=10)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertEqual(json.loads(r.out)["test"]["count"], 20)


def main():
    global LOGRAD
    if len(sys.argv) < 2:
        sys.exit("usage: messages_cli_test.py PATH/TO/lograd")
    LOGRAD = LogradTest.LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
