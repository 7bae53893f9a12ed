#!/usr/bin/env python3
"""The release binary on CPUs without AVX: run under qemu-x86_64 with CPU models that have no
AVX (Westmere: SSE4.2, so the SSE4 target; qemu64: no SSSE3, so the scalar target), lograd
chooses that target at run time and trains the demo's job (make demo: a9a, --tol 1e-9) to the
objective of the native run within 1e-12 relative.

Usage: portable_cli_test.py LOGRAD_BINARY   (skipped when qemu-x86_64 is missing)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

LOGRAD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/lograd"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU = shutil.which("qemu-x86_64")
# The demo's training run (Makefile: demo).
DEMO = ["train", os.path.join(ROOT, "data", "a9a.gz"), "--test", os.path.join(ROOT, "data", "a9a.t.gz"),
        "--tol", "1e-9"]
# CPU model -> the target lograd must choose on it.
MODELS = {"Westmere": "SSE4", "qemu64": "SCALAR"}


def run(prefix, args, env=None):
    out = subprocess.run(prefix + [LOGRAD] + args, capture_output=True, text=True, timeout=600,
                         env=env)
    if out.returncode != 0:
        raise AssertionError(f"{prefix + args} exited {out.returncode}: {out.stderr}")
    return out.stdout


@unittest.skipUnless(QEMU, "qemu-x86_64 not installed (Debian: qemu-user)")
class Portable(unittest.TestCase):
    def train(self, prefix):
        with tempfile.TemporaryDirectory() as tmp:
            out = run(prefix, DEMO + ["-o", os.path.join(tmp, "m.json"), "--json", "-q"])
        return json.loads(out)

    def test_demo_objective_on_cpus_without_avx(self):
        native = self.train([])
        for cpu, target in MODELS.items():
            with self.subTest(cpu=cpu):
                version = run([QEMU, "-cpu", cpu], ["--version"])
                self.assertIn(f"SIMD target: {target} ", version)
                got = self.train([QEMU, "-cpu", cpu])
                rel = abs(got["objective"] - native["objective"]) / native["objective"]
                print(f"{cpu} ({target}): objective {got['objective']!r}, native "
                      f"{native['objective']!r}, relative difference {rel:.1e}")
                self.assertLessEqual(rel, 1e-12)
                self.assertEqual(got["stop_reason"], "converged")
                self.assertAlmostEqual(got["test"]["accuracy"], native["test"]["accuracy"], places=4)

    def test_unknown_target_in_the_environment_is_a_usage_error(self):
        out = subprocess.run([LOGRAD, "--version"], capture_output=True, text=True,
                             env=dict(os.environ, LOGRAD_SIMD="AVX9000"))
        self.assertEqual(out.returncode, 2)
        self.assertIn("SCALAR", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
