#!/usr/bin/env python3
"""End-to-end tests of the memory guard against inputs that bypassed it (standard library only).

Usage: memory_guard_cli_test.py PATH/TO/lograd

Each input is generated here. Data over the limit ends with exit status 4 and an estimate, never
with `internal error: std::bad_alloc` or the system's OOM killer:
- a feature index of 2^31 - 1 in a 30-byte file (training's vectors are O(features x threads));
- a multi-member gzip file whose last member's footer claims a small size;
- a CSV file of many columns and few rows (per-column costs the text size does not show);
- piped input, which has no size to estimate from (the limit is enforced while reading).
Trailing bytes after a valid gzip stream are ignored with a warning instead of being read as a
footer that claims gigabytes. The loaders (class Loaders): a deeply nested checkpoint, an all-zero
generator state and a cache with a negative weight are errors, not a crash, a hang or a model.
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import unittest

from cli_util import TempDirTest

LOGRAD = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
A9A = os.path.join(REPO, "data", "a9a.gz")
EXIT_MEMORY = 4


def run(*args, stdin_bytes=None, timeout=300):
    return subprocess.run([LOGRAD, *map(str, args)], input=stdin_bytes, capture_output=True,
                          timeout=timeout)


class CliTest(TempDirTest):
    PREFIX = "lograd_memory_cli_"

    def expect(self, code, *args, stdin_bytes=None):
        r = run(*args, stdin_bytes=stdin_bytes)
        err = r.stderr.decode("utf-8", "replace")
        self.assertEqual(r.returncode, code, f"lograd {' '.join(map(str, args))} should exit "
                                             f"{code}\nstderr:\n{err}")
        self.assertNotIn("internal error", err)
        self.assertNotIn("bad_alloc", err)
        return err


class MemoryGuard(CliTest):
    def test_a_huge_feature_index_stops_with_status_4_not_bad_alloc(self):
        data = self.write("huge.svm", b"1 2147483647:1\n-1 1:1\n")
        self.assertLess(os.path.getsize(data), 40)
        out = self.path("m.json")
        err = self.expect(EXIT_MEMORY, "train", data, "--max-memory", "1G", "-o", out)
        self.assertIn("not enough memory", err)
        self.assertIn("2147483647 features", err)          # what the estimate is made of
        self.assertRegex(err, r"needs about [\d.]+ (GB|TB)")
        self.assertIn("limit of 1.1 GB", err)               # 1 GiB
        self.assertIn("--max-memory 1G", err)
        self.assertIn("subsample", err)
        self.assertFalse(os.path.exists(out))
        # The default limit (a share of the memory available) catches it too.
        self.expect(EXIT_MEMORY, "train", data, "-o", out)
        # predict and eval read with the same guard.
        model = self.path("small.json")
        small = self.write("small.svm", b"1 1:1\n-1 2:1\n1 1:2\n-1 2:2\n")
        self.expect(0, "train", small, "-q", "--max-iter", "2", "-o", model)
        for cmd in ("predict", "eval"):
            self.expect(EXIT_MEMORY, cmd, "-m", model, data, "--max-memory", "1G")

    def test_a_multi_member_gzip_bomb_is_counted_not_read_from_its_footer(self):
        # 24 members of 1 MB of text each (a few KB compressed), then a last member whose
        # footer says 64 KB: more than the whole file's compressed size, so the footer looked
        # consistent and the file was estimated at 8 x 64 KB.
        member = b"1 1:1\n-1 2:1\n" * ((1 << 20) // 12)
        last = b"1 1:1\n-1 2:1\n" * 5462
        bomb = b"".join(gzip.compress(member) for _ in range(24)) + gzip.compress(last)
        self.assertGreater(len(last), len(bomb))
        data = self.write("bomb.svm.gz", bomb)
        err = self.expect(EXIT_MEMORY, "train", data, "--max-memory", "64M",
                          "-o", self.path("m.json"))
        self.assertIn("decompressed and counted", err)
        self.assertNotIn("gzip footer", err)

    def test_trailing_bytes_after_gzip_data_are_ignored_with_a_warning(self):
        with open(A9A, "rb") as f:
            good = f.read()
        # Trailing junk whose last 4 bytes, read as a footer, claimed 2 GB of text (17 GB).
        data = self.write("a9a_trailing.gz", good + b"\x00" * 100 + b"\xff\xff\xff\x7f")
        out = self.path("m.json")
        err = self.expect(0, "train", data, "--max-memory", "8G", "--max-iter", "2", "-q",
                          "-o", out)
        self.assertIn("warning", err)
        self.assertIn("104 bytes after the end of the gzip data are ignored", err)
        self.assertTrue(os.path.exists(out))

    def test_a_csv_of_many_columns_counts_its_columns(self):
        # 2.6 MB of text (about 21 MB estimated from its size), but 300000 features: the
        # per-column bookkeeping and training's vectors need hundreds of MB.
        n = 300000
        header = ",".join(f"c{j}" for j in range(n)) + ",y\n"
        rows = "".join(",".join("1" if (j + i) % 7 == 0 else "0" for j in range(n)) + f",{i % 2}\n"
                       for i in range(2))
        data = self.write("wide.csv", (header + rows).encode())
        err = self.expect(EXIT_MEMORY, "train", data, "--max-memory", "64M",
                          "-o", self.path("m.json"))
        self.assertIn("300000 features", err)
        self.assertIn("not enough memory", err)

    def test_piped_input_is_held_to_the_limit_while_reading(self):
        with gzip.open(A9A, "rb") as f:
            text = f.read()
        # --format: no sniffing of the pipe (issue 15, item 3, is another fix).
        err = self.expect(EXIT_MEMORY, "train", "/dev/stdin", "--format", "libsvm", "--max-memory", "2M",
                          "-o", self.path("m.json"), stdin_bytes=text)
        self.assertIn("not enough memory", err)
        self.assertIn("/dev/stdin", err)
        self.assertIn("--max-memory 2M", err)
        csv = b"a,b,y\n" + b"1.5,2.25,1\n0.5,1.25,0\n" * 200000
        err = self.expect(EXIT_MEMORY, "train", "/dev/stdin", "--format", "csv",
                          "--max-memory", "8M", "-o", self.path("c.json"), stdin_bytes=csv)
        self.assertIn("not enough memory", err)
        # Within the limit, piped data trains.
        self.expect(0, "train", "/dev/stdin", "--format", "libsvm", "--max-memory", "1G",
                    "--max-iter", "2", "-q",
                    "-o", self.path("ok.json"), stdin_bytes=text)


def with_checksum(doc):
    """The checkpoint JSON as the writer would write it, its checksum recomputed (FNV-1a 64 of
    the compact, key-sorted document without the checksum), as a forger can."""
    doc = dict(doc)
    doc.pop("checksum", None)
    h = 14695981039346656037
    for b in json.dumps(doc, sort_keys=True, separators=(",", ":")).encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    doc["checksum"] = "fnv1a64:%016x" % h
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


class Loaders(CliTest):
    """Forged checkpoints and caches end in an error (status 1), never a crash or a hang."""

    def small_data(self):
        return self.write("small.svm", b"1 1:1\n-1 2:1\n1 1:2\n-1 2:2\n1 1:1.5 2:0.5\n-1 2:3\n")

    def test_a_deeply_nested_checkpoint_is_an_error_not_sigsegv(self):
        deep = self.write("deep.ckpt", b'{"format":"lograd-checkpoint","version":1,"checksum":"x",'
                          b'"options":' + b"[" * 1000000 + b"]" * 1000000 + b"}")
        err = self.expect(1, "train", self.small_data(), "--resume", deep, "-o", self.path("m.json"))
        self.assertIn("nested deeper than 100 levels", err)

    def test_an_all_zero_generator_in_a_checkpoint_is_refused_not_spun_on(self):
        data, ck = self.small_data(), self.path("c.ckpt")
        self.expect(0, "train", data, "--solver", "sgd", "--max-iter", "2", "--checkpoint", ck,
                    "-q", "-o", self.path("m.json"))
        with open(ck) as f:
            doc = json.load(f)
        doc["state"]["rng"] = "0 " * 312 + "312"
        with open(ck, "w") as f:
            f.write(with_checksum(doc))
        try:
            r = run("train", data, "--solver", "sgd", "--max-iter", "4", "--resume", ck,
                    "-o", self.path("m.json"), timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("resuming from an all-zero generator hangs")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("shuffling generator", err)

    def test_a_cache_with_a_negative_weight_is_refused(self):
        csv = self.write("w.csv", b"a,w,y\n1,1,0\n2,2,1\n3,1,0\n4,3,1\n")
        cache = self.path("w.lgb")
        self.expect(0, "convert", csv, "--sample-weight-column", "w", "-o", cache)
        with open(cache, "rb") as f:
            b = bytearray(f.read())
        # The weights (4 float64) end just before "LGBEND\0\0" and the length (16 bytes).
        at = len(b) - 16 - 8
        b[at:at + 8] = struct.pack("<d", -1e20)
        with open(cache, "wb") as f:
            f.write(bytes(b))
        err = self.expect(1, "train", cache, "-o", self.path("m.json"))
        self.assertIn("a sample weight is negative or not finite", err)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: memory_guard_cli_test.py PATH/TO/lograd")
    LOGRAD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
