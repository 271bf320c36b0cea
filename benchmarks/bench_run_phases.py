"""Time the phases of `socsim run SCENARIO`: model build, inputs, capture, plan, simulation, report.

Runs the scenario twice in one process: cold (activation cache bypassed, PyTorch runs) and warm
(cache hit, no PyTorch forward), then times the whole warm CLI in a fresh process and prints every
phase. Usage: python benchmarks/bench_run_phases.py [SCENARIO] (default: the FCN8s scenario).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    scenario_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "scenarios" / "fcn8s_automotive.yaml"
    t0 = time.perf_counter()
    from socsim.report.export import result_json, write_result
    from socsim.report.grid import rich_table
    from socsim.report.tables import frames_table, layers_table
    from socsim.pipeline import run_scenario
    from socsim.scenario import Scenario

    import_s = time.perf_counter() - t0
    scenario = Scenario.from_yaml(scenario_path)
    print(f"scenario: {scenario_path} ({scenario.workload.model} {scenario.workload.height}×{scenario.workload.width}, "
          f"{scenario.frames} frames)")
    print(f"{'import socsim':28s} {import_s:8.2f} s")
    for label, use_cache in (("cold (cache bypassed)", False), ("warm (cache hit)", True)):
        t0 = time.perf_counter()
        out = run_scenario(scenario, use_cache=use_cache)
        t_run = time.perf_counter() - t0
        t0 = time.perf_counter()
        from rich.console import Console

        console = Console(file=open("/dev/null", "w"), width=160)
        console.print(rich_table(layers_table(out.result), whole=True))
        console.print(rich_table(frames_table(out.result), whole=True))
        with tempfile.TemporaryDirectory() as tmp:
            write_result(out.result, Path(tmp), None)
            result_json(out.result)
        t_report = time.perf_counter() - t0
        print(f"-- {label}: cache {out.workload.cache}")
        for k, v in out.seconds.items():
            print(f"   {k:25s} {v:8.2f} s")
        print(f"   {'report (tables + files)':25s} {t_report:8.2f} s")
        print(f"   {'total':25s} {t_run + t_report:8.2f} s   ({out.sim.events:,} simulation events, "
              f"{out.sim.events / max(out.seconds['simulate'], 1e-9):,.0f} events/s)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "socsim.cli", "run", str(scenario_path), "-q", "--out", tmp],
            capture_output=True, text=True,
        )
    wall = time.perf_counter() - t0
    print(f"-- warm `socsim run` in a fresh process: {wall:.2f} s wall (exit {proc.returncode})")


if __name__ == "__main__":
    main()
