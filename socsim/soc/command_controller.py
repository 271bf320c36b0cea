"""Burst fidelity with ``soc.dram.model: command``: bus bursts granted by the arbiter into a command-level controller.

Masters queue bursts with the same ``enqueue(master, bank, row, is_write, owner, token)`` as
``socsim.soc.controller``. At each DRAM clock the controller (``socsim.model.dram_controller``)
ticks first; then, if the bus is free, the arbiter picks a master whose head burst the controller's
read queue or write buffer can take, and that burst holds the bus for b / bus peak. A burst of b
bytes is ⌈b / device burst⌉ consecutive device bursts (the device burst is the minimum access: a
smaller bus burst still costs a whole one). Clocks in which nothing can change are
skipped. A read's data reaches its master ``latency_ns`` − RL after it left the DRAM (the preset's
pipeline latency includes RL, which the device models); a write is posted, done when accepted.

**Speed, with the same results as a simpy event per clock.** The clocks run are those at which
the clock-by-clock controller may change (``DramController.next_event``); before
``DramController.next_possible`` its tick is skipped (nothing can issue or move), a burst that did
not fit its DRAM queue is not offered again until the queues change, and the clocks that come before
any other event of the simulation run in one simpy callback, each at the time its own event would
have run at. tests/soc/test_command_fast_path.py holds the clock-by-clock original as a reference.

**Address map of the streams.** Each stream's bursts come with the bank B and row r of its region
(``socsim.regions``; by default the bank-partitioned layout of ``socsim.model.dram``): bank B is
rank B // banks, then bank group (B mod banks) mod bank groups and bank (B mod banks) // bank
groups, so consecutive bank indices sit in different bank groups; the row is r mod the device's
rows; consecutive bursts of one row take consecutive columns. The byte address is the device's ``address_mapping``
of that place (``socsim.model.address_map``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque

import simpy
from simpy.events import Timeout

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.model.dram_controller import DramController, refresh_interval_cycles, stream_addresses
from socsim.scenario import DramControllerSpec, DramDeviceSpec


class CommandStats:
    """Per master: data-bus time, bus bursts, row outcomes of their first device bursts (hit, bank
    closed, conflict) and turnarounds (not counted by this model: 0)."""

    def __init__(self, n: int):
        self.busy_ns = [0.0] * n
        self.bursts = [0] * n
        self.kinds = [[0, 0, 0] for _ in range(n)]
        self.turns = [0] * n


class CommandMemoryController:
    """The path to a command-level DRAM shared by masters through an arbiter (module docstring)."""

    def __init__(self, env: simpy.Environment, model: DramModel, arbiter: Arbiter, device: DramDeviceSpec,
                 spec: DramControllerSpec):
        self.env = env
        self.arbiter = arbiter
        self.ctrl = DramController(device, spec)
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
        self._ref_interval = refresh_interval_cycles(device)
        self._timeless = type(arbiter).next_change_ns is Arbiter.next_change_ns
        """Whether the arbiter's choice depends on the queues and its grants only: an arbiter whose
        choice may change with time says when (``next_change_ns``); the others keep the base one."""
        self._enqueued = 0
        """Bursts queued so far (count)."""
        self._full: tuple[int, int, int] | None = None
        """(read queue and write buffer lengths, _enqueued) when the burst the arbiter chose found its
        DRAM queue full: it is chosen, and does not fit, again until one of them changes or a grant."""
        self._quiet = 0
        """Before this clock the controller's tick cannot change anything (clock; 0: unknown)."""
        self._chain: list[int] | None = None
        """The device's earliest-issue clocks after the clock the controller went quiet at; None while busy."""
        # Invariant: _quiet and _chain describe the controller's state since its last change.
        # Invariant: _pending counts device bursts handed to the DRAM controller and not yet done.

    def refresh_ns(self) -> float:
        """Time the device spent in REF so far: REF commands × tRFC (ns)."""
        return self.ctrl.stats.refreshes * self.device.tRFC * self._tck

    def enqueue(self, master: int, bank: int, row: int, is_write: bool, owner, token) -> None:
        """Queue one burst of master ``master``; ``owner.burst_done(token, cost_ns)`` runs on arrival."""
        self.queues[master].append((bank, row, is_write, owner, token))
        self.queued += 1
        self._enqueued += 1
        clk = max(math.ceil(self.env.now / self._tck - 1e-9), self._last_clk + 1)
        if self._next_clk is None or clk < self._next_clk:
            self._schedule(clk)

    def _schedule(self, clk: int) -> None:
        self._gen += 1
        self._next_clk = clk
        delay = max(0.0, clk * self._tck - self.env.now)
        Timeout(self.env, delay, self._gen).callbacks.append(self._step)

    def _step(self, ev) -> None:
        """Run the scheduled clock, then every following clock that comes before any other event of
        the simulation in the same call: each at the very time (``env.now``) its own event would have
        run at (simpy's ``now + delay``), so nothing else can tell the two apart (fewer events)."""
        if ev._value != self._gen:
            return
        env, tck = self.env, self._tck
        clk = self._next_clk
        while True:
            nxt = self._clock(clk)
            if nxt is None:
                return
            now = env.now
            at = now + max(0.0, nxt * tck - now)
            if at >= env.peek():
                self._schedule(nxt)
                return
            env._now = at  # simpy's clock, as its step() sets it for the next event (simpy 4)
            clk = nxt

    def _clock(self, clk: int) -> int | None:
        """One DRAM clock: tick the controller, admit a burst, deliver what finished; the next clock
        to run, None when nothing is left to do."""
        self._next_clk = None
        self._last_clk = clk
        ctrl = self.ctrl
        # Before _quiet the controller's tick changes nothing (DramController.next_possible): skipped.
        changed = False if clk < self._quiet else ctrl.tick(clk)
        wake = None
        if self.queued:
            admitted, wake = self._admit(clk)
            changed = changed or admitted
        if ctrl.cas or ctrl.done:
            self._deliver()
        if changed:
            self._quiet = 0
            self._chain = None
        if not (self._pending or self.queued):
            return None
        nxt = clk + 1 if changed else self._next_event(clk)
        if wake is not None:
            nxt = min(nxt, max(clk + 1, math.ceil(wake / self._tck - 1e-9)))
        return nxt

    def _next_event(self, clk: int) -> int:
        """``DramController.next_event(clk)`` while nothing changes: the device's earliest-issue clocks
        are taken once when the controller goes quiet and stepped through (clock)."""
        ctrl = self.ctrl
        if self._chain is None:
            self._chain = ctrl.future_clocks(clk)
        if clk >= self._quiet:
            self._quiet = ctrl.next_possible(clk)
        nxt = (clk // self._ref_interval + 1) * self._ref_interval
        chain = self._chain
        i = bisect_right(chain, clk)
        return chain[i] if i < len(chain) and chain[i] < nxt else nxt

    def _admit(self, clk: int) -> tuple[bool, float | None]:
        """Grant at most one burst into the DRAM controller at ``clk``: (granted, time to try again or None)."""
        now = clk * self._tck
        if now < self._bus_free:
            return False, self._bus_free
        ctrl = self.ctrl
        waiting = (len(ctrl.read_q), len(ctrl.write_buf), self._enqueued)
        if waiting == self._full:
            return False, None
        i = self.arbiter.pick(self.queues, now, lambda _i: now + self._bus_ns)
        if i is None:
            return False, self.arbiter.next_change_ns(self.queues, now)
        bank, row, is_write, owner, token = self.queues[i][0]
        room = self.ctrl.spec.trans_queue_size - len(ctrl.write_buf if is_write else ctrl.read_q)
        if room < self._parts:
            if self._timeless:
                self._full = waiting
            return False, None
        self.queues[i].popleft()
        self.queued -= 1
        self._full = None
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
        col = self._columns.get((bank, row), 0)
        self._columns[(bank, row)] = (col + self._parts) % (d.columns // d.BL)
        return stream_addresses(d, self.ctrl.amap, bank, row, col, self._parts)

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
