"""One ``socsim run``: scenario → workload → codec sizes → layer plans → simulation → result.

``run_scenario`` returns the result as a JSON-ready dict (the contract documented in
``socsim.report.export``) plus wall-clock phase times, which are kept out of the result so the
same scenario and seed always give an identical result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from socsim import __version__
from socsim.codecs.base import Codec
from socsim.codecs.none import NoneCodec
from socsim.codecs.registry import get_codec
from socsim.scenario import Scenario
from socsim.soc.accelerator import LayerPlan, plan_layer, tile_count
from socsim.soc.system import SimResult, simulate
from socsim.units import NS_PER_MS, ns_to_ms
from socsim.workload.activations import Workload, load_workload
from socsim.workload.graph import INPUT


@dataclass
class RunOutput:
    """The result document and how long each phase took (s)."""

    result: dict[str, Any]
    seconds: dict[str, float]
    workload: Workload
    sim: SimResult


def unit_bytes(bits: np.ndarray, burst_bytes: int) -> np.ndarray:
    """Per-unit sizes in bits → bytes rounded up to whole bursts (int64)."""
    nbytes = (np.asarray(bits, dtype=np.int64) + 7) // 8
    return (nbytes + burst_bytes - 1) // burst_bytes * burst_bytes


def build_plans(scenario: Scenario, workload: Workload, codec: Codec) -> list[list[LayerPlan]]:
    """Layer plans of every frame: the codec's real per-unit sizes, rounded up to bursts."""
    acc = scenario.soc.accelerator
    burst = scenario.soc.dma.burst_bytes
    unit = scenario.codec.transfer_unit
    # The network input is written by the camera pipeline uncompressed.
    raw_input = unit_bytes(NoneCodec().unit_sizes_bits(np.zeros(workload.graph.input_shape, np.int16), unit), burst)
    plans = []
    for frame_sizes in workload.sizes[codec.key]:
        out_units = {name: unit_bytes(bits, burst) for name, bits in frame_sizes.items()}
        frame_plans = []
        for layer in workload.graph.layers:
            ins = [raw_input if src == INPUT else out_units[src] for src in layer.inputs]
            frame_plans.append(plan_layer(layer, acc, burst, ins, out_units[layer.name]))
        plans.append(frame_plans)
    return plans


def run_scenario(
    scenario: Scenario,
    progress: Callable[[int, int, str], None] | None = None,
    use_cache: bool = True,
) -> RunOutput:
    """Run the scenario end to end and return its result document."""
    seconds: dict[str, float] = {}
    codec = get_codec(scenario.codec.name, dict(scenario.codec.params))
    t0 = time.perf_counter()
    workload = load_workload(scenario, [codec], progress=progress, use_cache=use_cache)
    seconds["workload"] = time.perf_counter() - t0
    seconds.update({f"workload.{k}": v for k, v in workload.seconds.items()})
    t0 = time.perf_counter()
    plans = build_plans(scenario, workload, codec)
    seconds["plan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = simulate(scenario, plans)
    seconds["simulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = make_result(scenario, workload, codec, plans, sim)
    seconds["result"] = time.perf_counter() - t0
    return RunOutput(result, seconds, workload, sim)


def make_result(
    scenario: Scenario, workload: Workload, codec: Codec, plans: list[list[LayerPlan]], sim: SimResult
) -> dict[str, Any]:
    """The result document of a run (see socsim.report.export for the contract)."""
    graph = workload.graph
    deadline_ns = scenario.deadline_ms * NS_PER_MS
    frames = []
    for f, fplans in zip(sim.frames, plans):
        frames.append(
            {
                "index": f.index,
                "input": workload.inputs[f.index],
                "release_ms": ns_to_ms(f.release_ns),
                "latency_ms": ns_to_ms(f.latency_ns),
                "deadline_met": f.latency_ns <= deadline_ns,
                "dram_read_bytes": sum(p.read_bytes for p in fplans),
                "dram_write_bytes": sum(p.write_bytes for p in fplans),
            }
        )
    layers = []
    n = len(sim.frames)
    for i, layer in enumerate(graph.layers):
        recs = [fr.layers[i] for fr in sim.frames]
        counts = [workload.counts[k][layer.name] for k in range(n)]
        layers.append(
            {
                "name": layer.name,
                "kind": layer.kind,
                "out_shape": list(layer.out_shape),
                "macs": layer.macs,
                "weight_bytes": layer.weight_bytes,
                "ifmap_bytes": layer.ifmap_bytes,
                "ofmap_bytes": layer.ofmap_bytes,
                "tiles": tile_count(layer, scenario.soc.accelerator),
                "compute_ns": plans[0][i].compute_ns,
                "dma_read_bytes": max(r.read_bytes for r in recs),
                "dma_write_bytes": max(r.write_bytes for r in recs),
                "dma_read_bytes_mean": sum(r.read_bytes for r in recs) / n,
                "dma_write_bytes_mean": sum(r.write_bytes for r in recs) / n,
                "dma_ns": max(r.dma_busy_ns for r in recs),
                "layer_ns": max(r.end_ns - r.start_ns for r in recs),
                "stall_ns": max(r.stall_ns for r in recs),
                "frac_bits": workload.frac_bits[layer.name],
                "zero_fraction": sum(c[1] for c in counts) / max(1, sum(c[0] for c in counts)),
                "saturated": sum(c[2] for c in counts),
            }
        )
    end = sim.end_ns if sim.end_ns > 0 else 1.0
    busy = sum(m.busy_ns for m in sim.masters)
    delivered = sum(m.bytes_delivered for m in sim.masters)
    latencies = [fr["latency_ms"] for fr in frames]
    totals = graph.totals()
    return {
        "socsim_version": __version__,
        "scenario": scenario.name,
        "seed": scenario.seed,
        "codec": {
            "name": codec.codec_id,
            "key": codec.key,
            "lossless": codec.lossless,
            "transfer_unit": scenario.codec.transfer_unit.model_dump(),
        },
        "deadline_ms": scenario.deadline_ms,
        "period_ms": scenario.frame_period_ms,
        "workload": {
            "model": workload.model,
            "height": workload.height,
            "width": workload.width,
            "weights": workload.weights,
            "inputs": workload.inputs,
            "layers": totals["layers"],
            "macs": totals["macs"],
            "weight_bytes": totals["weight_bytes"],
            "activation_bytes": totals["activation_bytes"],
        },
        "summary": {
            "frames": len(frames),
            "latency_ms_max": max(latencies),
            "latency_ms_mean": sum(latencies) / len(latencies),
            "deadline_met_all": all(fr["deadline_met"] for fr in frames),
        },
        "frames": frames,
        "layers": layers,
        "masters": [
            {
                "name": m.name,
                "bytes_requested": m.bytes_requested,
                "bytes_delivered": m.bytes_delivered,
                "busy_ns": m.busy_ns,
                "achieved_gbps": m.bytes_delivered / end,
                "latency_ns_p50": m.latency_ns_p50,
                "latency_ns_p99": m.latency_ns_p99,
                "latency_ns_max": m.latency_ns_max,
            }
            for m in sim.masters
        ],
        "bus": {"utilization": busy / end, "peak_gbps": sim.path.bus_gbps},
        "dram": {
            "utilization": delivered / (sim.path.dram_gbps * end),
            "peak_gbps": sim.path.dram_gbps,
            "latency_ns": sim.path.latency_ns,
            "bytes": delivered,
        },
        "sim": {"end_ms": ns_to_ms(sim.end_ns), "events": sim.events, "fidelity": "transfer-unit"},
    }
