"""Peak memory and run time of `socsim run` on the shipped scenarios, a long run and overloaded chips.

Each case runs as its own process (``python -m socsim.cli run ... -q --no-report``) from a socsim
checkout (``--root``, default this one), so two checkouts compare before and after a change on the
same machine. Prints one row per case: exit code, wall seconds, peak resident memory (MiB, the
child's ``ru_maxrss``) and the first line of its output (the verdict, or MEETS / MISSES).

Usage: python benchmarks/bounded_memory.py [--root PATH] [--only TEXT] [--timeout S]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bad_inputs import BUSY, OVERLOADED

ROOT = Path(__file__).resolve().parents[1]
TINY_CASES = {**OVERLOADED, "deadline_ms .inf": BUSY.replace("deadline_ms: 10", "deadline_ms: .inf")}
"""The chips of the issue on bounded memory (from ``bad_inputs.py``): each ends with a verdict, or
one error line for the infinite deadline."""
SCENARIO_CASES = {
    "mobilenet_v1_small (fast)": ("mobilenet_v1_small.yaml", []),
    "fcn8s_automotive (fast)": ("fcn8s_automotive.yaml", []),
    "fcn8s_contention (fast)": ("fcn8s_contention.yaml", []),
    "fcn8s_contention, 6 frames (fast)": ("fcn8s_contention.yaml", ["--frames", "6"]),
}


def run_case(root: Path, scenario: Path, extra: list[str], out: Path, timeout_s: float) -> tuple[int, float, float, str]:
    """(exit code, wall s, peak RSS MiB, first output line) of one `socsim run` in its own process,
    killed after ``timeout_s`` (exit -9)."""
    cmd = [sys.executable, "-m", "socsim.cli", "run", str(scenario), "-q", "--no-report", "--out", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        # wait4 reaps the child and gives its own resource usage (the peak RSS of that process alone).
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
    return proc.returncode, wall, usage.ru_maxrss / 1024, (lines[0] if lines else "")[:150]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="socsim checkout to measure")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a case is killed")
    args = parser.parse_args()
    root = args.root.resolve()
    print(f"root {root}")
    print(f"{'case':40s} {'exit':>4s} {'wall s':>7s} {'RSS MiB':>8s}  first line")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(name, root / "scenarios" / path, extra) for name, (path, extra) in SCENARIO_CASES.items()]
        for name, text in TINY_CASES.items():
            path = Path(tmp) / f"tiny{len(cases)}.yaml"
            path.write_text(text)
            cases.append((name, path, []))
        for i, (name, scenario, extra) in enumerate(cases):
            if args.only not in name:
                continue
            code, wall, rss, line = run_case(root, scenario, extra, Path(tmp) / f"out{i}", args.timeout)
            print(f"{name:40s} {code:4d} {wall:7.1f} {rss:8.0f}  {line}", flush=True)


if __name__ == "__main__":
    main()
