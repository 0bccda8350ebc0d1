"""The layers of docs/architecture.md, checked on the source: no module imports a higher layer (in
functions too), the estimator and the emulator layer never import each other, and no module uses
another module's `_private` names. A failure names the file, the line and the import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# folder -> package it is installed as (setup.py)
PACKAGES = {"simprof": "simprof", "estimator": "simprof.estimator", "sim": "simprof.sim",
            "platforms": "simprof.platforms", "firmware": "simprof.firmware"}

# lowest first; a module belongs to the longest matching prefix
LAYERS = [
    ("foundation", ("simprof.core", "simprof.platforms", "simprof.firmware")),
    ("model format", ("simprof.model",)),
    ("estimator", ("simprof.estimator",)),
    ("emulator", ("simprof.sim",)),
    ("simprof-rt host", ("simprof.rt",)),
    ("flows", ("simprof.flows",)),
    ("fronts", ("simprof.api", "simprof.cli", "simprof.robot", "simprof.pytest_plugin", "simprof.__main__",
                "simprof")),
    ("tools", ("simprof.firmware.tools",)),
]
# peers: same rank, and neither may import the other
RANK = {"foundation": 0, "model format": 1, "estimator": 2, "emulator": 2, "simprof-rt host": 3, "flows": 4,
        "fronts": 5, "tools": 6}


def layer_of(module: str) -> str:
    best, name = "", None
    for layer, prefixes in LAYERS:
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > len(best):
                best, name = p, layer
    return name


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


MODULES = modules()


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path):
    """(line, imported module, names) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, ()
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            names = tuple(a.name for a in node.names)
            # `from simprof.x import y` where y is a module: the import is of simprof.x.y
            for n in names:
                if f"{target}.{n}" in MODULES:
                    yield node.lineno, f"{target}.{n}", ()
            rest = tuple(n for n in names if f"{target}.{n}" not in MODULES)
            if rest:
                yield node.lineno, target, rest


def private_attributes(module: str, path: Path):
    """(line, module, name) of every `alias._name` where alias is another simprof module imported
    here (`import simprof.x as m`, `from simprof import x as m`)."""
    tree = ast.parse(path.read_text(), str(path))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("simprof") and a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            for a in node.names:
                if f"{target}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{target}.{a.name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and aliases[node.value.id] != module):
            yield node.lineno, aliases[node.value.id], node.attr


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _violations():
    out = []
    for module, path in MODULES.items():
        mine = layer_of(module)
        for line, target, names in imports(module, path):
            if not target.startswith("simprof"):
                continue
            theirs = layer_of(target)
            if theirs is None or theirs == mine:
                pass
            elif RANK[theirs] > RANK[mine] or RANK[theirs] == RANK[mine]:
                out.append(f"{_where(path)}:{line}: {mine} imports {target} ({theirs})")
            if target != module and target.rsplit(".", 1)[0] != module.rsplit(".", 1)[0] or theirs != mine:
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    out.append(f"{_where(path)}:{line}: uses private {', '.join(private)} of {target}")
        for line, target, name in private_attributes(module, path):
            out.append(f"{_where(path)}:{line}: uses private {name} of {target}")
    return out


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == []


def test_no_module_imports_a_higher_layer_or_a_private_name():
    assert _violations() == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The check itself must be able to fail: an estimator module importing the emulator layer."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from simprof.sim.qemu import QemuSession\n    from simprof.rt.runner import _x\n"
                   "    from simprof.rt import protocol as p\n    return p._parse_header\n")
    monkeypatch.setitem(MODULES, "simprof.estimator.bad", bad)
    found = [v for v in _violations() if "bad.py" in v]
    assert any("estimator imports simprof.sim.qemu (emulator)" in v for v in found)
    assert any("private _x" in v for v in found)
    assert any("private _parse_header of simprof.rt.protocol" in v for v in found)


@pytest.mark.parametrize("module", ["simprof.cli.commands.estimate", "simprof.flows.estimate"])
def test_a_static_estimate_needs_neither_emulator_nor_firmware_build(module):
    """The estimate path imports no emulator, build or simprof-rt runner module (transitively, at
    import and in the functions it calls)."""
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m in seen or m not in MODULES:
            continue
        seen.add(m)
        todo += [t for _, t, _ in imports(m, MODULES[m]) if t.startswith("simprof")]
    forbidden = sorted(m for m in seen if m.startswith(("simprof.sim", "simprof.rt.image", "simprof.rt.runner")))
    assert forbidden == []
