#!/usr/bin/env bash
# Size metrics of the hand-written Swift of the package (Sources/, excluding the generated
# CONNXProto): file count, median file length, files over 300 lines, functions over 80.
# Usage: scripts/code-metrics.sh [--list]   (--list names the offending files and functions)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import pathlib, re, statistics, sys

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

lengths, long_files, long_funcs = [], [], []
for p in files:
    lines = p.read_text().splitlines()
    lengths.append(len(lines))
    if len(lines) > 300:
        long_files.append((len(lines), str(p)))
    for name, at, n in functions(lines):
        if n > 80:
            long_funcs.append((n, f"{p}:{at}", name))

print(f"hand-written Swift files: {len(files)} ({sum(lengths)} lines)")
print(f"median file length: {statistics.median(lengths):.0f} lines")
print(f"files over 300 lines: {len(long_files)}")
print(f"functions over 80 lines: {len(long_funcs)}")
if "--list" in sys.argv[1:]:
    for n, p in sorted(long_files, reverse=True):
        print(f"  file {n:4d}  {p}")
    for n, at, name in sorted(long_funcs, reverse=True):
        print(f"  func {n:4d}  {at}  {name}")
PY
