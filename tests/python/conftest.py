"""Shared fixtures of the Python module's tests: the CLI binary, the data directories."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """The lograd binary of the same build (ctest sets LOGRAD_CLI)."""
    path = os.environ.get("LOGRAD_CLI", str(ROOT / "build" / "lograd"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"no lograd binary at {path}: build it (make build) or set LOGRAD_CLI")

    def run(*args, **kw):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True,
                              **kw)
    run.path = path
    return run


@pytest.fixture(scope="session")
def datasets():
    """../shared/datasets (LOGRAD_DATASETS_DIR)."""
    return pathlib.Path(os.environ.get("LOGRAD_DATASETS_DIR", ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def golden():
    return pathlib.Path(os.environ.get("LOGRAD_GOLDEN_DIR", ROOT / "tests" / "golden"))


@pytest.fixture(scope="session")
def bundled():
    return ROOT / "data"
