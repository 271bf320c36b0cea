"""Fast fidelity: the burst model's rules applied to fluid rates, with events only when rates change.

Between events every *flow* — the accelerator's busy DMA channels and the other masters — moves
bytes at a constant rate. At an event (a descriptor done, a cursor or queued bursts at a bound, a
master's backlog emptied, a request lump or a change of a master's arrival rate, a refresh stop
starting or ending, a new batch of descriptors, the end of the frames) the rates are computed
again by ``fluid_solve`` from the cost rules of ``fluid_costs``.

The accelerator's DMA (``fluid_dma``) follows the burst fidelity's per-descriptor pipeline: each
descriptor costs its own bursts' server time on its stream (t_B each, tRCD where its bank is
closed, tRP + tRCD per row it starts, from the stream's position), its channel's window issues a
lump of bursts that the server serves in issue order before the steady flow its round trips
allow, a window-limited run completes on its rounds, and the codec engine is a second stage that
a compressed load's server reads ahead of and a compressed store's writes behind.

Other masters' requests arrive as lumps and smooth rates (``fluid_arrivals``), a lump costing its
own row accesses; their latency percentiles are estimates (``fluid_latency``). Refresh: when the
fluid resolves time more finely than tREFI (``window_ns`` ≤ tREFI), every blackout stops the
server — from half a burst before it, the burst that would straddle its start — the codec engine
going on, and after it every stream active through it reopens its row; otherwise blackouts are
averaged into the capacity. ``benchmarks/fidelity_random.py`` measures the difference to the
burst fidelity; the tests bound it at 2 % on realistic transfers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import simpy

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.model.dram_steady import Mix
from socsim.model.engine import CodecEngine
from socsim.model.masters import Source
from socsim.regions import Layout, default_layout
from socsim.soc.dma import Batch
from socsim.soc.fluid_arrivals import arrivals
from socsim.soc.fluid_costs import (
    blackout_window,
    descriptor_cost,
    master_base_cost,
    reopen_chance,
    reopen_ns,
)
from socsim.soc.fluid_dma import FluidDma
from socsim.soc.fluid_fifo import close_backlogs
from socsim.soc.fluid_flows import MasterFlow, Stream
from socsim.soc.fluid_latency import SolveLog, potential, request_latencies
from socsim.soc.fluid_solve import SolverSetup, npu_age, solve
from socsim.soc.latency_stats import LatencyStats

INF = math.inf
EPS_BYTES = 1e-3
EPS_NS = 1e-6
CHAIN_MAX = 1024
"""Most fluid events run in one callback (``FluidSystem._chain``) (count)."""


class FluidSystem:
    """The shared path at fast fidelity: accelerator DMA channels and other masters as fluid flows."""

    def __init__(self, env: simpy.Environment, model: DramModel, arbiter: Arbiter, sources: Sequence[Source],
                 channels: int, max_outstanding: int, engine: CodecEngine | None, window_ns: float = 50_000.0,
                 layout: Layout | None = None, mix_kappa: Callable[[Mix], float] | None = None,
                 saturating_gbps: Callable | None = None):
        """``window_ns``: the time resolution of the fluid (averaging of random arrivals, refresh);
        ``layout``: every stream's place (``socsim.regions``; default: the default layout);
        ``mix_kappa``, ``saturating_gbps``: a command-level DRAM's cost of a mix of streams and what
        saturating streams get beside offered ones (``SolverSetup``)."""
        self.env = env
        self.model = model
        self.arbiter = arbiter
        self.sources = list(sources)
        self.engine = engine
        n = 1 + len(self.sources)
        layout = layout if layout is not None else default_layout(model.banks, channels, len(self.sources))
        self.dma = FluidDma(env, model, engine, layout, max_outstanding)
        self.masters = _masters(model, self.sources, layout, window_ns)
        self._requests = [s.cursor() for s in self.sources]
        self._arrivals = [arrivals(r, window_ns, m.lump_bytes) for r, m in zip(self._requests, self.masters)]
        self._next_arrival = [next(it, None) for it in self._arrivals]
        self._arrival_at = -INF
        """No arrival event of any master falls due before this time (ns)."""
        self.discrete_refresh = model.refresh and window_ns <= model.t_refi_ns
        self.setup = SolverSetup(model, arbiter, engine, max_outstanding * model.burst_bytes,
                                 averaged_refresh=model.refresh and not self.discrete_refresh,
                                 may_share=bool(model.row_bytes) and layout.any_shared, mix_kappa=mix_kappa,
                                 saturating_gbps=saturating_gbps)
        self._lead = model.t_burst_ns / 2
        self._stop_k = 0
        """Refresh whose server stop is known (its end includes the rows the masters reopen)."""
        self._stop_end = 0.0
        self._applied_k = 0
        """Refreshes whose reopening the busy channels have been charged."""
        self.t = 0.0
        self.served = [0.0] * n
        """Bytes served per master, accelerator first (bytes)."""
        self.busy = [0.0] * n
        """Server time per master (ns)."""
        self.misses = [0.0] * n
        """Row misses per master (count; expected values for the others)."""
        self.turns = [0.0] * n
        """Turnaround pairs charged per master (count; expected values)."""
        self.stop_ns = INF
        self.log = SolveLog()
        self._gen = 0
        self._timer_at = INF
        self.solves = 0
        self.chained = 0
        """Fluid events run in the callback of an earlier one, without a timer of their own (count)."""
        self.chain_max = CHAIN_MAX
        """Most events the next chain runs (count): the simulation lowers it so that its own checks
        (``socsim.soc.system``) come at the same event as if every event had its own timer."""
        self.fifo = arbiter.name == "fifo"
        self._head_served = False
        self._npu_age = None
        self._masters_t = 0.0
        """The other masters' state is that of this time (ns): ``env.now`` unless they are steady."""
        self._steady = False
        """Every other master is served as fast as it asks, without a backlog (``_set_steady``)."""
        self._take_arrivals(0.0)
        self._solve()
        self._schedule()

    # ---- the accelerator's DMA ------------------------------------------------------------
    def submit(self, sizes: Sequence[int], raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> Batch:
        """Queue one descriptor per size (same contract as the burst DmaEngine.submit)."""
        self._advance()
        self.dma.refreshes = self._refreshes(self.env.now)
        batch = self.dma.submit(sizes, raw, coded, write)
        self._solve()
        self._schedule()
        return batch

    @property
    def idle(self) -> bool:
        """True when the accelerator's DMA has nothing queued or moving."""
        return self.dma.idle

    @property
    def bytes_requested(self) -> int:
        """Accelerator bytes submitted (bytes)."""
        return self.dma.bytes_requested

    @property
    def bytes_delivered(self) -> int:
        """Accelerator bytes delivered (bytes)."""
        return self.dma.bytes_delivered

    @property
    def latencies(self) -> list[float]:
        """Submit-to-completion time of every accelerator descriptor (ns)."""
        return self.dma.latencies

    @property
    def engine_busy_ns(self) -> float:
        """Time the codec engine spent on uncompressed bytes (ns)."""
        return self.dma.engine_busy_ns

    def _refreshes(self, now: float) -> int:
        """Refreshes whose server stop has begun by ``now`` in discrete mode, else 0 (count)."""
        if not self.discrete_refresh:
            return 0
        return int((now + self._lead) // self.model.t_refi_ns)

    # ---- the other masters ----------------------------------------------------------------
    def stop(self) -> None:
        """The frames are done: masters issue nothing more; what they requested before now drains."""
        self._advance()
        now = self.env.now
        self._advance_masters(now)
        self.stop_ns = now
        for i, (requests, m) in enumerate(zip(self._requests, self.masters), start=1):
            total = requests.bytes_before(now)
            m.requested = total
            q = m.backlog + total - m.fluid_in
            if q < 0:
                # The fluid ran up to one window ahead of the requests: take that lead back.
                self.served[i] += q
                q = 0.0
            if self.fifo:
                m.flow(q - m.backlog, now, self.dma.next_order())
            m.backlog = q
            m.fluid_in = float(total)
            m.arrival = 0.0
            self._next_arrival[i - 1] = None
        self._arrival_at = INF
        self._arrivals = []
        self._requests = []
        self._solve()
        self._schedule()

    @property
    def requested(self) -> list[int]:
        """Bytes each master requested before the frames ended, accelerator entry 0 (bytes)."""
        return [0] + [m.requested for m in self.masters]

    @property
    def drained(self) -> bool:
        """True when the masters' requests issued before ``stop`` have all been served."""
        return all(m.backlog <= EPS_BYTES for m in self.masters)

    def _take_arrivals(self, now: float) -> bool:
        """Apply the masters' arrival events due by ``now``; True when a rate or backlog changed."""
        if now + EPS_NS < self._arrival_at:
            return False
        changed = False
        for k, m in enumerate(self.masters):
            nxt = self._next_arrival[k]
            while nxt is not None and nxt[0] <= now + EPS_NS:
                _, nbytes, rate = nxt
                if nbytes:
                    self._lump(m, nbytes, now)
                    changed = True
                if rate is not None and rate != m.arrival:
                    m.arrival = rate
                    changed = True
                nxt = self._next_arrival[k] = next(self._arrivals[k], None)
        self._arrival_at = min((nxt[0] for nxt in self._next_arrival if nxt is not None), default=INF)
        return changed

    def _lump(self, m: MasterFlow, nbytes: float, now: float) -> None:
        """Requests of ``nbytes`` arrive at once: the backlog and its server time grow (exact row costs)."""
        if m.random:
            m.work += nbytes * m.base_kappa
        else:
            size = round(nbytes / self.model.burst_bytes) * self.model.burst_bytes
            stream = m.stream
            stream.position = round(stream.position)
            refreshes = self._refreshes(now)
            work, _ = descriptor_cost(self.model, stream, size, refreshes)
            m.work += work
            stream.refresh_seen = refreshes
            stream.position += size
        if self.fifo:
            # FIFO: the accelerator's bursts already queued are served before this lump.
            self.dma.mark_queued()
            m.chunks.append([now, self.dma.next_order(), nbytes, True])
        m.backlog += nbytes
        m.fluid_in += nbytes

    # ---- refresh stops (discrete mode) ------------------------------------------------------
    def _stop_state(self, now: float) -> tuple[bool, float]:
        """(server stopped for a refresh at ``now``, when that changes (ns))."""
        m = self.model
        k = int((now + self._lead) // m.t_refi_ns)
        if k < 1:
            return False, blackout_window(m, 1, self._lead)[0]
        end = blackout_window(m, k, self._lead)[1]
        if self._stop_k != k:
            self._stop_k = k
            self._stop_end = end + self._masters_reopen()
        if now < self._stop_end - EPS_NS:
            return True, self._stop_end
        return False, blackout_window(m, k + 1, self._lead)[0]

    def _masters_reopen(self) -> float:
        """Server time the other masters spend reopening their rows after a refresh (ns)."""
        m = self.model
        if not m.row_bytes:
            return 0.0
        total = 0.0
        for f in self.masters:
            if f.active:
                p = reopen_chance(m, max(f.rate, f.arrival), f.request_bytes, f.backlog > 0)
                total += p * reopen_ns(m, f.request_bytes, f.random, f.backlog > 0)
        return max(0.0, total)

    def _reopen_channels(self, now: float) -> None:
        """After a refresh stop: busy channels whose stream was open pay tRCD on their next burst."""
        k = self._refreshes(now)
        if k > self._applied_k:
            self._applied_k = k
            self.dma.reopen(k)

    # ---- the fluid engine -----------------------------------------------------------------
    def _advance(self) -> None:
        """Move every flow on to ``env.now`` at its rates; steady masters (``_steady``) later."""
        now = self.env.now
        dt = now - self.t
        if dt <= 0:
            return
        if not self._steady:
            self._advance_masters(now)
        self.dma.advance(dt)
        self._sync_npu()
        self.t = now

    def _advance_masters(self, now: float) -> None:
        """Move the other masters on to ``now``: served bytes, arrivals, backlogs and their work."""
        dt = now - self._masters_t
        if dt <= 0:
            return
        self._masters_t = now
        served, busy, misses, turns = self.served, self.busy, self.misses, self.turns
        fifo = self.fifo
        i = 0
        for m in self.masters:
            i += 1
            x = m.rate
            if x:
                moved = x * dt
                served[i] += moved
                busy[i] += moved * m.kappa
                misses[i] += moved * m.miss_per_byte
                turns[i] += moved * m.turn_per_byte
            a = m.arrival
            if a:
                arrived = a * dt
                m.fluid_in += arrived
                m.stream.position += arrived
            if a or m.backlog > 0:
                q = m.backlog + (a - x) * dt
                if q > 0:
                    m.work = max(0.0, m.work + (a * m.base_kappa - x * m.own_kappa) * dt)
                    m.backlog = q
                else:
                    m.work = m.backlog = 0.0
                # Invariant: a master's chunks are kept under FIFO only, the one rule that reads them.
                if fifo and m.flow((a - x) * dt if q > 0 else -INF, now - dt, self.dma.next_order(), a * dt):
                    self._head_served = True

    def _sync_npu(self) -> None:
        """The accelerator's entries of the per-master totals come from its DMA."""
        d = self.dma
        self.served[0], self.busy[0], self.misses[0], self.turns[0] = d.served, d.busy, d.misses, d.turns

    def _on_timer(self, ev) -> None:
        """Run the fluid's event, then every following one that comes before any other event of the
        simulation (``_chain``)."""
        if ev.value != self._gen:
            return
        self._timer_at = INF
        self._handle()
        self._chain()

    def _handle(self) -> None:
        """The fluid's event at ``env.now``: advance, handle what is due, solve if rates change."""
        self._advance()
        now = self.env.now
        dma = self.dma
        masters = self.masters
        dma.refreshes = self._refreshes(now) if self.discrete_refresh else 0
        active = False
        for m in masters:
            if m.backlog > 0 or m.arrival > 0:
                active = True
                break
        dma.others_active = active
        need = dma.due()
        if self._head_served and self.fifo:
            need = True
        self._head_served = False
        # Invariant: a steady master has no backlog and asks for its arrival rate (not inf).
        for m in () if self._steady else masters:
            if m.backlog <= EPS_BYTES and m.demand == INF:
                m.backlog = 0.0
                m.chunks.clear()
                need = True
        if now + EPS_NS >= self._arrival_at:
            self._advance_masters(now)
            need |= self._take_arrivals(now)
        if self.discrete_refresh:
            need = True if self._reopen_if_resumed(now) else need
        if need:
            self._solve()

    def _reopen_if_resumed(self, now: float) -> bool:
        """At a refresh stop's start or end: charge the reopening; True when the capacity changed."""
        stopped, _ = self._stop_state(now)
        if not stopped:
            self._reopen_channels(now)
        return stopped != self._was_stopped

    def _next_dt(self) -> float:
        """Time from now to the fluid's next event (ns; inf if none)."""
        now = self.env.now
        dt = self.dma.next_event_ns()
        fifo = self.fifo
        if not self._steady:
            for m in self.masters:
                rate = m.rate
                if m.backlog > 0 and rate > m.arrival:
                    dt = min(dt, m.backlog / (rate - m.arrival))
                if fifo and len(m.chunks) > 1 and rate > 0:
                    dt = min(dt, m.chunks[0][2] / rate)
        dt = min(dt, self._arrival_at - now)
        if self.discrete_refresh and (not self.idle or any(m.active for m in self.masters)):
            dt = min(dt, self._stop_state(now)[1] - now)
        return dt

    def _schedule(self, dt: float | None = None) -> None:
        """A timer for the fluid's next event, ``dt`` from now (ns; default ``_next_dt``)."""
        if dt is None:
            dt = self._next_dt()
        if dt == INF:
            self._gen += 1
            self._timer_at = INF
            return
        now = self.env.now
        at = now + max(dt, 0.0)
        if at == self._timer_at:
            return
        self._gen += 1
        self._timer_at = at
        ev = self.env.timeout(max(dt, 0.0), self._gen)
        ev.callbacks.append(self._on_timer)

    def _chain(self) -> None:
        """Run the fluid's next events in this callback while each comes before every other event of
        the simulation, each at the very time its own timer would have run at (simpy's ``now +
        delay``), so that nothing else can tell the two apart; at most ``chain_max`` of them, and
        none once the frames are done (the simulation checks after each event whether it is over)."""
        env = self.env
        for _ in range(min(CHAIN_MAX, self.chain_max)):
            dt = self._next_dt()
            if dt == INF or self.stop_ns != INF:
                break
            at = env.now + (0.0 if 0.0 > dt else dt)
            if at >= env.peek():
                break
            env._now = at  # simpy's clock, as its step() sets it for the next event (simpy 4)
            self.chained += 1
            self._handle()
        else:
            dt = None
        self._schedule(dt)

    def _solve(self) -> None:
        """Recompute every flow's cost, demand and rate (``fluid_solve``) and log the solve."""
        self.solves += 1
        now = self.env.now
        self._advance_masters(now)
        stopped = False
        if self.discrete_refresh:
            stopped = self._stop_state(now)[0]
            if not stopped:
                self._reopen_channels(now)
        self._was_stopped = stopped
        self.dma.set_rooms()
        if self.fifo:
            self._close_backlogs()
        sol = solve(self.setup, self.dma.flows(), self.masters, not stopped)
        if self.dma.take_all():
            self.dma.set_rooms()
            sol = solve(self.setup, self.dma.flows(), self.masters, not stopped)
        self.dma.new_runs(now)
        self._sync_npu()
        self.log.append(now, sol.demand, sol.kappa, sol.capacity, sol.rates, self.served,
                        [0.0] + [m.backlog for m in self.masters])
        self._set_steady()

    def _set_steady(self) -> None:
        """After a solve: whether every other master is steady — no backlog, served at least as fast
        as its requests arrive, not under FIFO (whose backlogs' chunks move at every event), frames
        not done. Until the next solve (every change of a master's rates, arrivals or backlog
        comes with one) each then moves linearly, its backlog and work staying 0: its totals are
        brought up to date only where they are read (a solve, a lump, the frames' end), not at
        every event of the accelerator's DMA (the same sums, added in fewer steps)."""
        self._steady = not self.fifo and self.stop_ns == INF and all(
            m.backlog == 0 and m.rate >= m.arrival for m in self.masters)

    def _close_backlogs(self) -> None:
        """FIFO: when the accelerator's oldest lump changes, the masters' backlogs so far are older."""
        age = npu_age(self.dma.flows())
        if age is not None and age != self._npu_age:
            close_backlogs(self.masters)
        self._npu_age = age

    # ---- results --------------------------------------------------------------------------
    def request_latencies(self, i: int, into: LatencyStats) -> LatencyStats:
        """Add to ``into`` the estimated latency of every request master i issued (ns), its
        requests generated again a chunk at a time; see ``fluid_latency``."""
        theta = potential(self.arbiter, self.log, i, self.fifo)
        blocks = self.sources[i - 1].blocks(self.stop_ns)
        for latency in request_latencies(self.model, self.log, theta, blocks, self.served, self.env.now, i):
            into.add(latency)
        return into


def _masters(model: DramModel, sources: list[Source], layout: Layout, window_ns: float) -> list[MasterFlow]:
    """The other masters as flows: bank, address pattern, costs alone, lump size (a window's bytes)."""
    banks = [p.bank for p in layout.masters]
    out = []
    for s, bank in zip(sources, banks):
        kappa, mpb = master_base_cost(model, s.request_bytes, s.random_addresses)
        lump = max(float(model.burst_bytes), s.envelope()[1] * window_ns)
        out.append(MasterFlow(bank, s.write_fraction, s.request_bytes, s.random_addresses, kappa, mpb, lump,
                              Stream(bank)))
    return out
