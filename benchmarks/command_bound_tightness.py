"""Tightness of the worst-case frame bound on the command-level DRAM: bound / simulated latency per
frame (burst fidelity) over the soundness set's command-model cases (tests/analysis/soundness.py,
``cases(command=True)``), with its median, 90th percentile and maximum. Usage:
``python benchmarks/command_bound_tightness.py N [--seed S] [--stress]``; prints one line per
case (``--verbose``) and the summary ``N cases: median R, p90 R, max R (bounded B, violations V)``."""

import argparse
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "analysis"))

from soundness import cases

from socsim.analysis.bounds import bound_frames
from socsim.soc.system import simulate


def main() -> None:
    """Parse the arguments, run the cases, print the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stress", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    ratios: list[float] = []
    stats = {"unbounded": 0, "violations": 0}

    @hseed(args.seed)
    @settings(max_examples=args.examples, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate], database=None)
    @given(cases(stress=args.stress, command=True))
    def run(case):
        scenario, plans = case
        bound = bound_frames(scenario, plans)
        if bound.reason:
            stats["unbounded"] += 1
            return
        sim = simulate(scenario, plans, "burst")
        for f, b in zip(sim.frames, bound.frames_ns):
            r = b / f.latency_ns if f.latency_ns > 0 else float("nan")
            ratios.append(r)
            stats["violations"] += int(f.latency_ns > b * (1 + 1e-9) + 1e-6)
            if args.verbose:
                print(f"{scenario.soc.dram.preset} frame {f.index}: sim {f.latency_ns:.0f} ns bound {b:.0f} ns ratio {r:.2f}")

    run()
    r = np.array([x for x in ratios if not np.isnan(x)])
    print(f"{args.examples} cases: median {np.median(r):.2f}, p90 {np.percentile(r, 90):.2f}, max {r.max():.2f} "
          f"(frames bounded {len(r)}, without a bound {stats['unbounded']} cases, violations {stats['violations']})")


if __name__ == "__main__":
    main()
