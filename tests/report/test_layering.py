"""report/ renders the typed result only: it imports nothing from the workload or the SoC model
(report/trace.py reads the simulation's records, for now from socsim.soc.system)."""

import ast
from pathlib import Path

import socsim

PACKAGE = Path(socsim.__file__).resolve().parent
ALLOWED = {("trace.py", "socsim.soc.system")}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_report_imports_neither_workload_nor_soc():
    bad = [(p.name, m) for p in sorted((PACKAGE / "report").glob("*.py")) for m in imported_modules(p)
           if m.startswith(("socsim.workload", "socsim.soc")) and (p.name, m) not in ALLOWED]
    assert bad == []


def test_result_contract_imports_neither_workload_nor_soc():
    assert not [m for m in imported_modules(PACKAGE / "result.py") if m.startswith(("socsim.workload", "socsim.soc"))]
