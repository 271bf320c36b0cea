"""Figures of a run or a comparison, rendered from typed results only (matplotlib, PNG bytes).

Every function returns PNG bytes or None when the result lacks the data it needs, so a report
shows what a run measured and never an empty or invented figure.
"""

from __future__ import annotations

import io

from socsim.result import RunResult

MASTER_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def timeline(result: RunResult) -> bytes | None:
    """Gantt chart of frame 0: one bar per layer (compute share dark, stall light)."""
    rows = [t for t in result.timeline if t.frame == 0]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.22 * len(rows) + 1.2)))
    for i, t in enumerate(rows):
        dur = t.end_ms - t.start_ms
        ax.barh(i, dur, left=t.start_ms, color="#c6d4e8", edgecolor="none")
        ax.barh(i, min(dur, t.compute_ms), left=t.start_ms, color="#4c72b0", edgecolor="none", height=0.5)
    ax.set_yticks(range(len(rows)), [t.layer for t in rows], fontsize=7)
    ax.invert_yaxis()
    end = max(t.end_ms for t in rows)
    deadline = result.deadline_ms
    if deadline <= 1.5 * end:
        ax.axvline(deadline, color="#c44e52", ls="--", lw=1, label=f"deadline {deadline} ms")
    else:
        ax.plot([], [], color="#c44e52", ls="--", label=f"deadline {deadline} ms (off the right edge)")
        ax.set_xlim(0, 1.05 * end)
    ax.set_xlabel("time since frame release (ms)")
    ax.set_title(f"{result.scenario.name}: layer timeline of frame 0 (dark: compute, light: waiting on DMA)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _png(fig)


def utilization(result: RunResult) -> bytes | None:
    """Bus/DRAM bandwidth over time, stacked per master (from ``result.utilization``)."""
    util = result.utilization
    if util is None or not util.t_ms:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.8))
    names = list(util.gbps)
    ax.stackplot(util.t_ms, [util.gbps[n] for n in names], labels=names,
                 colors=MASTER_COLORS[: len(names)], step="post")
    peak = result.dram.peak_gbps
    ax.axhline(peak, color="k", lw=1, ls=":", label=f"DRAM peak {peak:g} GB/s")
    ax.set_xlabel("simulated time (ms)")
    ax.set_ylabel("GB/s")
    ax.set_title("DRAM bandwidth per master")
    ax.legend(fontsize=7, ncol=4, loc="upper right")
    fig.tight_layout()
    return _png(fig)


def layer_bytes(results: list[RunResult]) -> bytes | None:
    """Per-layer DRAM bytes written per codec (the paper's Fig. 4/7), one group of bars per layer."""
    if not results or not results[0].layers:
        return None
    plt = _plt()
    import numpy as np

    layers = [layer.name for layer in results[0].layers]
    x = np.arange(len(layers))
    width = 0.8 / len(results)
    fig, ax = plt.subplots(figsize=(max(8, 0.35 * len(layers) + 2), 4.2))
    raw = np.array([layer.ofmap_bytes for layer in results[0].layers], dtype=float)
    for i, r in enumerate(results):
        written = np.array([layer.dma_write_bytes_mean for layer in r.layers], dtype=float)
        ax.bar(x + (i - (len(results) - 1) / 2) * width, written / 1e6, width, label=r.codec.key,
               color=MASTER_COLORS[i % len(MASTER_COLORS)])
    ax.plot(x, raw / 1e6, "k_", ms=10, label="16-bit raw")
    ax.set_xticks(x, layers, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("MB written per frame")
    ax.set_yscale("log")
    ax.set_title("feature-map bytes written to DRAM per layer")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def bounds(results: list[RunResult]) -> bytes | None:
    """Worst-case bound vs simulated frame latency vs deadline, one group per result."""
    rows = [r for r in results if r.bound is not None]
    if not rows:
        return None
    plt = _plt()
    import numpy as np

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(rows) + 2), 4))
    sim = [r.summary.latency_ms_max for r in rows]
    bnd = [r.bound.wcrt_bound_ms for r in rows]
    ax.bar(x - 0.2, sim, 0.4, label="max simulated", color="#4c72b0")
    ax.bar(x + 0.2, bnd, 0.4, label="worst-case bound", color="#dd8452")
    ax.axhline(rows[0].deadline_ms, color="#c44e52", ls="--", label=f"deadline {rows[0].deadline_ms} ms")
    ax.set_xticks(x, [r.codec.key for r in rows], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("frame latency (ms)")
    ax.set_title("simulated latency and guaranteed bound")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def windows(result: RunResult) -> bytes | None:
    """Worst-case bytes per window length against what the DRAM can serve (log-log)."""
    curve = result.analysis.worst_case_window_bytes
    if not curve:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    w = [p.window_us for p in curve]
    ax.loglog(w, [p.total_bytes for p in curve], "o-", ms=3, label="all masters, worst case")
    ax.loglog(w, [max(p.dram_bytes, 1) for p in curve], "k--", label="DRAM can serve")
    # observed_bytes is a float only where the fast fidelity's bins cover the window (else None or absent).
    seen = [(p.window_us, p.observed_bytes) for p in curve if isinstance(p.observed_bytes, float) and p.observed_bytes]
    if seen:
        ax.loglog(*zip(*seen), "x", ms=4, label="simulated maximum (bins)")
    ax.set_xlabel("window length (µs)")
    ax.set_ylabel("bytes")
    ax.set_title("worst-case bytes per time window")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)
