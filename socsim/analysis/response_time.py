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
    window_bursts: int
    """Bursts a channel keeps in flight (max_outstanding) (count)."""
    rtt_ns: float
    """Upper bound on one burst's round trip without waiting: a worst burst plus the latency (ns)."""
    channels: int
    """DMA channels (count)."""
    completion_ns: float
    """Upper bound from the end of a descriptor's channel time to its completion (ns)."""
    engine_gbps: float | None = None
    """Codec engine throughput on uncompressed bytes, FIFO over all channels; None: free (GB/s)."""
    engine_latency_ns: float = 0.0
    """Codec engine pipeline latency, paid by every coded burst's round trip (ns)."""
    burst_bytes: int = 64
    """Bus burst; the engine and the path overlap burst by burst (bytes)."""


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
        self.engine_free = 0.0
        self.transfer_ns = 0.0
        self.path_total_ns = 0.0
        self.batches: list[tuple[float, float, float]] = []
        """(queued, completion if served in queue order, path and engine time) of every batch so far."""

    def done_by(self, batch: int, now: float) -> float:
        """Completion bound of ``batch`` as seen at ``now``: with several channels, bursts of batches
        queued after it (up to ``now``, when the schedule waits for it) may interleave with its own,
        so their path time is added; with one channel the queue order is exact."""
        queued, done, _ = self.batches[batch]
        if len(self.channel_free) == 1:
            return done
        extra = sum(hold for q, _, hold in self.batches[batch + 1:] if q <= now)
        return done + extra

    def submit(self, sizes: Sequence[int], t: float, raw: Sequence[int] = (), coded: Sequence[bool] = ()) -> int:
        """Queue a batch of descriptors at time t; return its index (see ``done_by``)."""
        done = t
        queued = t
        hold_total = 0.0
        for k, size in enumerate(sizes):
            ch = min(range(len(self.channel_free)), key=self.channel_free.__getitem__)
            start = max(t, self.channel_free[ch])
            path_start = max(start, self.path_free)
            hold = self.b.path_ns(size)
            path_end = path_start + hold
            nbursts = max(1, -(-size // self.b.burst_bytes))
            is_coded = bool(coded) and coded[k] and self.b.engine_gbps is not None
            eng = raw[k] / self.b.engine_gbps if is_coded else 0.0
            # The window: waves of at most window_bursts bursts, each a full round trip (through
            # the engine and its latency for coded bursts).
            rtt = self.b.rtt_ns + ((self.b.engine_latency_ns + eng / nbursts) if is_coded else 0.0)
            # The waves also wait behind the work already queued at the path and the engine by the
            # other channels (their bursts interleave with these).
            backlog = max(0.0, path_start - start) + max(0.0, self.engine_free - start)
            ch_end = max(path_end, start + backlog + -(-nbursts // self.b.window_bursts) * rtt)
            if is_coded:
                # The engine serves bursts FIFO; with the path it forms a two-stage pipeline, so the
                # descriptor ends at most one burst of the other stage after the later of the two.
                eng_end = max(start, self.engine_free) + eng
                self.engine_free = eng_end
                ch_end = max(ch_end + eng / nbursts, eng_end + hold / nbursts) + self.b.engine_latency_ns
            self.channel_free[ch] = ch_end
            self.path_free = path_end
            done = max(done, ch_end + self.b.completion_ns)
            self.transfer_ns += size / self.peak
            self.path_total_ns += hold
            hold_total += hold + eng
            t = start  # FIFO: the next descriptor leaves the queue no earlier than this one
        self.batches.append((queued, done, hold_total))
        return len(self.batches) - 1


def layer_bound(plan: LayerPlan, replay: _Replay, start_ns: float) -> tuple[float, LayerBound]:
    """Replay one layer from ``start_ns``; return its end time and its bound's terms."""
    tiles = plan.tiles
    n = len(tiles)
    tr0, path0 = replay.transfer_ns, replay.path_total_ns
    loads: list[int] = [0] * n
    stores: list[int] = [0] * n
    loads[0] = replay.submit(tiles[0].read_bytes, start_ns, tiles[0].read_raw, tiles[0].read_coded)
    if n > 1:
        loads[1] = replay.submit(tiles[1].read_bytes, start_ns, tiles[1].read_raw, tiles[1].read_coded)
    t = start_ns
    compute = 0.0
    for i, tile in enumerate(tiles):
        t = max(t, replay.done_by(loads[i], t), replay.done_by(stores[i - 2], t) if i >= 2 else start_ns)
        t += tile.compute_ns
        compute += tile.compute_ns
        stores[i] = replay.submit(tile.write_bytes, t, tile.write_raw, tile.write_coded)
        if i + 2 < n:
            nxt = tiles[i + 2]
            loads[i + 2] = replay.submit(nxt.read_bytes, t, nxt.read_raw, nxt.read_coded)
    end = max([t] + [replay.done_by(s, t) for s in stores[-2:]])
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
