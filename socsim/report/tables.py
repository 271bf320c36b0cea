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
    """Per master: bytes requested and delivered, achieved bandwidth."""
    t = Table(title=f"bus {result['bus']['utilization']:.0%} busy, DRAM {result['dram']['utilization']:.0%} of "
                    f"{result['dram']['peak_gbps']:g} GB/s")
    for col in ("master", "requested MB", "delivered MB", "GB/s", "p99 latency ns"):
        t.add_column(col, justify="left" if col == "master" else "right")
    for m in result["masters"]:
        p99 = m.get("latency_ns_p99")
        t.add_row(m["name"], _mb(m["bytes_requested"]), _mb(m["bytes_delivered"]), f"{m['achieved_gbps']:.2f}",
                  "-" if p99 is None else f"{p99:,.0f}")
    return t
