"""The FCN-8s verdicts on the command-level DRAM: per scenario and codec, the worst-case frame bound,
whether it meets the deadline by guarantee, and the smallest guaranteed compression ratio that does
(socsim.analysis.bounds; no simulation: the command model runs at burst fidelity only, and an FCN-8s
frame there takes far longer than the analysis). Usage:
``python benchmarks/fcn8s_command_verdicts.py [SCENARIO ...] [--codecs none,rle,spm,dct:keep=21]``;
prints one line per scenario and codec: ``scenario codec: bound B ms (frames ...), deadline D ms,
by guarantee yes/no, smallest guaranteed ratio R``."""

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [ROOT / "scenarios" / "command" / "fcn8s_automotive_command.yaml",
             ROOT / "scenarios" / "command" / "fcn8s_contention_command.yaml"]


def verdict(path: Path, codec_text: str) -> str:
    """One line: the bound of every frame, the verdict by guarantee and the smallest guaranteed ratio."""
    from socsim.api import scenario_of
    from socsim.codecs.registry import get_codec, parse_codec_text
    from socsim.pipeline import analyse
    from socsim.workload.activations import load_workload

    name, params = parse_codec_text(codec_text)
    base = scenario_of(path)
    codec_spec = {"name": name, **params, "transfer_unit": base.codec.transfer_unit.model_dump()}
    scenario = scenario_of(path, codec=codec_spec)
    codec = get_codec(name, dict(scenario.codec.params))
    t0 = time.perf_counter()
    workload = load_workload(scenario, [codec])
    doc = analyse(scenario, workload, codec, [1.0] * workload.frames)
    seconds = time.perf_counter() - t0
    if "reason" in doc:
        return f"{scenario.name} {codec_text}: no bound ({doc['reason']})"
    frames = ", ".join(f"{b:.2f}" for b in doc["frames_bound_ms"])
    ratio = doc.get("sensitivity", {}).get("min_guaranteed_compression_ratio")
    ratio_text = "none up to 64" if ratio is None else f"{ratio:.2f}"
    return (f"{scenario.name} {codec_text}: bound {doc['wcrt_bound_ms']:.2f} ms (frames {frames}), deadline "
            f"{scenario.deadline_ms} ms, by guarantee {'yes' if doc['deadline_met_by_bound'] else 'no'}, "
            f"smallest guaranteed ratio {ratio_text} [{seconds:.0f} s]")


def main() -> None:
    """Parse the arguments and print the verdicts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", type=Path, default=SCENARIOS)
    ap.add_argument("--codecs", default="none,rle,spm,dct:keep=21")
    args = ap.parse_args()
    for path in args.scenarios:
        for codec_text in args.codecs.split(","):
            print(verdict(path, codec_text), flush=True)


if __name__ == "__main__":
    main()
