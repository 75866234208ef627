"""A full disk: encode and decode whose output cannot be written fail cleanly.

The child's file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so that the write fails
with EFBIG instead of killing the process) stands in for a full filesystem: every write
past the limit fails, as it would with ENOSPC. The command must exit non-zero with one
line naming the file, leave no output and no temporary file, and keep its input intact.
"""
import hashlib
import resource
import signal
import subprocess

from conftest import TESTDATA, nncodec_path

LIMIT = 4 << 10   # bytes any one file of the child may write (reading is not limited)


def run_on_full_disk(*args):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    return subprocess.run([nncodec_path(), *map(str, args)], capture_output=True, text=True,
                          timeout=600, preexec_fn=limit)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean_failure(r, tmp_path, output, keep):
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert output.name in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_encode_on_a_full_disk(tmp_path):
    src = tmp_path / "lenet300.onnx"
    src.write_bytes((TESTDATA / "lenet300.onnx").read_bytes())
    before = sha(src)
    out = tmp_path / "l.nnc"
    r = run_on_full_disk("encode", src, "-o", out)
    assert_clean_failure(r, tmp_path, out, ["lenet300.onnx"])
    assert sha(src) == before


def test_decode_on_a_full_disk(tmp_path):
    src = tmp_path / "l.nnc"
    r = subprocess.run([nncodec_path(), "encode", str(TESTDATA / "lenet300.onnx"), "-o", str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert src.stat().st_size > LIMIT
    before = sha(src)
    out = tmp_path / "d.onnx"
    for extra in ([], ["--external-data"]):
        r = run_on_full_disk("decode", src, "-o", out, *extra)
        assert_clean_failure(r, tmp_path, out, ["l.nnc"])
        assert sha(src) == before
