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
