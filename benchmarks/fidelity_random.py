"""Fast vs burst fidelity on the soundness run's random micro-scenarios (µs-scale frames, a few KiB
per tile, masters whose single requests are as large as a layer), measured side by side.

Prints the distribution of |fast − burst| / burst frame latency and the share of frames within the
2 % margin the worst-case bound allows the fast fidelity (first line), then, to show where the
large differences come from, the share within 2 % and the p99 per value of each scenario feature
(codec engine, channels, DMA window, other masters, DRAM, arbitration, descriptor size) and the
worst cases with their features and their index among the generated cases. The realistic scenarios' agreement is measured by
``bench_soc.py``. Usage: python benchmarks/fidelity_random.py [EXAMPLES] [SEED] [WORST] [--command]

``--command``: the soundness run's command-level DRAMs (``soundness.command_drams``: ``soc.dram.model:
command``, simulated command by command at burst fidelity, from each mix's steady state at fast
fidelity); it also prints the CPU seconds of each fidelity.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "analysis"))

ENGINES = {None: "none", 16.0: "fast", 2.0: "slow"}
"""Codec engine of the soundness cases by its rate (bytes/ns)."""


def features(scenario, plans) -> dict[str, str]:
    """What a random case is made of, as short labels (one per feature)."""
    soc = scenario.soc
    dma = soc.dma
    engine = dma.codec_engine
    rate = engine.bytes_per_cycle * engine.freq_mhz / 1e3 if engine else None
    tiles = [t for frame in plans for layer in frame for t in layer.tiles]
    coded = any(any(t.read_coded) or any(t.write_coded) for t in tiles)
    sizes = [s for t in tiles for s in t.read_bytes + t.write_bytes]
    bursts = np.median(sizes) / dma.burst_bytes if sizes else 0.0
    dram = soc.dram.preset or "simple"
    return {
        "engine": ENGINES.get(rate, str(rate)) + ("+coded" if coded else ""),
        "channels": str(dma.channels),
        "window": str(dma.max_outstanding),
        "masters": "+".join(sorted(m.kind for m in scenario.masters)) or "none",
        "n_masters": str(len(scenario.masters)),
        "dram": dram,
        "arbitration": soc.bus.arbitration,
        "descriptor": "tiny (≤ 8 bursts)" if bursts <= 8 else "small (≤ 32)" if bursts <= 32 else "large",
        "compute": "none" if max((t.compute_ns for t in tiles), default=0.0) == 0 else "some",
    }


def breakdown(rows: list[tuple[float, dict[str, str]]]) -> list[str]:
    """Per feature and value: frames, share within 2 % and p99 of |error|."""
    out = []
    for name in rows[0][1] if rows else ():
        groups: dict[str, list[float]] = defaultdict(list)
        for e, f in rows:
            groups[f[name]].append(e)
        parts = []
        for value, es in sorted(groups.items(), key=lambda kv: -np.percentile(kv[1], 99)):
            a = np.array(es)
            parts.append(f"{value} n={len(a)} ≤2%={(a <= 0.02).mean():.0%} p99={np.percentile(a, 99):.1%}")
        out.append(f"  {name}: " + "; ".join(parts))
    return out


def main() -> None:
    import soundness
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from socsim.analysis.bounds import bound_frames
    from socsim.soc.system import simulate

    command = "--command" in sys.argv
    argv = [a for a in sys.argv if a != "--command"]
    examples = int(argv[1]) if len(argv) > 1 else 1000
    worst = int(argv[3]) if len(argv) > 3 else 12
    cpu = [0.0, 0.0]
    rows: list[tuple[float, dict[str, str]]] = []
    cases: list[tuple[float, float, float, dict[str, str], int]] = []
    count = [0]

    @seed(int(argv[2]) if len(argv) > 2 else 0)
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate], database=None)
    @given(soundness.cases(command=command))
    def run(case):
        scenario, plans = case
        count[0] += 1
        if bound_frames(scenario, plans).reason:
            return  # the others may overload the DRAM: the burst run need not end
        t0 = time.process_time()
        fast = simulate(scenario, plans, "fast")
        t1 = time.process_time()
        burst = simulate(scenario, plans, "burst")
        cpu[0] += t1 - t0
        cpu[1] += time.process_time() - t1
        feats = features(scenario, plans)
        for f, b in zip(fast.frames, burst.frames):
            if b.latency_ns > 0:
                e = (f.latency_ns - b.latency_ns) / b.latency_ns
                rows.append((abs(e), feats))
                cases.append((e, f.latency_ns, b.latency_ns, feats, count[0] - 1))

    run()
    e = np.array([r[0] for r in rows])
    print(f"{len(e)} frames of {examples} random scenarios: |fast − burst| / burst median {np.median(e):.2%}, "
          f"p90 {np.percentile(e, 90):.2%}, p99 {np.percentile(e, 99):.2%}, max {e.max():.2%}; "
          f"within 2 %: {(e <= 0.02).mean():.1%}; CPU fast {cpu[0]:.1f} s, burst {cpu[1]:.1f} s")
    signed = np.array([c[0] for c in cases])
    print(f"fast slower than burst in {(signed > 0.02).mean():.1%} of frames, faster in {(signed < -0.02).mean():.1%} "
          f"(beyond 2 %)")
    print("per feature (frames, share within 2 %, p99 of |error|), worst p99 first:")
    print("\n".join(breakdown(rows)))
    print(f"worst {worst} frames (fast − burst) / burst:")
    for err, f_ns, b_ns, feats, index in sorted(cases, key=lambda c: -abs(c[0]))[:worst]:
        print(f"  {err:+7.1%} case {index:4d} fast {f_ns:9.1f} ns burst {b_ns:9.1f} ns  " + " ".join(f"{k}={v}" for k, v in feats.items()))


if __name__ == "__main__":
    main()
