"""Issue 15's figures, each next to its target, for this checkout and (side by side) a "before" one.

Every figure is the median of ``--runs`` whole-process runs; the two checkouts take turns run by run,
so both see the same load on a shared machine. CPU seconds are user + system of the child (its own
rusage from ``wait4``), peak memory is the child's largest resident set (``ru_maxrss``):
- warm ``socsim run scenarios/fcn8s_automotive.yaml`` with its report, and with ``--no-report -q``
  (the activation cache warm: a first run fills it);
- whether a warm run imports torch;
- the fast fidelity's simulation alone (``system.simulate`` in a child, median of runs);
- the worst-case analysis with its sensitivity (``pipeline.analyse`` in a child, median of runs);
- one sweep point on a warm cache (``sweep.run_point`` in a warm worker, CPU per point);
- with ``--sweep N``: an N-point sweep of the main scenario on the local executor (wall, points/s);
- with ``--cold-runs N``: the cold run (``socsim run`` with an empty activation cache, a new temporary
  ``SOCSIM_CACHE_DIR`` each time; the shared cache is never touched) beside a bare PyTorch process
  (same model, weights and input frames, ``model(x)`` under ``inference_mode``), alternating; wall
  seconds, the ratio to the bare forward pass, and the cold run's peak RSS.
Usage: python benchmarks/fast_answers.py [--before /tmp/speed-before] [--runs 5] [--sweep 100]
       [--before-sweep 100] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "fcn8s_automotive.yaml"
GB = 1e9

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

SIMULATE = """
import statistics, sys, time
from socsim.codecs.registry import get_codec
from socsim.pipeline import build_plans
from socsim.scenario import Scenario
from socsim.soc.system import simulate
from socsim.workload.activations import load_workload
s = Scenario.from_yaml(sys.argv[1])
codec = get_codec(s.codec.name, dict(s.codec.params))
plans = build_plans(s, load_workload(s, [codec]), codec)
out = []
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    simulate(s, plans, "fast")
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

BARE = """
import sys, time
from pathlib import Path
import torch
from socsim.scenario import Scenario
from socsim.workload.images import make_inputs
from socsim.workload.models import MODELS
from socsim.workload.weights import build_model
s = Scenario.from_yaml(sys.argv[1])
wl = s.workload
info_hw = MODELS[wl.model]
h, w = wl.height or info_hw.input_hw[0], wl.width or info_hw.input_hw[1]
model, info, _ = build_model(wl.model, wl.weights, s.seed, Path(s.base_dir))
images = make_inputs(wl.images, Path(s.base_dir), s.frames, h, w, info_hw.task == "classification", s.seed)
mean = torch.tensor(info.mean).view(1, 3, 1, 1)
std = torch.tensor(info.std).view(1, 3, 1, 1)
t = time.perf_counter()
with torch.inference_mode():
    for img in images:
        x = (torch.from_numpy(img.pixels).permute(2, 0, 1)[None].float().div_(255.0) - mean) / std
        out = model(x)
        del out
print(time.perf_counter() - t)
"""


@dataclass
class Child:
    """One finished child process: wall and CPU seconds, peak resident set (bytes), standard output."""

    wall_s: float
    cpu_s: float
    peak_rss_bytes: int
    stdout: str


def _env(checkout: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(checkout), **(extra or {})}


def child(checkout: Path, args: list[str], extra_env: dict[str, str] | None = None) -> Child:
    """Run ``python ARGS`` in ``checkout`` (its code on PYTHONPATH) and measure that process alone."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=checkout, env=_env(checkout, extra_env),
                                stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{checkout}: python {' '.join(args)} failed (exit {proc.returncode}):\n"
                             f"{err.read()[-2000:]}")
        return Child(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out.read().strip())


def _median(values: list[float]) -> float:
    return statistics.median(values)


def warm_figures(checkouts: list[Path], runs: int) -> list[dict[str, str]]:
    """Every warm figure of each checkout, formatted; the checkouts take turns run by run."""
    out: list[dict[str, str]] = [{} for _ in checkouts]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for label, extra in (("report", []), ("no-report", ["--no-report"])):
            cmd = ["-m", "socsim.cli", "run", str(SCENARIO), "-q", *extra]
            for c in checkouts:
                child(c, cmd + ["--out", str(tmp / "warm")])  # fills the cache and the bytecode
            done: list[list[Child]] = [[] for _ in checkouts]
            for k in range(runs):
                for i, c in enumerate(checkouts):
                    done[i].append(child(c, cmd + ["--out", str(tmp / f"{i}-{label}-{k}")]))
            for i in range(len(checkouts)):
                out[i][f"warm run, {label} (s CPU)"] = f"{_median([r.cpu_s for r in done[i]]):.2f}"
                if label == "no-report":
                    out[i]["warm run, peak RSS (GB)"] = f"{_median([r.peak_rss_bytes for r in done[i]]) / GB:.2f}"
    for i, c in enumerate(checkouts):
        out[i]["torch imported on a warm run"] = child(c, ["-c", TORCH_CHECK, str(SCENARIO)]).stdout
        out[i]["simulation alone, fast (s CPU)"] = f"{float(child(c, ['-c', SIMULATE, str(SCENARIO), str(runs)]).stdout):.2f}"
        out[i]["analysis with sensitivity (s CPU)"] = f"{float(child(c, ['-c', ANALYSE, str(SCENARIO), str(runs)]).stdout):.3f}"
        out[i]["sweep point, warm cache (s CPU)"] = f"{float(child(c, ['-c', POINT, str(SCENARIO), str(runs)]).stdout):.2f}"
    return out


def sweep(checkout: Path, points: int) -> dict[str, str]:
    """Wall time, points/s and CPU per point of a ``points``-point sweep of the main scenario over
    the CPU cluster's load (one cached workload), on the local executor."""
    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / "sweep.yaml"
        spec.write_text(f"name: bench\nbase: {SCENARIO}\npoints:\n"
                        + "".join(f"  - {{'masters[2].rate_gbps': {1.0 + 0.02 * k:.2f}}}\n" for k in range(points)))
        done = child(checkout, ["-m", "socsim.cli", "sweep", str(spec), "-q", "--out", str(Path(d) / "o")])
    return {f"sweep of {points} points (s wall)": f"{done.wall_s:.0f}",
            f"sweep of {points} points (points/s)": f"{points / done.wall_s:.2f}",
            f"sweep of {points} points (s CPU/point)": f"{done.cpu_s / points:.2f}"}


def cold_figures(checkouts: list[Path], runs: int) -> list[dict[str, str]]:
    """The cold run beside the bare forward pass of the same frames, per checkout (wall s, medians;
    the ratio is the median of the paired ratios), and the cold run's largest peak RSS."""
    out: list[dict[str, str]] = []
    for c in checkouts:
        cold: list[Child] = []
        bare: list[Child] = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as d:
                cold.append(child(c, ["-m", "socsim.cli", "run", str(SCENARIO), "-q", "--no-report",
                                      "--out", str(Path(d) / "o")], {"SOCSIM_CACHE_DIR": str(Path(d) / "cache")}))
            bare.append(child(c, ["-c", BARE, str(SCENARIO)]))
        forward = [float(b.stdout) for b in bare]
        out.append({
            "cold run (s wall)": f"{_median([r.wall_s for r in cold]):.1f}",
            "bare forward pass of its frames (s wall)": f"{_median(forward):.1f}",
            "bare PyTorch process (s wall)": f"{_median([b.wall_s for b in bare]):.1f}",
            "cold run / bare forward pass": f"{_median([r.wall_s / f for r, f in zip(cold, forward)]):.2f}",
            "cold run / bare PyTorch process": f"{_median([r.wall_s / b.wall_s for r, b in zip(cold, bare)]):.2f}",
            "cold run, peak RSS (GB)": f"{max(r.peak_rss_bytes for r in cold) / GB:.2f}",
        })
    return out


TARGETS = {
    "warm run, report (s CPU)": "≤ 1.5",
    "warm run, no-report (s CPU)": "≤ 1.0",
    "warm run, peak RSS (GB)": "≤ 3",
    "torch imported on a warm run": "False",
    "simulation alone, fast (s CPU)": "",
    "analysis with sensitivity (s CPU)": "≤ 0.3",
    "sweep point, warm cache (s CPU)": "≤ 0.5",
    "cold run (s wall)": "",
    "bare forward pass of its frames (s wall)": "",
    "bare PyTorch process (s wall)": "",
    "cold run / bare forward pass": "≤ 1.2",
    "cold run / bare PyTorch process": "",
    "cold run, peak RSS (GB)": "≤ 3",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="A checkout to print beside this one (e.g. a worktree of main).")
    ap.add_argument("--runs", type=int, default=5, help="Whole-process runs per warm figure (median).")
    ap.add_argument("--sweep", type=int, default=0, help="Also time a sweep of this many points.")
    ap.add_argument("--before-sweep", type=int, default=0, help="Points of the before checkout's sweep.")
    ap.add_argument("--cold-runs", type=int, default=0, help="Also time this many cold runs, each beside a bare forward pass.")
    args = ap.parse_args()
    checkouts = [ROOT] + ([args.before.resolve()] if args.before else [])
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} runs; before: {args.before or '-'}", flush=True)
    figures = warm_figures(checkouts, args.runs)
    targets = dict(TARGETS)
    if args.cold_runs:
        for fig, cold in zip(figures, cold_figures(checkouts, args.cold_runs)):
            fig.update(cold)
    if args.sweep:
        figures[0].update(sweep(ROOT, args.sweep))
        targets.update({k: "" for k in figures[0] if k.startswith("sweep of")})
    if args.before and args.before_sweep:
        figures[1].update(sweep(checkouts[1], args.before_sweep))
        targets.update({k: "" for k in figures[1] if k.startswith("sweep of")})
    print(f"{'figure':42} {'target':>8} {'this':>8} {'before':>8}")
    for name, target in targets.items():
        if any(name in f for f in figures):
            then = figures[1].get(name, "-") if args.before else "-"
            print(f"{name:42} {target:>8} {figures[0].get(name, '-'):>8} {then:>8}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
