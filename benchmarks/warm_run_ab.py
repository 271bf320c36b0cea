"""Warm `socsim run` of one scenario in two checkouts, side by side: CPU and wall seconds per run.

Each checkout runs ``python -m socsim.cli run SCENARIO -q`` (its own code on PYTHONPATH, the shared
activation cache warm) in a fresh process, alternating A and B to share the machine's load fairly.
Prints every run and the medians. Usage:
python benchmarks/warm_run_ab.py CHECKOUT_A CHECKOUT_B [--scenario PATH] [--runs N]
(e.g. a `git worktree add /tmp/before <commit>` beside this checkout).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(checkout: Path, scenario: Path, out: Path) -> tuple[float, float]:
    """(CPU s, wall s) of one warm run of ``scenario`` with the code of ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "socsim.cli", "run", str(scenario), "-q", "--out", str(out)],
                   cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "fcn8s_automotive.yaml")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    runs: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory() as tmp:
        for label, checkout in (("A", args.a), ("B", args.b)):  # warm-up: fill the cache, compile .pyc
            one_run(checkout.resolve(), args.scenario.resolve(), Path(tmp) / f"warm-{label}")
        for k in range(args.runs):
            for label, checkout in (("A", args.a), ("B", args.b)):
                cpu, wall = one_run(checkout.resolve(), args.scenario.resolve(), Path(tmp) / f"{label}{k}")
                runs[label].append((cpu, wall))
                print(f"run {k} {label}: CPU {cpu:.2f} s, wall {wall:.2f} s", flush=True)
    for label, checkout in (("A", args.a), ("B", args.b)):
        cpu = statistics.median(r[0] for r in runs[label])
        wall = statistics.median(r[1] for r in runs[label])
        print(f"{label} {checkout}: median CPU {cpu:.2f} s, median wall {wall:.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
