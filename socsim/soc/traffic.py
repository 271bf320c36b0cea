"""Burst fidelity: the other masters' requests (``socsim.model.masters``) issued burst by burst.

Requests are generated as they are issued and forgotten once served; only their latency statistics
(``socsim.soc.latency_stats``) stay, in bounded memory.
"""

from __future__ import annotations

import math

import simpy

from socsim.model.masters import Source
from socsim.regions import Place
from socsim.soc.latency_stats import LatencyStats


class BurstSource:
    """Burst fidelity: issues a source's requests at their times, burst by burst, to the controller."""

    def __init__(self, env: simpy.Environment, source: Source, controller, master: int, place: Place, row_bytes: int):
        """``place``: where its bytes lie (``socsim.regions``)."""
        self.env = env
        self.place = place
        self.source = source
        self.controller = controller
        self.master = master
        self.bank = place.bank
        self.row_bytes = row_bytes
        self.stop_ns = math.inf
        self.pos = 0
        self.bytes_requested = 0
        self.bytes_delivered = 0
        self.requests = 0
        self.in_flight = 0
        self.busy_ns = 0.0
        self.latencies = LatencyStats(source.deadline_ns)
        """Issue-to-completion time of every completed request (ns), in bounded memory."""
        self.running = True
        env.process(self._run())

    def _run(self):
        env = self.env
        for t, size, write, row in self.source.iter_requests():
            if t >= self.stop_ns:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
                if t >= self.stop_ns:
                    break
            self._issue(size, write, row)
        self.running = False

    def _issue(self, size: int, write: bool, row: int) -> None:
        b = self.source.burst_bytes
        n = size // b
        self.bytes_requested += size
        self.requests += 1
        self.in_flight += 1
        req = [self.env.now, n, size]
        rb = self.row_bytes
        for j in range(n):
            if self.source.random_addresses:
                r = row + (j * b) // rb if rb else 0
            else:
                r = (self.pos + j * b) // rb if rb else 0
            self.controller.enqueue(self.master, self.bank, self.place.row(r), write, self, req)
        if not self.source.random_addresses:
            self.pos += size

    def burst_done(self, req, cost_ns: float) -> None:
        """Called by the controller when one burst of request ``req`` is back."""
        self.busy_ns += cost_ns
        req[1] -= 1
        if req[1] == 0:
            self.bytes_delivered += req[2]
            self.latencies.add_one(self.env.now - req[0])
            self.in_flight -= 1
