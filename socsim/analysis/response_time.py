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
previous NPU descriptor released it (the DRAM's worst-case overheads included), its channel is
busy for at least s / channel rate, and its completion follows ``completion_ns`` after its channel
is done. With ``interference_fixed_ns`` = a and ``interference_share`` = c the path is the
accelerator's leftover server (``socsim.analysis.bounds``, per-transfer form): path work stretches
by 1/(1 − c) and a busy period of the path pays a once.

Several channels fed from one queue: a later batch's bursts may be served before an earlier
batch's last burst (they interleave on the path), so an earlier batch's completion adds the path
time of every batch queued after it by the time the schedule waits for it. This is sound but
loose (the replay then serializes compute behind that work); with one channel the queue order is
exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, NamedTuple, Sequence

import numpy as np

from socsim.model.schedule import Await, Issue, LayerPlan, double_buffer_steps


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
    interference_fixed_ns: float = 0.0
    """a of the interference I(Δ) ≤ a + c·Δ that other masters and refresh may take from the path in
    any window that starts with the system empty (ns); 0 replays the accelerator alone."""
    interference_share: float = 0.0
    """c of that interference: the share of the path's time the others may take in the long run."""
    min_path_burst_ns: float = 0.0
    """Shortest path time of one burst (t_B); decides whether a channel's window keeps the path busy (ns)."""


@dataclass
class LayerBound:
    """The bound of one layer and the split of its terms (ns)."""

    name: str
    bound_ns: float
    compute_ns: float
    """Compute time on the critical path."""
    transfer_ns: float
    """Data time of the layer's descriptors at the path's peak rate."""
    dram_overhead_ns: float
    """Path time of the layer's descriptors beyond their data time: row misses and turnarounds."""
    interference_ns: float
    """Path time added for the other masters and refresh (0 in the accelerator-alone replay)."""
    exposed_dma_ns: float
    """Time the layer's bound exceeds its compute time (DMA the double buffering cannot hide)."""


@dataclass
class FrameBound:
    """The bound of one frame (ns) and its layers."""

    bound_ns: float
    layers: list[LayerBound] = field(default_factory=list)


class _Batch(NamedTuple):
    """One batch of descriptors in the replay (times in ns)."""

    queued: float
    done: float
    """Completion if served in queue order."""
    path_ns: float
    """Path time of its descriptors on their own."""
    engine_ns: float
    """Codec engine time of its descriptors."""
    stores: bool
    largest_bursts: int
    """Bursts of its largest descriptor."""


class _Served(NamedTuple):
    """One descriptor in the replay (times in ns)."""

    channel_end: float
    """When its channel is free for the next descriptor."""
    end: float
    """Its completion bound."""
    hold: float
    """Its path time on its own."""
    bursts: int
    """Its bursts (count)."""


class _Replay:
    """The DMA engine and path of the replay: channel and path availability times (ns)."""

    def __init__(self, bound: DescriptorBound, peak_gbps: float):
        self.b = bound
        self.peak = peak_gbps
        self.a = bound.interference_fixed_ns
        self.f = 1.0 / (1.0 - bound.interference_share)
        """Path time stretches by 1/(1 − c) under the others' long-run share."""
        self.channel_free = [0.0] * bound.channels
        self.path_free = 0.0
        self.engine_free = 0.0
        self.transfer_ns = 0.0
        self.hold_total_ns = 0.0
        """Path time of every descriptor on its own (ns)."""
        self.path_total_ns = 0.0
        """Path time of every descriptor with the interference (ns)."""
        self.batches: list[_Batch] = []
        """Every batch so far, in queue order."""
        self._one: dict = {}
        """Size, or (size, raw size) for a coded descriptor → ``_terms`` and whether it is coded
        (one-channel replay)."""
        self._batch_terms: dict[tuple, list[tuple[tuple, int]]] = {}
        """(sizes, raw sizes, coded flags) of a batch → its runs of equal ``_one`` entries (``_resolved``)."""

    def idle_at(self, t: float) -> bool:
        """Whether the channels, the path and the engine are all free by ``t``."""
        return max(self.path_free, self.engine_free, *self.channel_free) <= t

    def state(self, origin: float) -> tuple:
        """The free times relative to ``origin`` (see ``restore``)."""
        return (self.path_free - origin, self.engine_free - origin, [c - origin for c in self.channel_free])

    def restore(self, state: tuple, origin: float) -> None:
        """Set the free times to ``state`` shifted to ``origin``."""
        self.path_free = state[0] + origin
        self.engine_free = state[1] + origin
        self.channel_free = [c + origin for c in state[2]]

    def done_by(self, batch: int, now: float) -> float:
        """Completion bound of ``batch`` as seen at ``now``, counting the work of batches queued after
        it (up to ``now``, when the schedule waits for it) that may be served before its last burst.
        With several channels their bursts interleave on the path and in the engine: their engine
        time is added, and their path time up to a fair-share cap. A later descriptor starts only
        once every descriptor of this batch has started (one queue), and a burst of the batch's
        last descriptor waits in the path's FIFO behind at most W bursts of each of the C − 1 other
        channels (each keeps at most W in flight), so while its n bursts are served the others get
        at most (C − 1)·(n + W) bursts in. With one channel the path keeps queue order, but a later
        store's bursts enter the engine (to be compressed) as soon as the channel issues them,
        ahead of the earlier loads' bursts still on their way back from DRAM (to be decompressed):
        the engine time of later compressed stores is added; and a compressed store's bursts, held
        in the engine, let later transfers' bursts reach the path first: up to a window of them."""
        this = self.batches[batch]
        later = [b for b in self.batches[batch + 1:] if b.queued <= now]
        if not later:
            return this.done
        channels = len(self.channel_free)
        window = self.b.path_ns(self.b.window_bursts * self.b.burst_bytes)
        # A compressed store's bursts wait in the engine while the channel goes on issuing later
        # transfers straight to the path; each of its bursts then queues behind at most a window
        # of them (the channel's bursts in flight).
        overtaken = window if this.stores and this.engine_ns > 0 else 0.0
        later_path = sum(b.path_ns for b in later)
        if channels == 1:
            return this.done + min(later_path, overtaken) * self.f + sum(b.engine_ns for b in later if b.stores)
        share = (this.largest_bursts + self.b.window_bursts) * self.b.burst_bytes
        cap = (channels - 1) * (self.b.path_ns(share) + self.b.rtt_ns) + overtaken
        return this.done + min(later_path, cap) * self.f + sum(b.engine_ns for b in later)

    def submit(self, sizes: Sequence[int], t: float, raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> int:
        """Queue a batch of descriptors at time t; return its index (see ``done_by``).

        Each descriptor is served by ``_descriptor``'s rules, inlined (the replay's hot loop; the
        one-descriptor method stays as the statement of the rules and tests/analysis compare the two):
        with one channel by ``_submit_one``, else one by one, each on the channel free first
        (``_serve_channels``), from the terms of ``_resolved``."""
        if len(self.channel_free) == 1:
            return self._submit_one(sizes, t, raw, coded, write)
        # The replay's state as in ``_submit_one``; the channels' free times stay in channel_free.
        st = [t, 0.0, self.path_free, self.engine_free, self.transfer_ns, self.hold_total_ns, self.path_total_ns,
              t, 0.0, 0.0]
        largest = 0
        for m, count in self._resolved(sizes, raw, coded):
            self._serve_channels(m, count, st, t)
            largest = max(largest, m[1])
        self.path_free, self.engine_free = st[2], st[3]
        self.transfer_ns, self.hold_total_ns, self.path_total_ns = st[4], st[5], st[6]
        self.batches.append(_Batch(t, st[7], st[8], st[9], write, largest))
        return len(self.batches) - 1

    def _serve_channels(self, m: tuple, count: int, st: list, queued: float) -> None:
        """``_serve`` on several channels: each descriptor goes to the channel free first (the lowest
        index among equals), whose free time ``channel_free`` holds."""
        hold, nbursts, tr, covers, ahf, hf, fhf, wrf, eng, epb, hpf, hpff, coded_k = m
        lat, completion = self.b.engine_latency_ns, self.b.completion_ns
        free = self.channel_free
        channels = range(len(free))
        t, _, path_free, engine_free, transfer, hold_sum, path_sum, done, hold_total, eng_total = st
        for _ in range(count):
            ch = min(channels, key=free.__getitem__)
            start = t if t > free[ch] else free[ch]
            path_start = start if start > path_free else path_free
            if covers:
                x, y = queued + ahf, path_free + hf
                path_end = ch_end = x if x > y else y
            else:
                path_end = path_start + fhf
                backlog = (path_start - start) + (engine_free - start if engine_free - start > 0.0 else 0.0)
                y = start + backlog + wrf
                ch_end = path_end if path_end > y else y
            end = ch_end
            if coded_k:
                eng_end = (start if start > engine_free else engine_free) + eng
                engine_free = eng_end
                last = eng_end + lat
                x, y = ch_end + epb + lat, last + hpf
                ch_end = x if x > y else y
                y = last + hpff
                end = ch_end if ch_end > y else y
            path_free = path_end
            transfer += tr
            hold_sum += hold
            x = path_end - path_start
            path_sum += hold if hold > x else x
            free[ch] = ch_end
            end += completion
            if end > done:
                done = end
            hold_total += hold
            eng_total += eng
            t = start  # FIFO: the next descriptor leaves the queue no earlier than this one
        st[:] = [t, 0.0, path_free, engine_free, transfer, hold_sum, path_sum, done, hold_total, eng_total]

    def _submit_one(self, sizes: Sequence[int], t: float, raw: Sequence[int], coded: Sequence[bool],
                    write: bool) -> int:
        """``submit`` with one channel: each descriptor's terms that depend only on its size and raw
        size come from ``_terms``, resolved once per distinct batch (``_resolved``; same operations,
        same floats); long runs of one coded descriptor whose window covers a round trip are served
        by whole arrays (``_serve_run``), the rest one by one (``_serve``)."""
        # The replay's state between descriptors: [t, channel free, path free, engine free, transfer,
        # hold sum, path sum, batch done, batch hold, batch engine time].
        st = [t, self.channel_free[0], self.path_free, self.engine_free, self.transfer_ns,
              self.hold_total_ns, self.path_total_ns, t, 0.0, 0.0]
        largest = 0
        for m, count in self._resolved(sizes, raw, coded):
            if count > RUN_MIN and m[3] and m[12]:
                self._serve(m, 1, st, t)
                self._serve(m, count - 1 - self._serve_run(m, count - 1, st), st, t)
            else:
                self._serve(m, count, st, t)
            largest = max(largest, m[1])
        self.channel_free[0], self.path_free, self.engine_free = st[1], st[2], st[3]
        self.transfer_ns, self.hold_total_ns, self.path_total_ns = st[4], st[5], st[6]
        self.batches.append(_Batch(t, st[7], st[8], st[9], write, largest))
        return len(self.batches) - 1

    def _serve(self, m: tuple, count: int, st: list, queued: float) -> None:
        """Serve ``count`` descriptors of terms ``m`` one by one (``_descriptor``'s rules inlined, the
        replay's hot loop) from state ``st`` (``_submit_one``), updated in place. Maxima are written as
        conditional expressions: a ``max()`` call per comparison is most of the loop's time."""
        hold, nbursts, tr, covers, ahf, hf, fhf, wrf, eng, epb, hpf, hpff, coded_k = m
        lat, completion = self.b.engine_latency_ns, self.b.completion_ns
        t, c_free, path_free, engine_free, transfer, hold_sum, path_sum, done, hold_total, eng_total = st
        for _ in range(count):
            start = t if t > c_free else c_free
            path_start = start if start > path_free else path_free
            if covers:
                x, y = queued + ahf, path_free + hf
                path_end = ch_end = x if x > y else y
            else:
                path_end = path_start + fhf
                backlog = (path_start - start) + (engine_free - start if engine_free - start > 0.0 else 0.0)
                y = start + backlog + wrf
                ch_end = path_end if path_end > y else y
            end = ch_end
            if coded_k:
                eng_end = (start if start > engine_free else engine_free) + eng
                engine_free = eng_end
                last = eng_end + lat
                x, y = ch_end + epb + lat, last + hpf
                ch_end = x if x > y else y
                y = last + hpff
                end = ch_end if ch_end > y else y
            path_free = path_end
            transfer += tr
            hold_sum += hold
            x = path_end - path_start
            path_sum += hold if hold > x else x
            c_free = ch_end
            end += completion
            if end > done:
                done = end
            hold_total += hold
            eng_total += eng
            t = start  # FIFO: the next descriptor leaves the queue no earlier than this one
        st[:] = [t, c_free, path_free, engine_free, transfer, hold_sum, path_sum, done, hold_total, eng_total]

    def _serve_run(self, m: tuple, n: int, st: list) -> int:
        """Serve up to ``n`` more copies of the coded, window-covering descriptor ``m`` just served, by
        whole arrays; return how many (the rest are served one by one). Same floats as ``_serve``: after
        such a descriptor the next starts when the channel is free (its end is past its engine end,
        past its start), the path is past queued + (a + hold)·f, and the engine past its end, so the
        path ends add hold·f in turn (a sequential ``np.add.accumulate``) and the channel ends follow
        ``_channel_ends``."""
        hold, _, tr, _, _, hf, _, _, eng, epb, hpf, hpff, _ = m
        lat, completion = self.b.engine_latency_ns, self.b.completion_ns
        _, c_free, path_free, _, transfer, hold_sum, path_sum, done, hold_total, eng_total = st
        path = np.add.accumulate(np.concatenate(([path_free], np.full(n, hf))))
        ch = _channel_ends((path[1:] + epb) + lat, c_free, eng, lat, hpf)
        k = len(ch)
        if k == 0:
            return 0
        starts = np.concatenate(([c_free], ch[:-1]))
        ends = np.maximum(ch, ((starts + eng) + lat) + hpff) + completion
        grown = np.maximum(hold, path[1:k + 1] - np.maximum(starts, path[:k]))
        st[:] = [float(starts[-1]), float(ch[-1]), float(path[k]), float(starts[-1] + eng), _added(transfer, tr, k),
                 _added(hold_sum, hold, k), float(np.add.accumulate(np.concatenate(([path_sum], grown)))[-1]),
                 max(done, float(ends.max())), _added(hold_total, hold, k), _added(eng_total, eng, k)]
        return k

    def _resolved(self, sizes: Sequence[int], raw: Sequence[int], coded: Sequence[bool]) -> list[tuple[tuple, int]]:
        """Runs of equal descriptors of a batch: ``_terms`` followed by whether it passes the engine,
        and how many in a row; memoised per distinct batch (a layer's tiles repeat their batches)."""
        key = (tuple(sizes), tuple(raw), tuple(coded))
        out = self._batch_terms.get(key)
        if out is None:
            e_gbps = self.b.engine_gbps
            any_coded = bool(coded) and e_gbps is not None
            memo = self._one
            out = []
            for k, size in enumerate(sizes):
                coded_k = any_coded and coded[k]
                term = (size, raw[k]) if coded_k else size
                m = memo.get(term)
                if m is None:
                    m = memo[term] = self._terms(size, raw[k] / e_gbps if coded_k else None) + (coded_k,)
                if out and out[-1][0] is m:
                    out[-1] = (m, out[-1][1] + 1)
                else:
                    out.append((m, 1))
            self._batch_terms[key] = out
        return out

    def _terms(self, size: int, eng: float | None) -> tuple:
        """The terms of ``_descriptor`` for a descriptor of ``size`` bytes and ``eng`` ns of engine time
        (None: it bypasses the engine) that do not depend on the replay's state: hold, bursts,
        size/peak, whether the window covers a round trip, (a + hold)·f, hold·f, (fixed + hold)·f,
        (waves·rtt + fixed)·f, eng, eng per burst, hold per burst ·f and (hold per burst + fixed)·f."""
        b, f, a = self.b, self.f, self.a
        hold, nbursts, waves, hold_per_burst = self._size_shape(size)
        coded = eng is not None
        eng = eng or 0.0
        rtt = b.rtt_ns + ((b.engine_latency_ns + eng / nbursts) if coded else 0.0)
        covers = (b.window_bursts - 1) * b.min_path_burst_ns >= rtt
        fixed = a if covers else a * waves
        return (hold, nbursts, size / self.peak, covers, (a + hold) * f, hold * f, (fixed + hold) * f,
                (waves * rtt + fixed) * f, eng, eng / nbursts, hold_per_burst * f, (hold_per_burst + fixed) * f)

    def _size_shape(self, size: int) -> tuple[float, int, int, float]:
        """A descriptor of ``size`` bytes: its path time (ns), its bursts, its waves of window_bursts
        bursts, and its path time per burst (ns)."""
        b = self.b
        hold = b.path_ns(size)
        nbursts = max(1, -(-size // b.burst_bytes))
        return hold, nbursts, -(-nbursts // b.window_bursts), hold / nbursts

    def _descriptor(self, size: int, start: float, queued: float, eng: float | None) -> "_Served":
        """Serve one descriptor of ``size`` bytes whose channel starts it at ``start`` (its batch was
        queued at ``queued``; ``eng`` ns of codec engine time, None when it bypasses the engine)."""
        b, f, a = self.b, self.f, self.a
        coded = eng is not None
        eng = eng or 0.0
        path_free = self.path_free
        path_start = start if start > path_free else path_free
        hold = b.path_ns(size)
        nbursts = max(1, -(-size // b.burst_bytes))
        # The window: waves of at most window_bursts bursts, each a full round trip (through
        # the engine and its latency for coded bursts).
        rtt = b.rtt_ns + ((b.engine_latency_ns + eng / nbursts) if coded else 0.0)
        waves = -(-nbursts // b.window_bursts)
        if (b.window_bursts - 1) * b.min_path_burst_ns >= rtt:
            # The window covers a round trip: the channel's bursts keep the accelerator's path
            # queue non-empty from the batch's submission until its last burst, so the path is
            # one FIFO server for the accelerator's descriptors, left over by the others
            # (min-plus: a is paid once per busy period, which starts no earlier than the
            # batch's submission, and work stretches by 1/(1 − c)).
            path_end = max(queued + (a + hold) * f, path_free + hold * f)
            ch_end = path_end
            fixed = a
        else:
            # The path may idle between waves, and each wave may start a new busy period of the
            # path: a per wave. The waves also wait behind the work already queued at the path
            # and the engine by the other channels (their bursts interleave with these).
            fixed = a * waves
            path_end = path_start + (fixed + hold) * f
            backlog = (path_start - start) + max(0.0, self.engine_free - start)
            ch_end = max(path_end, start + backlog + (waves * rtt + fixed) * f)
        end = ch_end
        if coded:
            # The engine serves bursts FIFO; with the path it forms a two-stage pipeline, so the
            # descriptor ends at most one burst of the other stage after the later of the two.
            eng_end = max(start, self.engine_free) + eng
            self.engine_free = eng_end
            # Where the engine is the slower stage the path idles between bursts, so the last
            # burst may meet the others' fixed term on its own: it delays this descriptor's
            # completion, not the stages (they keep streaming behind it).
            last = eng_end + b.engine_latency_ns
            ch_end = max(ch_end + eng / nbursts + b.engine_latency_ns, last + hold / nbursts * f)
            end = max(ch_end, last + (hold / nbursts + fixed) * f)
        self.path_free = path_end
        self.transfer_ns += size / self.peak
        self.hold_total_ns += hold
        self.path_total_ns += max(hold, path_end - path_start)
        return _Served(ch_end, end + b.completion_ns, hold, nbursts)


RUN_MIN = 64
"""Descriptors in a row above which ``_Replay._serve_run`` serves them by whole arrays (count)."""


def _added(x: float, d: float, k: int) -> float:
    """``x`` with ``d`` added ``k`` times in turn, rounding after each addition as a loop does."""
    return float(np.add.accumulate(np.concatenate(([x], np.full(k, d))))[-1])


def _channel_ends(g: np.ndarray, c: float, eng: float, lat: float, hpf: float, switches: int = 4) -> np.ndarray:
    """The channel ends c_i = max(g_i, h(c_{i−1})) of a run of equal coded descriptors, h(x) =
    ((x + eng) + lat) + hpf (its engine end, latency and last burst), from c_{−1} = ``c``: exactly, by
    stretches where one side wins throughout. Returns a prefix: after ``switches`` changes of side
    the rest is left to the one-by-one loop."""
    n = len(g)
    out: list[np.ndarray] = []
    i = 0
    for _ in range(switches):
        # The engine side wins from i on while h^(j+1)(c) ≥ g_(i+j).
        seq = np.empty(3 * (n - i) + 1)
        seq[0], seq[1::3], seq[2::3], seq[3::3] = c, eng, lat, hpf
        chain = np.add.accumulate(seq)[3::3]
        lost = np.flatnonzero(g[i:] > chain)
        j = int(lost[0]) if len(lost) else n - i
        out.append(chain[:j])
        i += j
        if i == n:
            break
        # g_i wins; the path side goes on winning while g_(i+j) ≥ h(g_(i+j−1)).
        hg = ((g[i:-1] + eng) + lat) + hpf
        lost = np.flatnonzero(g[i + 1:] < hg)
        j = int(lost[0]) + 1 if len(lost) else n - i
        out.append(g[i:i + j])
        i += j
        if i == n:
            break
        c = float(hg[j - 1])
        out.append(np.array([c]))
        i += 1
        if i == n:
            break
    return np.concatenate(out) if out else np.empty(0)


@lru_cache(maxsize=None)
def _steps(tiles: int) -> tuple[tuple[int, int, bool | tuple[tuple[int, bool], ...]], ...]:
    """``double_buffer_steps(tiles)`` as (kind, tile, detail) tuples, once per tile count: kind 0
    issues tile's loads (detail False) or stores (True), 1 awaits the batches in detail, 2 computes."""
    out = []
    for step in double_buffer_steps(tiles):
        if isinstance(step, Issue):
            out.append((0, step.tile, step.store))
        elif isinstance(step, Await):
            out.append((1, -1, step.batches))
        else:
            out.append((2, step.tile, False))
    return tuple(out)


def layer_bound(plan: LayerPlan, replay: _Replay, start_ns: float) -> tuple[float, LayerBound]:
    """Replay one layer's double-buffer steps (``socsim.model.schedule``) from ``start_ns``; return its
    end time and its bound's terms."""
    tiles = plan.tiles
    tr0, hold0, path0 = replay.transfer_ns, replay.hold_total_ns, replay.path_total_ns
    batches: dict[tuple[int, bool], int] = {}
    t = start_ns
    compute = 0.0
    for kind, k, detail in _steps(len(tiles)):
        if kind == 0:
            tile = tiles[k]
            if detail:
                batches[k, True] = replay.submit(tile.write_bytes, t, tile.write_raw, tile.write_coded, write=True)
            else:
                batches[k, False] = replay.submit(tile.read_bytes, t, tile.read_raw, tile.read_coded)
        elif kind == 1:
            t = max([t] + [replay.done_by(batches[key], t) for key in detail])
        else:
            t += tiles[k].compute_ns
            compute += tiles[k].compute_ns
    end = t
    transfer = replay.transfer_ns - tr0
    hold = replay.hold_total_ns - hold0
    path = replay.path_total_ns - path0
    dur = end - start_ns
    return end, LayerBound(plan.name, dur, compute, transfer, max(0.0, hold - transfer), max(0.0, path - hold),
                           max(0.0, dur - compute))


def frame_bounds(
    frames: list[list[LayerPlan]], bound: DescriptorBound, peak_gbps: float, period_ns: float
) -> list[FrameBound]:
    """Bounds of consecutive frames released every ``period_ns``: a frame starts at its release
    or when the previous frame's bound ends, whichever is later; each bound counts from release."""
    out: list[FrameBound] = []
    replay = _Replay(bound, peak_gbps)
    prev_end = 0.0
    # The replay is shift-invariant: a frame that starts with the DMA idle takes the same time and
    # leaves the same state, relative to its start, as an identical frame that started idle before.
    seen: list[tuple[list[LayerPlan], float, list[LayerBound], tuple]] = []
    for i, layers in enumerate(frames):
        release = i * period_ns
        start = max(release, prev_end)
        idle = replay.idle_at(start)
        hit = next((s for s in seen if s[0] is layers or s[0] == layers), None) if idle else None
        if hit is not None:
            _, duration, lbs, state = hit
            t = start + duration
            replay.restore(state, start)
            fb = FrameBound(t - release, list(lbs))
        else:
            t = start
            fb = FrameBound(0.0)
            for plan in layers:
                t, lb = layer_bound(plan, replay, t)
                fb.layers.append(lb)
            fb.bound_ns = t - release
            if idle:
                seen.append((layers, t - start, fb.layers, replay.state(start)))
        prev_end = t
        out.append(fb)
    return out
