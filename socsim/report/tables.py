"""Rich tables of a run's result (rendered from the typed result only)."""

from __future__ import annotations

from rich.table import Table

from socsim.result import RunResult


def _mb(b: float) -> str:
    return f"{b / 1e6:,.2f}"


def _ms(ns: float) -> str:
    return f"{ns / 1e6:,.3f}"


def layers_table(result: RunResult) -> Table:
    """Per layer: MACs, DRAM bytes read/written, zeros, compute/DMA/stall/total time (max over frames)."""
    t = Table(title=f"{result.scenario.name}: {result.workload.model} layers, codec {result.codec.key}")
    for col in ("layer", "kind", "GMAC", "read MB", "write MB", "zeros", "compute ms", "DMA ms", "stall ms", "ms"):
        t.add_column(col, justify="left" if col in ("layer", "kind") else "right", no_wrap=True,
                     overflow="ellipsis", max_width=22 if col == "layer" else None)
    for layer in result.layers:
        t.add_row(
            layer.name, layer.kind, f"{layer.macs / 1e9:,.2f}", _mb(layer.dma_read_bytes),
            _mb(layer.dma_write_bytes), f"{layer.zero_fraction:.0%}", _ms(layer.compute_ns),
            _ms(layer.dma_ns), _ms(layer.stall_ns), _ms(layer.layer_ns),
        )
    return t


def frames_table(result: RunResult) -> Table:
    """Per frame: latency against the deadline, DRAM traffic."""
    t = Table(title=f"frames (deadline {result.deadline_ms} ms)")
    for col in ("frame", "latency ms", "deadline", "DRAM read MB", "DRAM write MB"):
        t.add_column(col, justify="left" if col == "deadline" else "right")
    for f in result.frames:
        t.add_row(
            str(f.index), f"{f.latency_ms:.3f}", "[green]met[/]" if f.deadline_met else "[red]MISSED[/]",
            _mb(f.dram_read_bytes), _mb(f.dram_write_bytes),
        )
    return t


def _opt(value: float | None, fmt: str) -> str:
    """``value`` formatted, or '-' when the result has none."""
    return "-" if value is None else format(value, fmt)


def masters_table(result: RunResult) -> Table:
    """Per master: traffic, achieved bandwidth against the DRAM peak, DRAM efficiency, latency, underflows."""
    bus, dram = result.bus, result.dram
    title = (f"bus {bus.utilization:.0%} busy ({bus.arbitration}), DRAM {dram.utilization:.0%} of "
             f"{dram.peak_gbps:g} GB/s peak")
    if dram.efficiency is not None:
        title += (f", {dram.model} model: {dram.efficiency:.0%} of busy time moves data, "
                  f"refresh {dram.refresh_fraction:.1%}")
    t = Table(title=title)
    cols = ("master", "kind", "requested MB", "delivered MB", "GB/s", "% peak", "DRAM eff", "row hits",
            "p50 ns", "p99 ns", "underflows")
    for col in cols:
        t.add_column(col, justify="left" if col in ("master", "kind") else "right", no_wrap=True)
    for m in result.masters:
        under = m.underflows
        t.add_row(
            m.name, m.kind, _mb(m.bytes_requested), _mb(m.bytes_delivered), f"{m.achieved_gbps:.2f}",
            f"{m.peak_fraction:.1%}", _opt(m.dram_efficiency, ".0%"), _opt(m.row_hit_rate, ".1%"),
            _opt(m.latency_ns_p50, ",.0f"), _opt(m.latency_ns_p99, ",.0f"),
            "-" if under is None else ("[red]" + str(under) + "[/]" if under else "0"),
        )
    return t


def bound_tables(result: RunResult) -> list[Table]:
    """The worst-case analysis next to the simulation: per frame (simulated latency, bound, margin,
    tightness, which form gave the bound) and per layer (the bound's terms, frame 0)."""
    a = result.bound
    if a is None:
        return []
    deadline = result.deadline_ms
    inter = a.interference
    frames = Table(title=(f"worst-case bound (deadline {deadline} ms; interference {inter.fixed_ms * 1e3:,.1f} µs "
                          f"+ {inter.share:.1%} of the path's time)"))
    for col in ("frame", "simulated ms", "bound ms", "margin ms", "bound / sim", "form", "by guarantee"):
        frames.add_column(col, justify="left" if col in ("form", "by guarantee") else "right")
    for f, b, form in zip(result.frames, a.frames_bound_ms, a.frames_bound_form):
        frames.add_row(str(f.index), f"{f.latency_ms:.3f}", f"{b:.3f}", f"{deadline - b:+.3f}",
                       f"{b / f.latency_ms:.3f}" if f.latency_ms > 0 else "-", form.replace("_", "-"),
                       "[green]meets[/]" if b <= deadline else "[red]MISSES[/]")
    layers = Table(title="bound terms per layer (frame 0, ms; exposed DMA = bound − compute)")
    for col in ("layer", "bound", "compute", "transfer", "DRAM overhead", "interference", "exposed DMA"):
        layers.add_column(col, justify="left" if col == "layer" else "right", no_wrap=True, overflow="ellipsis",
                          max_width=22 if col == "layer" else None)
    for lb in a.layers:
        layers.add_row(lb.name, f"{lb.bound_ms:.3f}", f"{lb.compute_ms:.3f}", f"{lb.transfer_ms:.3f}",
                       f"{lb.dram_overhead_ms:.3f}", f"{lb.interference_ms:.3f}", f"{lb.exposed_dma_ms:.3f}")
    return [layers, frames]


def display_lines(result: RunResult) -> list[str]:
    """One line per display: can it underflow, with its worst read latency against its FIFO."""
    out = []
    for d in result.analysis.display:
        verdict = "possible" if d.underflow_possible else "impossible"
        if d.worst_latency_us is None:
            out.append(f"{d.name} (display): underflow {verdict} ({d.reason})")
        else:
            out.append(f"{d.name} (display): underflow {verdict} — worst read latency {d.worst_latency_us:,.2f} µs, "
                       f"FIFO lasts {d.deadline_us:,.2f} µs")
    return out
