"""How far re-recorded golden files moved: the largest relative difference of any number, with the
simulation's ``events`` count (the number of events the engine processed, not a result) left out.

``python tests/golden/compare.py REV`` compares every ``tests/golden/*.json`` with its version at
the git revision REV (e.g. ``main``); it prints one line per file — the largest relative
difference, where it is, and whether anything but a number (a key, a length, a string) changed —
and, last, the largest over all files.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IGNORED = {"events"}
"""Keys whose values are left out: the engine's event count."""


def walk(old, new, path: str = "$"):
    """Yield (path, relative difference) for every number of ``old`` and its counterpart in ``new``,
    and (path, None) where the two differ in anything else (a key, a length, a type, a string)."""
    if isinstance(old, dict) and isinstance(new, dict):
        if old.keys() != new.keys():
            yield path, None
        for k in old.keys() & new.keys():
            if k not in IGNORED:
                yield from walk(old[k], new[k], f"{path}.{k}")
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            yield path, None
        for i, (a, b) in enumerate(zip(old, new)):
            yield from walk(a, b, f"{path}[{i}]")
    elif isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        if old == new or (isinstance(old, float) and math.isnan(old) and math.isnan(new)):
            yield path, 0.0
        else:
            yield path, abs(new - old) / max(abs(old), abs(new))
    elif old != new:
        yield path, None


def compare(old, new) -> tuple[float, str, list[str]]:
    """(largest relative difference, its path, paths where something other than a number changed)."""
    worst, where, other = 0.0, "", []
    for path, rel in walk(old, new):
        if rel is None:
            other.append(path)
        elif rel > worst:
            worst, where = rel, path
    return worst, where, other


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/golden/compare.py REV")
    rev = sys.argv[1]
    overall = 0.0
    for path in sorted(HERE.glob("*.json")):
        rel = path.relative_to(ROOT).as_posix()
        shown = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode != 0:
            print(f"{path.name}: not at {rev}")
            continue
        worst, where, other = compare(json.loads(shown.stdout), json.loads(path.read_text()))
        overall = max(overall, worst)
        note = f"; other changes at {', '.join(other[:5])}" if other else ""
        print(f"{path.name}: max relative difference {worst:.3g}{f' at {where}' if where else ''}{note}")
    print(f"all files: max relative difference {overall:.3g} (events left out)")


if __name__ == "__main__":
    main()
