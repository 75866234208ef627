"""Code-size limits of issue 9: no hand-written Swift file over 300 lines, no function over 80.

scripts/code-metrics.sh prints the numbers and exits 1 when a limit is exceeded; generated
files can only be exempted through its explicit ALLOWED table."""
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_no_file_over_300_no_function_over_80():
    r = subprocess.run([str(ROOT / "scripts" / "code-metrics.sh")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "files over 300 lines: 0" in r.stdout
    assert "functions over 80 lines: 0" in r.stdout


def test_metrics_catch_an_overlong_function(tmp_path):
    """The checker itself fails on a function of 81 lines (guards against a parser that finds nothing)."""
    src = tmp_path / "Sources" / "Demo"
    src.mkdir(parents=True)
    body = "\n".join(f"    let v{i} = {i}" for i in range(79))
    (src / "Long.swift").write_text(f"func long() {{\n{body}\n}}\n")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "code-metrics.sh").write_text((ROOT / "scripts" / "code-metrics.sh").read_text())
    (scripts / "code-metrics.sh").chmod(0o755)
    r = subprocess.run([str(scripts / "code-metrics.sh")], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1
    assert "LIMIT func   81 > 80" in r.stdout
