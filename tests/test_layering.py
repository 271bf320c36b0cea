"""The import rules of the layers, checked over every import statement (lazy ones inside functions
included): scenario → workload → codecs → model → soc (executes) / analysis (bounds) → report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "socsim"

# (modules the rule applies to, prefixes they must not import)
RULES = [
    ("socsim.scenario", ("socsim.workload", "socsim.soc", "socsim.model", "socsim.analysis", "socsim.report", "simpy", "torch")),
    ("socsim.codecs", ("socsim.workload", "socsim.soc", "socsim.model", "socsim.analysis", "socsim.report", "simpy")),
    ("socsim.model", ("socsim.workload", "socsim.soc", "socsim.analysis", "socsim.report", "simpy", "torch")),
    ("socsim.soc", ("socsim.workload", "socsim.analysis", "socsim.report", "torch")),
    ("socsim.analysis", ("socsim.soc", "socsim.workload", "socsim.report", "simpy", "torch")),
    ("socsim.report", ("socsim.soc", "socsim.workload", "torch")),
    ("socsim.result", ("socsim.soc", "socsim.workload", "socsim.analysis", "socsim.report", "simpy", "torch")),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(), str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            # ``from socsim import soc`` imports a subpackage too.
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names if mod == "socsim"]
    return out


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = module_name(path)
        for scope, banned in RULES:
            if me != scope and not me.startswith(scope + "."):
                continue
            for line, mod in imports(path):
                if any(mod == b or mod.startswith(b + ".") for b in banned):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {mod}")
    return found


def test_layers_import_downward_only():
    assert violations() == []


def test_the_checker_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "socsim"
    (pkg / "analysis").mkdir(parents=True)
    (pkg / "analysis" / "x.py").write_text("def f():\n    from ..soc import system\n    import simpy\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    assert violations() == ["socsim/analysis/x.py:2 imports socsim.soc", "socsim/analysis/x.py:3 imports simpy"]


@pytest.mark.parametrize("scope", [r[0] for r in RULES])
def test_every_rule_names_existing_code(scope):
    path = PACKAGE.parent / Path(*scope.split("."))
    assert path.with_suffix(".py").exists() or path.is_dir()
