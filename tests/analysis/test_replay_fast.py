"""The replay's inlined hot loop and its whole-array runs against its reference (one ``_descriptor``
call per descriptor): identical bounds, float for float, on random plans, sizes that are not whole
bursts included, and on long runs of equal coded descriptors."""

from dataclasses import replace
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.analysis import response_time
from socsim.analysis.bounds import bound_frames, meets_deadline
from socsim.model.schedule import LayerPlan, TilePlan
from socsim.scenario import Scenario

from replay_reference import ReferenceReplay
from soundness import DRAMS, cases, masters


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


def _one_by_one(g, c, eng, lat, hpf):
    """The channel ends c_i = max(g_i, ((c_(i-1) + eng) + lat) + hpf), one at a time."""
    out = []
    for gi in g:
        h = ((c + eng) + lat) + hpf
        c = gi if gi > h else h
        out.append(c)
    return out


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(1, 300), st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.floats(0.0, 50.0),
       st.floats(0.0, 100.0), st.floats(0.0, 1e7), st.integers(0, 2**32 - 1))
def test_channel_ends_equal_the_loop(n, eng, lat, hpf, step, c0, seed):
    # Path ends a step apart with jitter, so either side may win and the winner may change often.
    rng = np.random.default_rng(seed)
    g = np.add.accumulate(np.concatenate(([c0], rng.uniform(0.5, 1.5, n) * step)))[1:]
    got = response_time._channel_ends(g, c0, eng, lat, hpf).tolist()
    assert got == _one_by_one(g.tolist(), c0, eng, lat, hpf)[:len(got)]


@st.composite
def long_runs(draw):
    """(scenario, plans): one channel whose window covers a round trip, a codec engine from much
    faster to much slower than the path, and tiles of long runs of equal coded descriptors."""
    engine = {"bytes_per_cycle": draw(st.sampled_from([1, 2, 4, 8, 64])), "freq_mhz": 1000, "latency_cycles": 16}
    scenario = Scenario.from_dict({
        "name": "runs", "seed": 0, "frames": draw(st.integers(1, 2)), "deadline_ms": 1.0,
        "period_ms": draw(st.sampled_from([0.05, 1.0])),
        "soc": {"accelerator": {"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64},
                "dma": {"channels": 1, "burst_bytes": 64, "max_outstanding": 512, "codec_engine": engine},
                "bus": {"width_bytes": 32, "freq_mhz": 1000.0, "arbitration": "round_robin"},
                "dram": draw(st.sampled_from(DRAMS))},
        "masters": draw(masters(0)), "workload": {"model": "mobilenet_v1"},
    })
    tiles = []
    for _ in range(draw(st.integers(1, 4))):
        batches = []
        for _ in range(2):
            runs = [(64 * draw(st.integers(1, 40)), draw(st.integers(1, 300))) for _ in range(draw(st.integers(1, 3)))]
            sizes = tuple(s for s, k in runs for _ in range(k))
            ratio = draw(st.sampled_from([1, 2, 3, 8]))
            batches.append((sizes, tuple(ratio * s for s in sizes), tuple(True for _ in sizes)))
        (reads, reads_raw, reads_coded), (writes, writes_raw, writes_coded) = batches
        tiles.append(TilePlan(reads, writes, float(draw(st.sampled_from([0, 500, 50000]))),
                              reads_raw, writes_raw, reads_coded, writes_coded))
    frame = [LayerPlan("l0", sum(t.compute_ns for t in tiles), tuple(tiles))]
    return scenario, [frame] * scenario.frames


@settings(max_examples=100, deadline=None, derandomize=True)
@given(long_runs(), st.sampled_from([0.0, 3.0]))
def test_long_runs_equal_reference(case, extra_gbps):
    scenario, plans = case
    fast = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    with patch.object(response_time, "_Replay", ReferenceReplay):
        slow = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    assert _terms(fast) == _terms(slow)
