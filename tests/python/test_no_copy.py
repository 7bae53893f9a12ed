"""fit reads a 200 MB float32 array, or a scipy CSR float32 matrix of the same size, in place:
the peak resident memory rises by less than 10% of the data's size. Each case runs in a fresh
interpreter that resets its peak (/proc/self/clear_refs) once the data is built."""
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np, scipy.sparse as sp
    import lograd

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024

    kind = sys.argv[1]
    rng = np.random.default_rng(0)
    m = 100_000
    if kind == "dense":
        X = np.empty((m, 500), dtype=np.float32)           # 200 MB
        for i in range(0, m, 10_000):                       # filled in slices: no big temporary
            X[i:i + 10_000] = rng.standard_normal((10_000, 500), dtype=np.float32)
        y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
        size = X.nbytes
    else:
        per_row, n = 250, 2_000                             # 25 M stored: 100 MB + 100 MB
        indices = np.empty(m * per_row, dtype=np.int32)
        data = np.empty(m * per_row, dtype=np.float32)
        base = (np.arange(per_row, dtype=np.int32) * (n // per_row))
        for i in range(0, m, 10_000):
            rows = slice(i * per_row, (i + 10_000) * per_row)
            indices[rows] = (base + rng.integers(0, n // per_row, (10_000, per_row),
                                                 dtype=np.int32)).ravel()
            data[rows] = rng.standard_normal(10_000 * per_row, dtype=np.float32)
        indptr = np.arange(0, m * per_row + 1, per_row, dtype=np.int64)
        X = sp.csr_matrix((data, indices, indptr), shape=(m, n))
        y = (np.asarray(X[:, :16].sum(axis=1)).ravel() > 0).astype(np.int64)
        size = data.nbytes + indices.nbytes + indptr.nbytes
    est = lograd.LogisticRegression(max_iter=3)
    est.fit(X[:100], y[:100])                               # warm up imports and the module
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                                        # resets VmHWM to the current RSS
    est.fit(X, y)
    rise = status("VmHWM") - before
    print(f"{kind}: data {size / 1e6:.1f} MB, peak rise during fit {rise / 1e6:.1f} MB "
          f"({100 * rise / size:.1f}%)")
    sys.exit(0 if rise < 0.10 * size else 1)
""")


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_fit_does_not_copy_the_data(kind):
    if not os.access("/proc/self/clear_refs", os.W_OK):
        pytest.skip("/proc/self/clear_refs is not writable here: the peak cannot be reset")
    r = subprocess.run([sys.executable, "-c", SCRIPT, kind], capture_output=True, text=True,
                       env=os.environ)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stdout + r.stderr
