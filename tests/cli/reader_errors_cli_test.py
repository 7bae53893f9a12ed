#!/usr/bin/env python3
"""End-to-end tests of bad input (standard library only): one test per case of issue 5, item 1.

Usage: reader_errors_cli_test.py PATH/TO/lograd

Each refused file must make `lograd train` exit with status 1 and print one message that names
the file and the line (and the column where there is one), says what was found and what was
expected. Each accepted oddity (a 10 MB line, CRLF, no final newline, a UTF-8 BOM) must train
to the same model as the plain file.
"""
import gzip
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

LOGRAD = None
EXIT_ERROR = 1


def run(*args, timeout=120):
    return subprocess.run([LOGRAD, *map(str, args)], capture_output=True, timeout=timeout)


class ReaderErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lograd_reader_cli_")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def refused(self, name, data, where, *messages, args=(), command="train"):
        """Trains on `data` written to `name`; asserts exit 1 and 'PATH:where: ...messages'."""
        path = self.write(name, data) if data is not None else os.path.join(self.dir, name)
        out = os.path.join(self.dir, "model.json")
        r = run(command, path, *args, *(("-o", out) if command == "train" else ()))
        err = r.stderr.decode("utf-8", errors="replace")
        self.assertEqual(r.returncode, EXIT_ERROR, f"{name}: exit {r.returncode}\n{err}")
        lines = [l for l in err.splitlines() if l.startswith("lograd: error: ")]
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith(f"lograd: error: {path}{where}"),
                        f"expected '{path}{where}' first in:\n{err}")
        for m in messages:
            self.assertIn(m, lines[0])
        if command == "train":
            self.assertFalse(os.path.exists(out), "a refused run must not write a model")
        # What lograd prints is text: control bytes of the input are escaped.
        self.assertTrue(all(b >= 0x20 or b in b"\n\t" for b in r.stderr), r.stderr)
        return lines[0]

    # -- files that are missing, unreadable, empty or only a header -----------------------------

    def test_missing_file(self):
        # No line to name: the message names the file, the cause and the fix.
        self.refused_open(os.path.join(self.dir, "nosuch.svm"), "lograd: error: cannot open",
                          "No such file or directory", "check the path")

    def refused_open(self, path, *messages):
        r = run("train", path, "-o", os.path.join(self.dir, "m.json"))
        err = r.stderr.decode()
        self.assertEqual(r.returncode, EXIT_ERROR, err)
        self.assertIn(f"'{path}'", err)
        for m in messages:
            self.assertIn(m, err)

    def test_unreadable_file(self):
        path = self.write("locked.svm", "+1 1:1\n-1 1:2\n")
        os.chmod(path, 0)
        if os.access(path, os.R_OK):  # root reads anything: test a directory instead
            # A directory is its files one after another: one without files is a usage error.
            empty = os.path.join(self.dir, "empty_dir")
            os.makedirs(empty)
            r = run("train", empty, "-o", os.path.join(self.dir, "m.json"))
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 2, err)
            self.assertIn(f"'{empty}' is a directory of 0 files", err)
            self.assertIn("give one file", err)
        else:
            self.refused_open(path, "cannot open", "Permission denied", "permissions")

    def test_empty_file(self):
        self.refused("empty.svm", "", ":1:1: ", "the file has no examples")
        self.refused("blank.svm", "\n  \n\n", ":1:1: ", "the file has no examples")
        self.refused("empty.csv", "", ":1:1: ", "the file has no examples")

    def test_only_a_header(self):
        self.refused("header.csv", "age,income,label\n", ":1:1: ",
                     "the file has a header but no examples")

    # -- values and labels ------------------------------------------------------------------------

    def test_non_numeric_value(self):
        self.refused("value.svm", "+1 1:0.5\n-1 2:abc\n", ":2:6: ",
                     "expected a number after '2:', found 'abc'")
        self.refused("value.csv", "a,b,y\n1,2,0\n3,4x,1\n5,6,0\n", ":3:3: ",
                     "expected a number in column 2 ('b'), found '4x'", "2 of its 3 values")

    def test_non_numeric_label(self):
        self.refused("label.svm", "+1 1:0.5\nfoo 2:1\n", ":2:1: ",
                     "expected a numeric label (e.g. -1, +1, 0, 1), found 'foo'")
        self.refused("label.svm", "+1 1:0.5\n2:1 3:1\n", ":2:1: ",
                     "expected a label before the features, found '2:1'")

    def test_index_zero(self):
        self.refused("zero.svm", "+1 1:1\n-1 0:1\n", ":2:4: ",
                     "index 0 is not allowed: LIBSVM indices start at 1")

    def test_negative_index(self):
        self.refused("negative.svm", "+1 -3:1\n-1 1:1\n", ":1:4: ", "index -3 is negative")
        self.refused("negative.svm", "+1 1:1\n-1 2:1 -3:1\n", ":2:8: ", "index -3 is negative")

    def test_overflowing_index(self):
        self.refused("big.svm", "+1 1:1\n-1 99999999999999999999:1\n", ":2:4: ",
                     "index 99999999999999999999 is too large: indices go up to 2147483647")

    def test_index_not_ascending(self):
        self.refused("order.svm", "+1 3:1 2:1\n-1 1:1\n", ":1:8: ",
                     "index 2 is not ascending (2 after 3)", "strictly ascending")

    def test_repeated_index(self):
        self.refused("repeat.svm", "+1 1:1\n-1 2:1 2:1\n", ":2:8: ", "repeated index 2")

    def test_nan_and_inf(self):
        for v in ("nan", "NaN", "inf", "-inf", "1e400"):
            self.refused("nonfinite.svm", f"+1 1:1\n-1 1:{v}\n", ":2:6: ",
                         f"value '{v}' is not allowed: expected a finite number")
        self.refused("nan.csv", "a,y\n1,0\nnan,1\n", ":3:1: ",
                     "value 'nan' in column 1 ('a') is not allowed: expected a finite number")

    def test_ragged_csv_rows(self):
        self.refused("ragged.csv", "a,b,y\n1,2,1\n3,0\n", ":3:4: ",
                     "expected 3 fields (as in the header), found 2")
        self.refused("long.csv", "a,b,y\n1,2,1\n3,0,1,7\n", ":3:7: ",
                     "expected 3 fields (as in the header), found 4")

    # -- classes ---------------------------------------------------------------------------------

    def test_only_one_class(self):
        self.refused("one.svm", "+1 1:1\n1 2:1\n1.0 3:1\n", ":3:1: ",
                     "every one of the 3 examples has the label '1'", "needs 2 classes")
        self.refused("one.csv", "x,y\n1,yes\n2,yes\n", ":3:1: ",
                     "every one of the 2 examples has the label 'yes'", "--label-column")

    def test_three_classes_train_a_multinomial_model(self):
        # Once refused ("lograd trains binary models"); now three classes make a softmax model
        # whose classes keep their original text, in numeric or text order.
        for name, data, labels in (("three.svm", "1 1:1\n2 1:2\n\n3 1:3\n1 1:4\n", ["1", "2", "3"]),
                                   ("three.csv", "x,kind\n1,cat\n2,dog\n3,bird\n", ["bird", "cat", "dog"])):
            path = self.write(name, data)
            out = os.path.join(self.dir, name + ".json")
            r = run("train", path, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            self.assertIn("multinomial over 3 classes", r.stdout.decode())
            with open(out) as f:
                model = json.load(f)
            self.assertEqual(model["version"], 2)
            self.assertEqual(model["multi_class"], "multinomial")
            self.assertEqual(model["labels"], labels)

    # -- binary garbage --------------------------------------------------------------------------

    def test_binary_garbage(self):
        rng = random.Random(5)
        junk = bytes(rng.randrange(256) for _ in range(4096))
        self.refused("junk.svm", junk, ":", "this is a binary file, not LIBSVM or CSV text")
        self.refused("junk.csv", junk, ":", "this is a binary file")
        # Text first, binary later: the line of the first control byte.
        self.refused("late.svm", b"+1 1:1\n-1 1:2\n\x00\x01\x02", ":3:1: ", "byte 0x00 at offset 14")
        # A gzip file of garbage decompresses to garbage: the same message.
        self.refused("junk.svm.gz", gzip.compress(junk), ":", "this is a binary file")
        # A damaged gzip stream, and UTF-16 text.
        self.refused_open(self.write("cut.gz", gzip.compress(b"+1 1:1\n" * 1000)[:40]),
                          "cannot decompress", "truncated")
        self.refused("utf16.svm", "+1 1:1\n-1 1:2\n".encode("utf-16"), ":1:1: ",
                     "the file is UTF-16 text", "iconv")

    # -- features at prediction ------------------------------------------------------------------

    def test_feature_count_differs_at_prediction(self):
        train = self.write("train.svm", "+1 1:1 2:1\n-1 1:-1 2:-1\n+1 1:2\n-1 2:-2\n")
        model = os.path.join(self.dir, "m.json")
        self.assertEqual(run("train", train, "-o", model, "--quiet").returncode, 0)
        fewer = self.write("fewer.svm", "+1 1:1\n")
        more = self.write("more.svm", "+1 1:1 7:100\n")
        zero = self.write("zero.svm", "+1 1:1 2:0\n")
        p = [run("predict", "-m", model, "--proba", f) for f in (fewer, more, zero)]
        for r in p:
            self.assertEqual(r.returncode, 0, r.stderr)
        # Missing features read as 0; features past the model's are ignored (documented in
        # `lograd --help` under predict).
        self.assertEqual(p[0].stdout, p[2].stdout)
        self.assertEqual(p[1].stdout, p[2].stdout)
        self.assertIn("features beyond the model's are ignored",
                      run("--help").stdout.decode())

    # -- what must be accepted -------------------------------------------------------------------

    def trained(self, name, data, *args):
        path = self.write(name, data)
        out = os.path.join(self.dir, name + ".json")
        r = run("train", path, "-o", out, "--quiet", "--tol", "1e-10", *args)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(out) as f:
            m = json.load(f)
        return m["weights"], m["bias"]

    def test_crlf_missing_final_newline_and_bom_are_accepted(self):
        rows = ["+1 1:0.5 3:1", "-1 2:1.5", "+1 1:1 2:0.25", "-1 3:-1 4:2"]
        plain = self.trained("plain.svm", "\n".join(rows) + "\n")
        self.assertEqual(self.trained("crlf.svm", "\r\n".join(rows) + "\r\n"), plain)
        self.assertEqual(self.trained("nofinal.svm", "\n".join(rows)), plain)
        self.assertEqual(self.trained("bom.svm", "\ufeff" + "\n".join(rows) + "\n"), plain)
        self.assertEqual(self.trained("all.svm", "\ufeff" + "\r\n".join(rows)), plain)
        csv = ["a,b,y", "0.5,0,1", "0,1.5,0", "1,0.25,1", "0,0,0"]
        plain = self.trained("plain.csv", "\n".join(csv) + "\n")
        self.assertEqual(self.trained("all.csv", "\ufeff" + "\r\n".join(csv)), plain)

    def test_a_10_mb_single_line_is_accepted(self):
        # One example with 1,000,000 features (~10.9 MB on one line), then a short one.
        n = 1_000_000
        line = "+1 " + " ".join(f"{j}:{(j % 97) / 97:.6f}" for j in range(1, n + 1))
        self.assertGreater(len(line), 10_000_000)
        w, b = self.trained("wide.svm", line + "\n-1 1:1\n", "--max-iter", "3")
        self.assertEqual(len(w), n)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: reader_errors_cli_test.py PATH/TO/lograd")
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
