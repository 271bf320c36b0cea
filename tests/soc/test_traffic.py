"""Bus masters: request sequences, declared envelopes, seeds, display underflows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from soc_helpers import both_fidelities, make_scenario, uniform_layer

from socsim.model.masters import (
    CpuSource,
    DisplaySource,
    IspSource,
    TokenBucketSource,
    make_sources,
)
from socsim.scenario import CpuMaster, DisplayMaster, IspMaster, TokenBucketMaster
from socsim.soc.system import simulate


def assert_envelope(times, sizes, sigma, rho):
    """Bytes requested in every window [t_i, t_j] ≤ σ + ρ·(t_j − t_i) (trivially true without requests)."""
    if len(times) == 0:
        return
    s_after = np.cumsum(sizes, dtype=float)
    s_before = s_after - sizes
    # max over i ≤ j of (S_j − S_{i−1}) − ρ(t_j − t_i) = S_j − ρ t_j − min_{i≤j}(S_{i−1} − ρ t_i)
    worst = s_after - rho * times - np.minimum.accumulate(s_before - rho * times)
    assert worst.max() <= sigma * (1 + 1e-9) + 1e-6


def test_isp_writes_lines_at_the_line_rate():
    spec = IspMaster(kind="isp", name="isp", width=2048, height=1024, fps=30, line_time_ns=30_000.0)
    src = IspSource(spec, 64)
    t, s, w, _ = src.requests_until(2e9 / 30)
    assert len(t) == 2048 and np.all(s == 4096) and w.all()
    assert t[:2] == pytest.approx([30_000.0, 60_000.0]) and t[1024] == pytest.approx(1e9 / 30 + 30_000.0)
    assert src.envelope() == pytest.approx((4096.0, 4096 / 30_000.0))
    assert_envelope(t, s, *src.envelope())


def test_display_reads_isochronously_with_a_fifo_deadline():
    spec = DisplayMaster(kind="display", name="d", width=1920, height=1080, fps=60, fifo_bytes=65536)
    src = DisplaySource(spec, 64)
    rho = 1920 * 1080 * 4 * 60 / 1e9
    assert src.envelope() == pytest.approx((4096.0, rho))
    assert src.deadline_ns == pytest.approx(65536 / rho)
    t, s, w, _ = src.requests_until(1e6)
    assert not w.any() and np.diff(t) == pytest.approx(np.full(len(t) - 1, 4096 / rho))
    assert_envelope(t, s, *src.envelope())


def test_token_bucket_issues_sigma_then_rate():
    spec = TokenBucketMaster(kind="token_bucket", name="tb", sigma_bytes=10000, rate_gbps=2.0, request_bytes=1000,
                             read_fraction=0.75)
    src = TokenBucketSource(spec, 64)
    t, s, w, _ = src.requests_until(1e5)
    assert src.request_bytes == 1024 and (t == 0).sum() == 9  # ⌊10000/1024⌋ at time 0
    assert w.mean() == pytest.approx(0.25, abs=0.01)
    assert_envelope(t, s, *src.envelope())


@pytest.mark.parametrize("sigma", [0, 100, 4096, 10000])
@pytest.mark.parametrize("request_bytes", [64, 1000, 4096])
def test_token_bucket_envelope_holds_in_every_window(sigma, request_bytes):
    """Requests arrive whole: with σ below one request the declared σ is one request (a window
    that opens at a request holds all of it), which the worst-case analysis relies on."""
    spec = TokenBucketMaster(kind="token_bucket", name="tb", sigma_bytes=sigma, rate_gbps=2.0,
                             request_bytes=request_bytes)
    src = TokenBucketSource(spec, 64)
    t, s, _, _ = src.requests_until(1e5)
    assert src.envelope()[0] == max(sigma, src.request_bytes)
    assert_envelope(t, s, *src.envelope())


@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 8.0), st.sampled_from([64, 128, 4096]), st.sampled_from([4096, 65536]),
       st.sampled_from(["random", "bursty"]), st.integers(0, 2**32 - 1))
def test_cpu_respects_its_envelope_whatever_the_draws(rate, request, burst, arrivals, seed):
    spec = CpuMaster(kind="cpu", name="c", rate_gbps=rate, request_bytes=request, burst_bytes=burst,
                     arrivals=arrivals, seed=seed)
    src = CpuSource(spec, 64, seed)
    t, s, _, _ = src.requests_until(2e6)
    assert np.all(np.diff(t) >= 0)
    assert_envelope(t, s, *src.envelope())


def test_cpu_mean_rate_and_seeds():
    spec = CpuMaster(kind="cpu", name="c", rate_gbps=2.0, request_bytes=64, burst_bytes=4096)
    a = CpuSource(spec, 64, 1).requests_until(1e7)
    b = CpuSource(spec, 64, 1).requests_until(1e7)
    c = CpuSource(spec, 64, 2).requests_until(1e7)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert a[1].sum() / 1e7 == pytest.approx(2.0, rel=0.03)
    assert (~a[2]).mean() == pytest.approx(0.7, abs=0.01)


def test_cpu_seeds_derive_from_the_scenario_seed():
    masters = [CpuMaster(kind="cpu", name="a", rate_gbps=1.0), CpuMaster(kind="cpu", name="b", rate_gbps=1.0)]
    s0 = [src.seed for src in make_sources(masters, 64, 0)]
    s1 = [src.seed for src in make_sources(masters, 64, 1)]
    assert s0 != s1 and len(set(s0)) == 2 and s0 == [src.seed for src in make_sources(masters, 64, 0)]


def test_fluid_arrivals_track_the_requests():
    spec = CpuMaster(kind="cpu", name="c", rate_gbps=1.0, request_bytes=64, burst_bytes=65536, arrivals="bursty")
    src = CpuSource(spec, 64, 3)
    segs = src.fluid_segments(10_000.0)
    total = 0.0
    last_t, last_r = next(segs)
    for t, r in segs:
        total += last_r * (t - last_t)
        last_t, last_r = t, r
        if t >= 1e6:
            break
    assert total == pytest.approx(src.requests_until(1e6)[1].sum())


@both_fidelities
def test_display_underflows_are_counted(fidelity):
    display = {"kind": "display", "name": "disp", "width": 640, "height": 480, "fps": 60, "fifo_bytes": 4096,
               "request_bytes": 1024}
    plan = uniform_layer("a", 1, [16384] * 32, [64], 10.0)
    starved = make_scenario(masters=[display], arbitration="fixed_priority", dma={"max_outstanding": 64})
    sim = simulate(starved, [[plan]], fidelity)
    disp = sim.masters[1]
    # The NPU has priority for its 512 KiB load (≈52 µs at 10 B/ns); the 4 KiB FIFO lasts 55 µs.
    assert disp.underflows == 0
    tiny = {**display, "fifo_bytes": 1024}
    sim = simulate(make_scenario(masters=[tiny], arbitration="fixed_priority", dma={"max_outstanding": 64}),
                   [[plan]], fidelity)
    assert sim.masters[1].underflows > 0 and sim.masters[1].worst_lateness_ns > 0
    fair = simulate(make_scenario(masters=[tiny], arbitration="round_robin", dma={"max_outstanding": 64}),
                    [[plan]], fidelity)
    assert fair.masters[1].underflows == 0
