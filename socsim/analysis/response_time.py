"""Worst-case response time of a frame: the simulator's double-buffering schedule replayed with
worst-case transfer times.

The accelerator's schedule (``socsim.soc.accelerator``) is fixed by program order: the loads of
tiles 0 and 1 are queued at the start of a layer; when tile t finishes computing, the store of
tile t and then the load of tile t+2 are queued; tile t computes once its load is complete and
the store of tile t−2 has left its output buffer; a layer starts when the previous layer's last
store is complete. DMA descriptors are served in queue order by ``channels`` channels and, one at
a time, by the shared path. The schedule is a system of max/min/+ equations, hence monotone: if
every descriptor takes at most its bound and every compute step at most its time, every event
happens no later than in the replay with the bounds (Baccelli et al., *Synchronization and
Linearity*, 1992, ch. 7: monotonicity of max-plus systems). The frame bound is the replay's end.

``DescriptorBound`` holds the per-descriptor bound the arbitration and DRAM analysis derive:
a descriptor of s bytes holds the shared path for at most ``path_ns(s)`` from the moment the
previous NPU descriptor released it (the waiting for other masters' requests and the DRAM's
worst-case overheads included), its channel is busy for at least s / channel rate, and its
completion follows ``completion_ns`` after its channel is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from socsim.soc.accelerator import LayerPlan


@dataclass(frozen=True)
class DescriptorBound:
    """Worst-case timing of one NPU DMA descriptor (ns), from the arbitration/DRAM analysis."""

    path_ns: Callable[[int], float]
    """Upper bound on the time a descriptor of s bytes occupies the NPU's turn on the shared path,
    interference and DRAM overheads included (ns)."""
    channel_gbps: float
    """A channel's own rate limit (outstanding bursts / latency) (GB/s)."""
    channels: int
    """DMA channels (count)."""
    completion_ns: float
    """Upper bound from the end of a descriptor's channel time to its completion (ns)."""


@dataclass
class LayerBound:
    """The bound of one layer and the split of its terms (ns)."""

    name: str
    bound_ns: float
    compute_ns: float
    """Compute time on the critical path."""
    transfer_ns: float
    """Data time of the layer's descriptors at the path's peak rate."""
    interference_ns: float
    """Extra path time allowed for other masters and DRAM overheads."""
    exposed_dma_ns: float
    """Time the layer's bound exceeds its compute time (DMA the double buffering cannot hide)."""


@dataclass
class FrameBound:
    """The bound of one frame (ns) and its layers."""

    bound_ns: float
    layers: list[LayerBound] = field(default_factory=list)


class _Replay:
    """The DMA engine and path of the replay: channel and path availability times (ns)."""

    def __init__(self, bound: DescriptorBound, peak_gbps: float):
        self.b = bound
        self.peak = peak_gbps
        self.channel_free = [0.0] * bound.channels
        self.path_free = 0.0
        self.transfer_ns = 0.0
        self.path_total_ns = 0.0

    def submit(self, sizes: Sequence[int], t: float) -> float:
        """Queue descriptors at time t; return the time the last one completes."""
        done = t
        for size in sizes:
            ch = min(range(len(self.channel_free)), key=self.channel_free.__getitem__)
            start = max(t, self.channel_free[ch])
            path_start = max(start, self.path_free)
            hold = self.b.path_ns(size)
            path_end = path_start + hold
            ch_end = max(path_end, start + size / self.b.channel_gbps)
            self.channel_free[ch] = ch_end
            self.path_free = path_end
            done = max(done, ch_end + self.b.completion_ns)
            self.transfer_ns += size / self.peak
            self.path_total_ns += hold
            t = start  # FIFO: the next descriptor leaves the queue no earlier than this one
        return done


def layer_bound(plan: LayerPlan, replay: _Replay, start_ns: float) -> tuple[float, LayerBound]:
    """Replay one layer from ``start_ns``; return its end time and its bound's terms."""
    tiles = plan.tiles
    n = len(tiles)
    tr0, path0 = replay.transfer_ns, replay.path_total_ns
    loads: list[float] = [0.0] * n
    stores: list[float] = [0.0] * n
    loads[0] = replay.submit(tiles[0].read_bytes, start_ns)
    if n > 1:
        loads[1] = replay.submit(tiles[1].read_bytes, start_ns)
    t = start_ns
    compute = 0.0
    for i, tile in enumerate(tiles):
        t = max(t, loads[i], stores[i - 2] if i >= 2 else start_ns)
        t += tile.compute_ns
        compute += tile.compute_ns
        stores[i] = replay.submit(tile.write_bytes, t)
        if i + 2 < n:
            loads[i + 2] = replay.submit(tiles[i + 2].read_bytes, t)
    end = max([t] + stores[-2:])
    transfer = replay.transfer_ns - tr0
    path = replay.path_total_ns - path0
    dur = end - start_ns
    return end, LayerBound(plan.name, dur, compute, transfer, max(0.0, path - transfer), max(0.0, dur - compute))


def frame_bounds(
    frames: list[list[LayerPlan]], bound: DescriptorBound, peak_gbps: float, period_ns: float
) -> list[FrameBound]:
    """Bounds of consecutive frames released every ``period_ns``: a frame starts at its release
    or when the previous frame's bound ends, whichever is later; each bound counts from release."""
    out: list[FrameBound] = []
    replay = _Replay(bound, peak_gbps)
    prev_end = 0.0
    for i, layers in enumerate(frames):
        release = i * period_ns
        t = max(release, prev_end)
        fb = FrameBound(0.0)
        for plan in layers:
            t, lb = layer_bound(plan, replay, t)
            fb.layers.append(lb)
        fb.bound_ns = t - release
        prev_end = t
        out.append(fb)
    return out
