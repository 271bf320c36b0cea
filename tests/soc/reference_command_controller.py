"""The burst fidelity's path to the command-level DRAM as first written: a simpy event every clock the
controller may change at (every earliest-issue clock of the device), the controller ticked at each.
The slow, obvious reference that ``socsim.soc.command_controller`` must match (tests/soc/test_command_fast_path.py)."""

from __future__ import annotations

import math
from collections import deque

import simpy
from reference_dram import ReferenceDramController
from simpy.events import Timeout

from socsim.model.address_map import DramAddress
from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.scenario import DramControllerSpec, DramDeviceSpec
from socsim.soc.command_controller import CommandStats


class ReferenceCommandMemoryController:
    """The path to a command-level DRAM shared by masters through an arbiter (module docstring)."""

    def __init__(self, env: simpy.Environment, model: DramModel, arbiter: Arbiter, device: DramDeviceSpec,
                 spec: DramControllerSpec):
        self.env = env
        self.arbiter = arbiter
        self.ctrl = ReferenceDramController(device, spec)
        self.device = device
        self.dram = CommandStats(arbiter.n)
        self.queues: list[deque] = [deque() for _ in range(arbiter.n)]
        self.queued = 0
        """Bursts waiting for the arbiter (count)."""
        self.in_flight = 0
        """Bursts granted whose data has not reached the master yet (count)."""
        self._tck = device.tCK
        self._parts = -(-model.burst_bytes // device.burst_bytes)
        self._burst = model.burst_bytes
        self._bus_ns = model.burst_bytes / model.bus_gbps
        self._latency = max(0.0, model.latency_ns - (device.AL + device.CL) * device.tCK)
        self._cost = self._parts * device.burst_cycles * device.tCK
        self._bus_free = 0.0
        self._columns: dict[tuple[int, int], int] = {}
        self._gen = 0
        self._next_clk: int | None = None
        self._last_clk = -1
        self._pending = 0
        # Invariant: _pending counts device bursts handed to the DRAM controller and not yet done.

    def refresh_ns(self) -> float:
        """Time the device spent in REF so far: REF commands × tRFC (ns)."""
        return self.ctrl.stats.refreshes * self.device.tRFC * self._tck

    def enqueue(self, master: int, bank: int, row: int, is_write: bool, owner, token) -> None:
        """Queue one burst of master ``master``; ``owner.burst_done(token, cost_ns)`` runs on arrival."""
        self.queues[master].append((bank, row, is_write, owner, token))
        self.queued += 1
        clk = max(math.ceil(self.env.now / self._tck - 1e-9), self._last_clk + 1)
        if self._next_clk is None or clk < self._next_clk:
            self._schedule(clk)

    def _schedule(self, clk: int) -> None:
        self._gen += 1
        self._next_clk = clk
        delay = max(0.0, clk * self._tck - self.env.now)
        Timeout(self.env, delay, self._gen).callbacks.append(self._step)

    def _step(self, ev) -> None:
        if ev._value != self._gen:
            return
        clk = self._next_clk
        self._next_clk = None
        self._last_clk = clk
        changed = self.ctrl.tick(clk)
        wake = None
        if self.queued:
            admitted, wake = self._admit(clk)
            changed = changed or admitted
        self._deliver()
        if self._pending or self.queued:
            nxt = clk + 1 if changed else self.ctrl.next_event(clk)
            if wake is not None:
                nxt = min(nxt, max(clk + 1, math.ceil(wake / self._tck - 1e-9)))
            self._schedule(nxt)

    def _admit(self, clk: int) -> tuple[bool, float | None]:
        """Grant at most one burst into the DRAM controller at ``clk``: (granted, time to try again or None)."""
        now = clk * self._tck
        if now < self._bus_free:
            return False, self._bus_free
        i = self.arbiter.pick(self.queues, now, lambda _i: now + self._bus_ns)
        if i is None:
            return False, self.arbiter.next_change_ns(self.queues, now)
        bank, row, is_write, owner, token = self.queues[i][0]
        ctrl = self.ctrl
        room = self.ctrl.spec.trans_queue_size - len(ctrl.write_buf if is_write else ctrl.read_q)
        if room < self._parts:
            return False, None
        self.queues[i].popleft()
        self.queued -= 1
        self.arbiter.granted(i, self._burst, now)
        self._bus_free = now + self._bus_ns
        self.in_flight += 1
        group = [i, owner, token, self._parts, 0, False]
        for addr in self._addresses(bank, row):
            ctrl.add(addr, is_write, clk, group)
        self._pending += self._parts
        return True, None

    def _addresses(self, bank: int, row: int) -> list[int]:
        """Byte addresses of the device bursts of one bus burst of stream bank ``bank``, row ``row``."""
        d = self.device
        per_row = d.columns // d.BL
        col = self._columns.get((bank, row), 0)
        self._columns[(bank, row)] = (col + self._parts) % per_row
        rank, local = divmod(bank % (d.banks * d.ranks), d.banks)
        place = DramAddress(rank, local % d.bankgroups, local // d.bankgroups, row % d.rows, 0)
        amap = self.ctrl.amap
        return [amap.encode(DramAddress(place.rank, place.bankgroup, place.bank, place.row, (col + k) % per_row))
                for k in range(self._parts)]

    def _deliver(self) -> None:
        ctrl = self.ctrl
        for group, outcome in ctrl.cas:
            if not group[5]:  # the row outcome of a bus burst is its first device burst's
                group[5] = True
                self.dram.kinds[group[0]][outcome] += 1
        ctrl.cas.clear()
        for group, clk in ctrl.done:
            self._pending -= 1
            group[3] -= 1
            group[4] = max(group[4], clk)
            if group[3] == 0:
                i = group[0]
                self.dram.busy_ns[i] += self._cost
                self.dram.bursts[i] += 1
                at = group[4] * self._tck + self._latency
                Timeout(self.env, max(0.0, at - self.env.now), group).callbacks.append(self._arrived)
        ctrl.done.clear()

    def _arrived(self, ev) -> None:
        _, owner, token = ev._value[:3]
        self.in_flight -= 1
        owner.burst_done(token, self._cost)
