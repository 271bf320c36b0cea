"""Arbitration of the path to DRAM among masters: a small plug-in interface, one class per policy.

Every policy states one rule in three forms, so that the two fidelities and the analysis agree:

- ``pick(queues, now, end_if_granted)`` (burst fidelity): which master's head burst is granted
  next. ``queues[i]`` holds master i's waiting bursts (entries start with a global sequence
  number); ``end_if_granted(i)`` is when master i's head burst would finish if granted now (the
  DRAM model's answer, used by TDMA to keep bursts inside slots). ``None`` means nothing may be
  granted now; ``next_change_ns`` then says when to ask again (non-work-conserving policies).
  ``granted(i, nbytes, start_ns)`` tells the policy what it granted.
- ``fluid_rates(demand, kappa, capacity)`` (fast fidelity): the byte rates (bytes/ns) the rule
  gives masters with rate demands ``demand`` (``inf`` when backlogged) when master i uses
  ``kappa[i]`` ns of server time per byte and the server offers ``capacity`` ns per ns.
- ``guarantee(i, ...)`` (analysis): a latency-rate service curve β_i(t) = R_i·(t − T_i)⁺ that
  master i receives whenever it is backlogged, built from the DRAM's worst-case curve
  β(t) = R·(t − T)⁺ (``socsim.model.dram.worst_case_service``), the burst size b, the worst-case
  server time of one burst c, and the pipeline latency L included in T. ``None`` where the policy
  alone gives no guarantee.

Masters are indexed in scenario order with the accelerator ('npu') first.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from socsim.model.dram import DramModel
from socsim.registry import ARBITERS
from socsim.scenario import BusSpec

INF = math.inf


@dataclass(frozen=True)
class PathFacts:
    """What an arbiter's guarantee builds on: the DRAM's worst-case curve and the path's numbers."""

    dram: tuple[float, float]
    """(R GB/s, T ns) of the DRAM's worst-case service curve (``socsim.model.dram.worst_case_service``)."""
    latency_ns: float
    """Pipeline latency L, included in T (ns)."""
    burst_bytes: int
    """Bus burst b (bytes)."""
    worst_burst_ns: float
    """Worst-case server time of one burst, c (ns)."""
    t_rfc_ns: float = 0.0
    """Refresh blackout; 0: no refresh (ns)."""
    t_refi_ns: float = INF
    """Refresh interval (ns)."""
    t_turn_ns: float = 0.0
    """One turnaround pair (ns)."""

    @classmethod
    def of(cls, model: DramModel, dram: tuple[float, float]) -> "PathFacts":
        """The facts of ``model``'s path with the DRAM curve ``dram``."""
        return cls(dram, model.latency_ns, model.burst_bytes, model.worst_burst_ns(), model.t_rfc_ns,
                   model.t_refi_ns, model.t_turn_ns)


def water_fill(demand: Sequence[float], weight: Sequence[float], kappa: Sequence[float], capacity: float) -> list[float]:
    """Weighted max-min fair rates: x_i = min(d_i, w_i·θ) with Σ κ_i·x_i = capacity unless all demands fit.

    Masters with zero weight get nothing; ``inf`` demands are never saturated.
    """
    n = len(demand)
    x = [0.0] * n
    idx = [i for i in range(n) if demand[i] > 0 and weight[i] > 0]
    if not idx or capacity <= 0:
        return x
    need = sum(kappa[i] * demand[i] for i in idx)
    if need <= capacity:
        for i in idx:
            x[i] = demand[i]
        return x
    order = sorted(idx, key=lambda i: demand[i] / weight[i])
    cap = capacity
    wk = sum(weight[i] * kappa[i] for i in idx)
    for j, i in enumerate(order):
        theta = cap / wk
        if demand[i] <= weight[i] * theta:
            x[i] = demand[i]
            cap -= kappa[i] * demand[i]
            wk -= weight[i] * kappa[i]
            continue
        for k in order[j:]:
            x[k] = weight[k] * theta
        break
    return x


def water_fill_rows(demand: np.ndarray, weight: np.ndarray, kappa: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """``water_fill`` for many problems at once: one per row of the E×n arrays (capacity has E entries)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(weight > 0, demand, 0.0)
        brk = np.where(weight > 0, d / np.where(weight > 0, weight, 1.0), 0.0)
        # Server time used when the level sits at each master's breakpoint: E×n (levels)×n (masters).
        at = np.minimum(d[:, None, :], weight[:, None, :] * brk[:, :, None])
        used = np.nansum(np.where(at > 0, kappa[:, None, :] * at, 0.0), axis=2)
        ok = np.isfinite(brk) & (used <= capacity[:, None] * (1 + 1e-12))
        level = np.max(np.where(ok, brk, 0.0), axis=1)
        free = brk > level[:, None]
        fixed = np.where(free, 0.0, np.where(d > 0, kappa * d, 0.0)).sum(axis=1)
        slope = np.where(free, kappa * weight, 0.0).sum(axis=1)
        theta = np.where(slope > 0, (capacity - fixed) / np.where(slope > 0, slope, 1.0), np.inf)
        return np.minimum(d, weight * np.maximum(theta, 0.0)[:, None])


class Arbiter(ABC):
    """Base policy: holds the master names and the bus parameters."""

    name: ClassVar[str] = "base"

    def __init__(self, masters: Sequence[str], bus: BusSpec | None = None):
        self.masters = list(masters)
        self.n = len(self.masters)
        self.bus = bus if bus is not None else BusSpec()

    @abstractmethod
    def pick(self, queues: Sequence, now: float, end_if_granted: Callable[[int], float] | None = None) -> int | None:
        """Index of the master whose head burst is granted now, or None."""

    def granted(self, i: int, nbytes: int, start_ns: float) -> None:
        """Record that master i was granted a burst of ``nbytes`` starting at ``start_ns``."""

    def next_change_ns(self, queues: Sequence, now: float) -> float | None:
        """When a policy that granted nothing although bursts wait may grant again (ns), else None."""
        return None

    def fluid_rates(self, demand: Sequence[float], kappa: Sequence[float], capacity: float) -> list[float]:
        """Byte rates (bytes/ns) under this policy; see the module docstring."""
        return water_fill(demand, [1.0] * self.n, kappa, capacity)

    def potential(self, i: int, demand: np.ndarray, kappa: np.ndarray, capacity: np.ndarray,
                  rates: np.ndarray) -> np.ndarray:
        """Per row (one solve each), the rate master i would get with an unlimited demand (bytes/ns)."""
        d = demand.copy()
        d[:, i] = np.inf
        return self._rows(d, kappa, capacity)[:, i]

    def _rows(self, demand: np.ndarray, kappa: np.ndarray, capacity: np.ndarray) -> np.ndarray:
        return water_fill_rows(demand, np.ones_like(demand), kappa, capacity)

    def guarantee(
        self, i: int, path: PathFacts, envelopes: Sequence[tuple[float, float] | None] = (),
    ) -> tuple[float, float] | None:
        """(R_i GB/s, T_i ns) of master i's latency-rate guarantee, or None (see each policy)."""
        return None

    def _round_robin_from(self, queues: Sequence, last: int, eligible: Callable[[int], bool] | None = None) -> int | None:
        n = self.n
        for step in range(1, n + 1):
            i = (last + step) % n
            if queues[i] and (eligible is None or eligible(i)):
                return i
        return None


def _wrr_guarantee(weight: float, total: float, path: PathFacts) -> tuple[float, float]:
    """Latency-rate curve of a master holding ``weight`` of ``total`` grants per round (see WRR docstring)."""
    rate, t = path.dram
    b = path.burst_bytes
    if rate <= 0:
        return 0.0, INF
    return rate * weight / total, t + (2 * total - weight + 1) * b / rate


class FifoArbiter(Arbiter):
    """First come, first served over all bursts, whatever their master.

    Guarantee: none per master from the policy alone — a burst waits for every burst queued before
    it, so one bursty master delays everyone (no isolation). With every master's envelope (σ_j, ρ_j)
    the aggregate is a FIFO server β: delay ≤ T + Σσ_j / R when Σρ_j ≤ R. The fast fidelity
    approximates FIFO by max-min fair (round-robin) shares; use the burst fidelity for exact order.
    """

    name = "fifo"

    def pick(self, queues, now, end_if_granted=None):
        best = None
        for i, q in enumerate(queues):
            if q and (best is None or q[0][0] < queues[best][0][0]):
                best = i
        return best


class RoundRobinArbiter(Arbiter):
    """Cyclic order over masters with waiting bursts, one burst per turn.

    Fairness: backlogged masters get equal numbers of bursts (max-min fair bytes in the fluid form).
    Guarantee (n masters): a backlogged master waits at most n − 1 other bursts plus the one in
    service, then gets one burst in every n, so β_i(t) = (R/n)·(t − T − (2n)·b/R)⁺ — the
    weighted-round-robin bound with unit weights.
    """

    name = "round_robin"

    def __init__(self, masters, bus=None):
        super().__init__(masters, bus)
        self._last = -1

    def pick(self, queues, now, end_if_granted=None):
        return self._round_robin_from(queues, self._last)

    def granted(self, i, nbytes, start_ns):
        self._last = i

    def guarantee(self, i, path, envelopes=()):
        return _wrr_guarantee(1.0, float(self.n), path)


class WeightedRoundRobinArbiter(Arbiter):
    """Round robin in which master i may take up to w_i consecutive bursts per turn (``bus.weights``).

    Fairness: backlogged masters get bursts in proportion to their weights (weighted max-min fair).
    Guarantee (W = Σ w_j): a backlogged master waits at most W − w_i + 1 bursts, then gets at least
    w_i of any W consecutive grants, so β_i(t) = (R·w_i/W)·(t − T − (2W − w_i + 1)·b/R)⁺.
    """

    name = "weighted_round_robin"

    def __init__(self, masters, bus=None):
        super().__init__(masters, bus)
        self.weights = [float(self.bus.weights.get(m, 1)) for m in self.masters]
        self._cur = -1
        self._credit = 0

    def pick(self, queues, now, end_if_granted=None):
        if self._credit > 0 and queues[self._cur]:
            return self._cur
        return self._round_robin_from(queues, self._cur)

    def granted(self, i, nbytes, start_ns):
        if i == self._cur and self._credit > 0:
            self._credit -= 1
        else:
            self._cur = i
            self._credit = int(self.weights[i]) - 1

    def fluid_rates(self, demand, kappa, capacity):
        return water_fill(demand, self.weights, kappa, capacity)

    def _rows(self, demand, kappa, capacity):
        return water_fill_rows(demand, np.broadcast_to(np.asarray(self.weights), demand.shape), kappa, capacity)

    def guarantee(self, i, path, envelopes=()):
        return _wrr_guarantee(self.weights[i], sum(self.weights), path)


class FixedPriorityArbiter(Arbiter):
    """Strict priority by ``bus.priorities`` (lower level first; unlisted masters follow in scenario order).

    Non-preemptive per burst: the highest master waits at most one lower burst and gets all it asks
    for up to the DRAM's capacity; lower masters get the leftover and can starve.
    Guarantee (blind leftover service, Le Boudec & Thiran, Network Calculus, Thm. 6.2.1): with the
    higher masters' envelopes (σ_j, ρ_j), j ∈ H(i), and one lower burst b blocking,
    β_i(t) = [R(t − T₀) − Σ(σ_j + ρ_j t) − b]⁺ + L, i.e. R_i = R − Σρ_j and
    T_i = (R·T₀ + Σσ_j + b)/(R − Σρ_j) + L, with T₀ = T − L. None if a higher master has no envelope.
    """

    name = "fixed_priority"

    def __init__(self, masters, bus=None):
        super().__init__(masters, bus)
        prio = self.bus.priorities
        unlisted = max(prio.values(), default=0) + 1
        self.order = sorted(range(self.n), key=lambda i: (prio.get(self.masters[i], unlisted), i))
        """Master indices, highest priority first."""

    def pick(self, queues, now, end_if_granted=None):
        for i in self.order:
            if queues[i]:
                return i
        return None

    def fluid_rates(self, demand, kappa, capacity):
        x = [0.0] * self.n
        cap = capacity
        for i in self.order:
            if demand[i] <= 0 or cap <= 0:
                continue
            x[i] = min(demand[i], cap / kappa[i])
            cap -= x[i] * kappa[i]
        return x

    def potential(self, i, demand, kappa, capacity, rates):
        higher = self.order[: self.order.index(i)]
        left = capacity - (rates[:, higher] * kappa[:, higher]).sum(axis=1) if higher else capacity
        return np.maximum(left, 0.0) / kappa[:, i]

    def guarantee(self, i, path, envelopes=()):
        rate, t = path.dram
        higher = self.order[: self.order.index(i)]
        sigma = rho = 0.0
        for j in higher:
            env = envelopes[j] if j < len(envelopes) else None
            if env is None:
                return None
            sigma += env[0]
            rho += env[1]
        if rho >= rate:
            return 0.0, INF
        t0 = t - path.latency_ns
        blocking = path.burst_bytes if i != self.order[-1] else 0
        return rate - rho, (rate * t0 + sigma + blocking) / (rate - rho) + path.latency_ns


class TdmaArbiter(Arbiter):
    """Time-division: slots of ``bus.tdma.slot_ns`` owned by masters in the cyclic ``bus.tdma.table``.

    Only the slot's owner may start a burst, and only one that ends inside the slot; an idle slot
    stays idle (non-work-conserving), which isolates masters completely: a master's service does
    not depend on the others' traffic. Share: a master with k of N slots gets k/N of the server time.
    Guarantee: per own slot at least B_s = b·⌊(s − (⌊s/tREFI⌋ + 1)(tRFC + c) − c − t_turn)/c⌋⁺ bytes
    (refreshes, the burst that does not fit, one turnaround), and any window of length (N + 1)·s
    holds every own slot once, so β_i(t) = (k·B_s/(N·s))·(t − (N + 1)·s − L)⁺.
    """

    name = "tdma"

    def __init__(self, masters, bus=None):
        super().__init__(masters, bus)
        if self.bus.tdma is None:
            raise ValueError("tdma arbitration needs bus.tdma")
        self.slot_ns = float(self.bus.tdma.slot_ns)
        index = {m: i for i, m in enumerate(self.masters)}
        self.table = [index[m] for m in self.bus.tdma.table]
        self.fraction = [self.table.count(i) / len(self.table) for i in range(self.n)]

    def _slot(self, now: float) -> tuple[int, float]:
        k = int(now // self.slot_ns)
        return self.table[k % len(self.table)], (k + 1) * self.slot_ns

    def pick(self, queues, now, end_if_granted=None):
        owner, slot_end = self._slot(now)
        if not queues[owner]:
            return None
        if end_if_granted is not None and end_if_granted(owner) > slot_end + 1e-9:
            return None
        return owner

    def next_change_ns(self, queues, now):
        return self._slot(now)[1] if any(queues) else None

    def fluid_rates(self, demand, kappa, capacity):
        x = [0.0] * self.n
        for i in range(self.n):
            if demand[i] <= 0 or self.fraction[i] == 0:
                continue
            # A backlogged owner loses about half a burst at the end of each of its slots.
            waste = 0.5 * kappa[i] * self.bus_burst / self.slot_ns
            x[i] = min(demand[i], self.fraction[i] * capacity * max(0.0, 1.0 - waste) / kappa[i])
        return x

    def potential(self, i, demand, kappa, capacity, rates):
        waste = 0.5 * kappa[:, i] * self.bus_burst / self.slot_ns
        return self.fraction[i] * capacity * np.maximum(0.0, 1.0 - waste) / kappa[:, i]

    bus_burst = 64
    """Burst size used for the slot-end waste of the fluid form (bytes); set by the system."""

    def guarantee(self, i, path, envelopes=()):
        k = self.table.count(i)
        if k == 0:
            return 0.0, INF
        s, c, n = self.slot_ns, path.worst_burst_ns, len(self.table)
        refreshes = (math.floor(s / path.t_refi_ns) + 1) if math.isfinite(path.t_refi_ns) and path.t_rfc_ns > 0 else 0
        usable = s - refreshes * (path.t_rfc_ns + c) - c - path.t_turn_ns
        per_slot = path.burst_bytes * max(0, math.floor(usable / c))
        return k * per_slot / (n * s), (n + 1) * s + path.latency_ns


class BudgetArbiter(Arbiter):
    """MemGuard-like regulation: master i may be granted at most Q_i bytes per period P, then waits.

    Budgets (``bus.budget.bytes``) are replenished at every multiple of ``bus.budget.period_ns``;
    among masters with budget left (and unregulated ones) grants go round robin. Isolation: a
    regulated master moves at most Q_i(⌈t/P⌉ + 1) ≤ 2Q_i + (Q_i/P)·t bytes in any window t, so its
    envelope as an interferer is (σ, ρ) = (2Q_i, Q_i/P) whatever it requests.
    Guarantee to a regulated master: the round-robin curve, capped at its budget rate and delayed by
    up to one period: R_i = min(R/n, Q_i/P), T_i = T + 2n·b/R + P. Unregulated: the round-robin curve.
    """

    name = "budget"

    def __init__(self, masters, bus=None):
        super().__init__(masters, bus)
        if self.bus.budget is None:
            raise ValueError("budget arbitration needs bus.budget")
        self.period_ns = float(self.bus.budget.period_ns)
        self.budget = [self.bus.budget.bytes.get(m) for m in self.masters]
        self.used = [0] * self.n
        self._period = 0
        self._last = -1
        self.period_bytes: list[dict[int, int]] = [dict() for _ in range(self.n)]
        """Per master: period index → bytes granted in it (for checks)."""

    def _roll(self, now: float) -> None:
        p = int(now // self.period_ns)
        if p != self._period:
            self._period = p
            self.used = [0] * self.n

    def _eligible(self, i: int, nbytes: int) -> bool:
        q = self.budget[i]
        return q is None or self.used[i] + nbytes <= q

    def pick(self, queues, now, end_if_granted=None):
        self._roll(now)
        b = self.bus_burst
        return self._round_robin_from(queues, self._last, lambda i: self._eligible(i, b))

    def granted(self, i, nbytes, start_ns):
        self._roll(start_ns)
        self._last = i
        self.used[i] += nbytes
        if self.budget[i] is not None:
            self.period_bytes[i][self._period] = self.period_bytes[i].get(self._period, 0) + nbytes

    def next_change_ns(self, queues, now):
        return (int(now // self.period_ns) + 1) * self.period_ns if any(queues) else None

    def fluid_rates(self, demand, kappa, capacity):
        capped = [d if q is None else min(d, q / self.period_ns) for d, q in zip(demand, self.budget)]
        return water_fill(capped, [1.0] * self.n, kappa, capacity)

    def _rows(self, demand, kappa, capacity):
        cap = np.array([np.inf if q is None else q / self.period_ns for q in self.budget])
        return water_fill_rows(np.minimum(demand, cap), np.ones_like(demand), kappa, capacity)

    bus_burst = 64
    """Burst size charged against budgets (bytes); set by the system."""

    def envelope(self, i: int) -> tuple[float, float] | None:
        """(σ bytes, ρ GB/s) that regulation imposes on master i, or None if unregulated."""
        q = self.budget[i]
        return None if q is None else (2.0 * q, q / self.period_ns)

    def guarantee(self, i, path, envelopes=()):
        rate, t = _wrr_guarantee(1.0, float(self.n), path)
        q = self.budget[i]
        if q is None:
            return rate, t
        return min(rate, q / self.period_ns), t + self.period_ns


def make_arbiter(bus: BusSpec, masters: Sequence[str], burst_bytes: int) -> Arbiter:
    """The arbiter plug-in the bus spec names, for ``masters`` (accelerator first)."""
    arbiter = ARBITERS.load(bus.arbitration)(masters, bus)
    if isinstance(arbiter, (TdmaArbiter, BudgetArbiter)):
        arbiter.bus_burst = burst_bytes
    return arbiter
