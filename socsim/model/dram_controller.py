"""Command-level memory controller: transaction queues, per-bank command queues, FR-FCFS, write drain, refresh.

One clock of ``tick`` does, in this order (the order of DRAMsim3's ``Controller::ClockTick``,
commit 29817593, which this controller follows so that its figures can be checked against it):

1. **Refresh.** Every tREFI / ranks clocks the next rank (staggered) needs an all-bank refresh; while
   one is pending its rank's queues issue nothing: open banks are precharged (as soon as PRE may
   issue), then REF issues once every bank is closed and may take it.
2. **Command.** Otherwise the per-bank command queues are visited round robin from the one after
   the last that issued; in each queue the oldest command whose next step (ACT, PRE, RD or WR,
   open-page policy) may issue now is taken (first-ready, first-come first-served). A PRE for an
   older request is held back while a younger request of the same queue hits the open row, unless
   the row has served ``row_hit_cap`` hits (the cap bounds starvation); a WR waits for an older RD
   of the same column. On HBM (separate row and column command buses) a second command may issue in
   the same clock: the next one found, if it is a column command and the first was not, or the
   reverse.
3. **Transaction.** One transaction moves from the read queue (or, while draining, the write
   buffer) into its bank's command queue, the oldest whose queue has room. Draining starts when the
   write buffer is full, or holds more than ``write_low_watermark`` with every command queue empty,
   and lasts for the writes the buffer held then; a write whose address a queued read still waits
   for ends it, and the read queue moves a transaction in that clock instead.

Writes are posted (done one clock after they are accepted); a read to a buffered write's address
is served from the buffer. A read is done RL + BL/2 clocks after its RD issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from socsim.model.address_map import AddressMap
from socsim.model.dram_device import ACT, PRE, RD, REF, WR, DramDevice
from socsim.scenario import DramControllerSpec, DramDeviceSpec


class Txn:
    """One burst-sized transaction and where it goes."""

    __slots__ = ("added", "addr", "bank", "col", "kind", "missed", "row", "tag")

    def __init__(self, addr: int, kind: int, bank: int, row: int, col: int, added: int, tag):
        self.addr = addr
        self.kind = kind
        self.bank = bank
        self.row = row
        self.col = col
        self.added = added
        self.tag = tag
        self.missed = 0
        """0 until an ACT (1: the bank was closed) or a PRE (2: another row was open) is issued for it."""


@dataclass
class ControllerStats:
    """Counts of what the controller did (commands, clocks)."""

    reads: int = 0
    """RD commands (count)."""
    writes: int = 0
    """WR commands (count)."""
    row_hits: int = 0
    """RD/WR to a row that had served an access since its ACT (count)."""
    activates: int = 0
    """ACT commands (count)."""
    refreshes: int = 0
    """REF commands (count)."""
    read_latency: list[int] = field(default_factory=list)
    """Per read served by the DRAM: accept to data returned (clocks)."""


class DramController:
    """One channel's controller over a ``DramDevice`` (module docstring); all times are clocks."""

    def __init__(self, device: DramDeviceSpec, spec: DramControllerSpec, amap: AddressMap | None = None):
        self.spec = spec
        self.dev = DramDevice(device)
        self.amap = amap if amap is not None else address_map(device)
        self._banks_per_rank = device.banks
        self._bpg = device.banks_per_group
        n = self.dev.n_banks
        self.cmdq: list[list[Txn]] = [[] for _ in range(n)]
        self.read_q: list[Txn] = []
        self.write_buf: list[Txn] = []
        self.pending_reads: dict[int, list[Txn]] = {}
        self.pending_writes: set[int] = set()
        self._rr = 0
        self._draining = 0
        self._refresh_q: list[int] = []
        self._next_rank = 0
        self._ref_interval = device.tREFI // device.ranks
        self.done: list[tuple[object, int]] = []
        """(tag, clock its data is done) of every finished transaction: reads when their data has
        left the DRAM, writes (posted) one clock after they are accepted."""
        self.cas: list[tuple[object, int]] = []
        """(tag, 0 row hit / 1 bank was closed / 2 row conflict) of every RD and WR issued, in order."""
        self.stats = ControllerStats()

    def will_accept(self, is_write: bool) -> bool:
        """Whether a read (write) transaction fits its queue now."""
        return len(self.write_buf if is_write else self.read_q) < self.spec.trans_queue_size

    def add(self, addr: int, is_write: bool, clk: int, tag=None) -> None:
        """Accept a one-burst transaction at byte address ``addr`` at ``clk`` (``will_accept`` must hold)."""
        a = self.amap.decode(addr)
        bank = a.rank * self._banks_per_rank + a.bankgroup * self._bpg + a.bank
        t = Txn(addr, WR if is_write else RD, bank, a.row, a.column, clk, tag)
        if is_write:
            if addr not in self.pending_writes:
                self.pending_writes.add(addr)
                self.write_buf.append(t)
            self.done.append((tag, clk + 1))
        elif addr in self.pending_writes:
            self.done.append((tag, clk + 1))
        else:
            waiting = self.pending_reads.setdefault(addr, [])
            waiting.append(t)
            if len(waiting) == 1:
                self.read_q.append(t)

    def tick(self, clk: int) -> bool:
        """One controller clock (module docstring); True when any state changed."""
        changed = False
        if clk and clk % self._ref_interval == 0:
            self._refresh_q.append(self._next_rank)
            self._next_rank = (self._next_rank + 1) % self.dev.spec.ranks
            changed = True
        step = self.dev.refresh_step(self._refresh_q[0], clk) if self._refresh_q else None
        if step is not None:
            self._issue_refresh_step(*step, clk)
            first = step[0]
        else:
            first = self._issue_command(clk)
        if first is not None and self.dev.spec.dual_command:
            self._issue_command(clk, first not in (RD, WR))
        return self._schedule() or changed or first is not None

    def next_event(self, clk: int) -> int:
        """The next clock after ``clk`` at which an idle controller may change (clock)."""
        nxt = (clk // self._ref_interval + 1) * self._ref_interval
        t = self.dev.next_change(clk)
        return nxt if t is None or t > nxt else t

    def _issue_refresh_step(self, cmd: int, bank: int, clk: int) -> None:
        self.dev.issue(cmd, bank, -1, clk)
        if cmd == REF:
            self._refresh_q.pop(0)
            self.stats.refreshes += 1

    def _issue_command(self, clk: int, column: bool | None = None) -> int | None:
        """Issue the command step 2 of the module docstring finds, if any, and return its kind. With
        ``column`` given (the second command of a dual-command clock), the command found is issued only
        if it is a column command (RD, WR) exactly when ``column`` is True; the round robin moves on to
        its queue either way, as in DRAMsim3's ``Controller::ClockTick``."""
        n = len(self.cmdq)
        refreshing = self._refresh_q[0] if self._refresh_q else -1
        for i in range(1, n + 1):
            q = (self._rr + i) % n
            queue = self.cmdq[q]
            if not queue or q // self._banks_per_rank == refreshing:
                continue
            found = self._first_ready(queue, clk)
            if found is not None:
                self._rr = q
                if column is not None and (found[1] in (RD, WR)) != column:
                    return None
                self._issue(found, queue, clk)
                return found[1]
        return None

    def _first_ready(self, queue: list[Txn], clk: int) -> tuple[int, int] | None:
        """(position, command) of the oldest command of ``queue`` that may issue at ``clk``."""
        dev = self.dev
        for pos, t in enumerate(queue):
            cmd = dev.required(t.bank, t.row, t.kind)
            if clk < dev.ready_at(t.bank, cmd):
                continue
            if cmd == PRE:
                if not self._precharge_allowed(queue, pos):
                    continue
            elif cmd == WR and any(u.kind == RD and u.row == t.row and u.col == t.col for u in queue[:pos]):
                continue
            return pos, cmd
        return None

    def _precharge_allowed(self, queue: list[Txn], pos: int) -> bool:
        """FR-FCFS with a cap: close the row only for the oldest request, and only when no queued
        request hits it or it has served ``row_hit_cap`` hits."""
        if pos:
            return False
        bank = queue[0].bank
        open_row = self.dev.open_row[bank]
        if self.dev.hits[bank] >= self.spec.row_hit_cap:
            return True
        return not any(t.row == open_row for t in queue)

    def _issue(self, found: tuple[int, int], queue: list[Txn], clk: int) -> None:
        pos, cmd = found
        t = queue[pos]
        dev, st = self.dev, self.stats
        if cmd == RD or cmd == WR:
            outcome = 0 if dev.hits[t.bank] else (t.missed or 1)
            if dev.hits[t.bank]:
                st.row_hits += 1
            del queue[pos]
            if cmd == RD:
                st.reads += 1
                end = clk + dev.read_delay
                for r in self.pending_reads.pop(t.addr):
                    self.done.append((r.tag, end))
                    st.read_latency.append(end - r.added)
            else:
                st.writes += 1
                self.pending_writes.discard(t.addr)
            self.cas.append((t.tag, outcome))
        elif cmd == ACT:
            st.activates += 1
            t.missed = max(t.missed, 1)
        else:
            t.missed = 2
        dev.issue(cmd, t.bank, t.row, clk)

    def _schedule(self) -> bool:
        """Move one transaction into its command queue (module docstring, step 3); True on any change."""
        cap, wb = self.spec.cmd_queue_size, self.write_buf
        draining = self._draining
        if draining == 0 and (len(wb) >= self.spec.trans_queue_size
                              or (len(wb) > self.spec.write_low_watermark and not any(self.cmdq))):
            draining = len(wb)
        if draining > 0:
            for i, t in enumerate(wb):
                if len(self.cmdq[t.bank]) < cap:
                    if t.addr in self.pending_reads:
                        # An older read of this address must go first: the drain ends and the read
                        # queue is served in this very clock (DRAMsim3 29817593 restarts the drain every
                        # clock instead, and with a full write buffer never serves that read).
                        draining = 0
                        break
                    self.cmdq[t.bank].append(t)
                    del wb[i]
                    self._draining = draining - 1
                    return True
            else:
                changed = draining != self._draining
                self._draining = draining
                return changed
        self._draining = draining
        for i, t in enumerate(self.read_q):
            if len(self.cmdq[t.bank]) < cap:
                self.cmdq[t.bank].append(t)
                del self.read_q[i]
                return True
        return False


def address_map(device: DramDeviceSpec, channels: int = 1) -> AddressMap:
    """The address map of a device's ``address_mapping`` scheme over ``channels`` channels (count)."""
    counts = {"ch": channels, "ra": device.ranks, "bg": device.bankgroups, "ba": device.banks_per_group,
              "ro": device.rows, "co": device.columns // device.BL}
    return AddressMap.of(device.address_mapping, device.burst_bytes, counts)


@dataclass(frozen=True)
class TraceResult:
    """What the controller served of a saturating trace in a window of clocks."""

    cycles: int
    """Window (clocks)."""
    reads: int
    """RD commands (count)."""
    writes: int
    """WR commands (count)."""
    row_hits: int
    """RD/WR that hit an already accessed open row (count)."""
    activates: int
    """ACT commands (count)."""
    refreshes: int
    """REF commands (count)."""
    mean_read_latency: float | None
    """Accept to data of the reads done in the window (clocks)."""

    @property
    def bursts(self) -> int:
        """RD + WR commands (count)."""
        return self.reads + self.writes

    def share_of_peak(self, burst_cycles: int) -> float:
        """Bursts × burst clocks / window (0..1)."""
        return self.bursts * burst_cycles / self.cycles

    @property
    def row_hit_rate(self) -> float:
        """Row hits / bursts (0..1)."""
        return self.row_hits / self.bursts if self.bursts else 0.0


def run_trace(ctrl: DramController, bursts: list[tuple[int, bool]], cycles: int) -> TraceResult:
    """Offer ``bursts`` (byte address, is_write) in order, each as soon as the controller accepts it
    (at most one per clock, after the controller's clock, as DRAMsim3's trace CPU), for ``cycles`` clocks."""
    clk, k, n = 0, 0, len(bursts)
    while clk < cycles:
        changed = ctrl.tick(clk)
        if k < n and ctrl.will_accept(bursts[k][1]):
            ctrl.add(bursts[k][0], bursts[k][1], clk)
            k += 1
            changed = True
        clk = clk + 1 if changed else ctrl.next_event(clk)
    st = ctrl.stats
    lat = [x for x in st.read_latency]
    return TraceResult(cycles, st.reads, st.writes, st.row_hits, st.activates, st.refreshes,
                       sum(lat) / len(lat) if lat else None)
