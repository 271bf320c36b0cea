"""The tables of a run, a codec comparison and a sweep as ``Grid``s (rendered from the typed result
or the comparison and sweep rows only); ``socsim.report.grid`` prints them."""

from __future__ import annotations

from typing import Any

from socsim.report.grid import Column, Grid, fmt, verdict
from socsim.result import RunResult

_MB = fmt(",.2f")
_MS = fmt(",.3f")
_NAME = 22
"""Longest layer name shown in a narrow terminal (characters)."""


def layers_table(result: RunResult) -> Grid:
    """Per layer: MACs, DRAM bytes read/written, zeros, compute/DMA/stall/total time (max over frames)."""
    cols = [Column("layer", str, "left", clip=_NAME), Column("kind", str, "left"), Column("GMAC", fmt(",.2f")),
            Column("read MB", _MB), Column("write MB", _MB), Column("zeros", fmt(".0%")),
            Column("compute ms", _MS), Column("DMA ms", _MS), Column("stall ms", _MS), Column("ms", _MS)]
    rows = [[x.name, x.kind, x.macs / 1e9, x.dma_read_bytes / 1e6, x.dma_write_bytes / 1e6, x.zero_fraction,
             x.compute_ns / 1e6, x.dma_ns / 1e6, x.stall_ns / 1e6, x.layer_ns / 1e6] for x in result.layers]
    title = f"{result.scenario.name}: {result.workload.model} layers, codec {result.codec.key}"
    return Grid("layers", title, cols, rows)


def frames_table(result: RunResult) -> Grid:
    """Per frame: latency against the deadline, DRAM traffic."""
    met_text, met_style = verdict("met", "MISSED")
    cols = [Column("frame", str), Column("latency ms", fmt(".3f")),
            Column("deadline", met_text, "left", met_style), Column("DRAM read MB", _MB), Column("DRAM write MB", _MB)]
    rows = [[f.index, f.latency_ms, f.deadline_met, f.dram_read_bytes / 1e6, f.dram_write_bytes / 1e6]
            for f in result.frames]
    return Grid("frames", f"frames (deadline {result.deadline_ms} ms)", cols, rows)


def masters_table(result: RunResult) -> Grid:
    """Per master: traffic, achieved bandwidth against the DRAM peak, DRAM efficiency, latency, underflows."""
    bus, dram = result.bus, result.dram
    title = (f"bus {bus.utilization:.0%} busy ({bus.arbitration}), DRAM {dram.utilization:.0%} of "
             f"{dram.peak_gbps:g} GB/s peak")
    if dram.efficiency is not None:
        title += (f", {dram.model} model: {dram.efficiency:.0%} of busy time moves data, "
                  f"refresh {dram.refresh_fraction:.1%}")
    cols = [Column("master", str, "left"), Column("kind", str, "left"), Column("requested MB", _MB),
            Column("delivered MB", _MB), Column("GB/s", fmt(".2f")), Column("% peak", fmt(".1%")),
            Column("DRAM eff", fmt(".0%")), Column("row hits", fmt(".1%")), Column("p50 ns", fmt(",.0f")),
            Column("p99 ns", fmt(",.0f")),
            Column("underflows", fmt("d"), style=lambda v: "red" if v else None)]
    rows = [[m.name, m.kind, m.bytes_requested / 1e6, m.bytes_delivered / 1e6, m.achieved_gbps, m.peak_fraction,
             m.dram_efficiency, m.row_hit_rate, m.latency_ns_p50, m.latency_ns_p99, m.underflows]
            for m in result.masters]
    return Grid("masters", title, cols, rows)


def bound_tables(result: RunResult) -> list[Grid]:
    """The worst-case analysis next to the simulation: per layer (the bound's terms, frame 0) and per
    frame (simulated latency, bound, margin, tightness, which form gave the bound)."""
    a = result.bound
    if a is None:
        return []
    deadline = result.deadline_ms
    inter = a.interference
    meets_text, meets_style = verdict("meets", "MISSES")
    cols = [Column("frame", str), Column("simulated ms", fmt(".3f")), Column("bound ms", fmt(".3f")),
            Column("margin ms", fmt("+.3f")), Column("bound / sim", fmt(".3f")), Column("form", str, "left"),
            Column("by guarantee", meets_text, "left", meets_style)]
    rows = [[f.index, f.latency_ms, b, deadline - b, b / f.latency_ms if f.latency_ms > 0 else None,
             form.replace("_", "-"), b <= deadline]
            for f, b, form in zip(result.frames, a.frames_bound_ms, a.frames_bound_form)]
    frames = Grid("bound_frames", f"worst-case bound (deadline {deadline} ms; interference "
                  f"{inter.fixed_ms * 1e3:,.1f} µs + {inter.share:.1%} of the path's time)", cols, rows)
    terms = ("bound", "compute", "transfer", "DRAM overhead", "interference", "exposed DMA")
    cols = [Column("layer", str, "left", clip=_NAME)] + [Column(t, fmt(".3f")) for t in terms]
    rows = [[lb.name, lb.bound_ms, lb.compute_ms, lb.transfer_ms, lb.dram_overhead_ms, lb.interference_ms,
             lb.exposed_dma_ms] for lb in a.layers]
    layers = Grid("bound_layers", "bound terms per layer (frame 0, ms; exposed DMA = bound − compute)", cols, rows)
    return [layers, frames]


def run_tables(result: RunResult) -> list[Grid]:
    """Every table ``socsim run`` prints, in order."""
    return [layers_table(result), masters_table(result), frames_table(result), *bound_tables(result)]


def display_lines(result: RunResult) -> list[str]:
    """One line per display: can it underflow, with its worst read latency against its FIFO."""
    out = []
    for d in result.analysis.display:
        verdict_text = "possible" if d.underflow_possible else "impossible"
        if d.worst_latency_us is None:
            out.append(f"{d.name} (display): underflow {verdict_text} ({d.reason})")
        else:
            out.append(f"{d.name} (display): underflow {verdict_text} — worst read latency "
                       f"{d.worst_latency_us:,.2f} µs, FIFO lasts {d.deadline_us:,.2f} µs")
    return out


COMPARE_COLUMNS = (
    ("codec", "codec"), ("DRAM MB/frame mean", "dram_mb_per_frame_mean"), ("DRAM MB/frame max", "dram_mb_per_frame_max"),
    ("reduction", "reduction"), ("guaranteed", "guaranteed"), ("latency ms median", "latency_ms_median"),
    ("latency ms max", "latency_ms_max"), ("deadline (sim)", "deadline_met_sim"), ("bus util", "bus_utilization"),
    ("underflows", "display_underflows"), ("bound ms", "wcrt_bound_ms"), ("deadline (bound)", "deadline_met_bound"),
)
"""Header and row key of each column of the codec comparison."""


def compare_table(rows: list[dict[str, Any]], title: str) -> Grid:
    """One row per codec (``socsim.comparison.row_of``); the bound's columns only when some codec has a bound."""
    yes_text, yes_style = verdict("yes", "no")
    met_text, met_style = verdict("met", "MISSED")
    shown = {"codec": Column("codec", str, "left"), "reduction": Column("reduction", fmt(".1%")),
             "bus util": Column("bus util", fmt(".1%")), "guaranteed": Column("guaranteed", yes_text),
             "underflows": Column("underflows", fmt("d"), style=lambda v: "red" if v else None),
             "deadline (sim)": Column("deadline (sim)", met_text, "left", met_style),
             "deadline (bound)": Column("deadline (bound)", met_text, "left", met_style)}
    cols = [(h, k) for h, k in COMPARE_COLUMNS if any(k in r for r in rows)]
    columns = [shown.get(h, Column(h, fmt(",.3f"))) for h, _ in cols]
    return Grid("codecs", title, columns, [[r.get(k) for _, k in cols] for r in rows])


def sweep_table(rows: list[dict[str, Any]], title: str) -> Grid:
    """One row per sweep point, every column any row has (values a point lacks are None)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))

    def column(key: str) -> Column:
        values = [r.get(key) for r in rows if r.get(key) is not None]
        numeric = bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        return Column(key, fmt(".4g") if numeric else (lambda v: "-" if v is None else str(v)),
                      "right" if numeric else "left")

    return Grid("points", title, [column(k) for k in keys], [[r.get(k) for k in keys] for r in rows])
