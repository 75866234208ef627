#!/usr/bin/env bash
# Length of every CLI command's run() (body lines between its braces) in
# Sources/NNCodecCommands, longest first: the "parse → one library call → render" rule
# says at most ~30.
# Usage: scripts/command-run-lengths.sh [--max N]   (--max: exit 1 when a run() is longer)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import pathlib, re, sys

limit = int(sys.argv[sys.argv.index("--max") + 1]) if "--max" in sys.argv else None
rows = []
for p in sorted(pathlib.Path("Sources/NNCodecCommands").glob("*.swift")):
    lines = p.read_text().splitlines()
    command = None
    for i, line in enumerate(lines):
        m = re.match(r"(?:public\s+)?(?:struct|extension)\s+(\w+)", line)
        if m:
            command = m.group(1)
        if not re.match(r"\s*(?:public\s+)?(?:mutating\s+)?func run\(\)", line):
            continue
        depth = 0
        for j in range(i, len(lines)):
            code = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[j].split("//")[0])
            depth += code.count("{") - code.count("}")
            if depth <= 0 and "{" in "".join(lines[i:j + 1]):
                rows.append((j - i - 1, command, f"{p}:{i + 1}"))
                break
rows.sort(reverse=True)
for n, command, where in rows:
    print(f"{n:4d}  {command:22s} {where}")
print(f"{len(rows)} run() bodies, longest {rows[0][0] if rows else 0} lines")
if limit is not None and any(n > limit for n, _, _ in rows):
    sys.exit(f"run() over {limit} lines: " + ", ".join(c for n, c, _ in rows if n > limit))
PY
