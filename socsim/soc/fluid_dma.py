"""The accelerator's DMA at fast fidelity: the descriptor queue and the channels that move it.

A channel moves one descriptor after another, at the rate the solver gives it. A descriptor costs
its own bursts' server time on its channel's stream (``fluid_costs.descriptor_cost``) and
completes after its last byte is served (``fluid_costs.completion_offset``; a window-limited run
also waits for its rounds: ``window_round_delay``). Like the burst fidelity's channel, which takes
its next descriptor once it has issued every burst of the current one, a channel whose descriptor
waits for the codec engine with all its bursts issued (fewer bytes left than its window) moves
the next descriptor beside it when that one bypasses the engine: in a *lane* limited to the
window room the waiting bursts leave free (re-solved as that room grows by eighths of the window).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import simpy

from socsim.soc.dma import Batch, CodecEngine
from socsim.soc.dram import DramModel
from socsim.soc.fluid_costs import (
    completion_offset,
    descriptor_cost,
    window_round_delay,
)
from socsim.soc.fluid_flows import ChannelFlow, FluidDescriptor, Stream

INF = float("inf")
EPS_BYTES = 1e-3


class FluidDma:
    """Descriptor queue and channels (each with at most one lane) of the accelerator's DMA."""

    def __init__(self, env: simpy.Environment, model: DramModel, engine: CodecEngine | None, channels: int,
                 masters: int, max_outstanding: int):
        """``masters``: how many other masters own streams of the address map (count)."""
        self.env = env
        self.model = model
        self.engine = engine
        self.window_bytes = max_outstanding * model.burst_bytes
        self.channels = _channels(model, channels, masters, self.window_bytes)
        self.queue: deque[FluidDescriptor] = deque()
        self._seq = 0
        self.refreshes = 0
        """Refreshes whose stop has begun (discrete refresh), else 0: a stream that has not seen
        them finds its bank closed (count)."""
        self.bytes_requested = 0
        """Bytes submitted (bytes)."""
        self.bytes_delivered = 0
        self.latencies: list[float] = []
        """Submit-to-completion time of every descriptor (ns)."""
        self.engine_busy_ns = 0.0
        self.served = 0.0
        """Bytes served (bytes)."""
        self.busy = 0.0
        """Server time used (ns)."""
        self.misses = 0.0
        """Row misses (count; expected values where streams share a bank)."""
        self.turns = 0.0
        """Turnaround pairs charged (count; expected values)."""

    def submit(self, sizes: Sequence[int], raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> Batch:
        """Queue one descriptor per size (same contract as the burst DmaEngine.submit); idle channels take them."""
        b = self.model.burst_bytes
        batch = Batch(self.env, sum(1 for x in sizes if x > 0))
        raw = raw or sizes
        use_engine = self.engine is not None and bool(coded) and any(coded)
        rho = 0.0
        if use_engine:
            cs = sum(int(x) for x, c in zip(sizes, coded) if c)
            cr = sum(int(r) for r, c in zip(raw, coded) if c)
            rho = cr / cs if cs else 0.0
        for k, size in enumerate(sizes):
            size = int(size)
            if size <= 0:
                continue
            if size % b:
                raise ValueError(f"descriptor of {size} bytes: not a whole number of {b}-byte bursts")
            c = use_engine and bool(coded[k])
            self.bytes_requested += size
            # A compressed load's bursts reach the engine after one round trip through the server.
            ready = self.env.now + (self.model.latency_ns + self.model.t_burst_ns if c and not write else 0.0)
            self.queue.append(FluidDescriptor(self._seq, size, int(raw[k]), c, write, batch, rho if c else 0.0, ready))
            self._seq += 1
            if c:
                self.engine_busy_ns += int(raw[k]) / self.engine.gbps
        for ch in self.channels:
            if ch.desc is None and self.queue:
                self._start(ch)
        return batch

    @property
    def idle(self) -> bool:
        """True when nothing is queued or moving."""
        return not self.queue and all(ch.desc is None for ch in self.channels)

    def flows(self) -> list[ChannelFlow]:
        """The busy channels and lanes, oldest descriptor first."""
        out = [ch for ch in self.channels if ch.desc is not None]
        out += [ch.lane for ch in self.channels if ch.lane is not None]
        return sorted(out, key=lambda f: f.desc.seq)

    # ---- descriptors ------------------------------------------------------------------------
    def _start(self, ch: ChannelFlow) -> None:
        """Give ``ch`` the next queued descriptor (or none) with its own cost on its stream."""
        desc = ch.desc = self.queue.popleft() if self.queue else None
        if desc is None:
            ch.remaining = 0.0
            ch.rate = ch.share = 0.0
            return
        stream = ch.stream(desc.write)
        work, misses = descriptor_cost(self.model, stream, desc.size, self.refreshes)
        stream.position += desc.size
        stream.refresh_seen = self.refreshes
        ch.remaining = float(desc.size)
        ch.own_kappa = work / desc.size
        ch.own_misses = misses

    def _finish(self, ch: ChannelFlow) -> None:
        desc = ch.desc
        now = self.env.now
        b = self.model.burst_bytes
        offset = completion_offset(self.model, desc, self.engine, ch.engine_bound, ch.kappa * b)
        if ch.lane is not None or ch.window < self.window_bytes:
            pass
        elif not ch.engine_bound and not ch.filling and ch.rate >= ch.cap * (1 - 1e-9):
            offset += window_round_delay(self.window_bytes, ch.run_bytes, b, self.window_bytes / ch.cap, ch.burst_gap)
        done = now + offset
        batch = desc.batch
        batch.bytes += desc.size
        batch.busy_ns += desc.size * ch.kappa
        batch.last_ns = max(batch.last_ns, done)
        self.bytes_delivered += desc.size
        self.misses += ch.own_misses
        self.latencies.append(done - batch.submit_ns)
        batch.pending -= 1
        if batch.pending == 0:
            ev = self.env.timeout(batch.last_ns - now, batch)
            ev.callbacks.append(_batch_done)

    def _next_descriptor(self, ch: ChannelFlow) -> bool:
        """Finish ``ch``'s descriptor and start the next; True when the rates must be solved again.

        A next descriptor of the same kind keeps the channel's server time share (or its byte
        rate, when its window or the engine limits it): no solve.
        """
        old = ch.desc
        extra = ch.kappa - ch.own_kappa
        self._finish(ch)
        if ch.lane is not None:
            _promote(ch)
            return True
        self._start(ch)
        new = ch.desc
        if new is None or new.kind != old.kind:
            return True
        limited = ch.engine_bound or (not ch.filling and ch.rate >= ch.cap * (1 - 1e-9))
        ch.kappa = ch.own_kappa + extra
        if limited:
            ch.share = ch.rate * ch.kappa
        else:
            ch.rate = ch.share / ch.kappa
        return False

    def _lane_done(self, ch: ChannelFlow) -> None:
        """The lane's descriptor is served: it takes the next one if it still may, else closes."""
        lane = ch.lane
        self._finish(lane)
        if self._lane_may_start(ch):
            self._start(lane)
        else:
            ch.lane = None

    def _lane_may_start(self, ch: ChannelFlow) -> bool:
        """Whether ``ch`` may move the queue's next descriptor beside its own (module docstring)."""
        return (ch.desc is not None and ch.engine_bound and ch.remaining <= self.window_bytes + EPS_BYTES
                and bool(self.queue)
                and not self.queue[0].coded)

    def start_lanes(self) -> bool:
        """Open a lane on every channel that may (after a solve set the engine-bound flags); True if any."""
        opened = False
        for ch in self.channels:
            if ch.lane is None and self._lane_may_start(ch):
                ch.lane = ChannelFlow(ch.index, ch.load, ch.store)
                self._start(ch.lane)
                opened = True
        return opened

    def set_rooms(self) -> None:
        """Before a solve: which channels have bursts queued, and every lane's window (what its
        channel's waiting bursts leave free)."""
        b = self.model.burst_bytes
        for ch in self.channels:
            ch.window = self.window_bytes
            ch.filling = ch.fill >= b - EPS_BYTES
            if ch.lane is not None:
                ch.room_mark = ch.remaining
                ch.lane.window = max(float(b), self.window_bytes - ch.remaining)

    # ---- time -------------------------------------------------------------------------------
    def advance(self, dt: float) -> None:
        """Move every channel and lane on by ``dt`` ns at its rate."""
        for ch in self.channels:
            self._advance_flow(ch, dt, True)
            if ch.lane is not None:
                # A lane has no queued bursts of its own: its room grows with the solves.
                self._advance_flow(ch.lane, dt, False)

    def _advance_flow(self, ch: ChannelFlow, dt: float, queues: bool) -> None:
        """Its queued bursts drain while it moves above its cap and build up while it moves below it."""
        x = ch.rate
        if ch.desc is not None and x:
            moved = x * dt
            ch.remaining -= moved
            ch.run_bytes += moved
            self.served += moved
            self.busy += moved * ch.kappa
            self.misses += moved * ch.miss_per_byte
            self.turns += moved * ch.turn_per_byte
        if ch.desc is not None and ch.filling and x > ch.cap:
            ch.fill = max(0.0, ch.fill - x * dt)
        elif (x < ch.cap or ch.desc is None) and queues:
            most = max(0.0, ch.window - x * ch.rtt)
            if ch.fill < most:
                ch.fill = min(most, ch.fill + (ch.cap - x) * dt)

    def due(self) -> bool:
        """Handle what is due now (descriptors served, queued bursts gone, lane rooms grown);
        True when the rates must be solved again."""
        need = False
        for ch in self.channels:
            lane = ch.lane
            if lane is not None and lane.remaining <= EPS_BYTES:
                self._lane_done(ch)
                need = True
            if ch.desc is not None and ch.remaining <= EPS_BYTES:
                need |= self._next_descriptor(ch)
            if ch.lane is not None and ch.room_mark - ch.remaining >= self._room_step() - EPS_BYTES:
                need = True
            if ch.desc is not None and ch.filling and ch.fill <= EPS_BYTES and ch.rate > ch.cap * (1 + 1e-9):
                # Its queued bursts are served: from now on its window limits it.
                ch.fill = 0.0
                ch.filling = False
                need = True
            if ch.desc is not None and ch.lane is None and ch.engine_bound and self.queue:
                need |= abs(ch.remaining - self.window_bytes) <= EPS_BYTES
        return need

    def _room_step(self) -> float:
        return max(float(self.model.burst_bytes), self.window_bytes / 8)

    def next_event_ns(self) -> float:
        """Time until the next of those (ns; inf if none)."""
        dt = INF
        for ch in self.channels:
            for f in (ch, ch.lane):
                if f is None or f.desc is None or f.rate <= 0:
                    continue
                dt = min(dt, f.remaining / f.rate)
                if f.filling and f.rate > f.cap:
                    dt = min(dt, f.fill / f.rate)
            if ch.desc is None or ch.rate <= 0:
                continue
            if ch.lane is not None:
                dt = min(dt, max(0.0, ch.remaining - (ch.room_mark - self._room_step())) / ch.rate)
            elif ch.engine_bound and self.queue and ch.remaining > self.window_bytes + EPS_BYTES:
                dt = min(dt, (ch.remaining - self.window_bytes) / ch.rate)
        return dt

    def new_runs(self, now: float) -> None:
        """After a solve: a channel that starts moving with its whole window free begins a run of rounds."""
        for ch in self.channels:
            if ch.desc is not None and ch.rate > 0 and ch.fill >= self.window_bytes * (1 - 1e-9):
                ch.run_start, ch.run_bytes = now, 0.0

    def reopen(self, k: int) -> None:
        """After refresh k's stop: a busy channel whose stream was open pays tRCD on its next burst."""
        m = self.model
        for ch in self.channels:
            for f in (ch, ch.lane):
                if f is None or f.desc is None:
                    continue
                stream = f.stream(f.desc.write)
                if stream.refresh_seen < k and m.row_bytes and f.remaining > EPS_BYTES:
                    f.own_kappa += m.t_rcd_ns / f.remaining
                    f.own_misses += 1
                    stream.refresh_seen = k


def _promote(ch: ChannelFlow) -> None:
    """The channel's own descriptor is served: its lane's descriptor becomes its own."""
    lane = ch.lane
    ch.lane = None
    ch.desc, ch.remaining = lane.desc, lane.remaining
    ch.own_kappa, ch.own_misses, ch.kappa = lane.own_kappa, lane.own_misses, lane.kappa
    ch.rate, ch.share = lane.rate, lane.share


def _channels(model: DramModel, channels: int, masters: int, window_bytes: int) -> list[ChannelFlow]:
    """The DMA channels with their streams (``socsim.soc.dram`` address map), windows free."""
    banks, _ = model.stream_banks(channels, masters)
    split = model.splits_directions(channels, masters)
    out = []
    for k, (load_bank, store_bank) in enumerate(banks):
        load = Stream(load_bank)
        out.append(ChannelFlow(k, load, Stream(store_bank) if split else load, window=float(window_bytes),
                               fill=float(window_bytes)))
    return out


def _batch_done(ev) -> None:
    ev.value.done.succeed()
