"""Rich tables of a run's result (rendered from the result document only)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _mb(b: float) -> str:
    return f"{b / 1e6:,.2f}"


def _ms(ns: float) -> str:
    return f"{ns / 1e6:,.3f}"


def layers_table(result: dict[str, Any]) -> Table:
    """Per layer: MACs, DRAM bytes read/written, zeros, compute/DMA/stall/total time (max over frames)."""
    t = Table(title=f"{result['scenario']}: {result['workload']['model']} layers, codec {result['codec']['key']}")
    for col in ("layer", "kind", "GMAC", "read MB", "write MB", "zeros", "compute ms", "DMA ms", "stall ms", "ms"):
        t.add_column(col, justify="left" if col in ("layer", "kind") else "right", no_wrap=True,
                     overflow="ellipsis", max_width=22 if col == "layer" else None)
    for layer in result["layers"]:
        t.add_row(
            layer["name"], layer["kind"], f"{layer['macs'] / 1e9:,.2f}", _mb(layer["dma_read_bytes"]),
            _mb(layer["dma_write_bytes"]), f"{layer['zero_fraction']:.0%}", _ms(layer["compute_ns"]),
            _ms(layer["dma_ns"]), _ms(layer["stall_ns"]), _ms(layer["layer_ns"]),
        )
    return t


def frames_table(result: dict[str, Any]) -> Table:
    """Per frame: latency against the deadline, DRAM traffic."""
    t = Table(title=f"frames (deadline {result['deadline_ms']} ms)")
    for col in ("frame", "latency ms", "deadline", "DRAM read MB", "DRAM write MB"):
        t.add_column(col, justify="left" if col == "deadline" else "right")
    for f in result["frames"]:
        t.add_row(
            str(f["index"]), f"{f['latency_ms']:.3f}", "[green]met[/]" if f["deadline_met"] else "[red]MISSED[/]",
            _mb(f["dram_read_bytes"]), _mb(f["dram_write_bytes"]),
        )
    return t


def masters_table(result: dict[str, Any]) -> Table:
    """Per master: traffic, achieved bandwidth against the DRAM peak, DRAM efficiency, latency, underflows."""
    bus, dram = result["bus"], result["dram"]
    title = (f"bus {bus['utilization']:.0%} busy ({bus.get('arbitration', '?')}), DRAM {dram['utilization']:.0%} of "
             f"{dram['peak_gbps']:g} GB/s peak")
    if dram.get("efficiency") is not None:
        title += (f", {dram['model']} model: {dram['efficiency']:.0%} of busy time moves data, "
                  f"refresh {dram['refresh_fraction']:.1%}")
    t = Table(title=title)
    cols = ("master", "kind", "requested MB", "delivered MB", "GB/s", "% peak", "DRAM eff", "row hits",
            "p50 ns", "p99 ns", "underflows")
    for col in cols:
        t.add_column(col, justify="left" if col in ("master", "kind") else "right", no_wrap=True)
    for m in result["masters"]:
        p50, p99 = m.get("latency_ns_p50"), m.get("latency_ns_p99")
        eff, hits, under = m.get("dram_efficiency"), m.get("row_hit_rate"), m.get("underflows")
        t.add_row(
            m["name"], m.get("kind", ""), _mb(m["bytes_requested"]), _mb(m["bytes_delivered"]),
            f"{m['achieved_gbps']:.2f}", "-" if m.get("peak_fraction") is None else f"{m['peak_fraction']:.1%}",
            "-" if eff is None else f"{eff:.0%}", "-" if hits is None else f"{hits:.1%}",
            "-" if p50 is None else f"{p50:,.0f}", "-" if p99 is None else f"{p99:,.0f}",
            "-" if under is None else ("[red]" + str(under) + "[/]" if under else "0"),
        )
    return t


def bound_tables(result: dict[str, Any]) -> list[Table]:
    """The worst-case analysis next to the simulation: per frame (simulated latency, bound, margin,
    tightness, which form gave the bound) and per layer (the bound's terms, frame 0)."""
    a = result.get("analysis") or {}
    if "wcrt_bound_ms" not in a:
        return []
    deadline = result["deadline_ms"]
    inter = a["interference"]
    frames = Table(title=(f"worst-case bound (deadline {deadline} ms; interference {inter['fixed_ms'] * 1e3:,.1f} µs "
                          f"+ {inter['share']:.1%} of the path's time)"))
    for col in ("frame", "simulated ms", "bound ms", "margin ms", "bound / sim", "form", "by guarantee"):
        frames.add_column(col, justify="left" if col in ("form", "by guarantee") else "right")
    for f, b, form in zip(result["frames"], a["frames_bound_ms"], a.get("frames_bound_form", [])):
        frames.add_row(str(f["index"]), f"{f['latency_ms']:.3f}", f"{b:.3f}", f"{deadline - b:+.3f}",
                       f"{b / f['latency_ms']:.3f}" if f["latency_ms"] > 0 else "-", form.replace("_", "-"),
                       "[green]meets[/]" if b <= deadline else "[red]MISSES[/]")
    layers = Table(title="bound terms per layer (frame 0, ms; exposed DMA = bound − compute)")
    for col in ("layer", "bound", "compute", "transfer", "DRAM overhead", "interference", "exposed DMA"):
        layers.add_column(col, justify="left" if col == "layer" else "right", no_wrap=True, overflow="ellipsis",
                          max_width=22 if col == "layer" else None)
    for lb in a["layers"]:
        layers.add_row(lb["name"], f"{lb['bound_ms']:.3f}", f"{lb['compute_ms']:.3f}", f"{lb['transfer_ms']:.3f}",
                       f"{lb['dram_overhead_ms']:.3f}", f"{lb['interference_ms']:.3f}", f"{lb['exposed_dma_ms']:.3f}")
    return [layers, frames]


def display_lines(result: dict[str, Any]) -> list[str]:
    """One line per display: can it underflow, with its worst read latency against its FIFO."""
    out = []
    for d in (result.get("analysis") or {}).get("display", []):
        verdict = "possible" if d["underflow_possible"] else "impossible"
        if d["worst_latency_us"] is None:
            out.append(f"{d['name']} (display): underflow {verdict} ({d['reason']})")
        else:
            out.append(f"{d['name']} (display): underflow {verdict} — worst read latency {d['worst_latency_us']:,.2f} µs, "
                       f"FIFO lasts {d['deadline_us']:,.2f} µs")
    return out
