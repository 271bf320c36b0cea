"""The command-level DRAM controller's scheduling as first written: every clock of ``tick`` scans every
queue and every buffered transaction. The slow, obvious reference that ``socsim.model.dram_controller``
must match clock for clock (tests/soc/test_command_fast_path.py). It overrides only the scheduling
(queue scans, next event, command choice); the device (``DramDevice``) and the methods the fast path
left as they were (accepting, adding, ticking, refresh steps) are the controller's own."""

from __future__ import annotations

from socsim.model.address_map import AddressMap
from socsim.model.dram_controller import ControllerStats, DramController, Txn, address_map
from socsim.model.dram_device import ACT, PRE, RD, WR, DramDevice
from socsim.scenario import DramControllerSpec, DramDeviceSpec


class ReferenceDramController(DramController):
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

    def next_event(self, clk: int) -> int:
        """The next clock after ``clk`` at which an idle controller may change (clock)."""
        nxt = (clk // self._ref_interval + 1) * self._ref_interval
        t = self.dev.next_change(clk)
        return nxt if t is None or t > nxt else t

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
