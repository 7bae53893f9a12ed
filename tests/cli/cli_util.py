"""What the end-to-end CLI tests share: a test case with its own temporary directory."""
import os
import shutil
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
