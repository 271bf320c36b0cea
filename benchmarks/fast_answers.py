"""Issue 15's figures, each next to its target, for this checkout and (side by side) a "before" one.

Every figure is the median of ``--runs`` whole-process runs, CPU seconds (user + system of the child,
``RUSAGE_CHILDREN``), with the activation cache warm (a first run fills it). Child processes may write
bytecode caches (an installed package has them), so both checkouts are timed the same way:
- warm ``socsim run scenarios/fcn8s_automotive.yaml`` with its report, and with ``--no-report -q``;
- whether a warm run imports torch;
- the worst-case analysis with its sensitivity (``pipeline.analyse``, CPU in a child, median of runs);
- one sweep point on a warm cache (``sweep.run_point`` in a warm worker, CPU per point);
- with ``--sweep N``: an N-point sweep of the main scenario on the local executor (wall, points/s);
- the cold run against the bare forward pass is ``benchmarks/bench_capture.py``'s figure (unchanged here).
Usage: python benchmarks/fast_answers.py [--before /tmp/before-fast] [--runs 5] [--sweep 100] [--before-sweep 20]
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
SCENARIO = ROOT / "scenarios" / "fcn8s_automotive.yaml"

TORCH_CHECK = """
import sys
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
run_scenario(Scenario.from_yaml(sys.argv[1]))
print("torch" in sys.modules)
"""

ANALYSE = """
import statistics, sys, time
from socsim import pipeline
from socsim.codecs.registry import get_codec
from socsim.scenario import Scenario
from socsim.workload.activations import load_workload
s = Scenario.from_yaml(sys.argv[1])
codec = get_codec(s.codec.name, dict(s.codec.params))
wl = load_workload(s, [codec])
out = []
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    pipeline.analyse(s, wl, codec, [30.0] * s.frames)
    out.append(time.process_time() - t)
print(statistics.median(out))
"""

POINT = """
import statistics, sys, time
from socsim.scenario import Scenario
from socsim.sweep import run_point
data = Scenario.from_yaml(sys.argv[1]).model_dump(mode="json")
run_point(data, {})  # warms the worker: imports, in-memory caches
out = []
for k in range(int(sys.argv[2])):
    rate = 1.0 + 0.05 * k  # the CPU cluster's load: a new point on the same (cached) workload
    point = {**data, "masters": [dict(m) for m in data["masters"]]}
    point["masters"][2]["rate_gbps"] = rate
    t = time.process_time()
    run_point(point, {"masters[2].rate_gbps": rate})
    out.append(time.process_time() - t)
print(statistics.median(out))
"""

def _env(checkout: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(checkout), **(extra or {})}


def cpu_run(checkout: Path, args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """(CPU s of the child, its standard output) of ``python ARGS`` run in ``checkout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, *args], cwd=checkout, env=env or _env(checkout), check=True,
                          capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout.strip()


def warm_runs(checkout: Path, runs: int, tmp: Path, extra: list[str]) -> float:
    """Median CPU s of ``runs`` warm ``socsim run`` processes with options ``extra``."""
    cmd = ["-m", "socsim.cli", "run", str(SCENARIO), "-q", *extra]
    cpu_run(checkout, cmd + ["--out", str(tmp / "warm")])  # fills the cache and the bytecode
    return statistics.median(cpu_run(checkout, cmd + ["--out", str(tmp / f"r{k}")])[0] for k in range(runs))


def figures(checkout: Path, runs: int) -> dict[str, str]:
    """Every warm figure of one checkout, formatted."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out = {
            "warm run with report (s CPU)": f"{warm_runs(checkout, runs, tmp, []):.2f}",
            "warm run --no-report -q (s CPU)": f"{warm_runs(checkout, runs, tmp, ['--no-report']):.2f}",
        }
    out["torch imported on a warm run"] = cpu_run(checkout, ["-c", TORCH_CHECK, str(SCENARIO)])[1]
    out["analysis with sensitivity (s CPU)"] = f"{float(cpu_run(checkout, ['-c', ANALYSE, str(SCENARIO), str(runs)])[1]):.3f}"
    out["sweep point, warm cache (s CPU)"] = f"{float(cpu_run(checkout, ['-c', POINT, str(SCENARIO), str(runs)])[1]):.2f}"
    return out


def sweep(checkout: Path, points: int) -> str:
    """Wall time and points/s of a ``points``-point sweep of the main scenario over the CPU cluster's
    load (one cached workload)."""
    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / "sweep.yaml"
        spec.write_text(f"name: bench\nbase: {SCENARIO}\npoints:\n"
                        + "".join(f"  - {{'masters[2].rate_gbps': {1.0 + 0.02 * k:.2f}}}\n" for k in range(points)))
        t0 = time.perf_counter()
        cpu, _ = cpu_run(checkout, ["-m", "socsim.cli", "sweep", str(spec), "-q", "--out", str(Path(d) / "o")])
        wall = time.perf_counter() - t0
    return f"{wall:.0f} s wall, {points / wall:.2f} points/s, {cpu / points:.2f} s CPU/point"


TARGETS = {
    "warm run with report (s CPU)": "≤ 1.5",
    "warm run --no-report -q (s CPU)": "≤ 1.0",
    "torch imported on a warm run": "False",
    "analysis with sensitivity (s CPU)": "≤ 0.3",
    "sweep point, warm cache (s CPU)": "≤ 0.5",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="A checkout to print beside this one (e.g. a worktree of main).")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sweep", type=int, default=0, help="Also time a sweep of this many points.")
    ap.add_argument("--before-sweep", type=int, default=0, help="Points of the before checkout's sweep.")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} runs", flush=True)
    now = figures(ROOT, args.runs)
    then = figures(args.before.resolve(), args.runs) if args.before else {}
    print(f"{'figure':36} {'target':>8} {'this':>8} {'before':>8}")
    for name, target in TARGETS.items():
        print(f"{name:36} {target:>8} {now[name]:>8} {then.get(name, '-'):>8}")
    if args.sweep:
        print(f"sweep of {args.sweep} points (local executor, 2 workers): this: {sweep(ROOT, args.sweep)}", flush=True)
    if args.before and args.before_sweep:
        print(f"sweep of {args.before_sweep} points, before: {sweep(args.before.resolve(), args.before_sweep)}")


if __name__ == "__main__":
    main()
