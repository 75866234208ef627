#!/usr/bin/env bash
# Size metrics of the hand-written Swift of the package (Sources/, excluding the generated
# CONNXProto): file count, median file length, files over 300 lines, functions over 80.
# Usage: scripts/code-metrics.sh [--list]
# Offending files and functions are always listed; the exit status is 1 when a limit is
# exceeded (the suite runs this through tests/python/test_code_metrics.py). --list also
# names the longest files and functions under the limits.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import pathlib, re, statistics, sys

FILE_LIMIT, FUNC_LIMIT = 300, 80
# Generated code only (the script or tool that writes it is named); nothing hand-written.
ALLOWED = {
    # "Sources/Example/Generated.swift": "scripts/gen-example.py",
}
files = sorted(p for p in pathlib.Path("Sources").rglob("*.swift") if "CONNXProto" not in p.parts)
decl = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|open|static|class|"
                  r"mutating|nonmutating|override|final|nonisolated|convenience|required|@inlinable|@inline\(__always\))\s+)*"
                  r"(?:func\s+[^\s(<]+|init[?!]?|deinit|subscript)\s*[(<{]")

def functions(lines):
    """(name, first line, length) of every function whose body is in braces."""
    out = []
    for i, line in enumerate(lines):
        if not decl.match(line):
            continue
        depth, started = 0, False
        for j in range(i, len(lines)):
            code = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[j].split("//")[0])
            for ch in code:
                if ch == "{":
                    depth += 1; started = True
                elif ch == "}":
                    depth -= 1
            if started and depth <= 0:
                out.append((line.strip()[:70], i + 1, j - i + 1))
                break
            if not started and j > i + 10:   # a protocol requirement: no body
                break
    return out

lengths, long_files, long_funcs, all_files, all_funcs = [], [], [], [], []
for p in files:
    lines = p.read_text().splitlines()
    lengths.append(len(lines))
    all_files.append((len(lines), str(p)))
    if len(lines) > FILE_LIMIT and str(p) not in ALLOWED:
        long_files.append((len(lines), str(p)))
    for name, at, n in functions(lines):
        all_funcs.append((n, f"{p}:{at}", name))
        if n > FUNC_LIMIT and str(p) not in ALLOWED:
            long_funcs.append((n, f"{p}:{at}", name))

print(f"hand-written Swift files: {len(files)} ({sum(lengths)} lines)")
print(f"median file length: {statistics.median(lengths):.0f} lines")
print(f"longest file: {max(all_files)[0]} lines; longest function: {max(all_funcs)[0]} lines")
print(f"files over {FILE_LIMIT} lines: {len(long_files)}")
print(f"functions over {FUNC_LIMIT} lines: {len(long_funcs)}")
for n, p in sorted(long_files, reverse=True):
    print(f"  LIMIT file {n:4d} > {FILE_LIMIT}  {p}")
for n, at, name in sorted(long_funcs, reverse=True):
    print(f"  LIMIT func {n:4d} > {FUNC_LIMIT}  {at}  {name}")
if "--list" in sys.argv[1:]:
    print("longest under the limits:")
    for n, p in sorted(f for f in all_files if f not in long_files)[-5:][::-1]:
        print(f"  file {n:4d}  {p}")
    for n, at, name in sorted(f for f in all_funcs if f not in long_funcs)[-5:][::-1]:
        print(f"  func {n:4d}  {at}  {name}")
if long_files or long_funcs:
    print(f"code-metrics: limits exceeded (files <= {FILE_LIMIT} lines, functions <= {FUNC_LIMIT}); "
          "split them by concept, see docs/architecture.md", file=sys.stderr)
    sys.exit(1)
PY
