#!/usr/bin/python3
"""Data-parallel training under mpirun, end to end: `mpirun -np K lograd train DATA` for
K = 1..4 against `lograd train DATA` in one process (a9a: a plain file, read by byte ranges;
kddcup99 and USPS: gzip, read by every K-th line; CSV plain and gzip, and a .lgb cache by row
ranges), newton, lbfgs and gd, binary and multiclass; sgd, momentum and adam (a global
shuffle), checkpoints, --test and --cv under mpirun; one file per rank; a signal to one rank stops every rank
with the model written; a killed rank ends
mpirun within 30 s with a message naming it.

With --exact-sums (sums that no split changes) the objective and the weights are one process's
to the bit. Without it, objectives must agree to 1e-12 relative and weights to 1e-10, or, where rounding alone moves
them further, within 10x the distance between two one-process runs on the same rows in two
orders (the larger of two reorderings; a9a's nearly collinear features leave newton's and lbfgs's weights set only to
~1e-6 by rounding; see tests/models/train_ranks_test.cc).

usage: mpi_cli_test.py PATH/TO/lograd"""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

from cli_util import TempDirTest

LOGRAD = None
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DATASETS = os.environ.get("LOGRAD_DATASETS_DIR", os.path.join(REPO, "..", "shared", "datasets"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1")
MPIRUN = shutil.which("mpirun")


def flat(v):
    return [x for row in v for x in flat(row)] if isinstance(v, list) else [v]


def weights(path):
    """W and b of a model file; a multinomial model's biases centred (softmax does not change
    when they all move together, so only their differences are determined)."""
    with open(path) as f:
        m = json.load(f)
    b = flat(m.get("biases") or [m.get("bias", 0.0)])
    if m.get("multi_class") == "multinomial":
        b = [v - sum(b) / len(b) for v in b]
    return flat(m["weights"]) + b


def distance(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


@unittest.skipIf(MPIRUN is None, "mpirun is missing: scripts/install-deps.sh installs openmpi-bin")
class MpiTrain(TempDirTest):
    PREFIX = "lograd_mpi_"

    def train(self, data, out, args, ranks=None, check=True):
        data = data if isinstance(data, list) else [data]  # several files: a list
        cmd = [LOGRAD, "train", *data, "-o", out, "--json", "-q", *args]
        if ranks is not None:
            cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
        if check:
            self.assertEqual(r.returncode, 0, f"{' '.join(cmd)}\n{r.stderr[-3000:]}")
        return r

    def reordered(self, data, how):
        """The same examples in another order (for the rounding-noise yardstick)."""
        opener = gzip.open if data.endswith(".gz") else open
        with opener(data, "rt") as f:
            lines = [l for l in f if l.strip()]
        out = self.path(f"{how}.svm")
        with open(out, "w") as f:
            f.writelines(lines[::-1] if how == "reversed"
                         else lines[len(lines) // 2:] + lines[:len(lines) // 2])
        return out

    def usps_svm(self):
        """The bundled USPS digits as LIBSVM, usps.svm in the test's directory."""
        with gzip.open(os.path.join(REPO, "data", "usps.train.csv.gz"), "rt") as f, \
                open(self.path("usps.svm"), "w") as g:
            for line in f:
                v = line.strip().split(",")
                g.write(v[0] + " " + " ".join(f"{j}:{x}" for j, x in enumerate(v[1:], 1)
                                              if float(x) != 0) + "\n")

    def check(self, data, args, ks, what):
        one = self.path("one.json")
        ref = json.loads(self.train(data, one, args).stdout)
        noise = f_noise = 0.0
        for how in ("reversed", "rotated"):
            other = json.loads(self.train(self.reordered(data, how), self.path("o.json"), args).stdout)
            noise = max(noise, distance(weights(one), weights(self.path("o.json"))))
            f_noise = max(f_noise, abs(other["objective"] - ref["objective"]))
        for k in ks:
            out = self.path(f"k{k}.json")
            got = json.loads(self.train(data, out, args, ranks=k).stdout)
            self.assertEqual(got["examples"], ref["examples"], what)
            self.assertLessEqual(abs(got["objective"] - ref["objective"]),
                                 max(1e-12 * abs(ref["objective"]), 10 * f_noise),
                                 f"{what}, {k} ranks")
            d = distance(weights(out), weights(one))
            print(f"{what}, {k} ranks: objective {got['objective']!r} (one process "
                  f"{ref['objective']!r}, rows reordered {f_noise:.3g} apart), weights {d:.3g} apart (rows reordered: {noise:.3g})",
                  flush=True)
            self.assertLessEqual(d, max(1e-10, 10 * noise), f"{what}, {k} ranks")

    def test_a9a_every_solver_k_1_to_4(self):
        data = os.path.join(DATASETS, "a9a")
        if not os.path.exists(data):
            self.skipTest(f"{data} is missing")
        self.check(data, ["--tol", "1e-12"], [1, 2, 3, 4], "a9a newton")
        self.check(data, ["--solver", "lbfgs", "--tol", "1e-8"], [2, 3, 4], "a9a lbfgs")
        self.check(data, ["--solver", "gd", "--max-iter", "50"], [2, 3, 4], "a9a gd")

    def test_kddcup99_gzip(self):
        data = os.path.join(DATASETS, "kddcup99_10pct_binary.libsvm.gz")
        if not os.path.exists(data):
            self.skipTest(f"{data} is missing")
        self.check(data, ["--tol", "1e-10"], [2, 3], "kddcup99 newton")

    def test_exact_sums_give_one_process_bits(self):
        """--exact-sums: every sum over the examples is exact, so K ranks return one process's
        model to the bit (the weights criterion, 1e-10, with no rounding yardstick), K = 1..4, for
        newton, lbfgs and gd on a9a (plain, by byte ranges), kddcup99 (gzip, every K-th line)
        and USPS (multinomial)."""
        a9a = os.path.join(DATASETS, "a9a")
        kdd = os.path.join(DATASETS, "kddcup99_10pct_binary.libsvm.gz")
        self.usps_svm()
        # Whole runs on a9a; on kddcup99 and USPS the first steps (each step's bits are what
        # the ranks must share; the whole runs take minutes).
        runs = [(a9a, ["--tol", "1e-12"], "a9a newton"),
                (a9a, ["--solver", "lbfgs", "--tol", "1e-10"], "a9a lbfgs"),
                (a9a, ["--solver", "gd", "--max-iter", "50"], "a9a gd"),
                (kdd, ["--max-iter", "8"], "kddcup99 newton"),
                (kdd, ["--solver", "lbfgs", "--max-iter", "30"], "kddcup99 lbfgs"),
                (kdd, ["--solver", "gd", "--max-iter", "20"], "kddcup99 gd"),
                (self.path("usps.svm"), ["--max-iter", "3"], "usps multinomial newton"),
                (self.path("usps.svm"), ["--solver", "lbfgs", "--max-iter", "20"], "usps multinomial lbfgs"),
                (self.path("usps.svm"), ["--solver", "gd", "--max-iter", "20"], "usps multinomial gd")]
        ks = [1, 2, 3, 4]
        for data, args, what in runs:
            if not os.path.exists(data):
                self.skipTest(f"{data} is missing")
            args = args + ["--exact-sums"]
            one = json.loads(self.train(data, self.path("one.json"), args).stdout)
            for k in ks:
                got = json.loads(self.train(data, self.path("k.json"), args, ranks=k).stdout)
                d = distance(weights(self.path("k.json")), weights(self.path("one.json")))
                print(f"{what} --exact-sums, {k} ranks: objective {got['objective']!r} (one "
                      f"process {one['objective']!r}), weights {d!r} apart", flush=True)
                self.assertEqual(got["objective"], one["objective"], f"{what}, {k} ranks")
                self.assertEqual(weights(self.path("k.json")), weights(self.path("one.json")),
                                 f"{what}, {k} ranks")

    def test_multiclass_usps(self):
        # The bundled USPS digits as LIBSVM (only LIBSVM text is split across ranks yet).
        self.usps_svm()
        self.check(self.path("usps.svm"), ["--tol", "1e-10"], [2, 4], "usps multinomial")
        self.check(self.path("usps.svm"), ["--multi-class", "ovr", "--tol", "1e-10"], [3],
                   "usps one-vs-rest")

    def test_minibatch_solvers_checkpoints_and_test_data(self):
        """sgd, momentum and adam shuffle the global example numbers alike on every rank, so
        each step uses one process's minibatch: a plain file (byte ranges) and a gzip file
        (every K-th line) give one process's model to rounding. A checkpoint of 2 ranks resumes
        under 2 ranks to the uninterrupted run's bits; --test is scored by rank 0."""
        plain = os.path.join(DATASETS, "a9a")
        test = os.path.join(DATASETS, "a9a.t")
        if not os.path.exists(plain) or not os.path.exists(test):
            self.skipTest(f"{plain} or {test} is missing")
        packed = os.path.join(REPO, "data", "a9a.gz")
        for solver in ("sgd", "momentum", "adam"):
            args = ["--solver", solver, "--epochs", "2", "--batch-size", "200", "--seed", "5"]
            for data, k in ((plain, 2), (packed, 3)):
                one = json.loads(self.train(data, self.path("one.json"), args + ["--test", test]).stdout)
                got = json.loads(self.train(data, self.path("k.json"), args + ["--test", test],
                                            ranks=k).stdout)
                d = distance(weights(self.path("k.json")), weights(self.path("one.json")))
                print(f"{solver}, {os.path.basename(data)}, {k} ranks: objective {got['objective']!r}"
                      f" (one process {one['objective']!r}), weights {d:.3g} apart", flush=True)
                self.assertLessEqual(abs(got["objective"] - one["objective"]),
                                     1e-12 * abs(one["objective"]), solver)
                self.assertLessEqual(d, 1e-10, solver)
                self.assertEqual(got["test"]["count"], one["test"]["count"])
                self.assertAlmostEqual(got["test"]["accuracy"], one["test"]["accuracy"], places=9)
        # Checkpoint at epoch 2 of 4 and resume: the bits of the run that was not stopped.
        args = ["--solver", "adam", "--batch-size", "500", "--tol", "1e-14"]
        self.train(plain, self.path("full.json"), args + ["--epochs", "4"], ranks=2)
        ck = self.path("run.ckpt")
        self.train(plain, self.path("half.json"), args + ["--epochs", "2", "--checkpoint", ck],
                   ranks=2)
        got = json.loads(self.train(plain, self.path("resumed.json"),
                                    args + ["--epochs", "4", "--resume", ck], ranks=2).stdout)
        self.assertEqual(got["iterations"], 4)
        self.assertEqual(weights(self.path("resumed.json")), weights(self.path("full.json")))
        r = self.train(plain, self.path("x.json"), args + ["--epochs", "4", "--resume", ck],
                       ranks=3, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("written by 2 ranks (mpirun -np 2), this run has 3", r.stderr)

    def test_cross_validation_and_train_metrics_over_every_rank(self):
        """--cv under mpirun: one process's folds, each trained data-parallel; the train and
        fold metrics are of every rank's examples together."""
        data = os.path.join(REPO, "data", "a9a.gz")
        args = ["--cv", "3", "--tol", "1e-10"]
        one = json.loads(self.train(data, self.path("one.json"), args).stdout)
        for k in (2, 3):
            got = json.loads(self.train(data, self.path("k.json"), args, ranks=k).stdout)
            self.assertEqual(got["train"]["count"], one["train"]["count"])
            self.assertAlmostEqual(got["train"]["accuracy"], one["train"]["accuracy"], places=12)
            self.assertAlmostEqual(got["train"]["roc_auc"], one["train"]["roc_auc"], places=9)
            self.assertEqual(len(got["cv"]), 3)
            for f, g in zip(one["cv"], got["cv"]):
                self.assertEqual(g["count"], f["count"])
                self.assertAlmostEqual(g["accuracy"], f["accuracy"], places=3)
                self.assertAlmostEqual(g["log_loss"], f["log_loss"], places=8)

    def test_csv_gzip_csv_and_cache_match_one_process(self):
        # CSV read by parts: a header, a categorical column, missing values filled with the
        # mean over all ranks, a weight column and text labels, made from the bundled USPS
        # digits; as a plain file (byte ranges), gzip (every K-th line) and a .lgb cache (row
        # ranges, given as the data and through --cache).
        rows = []
        with gzip.open(os.path.join(REPO, "data", "usps.train.csv.gz"), "rt") as f:
            for i, line in enumerate(f):
                if i >= 2000:
                    break
                v = line.strip().split(",")
                px = v[1:41]
                if i % 7 == 3:
                    px[5] = ""  # missing
                shade = ["dark", "mid", "light"][i % 3] if i > 600 else ["dark", "mid"][i % 2]
                label = "low" if float(v[0]) < 5 else "high"
                rows.append(",".join(px + [shade, str(1 + i % 3), label]))
        header = ",".join([f"p{j}" for j in range(40)] + ["shade", "w", "digit"])
        text = header + "\n" + "\n".join(rows) + "\n"
        csv = self.path("usps.csv")
        with open(csv, "w") as f:
            f.write(text)
        with gzip.open(self.path("usps.csv.gz"), "wt") as f:
            f.write(text)
        opts = ["--missing", "mean", "--sample-weight-column", "w", "--tol", "1e-10"]
        ref = json.loads(self.train(csv, self.path("one.json"), opts).stdout)
        lgb = self.path("usps.lgb")
        r = subprocess.run([LOGRAD, "convert", csv, "-o", lgb, "--missing", "mean",
                            "--sample-weight-column", "w"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = [("csv", csv, opts), ("gzip csv", self.path("usps.csv.gz"), opts),
                ("cache", lgb, ["--tol", "1e-10"]), ("--cache", csv, opts + ["--cache", lgb])]
        for what, data, args in runs:
            for k in (2, 3):
                got = json.loads(self.train(data, self.path("k.json"), args, ranks=k).stdout)
                print(f"{what}, {k} ranks: objective {got['objective']!r} (one process "
                      f"{ref['objective']!r})", flush=True)
                self.assertEqual(got["examples"], ref["examples"], what)
                self.assertLessEqual(abs(got["objective"] - ref["objective"]),
                                     1e-12 * abs(ref["objective"]), f"{what}, {k} ranks")
        # CSV as files of their own: a directory of three files (each with the header, the
        # second gzip-compressed), read as one text with one encoding by one process and by
        # 2 and 3 ranks (rank r: its files whole): the one file's training.
        os.makedirs(self.path("uspsdir"))
        for f, (a, b) in enumerate(((0, 700), (700, 1500), (1500, len(rows)))):
            part = header + "\n" + "\n".join(rows[a:b]) + "\n"
            if f == 1:
                with gzip.open(self.path(f"uspsdir/part{f}.csv.gz"), "wt") as g:
                    g.write(part)
            else:
                with open(self.path(f"uspsdir/part{f}.csv"), "w") as g:
                    g.write(part)
        for k in (None, 2, 3):
            got = json.loads(self.train(self.path("uspsdir"), self.path("k.json"), opts,
                                        ranks=k).stdout)
            self.assertEqual(got["examples"], ref["examples"], k)
            self.assertLessEqual(abs(got["objective"] - ref["objective"]),
                                 1e-12 * abs(ref["objective"]), f"CSV directory, {k} ranks")
        # An absent cache is written by the ranks together: the bytes one process writes, and
        # the next run reads it (CSV here; LIBSVM in tests/data/read_part_test.cc).
        self.train(csv, self.path("x.json"), opts + ["--cache", self.path("one.lgb")])
        for k in (2, 3):
            cache = self.path(f"ranks{k}.lgb")
            for hit in (False, True):
                r = self.train(csv, self.path("x.json"), opts + ["--cache", cache], ranks=k)
                got = json.loads(r.stdout)
                self.assertLessEqual(abs(got["objective"] - ref["objective"]),
                                     1e-12 * abs(ref["objective"]), f"--cache, {k} ranks")
                with open(cache, "rb") as f, open(self.path("one.lgb"), "rb") as g:
                    self.assertEqual(f.read(), g.read(), f"{k} ranks")
        # A gzip file's parts are every K-th line, not the cache's row ranges: rank 0 reads
        # it whole and writes one process's cache (the same bytes), then the ranks read it.
        gz = self.path("usps.csv.gz")
        self.train(gz, self.path("x.json"), opts + ["--cache", self.path("one_gz.lgb")])
        for hit in (False, True):
            got = json.loads(self.train(gz, self.path("x.json"),
                                        opts + ["--cache", self.path("gz.lgb")], ranks=2).stdout)
            self.assertLessEqual(abs(got["objective"] - ref["objective"]),
                                 1e-12 * abs(ref["objective"]), f"gzip --cache, hit {hit}")
            with open(self.path("gz.lgb"), "rb") as f, open(self.path("one_gz.lgb"), "rb") as g:
                self.assertEqual(f.read(), g.read())

    def test_one_file_per_rank(self):
        """DATA as files read whole ({rank} in the path, or a directory of F >= K files): each
        rank reads its files whole, in rank order, which is one process on the files
        concatenated (or on the directory)."""
        with gzip.open(os.path.join(REPO, "data", "a9a.gz"), "rt") as f:
            lines = f.readlines()
        os.makedirs(self.path("parts"))
        cut = [0, 5000, 11000, len(lines)]
        for r in range(3):
            with open(self.path(f"parts/part{r}.svm"), "w") as g:
                g.writelines(lines[cut[r]:cut[r + 1]])
        with open(self.path("all.svm"), "w") as g:
            g.writelines(lines)
        args = ["--solver", "sgd", "--epochs", "2", "--batch-size", "100"]
        one = json.loads(self.train(self.path("all.svm"), self.path("one.json"), args).stdout)
        # {rank} with 3 ranks; the directory in one process, with 2 ranks (rank 0 reads two
        # files, rank 1 one) and with 3.
        listed = [self.path(f"parts/part{r}.svm") for r in range(3)]  # DATA as a list of files
        for data, ranks in ((self.path("parts/part{rank}.svm"), 3), (self.path("parts"), None),
                            (self.path("parts"), 2), (self.path("parts"), 3), (listed, None),
                            (listed, 2)):
            got = json.loads(self.train(data, self.path("k.json"), args, ranks=ranks).stdout)
            self.assertEqual(got["examples"], one["examples"])
            self.assertLessEqual(abs(got["objective"] - one["objective"]),
                                 1e-12 * abs(one["objective"]), (data, ranks))
            self.assertLessEqual(distance(weights(self.path("k.json")), weights(self.path("one.json"))),
                                 1e-10, (data, ranks))
        # Files of one class each (neg.svm, pos.svm): the whole has both, in one process too.
        os.makedirs(self.path("byclass"))
        for name, sign in (("neg.svm", "-1"), ("pos.svm", "+1")):
            with open(self.path(f"byclass/{name}"), "w") as g:
                g.writelines(l for l in lines if l.split()[0] == sign)
        with open(self.path("byclass.svm"), "w") as g:
            g.writelines([l for l in lines if l.split()[0] == "-1"] +
                         [l for l in lines if l.split()[0] == "+1"])
        full = ["--solver", "newton", "--tol", "1e-10"]
        one = json.loads(self.train(self.path("byclass.svm"), self.path("one.json"), full).stdout)
        for ranks in (None, 2):
            got = json.loads(self.train(self.path("byclass"), self.path("k.json"), full,
                                        ranks=ranks).stdout)
            self.assertLessEqual(abs(got["objective"] - one["objective"]),
                                 1e-12 * abs(one["objective"]), ranks)
        r = self.train(self.path("parts"), self.path("x.json"), [], ranks=4, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("is a directory of 3 files", r.stderr)
        self.assertIn("at most 3 ranks (mpirun -np 3)", r.stderr)
        r = self.train(listed[:2], self.path("x.json"), [], ranks=3, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("2 files given", r.stderr)
        r = self.train(listed, listed[1], [], check=False)  # an output that is a listed input
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("is the same file as the training data", r.stderr)
        r = self.train(self.path("parts"), self.path("parts/m.json"), [], check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("is in the data directory", r.stderr)

    def test_time_limits_divergence_and_an_empty_directory(self):
        """--max-seconds stops every rank together (each rank's clock differs: the decision is
        summed); a diverged run ends every rank with status 3 and the model written, without
        MPI_Abort; a directory without files is a usage error."""
        data = os.path.join(REPO, "data", "a9a.gz")
        got = json.loads(self.train(data, self.path("t.json"),
                                    ["--solver", "gd", "--max-iter", "100000000", "--tol", "1e-30",
                                     "--max-seconds", "1"], ranks=3).stdout)
        self.assertEqual(got["stop_reason"], "max_seconds")
        r = self.train(data, self.path("d.json"), ["--solver", "gd", "--lr", "1e12"], ranks=2,
                       check=False)
        self.assertEqual(r.returncode, 3, r.stderr[-2000:])
        self.assertNotIn("MPI_ABORT", r.stderr)
        self.assertTrue(os.path.exists(self.path("d.json")))
        os.makedirs(self.path("no_files"))
        r = self.train(self.path("no_files"), self.path("x.json"), [], ranks=2, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is a directory of 0 files", r.stderr)

    def test_long_vectors_are_summed_to_the_same_bits(self):
        # The reduce-scatter path (vectors of >= 4096 numbers per rank) against the allgather
        # path: every element is added in rank order in both, so the models are identical.
        data = os.path.join(DATASETS, "a9a")
        if not os.path.exists(data):
            self.skipTest(f"{data} is missing")
        models = []
        for scatter_from in ("1000000", "1"):
            out = self.path(f"s{scatter_from}.json")
            env = dict(ENV, LOGRAD_MPI_SCATTER_FROM=scatter_from)
            r = subprocess.run([MPIRUN, "--oversubscribe", "-np", "3", LOGRAD, "train", data,
                                "-q", "-o", out], capture_output=True, text=True, env=env,
                               timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            models.append(weights(out))
        self.assertEqual(models[0], models[1])

    def test_a_signal_to_one_rank_stops_every_rank_with_the_model(self):
        self.signal_one_rank([])

    def test_a_signal_stops_an_exact_sums_run(self):
        """--exact-sums sums by gathers; the stop flag still reaches every rank."""
        self.signal_one_rank(["--exact-sums"])

    def signal_one_rank(self, extra):
        data = os.path.join(DATASETS, "kddcup99_10pct_binary.libsvm.gz")
        if not os.path.exists(data):
            self.skipTest(f"{data} is missing")
        out = self.path("stopped.json")
        p = self.start_long_run(data, out, 2, extra)
        rank = self.wait_for_rank(out)
        time.sleep(3)
        os.kill(rank, signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertNotEqual(p.returncode, 0, err)
        self.assertIn("interrupted", err)
        with open(out) as f:
            self.assertEqual(json.load(f)["training"]["stop_reason"], "interrupted")

    def test_a_killed_rank_ends_mpirun_within_30_s(self):
        data = os.path.join(DATASETS, "kddcup99_10pct_binary.libsvm.gz")
        if not os.path.exists(data):
            self.skipTest(f"{data} is missing")
        out = self.path("killed.json")
        p = self.start_long_run(data, out, 3)
        rank = self.wait_for_rank(out, last=True)
        time.sleep(3)
        killed = time.monotonic()
        os.kill(rank, signal.SIGKILL)
        _, err = p.communicate(timeout=60)
        self.assertLess(time.monotonic() - killed, 30, err)
        self.assertNotEqual(p.returncode, 0, err)
        self.assertRegex(err, r"rank \d|process rank", err)
        self.assertFalse(os.path.exists(out))

    def start_long_run(self, data, out, ranks, extra=()):
        """mpirun -np RANKS lograd train: gd for far longer than any test waits."""
        return subprocess.Popen([MPIRUN, "--oversubscribe", "-np", str(ranks), LOGRAD, "train",
                                 data, "--solver", "gd", "--max-iter", "100000", "--tol", "1e-14",
                                 *extra, "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=ENV)

    def wait_for_rank(self, marker, last=False):
        """The pid of a rank (the first or the last) running the command with `marker`."""
        for _ in range(200):
            r = subprocess.run(["pgrep", "-f", f"{LOGRAD} train .* {marker}"], capture_output=True,
                               text=True)
            pids = sorted(int(x) for x in r.stdout.split())
            if len(pids) >= 2:
                return pids[-1] if last else pids[0]
            time.sleep(0.1)
        self.fail("the ranks did not start")


def main():
    global LOGRAD
    if len(sys.argv) < 2:
        sys.exit("usage: mpi_cli_test.py PATH/TO/lograd")
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
