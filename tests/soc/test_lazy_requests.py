"""The other masters' requests are generated as they are consumed and forgotten once consumed: what a
simulation holds does not grow with simulated time, and its figures are those of all the requests
at once (the slow references here hold them all)."""

import itertools
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from soc_helpers import make_scenario, uniform_layer

from socsim.model.dram import DramModel
from socsim.model.masters import CpuSource, IspSource, TokenBucketSource
from socsim.scenario import CpuMaster, IspMaster, TokenBucketMaster
from socsim.soc import latency_stats
from socsim.soc.fluid_arrivals import BLOCK, _split_lumps, arrivals, merge_windows
from socsim.soc.fluid_latency import SolveLog, request_latencies
from socsim.soc.latency_stats import MANTISSA_BITS, LatencyStats
from socsim.soc.system import simulate

WINDOW = 1_000.0
SOURCES = {
    "cpu": lambda: CpuSource(CpuMaster(kind="cpu", name="c", rate_gbps=2.0, burst_bytes=4096, arrivals="bursty"), 64, 7),
    "token bucket": lambda: TokenBucketSource(TokenBucketMaster(kind="token_bucket", name="t", sigma_bytes=65536,
                                                                rate_gbps=1.0, request_bytes=256), 64),
    "isp": lambda: IspSource(IspMaster(kind="isp", name="i", width=640, height=480, fps=1000), 64),
}


def reference_arrivals(source, window_ns, lump_bytes, blocks):
    """The arrival events of ``blocks`` blocks from every request at once (the former algorithm)."""
    times_all, sizes_all, _, _ = source.requests_until(blocks * BLOCK * window_ns)
    out = []
    for k0 in range(0, blocks * BLOCK, BLOCK):
        lo_t, hi_t = k0 * window_ns, (k0 + BLOCK) * window_ns
        sel = (times_all >= lo_t) & (times_all < hi_t)
        times, sizes = times_all[sel], sizes_all[sel].astype(float)
        lumps_t, lumps_b, smooth_t, smooth_b = _split_lumps(times, sizes, lump_bytes)
        idx = ((smooth_t - lo_t) // window_ns).astype(np.int64)
        per_window = np.bincount(idx, weights=smooth_b, minlength=BLOCK)[:BLOCK]
        events = [(lo_t + first * window_ns, 0, 0.0, per / window_ns) for first, per in merge_windows(per_window, lump_bytes)]
        events += [(t, 1, b, None) for t, b in zip(lumps_t.tolist(), lumps_b.tolist())]
        out += [(t, b, r) for t, _, b, r in sorted(events, key=lambda e: (e[0], e[1]))]
    return out


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_arrivals_equal_the_reference_and_hold_two_blocks(name):
    source = SOURCES[name]()
    lump = max(64.0, source.envelope()[1] * WINDOW)
    blocks = 12
    expected = reference_arrivals(SOURCES[name](), WINDOW, lump, blocks)
    cursor = source.cursor()
    events, held = [], []
    for event in arrivals(cursor, WINDOW, lump):
        if event[0] >= blocks * BLOCK * WINDOW:
            break
        events.append(event)
        held.append(cursor.held)
    assert events == expected
    # At most the previous block, the current one and one chunk ahead: flat however long the run.
    per_block = source.envelope()[1] * BLOCK * WINDOW / source.request_bytes
    assert max(held) <= 3 * per_block + 65536
    assert max(held[len(held) // 2:]) <= 1.5 * max(held[: len(held) // 2]) + 65536


def test_cursor_counts_the_bytes_it_forgot():
    source = SOURCES["cpu"]()
    times, sizes, _, _ = source.requests_until(3e6)
    cursor = source.cursor()
    for t in (1e5, 7e5, 2e6, 3e6):
        assert cursor.bytes_before(t) == int(sizes[times < t].sum())
        cursor.drop_before(t - 2e5)
    held, _ = cursor.until(3e6)
    assert cursor.dropped_ns == 2.8e6 and np.array_equal(held, times[times >= 2.8e6])
    with pytest.raises(ValueError, match="before the forgotten requests"):
        cursor.bytes_before(1e6)


def _log(rng: np.random.Generator, solves: int) -> tuple[SolveLog, np.ndarray]:
    """A log of ``solves`` solves of two masters (the accelerator and master 1), with and without backlog."""
    log = SolveLog()
    served = [0.0, 0.0]
    for k in range(solves):
        served = [served[0] + rng.uniform(0, 1e5), served[1] + rng.uniform(0, 1e5)]
        backlog = [0.0, float(rng.choice([0.0, 5e3]))]
        log.append(k * 1e4, [1.0, 1.0], [0.1, 0.1], 1.0, [1.0, 1.0], served, backlog)
    return log, rng.uniform(0.0, 2.0, solves)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 400), min_size=1, max_size=8))
def test_latencies_by_block_equal_all_at_once(seed, cuts):
    rng = np.random.default_rng(seed)
    log, theta = _log(rng, 50)
    n = sum(cuts)
    times = np.sort(rng.uniform(0, 5e5, n))
    sizes = rng.choice([64, 128, 4096], n).astype(np.int64)
    model = DramModel.from_spec(make_scenario().soc)
    served_now = [log.served[-1][0] + 1.0, log.served[-1][1] + 1e4]
    whole = np.concatenate(list(request_latencies(model, log, theta, [(times, sizes)], served_now, 6e5, 1)))
    edges = np.cumsum([0] + cuts)
    blocks = [(times[a:b], sizes[a:b]) for a, b in itertools.pairwise(edges)]
    by_block = np.concatenate(list(request_latencies(model, log, theta, blocks, served_now, 6e5, 1)))
    assert np.array_equal(whole, by_block)


def test_latency_stats_exact_then_within_a_bin():
    rng = np.random.default_rng(1)
    values = rng.lognormal(8.0, 1.5, 50_000)
    exact = LatencyStats(deadline_ns=5_000.0)
    for part in np.array_split(rng.permutation(values), 7):
        exact.add(part)
    s = exact.summary()
    assert exact.exact and (s.count, s.max) == (50_000, float(values.max()))
    assert (s.p50, s.p99) == (float(np.percentile(values, 50)), float(np.percentile(values, 99)))
    assert (s.late, s.lateness) == (int((values - 5_000.0 > 0).sum()), float((values - 5_000.0).max()))
    folded = LatencyStats(deadline_ns=5_000.0, exact_max=1_000)
    for v in values[:2_000].tolist():
        folded.add_one(v)
    folded.add(values[2_000:])
    f = folded.summary()
    # One counter per bin in use: at most 2^MANTISSA_BITS per doubling of the latencies.
    assert not folded.exact and folded.held <= 2**MANTISSA_BITS * (np.log2(values.max() / values.min()) + 1)
    assert (f.count, f.max, f.late, f.lateness) == (s.count, s.max, s.late, s.lateness)
    assert f.p50 == pytest.approx(s.p50, rel=2.0**-MANTISSA_BITS)
    assert f.p99 == pytest.approx(s.p99, rel=2.0**-MANTISSA_BITS)
    empty = LatencyStats(1.0).summary()
    assert (empty.count, empty.p50, empty.late, empty.lateness) == (0, None, 0, None)


def _peak_bytes(compute_ns: float) -> tuple[int, int]:
    """(requests of the CPU master, peak bytes allocated) of a fast run of one layer of ``compute_ns``."""
    cpu = {"kind": "cpu", "name": "cpu", "rate_gbps": 2.0, "request_bytes": 64}
    scenario = make_scenario(masters=[cpu], deadline_ms=60_000.0)
    plan = uniform_layer("a", 1, [4096], [4096], compute_ns)
    tracemalloc.start()
    try:
        sim = simulate(scenario, [[plan]], "fast")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return sim.masters[1].requests, peak


def test_memory_does_not_grow_with_simulated_time(monkeypatch):
    monkeypatch.setattr(latency_stats, "EXACT_MAX", 4096)
    short_requests, short_peak = _peak_bytes(2e6)
    long_requests, long_peak = _peak_bytes(16e6)
    assert long_requests > 7 * short_requests > 100_000
    # Eight times the requests (25 bytes each when they were all kept) in about the same memory.
    assert long_peak < 1.5 * short_peak
