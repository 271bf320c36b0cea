"""Burst fidelity: the memory controller that grants every bus burst through the arbiter to the DRAM.

Masters queue bursts with ``enqueue(master, bank, row, is_write, owner, token)``. Whenever the
path is free the controller asks the arbiter which master's head burst goes next, lets the DRAM
state compute its start (after any refresh blackout) and its cost, holds the path until the end of
its data phase, and calls ``owner.burst_done(token, cost_ns)`` ``latency_ns`` later, when the data
has reached the master. Each burst costs two simpy events (end of data phase, arrival).
Invariant: ``busy`` is True exactly while a granted burst's data phase is in progress, and every
queue holds only bursts that have not been granted.
"""

from __future__ import annotations

import itertools
from collections import deque

import simpy
from simpy.events import Timeout

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel, DramState


class MemoryController:
    """One server (the path to DRAM) shared by masters through an arbiter, burst by burst."""

    def __init__(self, env: simpy.Environment, model: DramModel, arbiter: Arbiter):
        self.env = env
        self.model = model
        self.arbiter = arbiter
        self.dram = DramState(model, arbiter.n)
        self.queues: list[deque] = [deque() for _ in range(arbiter.n)]
        self.busy = False
        self._seq = itertools.count()
        self._wake_at: float | None = None
        self.queued = 0
        """Bursts waiting in the queues (count)."""
        self.in_flight = 0
        """Bursts granted whose data has not reached the master yet (count)."""
        self._burst = model.burst_bytes
        self._latency = model.latency_ns

    def enqueue(self, master: int, bank: int, row: int, is_write: bool, owner, token) -> None:
        """Queue one burst of master ``master``; ``owner.burst_done(token, cost_ns)`` runs on arrival."""
        self.queues[master].append((next(self._seq), bank, row, is_write, owner, token))
        self.queued += 1
        if not self.busy:
            self._grant()

    def _end_if_granted(self, i: int) -> float:
        _, bank, row, is_write, _, _ = self.queues[i][0]
        start, cost, _, _, _ = self.dram.plan(bank, row, is_write, self.env.now)
        return start + cost

    def _grant(self) -> None:
        env = self.env
        now = env.now
        i = self.arbiter.pick(self.queues, now, self._end_if_granted)
        if i is None:
            t = self.arbiter.next_change_ns(self.queues, now)
            if t is not None and t > now and (self._wake_at is None or t < self._wake_at or self._wake_at <= now):
                self._wake_at = t
                env.timeout(t - now).callbacks.append(self._wake)
            return
        _, bank, row, is_write, owner, token = self.queues[i].popleft()
        self.queued -= 1
        start, end = self.dram.serve(i, bank, row, is_write, now)
        self.arbiter.granted(i, self._burst, start)
        self.busy = True
        self.in_flight += 1
        Timeout(env, end - now, (owner, token, end - start)).callbacks.append(self._data_done)

    def _wake(self, _ev) -> None:
        if not self.busy:
            self._grant()

    def _data_done(self, ev) -> None:
        self.busy = False
        Timeout(self.env, self._latency, ev._value).callbacks.append(self._arrived)
        if self.queued:
            self._grant()

    def _arrived(self, ev) -> None:
        owner, token, cost = ev._value
        self.in_flight -= 1
        owner.burst_done(token, cost)
