"""The answer of a bisection for a monotone yes/no question, found with fewer evaluations.

A bisection of ``steps`` steps on [lo, hi] (``meets(lo)`` false, ``meets(hi)`` true) visits points of
a fixed grid of 2^steps + 1 points and returns the smallest grid point where the answer is yes. When
the answer is monotone (no below a threshold, yes above), that point can be found by asking at any
grid points, not only the bisection's: each answer settles every grid point on one side of it. Each
evaluation also returns a number that crosses a known target at the threshold (a frame's worst-case
bound against its deadline), so the next question goes where that number, interpolated linearly
between the bracket's ends, predicts the crossing (regula falsi on the grid, with the Illinois
correction), moved towards the bracket's middle as ITP does (Oliveira & Takahashi, ACM TOMS 47(1),
2020) so that it never takes more than the bisection's questions + 2; on a value close to linear it
takes about 2 instead of ``steps``.

Grid points are computed as the bisection computes them (midpoint of the bracket that has it as
its midpoint, by the same formula), so the value returned is the same float the bisection returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

Midpoint = Callable[[float, float], float]
# Questions allowed beyond the bisection's own (ITP's n0).
_SLACK = 2


@dataclass
class Bisection:
    """A bisection of ``steps`` steps on [lo, hi] whose next point is ``midpoint(lo, hi)``: its grid."""

    lo: float
    hi: float
    steps: int
    midpoint: Midpoint
    _points: dict[int, float] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """The grid's last index (its points are 0..n)."""
        return 1 << self.steps

    def point(self, k: int) -> float:
        """Point ``k`` of the grid, as the bisection computes it: the midpoint of the bracket whose
        midpoint it is (computed once)."""
        if k not in self._points:
            self._points[k] = self._replayed(k)
        return self._points[k]

    def _replayed(self, k: int) -> float:
        lo, hi = self.lo, self.hi
        if k in (0, self.n):
            return lo if k == 0 else hi
        a = 0
        for step in range(self.steps):
            half = 1 << (self.steps - step - 1)
            mid = self.midpoint(lo, hi)
            if k == a + half:
                return mid
            if k < a + half:
                hi = mid
            else:
                lo, a = mid, a + half
        raise AssertionError("unreachable: every inner grid point is a midpoint")

    def predicted(self, kl: int, kh: int, vl: float, vh: float, target: float, x: Callable[[float], float]) -> int:
        """The first grid index strictly inside (kl, kh) at or past the crossing of the line from
        (x(kl's point), vl) to (x(kh's point), vh) with ``target``; the middle without one."""
        xl, xh = x(self.point(kl)), x(self.point(kh))
        if not (math.isfinite(vl) and math.isfinite(vh) and vl > target >= vh) or xl == xh:
            return (kl + kh) // 2
        xt = xl + (vl - target) / (vl - vh) * (xh - xl)
        lo_k, hi_k = kl + 1, kh - 1
        while lo_k < hi_k:
            mid = (lo_k + hi_k) // 2
            if (x(self.point(mid)) - xt) * (xh - xl) >= 0:
                hi_k = mid
            else:
                lo_k = mid + 1
        return lo_k


def first_meeting(evaluate: Callable[[float], tuple[bool, float]], target: float, grid: Bisection,
                  ends: tuple[float, float], x: Callable[[float], float] = lambda r: r) -> int:
    """The index of the smallest point of ``grid`` where ``evaluate`` says yes (yes taken as given
    at its hi, no at its lo: the bisection's answer is ``grid.point`` of it).

    ``evaluate(r)`` returns (yes, value), value ≤ target roughly when yes; ``ends`` are its values
    at lo (no) and hi (yes), infinite where unknown; ``x`` maps a point to the axis on which the
    value is close to linear (only the choice of questions depends on it, never the answer)."""
    kl, kh = 0, grid.n
    vl, vh = ends
    kept = 0  # -n: the no end was kept n questions in a row; +n: the yes end
    budget = grid.steps + _SLACK
    for question in range(budget):
        if kh - kl <= 1:
            break
        k = _projected(grid.predicted(kl, kh, vl, vh, target, x), kl, kh, budget - question)
        yes, value = evaluate(grid.point(k))
        if yes:
            kh, vh = k, value
            kept = min(kept, 0) - 1
        else:
            kl, vl = k, value
            kept = max(kept, 0) + 1
        # Illinois: an end kept twice in a row counts half as far from the target, so that the
        # interpolation moves towards it instead of creeping from the other end.
        if kept >= 2:
            vh = target - (target - vh) / 2
        elif kept <= -2:
            vl = target + (vl - target) / 2
    if kh - kl > 1:
        raise AssertionError("the bracket was not closed within the bisection's questions + slack")
    return kh


def _projected(k: int, kl: int, kh: int, left: int) -> int:
    """``k`` moved towards the bracket's middle just enough that ``left`` questions still close it
    whatever the answers (ITP's projection, Oliveira & Takahashi, ACM TOMS 47(1), 2020: the bracket
    may keep at most 2^(left-1) points after this question), strictly inside (kl, kh)."""
    radius = max(0, (1 << (left - 1)) - (kh - kl + 1) // 2)
    mid = (kl + kh) // 2
    k = min(max(k, mid - radius), mid + radius)
    return min(max(k, kl + 1), kh - 1)
