"""What the fast fidelity records per solve, and the request latencies of other masters estimated from it.

While a master has no fluid backlog its requests are served FIFO among themselves at the rate it
would get if backlogged (Lindley's recursion); while it has one, a request is done when the
master's fluid has served every byte requested up to it. Both add the pipeline latency L (TDMA slot waits are not
included).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def request_latencies(model: DramModel, log: SolveLog, theta: np.ndarray,
                      blocks: Iterable[tuple[np.ndarray, np.ndarray]], served_now: list[float], now: float,
                      i: int) -> Iterator[np.ndarray]:
    """Estimated latency of each request of master i (ns), one array per block of its requests
    (times, sizes in time order), given ``theta`` per solve (``potential``) and the bytes served to
    every master now (see the module docstring). Carries the recursions from block to block, so the
    values are those of all the requests at once, whatever the blocks."""
    log_t = np.asarray(log.t)
    backlog = np.asarray(log.backlog)[:, i]
    # The fluid service curve: served bytes at the solve times, linear in between.
    served = np.asarray([row[i] for row in log.served] + [served_now[i]])
    at = np.append(log_t, max(now, log_t[-1])) if len(log_t) else np.zeros(1)
    # Carried: the last request's time and service, Lindley's C and its running minimum, bytes requested.
    last_t = last_service = c_last = c_min = 0.0
    requested = 0
    first = True
    for times, sizes in blocks:
        e = searchsorted_sorted(log_t, times, "right") - 1
        th = theta[e]
        service = sizes / np.maximum(th, 1e-12)
        # Lindley's recursion, vectorised: wait_k = C_k − min_{j≤k} C_j with C the running sum
        # (C_0 = 0), accumulated in request order across blocks.
        if first:
            steps = np.r_[0.0, service[:-1] - np.diff(times)]
            c_min = 0.0
        else:
            steps = np.r_[c_last, np.r_[last_service, service[:-1]] - np.diff(np.r_[last_t, times])]
        c = np.cumsum(steps)[0 if first else 1:]
        run_min = np.minimum.accumulate(np.r_[c_min, c])[1:]
        latency = c - run_min + service
        last_t, last_service, c_last, c_min = float(times[-1]), float(service[-1]), float(c[-1]), float(run_min[-1])
        cum = requested + np.cumsum(sizes)
        requested = int(cum[-1])
        first = False
        use_curve = (backlog[e] > EPS_BYTES) | (th <= 1e-12)
        if use_curve.any():
            k = np.flatnonzero(use_curve)
            # A request is done when the master's fluid has served every byte requested up to it.
            target = cum[k] - EPS_BYTES
            j = np.minimum(np.maximum(searchsorted_sorted(served, target, "left"), 1), len(served) - 1)
            lo, hi = served[j - 1], served[j]
            span = hi - lo
            frac = np.where(span > 0, (target - lo) / np.where(span > 0, span, 1.0), 1.0)
            done = at[j - 1] + np.minimum(np.maximum(frac, 0.0), 1.0) * (at[j] - at[j - 1])
            floor = sizes[k] * (model.t_burst_ns / model.burst_bytes)
            latency[k] = np.maximum(done - times[k], floor)
        yield latency + model.latency_ns


def searchsorted_sorted(a: np.ndarray, v: np.ndarray, side: str) -> np.ndarray:
    """``np.searchsorted(a, v, side)`` for values ``v`` in non-decreasing order, many more than the
    entries of ``a``: each entry of ``a`` is looked up in ``v`` instead, and the insertion index of
    v[k] is the number of entries placed at or before k (entries of a below v[k], or at most v[k]
    for side 'right')."""
    pos = np.searchsorted(v, a, side="left" if side == "right" else "right")
    return np.cumsum(np.bincount(pos, minlength=len(v) + 1)[:len(v)])
