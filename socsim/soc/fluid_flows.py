"""The state the fast fidelity keeps per flow: descriptors, DMA channels, their streams, other masters.

Plain mutable records (the fluid engine in ``socsim.soc.fluid`` updates them between events); the
rules that turn them into costs and rates live in ``fluid_costs`` and ``fluid_solve``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from socsim.soc.dma import Batch


@dataclass(slots=True)
class FluidDescriptor:
    """One transfer unit of the accelerator's DMA (same contract as the burst fidelity's ``Descriptor``)."""

    seq: int
    """Submission order (count); the DMA serves older descriptors' queued bursts first."""
    size: int
    """Bytes on the bus, whole bursts (bytes)."""
    raw: int
    """Bytes in SRAM, uncompressed (bytes)."""
    coded: bool
    """Whether it passes the codec engine."""
    write: bool
    """Store (True) or load (False)."""
    batch: Batch
    rho: float
    """Raw bytes per bus byte of its batch's coded descriptors: the engine's load per bus byte; 0 if not coded."""
    ready_ns: float
    """When its first burst reaches its first stage: the server, or the codec engine — a compressed
    load's bursts reach the engine one round trip after submission, a store's at once (ns)."""

    @property
    def order(self) -> tuple[float, int]:
        """Service order of queued bursts: first come at the first stage, then submission order."""
        return self.ready_ns, self.seq

    @property
    def kind(self) -> tuple[bool, bool, float]:
        """What the rates depend on besides the row costs: direction, engine use, engine load."""
        return self.write, self.coded, self.rho


@dataclass(slots=True)
class Stream:
    """A sequential stream of the address map (``socsim.model.dram``): its bank and next byte."""

    bank: int
    position: int = 0
    """Next byte of the stream (bytes)."""
    refresh_seen: int = -1
    """Refreshes started before its last burst; -1 before its first (its bank is closed)."""
    reopen_pending: bool = False
    """A reopening (tRCD) is charged to its next bytes and none of them has been served yet: a
    refresh meanwhile finds its bank already closed and costs nothing more."""


UNCODED, CODED_LOAD, CODED_STORE = "uncoded", "coded load", "coded store"
"""Classes of a channel's sequence: the server alone; the server then the codec engine; the engine then the server."""


@dataclass(slots=True)
class ChannelFlow:
    """One DMA channel: its streams, the descriptors it moves and the rates of its two stages.

    The channel's descriptors form one sequence of bytes of one class. Two cursors run along it:
    ``prog``, the stage that paces the descriptors (the codec engine for compressed ones, else the
    server), and ``srv``, the server. A compressed load's server reads ahead of the engine, a
    compressed store's server writes behind it, by at most the window; uncompressed bytes move
    with the server. A descriptor completes when the later stage has passed its end.
    """

    index: int
    load: Stream
    store: Stream
    """The stream of its stores; the same object as ``load`` when directions are not split."""
    cls: str = UNCODED
    seq: deque = field(default_factory=deque)
    """[end position, descriptor, own cost per byte, own misses, stream position, when taken ns]
    of its descriptors not yet complete, oldest first."""
    last_kind: tuple | None = None
    """Kind of its last completed descriptor while its rates still hold (``fluid_dma._kind``)."""
    row: int = -1
    """Row of its stream at its server cursor (set before each solve)."""
    prog: float = 0.0
    """Bytes its pacing stage has moved (position along the sequence) (bytes)."""
    srv: float = 0.0
    """Bytes the server has moved for it (position along the sequence) (bytes)."""
    own_kappa: float = 0.0
    """Server time per byte of the descriptor at the server cursor on its own stream: bursts, row
    costs (ns/byte)."""
    kappa: float = 0.0
    """Server time per byte as served: own cost plus shared-bank and turnaround shares (ns/byte)."""
    share: float = 0.0
    """Server time per ns the last solve gave it (ns/ns)."""
    rate: float = 0.0
    """Bytes per ns of its pacing stage."""
    srv_rate: float = 0.0
    """Bytes per ns the server moves for it."""
    engine_rate: float = 0.0
    """Bytes per ns the codec engine could move for it (its share; inf when not compressed)."""
    window: float = 0.0
    """Bytes it may have in flight: max_outstanding·b, or for a lane what its channel's
    engine-paced descriptors leave free (bytes)."""
    cap: float = 0.0
    """Its window's limit on its server rate, window / rtt (bytes/ns)."""
    rtt: float = 0.0
    """Round trip of one of its bursts without waiting for its own queue (ns)."""
    stream_cap: float = float("inf")
    """Most its stream can move: on the command-level DRAM, the steady rate of its stream alone in its
    bank, or less beside the other masters (``fluid_solve._channel_costs``); inf for the reduced models (bytes/ns)."""
    fill: float = 0.0
    """Bytes of its bursts queued at the server beyond its window's steady flow (bytes)."""
    filling: bool = False
    """It had at least a burst queued at the last solve: it moves faster than ``cap`` until ``fill`` is gone."""
    fill_since: float = 0.0
    """When its queued bursts were issued: the server serves older ones first (ns)."""
    lump: bool = False
    """Its queued bursts were issued at once, at ``fill_since`` (a new sequence with its window
    free, or bursts already queued when another lump came): served before later ones. Bursts
    queued while it stood still with the others are not: they interleave with theirs."""
    fill_order: int = 0
    """Issue order of its queued bursts among bursts issued at the same time (count)."""
    paused_until: float = 0.0
    """End of the idle part of its first round (``fluid_dma.FluidDma.round_pause``) (ns)."""
    run_pause: float = 0.0
    """Length of that idle part in its current run: the fluid is behind the rounds by at most this (ns)."""
    paused: bool = False
    """It waits for its first round's bursts to come back (set before each solve): the server moves nothing for it."""
    back_ns: float = 0.0
    """When the last burst of its completed descriptors is back (ns)."""
    in_run: bool = False
    """Its descriptors since ``run_start`` are all of one kind: their rounds are known."""
    run_start: float = 0.0
    """When its current run began: it started moving with its whole window free (ns)."""
    run_bytes: float = 0.0
    """Bytes moved since ``run_start`` (bytes)."""
    run_extra: float = 0.0
    """Row costs beyond the bursts' own of the descriptors completed in the run (ns)."""
    burst_gap: float = 0.0
    """Server time from one of its bursts to the next when its window lets them go back to back (ns)."""
    engine_bound: bool = False
    """The codec engine, not the server, paces it."""
    miss_per_byte: float = 0.0
    """Row misses per byte from sharing a bank (count/byte)."""
    turn_per_byte: float = 0.0
    """Turnaround pairs per byte (count/byte)."""
    lane: ChannelFlow | None = None
    """An uncompressed descriptor the channel moves while its compressed ones wait for the codec engine."""
    room_mark: float = 0.0
    """Bytes its sequence had left when its lane's room was last set (bytes)."""

    def stream(self, write: bool) -> Stream:
        """The stream a descriptor of this direction uses."""
        return self.store if write else self.load

    @property
    def desc(self) -> FluidDescriptor | None:
        """The newest descriptor of its sequence (None when it has none)."""
        return self.seq[-1][1] if self.seq else None

    @property
    def end(self) -> float:
        """Position of the end of its sequence (bytes)."""
        return self.seq[-1][0] if self.seq else self.prog

    @property
    def remaining(self) -> float:
        """Bytes its pacing stage has still to move (bytes)."""
        return self.end - self.prog

    @property
    def ahead(self) -> float:
        """Server cursor minus pacing cursor: a compressed load's read-ahead (> 0), a compressed
        store's bytes waiting for the server (< 0) (bytes)."""
        return self.srv - self.prog


@dataclass(slots=True)
class MasterFlow:
    """Another master as a fluid: its arrivals, backlog, rate and what it was served."""

    bank: int
    write_fraction: float
    request_bytes: int
    random: bool
    """Every request opens a random row."""
    base_kappa: float
    """Server time per byte alone in its bank: bursts and row costs (ns/byte)."""
    base_miss_per_byte: float
    """Row misses per byte alone in its bank (count/byte)."""
    lump_bytes: float
    """Requests made at one instant that add up to this many bytes arrive whole (bytes)."""
    stream: Stream
    """Its stream; ``position`` is the end of the bytes that entered the fluid."""
    arrival: float = 0.0
    """Smooth arrival rate (bytes/ns)."""
    backlog: float = 0.0
    """Bytes requested and not yet served (bytes)."""
    work: float = 0.0
    """Server time its backlog costs on its own stream: bursts, row costs of its lumps (ns)."""
    chunks: deque = field(default_factory=deque)
    """Its backlog in arrival order: [arrival time ns, issue order, bytes, lump] per lump (``lump``
    True), or per build-up of smooth arrivals it was not served (``lump`` None while it grows,
    False once closed: later arrivals start a new one)."""
    fluid_in: float = 0.0
    """Bytes that entered the fluid so far (bytes)."""
    requested: int = 0
    """Bytes of the requests issued before the frames ended (set when they end) (bytes)."""
    demand: float = 0.0
    kappa: float = 0.0
    rate: float = 0.0
    miss_per_byte: float = 0.0
    turn_per_byte: float = 0.0

    @property
    def own_kappa(self) -> float:
        """Server time per byte on its own stream: its backlog's, else the average (ns/byte)."""
        return self.work / self.backlog if self.backlog > 1e-3 and self.work > 0 else self.base_kappa

    @property
    def head_age(self) -> tuple[float, int] | None:
        """(arrival time, issue order) of its oldest byte waiting when that came in a lump, else None
        (no backlog, or a build-up of smooth arrivals: those interleave with the others')."""
        if not self.chunks or not self.chunks[0][3]:
            return None
        return self.chunks[0][0], self.chunks[0][1]

    def flow(self, net: float, since: float, order: int, arrived: float = 0.0) -> bool:
        """Add ``net`` bytes to the backlog's chunks (built up since ``since``), or serve −net from
        the oldest; True when the oldest chunk is gone and another one is left. Behind a closed
        build-up the ``arrived`` bytes (of ``net``) join the newest chunk and the rest is served
        from the oldest."""
        if self.chunks and self.chunks[0][3] is False and arrived > 0 and net != -float("inf"):
            self._grow(arrived, since, order)
            net -= arrived
        if net > 0:
            self._grow(net, since, order)
            return False
        left = -net
        popped = False
        while self.chunks and left > 0:
            head = self.chunks[0]
            take = min(left, head[2])
            head[2] -= take
            left -= take
            if head[2] <= 1e-6:
                self.chunks.popleft()
                popped = True
        return popped and bool(self.chunks)

    def _grow(self, net: float, since: float, order: int) -> None:
        """``net`` bytes built up since ``since`` join the open build-up, or start one."""
        if self.chunks and self.chunks[-1][3] is None:
            self.chunks[-1][2] += net
        else:
            self.chunks.append([since, order, net, None])

    @property
    def active(self) -> bool:
        """Whether it asks for service now."""
        return self.backlog > 0 or self.arrival > 0
