"""`nncodec sizes` writes a .7z that the official 7-Zip tests and extracts, and reports its size."""
import json
import lzma
import shutil
import subprocess

from conftest import TESTDATA, run


def test_sizes_7z_checked_by_7zip(tmp_path):
    src = TESTDATA / "lenet300.onnx"
    archive = tmp_path / "x.7z"
    r = run("sizes", src, "--7z", archive, "--json")
    report = json.loads(r.stdout)["sizes"]
    assert report["originalBytes"] == src.stat().st_size
    assert report["sevenZipBytes"] == archive.stat().st_size
    seven = shutil.which("7zz")
    assert seven, "7zz missing: apt-get install 7zip"
    t = subprocess.run([seven, "t", str(archive)], capture_output=True, text=True)
    assert t.returncode == 0 and "Everything is Ok" in t.stdout, t.stdout + t.stderr
    x = subprocess.run([seven, "x", "-so", str(archive)], capture_output=True)
    assert x.returncode == 0 and x.stdout == src.read_bytes()
    # .xz at preset 9e: Python's lzma gives the same size for the same preset and check.
    ref = lzma.compress(src.read_bytes(), preset=9 | lzma.PRESET_EXTREME, check=lzma.CHECK_CRC64)
    assert abs(report["xzBytes"] - len(ref)) <= 64


def test_sizes_external_model_counts_inlined_model():
    r = run("sizes", TESTDATA / "lenet300_ext.onnx", "--json")
    s = json.loads(r.stdout)
    assert s["inlinedExternalData"] is True
    assert s["sizes"]["originalBytes"] > (TESTDATA / "lenet300_ext.onnx.data").stat().st_size


def test_sizes_refuses_to_overwrite(tmp_path):
    other = tmp_path / "keep.7z"
    other.write_bytes(b"x")
    r = run("sizes", TESTDATA / "lenet300.onnx", "--7z", other, check=False)
    assert r.returncode != 0 and "--force" in r.stderr
    assert other.read_bytes() == b"x"
