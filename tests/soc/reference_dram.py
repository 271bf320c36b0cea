"""The command-level DRAM device and controller as first written: every clock of ``tick`` scans every
queue and every buffered transaction. The slow, obvious reference that ``socsim.model.dram_device``
and ``socsim.model.dram_controller`` must match clock for clock (tests/soc/test_command_fast_path.py)."""

from __future__ import annotations

from socsim.model.address_map import AddressMap
from socsim.model.dram_controller import ControllerStats, Txn, address_map
from socsim.model.dram_device import ACT, KINDS, PRE, RD, REF, WR, spacings
from socsim.scenario import DramControllerSpec, DramDeviceSpec


class ReferenceDramDevice:
    """Bank states and earliest-issue clocks of one channel; banks are numbered rank, group, bank (flat)."""

    def __init__(self, spec: DramDeviceSpec):
        self.spec = spec
        self.banks_per_rank = spec.banks
        n = spec.ranks * spec.banks
        self.n_banks = n
        self.ready = [[0] * KINDS for _ in range(n)]
        """Per bank and command kind: earliest clock it may issue (clock)."""
        self.open_row = [-1] * n
        """Per bank: the open row, −1 when closed."""
        self.hits = [0] * n
        """Per bank: RD/WR served by the open row since its ACT (count)."""
        self._faw = [[] for _ in range(spec.ranks)]
        # Invariant: _faw[rank] holds the expiry clocks (ACT clock + tFAW) of at most four ACTs, oldest first.
        self.read_delay = spec.AL + spec.CL + spec.burst_cycles
        """RD command to the end of its data on the bus (clocks)."""
        self._effects = self._build_effects(spec)

    def _build_effects(self, d: DramDeviceSpec) -> list[list[list[tuple[list[int], int, int]]]]:
        """Per bank and command kind: the (ready row of a bank, kind, clocks) pairs to raise."""
        table = spacings(d)
        bpr, bpg = d.banks, d.banks_per_group
        out = []
        for b in range(self.n_banks):
            per_kind = [[] for _ in range(KINDS)]
            for j in range(self.n_banks):
                if j == b:
                    rel = "same_bank"
                elif j // bpr != b // bpr:
                    rel = "other_rank"
                elif (j % bpr) // bpg == (b % bpr) // bpg:
                    rel = "same_group"
                else:
                    rel = "other_group"
                for kind, waits in table[rel].items():
                    per_kind[kind].extend((self.ready[j], k, c) for k, c in waits)
                if j // bpr == b // bpr:
                    per_kind[REF].extend((self.ready[j], k, c) for k, c in table["same_rank"][REF])
            out.append(per_kind)
        return out

    def rank_of(self, bank: int) -> int:
        """Rank of flat bank ``bank`` (index)."""
        return bank // self.banks_per_rank

    def required(self, bank: int, row: int, kind: int) -> int:
        """The command a RD or WR to ``row`` of ``bank`` needs next: ACT, PRE or itself."""
        open_row = self.open_row[bank]
        if open_row < 0:
            return ACT
        return kind if open_row == row else PRE

    def ready_at(self, bank: int, cmd: int) -> int:
        """Earliest clock ``cmd`` may issue to ``bank``, tFAW included for ACT (clock)."""
        t = self.ready[bank][cmd]
        if cmd == ACT:
            faw = self._faw[bank // self.banks_per_rank]
            if len(faw) >= 4 and faw[0] > t:
                return faw[0]
        return t

    def refresh_step(self, rank: int, clk: int) -> tuple[int, int] | None:
        """The command that advances an all-bank refresh of ``rank`` at ``clk``: (PRE, bank) for an open
        bank whose PRE may issue, (REF, first bank) once every bank is closed and may refresh, else None."""
        first = rank * self.banks_per_rank
        all_ready = True
        for b in range(first, first + self.banks_per_rank):
            if self.open_row[b] >= 0:
                if clk >= self.ready[b][PRE]:
                    return PRE, b
                all_ready = False
            elif clk < self.ready[b][REF]:
                all_ready = False
        return (REF, first) if all_ready else None

    def issue(self, cmd: int, bank: int, row: int, clk: int) -> None:
        """Issue ``cmd`` to ``bank`` (``row`` for ACT) at ``clk``: update the bank state and every spacing."""
        if cmd == ACT:
            faw = self._faw[bank // self.banks_per_rank]
            if faw and clk >= faw[0]:
                faw.pop(0)
            faw.append(clk + self.spec.tFAW)
            self.open_row[bank] = row
            self.hits[bank] = 0
        elif cmd == PRE:
            self.open_row[bank] = -1
            self.hits[bank] = 0
        elif cmd != REF:
            self.hits[bank] += 1
        for ready, kind, clocks in self._effects[bank][cmd]:
            if ready[kind] < clk + clocks:
                ready[kind] = clk + clocks

    def next_change(self, clk: int) -> int | None:
        """The smallest earliest-issue clock (tFAW expiries included) after ``clk``; None if none (clock)."""
        best = None
        for ready in self.ready:
            for t in ready:
                if t > clk and (best is None or t < best):
                    best = t
        for faw in self._faw:
            if faw and faw[0] > clk and (best is None or faw[0] < best):
                best = faw[0]
        return best


class ReferenceDramController:
    """One channel's controller over a ``DramDevice`` (module docstring); all times are clocks."""

    def __init__(self, device: DramDeviceSpec, spec: DramControllerSpec, amap: AddressMap | None = None):
        self.spec = spec
        self.dev = ReferenceDramDevice(device)
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
