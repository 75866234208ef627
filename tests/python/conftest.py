"""Shared fixtures for the cross-checks: the nncodec binary and the testdata manifest."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"


def nncodec_path() -> str:
    p = os.environ.get("NNCODEC", str(ROOT / ".build" / "debug" / "nncodec"))
    if not Path(p).exists():
        pytest.fail(f"nncodec binary not found at {p}: run `swift build` or set NNCODEC")
    return p


def run(*args, check=True, timeout=600):
    """Runs nncodec with args; returns the CompletedProcess (text mode)."""
    r = subprocess.run([nncodec_path(), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"nncodec {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
    return r


def manifest():
    return json.loads((TESTDATA / "manifest.json").read_text())


def models():
    return manifest()["models"]


@pytest.fixture
def nncodec():
    return run
