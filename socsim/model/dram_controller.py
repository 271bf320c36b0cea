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

from socsim.model.address_map import AddressMap, DramAddress
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
        self._rooms = 0
        """Command-queue slots freed so far (count)."""
        self._blocked = [0, 0, 0]
        """[_rooms, leading transactions of the read queue, of the write buffer] whose command queue
        was full when _rooms had that value (counts)."""
        self._idle: tuple[int, int, int, int] | None = None
        """(_rooms, read queue and write buffer lengths, drain state) when a transaction last could not move."""
        self._ref_interval = refresh_interval_cycles(device)
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
        """The next clock after ``clk`` at which any earliest-issue clock of the device passes or a
        refresh falls due (clock); ``next_possible`` is the tighter one."""
        nxt = (clk // self._ref_interval + 1) * self._ref_interval
        t = self.dev.next_change(clk)
        return nxt if t is None or t > nxt else t

    def next_possible(self, clk: int) -> int:
        """The first clock after ``clk`` at which ``tick`` may change anything, when ``tick(clk)``
        changed nothing and no transaction arrived since (clock).

        Nothing but the clock moves until then: a queued command waits only on earliest-issue clocks
        (the FR-FCFS and same-column rules depend on the queues, which do not change), so the next
        chance of queue q is the first of its bank's ACT (tFAW included; bank closed) or PRE, RD and
        WR (bank open) clocks after ``clk``; of a pending refresh, its rank's PRE (open banks) and
        REF (closed banks) clocks; and the next refresh falls due at a multiple of tREFI / ranks.
        Ticks before it change nothing, so skipping them leaves every result as it was."""
        best = (clk // self._ref_interval + 1) * self._ref_interval
        dev = self.dev
        ready, open_row = dev.ready, dev.open_row
        bpr = self._banks_per_rank
        refreshing = self._refresh_q[0] if self._refresh_q else -1
        if refreshing >= 0:
            for b in range(refreshing * bpr, (refreshing + 1) * bpr):
                t = ready[b][PRE] if open_row[b] >= 0 else ready[b][REF]
                if clk < t < best:
                    best = t
        for q, queue in enumerate(self.cmdq):
            if not queue or q // bpr == refreshing:
                continue
            r = ready[q]
            if open_row[q] < 0:
                t = dev.ready_at(q, ACT)
                if clk < t < best:
                    best = t
                continue
            for t in (r[PRE], r[RD], r[WR]):
                if clk < t < best:
                    best = t
        return best

    def future_clocks(self, clk: int) -> list[int]:
        """Every earliest-issue clock of the device after ``clk``, tFAW expiries included, sorted
        without repeats: the clocks ``next_event`` steps through while nothing changes (clocks)."""
        return self.dev.future_clocks(clk)

    def _issue_refresh_step(self, cmd: int, bank: int, clk: int) -> None:
        self.dev.issue(cmd, bank, -1, clk)
        if cmd == REF:
            self._refresh_q.pop(0)
            self.stats.refreshes += 1

    def _issue_command(self, clk: int, column: bool | None = None) -> int | None:
        """Issue the command step 2 of the module docstring finds, if any, and return its kind. With
        ``column`` given (the second command of a dual-command clock), the command found is issued only
        if it is a column command (RD, WR) exactly when ``column`` is True; the round robin moves on to
        its queue either way, as in DRAMsim3's ``Controller::ClockTick``.

        Queue q holds the commands of bank q only, so a queue is passed over at once when the clock
        is before every earliest-issue clock its commands could need (ACT for a closed bank; PRE, RD
        or WR for an open one): the same queues are visited, in the same order, as a full scan."""
        cmdq = self.cmdq
        n = len(cmdq)
        refreshing = self._refresh_q[0] if self._refresh_q else -1
        bpr = self._banks_per_rank
        dev = self.dev
        ready, open_row = dev.ready, dev.open_row
        rr = self._rr
        for i in range(1, n + 1):
            q = (rr + i) % n
            queue = cmdq[q]
            if not queue or q // bpr == refreshing:
                continue
            r = ready[q]
            if open_row[q] < 0:
                if clk < r[ACT] or clk < dev.ready_at(q, ACT):
                    continue
                found = (0, ACT)
            elif clk < r[PRE] and clk < r[RD] and clk < r[WR]:
                continue
            else:
                found = self._first_ready(queue, clk)
                if found is None:
                    continue
            self._rr = q
            if column is not None and (found[1] in (RD, WR)) != column:
                return None
            self._issue(found, queue, clk)
            return found[1]
        return None

    def _first_ready(self, queue: list[Txn], clk: int) -> tuple[int, int] | None:
        """(position, command) of the oldest command of ``queue`` (one bank's, its row open) that may
        issue at ``clk``: a RD or WR to the open row, or a PRE for the oldest request (FR-FCFS)."""
        bank = queue[0].bank
        r = self.dev.ready[bank]
        open_row = self.dev.open_row[bank]
        for pos, t in enumerate(queue):
            if t.row != open_row:
                if pos == 0 and clk >= r[PRE] and self._precharge_allowed(queue):
                    return 0, PRE
                continue
            cmd = t.kind
            if clk < r[cmd]:
                continue
            if cmd == WR and any(u.kind == RD and u.row == t.row and u.col == t.col for u in queue[:pos]):
                continue
            return pos, cmd
        return None

    def _precharge_allowed(self, queue: list[Txn]) -> bool:
        """FR-FCFS with a cap: close the row (for the oldest request) only when no queued request hits
        it or it has served ``row_hit_cap`` hits."""
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
            self._rooms += 1
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
        """Move one transaction into its command queue (module docstring, step 3); True on any change.

        A transaction that finds its command queue full stays blocked until a command queue frees a
        slot (``_rooms`` counts them): the blocked leading transactions of the read queue and the
        write buffer are remembered (``_blocked``) and not scanned again, and a call that changed
        nothing changes nothing again until a slot frees or a transaction arrives (``_idle``)."""
        key = (self._rooms, len(self.read_q), len(self.write_buf), self._draining)
        if key == self._idle:
            return False
        if self._blocked[0] != self._rooms:
            self._blocked = [self._rooms, 0, 0]
        wb = self.write_buf
        draining = self._draining
        if draining == 0 and (len(wb) >= self.spec.trans_queue_size
                              or (len(wb) > self.spec.write_low_watermark and not any(self.cmdq))):
            draining = len(wb)
        if draining > 0:
            i = self._first_with_room(wb, 2)
            if i is None:
                changed = draining != self._draining
                self._draining = draining
                if not changed:
                    self._idle = key
                return changed
            t = wb[i]
            if t.addr not in self.pending_reads:
                self.cmdq[t.bank].append(t)
                del wb[i]
                self._draining = draining - 1
                return True
            # An older read of this address must go first: the drain ends and the read queue is
            # served in this very clock (DRAMsim3 29817593 restarts the drain every clock instead,
            # and with a full write buffer never serves that read).
            draining = 0
        self._draining = draining
        i = self._first_with_room(self.read_q, 1)
        if i is None:
            self._idle = (self._rooms, len(self.read_q), len(wb), draining)
            return False
        t = self.read_q[i]
        self.cmdq[t.bank].append(t)
        del self.read_q[i]
        return True

    def _first_with_room(self, txns: list[Txn], which: int) -> int | None:
        """Position of the first of ``txns`` (the read queue: ``which`` 1, the write buffer: 2) whose
        command queue has room, None if none; the ones before it are blocked (``_blocked[which]``)."""
        cap, cmdq = self.spec.cmd_queue_size, self.cmdq
        for i in range(self._blocked[which], len(txns)):
            if len(cmdq[txns[i].bank]) < cap:
                self._blocked[which] = i
                return i
        self._blocked[which] = len(txns)
        return None


def refresh_interval_cycles(device: DramDeviceSpec) -> int:
    """Clocks between two all-bank refreshes of the channel, tREFI / ranks (ranks staggered) (clocks)."""
    return device.tREFI // device.ranks


def stream_addresses(device: DramDeviceSpec, amap: AddressMap, bank: int, row: int, col: int, parts: int) -> list[int]:
    """Byte addresses of ``parts`` device bursts from column burst ``col`` (wrapping in its row) of
    row ``row`` of stream bank ``bank``: bank B is rank B // banks, bank group (B mod banks) mod bank
    groups, bank (B mod banks) // bank groups (consecutive bank indices in different bank groups);
    the row is ``row`` mod the device's rows."""
    per_row = device.columns // device.BL
    rank, local = divmod(bank % (device.banks * device.ranks), device.banks)
    group, b = local % device.bankgroups, local // device.bankgroups
    return [amap.encode(DramAddress(rank, group, b, row % device.rows, (col + k) % per_row)) for k in range(parts)]


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
        clk = clk + 1 if changed else ctrl.next_possible(clk)
    st = ctrl.stats
    lat = [x for x in st.read_latency]
    return TraceResult(cycles, st.reads, st.writes, st.row_hits, st.activates, st.refreshes,
                       sum(lat) / len(lat) if lat else None)
