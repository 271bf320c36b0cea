"""Steady-state service of a command-level DRAM: what a traffic mix gets, from a short command-level run.

A mix is an endless sequence of requests (the device bursts of each, and its direction) offered to
the channels' controllers (``socsim.model.dram_controller``) in order: each device burst as soon as
its channel's queue takes it (at most one per channel per clock) or, with an offered ``interval``,
not before its request's arrival (one request every ``interval`` clocks). ``serve`` runs the
controllers clock by clock for a window (the reference: ``socsim dram`` at burst fidelity).

**Steady state.** Refresh is the controller's only clock-driven event: a rank refreshes every
P = tREFI / ranks clocks (``refresh_interval_cycles``), and between refreshes a saturating or
evenly offered mix settles into a repeating schedule. So a window of W clocks serves, to within
the mix's own variation, the bursts of its first P clocks (from idle, run exactly) plus
(W − P) × the bursts per clock of the next M whole refresh periods (run exactly after them):
``steady_state`` runs 1 + M periods, M·P ≥ ``MEASURE_CYCLES``, and ``SteadyState.bursts`` extrapolates.
It is exact for a window no longer than what it ran, and its cost does not grow with W.

Where it misses: with two ranks, a sequential stream that moves to the other rank about once per
refresh period drifts in phase against the staggered refreshes, running past them for about half of
a 200,000-clock window before it locks onto them and loses a refresh per period; the first periods
see only the drift (DDR4_8Gb_x16_3200 seq_read, seq_write, two_read_streams and LPDDR4_8Gb_x16_2400
seq_read, seq_write: 2.3-3.7 % from the whole window, benchmarks/dram_fast_vs_burst.py; every other
fixture pattern within 2 %).

**Mixes of streams** (the fast fidelity of ``socsim run``): ``mix_ns_per_byte`` gives the server
time per byte of the accelerator's and the other masters' streams served together in given
proportions, from the steady state of that mix saturating the controller (each stream in its bank,
as the burst fidelity places it: ``stream_addresses``); ``saturating_gbps`` what saturating streams
(the accelerator's) get while the others come at given rates (their write drains, row openings and
refreshes in its way). Each is run once per mix.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from socsim.model.address_map import AddressMap
from socsim.model.dram_controller import DramController, address_map, refresh_interval_cycles, stream_addresses
from socsim.scenario import DramControllerSpec, DramDeviceSpec

MEASURE_CYCLES = 24_000
"""Clocks of whole refresh periods, after the first, over which the steady rate is measured (clocks)."""

Request = tuple[Sequence[int], bool]
"""One request: the byte addresses of its device bursts, in order, and whether it writes."""


@dataclass(frozen=True)
class Counts:
    """What the controllers had done by a clock: RD/WR commands and row hits among them (counts)."""

    bursts: int
    hits: int


def _counts(ctrls: list[DramController]) -> Counts:
    return Counts(sum(c.stats.reads + c.stats.writes for c in ctrls), sum(c.stats.row_hits for c in ctrls))


def serve(ctrls: list[DramController], amap: AddressMap, requests: Iterator[Request], cycles: int,
          interval: float | None = None, marks: Sequence[int] = ()) -> list[Counts]:
    """Offer ``requests`` to the channels' controllers for ``cycles`` clocks (module docstring);
    return the counts at each of the increasing clocks ``marks`` (before that clock's tick)."""
    pending: list[tuple[int, bool]] = []
    arrival, clk = 0.0, 0
    out: list[Counts] = []
    marks = list(marks)
    while clk < cycles:
        # Skipped clocks change nothing (DramController.next_possible): the counts at a mark inside
        # a skip are those at the clock the skip lands on.
        while marks and clk >= marks[0]:
            out.append(_counts(ctrls))
            marks.pop(0)
        changed = False
        for c in ctrls:
            changed = c.tick(clk) or changed
        used = set()
        while True:
            if not pending:
                if interval is not None and arrival > clk:
                    break
                addrs, is_write = next(requests)
                pending = [(a, is_write) for a in reversed(addrs)]
                arrival += interval or 0.0
            addr, is_write = pending[-1]
            ch = amap.channel(addr)
            if ch in used or not ctrls[ch].will_accept(is_write):
                break
            ctrls[ch].add(addr, is_write, clk)
            pending.pop()
            used.add(ch)
            changed = True
        if changed:
            clk += 1
            continue
        nxt = min(c.next_possible(clk) for c in ctrls)
        if interval is not None and not pending:
            nxt = min(nxt, max(clk + 1, math.ceil(arrival)))
        clk = nxt
    out.extend(_counts(ctrls) for _ in marks)
    return out


@dataclass(frozen=True)
class SteadyState:
    """A mix's first refresh period run exactly and the steady rate after it (module docstring)."""

    warm_cycles: int
    """The first period, P (clocks)."""
    warm: Counts
    """Done in it."""
    span_cycles: int
    """The measured periods after it, M·P (clocks)."""
    span: Counts
    """Done in them."""

    @property
    def bursts_per_cycle(self) -> float:
        """Steady rate: device bursts per clock."""
        return self.span.bursts / self.span_cycles

    @property
    def row_hit_rate(self) -> float:
        """Row hits / bursts in the steady periods (0..1)."""
        return self.span.hits / self.span.bursts if self.span.bursts else 0.0

    def bursts(self, cycles: int) -> float:
        """Device bursts served in a window of ``cycles`` clocks from idle (count; exact up to P)."""
        if cycles <= self.warm_cycles:
            raise ValueError(f"cycles={cycles}: within the first period, run it exactly")
        return self.warm.bursts + (cycles - self.warm_cycles) * self.bursts_per_cycle

    def hits(self, cycles: int) -> float:
        """Row hits among ``bursts(cycles)`` (count)."""
        return self.warm.hits + (cycles - self.warm_cycles) * self.span.hits / self.span_cycles


def steady_cycles(ctrl: DramController) -> tuple[int, int]:
    """(P, M·P): the first period and the measured span ``steady_state`` runs (clocks)."""
    period = refresh_interval_cycles(ctrl.dev.spec)
    return period, period * max(1, math.ceil(MEASURE_CYCLES / period))


def steady_state(ctrls: list[DramController], amap: AddressMap, requests: Iterator[Request],
                 interval: float | None = None) -> SteadyState:
    """Run a mix for its first refresh period and M more, measuring the last M (module docstring)."""
    warm, span = steady_cycles(ctrls[0])
    at_warm, at_end = serve(ctrls, amap, requests, warm + span, interval, (warm, warm + span))
    return SteadyState(warm, at_warm, span, Counts(at_end.bursts - at_warm.bursts, at_end.hits - at_warm.hits))


MixStream = tuple[int, float, int]
"""One stream of a mix: (stream bank, share of its requests that write, request bytes of a master
with random addresses or 0 for a sequential stream)."""

MIX_ROW_STRIDE = 4096
"""Rows between the first rows of a mix's sequential streams (rows): streams in one bank meet on
different rows, as streams of separate regions do."""


def _stream_requests(device: DramDeviceSpec, amap: AddressMap, index: int, stream: MixStream,
                     bus_burst_bytes: int) -> Iterator[Request]:
    """The endless bus bursts of one mix stream, as requests of their device bursts.

    A sequential stream walks its rows from row ``index`` × ``MIX_ROW_STRIDE``; a random one opens
    a row drawn uniformly (seed ``index``) per request of ``request bytes`` and walks it from its
    first column. Request k writes when ⌊(k + 1)·w⌋ > ⌊k·w⌋ (w its write share: evenly spread)."""
    bank, write_share, random_bytes = stream
    parts = -(-bus_burst_bytes // device.burst_bytes)
    per_row = device.columns // device.BL
    per_row_bus = max(1, device.row_bytes // bus_burst_bytes)
    rng = np.random.default_rng(index)
    k = 0
    position = index * MIX_ROW_STRIDE * per_row_bus
    while True:
        is_write = math.floor((k + 1) * write_share) > math.floor(k * write_share)
        if random_bytes:
            row = int(rng.integers(0, device.rows))
            for j in range(max(1, random_bytes // bus_burst_bytes)):
                yield stream_addresses(device, amap, bank, row, j * parts % per_row, parts), is_write
        else:
            # As the burst fidelity places a stream: row_bytes of bus bursts per row, their device
            # bursts on consecutive columns from the row's first, wrapping in the row.
            row, j = divmod(position, per_row_bus)
            yield stream_addresses(device, amap, bank, row, j * parts % per_row, parts), is_write
            position += 1
        k += 1


def _weighted_round_robin(streams: list[Iterator[Request]], weights: Sequence[int]) -> Iterator[Request]:
    """Requests of ``streams``, stream i ``weights[i]`` times per round, spread evenly over the round
    (smooth weighted round robin: each turn every stream gains its weight in credit, the one with the
    most credit, the first among equals, goes and gives back the round's total)."""
    total = sum(weights)
    credit = [0] * len(streams)
    while True:
        for i, w in enumerate(weights):
            credit[i] += w
        i = max(range(len(streams)), key=lambda k: credit[k])
        credit[i] -= total
        yield next(streams[i])


Mix = tuple[tuple[MixStream, int], ...]
"""A mix: its streams, each with its integer weight (its share of the bus bursts offered)."""


@lru_cache(maxsize=None)
def mix_ns_per_byte(device: DramDeviceSpec, controller: DramControllerSpec, bus_burst_bytes: int, mix: Mix) -> float:
    """Server time per byte of a saturating mix in steady state, refresh included (ns/byte): its
    streams offer bus bursts in the proportions of their weights (``_weighted_round_robin`` of
    ``_stream_requests``) to one channel's controller, and ``steady_state`` measures the bus bursts
    served per clock. Computed once per mix and DRAM."""
    amap = address_map(device)
    ctrls = [DramController(device, controller, amap)]
    streams = [_stream_requests(device, amap, i, s, bus_burst_bytes) for i, (s, _) in enumerate(mix)]
    steady = steady_state(ctrls, amap, _weighted_round_robin(streams, [w for _, w in mix]))
    parts = -(-bus_burst_bytes // device.burst_bytes)
    return steady.span_cycles * device.tCK / (steady.span.bursts / parts * bus_burst_bytes)


class _Source:
    """One stream of an offered mix: its requests, each arriving ``interval`` clocks after the one
    before (None: saturating, always ready), and the device bursts of its head request not yet taken."""

    def __init__(self, requests: Iterator[Request], interval: float | None):
        self.requests = requests
        self.interval = interval
        self.arrival = 0.0
        self.pending: list[tuple[int, bool]] = []
        self.taken = 0
        """Device bursts the controllers took from it (count)."""

    def head(self, clk: int) -> tuple[int, bool] | None:
        """Its next device burst if its request has arrived by ``clk``."""
        if not self.pending:
            if self.interval is not None and self.arrival > clk:
                return None
            addrs, is_write = next(self.requests)
            self.pending = [(a, is_write) for a in reversed(addrs)]
            self.arrival += self.interval or 0.0
        return self.pending[-1]


def _serve_sources(ctrl: DramController, sources: list[_Source], clk: int, cycles: int) -> int:
    """Offer the sources to one channel's controller from clock ``clk`` to ``cycles``, at most one
    device burst a clock: the offered streams whose request has arrived first (earliest arrival
    first), then the saturating ones in turn; each source's bursts in order. Returns the clock it
    stopped at (≥ ``cycles``; nothing changes before it)."""
    offered = [s for s in sources if s.interval is not None]
    saturating = [s for s in sources if s.interval is None]
    turn = 0
    while clk < cycles:
        changed = ctrl.tick(clk)
        ready = sorted((s for s in offered if s.head(clk) is not None), key=lambda s: s.arrival)
        ready += [saturating[(turn + k) % len(saturating)] for k in range(len(saturating))]
        for s in ready:
            addr, is_write = s.head(clk)
            if ctrl.will_accept(is_write):
                ctrl.add(addr, is_write, clk)
                s.pending.pop()
                s.taken += 1
                changed = True
                if s in saturating:
                    turn = (saturating.index(s) + 1) % len(saturating)
                break
        if changed:
            clk += 1
            continue
        nxt = ctrl.next_possible(clk)
        waits = [s.arrival for s in offered if not s.pending]
        if waits:
            nxt = min(nxt, max(clk + 1, math.ceil(min(waits))))
        clk = nxt
    return clk


@lru_cache(maxsize=None)
def saturating_gbps(device: DramDeviceSpec, controller: DramControllerSpec, bus_burst_bytes: int,
                    saturating: tuple[MixStream, ...], offered: tuple[tuple[MixStream, float], ...]) -> float:
    """Bytes per ns the ``saturating`` streams get together while the ``offered`` streams come at
    their rates (bytes/ns), in steady state (the first refresh period and M more, the last M
    measured: ``steady_cycles``). Computed once per mix and DRAM."""
    amap = address_map(device)
    ctrl = DramController(device, controller, amap)
    parts = -(-bus_burst_bytes // device.burst_bytes)
    streams = [_stream_requests(device, amap, i, s, bus_burst_bytes) for i, s in enumerate(saturating + tuple(s for s, _ in offered))]
    sources = [_Source(r, None) for r in streams[:len(saturating)]]
    sources += [_Source(r, bus_burst_bytes / (rate * device.tCK)) for r, (_, rate) in zip(streams[len(saturating):], offered)]
    warm, span = steady_cycles(ctrl)
    clk = _serve_sources(ctrl, sources, 0, warm)
    before = sum(s.taken for s in sources[:len(saturating)])
    end = _serve_sources(ctrl, sources, clk, warm + span)
    taken = sum(s.taken for s in sources[:len(saturating)]) - before
    return taken / parts * bus_burst_bytes / ((end - clk) * device.tCK)
