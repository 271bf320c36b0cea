"""The replay's inlined hot loop against its reference (one ``_descriptor`` call per descriptor):
identical bounds, float for float, on random plans, sizes that are not whole bursts included."""

from dataclasses import replace
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.analysis import response_time
from socsim.analysis.bounds import bound_frames, meets_deadline
from socsim.model.schedule import LayerPlan, TilePlan

from replay_reference import ReferenceReplay
from soundness import cases


def _ragged(plans: list[list[LayerPlan]], cut: int) -> list[list[LayerPlan]]:
    """The plans with ``cut`` bytes off every descriptor that has more (sizes off the burst grid)."""
    def tile(t: TilePlan) -> TilePlan:
        return replace(t, read_bytes=tuple(s - cut if s > cut else s for s in t.read_bytes),
                       write_bytes=tuple(s - cut if s > cut else s for s in t.write_bytes))
    return [[replace(p, tiles=tuple(tile(t) for t in p.tiles)) for p in frame] for frame in plans]


def _terms(result) -> list:
    """Every number of a ``BoundResult``: frame bounds and every layer's terms of both replays."""
    out = list(result.frames_ns)
    for fb in list(result.alone) + list(result.per_transfer):
        out.append(fb.bound_ns)
        out += [(lb.bound_ns, lb.compute_ns, lb.transfer_ns, lb.dram_overhead_ns, lb.interference_ns,
                 lb.exposed_dma_ns) for lb in fb.layers]
    return out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cases(stress=False) | cases(stress=True), st.sampled_from([0, 1, 17, 63]),
       st.sampled_from([0.0, 0.5, 3.0]))
def test_fast_replay_equals_reference(case, cut, extra_gbps):
    scenario, plans = case
    plans = _ragged(plans, cut)
    fast = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    with patch.object(response_time, "_Replay", ReferenceReplay):
        slow = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    assert _terms(fast) == _terms(slow)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cases(stress=False) | cases(stress=True), st.sampled_from([0.0, 0.5, 3.0]),
       st.sampled_from([0.5, 0.9, 0.99, 1.0, 1.01, 1.2]))
def test_meets_deadline_answers_as_bound_frames(case, extra_gbps, slack):
    scenario, plans = case
    b = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    # Deadlines at, just around and far from the bounds of each form and of the reported bound.
    values = list(b.frames_ns) + [p.bound_ns * 1.02 for p in b.per_transfer] + [w * 1.02 for w in b.whole_frame_ns]
    for deadline in [v * slack for v in values] or [1e6]:
        expected = bool(b.frames_ns) and max(b.frames_ns) <= deadline
        assert meets_deadline(scenario, plans, deadline, extra_gbps) == expected
        assert meets_deadline(scenario, plans, deadline, extra_gbps, alone=b.alone) == expected
