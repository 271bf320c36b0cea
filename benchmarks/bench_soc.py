"""Fast vs burst fidelity of the SoC model on a scenario, measured side by side, plus the warm run.

Prints, for the scenario's frames (the burst fidelity on ``--burst-frames`` frames only, since it
moves every 64-byte burst as simpy events and takes minutes on FCN8s): wall time, CPU time,
simulation events and events/s of each fidelity, their speed ratio, the frame-latency and
per-master bytes-delivered differences, the worst-case bound's time and its ratio to each
fidelity's frames, and the wall time of a warm ``socsim run`` in a fresh process (3 runs). Usage:

    python benchmarks/bench_soc.py [SCENARIO] [--burst-frames N] [--skip-burst]

(default: scenarios/fcn8s_automotive.yaml, 1 burst frame). The activation cache must be warm for
the timings to mean anything (run ``socsim run SCENARIO`` once first).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "fcn8s_automotive.yaml"))
    ap.add_argument("--burst-frames", type=int, default=1, help="frames to simulate at burst fidelity")
    ap.add_argument("--skip-burst", action="store_true", help="time the fast fidelity only")
    args = ap.parse_args()

    from socsim.codecs.registry import get_codec
    from socsim.pipeline import build_plans
    from socsim.scenario import Scenario
    from socsim.soc.system import simulate
    from socsim.workload.activations import load_workload

    scenario = Scenario.from_yaml(args.scenario)
    codec = get_codec(scenario.codec.name, dict(scenario.codec.params))
    workload, wall, _ = _timed(lambda: load_workload(scenario, [codec]))
    print(f"scenario: {args.scenario} ({scenario.workload.model} {workload.height}×{workload.width}, "
          f"{scenario.frames} frames, codec {codec.key}, arbitration {scenario.soc.bus.arbitration}, "
          f"DRAM {scenario.soc.dram.preset or 'custom'} {scenario.soc.dram.resolved_model}); "
          f"workload {workload.cache} in {wall:.2f} s")
    plans = build_plans(scenario, workload, codec)

    def report(label, sim, wall, cpu):
        lat = ", ".join(f"{f.latency_ns / 1e6:.3f}" for f in sim.frames)
        print(f"{label:34s} {wall:8.2f} s wall {cpu:8.2f} s cpu {sim.events:>12,} events "
              f"{sim.events / max(cpu, 1e-9):>12,.0f} events/s   frame latency ms: {lat}")

    fast_all, w, c = _timed(lambda: simulate(scenario, plans, "fast"))
    report(f"fast, {len(plans)} frame(s)", fast_all, w, c)
    from socsim.analysis.bounds import bound_frames

    bound, wa, _ = _timed(lambda: bound_frames(scenario, plans))
    if bound.frames_ns:
        print(f"worst-case bound: {wa:.2f} s wall, frames " + ", ".join(f"{b / 1e6:.3f}" for b in bound.frames_ns)
              + " ms; bound / fast: " + ", ".join(f"{b / f.latency_ns:.3f}" for b, f in zip(bound.frames_ns, fast_all.frames)))
    _warm_run(args.scenario)
    if args.skip_burst:
        return
    n = max(1, min(args.burst_frames, len(plans)))
    fast, wf, cf = _timed(lambda: simulate(scenario, plans[:n], "fast"))
    report(f"fast, {n} frame(s)", fast, wf, cf)
    burst, wb, cb = _timed(lambda: simulate(scenario, plans[:n], "burst"))
    report(f"burst, {n} frame(s)", burst, wb, cb)
    print(f"speed ratio burst/fast on {n} frame(s): {wb / wf:,.0f}× wall, {cb / max(cf, 1e-9):,.0f}× cpu")
    errs = [(f.latency_ns - b.latency_ns) / b.latency_ns for f, b in zip(fast.frames, burst.frames)]
    print("frame latency error fast vs burst: " + ", ".join(f"{100 * e:+.2f} %" for e in errs))
    for f, b in zip(fast.masters, burst.masters):
        err = (f.bytes_delivered - b.bytes_delivered) / max(b.bytes_delivered, 1)
        print(f"  {f.name:10s} delivered fast {f.bytes_delivered:>14,} B  burst {b.bytes_delivered:>14,} B  "
              f"({100 * err:+.2f} %)   busy fast {f.busy_ns / 1e6:8.3f} ms  burst {b.busy_ns / 1e6:8.3f} ms")
    if bound.frames_ns:
        print("bound / burst: " + ", ".join(f"{b / f.latency_ns:.3f}" for b, f in zip(bound.frames_ns, burst.frames)))


def _warm_run(scenario: str, runs: int = 3) -> None:
    """Wall time of the whole warm CLI (``socsim run``, report included) in a fresh process."""
    walls = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "socsim.cli", "run", scenario, "-q", "--out", tmp],
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
        if proc.returncode:
            print(f"warm `socsim run` failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
            return
    print(f"warm `socsim run` in a fresh process, {runs} runs: " + ", ".join(f"{w:.2f}" for w in walls) + " s wall")


if __name__ == "__main__":
    main()
