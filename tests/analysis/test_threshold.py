"""The bisections' answers found with fewer evaluations (``socsim.analysis.threshold``) against the
bisections themselves: the same float on monotone questions, on random thresholds and values, and on
the analysis's two searches (smallest guaranteed ratio, largest extra interferer) of random cases."""

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.analysis import bounds
from socsim.analysis.threshold import Bisection, first_meeting

from soundness import cases


def _geometric(a: float, b: float) -> float:
    return (a * b) ** 0.5


def _arithmetic(a: float, b: float) -> float:
    return (a + b) / 2


def bisect_first_yes(yes, lo: float, hi: float, steps: int, midpoint) -> float:
    """The reference: the plain bisection (``yes(lo)`` false and ``yes(hi)`` true taken as given)."""
    for _ in range(steps):
        mid = midpoint(lo, hi)
        lo, hi = (lo, mid) if yes(mid) else (mid, hi)
    return hi


def bisect_last_no(yes, lo: float, hi: float, steps: int, midpoint) -> float:
    """The reference for the largest point where the answer is still no (the interferer's search)."""
    for _ in range(steps):
        mid = midpoint(lo, hi)
        lo, hi = (mid, hi) if not yes(mid) else (lo, mid)
    return lo


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.floats(0.0, 1.0), st.sampled_from([1, 2, 5, 10, 12]), st.sampled_from(["geometric", "arithmetic"]),
       st.sampled_from(["linear", "curved", "step", "flat"]))
def test_first_meeting_equals_bisection(where, steps, kind, shape):
    lo, hi, midpoint = (1.0, 64.0, _geometric) if kind == "geometric" else (0.0, 7.3, _arithmetic)
    threshold = lo + where * (hi - lo)
    target = 100.0
    # A value that is above the target below the threshold and at most it from there on, shaped so
    # that linear interpolation predicts well, badly or not at all.
    value = {
        "linear": lambda r: target + (threshold - r),
        "curved": lambda r: target + (threshold - r) * (1 + 50 * abs(threshold - r)),
        "step": lambda r: target + (1.0 if r < threshold else -1e6),
        "flat": lambda r: target + (1e-9 if r < threshold else 0.0),
    }[shape]
    asked = []

    def evaluate(r):
        asked.append(r)
        return r >= threshold, value(r)

    grid = Bisection(lo, hi, steps, midpoint)
    assert grid.point(first_meeting(evaluate, target, grid, (value(lo), value(hi)))) == bisect_first_yes(lambda r: r >= threshold, lo, hi, steps, midpoint)
    assert len(asked) <= steps + 2


def test_first_meeting_asks_few_questions_when_the_value_is_linear():
    asked = []

    def evaluate(r):
        asked.append(r)
        return r >= 20.0, 30.0 - r

    grid = Bisection(0.0, 64.0, 10, _arithmetic)
    assert grid.point(first_meeting(evaluate, 10.0, grid, (30.0, -34.0))) == 20.0
    assert len(asked) <= 3


def test_unknown_end_values_fall_back_to_bisection():
    grid = Bisection(0.0, 8.0, 4, _arithmetic)
    assert grid.point(first_meeting(lambda r: (r >= 3.0, -r), -3.0, grid, (-math.inf, math.inf))) == 3.0


def _divided(plans, r):
    """The plans with every descriptor's bytes divided by ``r`` (rounded up, at least one byte)."""
    def tile(t):
        return replace(t, read_bytes=tuple(max(1, math.ceil(s / r)) for s in t.read_bytes),
                       write_bytes=tuple(max(1, math.ceil(s / r)) for s in t.write_bytes))
    return [[replace(p, tiles=tuple(tile(t) for t in p.tiles)) for p in frame] for frame in plans]


def _with_deadline(scenario, deadline_ns):
    return scenario.model_copy(update={"deadline_ms": deadline_ns / 1e6})


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cases(stress=False) | cases(stress=True), st.sampled_from([0.02, 0.3, 0.7, 0.98]))
def test_min_compression_ratio_equals_its_bisection(case, where):
    scenario, plans = case
    raw = bounds.bound_frames(scenario, plans)
    if raw.reason is not None or not raw.frames_ns:
        return
    # A deadline between the bound of the raw plans and that of the plans compressed 64 times.
    small = max(bounds.bound_frames(scenario, _divided(plans, 64.0)).frames_ns)
    scenario = _with_deadline(scenario, small + where * (max(raw.frames_ns) - small))
    deadline = scenario.deadline_ms * 1e6

    def meets(r):
        return bounds.meets_deadline(scenario, _divided(plans, r), deadline)

    expected = 1.0 if meets(1.0) else None if not meets(64.0) else bisect_first_yes(meets, 1.0, 64.0, 10, _geometric)
    assert bounds.min_compression_ratio(scenario, lambda r: _divided(plans, r)) == expected


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cases(stress=False) | cases(stress=True), st.sampled_from([1.0, 1.05, 1.5, 3.0]))
def test_max_extra_interferer_equals_its_bisection(case, slack):
    scenario, plans = case
    worst = bounds.bound_frames(scenario, plans)
    if worst.reason is not None or not worst.frames_ns or worst.interference is None:
        return
    scenario = _with_deadline(scenario, max(worst.frames_ns) * slack)
    deadline = scenario.deadline_ms * 1e6
    model = worst.model
    hi = (1.0 - worst.interference.per_ns) / model.sequential_kappa()
    expected = bisect_last_no(
        lambda g: not bounds.meets_deadline(scenario, plans, deadline, g, worst.alone, model), 0.0, hi, 10, _arithmetic)
    assert bounds.max_extra_interferer_gbps(scenario, plans, worst) == expected
