"""Arbitration of the shared bus/DRAM path among masters: a small plug-in interface.

An ``Arbiter`` grants one shared server (the data path to DRAM) to one request at a time. A master
calls ``request(master)`` and waits on the returned event; the holder calls ``release()`` when its
data phase is over, and the arbiter grants the next waiting request by its policy.
Invariant: ``holder`` is None exactly when no request is granted, and every queue holds only
requests that have not been granted.
"""

from __future__ import annotations

import itertools
from collections import deque

import simpy


class Arbiter:
    """Base arbiter: per-master FIFO queues, a single holder, busy-time and byte accounting."""

    name = "base"

    def __init__(self, env: simpy.Environment, masters: list[str]):
        self.env = env
        self.masters = list(masters)
        self.queues: dict[str, deque] = {m: deque() for m in self.masters}
        self.holder: str | None = None
        self._seq = itertools.count()
        self._granted_at = 0.0
        self.busy_ns: dict[str, float] = {m: 0.0 for m in self.masters}
        self.grants: dict[str, int] = {m: 0 for m in self.masters}

    def request(self, master: str) -> simpy.Event:
        """An event that fires when ``master`` holds the server."""
        ev = self.env.event()
        if self.holder is None and not any(self.queues.values()):
            self._grant(master, ev)
        else:
            self.queues[master].append((next(self._seq), ev))
        return ev

    def release(self) -> None:
        """End the current holder's data phase and grant the next request, if any."""
        self.busy_ns[self.holder] += self.env.now - self._granted_at
        self.holder = None
        nxt = self.pick()
        if nxt is not None:
            _, ev = self.queues[nxt].popleft()
            self._grant(nxt, ev)

    def _grant(self, master: str, ev: simpy.Event) -> None:
        self.holder = master
        self._granted_at = self.env.now
        self.grants[master] += 1
        ev.succeed()

    def pick(self) -> str | None:
        """The master whose head request is granted next (None if all queues are empty)."""
        raise NotImplementedError


class FifoArbiter(Arbiter):
    """First come, first served across all masters: a request waits at most for every request
    queued before it (no starvation, no isolation: a bursty master delays everyone)."""

    name = "fifo"

    def pick(self) -> str | None:
        heads = [(q[0][0], m) for m, q in self.queues.items() if q]
        return min(heads)[1] if heads else None


class RoundRobinArbiter(Arbiter):
    """Cyclic order over masters with waiting requests: each waits at most one request of every
    other master per turn (fair share 1/n of grants when all are backlogged)."""

    name = "round_robin"

    def __init__(self, env: simpy.Environment, masters: list[str]):
        super().__init__(env, masters)
        self._last = -1

    def _grant(self, master: str, ev: simpy.Event) -> None:
        self._last = self.masters.index(master)
        super()._grant(master, ev)

    def pick(self) -> str | None:
        n = len(self.masters)
        for step in range(1, n + 1):
            i = (self._last + step) % n
            if self.queues[self.masters[i]]:
                return self.masters[i]
        return None


class FixedPriorityArbiter(Arbiter):
    """Strict priority in the order of ``masters`` (first = highest); non-preemptive: the highest
    master waits at most one lower request, lower masters can starve."""

    name = "fixed_priority"

    def pick(self) -> str | None:
        for m in self.masters:
            if self.queues[m]:
                return m
        return None


ARBITERS: dict[str, type[Arbiter]] = {a.name: a for a in (FifoArbiter, RoundRobinArbiter, FixedPriorityArbiter)}
