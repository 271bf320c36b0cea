"""The DRAM behind the shared bus: one reduced timing model, used by both fidelities, and its worst case.

**Structure.** The channels of the interface run in lockstep (fine-grained channel interleaving
spreads every stream evenly over them), so the path to DRAM is one server of peak rate
P = min(bus peak, DRAM peak) that moves one burst of b bytes at a time; a burst's data phase
takes t_B = b / P. After its data phase a burst reaches its master ``latency_ns`` (L) later:
interconnect, controller, PHY and the read latency RL (CL) are pipelined, so they delay data but do
not occupy the server.

**Address map (bank-partitioned).** Traffic comes in *streams*, one per other master and, per DMA
channel of the accelerator, two when the banks allow it (its loads read input buffers, its stores
write output buffers elsewhere: 2·channels + masters ≤ banks) or else one for both directions.
Channel c's streams come first (banks 2c and 2c + 1, or bank c), then the other masters' in scenario
order; stream s owns bank s mod ``banks`` (streams beyond the bank count share banks;
``DramModel.stream_banks``). A stream lays its bytes out one after the other, so the
k-th byte of a sequential stream lies in row ⌊k / row_bytes⌋ of its bank. That is the default
layout; a scenario may place any stream in a region of its own choosing, one bank and a range of its
rows, so that streams share or avoid banks (``socsim.regions``; every consumer takes the resolved
``Layout``). A master with random
addresses opens a random row of its bank at every request and continues sequentially inside the
request. Streams therefore hit their open row until they cross into the next one; streams that
interleave in one bank evict each other's rows (row conflicts).

**Cost of a burst** (time it holds the server; bursts are served in grant order, one at a time,
with no overlap of a row activation with other banks' data — the conservative reduced model):

- row hit (its row is open):        t_B
- bank closed (first use, refresh): t_B + tRCD
- row conflict (another row open):  t_B + tRP + tRCD
- read/write turnaround, amortised by the controller's write drain: every ``write_batch_bytes``
  written bytes, the write that completes the batch also pays t_W2R + t_R2W, if at least one read
  was served since the previous pair (write-only traffic pays nothing).

So the access latency of an isolated hit is t_B + L and of a conflict tRP + tRCD + t_B + L, with
CL inside L (hit = CL + burst, miss = tRP + tRCD + CL + burst).

**Refresh.** All-bank refresh blackouts occupy [k·tREFI, k·tREFI + tRFC) for k = 1, 2, …; a burst
never straddles one (if it would end after a blackout starts, it starts after the blackout), and a
refresh closes every row. With tRFC = 0 there is no refresh.

**Simple model.** ``model: simple`` keeps only t_B and L: peak bandwidth plus a fixed latency (the
closed forms of the first socsim version).

**Fast fidelity (fluid) view of the same rules.** A sequential stream costs
κ = t_B/b + (tRP + tRCD)/row_bytes ns of server time per byte (one conflict per row it crosses); a
random-address master with requests of s bytes costs t_B/b + ⌈s/row_bytes⌉·(tRP + tRCD)/s; writes
add (t_W2R + t_R2W)/write_batch_bytes per byte while reads are also served. Refresh removes
tRFC/tREFI of the server's time, and every stream active in a refresh interval pays one tRCD to
reopen its row (a random master saves tRP instead). ``socsim.soc.fluid`` uses these numbers.

**Worst case** (``worst_case_service``). Let c₁ = t_B + tRP + tRCD + t_W2R + t_R2W bound any single
burst. For an access pattern in which every stream reads or writes at least ``run`` consecutive
bytes of one row before it may conflict (run = b for an *arbitrary* pattern: every burst a
conflict; run = row_bytes for the bank-partitioned map with sequential streams; run = the request
size for random-address masters) and S streams each owning its bank, a burst costs on average at
most c = t_B + (tRP + tRCD)·b/run + (t_W2R + t_R2W)·b/write_batch_bytes, plus S conflicts once
(each stream's first access in the window). In a window of length t in which the DRAM is
backlogged, at most ⌊t/tREFI⌋ + 1 refreshes start, each removing at most tRFC, the burst that does
not fit before it (c₁) and S row reopenings (S·tRCD); one burst may be in progress at the start
(c₁) and the turnaround counter may carry one extra pair. The DRAM therefore serves at least
β(t) = R·(t − T)⁺ bytes, delivered to the masters L later, with

    keep = 1 − (tRFC + c₁ + S·tRCD)/tREFI
    R    = (b/c)·keep
    T    = L + (tRFC + 2·c₁ + S·(tRCD + tRP + tRCD) + t_W2R + t_R2W) / keep

(without refresh keep = 1 and the tRFC, c₁ and S·tRCD of the refresh drop out). For the arbitrary
pattern S = 0 (every conflict is already in c). This is the rate-latency service curve the
analysis composes with the arbiter's guarantee (``socsim.model.arbitration``).

**Command-level DRAM.** ``model: command`` is simulated by ``socsim.model.dram_controller``; the
analysis bounds it through ``bound_model``: this reduced model with the controller's worst case
per traffic class (``socsim.model.dram_worst_case``, ``command_bound_model``): a row hit at the
CAS spacing, a whole bank cycle per row conflict, direction switches, refresh, and FR-FCFS's
overtaking in the latency, on the device's rows and banks and this address map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

from socsim.errors import ScenarioError
from socsim.regions import default_layout, splits_directions
from socsim.scenario import DramControllerSpec, DramDeviceSpec, SocSpec
from socsim.units import bandwidth_gbps

HIT, CLOSED, CONFLICT = 0, 1, 2


@dataclass(frozen=True)
class DramModel:
    """The resolved numbers of the path to DRAM that both fidelities use (times in ns, sizes in bytes)."""

    model: str
    """'simple', 'timing' or 'command' (the command-level device of ``socsim.model.dram_device``, burst
    fidelity only; this reduced model then carries only its peak, latency, banks and row size)."""
    bus_gbps: float
    """Peak bandwidth of the bus alone (GB/s)."""
    dram_gbps: float
    """Peak bandwidth of the DRAM alone (GB/s)."""
    rate_gbps: float
    """Data rate while a burst holds the path: min(bus, DRAM) (GB/s = bytes/ns)."""
    latency_ns: float
    """Pipeline latency L from the end of a data phase to the data at the master (ns)."""
    burst_bytes: int
    """Burst size b (bytes)."""
    banks: int = 1
    """Banks; stream s owns bank s mod banks (count)."""
    row_bytes: int = 0
    """Lockstep row size; 0 means every access hits (simple model) (bytes)."""
    t_cl_ns: float = 0.0
    """Read latency RL, included in latency_ns (ns)."""
    t_rcd_ns: float = 0.0
    """Cost of opening a row in a closed bank (ns)."""
    t_rp_ns: float = 0.0
    """Extra cost of closing another open row first (ns)."""
    t_rfc_ns: float = 0.0
    """Refresh blackout; 0: no refresh (ns)."""
    t_refi_ns: float = math.inf
    """Refresh interval (ns)."""
    t_turn_ns: float = 0.0
    """One write→read plus read→write turnaround pair, t_W2R + t_R2W (ns)."""
    write_batch_bytes: int = 1
    """Written bytes per turnaround pair (bytes)."""
    t_hit_extra_ns: float = 0.0
    """Server time every burst takes beyond t_B; nonzero only in the analysis's view of the
    command-level DRAM (``command_bound_model``: CAS spacing tCCD_L, the minimum access) (ns)."""

    @classmethod
    def from_spec(cls, soc: SocSpec) -> "DramModel":
        """The model of a chip's path to DRAM (bus, DRAM spec and the DMA burst size)."""
        bus = bandwidth_gbps(soc.bus.width_bytes, soc.bus.freq_mhz)
        dram = soc.dram.bandwidth_gbps
        common = dict(
            bus_gbps=bus, dram_gbps=dram, rate_gbps=min(bus, dram), latency_ns=soc.dram.access_latency_ns,
            burst_bytes=soc.dma.burst_bytes,
        )
        device = soc.dram.resolved_device
        if device is not None:
            common["dram_gbps"] = device.peak_gbps
            common["rate_gbps"] = min(bus, device.peak_gbps)
            return cls(model="command", banks=device.banks * device.ranks, row_bytes=device.row_bytes,
                       t_cl_ns=(device.AL + device.CL) * device.tCK, **common)
        timing = soc.dram.resolved_timing
        if timing is None:
            return cls(model="simple", **common)
        return cls(
            model="timing", banks=timing.banks, row_bytes=timing.row_bytes, t_cl_ns=timing.t_cl_ns,
            t_rcd_ns=timing.t_rcd_ns, t_rp_ns=timing.t_rp_ns, t_rfc_ns=timing.t_rfc_ns,
            t_refi_ns=timing.t_refi_ns if timing.t_rfc_ns > 0 else math.inf,
            t_turn_ns=timing.t_w2r_ns + timing.t_r2w_ns, write_batch_bytes=timing.write_batch_bytes, **common,
        )

    @cached_property
    def t_burst_ns(self) -> float:
        """Data phase of one burst, b / P (ns)."""
        return self.burst_bytes / self.rate_gbps

    @cached_property
    def t_serve_ns(self) -> float:
        """Server time of a row-hit burst, t_B + ``t_hit_extra_ns`` (ns)."""
        return self.t_burst_ns + self.t_hit_extra_ns

    @cached_property
    def t_miss_ns(self) -> float:
        """Extra cost of a row conflict, tRP + tRCD (ns)."""
        return self.t_rp_ns + self.t_rcd_ns

    @cached_property
    def refresh(self) -> bool:
        """True when refresh blackouts are modelled."""
        return self.t_rfc_ns > 0 and math.isfinite(self.t_refi_ns)

    @property
    def refresh_fraction(self) -> float:
        """Share of time lost to refresh blackouts, tRFC / tREFI."""
        return self.t_rfc_ns / self.t_refi_ns if self.refresh else 0.0

    def splits_directions(self, channels: int, masters: int) -> bool:
        """Whether each DMA channel's loads and stores are separate streams in the default layout
        (module docstring; ``socsim.regions.splits_directions``)."""
        return splits_directions(self.banks, channels, masters)

    def stream_count(self, channels: int, masters: int) -> int:
        """Streams of the default layout: one or two per DMA channel and one per other master."""
        return default_layout(self.banks, channels, masters).stream_count

    def stream_banks(self, channels: int, masters: int) -> tuple[list[tuple[int, int]], list[int]]:
        """Banks of the default layout: per DMA channel (its loads' bank, its stores' bank; the same
        bank, one stream, when the directions are not split), and per other master its bank."""
        layout = default_layout(self.banks, channels, masters)
        return [(lo.bank, st.bank) for lo, st in layout.channels], [p.bank for p in layout.masters]

    def sequential_kappa(self) -> float:
        """Server time per byte of a sequential stream: t_B/b + (tRP + tRCD)/row_bytes (ns/byte)."""
        k = self.t_serve_ns / self.burst_bytes
        return k + (self.t_miss_ns / self.row_bytes if self.row_bytes else 0.0)

    def random_kappa(self, request_bytes: int) -> float:
        """Server time per byte of a random-address master with requests of ``request_bytes`` (ns/byte)."""
        k = self.t_serve_ns / self.burst_bytes
        if not self.row_bytes:
            return k
        return k + math.ceil(request_bytes / self.row_bytes) * self.t_miss_ns / request_bytes

    def turn_kappa(self) -> float:
        """Extra server time per written byte while reads are also served (ns/byte)."""
        return self.t_turn_ns / self.write_batch_bytes

    def effective_gbps(self) -> float:
        """Bandwidth a lone, backlogged sequential read stream gets (GB/s).

        One conflict per row, refresh blackouts, and one tRCD per refresh interval to reopen the
        row: R_eff = (1 − (tRFC + tRCD)/tREFI) / κ_seq.
        """
        lost = (self.t_rfc_ns + self.t_rcd_ns) / self.t_refi_ns if self.refresh else 0.0
        return (1.0 - lost) / self.sequential_kappa()

    def single_burst_bound_ns(self) -> float:
        """c₁ of the module docstring: any single burst's server time, a row conflict and a whole
        turnaround pair included, t_B + tRP + tRCD + t_W2R + t_R2W (ns)."""
        return self.t_serve_ns + (self.t_miss_ns if self.row_bytes else 0.0) + self.t_turn_ns

    def refresh_keep(self, streams: int) -> float:
        """Share of a backlogged window left by refresh in the worst case with ``streams`` streams
        reopening their rows: 1 − (tRFC + c₁ + S·tRCD)/tREFI; 1 without refresh (module docstring)."""
        if not self.refresh:
            return 1.0
        return 1.0 - (self.t_rfc_ns + self.single_burst_bound_ns() + streams * self.t_rcd_ns) / self.t_refi_ns

    def worst_burst_ns(self) -> float:
        """Worst-case server time of one burst, c = t_B + tRP + tRCD + turnaround share (ns)."""
        c = self.t_serve_ns
        if self.row_bytes:
            c += self.t_miss_ns
        if self.t_turn_ns:
            c += self.t_turn_ns * self.burst_bytes / self.write_batch_bytes
        return c


def bound_model(soc: SocSpec) -> DramModel:
    """The DRAM model the analysis bounds: ``DramModel.from_spec``, or for the command-level DRAM its
    worst-case view (``command_bound_model``)."""
    model = DramModel.from_spec(soc)
    if model.model != "command":
        return model
    return command_bound_model(model, soc.dram.resolved_device, soc.dram.resolved_controller, soc.dma.channels)


def bound_models(soc: SocSpec) -> list[DramModel]:
    """Every DRAM model the frame bound may use, each sound on its own (the bound takes the smallest):
    ``bound_model``, and for the command-level DRAM also its view that charges direction switches
    half a pair per burst whatever the rows (``command_bound_model`` with ``per_drain`` False)."""
    model = DramModel.from_spec(soc)
    if model.model != "command":
        return [model]
    d, ctrl = soc.dram.resolved_device, soc.dram.resolved_controller
    return [command_bound_model(model, d, ctrl, soc.dma.channels),
            command_bound_model(model, d, ctrl, soc.dma.channels, per_drain=False)]


def command_bound_model(model: DramModel, d: DramDeviceSpec, ctrl: DramControllerSpec, channels: int,
                        per_drain: bool = True) -> DramModel:
    """The command-level DRAM as a reduced model whose costs are the controller's worst case per
    traffic class (``socsim.model.dram_worst_case``, "Per burst, by traffic class").

    A bus burst of b bytes is p = ⌈b / device burst⌉ device bursts. Row hit: p·h clocks (t_B plus
    ``t_hit_extra_ns``); a row conflict adds m + t_turn (tRP + tRCD of this model: tRCD the reopening
    after a refresh or in a closed bank, tRP the rest); direction switches: one pair t_turn per D
    written device bursts (``write_batch_bytes`` = D·b/p; ``drain_writes``), charged on every byte;
    or (``per_drain`` False) half a pair per device burst and none per row opening (a window with R
    reads and W writes has at most min(R, W) + 1 pairs), the smaller charge where most bursts open rows;
    row size and banks are the device's, so sequential streams pay m once per row and streams that
    share a bank once per burst (``socsim.analysis.bounds``). Refresh: tRFC + tRP every tREFI/ranks
    (the model adds the burst that does not fit, ≥ one bank cycle, and one reopening per stream).
    Latency: the pipeline L (RL included) + t_B after the RD, plus the accelerator's younger bursts
    that FR-FCFS may let pass one of its bursts (``overtakers`` of its 2·``channels`` streams, each
    ``overtake_cycles``): the analysis serves a master's bursts in order."""
    from socsim.model import dram_worst_case as W

    parts = -(-model.burst_bytes // d.burst_bytes)
    hit_ns = parts * W.hit_cycles(d) * d.tCK
    turn = W.turnaround_cycles(d)
    miss_ns = (W.miss_cycles(d) + (turn if per_drain else 0)) * d.tCK
    per_pair = W.drain_writes(d, ctrl) if per_drain else 2
    rcd_ns = min(miss_ns, max(d.tRCD, d.tRRD_L, math.ceil(d.tFAW / 4)) * d.tCK)
    overtake_ns = parts * W.overtakers(ctrl, 2 * channels) * W.overtake_cycles(d) * d.tCK
    return DramModel(
        model="timing", bus_gbps=model.bus_gbps, dram_gbps=model.dram_gbps, rate_gbps=model.rate_gbps,
        latency_ns=model.latency_ns + d.burst_cycles * d.tCK + overtake_ns,
        burst_bytes=model.burst_bytes, banks=model.banks, row_bytes=model.row_bytes, t_cl_ns=model.t_cl_ns,
        t_rcd_ns=rcd_ns, t_rp_ns=miss_ns - rcd_ns, t_rfc_ns=(d.tRFC + d.tRP) * d.tCK,
        t_refi_ns=d.tREFI / d.ranks * d.tCK, t_turn_ns=turn * d.tCK,
        write_batch_bytes=max(1, per_pair * model.burst_bytes // parts),
        t_hit_extra_ns=max(0.0, hit_ns - model.t_burst_ns),
    )


def command_fluid_model(model: DramModel) -> DramModel:
    """The command-level DRAM as the fast fidelity's fluid sees it: its bursts, pipeline latency,
    banks and rows, without row, turnaround or refresh costs of this reduced model (they are in the
    server time per byte of each mix of streams, ``socsim.model.dram_steady.mix_ns_per_byte``)."""
    return replace(model, model="timing")


def worst_case_service(model: DramModel, run_bytes: int | None = None, streams: int = 0) -> tuple[float, float]:
    """(R GB/s, T ns): the DRAM serves at least R·(t − T)⁺ bytes in any backlogged window of length t.

    ``run_bytes=None`` (default) is the arbitrary access pattern — every burst a row conflict with
    its share of turnaround; give ``run_bytes`` (the shortest run a stream keeps in one row) and
    ``streams`` (S, each in its own bank) for the bank-partitioned map. The formulas and their
    derivation are in the module docstring; T includes the pipeline latency L. The command-level
    model is bounded through its worst-case view (``bound_model``): ScenarioError for the model itself.
    """
    if model.model == "command":
        raise ScenarioError("soc.dram.model='command': bound its worst-case view (socsim.model.dram.bound_model)")
    b = model.burst_bytes
    miss = model.t_miss_ns if model.row_bytes else 0.0
    run = b if run_bytes is None else max(b, run_bytes)
    s = 0 if run_bytes is None else streams
    turn_share = model.t_turn_ns * b / model.write_batch_bytes if model.t_turn_ns else 0.0
    c = model.t_serve_ns + miss * b / run + turn_share
    c1 = model.single_burst_bound_ns()
    fixed = s * miss + c1 + model.t_turn_ns
    if not model.refresh:
        return b / c, model.latency_ns + fixed
    keep = model.refresh_keep(s)
    if keep <= 0:
        return 0.0, math.inf
    return (b / c) * keep, model.latency_ns + (model.t_rfc_ns + c1 + s * model.t_rcd_ns + fixed) / keep


class DramState:
    """Burst fidelity: the open rows, refresh schedule and turnaround counter, with per-master counts."""

    def __init__(self, model: DramModel, n_masters: int):
        self.m = model
        self.open_rows = [-1] * model.banks
        # Invariant: every refresh that started before the last served burst has closed the rows.
        self._refreshes_applied = 0
        self._written = 0
        self._read_seen = False
        self._next_ref_ns = model.t_refi_ns if model.refresh else math.inf
        self.busy_ns = [0.0] * n_masters
        self.bursts = [0] * n_masters
        self.kinds = [[0, 0, 0] for _ in range(n_masters)]
        """Per master: bursts that hit, found the bank closed, found another row open."""
        self.turns = [0] * n_masters

    def _row_cost(self, bank: int, row: int, closed: bool) -> tuple[float, int]:
        m = self.m
        if not m.row_bytes:
            return 0.0, HIT
        if closed:
            return m.t_rcd_ns, CLOSED
        open_row = self.open_rows[bank]
        if open_row == row:
            return 0.0, HIT
        if open_row < 0:
            return m.t_rcd_ns, CLOSED
        return m.t_miss_ns, CONFLICT

    def _turn(self, is_write: bool) -> bool:
        """Whether this burst pays a turnaround pair (no state change)."""
        m = self.m
        return bool(m.t_turn_ns) and is_write and self._read_seen and self._written + m.burst_bytes >= m.write_batch_bytes

    def plan(self, bank: int, row: int, is_write: bool, now: float) -> tuple[float, float, int, bool, int]:
        """(start, cost, row kind, turnaround, refreshes started by start) of a burst granted at ``now``."""
        m = self.m
        start = now
        n = 0
        closed = False
        if m.refresh:
            n = int(now // m.t_refi_ns)
            if n >= 1 and now < n * m.t_refi_ns + m.t_rfc_ns:
                start = n * m.t_refi_ns + m.t_rfc_ns
            closed = n > self._refreshes_applied
        row_ns, kind = self._row_cost(bank, row, closed)
        turn = self._turn(is_write)
        cost = m.t_burst_ns + row_ns + (m.t_turn_ns if turn else 0.0)
        if m.refresh and start + cost > (n + 1) * m.t_refi_ns and cost < m.t_refi_ns - m.t_rfc_ns:
            n += 1
            start = n * m.t_refi_ns + m.t_rfc_ns
            row_ns, kind = self._row_cost(bank, row, True)
            cost = m.t_burst_ns + row_ns + (m.t_turn_ns if turn else 0.0)
        return start, cost, kind, turn, n

    def serve(self, master: int, bank: int, row: int, is_write: bool, now: float) -> tuple[float, float]:
        """Serve one burst granted at ``now``: (start, end) of its data phase; updates the state."""
        m = self.m
        if now < self._next_ref_ns:
            # Fast path, far from a refresh: the rules of ``plan``, inlined.
            cost = m.t_burst_ns
            kind = HIT
            if m.row_bytes:
                open_row = self.open_rows[bank]
                if open_row != row:
                    if open_row < 0:
                        kind, cost = CLOSED, cost + m.t_rcd_ns
                    else:
                        kind, cost = CONFLICT, cost + m.t_rp_ns + m.t_rcd_ns
            turn = (is_write and self._read_seen and m.t_turn_ns > 0
                    and self._written + m.burst_bytes >= m.write_batch_bytes)
            if turn:
                cost += m.t_turn_ns
            if now + cost <= self._next_ref_ns:
                self._commit(master, bank, row, is_write, turn, kind, cost)
                return now, now + cost
        start, cost, kind, turn, n = self.plan(bank, row, is_write, now)
        if n > self._refreshes_applied:
            self.open_rows = [-1] * m.banks
            self._refreshes_applied = n
            self._next_ref_ns = (n + 1) * m.t_refi_ns
        self._commit(master, bank, row, is_write, turn, kind, cost)
        return start, start + cost

    def _commit(self, master: int, bank: int, row: int, is_write: bool, turn: bool, kind: int, cost: float) -> None:
        m = self.m
        if m.row_bytes:
            self.open_rows[bank] = row
        if is_write:
            self._written += m.burst_bytes
            if self._written >= m.write_batch_bytes:
                self._written -= m.write_batch_bytes
                if turn:
                    self._read_seen = False
        else:
            self._read_seen = True
        self.busy_ns[master] += cost
        self.bursts[master] += 1
        self.kinds[master][kind] += 1
        if turn:
            self.turns[master] += 1

    def refresh_ns(self, end_ns: float) -> float:
        """Time in [0, end_ns] covered by refresh blackouts (ns)."""
        m = self.m
        return refresh_ns(m, end_ns)


def refresh_ns(model: DramModel, end_ns: float) -> float:
    """Time in [0, end_ns] covered by refresh blackouts [k·tREFI, k·tREFI + tRFC), k ≥ 1 (ns)."""
    if not model.refresh or end_ns <= model.t_refi_ns:
        return 0.0
    n = int(end_ns // model.t_refi_ns)
    partial = min(model.t_rfc_ns, end_ns - n * model.t_refi_ns)
    return (n - 1) * model.t_rfc_ns + partial
