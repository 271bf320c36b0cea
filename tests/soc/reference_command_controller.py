"""The burst fidelity's path to the command-level DRAM as first written: a simpy event every clock the
controller may change at (every earliest-issue clock of the device), the controller ticked at each.
The slow, obvious reference that ``socsim.soc.command_controller`` must match (tests/soc/test_command_fast_path.py).
It overrides how clocks are scheduled and bursts admitted; addresses, delivery and refresh time are
the controller's own."""

from __future__ import annotations

import math
from collections import deque

import simpy
from reference_dram import ReferenceDramController

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.scenario import DramControllerSpec, DramDeviceSpec
from socsim.soc.command_controller import CommandMemoryController, CommandStats


class ReferenceCommandMemoryController(CommandMemoryController):
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

    def enqueue(self, master: int, bank: int, row: int, is_write: bool, owner, token) -> None:
        """Queue one burst of master ``master``; ``owner.burst_done(token, cost_ns)`` runs on arrival."""
        self.queues[master].append((bank, row, is_write, owner, token))
        self.queued += 1
        clk = max(math.ceil(self.env.now / self._tck - 1e-9), self._last_clk + 1)
        if self._next_clk is None or clk < self._next_clk:
            self._schedule(clk)

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
