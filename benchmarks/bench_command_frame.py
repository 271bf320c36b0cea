"""One FCN-8s frame on the command-level DRAM (burst fidelity, or ``--fidelity fast``), end to end, timed.

Runs ``socsim run SCENARIO --fidelity burst --frames N --no-report`` in a fresh process under ``/usr/bin/time -v``
(activation capture from the cache, simulation, worst-case analysis, result JSON; no report) and
prints its wall and CPU time, peak memory and wall time by phase (workload, plan, simulate, analysis,
result), then the frames' simulated latency, the worst-case
bound, the deadline verdicts and the simpy events. ``--tree DIR`` runs the socsim of another checkout
(e.g. an older commit, ``git worktree add`` or ``git archive | tar -x``) for a before/after on the same
machine; ``--compare`` also runs this checkout (first) and checks that both wrote the same result (every
figure but the simulation's event count and the wall times). Usage:

    python benchmarks/bench_command_frame.py [SCENARIO] [--frames 1] [--tree DIR] [--compare] [--set K=V ...]

(default: scenarios/command/fcn8s_automotive_command.yaml, 1 frame). Run ``socsim run`` on the
scenario once first so that the activation capture is cached: otherwise its time is included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "command" / "fcn8s_automotive_command.yaml"
TIME_FIELDS = {"User time (seconds)": "user_s", "System time (seconds)": "sys_s",
               "Maximum resident set size (kbytes)": "max_rss_kib"}


def run(tree: Path, scenario: Path, frames: int, settings: list[str], out: Path, fidelity: str = "burst") -> dict:
    """Run the CLI of ``tree`` once; its timings and result JSON."""
    cmd = [sys.executable, "-m", "socsim.cli", "run", str(scenario), "--fidelity", fidelity, "--frames", str(frames),
           "--no-report", "--out", str(out / "run"), "--json", str(out / "result.json")]
    for s in settings:
        cmd += ["--set", s]
    timer = shutil.which("time") or "/usr/bin/time"
    timed = os.path.exists(timer)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    proc = subprocess.run(([timer, "-v"] if timed else []) + cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # 1: a deadline missed in simulation
        sys.exit(f"socsim run failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    figures = {"wall_s": wall}
    for line in proc.stderr.splitlines():
        key, _, value = line.strip().partition(": ")
        if key in TIME_FIELDS:
            figures[TIME_FIELDS[key]] = float(value)
    if not timed:
        import resource

        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures.update(user_s=ru.ru_utime, sys_s=ru.ru_stime, max_rss_kib=ru.ru_maxrss)
    phases = re.search(r"wall: (.*)$", proc.stdout, re.M)
    figures["phases"] = phases.group(1) if phases else "?"
    figures["result"] = json.loads((out / "result.json").read_text())
    return figures


def report(label: str, fig: dict) -> None:
    """Print one run's timings and its frames' latency and bound."""
    doc = fig["result"]
    cpu = fig.get("user_s", 0.0) + fig.get("sys_s", 0.0)
    print(f"{label}: wall {fig['wall_s']:.1f} s, CPU {cpu:.1f} s (user {fig.get('user_s', 0.0):.1f} + sys "
          f"{fig.get('sys_s', 0.0):.1f}), peak memory {fig.get('max_rss_kib', 0) / 1024:.0f} MiB, "
          f"simpy events {doc['sim']['events']:,}")
    print(f"  wall time by phase: {fig['phases']}")
    an = doc["analysis"]
    bounds = an.get("frames_bound_ms") or []
    for f, b in zip(doc["frames"], bounds + [None] * (len(doc["frames"]) - len(bounds))):
        bound = "no bound" if b is None else f"bound {b:.4f} ms"
        print(f"  frame {f['index']}: simulated latency {f['latency_ms']:.7f} ms, {bound}, deadline "
              f"{doc['deadline_ms']} ms met in simulation: {f['deadline_met']}")
    print(f"  worst-case bound {an.get('wcrt_bound_ms')} ms, deadline met by guarantee: {an.get('deadline_met_by_bound')}")


def _comparable(doc: dict) -> str:
    """The result without the fields that measure the run itself (event count)."""
    doc = json.loads(json.dumps(doc))
    doc["sim"].pop("events", None)
    return re.sub(r"\s+", " ", json.dumps(doc, sort_keys=True))


def main() -> None:
    """Parse the arguments, run, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=SCENARIO)
    ap.add_argument("--frames", type=int, default=1)
    ap.add_argument("--fidelity", choices=["burst", "fast"], default="burst")
    ap.add_argument("--tree", type=Path, help="run the socsim of this checkout instead of this one")
    ap.add_argument("--compare", action="store_true", help="with --tree: run this checkout too and compare")
    ap.add_argument("--set", dest="settings", action="append", default=[], help="scenario setting KEY=VALUE")
    args = ap.parse_args()
    scenario = args.scenario.resolve()
    trees = [("this checkout", ROOT)]
    if args.tree is not None:
        trees = (trees if args.compare else []) + [(str(args.tree), args.tree.resolve())]
    print(f"scenario {scenario}, {args.frames} frame(s) at {args.fidelity} fidelity"
          + (f", settings {' '.join(args.settings)}" if args.settings else ""))
    results = []
    for label, tree in trees:
        with tempfile.TemporaryDirectory() as tmp:
            fig = run(tree, scenario, args.frames, args.settings, Path(tmp), args.fidelity)
        report(label, fig)
        results.append(fig)
    if len(results) == 2:
        a, b = results
        same = _comparable(a["result"]) == _comparable(b["result"])
        ca = a.get("user_s", 0.0) + a.get("sys_s", 0.0)
        cb = b.get("user_s", 0.0) + b.get("sys_s", 0.0)
        print(f"same result (all but the event count): {'yes' if same else 'NO'}; CPU {cb:.1f} s ({trees[1][0]}) "
              f"-> {ca:.1f} s (this checkout), {cb / max(ca, 1e-9):.2f}x; events {b['result']['sim']['events']:,} "
              f"-> {a['result']['sim']['events']:,}")


if __name__ == "__main__":
    main()
