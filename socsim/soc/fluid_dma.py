"""The accelerator's DMA at fast fidelity: the descriptor queue and the channels that move it.

A channel holds a sequence of descriptors of one class (``fluid_flows.ChannelFlow``): two cursors,
the pacing stage's and the server's, run along it, and a descriptor completes when the later
stage has passed its end (``fluid_costs.completion_offset``; a window-limited run also waits for
its rounds: ``window_rounds_ns``). Like the burst fidelity's channel, which takes its next
descriptor once it has issued every burst of the current one, a channel takes the queue's next
descriptor of its class when its first stage has reached the end of its sequence, or, while
bursts of its own are queued (``fill``) or wait for the engine within its window, as soon as they
would be issued. A descriptor costs its own bursts' server time on its channel's stream
(``fluid_costs.descriptor_cost``). A descriptor of another class (direction, engine use, engine
load) next in the queue issues into the window room the channel's sequence leaves free, in a
*lane* beside it (re-solved as that room grows by eighths of the window); while the lane has
bursts to issue the channel takes nothing else, and when its sequence is done the lane becomes
it. A channel that starts with room in its window issues a lump: the server serves it after the
bursts other channels already queued (``mark_queued``) and before their later ones; its whole
window is free once every burst it issued before is back. Alone on the server, a window-limited
channel whose lump is served waits half the idle part of a round (``round_pause``), so that the
fluid runs through the middle of the burst fidelity's rounds. When the cost per byte of a channel
that shares the server moves by more than ``KAPPA_STEP`` at a descriptor boundary, the rates are
solved again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import simpy

from socsim.model.dram import DramModel
from socsim.model.engine import CodecEngine
from socsim.regions import Layout
from socsim.soc.dma import Batch
from socsim.soc.fluid_costs import (
    completion_offset,
    descriptor_cost,
    window_rounds_ns,
)
from socsim.soc.fluid_flows import (
    CODED_LOAD,
    CODED_STORE,
    UNCODED,
    ChannelFlow,
    FluidDescriptor,
    Stream,
)

INF = float("inf")
EPS_BYTES = 1e-3
KAPPA_STEP = 0.25
"""Relative change of a channel's cost per byte at a descriptor boundary beyond which the rates
are solved again when it shares the server (smaller changes keep the shares)."""


def descriptor_class(desc: FluidDescriptor) -> str:
    """Which stages a descriptor passes: the server alone, or the engine after or before it."""
    if not desc.coded or desc.rho <= 0:
        return UNCODED
    return CODED_STORE if desc.write else CODED_LOAD


class FluidDma:
    """Descriptor queue and channels (each with at most one lane) of the accelerator's DMA."""

    def __init__(self, env: simpy.Environment, model: DramModel, engine: CodecEngine | None, layout: Layout,
                 max_outstanding: int):
        """``layout``: every stream's place (``socsim.regions``); the channels are its channels."""
        self.env = env
        self.model = model
        self.engine = engine
        self.window_bytes = max_outstanding * model.burst_bytes
        self.channels = _channels(layout, self.window_bytes)
        self.queue: deque[FluidDescriptor] = deque()
        self._seq = 0
        self._order = 0
        self._kappa_moved = False
        """A channel sharing the server by time share changed its cost per byte (``_server_kappa``)."""
        self.others_active = False
        """Some other master asks for service (set before ``due``)."""
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
        """Queue one descriptor per size (same contract as the burst DmaEngine.submit); channels take them."""
        b = self.model.burst_bytes
        batch = Batch(self.env, sum(1 for x in sizes if x > 0))
        raw = raw or sizes
        use_engine = self.engine is not None and bool(coded) and any(coded)
        rho = 0.0
        if use_engine:
            cs = sum(int(x) for x, c in zip(sizes, coded) if c)
            cr = sum(int(r) for r, c in zip(raw, coded) if c)
            rho = cr / cs if cs else 0.0
        now = self.env.now
        trip = self.model.latency_ns + self.model.t_burst_ns
        for k, size in enumerate(sizes):
            size = int(size)
            if size <= 0:
                continue
            if size % b:
                raise ValueError(f"descriptor of {size} bytes: not a whole number of {b}-byte bursts")
            c = use_engine and bool(coded[k])
            self.bytes_requested += size
            # A compressed load's bursts reach the engine after one round trip through the server.
            ready = now + (trip if c and not write else 0.0)
            self.queue.append(FluidDescriptor(self._seq, size, int(raw[k]), c, write, batch, rho if c else 0.0, ready))
            self._seq += 1
            if c:
                self.engine_busy_ns += int(raw[k]) / self.engine.gbps
        self.take_all()
        return batch

    @property
    def idle(self) -> bool:
        """True when nothing is queued or moving."""
        return not self.queue and all(not ch.seq and ch.lane is None for ch in self.channels)

    def flows(self) -> list[ChannelFlow]:
        """The busy channels and lanes, oldest descriptor first."""
        out = [ch for ch in self.channels if ch.seq]
        out += [ch.lane for ch in self.channels if ch.lane is not None]
        return sorted(out, key=lambda f: f.seq[0][1].seq)

    # ---- descriptors ------------------------------------------------------------------------
    def _take(self, ch: ChannelFlow) -> bool:
        """Give ``ch`` the queue's next descriptors while it would issue them (module docstring):
        into its sequence, or into its lane when they are of another class; True when a new
        sequence or lane started (the rates must be solved again)."""
        changed = False
        queue = self.queue
        while queue:
            desc = queue[0]
            if not ch.seq:
                # A channel whose last descriptor just completed goes on with one of the same kind
                # at the same rates (no solve); else it starts a new sequence.
                changed = changed or ch.last_kind != _kind(desc) or ch.srv_rate <= 0 or ch.lane is not None
                if ch.last_kind != _kind(desc):
                    # Another kind of descriptor, its window partly held by the last one's bursts: no rounds.
                    ch.in_run = False
                ch.cls = descriptor_class(desc)
                ch.prog = ch.srv = max(ch.prog, ch.srv)
                if ch.lane is None and self.env.now >= ch.back_ns - 1e-9:
                    # Every burst it issued is back: its whole window is free.
                    ch.fill = float(self.window_bytes)
            else:
                # Issue order: while its lane has bursts to issue, the channel takes nothing else.
                lane = ch.lane
                if lane is None:
                    appendable = _appendable(ch, desc)
                    if appendable and self._issues_next(ch):
                        queue.popleft()
                        self._append(ch, desc)
                        continue
                    if appendable or self.room(ch) < self.model.burst_bytes:
                        break
                    self._open_lane(ch)
                    changed = True
                elif not (_appendable(lane, desc) and self._issues_next(lane)
                          and self.room(ch) >= self.model.burst_bytes):
                    break
                queue.popleft()
                self._append(ch.lane, desc)
                continue
            queue.popleft()
            self._append(ch, desc)
        return changed

    def take_all(self) -> bool:
        """After a solve (rates set the windows' room): channels take what they now may; True if a
        new sequence or lane started."""
        changed = False
        for ch in self.channels:
            changed |= self._take(ch)
        return changed

    def _open_lane(self, ch: ChannelFlow) -> None:
        """A descriptor of another class issues into the room ``ch``'s sequence leaves free: a lump."""
        room = self.room(ch)
        lane = ch.lane = ChannelFlow(ch.index, ch.load, ch.store, window=room, fill=room)
        lane.cls = descriptor_class(self.queue[0])
        self.mark_queued(lane)
        lane.fill_since, lane.fill_order, lane.lump = self.env.now, self.next_order(), True

    def room(self, ch: ChannelFlow) -> float:
        """Bytes of ``ch``'s window its sequence and lane leave free (bytes)."""
        used = self._outstanding(ch) + (self._outstanding(ch.lane) if ch.lane is not None else 0.0)
        return max(0.0, self.window_bytes - used)

    def _issues_next(self, ch: ChannelFlow) -> bool:
        """Whether ``ch`` has issued its whole sequence, so that it takes the next descriptor."""
        end = ch.seq[-1][0] if ch.seq else ch.prog
        if ch.cls == CODED_STORE:
            # Its bursts are issued as they enter the engine: all are once the engine is at the end.
            return ch.prog >= end - EPS_BYTES or end - ch.srv < ch.window - EPS_BYTES
        fill = ch.fill
        return end - ch.srv < (EPS_BYTES if EPS_BYTES > fill else fill) + EPS_BYTES

    def _append(self, ch: ChannelFlow, desc: FluidDescriptor) -> None:
        """Add ``desc`` to ``ch``'s sequence with its own cost on its stream."""
        stream = ch.store if desc.write else ch.load
        size = desc.size
        refreshes = self.refreshes
        work, misses = descriptor_cost(self.model, stream, size, refreshes)
        if stream.refresh_seen < refreshes and self.model.row_bytes:
            stream.reopen_pending = True
        seq = ch.seq
        seq.append([(seq[-1][0] if seq else ch.prog) + size, desc, work / size, misses, stream.position, self.env.now])
        stream.position += size
        stream.refresh_seen = refreshes
        if len(seq) == 1:
            self._kappa_moved |= self._server_kappa(ch)
            if ch.fill >= self.model.burst_bytes - EPS_BYTES:
                # Its window has room: it issues a lump, behind every burst already queued.
                self.mark_queued(ch)
                ch.fill_since, ch.fill_order, ch.lump = self.env.now, self.next_order(), True

    def next_order(self) -> int:
        """A fresh issue order number (ties between bursts issued at the same time)."""
        self._order += 1
        return self._order

    def mark_queued(self, newcomer: ChannelFlow | None = None) -> None:
        """A lump is issued now: every busy channel's bursts already queued at the server come first.

        A channel's queued bytes are what its window holds beyond its bursts in service and on
        their way back, min(sequence left, window − server rate·rtt).
        """
        now = self.env.now
        for ch in self.channels:
            if ch is newcomer or not ch.seq or ch.cls == CODED_STORE:
                continue
            queued = min(ch.end - ch.srv, max(0.0, ch.window - ch.srv_rate * ch.rtt))
            if queued > ch.fill + EPS_BYTES:
                if ch.fill <= EPS_BYTES or not ch.lump:
                    ch.fill_since, ch.fill_order = now, self.next_order()
                ch.fill, ch.lump = queued, True

    def _complete(self, ch: ChannelFlow) -> bool:
        """Complete the descriptors the later stage has passed; True if any."""
        done = False
        later = ch.prog if ch.cls == CODED_LOAD else ch.srv
        while ch.seq and later >= ch.seq[0][0] - EPS_BYTES:
            end, desc, own, misses, _, taken = ch.seq.popleft()
            self._finish(ch, desc, own, misses, taken, end)
            done = True
        if done:
            ch.last_kind = _kind(desc)
        return done

    def _finish(self, ch: ChannelFlow, desc: FluidDescriptor, own_kappa: float, misses: float,
                taken_ns: float, end: float) -> None:
        # (Conditional expressions for max: the same values, without the calls.)
        now = self.env.now
        m = self.model
        b = m.burst_bytes
        ahead = ch.srv - ch.prog
        waited = ahead <= EPS_BYTES if ch.cls == CODED_LOAD else ahead >= -EPS_BYTES
        offset = completion_offset(m, desc, self.engine, waited, ch.kappa * b)
        size = desc.size
        # Row costs beyond the bursts' own hold up a window-limited run's later rounds whole.
        extra = own_kappa * size - size / b * m.t_burst_ns
        ch.run_extra += extra if extra > 0.0 else 0.0
        if ch.in_run and ch.window >= self.window_bytes and not ch.filling and ch.srv_rate >= ch.cap * (1 - 1e-9):
            offset = self._rounds_offset(ch, desc, end, offset)
        done = now + offset
        if done > ch.back_ns:
            ch.back_ns = done
        batch = desc.batch
        batch.bytes += size
        batch.spans.append((ch.index, taken_ns, done, size))
        batch.busy_ns += size * ch.kappa
        if done > batch.last_ns:
            batch.last_ns = done
        self.bytes_delivered += size
        self.misses += misses
        self.latencies.append(done - batch.submit_ns)
        batch.pending -= 1
        if batch.pending == 0:
            ev = self.env.timeout(batch.last_ns - now, batch)
            ev.callbacks.append(_batch_done)

    def _rounds_offset(self, ch: ChannelFlow, desc: FluidDescriptor, end: float, offset: float) -> float:
        """A window-limited run's descriptor completes on its rounds (``window_rounds_ns``): the
        completion offset ``offset`` (ns) moved to the round its last burst is in, later by at most
        a round trip, earlier by at most the run's ``round_pause``."""
        m = self.model
        b = m.burst_bytes
        now = self.env.now
        hit_rtt = ch.rtt - (ch.kappa * b - m.t_burst_ns)
        hit = ch.burst_gap * m.t_burst_ns / (ch.kappa * b) if ch.kappa > 0 else 0.0
        if ch.cls == UNCODED:
            rounds = window_rounds_ns(self.window_bytes, ch.run_bytes, b, hit_rtt, hit)
            if rounds is None:
                return offset
            return offset + min(max(-ch.run_pause, ch.run_start + ch.run_extra + rounds - now), ch.rtt)
        # A compressed transfer's bursts pass the engine one engine time apart (times the channels
        # sharing it): its slots come back spread by that much, so burst j·W + m is back at
        # (j + 1)·rtt + (m − 1)·engine time; none of this when the engine, not the window, limits it.
        sharing = sum(1 for c in self.channels for f in (c, c.lane) if f is not None and f.seq and f.cls != UNCODED)
        engine_ns = max(hit, max(1, sharing) * desc.raw / max(1, desc.size // b) / self.engine.gbps)
        moved = end - (ch.srv - ch.run_bytes)
        rounds = window_rounds_ns(self.window_bytes, moved, b, hit_rtt, engine_ns)
        if rounds is None:
            return offset
        back = ch.run_start + ch.run_extra + rounds + hit_rtt - engine_ns
        return max(0.0, min(back - now, offset + ch.rtt))

    def _server_kappa(self, ch: ChannelFlow) -> bool:
        """The server cursor's descriptor sets the cost per byte; the rates follow without a solve
        (its share of server time, or its byte rate when its window or the engine limits it).
        True when the cost changed by more than ``KAPPA_STEP`` while ``ch`` shares the server by
        its share of time: the others' shares then no longer hold (solve again)."""
        srv = ch.srv + EPS_BYTES
        for entry in ch.seq:
            if entry[0] > srv:
                own = entry[2]
                break
        else:
            return False
        if own == ch.own_kappa:
            return False
        shared = abs(own - ch.own_kappa) > KAPPA_STEP * ch.own_kappa and ch.srv_rate < ch.cap * (1 - 1e-9)
        extra = ch.kappa - ch.own_kappa
        ch.own_kappa = own
        ch.kappa = own + extra
        limited = ch.engine_bound or (not ch.filling and ch.srv_rate >= ch.cap * (1 - 1e-9))
        if limited or ch.kappa <= 0:
            ch.share = ch.srv_rate * ch.kappa
        else:
            ch.srv_rate = ch.share / ch.kappa
            if ch.cls == UNCODED:
                ch.rate = ch.srv_rate
        return shared and not limited

    def _row(self, ch: ChannelFlow) -> int:
        """Row of its stream the server cursor of ``ch`` is in (-1 without rows)."""
        rb = self.model.row_bytes
        if not rb:
            return -1
        for end, desc, _, _, pos, _ in ch.seq:
            if end > ch.srv + EPS_BYTES:
                return int(pos + max(0.0, ch.srv - (end - desc.size))) // rb
        return -1

    # ---- lanes ------------------------------------------------------------------------------
    def _outstanding(self, ch: ChannelFlow) -> float:
        """Bytes of ``ch``'s sequence issued and not back: not through both stages, or served less
        than a round trip ago (bytes)."""
        if not ch.seq:
            return 0.0
        start = ch.seq[0][0] - ch.seq[0][1].size
        back = max(start, min(ch.prog, ch.srv) - ch.srv_rate * ch.rtt)
        return min(self.window_bytes, ch.end - back)

    def _lane_due(self, ch: ChannelFlow) -> bool:
        """Complete the lane's descriptors; when it has none left it closes; when the channel's
        own sequence is done the lane becomes the channel's sequence."""
        lane = ch.lane
        if lane is None or not self._complete(lane):
            return False
        if not lane.seq:
            ch.lane = None
        return True

    def _promote(self, ch: ChannelFlow) -> ChannelFlow:
        """``ch`` has no sequence left: its lane takes its place, with the whole window."""
        lane = ch.lane
        lane.window = self.window_bytes
        self.channels[ch.index] = lane
        return lane

    def set_rooms(self) -> None:
        """Before a solve: which channels have bursts queued, and every lane's window (what its
        channel's waiting bursts leave free)."""
        b = self.model.burst_bytes
        now = self.env.now
        for ch in self.channels:
            ch.window = self.window_bytes
            ch.filling = ch.fill >= b - EPS_BYTES
            ch.paused = bool(ch.seq) and now < ch.paused_until - 1e-9
            for f in (ch, ch.lane):
                if f is not None and f.seq:
                    f.row = self._row(f)
            if ch.lane is not None:
                ch.room_mark = self._outstanding(ch)
                ch.lane.window = max(float(b), self.window_bytes - ch.room_mark)
                ch.lane.filling = ch.lane.fill >= b - EPS_BYTES

    # ---- time -------------------------------------------------------------------------------
    def advance(self, dt: float) -> None:
        """Move every channel and lane on by ``dt`` ns at its rates."""
        for ch in self.channels:
            self._advance_flow(ch, dt, True)
            if ch.lane is not None:
                # A lane has no queued bursts of its own: its room grows with the solves.
                self._advance_flow(ch.lane, dt, False)

    def _advance_flow(self, ch: ChannelFlow, dt: float, queues: bool) -> None:
        """Move the cursors; queued bursts drain while the server moves and build up while it stands still."""
        # (Conditional expressions for min and max: the same values, without the calls.)
        y = ch.srv_rate
        seq = ch.seq
        if seq and y:
            moved = y * dt
            last = seq[-1]
            srv = ch.srv + moved
            ch.srv = last[0] if last[0] < srv else srv
            ch.run_bytes += moved
            self.served += moved
            self.busy += moved * ch.kappa
            self.misses += moved * ch.miss_per_byte
            self.turns += moved * ch.turn_per_byte
            (ch.store if last[1].write else ch.load).reopen_pending = False
        x = ch.rate
        if seq and x:
            prog = ch.prog + x * dt
            end = seq[-1][0]
            ch.prog = end if end < prog else prog
        cls = ch.cls
        if cls == UNCODED:
            ch.prog = ch.srv
        first = x if cls == CODED_STORE else y
        if seq and ch.filling and first > 0:
            fill = ch.fill - first * dt
            ch.fill = fill if fill > 0.0 else 0.0
        elif first <= 0 and queues and not ch.paused:
            # Stopped (or idle): its bursts come back and wait at the server, up to its window.
            if ch.fill <= EPS_BYTES:
                # Queued while it stood still: they interleave with the others' bursts (not a lump).
                ch.fill_since, ch.fill_order, ch.lump = self.env.now - dt, self.next_order(), False
            ch.fill = min(ch.window, ch.fill + ch.cap * dt)

    def due(self) -> bool:
        """Handle what is due now (descriptors done, cursors at a bound, queued bursts gone, lane
        rooms grown); True when the rates must be solved again."""
        need = False
        now = self.env.now
        channels = self.channels
        for k in range(len(channels)):
            ch = channels[k]
            if ch.lane is not None:
                need |= self._lane_due(ch)
            seq = ch.seq
            if not seq:
                continue
            completed = (ch.prog if ch.cls == CODED_LOAD else ch.srv) >= seq[0][0] - EPS_BYTES and self._complete(ch)
            if not seq and ch.lane is not None:
                ch = self._promote(ch)
                need = True
            changed = self._take(ch) if (completed or not ch.seq or self.queue) else False
            if not ch.seq:
                ch.rate = ch.srv_rate = ch.share = 0.0
                ch.last_kind = None
                need = True
            need |= changed
            lane = ch.lane
            for f in (ch, lane) if lane is not None else (ch,):
                if f.seq:
                    self._kappa_moved |= self._server_kappa(f)
                    need |= _at_bound(f, f.window)
            if lane is not None and ch.room_mark - self._outstanding(ch) >= self._room_step() - EPS_BYTES:
                need = True
                need |= self._take(ch)
            lane = ch.lane
            for f in (ch, lane) if lane is not None else (ch,):
                if f.filling and f.fill <= EPS_BYTES and f.seq:
                    # Its queued bursts are served: from now on its window limits it.
                    f.fill = 0.0
                    f.filling = f.lump = False
                    self.round_pause(f)
                    need = True
                if f.paused and now >= f.paused_until - 1e-9:
                    need = True
        if self.queue:
            for ch in channels:
                if not ch.seq and ch.lane is None and self.queue:
                    need |= self._take(ch) or True
        if self._kappa_moved:
            self._kappa_moved = False
            need |= len(self.flows()) > 1
        return need

    def round_pause(self, ch: ChannelFlow) -> None:
        """Its lump of queued bursts has been served and its window now limits it, alone on the
        server (no other channel busy, no other master asking): the fluid goes on
        half a round later than its steady rate would, so that it runs through the middle of the
        burst fidelity's rounds (W bursts back to back, then nothing until the first is back, one
        round trip after it left) rather than through their ends (ns)."""
        if ch.cls != UNCODED or ch.window < self.window_bytes or self.others_active:
            return
        if any(f is not ch and f.seq for c in self.channels for f in (c, c.lane) if f is not None):
            return
        idle = ch.rtt - ch.window * ch.kappa
        if idle > 0:
            ch.paused_until = self.env.now + idle / 2
            ch.run_pause = idle / 2

    def _room_step(self) -> float:
        return max(float(self.model.burst_bytes), self.window_bytes / 8)

    def next_event_ns(self) -> float:
        """Time until the next of those (ns; inf if none)."""
        dt = INF
        for ch in self.channels:
            lane = ch.lane
            for f in (ch, lane) if lane is not None else (ch,):
                if f.seq:
                    t = _next_bound_ns(f, f.window)
                    dt = t if t < dt else dt
                    if f.paused:
                        dt = min(dt, max(0.0, f.paused_until - self.env.now))
            if lane is not None and ch.srv_rate > 0:
                dt = min(dt, max(0.0, self._outstanding(ch) - (ch.room_mark - self._room_step())) / ch.srv_rate)
        return dt

    def new_runs(self, now: float) -> None:
        """After a solve: a channel that starts moving with its whole window free begins a run of rounds."""
        for ch in self.channels:
            if ch.seq and ch.srv_rate > 0 and ch.fill >= self.window_bytes * (1 - 1e-9):
                ch.run_start, ch.run_bytes, ch.run_extra, ch.run_pause = now, 0.0, 0.0, 0.0
                ch.in_run = True

    def reopen(self, k: int) -> None:
        """After refresh k's stop: a busy channel whose stream was open pays tRCD on its next burst
        (not again while an earlier reopening waits for its first byte: the bank stayed closed)."""
        m = self.model
        if not m.row_bytes:
            return
        for ch in self.channels:
            for f in (ch, ch.lane):
                if f is None or not f.seq:
                    continue
                stream = f.stream(f.desc.write)
                # The next whole burst pays it: the entry it is in, over its bytes left to serve.
                entry = next((e for e in f.seq if e[0] >= f.srv + m.burst_bytes - EPS_BYTES), None)
                if stream.refresh_seen < k and stream.reopen_pending:
                    stream.refresh_seen = k
                elif stream.refresh_seen < k and entry is not None:
                    stream.reopen_pending = True
                    entry[2] += m.t_rcd_ns / min(entry[0] - f.srv, entry[1].size)
                    entry[3] += 1
                    stream.refresh_seen = k
                    if entry is next(e for e in f.seq if e[0] > f.srv + EPS_BYTES):
                        f.own_kappa = entry[2]


def _kind(desc: FluidDescriptor) -> tuple:
    """What a channel's rates depend on besides row costs: class, direction, engine load."""
    return descriptor_class(desc), desc.write, desc.rho


def _appendable(ch: ChannelFlow, desc: FluidDescriptor) -> bool:
    """Whether ``desc`` continues ``ch``'s sequence: same class, direction and engine load."""
    if not ch.seq:
        return False
    last = ch.seq[-1][1]
    return desc.write == last.write and desc.rho == last.rho and descriptor_class(desc) == ch.cls


def _at_bound(ch: ChannelFlow, window: float) -> bool:
    """Whether a cursor of ``ch`` has reached a bound that changes its rates (module docstring of
    ``fluid_flows.ChannelFlow``): the read-ahead or the write-behind full or empty, the sequence's end."""
    a = ch.ahead
    if ch.cls == CODED_LOAD:
        return ((ch.rate > ch.srv_rate and a <= EPS_BYTES)
                or (ch.srv_rate > ch.rate and (a >= window - EPS_BYTES or ch.srv >= ch.end - EPS_BYTES)))
    if ch.cls == CODED_STORE:
        return ((ch.rate > ch.srv_rate and -a >= window - EPS_BYTES)
                or (ch.srv_rate > ch.rate and -a <= EPS_BYTES) or (ch.rate > 0 and ch.prog >= ch.end - EPS_BYTES))
    return False


def _next_bound_ns(ch: ChannelFlow, window: float) -> float:
    """Time until a cursor of ``ch`` reaches a descriptor's end or a bound (ns)."""
    # (Conditional expressions for min and max: the same values, without the calls.)
    dt = INF
    y, x = ch.srv_rate, ch.rate
    cls = ch.cls
    first = x if cls == CODED_STORE else y
    if ch.filling and first > 0:
        dt = ch.fill / first
    srv = ch.srv
    if y > 0:
        lim = srv + EPS_BYTES
        for e in ch.seq:
            if e[0] > lim:
                t = (e[0] - srv) / y
                dt = t if t < dt else dt
                break
    if cls == UNCODED:
        return dt
    prog = ch.prog
    if x > 0:
        lim = prog + EPS_BYTES
        for e in ch.seq:
            if e[0] > lim:
                t = (e[0] - prog) / x
                dt = t if t < dt else dt
                break
    a = srv - prog
    if cls == CODED_LOAD:
        if x > y:
            t = (a if a > 0.0 else 0.0) / (x - y)
        elif y > x:
            t = window - a
            t = (t if t > 0.0 else 0.0) / (y - x)
        else:
            return dt
    else:
        if x > y:
            t = window + a
            t = (t if t > 0.0 else 0.0) / (x - y)
        elif y > x:
            t = -a
            t = (t if t > 0.0 else 0.0) / (y - x)
        else:
            return dt
    return t if t < dt else dt


def _channels(layout: Layout, window_bytes: int) -> list[ChannelFlow]:
    """The DMA channels with their streams (``socsim.regions`` layout), windows free."""
    out = []
    for k, (load_place, store_place) in enumerate(layout.channels):
        load = Stream(load_place.bank)
        out.append(ChannelFlow(k, load, Stream(store_place.bank) if layout.split else load, window=float(window_bytes),
                               fill=float(window_bytes)))
    return out


def _batch_done(ev) -> None:
    ev.value.done.succeed()
