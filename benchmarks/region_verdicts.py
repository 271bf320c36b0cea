"""Verdicts by guarantee when streams share banks and when they avoid them (``socsim.regions``).

For FCN-8s on the command-level DRAM (scenarios/command/fcn8s_automotive_command.yaml) and on the
reduced timing model (scenarios/fcn8s_automotive.yaml) it bounds every frame (``socsim.analysis.
bounds.bound_frames`` on the worst-case transfer sizes, as ``socsim run`` does) under four layouts:

- ``partitioned``: every stream in a bank of its own (the shipped regions, or the default layout);
- ``isp@loads``: the camera ISP's frame buffers in the accelerator's loads bank (bank 0, rows above
  the accelerator's), everything else as shipped;
- ``isp@stores``: the same in the accelerator's stores bank (bank 1);
- ``rtcpu@loads``: the real-time CPU (random 64-byte accesses, a row opened per request) in the
  accelerator's loads bank.

In a shared bank a burst is a row conflict when the burst before it there was to another row, so
the bound charges every burst of a master in the accelerator's bank two conflicts (its own, and the
one it may cause the accelerator) on top of the accelerator's one per 16 KiB row. It prints per
layout and codec the frame bounds, the deadline and the verdict by guarantee; with ``--simulate``
also the simulated frame latencies at fast fidelity (the reduced timing model only: an FCN-8s frame
on the command model, burst fidelity only, takes about a quarter of an hour). Usage:

    python benchmarks/region_verdicts.py [--codecs none,dct:keep=21,dct:keep=19] [--scenarios command,timing] [--simulate]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {"command": ROOT / "scenarios" / "command" / "fcn8s_automotive_command.yaml",
             "timing": ROOT / "scenarios" / "fcn8s_automotive.yaml"}
ISP, RT_CPU = 0, 3
"""Indices of the ISP and the real-time CPU in the scenarios' masters."""


def layouts() -> dict[str, dict]:
    """Layout name → field-path overrides of the scenario (module docstring). Streams given no region
    keep their place (the shipped region, or the default layout's bank 2 + k for master k); the
    accelerator's regions are given whenever a master joins one of its banks, with disjoint rows."""
    isp = {"bank": 0, "first_row": 60000, "rows": 768}

    def npu(shared_bank: int) -> list:
        regions = [{"loads": {"bank": 0}, "stores": {"bank": 1}}]
        regions[0]["loads" if shared_bank == 0 else "stores"] = {"bank": shared_bank, "first_row": 0, "rows": 60000}
        return regions

    return {
        "partitioned": {},
        "isp@loads": {"soc.dma.regions": npu(0), f"masters[{ISP}].region": isp},
        "isp@stores": {"soc.dma.regions": npu(1), f"masters[{ISP}].region": {**isp, "bank": 1}},
        "rtcpu@loads": {"soc.dma.regions": npu(0), f"masters[{RT_CPU}].region": {"bank": 0, "first_row": 60000}},
    }


def bound_line(path: Path, layout: str, overrides: dict, codec_text: str, simulate: bool = False) -> str:
    """One line: the layout, codec, frame bounds and the verdict by guarantee."""
    from socsim.analysis.bounds import bound_frames, streams_share_banks
    from socsim.api import scenario_of
    from socsim.codecs.registry import get_codec, parse_codec_text
    from socsim.model.dram import bound_model
    from socsim.pipeline import build_plans, worst_case_sizes
    from socsim.workload.activations import load_workload

    name, params = parse_codec_text(codec_text)
    base = scenario_of(path)
    codec_spec = {"name": name, **params, "transfer_unit": base.codec.transfer_unit.model_dump()}
    scenario = scenario_of(path, codec=codec_spec, **{k.replace(".", "__"): v for k, v in overrides.items()})
    codec = get_codec(name, dict(scenario.codec.params))
    t0 = time.perf_counter()
    workload = load_workload(scenario, [codec])
    bound = bound_frames(scenario, build_plans(scenario, workload, codec, worst_case_sizes(scenario, workload, codec)))
    seconds = time.perf_counter() - t0
    shared = streams_share_banks(bound_model(scenario.soc), scenario)
    if bound.reason:
        return f"{scenario.name:26s} {layout:12s} {codec_text:12s} no bound ({bound.reason})"
    frames = " ".join(f"{b / 1e6:7.2f}" for b in bound.frames_ns)
    met = max(bound.frames_ns) <= scenario.deadline_ms * 1e6
    simulated = ""
    if simulate and scenario.soc.dram.resolved_model != "command":
        from socsim.api import run

        result = run(scenario, fidelity="fast")
        simulated = "simulated " + " ".join(f"{f.latency_ms:6.2f}" for f in result.frames) + " ms, "
    return (f"{scenario.name:26s} {layout:12s} {codec_text:12s} bank shared {'yes' if shared else 'no ':3s} "
            f"{simulated}bound {frames} ms, deadline {scenario.deadline_ms} ms, by guarantee {'yes' if met else 'no'} "
            f"[{seconds:.0f} s]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codecs", default="none,dct:keep=21,dct:keep=19")
    ap.add_argument("--scenarios", default="command,timing")
    ap.add_argument("--simulate", action="store_true", help="also simulate (fast fidelity, timing model)")
    args = ap.parse_args()
    for key in args.scenarios.split(","):
        path = SCENARIOS[key]
        for layout, overrides in layouts().items():
            for codec_text in args.codecs.split(","):
                print(bound_line(path, layout, overrides, codec_text, args.simulate), flush=True)


if __name__ == "__main__":
    main()
