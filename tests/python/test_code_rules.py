"""Project rules that can be checked on the source: every CLI command's run() stays
'parse → one library call → render' (at most 30 lines, scripts/command-run-lengths.sh)."""
import subprocess

from conftest import ROOT


def test_command_run_bodies_are_short():
    r = subprocess.run([str(ROOT / "scripts" / "command-run-lengths.sh"), "--max", "30"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "run() bodies" in r.stdout
