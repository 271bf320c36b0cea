"""Per-request latency statistics of a master in bounded memory: count, p50, p99, max, and the
requests later than a deadline.

Up to ``EXACT_MAX`` latencies are kept and the percentiles are numpy's (``np.percentile``, linear
interpolation between order statistics), exactly. Beyond, the values fold into a histogram whose
bins are the float's exponent and its ``MANTISSA_BITS`` leading mantissa bits, so p50 and p99 are
within a relative 2^-MANTISSA_BITS (0.02 %) of numpy's; the count, the maximum and the deadline
figures stay exact. Memory: at most ``EXACT_MAX`` floats, then one counter per bin in use (at most
2^MANTISSA_BITS per doubling of the latencies), however many requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXACT_MAX = 1 << 24
"""Most latencies kept as they are, 128 MiB of float64 (count); every shipped scenario stays below."""
MANTISSA_BITS = 12
"""Leading mantissa bits that tell two histogram bins apart (relative bin width 2^-12)."""
FLUSH = 65_536
"""Latencies added one at a time that are buffered before they join the others (count)."""
_SHIFT = 52 - MANTISSA_BITS


@dataclass(frozen=True)
class LatencySummary:
    """What a result reports of a master's request latencies (ns), None where it issued none."""

    count: int
    """Requests completed (count)."""
    p50: float | None
    """Median latency (ns)."""
    p99: float | None
    """99th percentile latency (ns)."""
    max: float | None
    """Largest latency (ns)."""
    late: int | None
    """Requests later than the deadline; None without a deadline (count)."""
    lateness: float | None
    """Largest latency minus the deadline; None without a deadline or requests (ns)."""


class LatencyStats:
    """Latencies (ns, ≥ 0) added in any order; ``summary()`` depends only on their multiset."""

    def __init__(self, deadline_ns: float | None = None, exact_max: int | None = None):
        """``deadline_ns``: the time after which a request counts as late, or None; ``exact_max``:
        latencies kept as they are (default ``EXACT_MAX``)."""
        self.deadline_ns = deadline_ns
        self.exact_max = EXACT_MAX if exact_max is None else exact_max
        self.count = 0
        self.max = -np.inf
        self.late = 0
        self._pending: list[float] = []
        self._exact: list[np.ndarray] | None = []
        """The latencies as they are; None once they moved to the histogram."""
        self._bins: dict[int, int] = {}

    def add_one(self, latency_ns: float) -> None:
        """Add one latency (ns)."""
        self._pending.append(latency_ns)
        if len(self._pending) >= FLUSH:
            self._flush()

    def add(self, latencies_ns: np.ndarray) -> None:
        """Add an array of latencies (ns)."""
        self._flush()
        self._add(np.asarray(latencies_ns, dtype=float))

    def _flush(self) -> None:
        if self._pending:
            values, self._pending = np.asarray(self._pending, dtype=float), []
            self._add(values)

    def _add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        self.count += len(values)
        self.max = max(self.max, float(values.max()))
        if self.deadline_ns is not None:
            self.late += int((values > self.deadline_ns).sum())
        if self._exact is None:
            self._fold(values)
            return
        self._exact.append(values.copy())
        if self.count > self.exact_max:
            kept, self._exact = self._exact, None
            while kept:
                self._fold(kept.pop())

    def _fold(self, values: np.ndarray) -> None:
        """Count ``values`` in their histogram bins."""
        keys, counts = np.unique(values.view(np.int64) >> _SHIFT, return_counts=True)
        for key, n in zip(keys.tolist(), counts.tolist()):
            self._bins[key] = self._bins.get(key, 0) + n

    @property
    def held(self) -> int:
        """Latencies and histogram bins held in memory (count)."""
        kept = sum(len(v) for v in self._exact) if self._exact is not None else 0
        return kept + len(self._pending) + len(self._bins)

    @property
    def exact(self) -> bool:
        """True while the percentiles are numpy's on every latency."""
        return self._exact is not None

    def summary(self) -> LatencySummary:
        """Count, p50, p99, max and the deadline figures of the latencies added so far."""
        self._flush()
        late = None if self.deadline_ns is None else self.late
        if not self.count:
            return LatencySummary(0, None, None, None, late, None)
        if self._exact is not None:
            values = np.concatenate(self._exact)
            # One selection for both (the same order statistics and interpolation as two calls).
            p50, p99 = (float(x) for x in np.percentile(values, [50, 99]))
        else:
            p50, p99 = self._histogram_percentile(50), self._histogram_percentile(99)
        lateness = None if self.deadline_ns is None else self.max - self.deadline_ns
        return LatencySummary(self.count, p50, p99, self.max, late, lateness)

    def _histogram_percentile(self, q: float) -> float:
        """numpy's linear interpolation between the order statistics, each taken as its bin's middle."""
        keys = np.array(sorted(self._bins), dtype=np.int64)
        cum = np.cumsum([self._bins[k] for k in keys.tolist()])
        pos = q / 100 * (self.count - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, self.count - 1)
        v_lo, v_hi = (self._bin_middle(keys[np.searchsorted(cum, r, side="right")]) for r in (lo, hi))
        return min(v_lo + (v_hi - v_lo) * (pos - lo), self.max)

    @staticmethod
    def _bin_middle(key: np.int64) -> float:
        edges = np.array([key << _SHIFT, (key + 1) << _SHIFT], dtype=np.int64).view(float)
        return float(edges.mean())
