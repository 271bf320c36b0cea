"""One ``socsim run``: scenario → workload → codec sizes → layer plans → simulation and analysis → result.

``run_scenario`` returns the typed result (``socsim.result.RunResult``) plus wall-clock phase
times, which are kept out of the result so the same scenario and seed always give an identical result.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from socsim import __version__
from socsim.codecs.base import Codec, TransferUnit
from socsim.codecs.registry import get_codec
from socsim.errors import Overloaded
from socsim.model.engine import CodecEngine
from socsim.model.overload import find_overload, starved_frames
from socsim.model.records import SimResult
from socsim.model.schedule import LayerMaps, LayerPlan, plan_layer, resident_outputs
from socsim.result import (
    SCHEMA_VERSION,
    BoundAnalysis,
    BusResult,
    CodecEngineResult,
    CodecInfo,
    DramResult,
    Envelope,
    FrameResult,
    LayerResult,
    MasterResult,
    NoBoundAnalysis,
    PartitionedService,
    RunResult,
    ServiceCurve,
    SimInfo,
    Summary,
    TimelineEntry,
    Utilization,
    WeightsInfo,
    WorkloadInfo,
)
from socsim.scenario import Scenario
from socsim.soc.system import check, simulate
from socsim.units import BYTES_PER_VALUE, NS_PER_MS, ns_to_ms
from socsim.workload.activations import Workload, check_workload, load_workload
from socsim.workload.graph import INPUT


@dataclass
class RunOutput:
    """The result document and how long each phase took (s)."""

    result: RunResult
    seconds: dict[str, float]
    workload: Workload
    sim: SimResult


def unit_bytes(bits: np.ndarray, burst_bytes: int) -> np.ndarray:
    """Per-unit sizes in bits → bytes rounded up to whole bursts (int64)."""
    nbytes = (np.asarray(bits, dtype=np.int64) + 7) // 8
    return (nbytes + burst_bytes - 1) // burst_bytes * burst_bytes


def raw_unit_bytes(shape: tuple[int, int, int], unit: TransferUnit) -> np.ndarray:
    """Uncompressed size of every transfer unit of a C×H×W 16-bit map, in DMA order (bytes, int64).

    Mirrors ``socsim.codecs.base.split_units``: map; one plane per channel; bands of ``rows`` rows
    per plane, then the plane's shorter tail band; ``chunk_bytes`` chunks of the flat map, then the tail.
    """
    c, h, w = shape
    v = BYTES_PER_VALUE
    if unit.kind == "map":
        return np.array([c * h * w * v], dtype=np.int64)
    if unit.kind == "channel":
        return np.full(c, h * w * v, dtype=np.int64)
    if unit.kind == "rows":
        r = min(unit.rows, h)
        bands, tail = divmod(h, r)
        plane = [r * w * v] * bands + ([tail * w * v] if tail else [])
        return np.tile(np.array(plane, dtype=np.int64), c)
    total = c * h * w * v
    full, tail = divmod(total, unit.chunk_bytes)
    return np.array([unit.chunk_bytes] * full + ([tail] if tail else []), dtype=np.int64)


def build_plans(
    scenario: Scenario, workload: Workload, codec: Codec, sizes: list[dict[str, np.ndarray]] | None = None
) -> list[list[LayerPlan]]:
    """Layer plans of every frame: the codec's real per-unit sizes rounded up to bursts, beside the raw sizes.

    Activation descriptors pass the codec engine unless the codec is 'none'; weights and the
    network input (written uncompressed by the camera pipeline) bypass it. Output maps that the
    SRAM residency rule keeps on chip make no DRAM traffic (``socsim.soc.accelerator``).
    """
    acc = scenario.soc.accelerator
    burst = scenario.soc.dma.burst_bytes
    unit = scenario.codec.transfer_unit
    graph = workload.graph
    layers = graph.layers
    coded = codec.codec_id != "none"
    raw_input = raw_unit_bytes(graph.input_shape, unit)
    input_units = unit_bytes(raw_input * 8, burst)
    raw_out = {layer.name: raw_unit_bytes(layer.out_shape, unit) for layer in layers}
    keep = resident_outputs(layers, {layer.name: graph.consumers(layer.name) for layer in layers}, acc)
    resident = {layer.name for layer, k in zip(layers, keep) if k}
    plans = []
    built: list[tuple[dict[str, np.ndarray], list[LayerPlan]]] = []
    for frame_sizes in sizes if sizes is not None else workload.sizes[codec.key]:
        # Frames given the very same sizes (``[one] * frames``) share one plan list.
        same = next((frame for known, frame in built if known is frame_sizes), None)
        if same is not None:
            plans.append(same)
            continue
        out_units = {name: unit_bytes(bits, burst) for name, bits in frame_sizes.items()}
        frame_plans = []
        for i, layer in enumerate(layers):
            if len(out_units[layer.name]) != len(raw_out[layer.name]):
                raise ValueError(f"layer {layer.name}: {len(out_units[layer.name])} coded units, "
                                 f"{len(raw_out[layer.name])} raw units")
            srcs = [src for src in layer.inputs if src not in resident]
            ins = [input_units if src == INPUT else out_units[src] for src in srcs]
            ins_raw = [raw_input if src == INPUT else raw_out[src] for src in srcs]
            ins_coded = [coded and src != INPUT for src in srcs]
            pinned = sum(graph[src].ofmap_bytes for src in layer.inputs if src in resident)
            if keep[i]:
                pinned += layer.ofmap_bytes
            maps = LayerMaps(ins, out_units[layer.name], ins_raw, raw_out[layer.name], ins_coded, coded,
                             resident_output=keep[i], pinned_bytes=pinned)
            frame_plans.append(plan_layer(layer, acc, burst, maps))
        plans.append(frame_plans)
        built.append((frame_sizes, frame_plans))
    return plans


def check_scenario(scenario: Scenario) -> None:
    """Every check ``run_scenario`` makes before it simulates, without capturing or simulating: the
    codec, the workload (model, weights, images, the codec of every layer) and the chip's arbitration."""
    check_workload(scenario, [get_codec(scenario.codec.name, dict(scenario.codec.params))])
    check(scenario)


def run_scenario(
    scenario: Scenario,
    progress: Callable[[int, int, str], None] | None = None,
    use_cache: bool = True,
    fidelity: str = "fast",
    adversarial: bool = False,
) -> RunOutput:
    """Run the scenario end to end and return its result document (``fidelity``: 'fast' or 'burst');
    an overloaded path or a starved accelerator raises ``Overloaded`` with the verdict instead.

    ``adversarial`` simulates the critical instant the bound is built for: every transfer unit at
    its codec's worst-case size (RLE and sparsity maps at their full expansion, as if fed expanding
    data) while the other masters start together at time 0 with their initial bursts.
    """
    check(scenario)  # before the capture, which may take minutes; the workload checks itself
    overload = find_overload(scenario)
    if overload is not None:
        raise Overloaded(overload)
    seconds: dict[str, float] = {}
    codec = get_codec(scenario.codec.name, dict(scenario.codec.params))
    t0 = time.perf_counter()
    workload = load_workload(scenario, [codec], progress=progress, use_cache=use_cache)
    seconds["workload"] = time.perf_counter() - t0
    seconds.update({f"workload.{k}": v for k, v in workload.seconds.items()})
    t0 = time.perf_counter()
    sizes = worst_case_sizes(scenario, workload, codec) if adversarial else None
    plans = build_plans(scenario, workload, codec, sizes)
    seconds["plan"] = time.perf_counter() - t0
    starved = starved_frames(scenario, max(sum(p.read_bytes + p.write_bytes for p in frame) for frame in plans))
    if starved is not None:
        raise Overloaded(starved)
    t0 = time.perf_counter()
    sim = simulate(scenario, plans, fidelity)
    seconds["simulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc = analyse(scenario, workload, codec, [ns_to_ms(f.latency_ns) for f in sim.frames])
    analysis = analysis_part(doc, sim)
    seconds["analysis"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = make_result(scenario, workload, codec, plans, sim, analysis, adversarial)
    seconds["result"] = time.perf_counter() - t0
    return RunOutput(result, seconds, workload, sim)


def worst_case_sizes(scenario: Scenario, workload: Workload, codec: Codec) -> list[dict[str, np.ndarray]]:
    """Per frame, every layer's per-unit worst-case size in bits (the codec's guarantee)."""
    unit = scenario.codec.transfer_unit
    one = {layer.name: codec.for_layer(layer.name).unit_worst_case_bits(layer.out_shape, unit)
           for layer in workload.graph.layers}
    return [one] * workload.frames


def observed_max_sizes(workload: Workload, codec: Codec) -> list[dict[str, np.ndarray]]:
    """Per frame, every layer's per-unit largest size seen over the captured frames (bits)."""
    frames = workload.sizes[codec.key]
    one = {name: np.max(np.stack([f[name] for f in frames]), axis=0) for name in frames[0]}
    return [one] * workload.frames


def analyse(scenario: Scenario, workload: Workload, codec: Codec, simulated_ms: list[float]) -> dict[str, Any]:
    """The result's ``analysis`` section: bounds with worst-case and with largest observed sizes."""
    from socsim.analysis.bounds import (
        analysis_result,
        bound_frames,
        max_extra_interferer_gbps,
        min_compression_ratio,
    )

    worst_plans = build_plans(scenario, workload, codec, worst_case_sizes(scenario, workload, codec))
    worst = bound_frames(scenario, worst_plans)
    observed = bound_frames(scenario, build_plans(scenario, workload, codec, observed_max_sizes(workload, codec)))
    unit = scenario.codec.transfer_unit
    raw_bits = {layer.name: 8 * raw_unit_bytes(layer.out_shape, unit) for layer in workload.graph.layers}

    def plans_for_ratio(r: float) -> list[list[LayerPlan]]:
        one = {name: np.ceil(bits / r).astype(np.int64) for name, bits in raw_bits.items()}
        return build_plans(scenario, workload, codec, [one] * workload.frames)

    ratio = min_compression_ratio(scenario, plans_for_ratio) if worst.reason is None else None
    extra = max_extra_interferer_gbps(scenario, worst_plans, worst)
    return analysis_result(scenario, worst, observed, simulated_ms, ratio, extra)


def make_result(
    scenario: Scenario, workload: Workload, codec: Codec, plans: list[list[LayerPlan]], sim: SimResult,
    analysis: BoundAnalysis | NoBoundAnalysis, adversarial: bool = False,
) -> RunResult:
    """The result document of a run (the contract is ``socsim.result.RunResult``)."""
    frames = _frames(scenario, workload, plans, sim)
    latencies = [fr.latency_ms for fr in frames]
    return RunResult(
        schema_version=SCHEMA_VERSION,
        socsim_version=__version__,
        scenario=standalone(scenario),
        seed=scenario.seed,
        codec=CodecInfo(
            name=codec.codec_id,
            key=codec.key,
            lossless=codec.lossless,
            transfer_unit=scenario.codec.transfer_unit,
            guaranteed=_guaranteed(codec, workload.graph),
        ),
        deadline_ms=scenario.deadline_ms,
        period_ms=scenario.frame_period_ms,
        workload=_workload_info(workload),
        summary=Summary(
            frames=len(frames),
            latency_ms_max=max(latencies),
            latency_ms_mean=sum(latencies) / len(latencies),
            deadline_met_all=all(fr.deadline_met for fr in frames),
        ),
        frames=frames,
        layers=_layers(scenario, workload, plans, sim),
        timeline=[
            TimelineEntry(
                frame=fr.index,
                layer=rec.name,
                start_ms=ns_to_ms(rec.start_ns - fr.release_ns),
                end_ms=ns_to_ms(rec.end_ns - fr.release_ns),
                compute_ms=ns_to_ms(rec.compute_ns),
                stall_ms=ns_to_ms(rec.stall_ns),
            )
            for fr in sim.frames
            for rec in fr.layers
        ],
        utilization=_utilization(sim),
        **_soc_parts(sim),
        adversarial=adversarial,
        analysis=analysis,
    )


def standalone(scenario: Scenario) -> Scenario:
    """The scenario with every file path made absolute and ``base_dir`` '.', so that it means the
    same wherever it is written (a run folder's scenario.yaml) and the same run gives the same document."""
    wl = scenario.workload
    weights = wl.weights
    if weights != "random" and weights != "trained" and not weights.startswith("trained:"):
        weights = str(scenario.resolve(weights))
    images = [img if img == "skimage" or img.startswith("skimage:") else str(scenario.resolve(img)) for img in wl.images]
    cache_dir = scenario.run.cache_dir
    data = scenario.model_dump()
    data["workload"] = {**data["workload"], "weights": weights, "images": images}
    data["run"] = {**data["run"], "cache_dir": None if cache_dir is None else str(scenario.resolve(cache_dir))}
    data["base_dir"] = "."
    return Scenario.model_validate(data)


def _frames(scenario: Scenario, workload: Workload, plans: list[list[LayerPlan]], sim: SimResult) -> list[FrameResult]:
    """One entry per simulated frame: latency against the deadline and the accelerator's DRAM bytes."""
    deadline_ns = scenario.deadline_ms * NS_PER_MS
    return [
        FrameResult(
            index=f.index,
            input=workload.inputs[f.index],
            release_ms=ns_to_ms(f.release_ns),
            latency_ms=ns_to_ms(f.latency_ns),
            deadline_met=f.latency_ns <= deadline_ns,
            dram_read_bytes=sum(p.read_bytes for p in fplans),
            dram_write_bytes=sum(p.write_bytes for p in fplans),
        )
        for f, fplans in zip(sim.frames, plans)
    ]


def _workload_info(workload: Workload) -> WorkloadInfo:
    """The workload part: the model, its inputs and its 16-bit totals."""
    totals = workload.graph.totals()
    return WorkloadInfo(
        model=workload.model,
        height=workload.height,
        width=workload.width,
        weights=WeightsInfo(**workload.weights),
        inputs=list(workload.inputs),
        layers=totals["layers"],
        macs=totals["macs"],
        weight_bytes=totals["weight_bytes"],
        activation_bytes=totals["activation_bytes"],
    )


def _layers(scenario: Scenario, workload: Workload, plans: list[list[LayerPlan]], sim: SimResult) -> list[LayerResult]:
    """One entry per layer: sizes, tiles, and its simulated costs (max, or mean, over frames)."""
    layers = []
    n = len(sim.frames)
    for i, layer in enumerate(workload.graph.layers):
        recs = [fr.layers[i] for fr in sim.frames]
        counts = [workload.counts[k][layer.name] for k in range(n)]
        layers.append(LayerResult(
            name=layer.name,
            kind=layer.kind,
            out_shape=list(layer.out_shape),
            macs=layer.macs,
            weight_bytes=layer.weight_bytes,
            ifmap_bytes=layer.ifmap_bytes,
            ofmap_bytes=layer.ofmap_bytes,
            tiles=len(plans[0][i].tiles),
            compute_ns=plans[0][i].compute_ns,
            dma_read_bytes=max(r.read_bytes for r in recs),
            dma_write_bytes=max(r.write_bytes for r in recs),
            dma_read_bytes_mean=sum(r.read_bytes for r in recs) / n,
            dma_write_bytes_mean=sum(r.write_bytes for r in recs) / n,
            dma_ns=max(r.dma_busy_ns for r in recs),
            layer_ns=max(r.end_ns - r.start_ns for r in recs),
            stall_ns=max(r.stall_ns for r in recs),
            frac_bits=workload.frac_bits[layer.name],
            zero_fraction=sum(c[1] for c in counts) / max(1, sum(c[0] for c in counts)),
            saturated=sum(c[2] for c in counts),
            **_layer_soc(scenario, [fp[i] for fp in plans], recs),
        ))
    return layers


def _guaranteed(codec: Codec, graph) -> bool:
    """True when every layer's compressed size depends on its shape only (a guaranteed size, the
    same for every input), so its worst case is what it always moves."""
    return all(codec.for_layer(layer.name).fixed_size for layer in graph.layers)


def analysis_part(doc: dict[str, Any], sim: SimResult) -> BoundAnalysis | NoBoundAnalysis:
    """The typed ``analysis`` part from ``analyse``'s document, each window of the curve with the
    most bytes the simulation served in such a window (``observed_bytes``, fast fidelity only)."""
    observed = _observed_windows([row["window_us"] for row in doc["worst_case_window_bytes"]], sim)
    if observed is not None:
        rows = [{**row, "observed_bytes": o} for row, o in zip(doc["worst_case_window_bytes"], observed)]
        doc = {**doc, "worst_case_window_bytes": rows}
    model = NoBoundAnalysis if "reason" in doc else BoundAnalysis
    return model.model_validate(doc)


def _observed_windows(windows_us: list[float], sim: SimResult) -> list[float | None] | None:
    """For each window length, the most bytes all masters were served in the simulation in a window
    of that length (from the fast fidelity's bandwidth bins, so a lower estimate; None for windows
    shorter than a bin); None in the burst fidelity."""
    bw = sim.bandwidth
    if not bw:
        return None
    total = np.sum([np.asarray(bw[m.name], dtype=float) for m in sim.masters], axis=0)
    csum = np.concatenate([[0.0], np.cumsum(total)])
    out: list[float | None] = []
    for w in windows_us:
        k = int(w * 1e3 // bw["bin_ns"])
        out.append(float((csum[k:] - csum[:-k]).max()) if 1 <= k <= len(total) else None)
    return out


def _utilization(sim: SimResult) -> Utilization | None:
    """DRAM bandwidth per master over time, in GB/s per bin (fast fidelity)."""
    bw = sim.bandwidth
    if not bw:
        return None
    names = [m.name for m in sim.masters]
    return Utilization(
        t_ms=[ns_to_ms(t) for t in bw["t_ns"]],
        bin_ms=ns_to_ms(bw["bin_ns"]),
        gbps={n: [b / bw["bin_ns"] for b in bw[n]] for n in names},
    )


def _layer_soc(scenario: Scenario, plans: list[LayerPlan], recs) -> dict[str, Any]:
    """Per-layer SoC fields: residency, codec engine time and what bounds the layer (max over frames)."""
    engine = CodecEngine.from_spec(scenario.soc.dma.codec_engine)
    engine_ns = max((sum(t.coded_raw_bytes() for t in p.tiles) / engine.gbps if engine else 0.0) for p in plans)
    dma_ns = max(r.dma_busy_ns for r in recs)
    compute = plans[0].compute_ns
    candidates = {"compute": compute, "dram": dma_ns, "codec_engine": engine_ns}
    return {
        "resident": plans[0].resident_output,
        "codec_engine_ns": engine_ns,
        "bottleneck": max(candidates, key=candidates.get),
    }


def _masters(sim: SimResult) -> list[MasterResult]:
    """One entry per bus master, the accelerator first."""
    model = sim.path
    end = sim.end_ns if sim.end_ns > 0 else 1.0
    masters = []
    for m in sim.masters:
        data_ns = m.bursts * model.t_burst_ns
        masters.append(MasterResult(
            name=m.name,
            kind=m.kind,
            bytes_requested=m.bytes_requested,
            bytes_delivered=m.bytes_delivered,
            requests=m.requests,
            busy_ns=m.busy_ns,
            achieved_gbps=m.bytes_delivered / end,
            peak_fraction=m.bytes_delivered / end / model.dram_gbps,
            dram_efficiency=data_ns / m.busy_ns if m.busy_ns > 0 else None,
            row_hit_rate=max(0.0, 1.0 - m.row_misses / m.bursts) if m.bursts else None,
            turnarounds=m.turnarounds,
            envelope=None if m.envelope is None else Envelope(sigma_bytes=m.envelope[0], rate_gbps=m.envelope[1]),
            latency_ns_p50=m.latency_ns_p50,
            latency_ns_p99=m.latency_ns_p99,
            latency_ns_max=m.latency_ns_max,
            underflows=m.underflows,
            worst_lateness_ns=m.worst_lateness_ns,
        ))
    return masters


def _service(rate_gbps: float, latency_ns: float) -> dict[str, Any]:
    """A rate-latency guarantee's fields; an infinite latency (no guaranteed service) becomes None."""
    return {"rate_gbps": rate_gbps, "latency_ns": latency_ns if math.isfinite(latency_ns) else None}


def _soc_parts(sim: SimResult) -> dict[str, Any]:
    """The masters, bus, dram, codec_engine and sim parts of the result."""
    model = sim.path
    end = sim.end_ns if sim.end_ns > 0 else 1.0
    busy = sum(m.busy_ns for m in sim.masters)
    delivered = sum(m.bytes_delivered for m in sim.masters)
    bursts = sum(m.bursts for m in sim.masters)
    misses = sum(m.row_misses for m in sim.masters)
    part = sim.worst_case_partitioned
    return {
        "masters": _masters(sim),
        "bus": BusResult(utilization=busy / end, peak_gbps=model.bus_gbps, arbitration=sim.arbitration),
        "dram": DramResult(
            utilization=delivered / (model.dram_gbps * end),
            peak_gbps=model.dram_gbps,
            latency_ns=model.latency_ns,
            bytes=delivered,
            model=model.model,
            busy_fraction=busy / end,
            efficiency=bursts * model.t_burst_ns / busy if busy > 0 else None,
            refresh_fraction=sim.refresh_ns / end,
            row_hit_rate=max(0.0, 1.0 - misses / bursts) if bursts else None,
            effective_gbps=model.effective_gbps(),
            worst_case_service=ServiceCurve(**_service(*sim.worst_case_service)),
            worst_case_service_partitioned=None if part is None else PartitionedService(
                **_service(part[0], part[1]), streams=part[2], run_bytes=part[3]),
        ),
        "codec_engine": CodecEngineResult(busy_ms=ns_to_ms(sim.engine_busy_ns), utilization=sim.engine_busy_ns / end),
        "sim": SimInfo(
            end_ms=ns_to_ms(sim.end_ns), events=sim.events, fidelity=sim.fidelity,
            frames_end_ms=ns_to_ms(sim.frames_end_ns),
        ),
    }
