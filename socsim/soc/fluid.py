"""Fast fidelity: the burst model's rules applied to fluid rates, with events only when rates change.

Between events every *flow* — the accelerator's busy DMA channels and the other masters — moves
bytes at a constant rate. At an event (a descriptor's data done, a master's backlog emptied, a
change of a master's arrival rate, a new batch of descriptors, the end of the frames) the rates are
computed again:

1. Cost per byte κ_i of each flow, from the DRAM model's rules (``socsim.model.dram``): t_B/b, plus
   one row conflict per row crossed (per request for random addresses), plus the amortised
   turnaround for written bytes while reads are also served. A stream that shares a bank with
   other active streams conflicts whenever the bank's previous burst was another stream's: on a
   share min(1, X/x) of its bursts, with x its rate and X the others' in that bank (taken from a
   first solve; every burst when they alternate).
2. Capacity: the server time per ns left after refresh, 1 − (tRFC + Σ_s p_s·δ_s)/tREFI, where every
   stream active in a refresh interval reopens its row (δ = tRCD; a random master saves tRP).
3. Demands: a master with a backlog asks for ∞; one without asks for its arrival rate; the
   accelerator asks for Σ_c min(window cap, engine cap) over its busy channels. The window cap
   is max_outstanding·b / rtt (Little's law) with rtt = κ_c·b + L [+ engine latency and one
   burst of engine time] + the residual service of other masters' bursts Σ_j u_j·c_j/2, reduced
   by the round trips a closed loop loses to refresh blackouts; the codec engine is shared by the
   compressed channels in equal bursts (E / Σ raw-per-compressed ratios).
4. Rates: the arbiter's fluid rule (``Arbiter.fluid_rates``) — max-min fair for round robin, by
   weights, strict priority, slot fractions for TDMA, budget-capped for MemGuard. The
   accelerator's share is split over its busy channels by water filling under their caps.

A descriptor's data is done when its channel has moved its bytes; it completes L (plus the
engine's latency and one burst of engine time when compressed) later. A channel's next
descriptor of the same kind (direction, engine use, ratio) changes no rate, so it costs one event
and no new solve. Other masters' latency percentiles are estimates: while a master has no fluid
backlog its requests are served FIFO among themselves at the rate it would get if backlogged
(Lindley's recursion), while it has one they wait for the fluid to serve that backlog; both add
L (TDMA slot waits are not included). Random arrivals enter the fluid averaged over windows of
a thousandth of the frame period (1–50 µs). The tests bound the difference to the burst fidelity
at 2 % on frame latency and bytes delivered.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np
import simpy

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.model.engine import CodecEngine
from socsim.model.masters import Source
from socsim.soc.dma import Batch

INF = math.inf
EPS_BYTES = 1e-3
EPS_NS = 1e-6


class _Channel:
    __slots__ = ("index", "banks", "desc", "remaining", "rate", "kappa", "cap", "mpb", "tpb", "taken_ns")

    def __init__(self, index: int, banks: tuple[int, int]):
        self.index = index
        self.taken_ns = 0.0
        """When it took its current descriptor (ns)."""
        self.banks = banks
        """Bank of its loads, bank of its stores (``socsim.model.dram`` address map)."""
        self.desc = None
        self.remaining = 0.0
        self.rate = 0.0
        self.kappa = 0.0
        self.cap = 0.0
        self.mpb = 0.0
        self.tpb = 0.0


class FluidSystem:
    """The shared path at fast fidelity: accelerator DMA channels and other masters as fluid flows."""

    def __init__(self, env: simpy.Environment, model: DramModel, arbiter: Arbiter, sources: Sequence[Source],
                 channels: int, max_outstanding: int, engine: CodecEngine | None, window_ns: float = 50_000.0):
        self.env = env
        self.model = model
        self.arbiter = arbiter
        self.sources = list(sources)
        self.engine = engine
        self.window = max_outstanding
        n = self.n = 1 + len(self.sources)
        npu_banks, master_banks = model.stream_banks(channels, len(self.sources))
        self.channels = [_Channel(c, banks) for c, banks in enumerate(npu_banks)]
        self.master_bank = [-1] + master_banks
        self.queue: deque = deque()
        self.t = 0.0
        self.rate = [0.0] * n
        self.demand = [0.0] * n
        self.kappa = [model.sequential_kappa()] * n
        self.mpb = [0.0] * n
        self.tpb = [0.0] * n
        self.served = [0.0] * n
        self.busy = [0.0] * n
        self.misses = [0.0] * n
        self.turns = [0.0] * n
        self.backlog = [0.0] * n
        self.arrival = [0.0] * n
        self.fluid_in = [0.0] * n
        self.requested = [0] * n
        self.stop_ns = INF
        self._segs = [None] * n
        self._next_seg: list[tuple[float, float] | None] = [None] * n
        for i, s in enumerate(self.sources, start=1):
            seg = s.fluid_segments(window_ns)
            t0, r0 = next(seg)
            assert t0 == 0.0, "fluid segments start at time 0"
            self.arrival[i] = r0
            self._segs[i] = seg
            self._next_seg[i] = next(seg, None)
            self.backlog[i] = self.fluid_in[i] = float(s.fluid_initial_bytes)
        self._wf = [0.0] + [src.write_fraction for src in self.sources]
        self._rb = [1] + [src.request_bytes for src in self.sources]
        self._rand = [False] + [src.random_addresses for src in self.sources]
        # Constants of the cost rules (ns per byte), computed once.
        b = model.burst_bytes
        self._rows = bool(model.row_bytes)
        self._seq = model.sequential_kappa()
        self._shared_k = model.t_burst_ns / b + model.t_miss_ns / b
        self._turn_k = model.turn_kappa()
        self._base_k = [self._seq] + [model.random_kappa(rb) if rnd else self._seq
                                      for rb, rnd in zip(self._rb[1:], self._rand[1:])]
        self._base_mpb = [1.0 / model.row_bytes if self._rows else 0.0] + [
            (math.ceil(rb / model.row_bytes) / rb if rnd else 1.0 / model.row_bytes) if self._rows else 0.0
            for rb, rnd in zip(self._rb[1:], self._rand[1:])]
        self._reopen = [model.t_rcd_ns] + [-model.t_rp_ns if rnd else model.t_rcd_ns for rnd in self._rand[1:]]
        self._may_share = self._rows and model.stream_count(channels, len(self.sources)) > model.banks
        self.bytes_requested = 0
        """Accelerator bytes submitted (bytes)."""
        self.bytes_delivered = 0
        self.latencies: list[float] = []
        """Submit-to-completion time of every accelerator descriptor (ns)."""
        self.engine_busy_ns = 0.0
        self.log_t: list[float] = []
        self.log: list[tuple[list[float], list[float], float, list[float]]] = []
        """Per solve: (demands, costs per byte, capacity, rates)."""
        self.log_served: list[list[float]] = []
        self.log_backlog: list[list[float]] = []
        self._gen = 0
        self._timer_at = INF
        self.solves = 0
        self._solve()
        self._schedule()

    # ---- the accelerator's DMA ------------------------------------------------------------
    def submit(self, sizes: Sequence[int], raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> Batch:
        """Queue one descriptor per size (same contract as the burst DmaEngine.submit)."""
        self._advance()
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
            self.queue.append((size, int(raw[k]), c, write, batch, rho if c else 0.0))
            if c:
                self.engine_busy_ns += int(raw[k]) / self.engine.gbps
        for ch in self.channels:
            if ch.desc is None and self.queue:
                self._start(ch)
        self._solve()
        self._schedule()
        return batch

    def _start(self, ch: _Channel) -> None:
        ch.desc = self.queue.popleft() if self.queue else None
        ch.taken_ns = self.env.now
        ch.remaining = float(ch.desc[0]) if ch.desc is not None else 0.0

    def _finish(self, ch: _Channel) -> None:
        size, raw, coded, write, batch, rho = ch.desc
        now = self.env.now
        done = now + self.model.latency_ns
        if coded:
            done += self.engine.latency_ns + self.model.burst_bytes * rho / self.engine.gbps
        batch.bytes += size
        batch.spans.append((ch.index, ch.taken_ns, done, size))
        batch.busy_ns += size * ch.kappa
        batch.last_ns = max(batch.last_ns, done)
        self.bytes_delivered += size
        self.latencies.append(done - batch.submit_ns)
        batch.pending -= 1
        if batch.pending == 0:
            ev = self.env.timeout(batch.last_ns - now, batch)
            ev.callbacks.append(_batch_done)

    @property
    def idle(self) -> bool:
        """True when the accelerator's DMA has nothing queued or moving."""
        return not self.queue and all(ch.desc is None for ch in self.channels)

    # ---- the other masters ----------------------------------------------------------------
    def stop(self) -> None:
        """The frames are done: masters issue nothing more; what they requested before now drains."""
        self._advance()
        now = self.env.now
        self.stop_ns = now
        for i, s in enumerate(self.sources, start=1):
            _, sizes, _, _ = s.requests_until(now)
            total = int(sizes.sum())
            self.requested[i] = total
            q = self.backlog[i] + total - self.fluid_in[i]
            if q < 0:
                # The fluid ran up to one window ahead of the requests: take that lead back.
                self.served[i] += q
                q = 0.0
            self.backlog[i] = q
            self.fluid_in[i] = float(total)
            self.arrival[i] = 0.0
            self._next_seg[i] = None
        self._solve()
        self._schedule()

    @property
    def drained(self) -> bool:
        """True when the masters' requests issued before ``stop`` have all been served."""
        return all(q <= EPS_BYTES for q in self.backlog)

    # ---- the fluid engine -----------------------------------------------------------------
    def _advance(self) -> None:
        now = self.env.now
        dt = now - self.t
        if dt <= 0:
            return
        rate, kappa = self.rate, self.kappa
        for i in range(self.n):
            x = rate[i]
            if x:
                moved = x * dt
                self.served[i] += moved
                self.busy[i] += moved * kappa[i]
                self.misses[i] += moved * self.mpb[i]
                self.turns[i] += moved * self.tpb[i]
            if i:
                a = self.arrival[i]
                if a:
                    self.fluid_in[i] += a * dt
                if a or self.backlog[i] > 0:
                    q = self.backlog[i] + (a - x) * dt
                    self.backlog[i] = q if q > 0 else 0.0
        for ch in self.channels:
            if ch.desc is not None and ch.rate:
                ch.remaining -= ch.rate * dt
        self.t = now

    def _on_timer(self, ev) -> None:
        if ev.value != self._gen:
            return
        self._timer_at = INF
        self._advance()
        now = self.env.now
        need = False
        for ch in self.channels:
            if ch.desc is not None and ch.remaining <= EPS_BYTES:
                old = ch.desc
                self._finish(ch)
                self._start(ch)
                # Same kind of descriptor (direction, engine, ratio): the rates stay as they are.
                new = ch.desc
                if new is None or new[2:4] != old[2:4] or new[5] != old[5]:
                    need = True
        for i in range(1, self.n):
            if self.backlog[i] <= EPS_BYTES and self.demand[i] == INF:
                self.backlog[i] = 0.0
                need = True
            nxt = self._next_seg[i]
            while nxt is not None and nxt[0] <= now + EPS_NS:
                if nxt[1] != self.arrival[i]:
                    self.arrival[i] = nxt[1]
                    need = True
                nxt = self._next_seg[i] = next(self._segs[i], None)
        if need:
            self._solve()
        self._schedule()

    def _schedule(self) -> None:
        now = self.env.now
        dt = INF
        for ch in self.channels:
            if ch.desc is not None and ch.rate > 0:
                dt = min(dt, ch.remaining / ch.rate)
        for i in range(1, self.n):
            q = self.backlog[i]
            if q > 0:
                drain = self.rate[i] - self.arrival[i]
                if drain > 0:
                    dt = min(dt, q / drain)
            nxt = self._next_seg[i]
            if nxt is not None:
                dt = min(dt, nxt[0] - now)
        if dt == INF:
            self._gen += 1
            self._timer_at = INF
            return
        at = now + max(dt, 0.0)
        if at == self._timer_at:
            return
        self._gen += 1
        self._timer_at = at
        ev = self.env.timeout(max(dt, 0.0), self._gen)
        ev.callbacks.append(self._on_timer)

    def _solve(self) -> None:
        """Recompute every flow's cost, demand and rate (the module docstring's steps 1–4).

        Two passes: the first assumes every flow with a demand is served, the second takes the
        flows' activity (bank sharing, refresh reopening, read/write mix) from the first's rates.
        """
        self.solves += 1
        busy = [ch for ch in self.channels if ch.desc is not None]
        demand, kappa, capacity = self._costs(busy, None)
        rates = self.arbiter.fluid_rates(demand, kappa, capacity)
        if self._second_pass(busy, demand, rates):
            demand, kappa, capacity = self._costs(busy, rates)
            rates = self.arbiter.fluid_rates(demand, kappa, capacity)
        self.rate = rates
        self.kappa = kappa
        self.demand = demand
        if busy:
            _split(busy, rates[0])
        self.log_t.append(self.env.now)
        self.log.append((demand, kappa, capacity, rates))
        self.log_served.append(list(self.served))
        self.log_backlog.append(list(self.backlog))

    def _window_keep(self, rtt: float) -> float:
        """Share of time a window-limited channel keeps moving despite refresh blackouts.

        Its bursts that reach the DRAM during a blackout wait for its end and the lost round trips
        are never made up (closed loop): per tREFI it loses tRFC − rtt/2 when tRFC ≥ rtt, else
        tRFC²/(2·rtt) (the chance rtt/… of meeting the blackout times the mean wait).
        """
        m = self.model
        if not m.refresh:
            return 1.0
        r = m.t_rfc_ns
        lost = r - rtt / 2 if r >= rtt else r * r / (2 * rtt)
        return max(0.0, 1.0 - lost / m.t_refi_ns)

    def _second_pass(self, busy: list[_Channel], demand: list[float], rates: list[float]) -> bool:
        """Whether the rates change what the first pass assumed (then solve again)."""
        for d, r in zip(demand, rates):
            if (d > 0) != (r > 0):
                return True
        if busy and any(r > 0 for r in rates[1:]):
            return True
        if not self.model.t_turn_ns:
            return False
        # The turnaround share depends on the rates unless an accelerator load runs meanwhile.
        return not any(not ch.desc[3] for ch in busy) and any(r > 0 for r in rates)

    def _costs(self, busy: list[_Channel], rates: list[float] | None) -> tuple[list[float], list[float], float]:
        """Demands, costs per byte and capacity; activity from ``rates`` when given, else from demand."""
        m = self.model
        b = m.burst_bytes
        n = self.n
        backlog, arrival = self.backlog, self.arrival
        if rates is None:
            active = [bool(busy)] + [backlog[i] > 0 or arrival[i] > 0 for i in range(1, n)]
        else:
            active = [r > 0 for r in rates]
        # Banks used by more than one active stream: a stream's burst conflicts when the bank's
        # previous burst came from another stream. With the first pass's rates x that is a share
        # min(1, X_others / x) of its bursts (every one when the others move at least as much:
        # they alternate); without rates, every burst.
        users: dict[int, int] = {}
        bank_rate: dict[int, float] = {}
        if self._may_share:
            if active[0]:
                per_channel = rates[0] / len(busy) if rates is not None and busy else 0.0
                for ch in busy:
                    bank = ch.banks[int(ch.desc[3])]
                    users[bank] = users.get(bank, 0) + 1
                    bank_rate[bank] = bank_rate.get(bank, 0.0) + per_channel
            for i in range(1, n):
                if active[i]:
                    bank = self.master_bank[i]
                    users[bank] = users.get(bank, 0) + 1
                    bank_rate[bank] = bank_rate.get(bank, 0.0) + (rates[i] if rates is not None else 0.0)

        def conflict_share(bank: int, own: float) -> float:
            if rates is None or own <= 0:
                return 1.0
            return min(1.0, (bank_rate[bank] - own) / own)
        # Turnaround: a write batch pays a pair when a read was served during it.
        p_read = 0.0
        if m.t_turn_ns:
            npu_reads = False
            npu_all_writes = bool(busy)
            for ch in busy:
                if ch.desc[3]:
                    continue
                npu_reads = True
                npu_all_writes = False
            if rates is None:
                p_read = 1.0 if npu_reads or any(active[i] and self._wf[i] < 1.0 for i in range(1, n)) else 0.0
            elif active[0] and npu_reads:
                p_read = 1.0
            else:
                written = rates[0] if npu_all_writes else 0.0
                episodes = 0.0
                for i in range(1, n):
                    written += rates[i] * self._wf[i]
                    episodes += rates[i] * (1.0 - self._wf[i]) / self._rb[i]
                p_read = min(1.0, episodes * m.write_batch_bytes / written) if written > 0 else 0.0
        turn = self._turn_k * p_read
        tpb = p_read / m.write_batch_bytes if m.t_turn_ns else 0.0
        demand = [0.0] * n
        kappa = [0.0] * n
        reopen = 0.0
        t_refi = m.t_refi_ns
        for i in range(1, n):
            wf = self._wf[i]
            shared = self._may_share and active[i] and users.get(self.master_bank[i], 0) > 1
            if shared:
                s = conflict_share(self.master_bank[i], rates[i] if rates is not None else 0.0)
                base = self._base_k[i]
                kappa[i] = base + s * max(0.0, self._shared_k - base) + wf * turn
                self.mpb[i] = self._base_mpb[i] + s * max(0.0, 1.0 / b - self._base_mpb[i])
            else:
                kappa[i] = self._base_k[i] + wf * turn
                self.mpb[i] = self._base_mpb[i]
            self.tpb[i] = wf * tpb
            backlogged = backlog[i] > 0
            if backlogged:
                demand[i] = INF
            elif arrival[i] > 0:
                demand[i] = arrival[i]
            if not active[i] or not self._rows:
                continue
            x = rates[i] if rates is not None else arrival[i]
            p = 1.0 if backlogged else min(1.0, x / self._rb[i] * t_refi)
            reopen += p * (-m.t_rp_ns if shared else self._reopen[i])
        # Bursts of window-limited channels also wait for the burst of another master in service:
        # the residual service Σ_j u_j·c_j/2, with u_j its share of server time, c_j its burst cost.
        wait = 0.0
        if rates is not None:
            for i in range(1, n):
                if rates[i] > 0:
                    wait += rates[i] * kappa[i] * kappa[i] * b / 2
        if busy:
            ksum = mpb = tps = npu_reopen = 0.0
            coded_rho = 0.0
            window_b = self.window * b
            lat = m.latency_ns
            for ch in busy:
                desc = ch.desc
                bank = ch.banks[int(desc[3])]
                shared = self._may_share and users.get(bank, 0) > 1
                if shared:
                    s = conflict_share(bank, rates[0] / len(busy) if rates is not None else 0.0)
                    k = self._seq + s * (self._shared_k - self._seq)
                    ch.mpb = self._base_mpb[0] + s * (1.0 / b - self._base_mpb[0])
                    npu_reopen -= m.t_rp_ns
                else:
                    k = self._seq
                    ch.mpb = self._base_mpb[0]
                    npu_reopen += m.t_rcd_ns
                if desc[3]:
                    k += turn
                    ch.tpb = tpb
                else:
                    ch.tpb = 0.0
                ch.kappa = k
                rtt = k * b + lat + wait
                if desc[2]:
                    rtt += self.engine.latency_ns + b * desc[5] / self.engine.gbps
                    coded_rho += desc[5]
                ch.cap = window_b / rtt * self._window_keep(rtt)
                ksum += k
                mpb += ch.mpb
                tps += ch.tpb
            if active[0]:
                reopen += npu_reopen
            if coded_rho > 0:
                share = self.engine.gbps / coded_rho
                for ch in busy:
                    if ch.desc[2] and ch.cap > share:
                        ch.cap = share
            nb = len(busy)
            demand[0] = sum(ch.cap for ch in busy)
            kappa[0] = ksum / nb
            self.mpb[0] = mpb / nb
            self.tpb[0] = tps / nb
        else:
            kappa[0] = self._seq
        capacity = 1.0
        if m.refresh:
            capacity = max(0.0, 1.0 - (m.t_rfc_ns + (reopen if self._rows else 0.0)) / t_refi)
        return demand, kappa, capacity

    # ---- results --------------------------------------------------------------------------
    def _log_arrays(self):
        if getattr(self, "_arrays", None) is None or len(self._arrays[0]) != len(self.log_t):
            demand = np.array([e[0] for e in self.log])
            kappa = np.array([e[1] for e in self.log])
            capacity = np.array([e[2] for e in self.log])
            rates = np.array([e[3] for e in self.log])
            served = np.array(self.log_served + [list(self.served)])
            backlog = np.array(self.log_backlog)
            self._arrays = (np.asarray(self.log_t), demand, kappa, capacity, rates, served, backlog)
        return self._arrays

    def potential(self, i: int) -> np.ndarray:
        """Per logged solve, the rate master i would have got with a backlog (bytes/ns)."""
        _, demand, kappa, capacity, rates, _, _ = self._log_arrays()
        return self.arbiter.potential(i, demand, kappa, capacity, rates)

    def request_latencies(self, i: int) -> np.ndarray:
        """Estimated latency of every request master i issued (ns); see the module docstring.

        While the master has no fluid backlog, requests queue FIFO among themselves at the rate
        it would get if backlogged; while it has one, a request waits until the fluid has served
        that backlog and the request itself. Both add the pipeline latency L.
        """
        times, sizes, _, _ = self.sources[i - 1].requests_until(self.stop_ns)
        if len(times) == 0:
            return np.zeros(0)
        log_t, _, _, _, rates_all, served_all, backlog_all = self._log_arrays()
        e = np.searchsorted(log_t, times, side="right") - 1
        theta = self.potential(i)[e]
        service = sizes / np.maximum(theta, 1e-12)
        # Lindley's recursion, vectorised: wait_k = C_k − min_{j≤k} C_j with C the running sum.
        c = np.empty(len(times))
        c[0] = 0.0
        np.cumsum(service[:-1] - np.diff(times), out=c[1:])
        latency = c - np.minimum.accumulate(c) + service
        backlog = backlog_all[:, i]
        use_curve = (backlog[e] > EPS_BYTES) | (theta <= 1e-12)
        if use_curve.any():
            # The fluid service curve: served bytes at the solve times, linear in between.
            k = np.flatnonzero(use_curve)
            ek = e[k]
            served = served_all[:, i]
            at = np.append(log_t, max(self.env.now, log_t[-1]))
            target = served[ek] + rates_all[ek, i] * (times[k] - log_t[ek]) + backlog[ek] + sizes[k]
            j = np.minimum(np.maximum(np.searchsorted(served, target, side="left"), 1), len(served) - 1)
            lo, hi = served[j - 1], served[j]
            span = hi - lo
            frac = np.where(span > 0, (target - lo) / np.where(span > 0, span, 1.0), 1.0)
            done = at[j - 1] + np.minimum(np.maximum(frac, 0.0), 1.0) * (at[j] - at[j - 1])
            floor = sizes[k] * (self.model.t_burst_ns / self.model.burst_bytes)
            latency[k] = np.maximum(done - times[k], floor)
        return latency + self.model.latency_ns


def _split(channels: list[_Channel], total: float) -> None:
    """Water filling: equal rates for the busy channels, each capped by its own limit."""
    left = total
    order = sorted(channels, key=lambda ch: ch.cap)
    k = len(order)
    for j, ch in enumerate(order):
        level = left / (k - j)
        ch.rate = min(ch.cap, level)
        left -= ch.rate


def _batch_done(ev) -> None:
    ev.value.done.succeed()
