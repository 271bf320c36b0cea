"""Fast vs burst fidelity on the command-level DRAM: the FCN-8s command scenarios at small input sizes.

For each scenario of scenarios/command (``soc.dram.model: command``), each input size and codec, it
captures the workload once (cached), builds the frames' layer plans, simulates them at both
fidelities (``socsim.soc.system.simulate``) and prints every frame's latency at each, the relative
deviation of fast from burst, the worst-case bound (``socsim.analysis.bounds.bound_frames``; it must
be at least the fast frame too) and the CPU seconds of each simulation. Usage:

    python benchmarks/command_fast_vs_burst.py [--sizes 128x256,256x512] [--codecs none,dct:keep=21] [--frames 1]

The full-size frame (1024x2048) takes minutes of CPU at burst fidelity
(``benchmarks/bench_command_frame.py``); ``bench_command_frame.py --fidelity fast`` times it at fast fidelity.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from socsim.analysis.bounds import bound_frames
from socsim.api import scenario_of
from socsim.codecs.registry import get_codec
from socsim.pipeline import build_plans
from socsim.scenario import Scenario
from socsim.workload.activations import load_workload
from socsim.soc.system import simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [ROOT / "scenarios" / "command" / n for n in ("fcn8s_automotive_command.yaml", "fcn8s_contention_command.yaml")]


def _codec_overrides(path: Path, text: str) -> dict:
    """The scenario's codec replaced by ``text`` (e.g. 'dct:keep=21'), its transfer unit kept."""
    name, _, params = text.partition(":")
    unit = Scenario.read_yaml(path).get("codec", {}).get("transfer_unit", {})
    values = {k: int(v) if v.isdigit() else v for k, v in (p.split("=") for p in params.split(","))} if params else {}
    return {"codec": {"name": name, "params": values, "transfer_unit": unit}}


def one(path: Path, size: str, codec_text: str, frames: int) -> list[tuple]:
    """Rows (scenario, size, codec, frame, fast ms, burst ms, deviation, bound ms, CPU fast s, CPU burst s)."""
    h, w = (int(x) for x in size.split("x"))
    sc = scenario_of(path, **{"workload.height": h, "workload.width": w, "frames": frames}, **_codec_overrides(path, codec_text))
    codec = get_codec(sc.codec.name, dict(sc.codec.params))
    plans = build_plans(sc, load_workload(sc, [codec]), codec)
    t0 = time.process_time()
    fast = simulate(sc, plans, "fast")
    t1 = time.process_time()
    burst = simulate(sc, plans, "burst")
    t2 = time.process_time()
    bound = bound_frames(sc, plans)
    rows = []
    for i, (f, b) in enumerate(zip(fast.frames, burst.frames)):
        bound_ms = bound.frames_ns[i] / 1e6 if bound.frames_ns else float("inf")
        rows.append((path.stem, size, codec_text, i, f.latency_ns / 1e6, b.latency_ns / 1e6,
                     f.latency_ns / b.latency_ns - 1, bound_ms, t1 - t0, t2 - t1))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="128x256,256x512")
    ap.add_argument("--codecs", default="none,dct:keep=21")
    ap.add_argument("--frames", type=int, default=1)
    args = ap.parse_args()
    print(f"{'scenario':28s} {'size':8s} {'codec':12s} {'fr':>2s} {'fast ms':>9s} {'burst ms':>9s} {'dev':>7s}"
          f" {'bound ms':>9s} {'cpu f s':>7s} {'cpu b s':>7s}")
    rows = []
    for path in SCENARIOS:
        for size in args.sizes.split(","):
            for codec in args.codecs.split(","):
                for r in one(path, size, codec, args.frames):
                    rows.append(r)
                    print(f"{r[0]:28s} {r[1]:8s} {r[2]:12s} {r[3]:2d} {r[4]:9.4f} {r[5]:9.4f} {r[6]:+7.2%} {r[7]:9.4f}"
                          f" {r[8]:7.2f} {r[9]:7.2f}")
    worst = max(rows, key=lambda r: abs(r[6]))
    print(f"max |fast - burst| / burst {abs(worst[6]):.2%} ({worst[0]} {worst[1]} {worst[2]}); bound >= fast on "
          f"{sum(r[7] >= r[4] for r in rows)}/{len(rows)} frames; CPU fast {sum(r[8] for r in rows):.1f} s,"
          f" burst {sum(r[9] for r in rows):.1f} s")


if __name__ == "__main__":
    main()
