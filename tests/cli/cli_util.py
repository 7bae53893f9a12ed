"""What the end-to-end CLI tests share: a test case with its own temporary directory, and one
that also runs lograd and checks its exit status."""
import os
import shutil
import subprocess
import tempfile
import unittest


class TempDirTest(unittest.TestCase):
    """Each test gets a fresh directory (self.dir), removed afterwards; PREFIX names it."""
    PREFIX = "lograd_cli_"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.PREFIX)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        """Writes bytes (or text, as UTF-8) to a file of this test; returns its path."""
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p


def run_lograd(lograd, *args, timeout=120):
    """Runs `lograd args...`; the result has .out and .err decoded (UTF-8, bad bytes replaced)."""
    r = subprocess.run([lograd, *map(str, args)], capture_output=True, timeout=timeout)
    r.out = r.stdout.decode("utf-8", errors="replace")
    r.err = r.stderr.decode("utf-8", errors="replace")
    return r


class LogradTest(TempDirTest):
    """A TempDirTest that runs the binary in LOGRAD (set by the test file's main)."""
    LOGRAD = None

    def run_cli(self, *args, timeout=120):
        return run_lograd(type(self).LOGRAD, *args, timeout=timeout)

    def ok(self, *args):
        """Runs lograd, which must exit 0; returns the result."""
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 0, f"{args}: exit {r.returncode}\n{r.err}")
        return r

    def fails(self, status, *args):
        """Runs lograd, which must exit with `status`; returns the result."""
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, status, f"{args}: exit {r.returncode}, expected {status}\n"
                                               f"{r.out}\n{r.err}")
        return r
