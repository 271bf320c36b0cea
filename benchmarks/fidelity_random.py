"""Fast vs burst fidelity on the soundness run's random micro-scenarios (µs-scale frames, a few KiB
per tile, masters whose single requests are as large as a layer), measured side by side.

Prints the distribution of (fast − burst) / burst frame latency and the share of frames within the
2 % margin the worst-case bound allows the fast fidelity. The realistic scenarios' agreement is
measured by ``bench_soc.py``. Usage: python benchmarks/fidelity_random.py [EXAMPLES] [SEED]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "analysis"))


def main() -> None:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    import soundness
    from socsim.analysis.bounds import bound_frames
    from socsim.soc.system import simulate

    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    errors: list[float] = []

    @seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate], database=None)
    @given(soundness.cases())
    def run(case):
        scenario, plans = case
        if bound_frames(scenario, plans).reason:
            return  # the others may overload the DRAM: the burst run need not end
        fast, burst = simulate(scenario, plans, "fast"), simulate(scenario, plans, "burst")
        errors.extend((f.latency_ns - b.latency_ns) / b.latency_ns
                      for f, b in zip(fast.frames, burst.frames) if b.latency_ns > 0)

    run()
    e = np.abs(np.array(errors))
    print(f"{len(e)} frames of {examples} random scenarios: |fast − burst| / burst median {np.median(e):.2%}, "
          f"p90 {np.percentile(e, 90):.2%}, p99 {np.percentile(e, 99):.2%}, max {e.max():.2%}; "
          f"within 2 %: {(e <= 0.02).mean():.1%}")


if __name__ == "__main__":
    main()
