#!/usr/bin/env python3
"""End-to-end tests of training faults and resource limits (standard library only).

Usage: faults_cli_test.py PATH/TO/lograd

- divergence: exit status 3, a message naming the cause and the fix, a finite model that loads;
- checkpoints: the file format, and --resume reaching the weights of an uninterrupted run bit for
  bit (every solver), refusing other options, other data and damaged files;
- SIGINT / SIGTERM during a long training: exit 130 / 143 within seconds, the model and the
  checkpoint written and usable; a second signal exits at once;
- --max-memory: data that would not fit is refused before reading, with exit status 4.
"""
import atexit
import gzip
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LOGRAD = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
A9A = os.path.join(REPO, "data", "a9a.gz")
A9A_T = os.path.join(REPO, "data", "a9a.t.gz")
KDD = os.path.normpath(os.path.join(REPO, "..", "shared", "datasets",
                                    "kddcup99_10pct_binary.libsvm.gz"))

EXIT_ERROR, EXIT_USAGE, EXIT_DIVERGED, EXIT_MEMORY = 1, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


def run(*args, timeout=300):
    return subprocess.run([LOGRAD, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def read_json(path):
    with open(path) as f:
        return json.load(f)


class FaultsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lograd_faults_cli_")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def expect(self, code, *args, timeout=300):
        r = run(*args, timeout=timeout)
        self.assertEqual(r.returncode, code, f"lograd {' '.join(map(str, args))} should exit "
                                             f"{code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def assertFiniteModel(self, path):
        model = read_json(path)  # the model file refuses NaN/inf; json.load would read them too
        for v in model["weights"] + [model["bias"]]:
            self.assertTrue(math.isfinite(v), f"{path}: non-finite parameter {v}")
        return model


# ---- divergence ------------------------------------------------------------------------------

class Divergence(FaultsTest):
    def test_gd_with_a_huge_learning_rate_stops_with_the_last_finite_model(self):
        out = self.path("m.json")
        r = self.expect(EXIT_DIVERGED, "train", A9A, "--solver", "gd", "--lr", "1e6", "-o", out)
        err = r.stderr
        self.assertIn("training diverged", err)
        self.assertRegex(err, r"became NaN or infinite at iteration \d+")
        self.assertIn("the learning rate is too large", err)
        self.assertIn("Lower --lr", err)
        self.assertIn("1/L", err)
        self.assertIn("--solver newton", err)
        self.assertIn("the last finite ones", err)
        model = self.assertFiniteModel(out)
        self.assertEqual(model["training"]["stop_reason"], "diverged")
        # The model is usable: predict reads it and gives one label per row.
        p = self.expect(0, "predict", "-m", out, A9A_T)
        self.assertEqual(len(p.stdout.split()), 16281)

    def test_json_summary_names_the_last_finite_iteration(self):
        out = self.path("m.json")
        r = self.expect(EXIT_DIVERGED, "train", A9A, "--solver", "sgd", "--lr", "1e6", "--json",
                        "-o", out)
        s = json.loads(r.stdout)
        self.assertEqual(s["stop_reason"], "diverged")
        self.assertEqual(s["last_finite_iteration"], s["iterations"] - 1)
        self.assertTrue(math.isfinite(s["objective"]))
        self.assertFiniteModel(out)

    def test_a_sane_learning_rate_does_not_diverge(self):
        # The same command with a small step: status 0 (the status above comes from divergence).
        self.expect(0, "train", A9A, "--solver", "gd", "--lr", "1", "--max-iter", "5", "-q",
                    "-o", self.path("m.json"))


# ---- checkpoints and resume ------------------------------------------------------------------

SOLVER_ARGS = {
    "gd": [], "sgd": ["--lr", "0.1"], "momentum": ["--lr", "0.05"], "adam": [],
    "lbfgs": [], "newton": [],
}


class Checkpoints(FaultsTest):
    def train(self, *args, code=0):
        return self.expect(code, "train", A9A, "--tol", "1e-12", "-q", *args)

    def test_resume_reaches_the_uninterrupted_weights_for_every_solver(self):
        total, first = 6, 3
        for solver, extra in SOLVER_ARGS.items():
            with self.subTest(solver=solver):
                common = ["--solver", solver, *extra]
                full, part, resumed = (self.path(f"{solver}_{n}.json")
                                       for n in ("full", "part", "resumed"))
                ck = self.path(f"{solver}.ckpt")
                self.train(*common, "--max-iter", total, "-o", full)
                self.train(*common, "--max-iter", first, "--checkpoint", ck,
                           "--checkpoint-every", 1, "-o", part)
                doc = read_json(ck)
                self.assertEqual(doc["format"], "lograd-checkpoint")
                self.assertEqual(doc["version"], 1)
                self.assertTrue(doc["checksum"].startswith("fnv1a64:"))
                self.assertEqual(doc["state"]["iteration"], first)
                self.assertEqual(doc["state"]["solver"], solver)
                self.assertEqual(doc["data"]["rows"], 32561)
                r = self.train(*common, "--max-iter", total, "--resume", ck, "-o", resumed)
                a, b = read_json(full), read_json(resumed)
                self.assertEqual(a["weights"], b["weights"], f"{solver}: resumed weights differ")
                self.assertEqual(a["bias"], b["bias"])
                self.assertEqual(b["training"]["iterations"], total)
                # The resumed run kept checkpointing into the file it resumed from.
                self.assertEqual(read_json(ck)["state"]["iteration"], total)

    def test_other_options_other_data_and_damage_are_refused(self):
        ck = self.path("c.ckpt")
        self.train("--solver", "sgd", "--lr", "0.1", "--max-iter", 2, "--checkpoint", ck,
                   "-o", self.path("m.json"))
        before = open(ck).read()
        r = self.train("--solver", "sgd", "--lr", "0.2", "--resume", ck, code=EXIT_ERROR)
        self.assertIn("cannot resume", r.stderr)
        self.assertIn("lr: 0.1 in the checkpoint, 0.2 now", r.stderr)
        r = self.train("--solver", "newton", "--resume", ck, code=EXIT_ERROR)
        self.assertIn('solver: "sgd" in the checkpoint, "newton" now', r.stderr)
        r = self.expect(EXIT_ERROR, "train", A9A_T, "--solver", "sgd", "--lr", "0.1",
                        "--resume", ck)
        self.assertIn("on other data (examples: 32561 in the checkpoint, 16281 now", r.stderr)
        self.assertEqual(open(ck).read(), before, "a refused resume leaves the checkpoint alone")

        bad = self.path("bad.ckpt")
        with open(bad, "w") as f:
            f.write(before.replace('"iteration":2', '"iteration":1'))
        r = self.train("--solver", "sgd", "--lr", "0.1", "--resume", bad, code=EXIT_ERROR)
        self.assertIn("checksum mismatch", r.stderr)
        with open(bad, "w") as f:
            f.write(before[: len(before) // 2])
        r = self.train("--solver", "sgd", "--lr", "0.1", "--resume", bad, code=EXIT_ERROR)
        self.assertIn("cut short", r.stderr)
        # Options that do not go together: a usage error (issue 15, item 9).
        r = self.train("--resume", ck, "--init", self.path("m.json"), code=EXIT_USAGE)
        self.assertIn("give --init or --resume, not both", r.stderr)

    def test_checkpoint_every_needs_checkpoint(self):
        self.expect(EXIT_USAGE, "train", A9A, "--checkpoint-every", "3")


# ---- signals ---------------------------------------------------------------------------------

_generated = []  # the generated stand-in for kddcup99, made once


def long_training_data():
    """A dataset on which gd takes many seconds: kddcup99 10% if present, else generated."""
    if os.path.exists(KDD):
        return KDD
    if _generated:
        return _generated[0]
    directory = tempfile.mkdtemp(prefix="lograd_faults_data_")
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, "big.libsvm.gz")
    _generated.append(path)
    rng = random.Random(1)
    with gzip.open(path, "wt", compresslevel=1) as f:
        for _ in range(300000):
            feats = sorted(rng.sample(range(1, 200), 12))
            f.write(("+1" if rng.random() < 0.4 else "-1") + " " +
                    " ".join(f"{j}:{rng.random():.3f}" for j in feats) + "\n")
    return path


class Signals(FaultsTest):
    def start(self, solver=("--solver", "gd")):
        """Starts a long run that checkpoints every iteration; returns it once training has
        begun (its first checkpoint exists)."""
        self.data = long_training_data()
        self.ck, self.out = self.path("run.ckpt"), self.path("run.model.json")
        self.base = ["train", self.data, *solver, "--tol", "1e-14"]
        self.args = [*self.base, "--max-iter", "1000000", "--checkpoint", self.ck,
                     "--checkpoint-every", "1", "-o", self.out]
        p = subprocess.Popen([LOGRAD, *self.args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(self.ck):
            if p.poll() is not None or time.monotonic() > deadline:
                p.kill()
                out, err = p.communicate()
                self.fail(f"training did not start: {err}")
            time.sleep(0.05)
        time.sleep(0.3)  # a few iterations in
        return p

    def stop_with(self, sig, code, name):
        p = self.start()
        t0 = time.monotonic()
        p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail(f"lograd did not exit within 20 s of {name}")
        elapsed = time.monotonic() - t0
        self.assertEqual(p.returncode, code, err)
        self.assertLess(elapsed, 5, f"{name}: exit took {elapsed:.1f} s")
        self.assertRegex(err, rf"interrupted by {name} at iteration \d+; model written to "
                              rf"{self.out}; checkpoint written to {self.ck}; resume with the "
                              rf"same command and --resume {self.ck}")
        model = self.assertFiniteModel(self.out)
        self.assertEqual(model["training"]["stop_reason"], "interrupted")
        doc = read_json(self.ck)
        self.assertEqual(doc["format"], "lograd-checkpoint")
        self.assertEqual(doc["state"]["iteration"], model["training"]["iterations"],
                         "the checkpoint is of the iteration the model was written at")
        # The model loads and predicts; the checkpoint resumes (two more iterations).
        self.expect(0, "predict", "-m", self.out, self.data, "-o", self.path("p.txt"),
                    timeout=120)
        k = doc["state"]["iteration"]
        resumed = self.path("resumed.json")
        self.expect(0, *self.base, "--max-iter", k + 2, "--resume", self.ck, "-o", resumed,
                    "-q", timeout=120)
        self.assertEqual(read_json(resumed)["training"]["iterations"], k + 2)

    def test_sigint_writes_the_model_and_checkpoint_and_exits_130(self):
        self.stop_with(signal.SIGINT, EXIT_SIGINT, "SIGINT")

    def test_sigterm_writes_the_model_and_checkpoint_and_exits_143(self):
        self.stop_with(signal.SIGTERM, EXIT_SIGTERM, "SIGTERM")

    def test_sgd_stops_between_minibatches_and_resumes_to_the_same_weights(self):
        # Minibatches of 2: an epoch takes seconds, so the signal lands inside one.
        sgd = ("--solver", "sgd", "--batch-size", "2", "--lr", "1e-12", "--seed", "3")
        p = self.start(sgd)
        time.sleep(0.4)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, EXIT_SIGINT, err)
        doc = read_json(self.ck)
        k, pos = doc["state"]["iteration"], doc["state"]["epoch_pos"]
        self.assertGreater(pos, 0, "the signal was meant to land inside an epoch")
        self.assertIn(f"at iteration {k} (and {pos} of ", err)
        self.assertFiniteModel(self.out)
        # Resumed to the end of the next epoch: the weights of an uninterrupted run of k + 1.
        resumed, full = self.path("resumed.json"), self.path("full.json")
        self.expect(0, *self.base, "--max-iter", k + 1, "--resume", self.ck, "-o", resumed, "-q",
                    timeout=120)
        self.expect(0, *self.base, "--max-iter", k + 1, "-o", full, "-q", timeout=120)
        a, b = read_json(full), read_json(resumed)
        self.assertEqual(a["weights"], b["weights"])
        self.assertEqual(a["bias"], b["bias"])

    def test_a_second_signal_exits_at_once(self):
        p = self.start()
        # Both signals pending while the process is stopped, delivered together on SIGCONT (two
        # different signals, so they cannot merge): the second handler call exits at once.
        p.send_signal(signal.SIGSTOP)
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGTERM)
        p.send_signal(signal.SIGCONT)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail("lograd did not exit within 20 s of the second signal")
        self.assertIn(p.returncode, (EXIT_SIGINT, EXIT_SIGTERM), err)
        self.assertIn("interrupted again: exiting now", err)
        self.assertNotIn("model written to", err)


# ---- memory limits ---------------------------------------------------------------------------

class MemoryLimit(FaultsTest):
    def test_train_refuses_data_larger_than_max_memory_before_reading(self):
        out = self.path("m.json")
        r = self.expect(EXIT_MEMORY, "train", A9A, "--max-memory", "1M", "-o", out)
        err = r.stderr
        self.assertIn("not enough memory", err)
        self.assertIn(A9A, err)
        self.assertRegex(err, r"about [\d.]+ MB")            # the estimate
        self.assertIn("of text, decompressed and counted", err)  # a9a, gzip: counted
        self.assertIn("limit of 1.0 MB (--max-memory 1M)", err)
        self.assertIn("Raise --max-memory", err)
        self.assertIn("more memory", err)
        self.assertIn("subsample", err)
        self.assertNotIn("data ", r.stdout, "refused before reading")
        self.assertFalse(os.path.exists(out))

    def test_the_test_file_counts_too(self):
        # a9a needs about 19 MB, a9a.t about 9 MB more: 24M admits a9a alone, not both.
        self.expect(0, "train", A9A, "--max-memory", "24M", "--max-iter", "1", "-q",
                    "-o", self.path("m.json"))
        r = self.expect(EXIT_MEMORY, "train", A9A, "--max-memory", "24M", "--test", A9A_T,
                        "-o", self.path("m.json"))
        self.assertIn("plus", r.stderr)

    def test_predict_and_eval_check_too(self):
        model = self.path("m.json")
        self.expect(0, "train", A9A, "--max-iter", "2", "-q", "-o", model)
        for cmd in ("predict", "eval"):
            r = self.expect(EXIT_MEMORY, cmd, "-m", model, A9A_T, "--max-memory", "100K")
            self.assertIn("not enough memory", r.stderr)
            self.expect(0, cmd, "-m", model, A9A_T, "--max-memory", "1G")

    def test_the_default_limit_admits_small_data_and_zero_turns_it_off(self):
        self.expect(0, "train", A9A, "--max-iter", "2", "-q", "-o", self.path("a.json"))
        self.expect(0, "train", A9A, "--max-memory", "0", "--max-iter", "2", "-q",
                    "-o", self.path("b.json"))

    def test_a_bad_size_is_a_usage_error(self):
        r = self.expect(EXIT_USAGE, "train", A9A, "--max-memory", "12X")
        self.assertIn("--max-memory", r.stderr)


# ---- documentation -----------------------------------------------------------------------------

class Help(unittest.TestCase):
    def test_exit_statuses_and_options_are_documented(self):
        top = run("--help").stdout
        for text in ("3 training diverged", "4 the data would need more memory", "130 / 143",
                     "SIGINT / SIGTERM"):
            self.assertIn(text, top)
        train = run("train", "--help").stdout
        for opt in ("--checkpoint", "--checkpoint-every", "--resume", "--max-memory",
                    "status 3", "130 / 143"):
            self.assertIn(opt, train)
        for cmd in ("predict", "eval"):
            self.assertIn("--max-memory", run(cmd, "--help").stdout)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: faults_cli_test.py PATH/TO/lograd")
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
