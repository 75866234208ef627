"""Issue 9: C is wrapped by one file per module. For every Swift module and every C module
it uses, exactly one file imports that C module, and never publicly."""
import collections
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(public |package |internal |private |fileprivate )?import\s+(\w+)\s*$")


def c_modules(sources):
    """Targets under Sources/ that are C: a module map, or C files and no Swift."""
    found = set()
    for d in sources.iterdir():
        if not d.is_dir():
            continue
        has_swift = any(d.rglob("*.swift"))
        if any(d.rglob("module.modulemap")) or (not has_swift and any(d.rglob("*.c"))):
            found.add(d.name)
    return found


def c_import_problems(root):
    sources = root / "Sources"
    cmods = c_modules(sources)
    importers = collections.defaultdict(list)
    problems = []
    for f in sorted(sources.rglob("*.swift")):
        module = f.relative_to(sources).parts[0]
        if module in cmods:
            continue
        for line in f.read_text().splitlines():
            m = IMPORT.match(line)
            if m and m.group(2) in cmods:
                importers[(module, m.group(2))].append(f.relative_to(sources).as_posix())
                if m.group(1) in (None, "public ", "package "):
                    problems.append(f"{f.relative_to(sources)}: '{line.strip()}' is not internal/private")
    for (module, cmod), files in sorted(importers.items()):
        if len(files) > 1:
            problems.append(f"{module} imports {cmod} in {len(files)} files: {', '.join(files)}")
    return problems, importers


def test_one_file_per_module_imports_each_c_module():
    problems, importers = c_import_problems(ROOT)
    assert problems == []
    assert importers[("ONNXIO", "CProtobufC")] == ["ONNXIO/ProtobufBridge.swift"]
    assert importers[("ONNXIO", "CONNXProto")] == ["ONNXIO/ProtobufBridge.swift"]


def test_checker_catches_a_second_importer(tmp_path):
    """The checker itself fails on two files importing one C module, and on a bare import."""
    (tmp_path / "Sources" / "CDemo").mkdir(parents=True)
    (tmp_path / "Sources" / "CDemo" / "module.modulemap").write_text('module CDemo [system] { header "d.h" }\n')
    lib = tmp_path / "Sources" / "Lib"
    lib.mkdir()
    (lib / "A.swift").write_text("internal import CDemo\n")
    (lib / "B.swift").write_text("import CDemo\n")
    problems, _ = c_import_problems(tmp_path)
    assert "Lib imports CDemo in 2 files: Lib/A.swift, Lib/B.swift" in problems
    assert any("B.swift" in p and "not internal/private" in p for p in problems)
