"""Compare codecs on one scenario: the same chip, masters, seed and captured activations, one
simulation per codec, one row per codec.

Activations are captured once for all codecs (one forward pass per frame sizes every codec) and
shared through the activation cache; ``none`` is always sized too, so reductions are exact.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Callable

from socsim.codecs.registry import get_codec, parse_codec_text
from socsim.errors import CodecError, Overloaded, ScenarioError
from socsim.model.overload import find_overload
from socsim.result import RunResult
from socsim.pipeline import RunOutput, run_scenario
from socsim.scenario import Scenario


def with_codec(scenario: Scenario, text: str) -> Scenario:
    """The scenario with its codec replaced by ``text`` (e.g. 'dct:keep=21'), transfer unit kept."""
    try:
        name, params = parse_codec_text(text)
    except CodecError as exc:
        raise ScenarioError(f"--codecs: {exc}") from None
    data = scenario.model_dump()
    data["codec"] = {"name": name, "params": params, "transfer_unit": data["codec"]["transfer_unit"]}
    try:
        return Scenario.from_dict(data)
    except ScenarioError as exc:
        raise ScenarioError("\n".join(f"--codecs {text!r}: {line}" for line in str(exc).splitlines())) from None


def row_of(result: RunResult, raw_bytes: float | None = None) -> dict[str, Any]:
    """Per codec: DRAM bytes per frame (mean, max), reduction vs raw, latency (median, max),
    bound and deadline verdicts, bus utilization, display underflows."""
    per_frame = [f.dram_read_bytes + f.dram_write_bytes for f in result.frames]
    lat = [f.latency_ms for f in result.frames]
    row: dict[str, Any] = {
        "codec": result.codec.key,
        "dram_mb_per_frame_mean": statistics.fmean(per_frame) / 1e6,
        "dram_mb_per_frame_max": max(per_frame) / 1e6,
        "reduction": None if not raw_bytes else 1.0 - statistics.fmean(per_frame) / raw_bytes,
        "guaranteed": result.codec.guaranteed,
        "latency_ms_median": statistics.median(lat),
        "latency_ms_max": max(lat),
        "deadline_met_sim": result.summary.deadline_met_all,
        "bus_utilization": result.bus.utilization,
        "display_underflows": sum(m.underflows or 0 for m in result.masters),
    }
    if result.bound is not None:
        row["wcrt_bound_ms"] = result.bound.wcrt_bound_ms
        row["deadline_met_bound"] = result.bound.wcrt_bound_ms <= result.deadline_ms
    return row


@dataclass
class Comparison:
    """The runs of every codec and the comparison table."""

    outputs: list[RunOutput]
    rows: list[dict[str, Any]]

    @property
    def results(self) -> list[RunResult]:
        """The typed result of every codec, in the order asked."""
        return [o.result for o in self.outputs]


def compare(
    scenario: Scenario,
    codec_texts: list[str],
    progress: Callable[[int, int, str], None] | None = None,
    **run_options: Any,
) -> Comparison:
    """Run the scenario once per codec, capturing activations once for all of them."""
    from socsim.pipeline import build_plans
    from socsim.workload.activations import load_workload

    if not codec_texts:
        raise ScenarioError("--codecs: give at least one codec")
    scenarios = [with_codec(scenario, t) for t in codec_texts]
    none = get_codec("none")
    codecs = {none.key: none}
    for s in scenarios:
        c = get_codec(s.codec.name, dict(s.codec.params))
        codecs[c.key] = c
    # The codec changes no other master's demand: one verdict for all, before the capture, as ``run`` gives it.
    overload = find_overload(scenario)
    if overload is not None:
        raise Overloaded(overload)
    workload = load_workload(scenario, list(codecs.values()), progress=progress)
    outputs = [run_scenario(s, **run_options) for s in scenarios]
    raw = statistics.fmean(sum(p.read_bytes + p.write_bytes for p in frame) for frame in build_plans(scenario, workload, none))
    return Comparison(outputs, [row_of(o.result, raw) for o in outputs])
