"""What the fast fidelity records per solve, and the request latencies of other masters estimated from it.

While a master has no fluid backlog its requests are served FIFO among themselves at the rate it
would get if backlogged (Lindley's recursion); while it has one, a request is done when the
master's fluid has served every byte requested up to it. Both add the pipeline latency L (TDMA slot waits are not
included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel

EPS_BYTES = 1e-3


@dataclass
class SolveLog:
    """Per solve of the rates: time, and per master demand, cost per byte, rate, bytes served and backlog."""

    t: list[float] = field(default_factory=list)
    demand: list[list[float]] = field(default_factory=list)
    kappa: list[list[float]] = field(default_factory=list)
    capacity: list[float] = field(default_factory=list)
    rates: list[list[float]] = field(default_factory=list)
    served: list[list[float]] = field(default_factory=list)
    """Bytes served per master up to the solve (bytes)."""
    backlog: list[list[float]] = field(default_factory=list)

    def append(self, t: float, demand, kappa, capacity: float, rates, served, backlog) -> None:
        """Record one solve (the lists are copied)."""
        self.t.append(t)
        self.demand.append(list(demand))
        self.kappa.append(list(kappa))
        self.capacity.append(capacity)
        self.rates.append(list(rates))
        self.served.append(list(served))
        self.backlog.append(list(backlog))


def potential(arbiter: Arbiter, log: SolveLog, i: int, npu_yields: bool) -> np.ndarray:
    """Per logged solve, the rate master i would have got with a backlog (bytes/ns).

    ``npu_yields``: the accelerator is served after the others (the fluid form of FIFO), so it
    takes nothing from them.
    """
    demand = np.array(log.demand)
    if npu_yields:
        demand[:, 0] = 0.0
    return arbiter.potential(i, demand, np.array(log.kappa), np.array(log.capacity), np.array(log.rates))


def request_latencies(model: DramModel, log: SolveLog, theta: np.ndarray, requests: tuple[np.ndarray, np.ndarray],
                      served_now: list[float], now: float, i: int) -> np.ndarray:
    """Estimated latency of each request (times, sizes) of master i (ns), given ``theta`` per solve
    (``potential``) and the bytes served to every master now (see the module docstring)."""
    times, sizes = requests
    if len(times) == 0:
        return np.zeros(0)
    log_t = np.asarray(log.t)
    e = np.searchsorted(log_t, times, side="right") - 1
    th = theta[e]
    service = sizes / np.maximum(th, 1e-12)
    # Lindley's recursion, vectorised: wait_k = C_k − min_{j≤k} C_j with C the running sum.
    c = np.empty(len(times))
    c[0] = 0.0
    np.cumsum(service[:-1] - np.diff(times), out=c[1:])
    latency = c - np.minimum.accumulate(c) + service
    backlog = np.asarray(log.backlog)[:, i]
    use_curve = (backlog[e] > EPS_BYTES) | (th <= 1e-12)
    if use_curve.any():
        # The fluid service curve: served bytes at the solve times, linear in between.
        k = np.flatnonzero(use_curve)
        served = np.asarray([row[i] for row in log.served] + [served_now[i]])
        at = np.append(log_t, max(now, log_t[-1]))
        # A request is done when the master's fluid has served every byte requested up to it.
        target = np.cumsum(sizes)[k] - EPS_BYTES
        j = np.minimum(np.maximum(np.searchsorted(served, target, side="left"), 1), len(served) - 1)
        lo, hi = served[j - 1], served[j]
        span = hi - lo
        frac = np.where(span > 0, (target - lo) / np.where(span > 0, span, 1.0), 1.0)
        done = at[j - 1] + np.minimum(np.maximum(frac, 0.0), 1.0) * (at[j] - at[j - 1])
        floor = sizes[k] * (model.t_burst_ns / model.burst_bytes)
        latency[k] = np.maximum(done - times[k], floor)
    return latency + model.latency_ns
