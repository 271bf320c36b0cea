"""The DRAM timing model: burst costs, refresh, turnaround, presets, effective bandwidth and worst case."""

import math

import numpy as np
import pytest
from soc_helpers import both_fidelities, make_scenario, uniform_layer

from socsim.model.dram import (
    CLOSED,
    CONFLICT,
    HIT,
    DramModel,
    DramState,
    refresh_ns,
    worst_case_service,
)
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramSpec, DramTimingSpec, SocSpec
from socsim.soc.system import simulate

TIMING = {"channels": 1, "banks": 8, "row_bytes": 4096, "t_cl_ns": 10.0, "t_rcd_ns": 15.0, "t_rp_ns": 15.0,
          "t_rfc_ns": 200.0, "t_refi_ns": 4000.0, "t_w2r_ns": 20.0, "t_r2w_ns": 5.0, "write_batch_bytes": 1024}


def dram(**timing):
    """A 10 GB/s, 50 ns DRAM with the timing model and ``timing`` overrides."""
    return {"peak_gbps": 10.0, "latency_ns": 50.0, "model": "timing", "timing": {**TIMING, **timing}}


def model(**timing) -> DramModel:
    return DramModel.from_spec(SocSpec.model_validate(
        {"bus": {"width_bytes": 16, "freq_mhz": 1000.0}, "dram": dram(**timing)}))


def test_burst_costs_hit_closed_conflict():
    m = model(t_rfc_ns=0.0)
    st = DramState(m, 1)
    tb = 6.4  # 64 B at 10 B/ns
    assert st.serve(0, 0, 5, False, 0.0) == pytest.approx((0.0, tb + 15))  # closed bank
    assert st.serve(0, 0, 5, False, 100.0) == pytest.approx((100.0, 100 + tb))  # row hit
    assert st.serve(0, 0, 6, False, 200.0) == pytest.approx((200.0, 200 + tb + 30))  # row conflict
    assert st.serve(0, 1, 6, False, 300.0) == pytest.approx((300.0, 300 + tb + 15))  # another bank: closed
    assert st.kinds[0] == [1, 2, 1] and (HIT, CLOSED, CONFLICT) == (0, 1, 2)


def test_refresh_blackout_delays_and_closes_rows():
    m = model(t_refi_ns=1000.0, t_rfc_ns=100.0)
    st = DramState(m, 1)
    st.serve(0, 0, 1, False, 0.0)
    # Granted inside the blackout [1000, 1100): starts after it, and the row is closed again.
    assert st.serve(0, 0, 1, False, 1050.0) == pytest.approx((1100.0, 1100 + 6.4 + 15))
    # A burst that would straddle the next blackout (at 2000) starts after it.
    start, end = st.serve(0, 0, 1, False, 1995.0)
    assert start == pytest.approx(2100.0) and end == pytest.approx(2100 + 6.4 + 15)
    assert refresh_ns(m, 2050.0) == pytest.approx(150.0)
    assert refresh_ns(m, 10_000.0) == pytest.approx(900.0)


def test_turnaround_pair_once_per_write_batch_and_only_with_reads():
    m = model(t_rfc_ns=0.0, row_bytes=1 << 30)
    st = DramState(m, 1)
    t = 0.0
    for _ in range(32):  # write-only: 2048 bytes, no pair
        t = st.serve(0, 0, 0, True, t)[1]
    assert st.turns[0] == 0
    st.serve(0, 0, 0, False, t)
    for _ in range(32):  # after a read: one pair at the next batch boundary (1024 B), then none
        t = st.serve(0, 0, 0, True, t)[1]
    assert st.turns[0] == 1


@pytest.mark.parametrize("preset", sorted(DRAM_PRESETS.names()))
def test_presets_resolve_and_cite_sources(preset):
    p = DRAM_PRESETS.load(preset)
    assert "JESD" in p.source
    spec = DramSpec(preset=preset)
    assert spec.resolved_model == "timing" and spec.resolved_timing == p.timing
    m = DramModel.from_spec(SocSpec(dram=spec, bus={"width_bytes": 64, "freq_mhz": 4000.0}))
    assert m.rate_gbps == pytest.approx(p.peak_gbps)
    # A lone sequential stream loses one conflict per row and the refresh: 60–95 % of peak (HBM2's
    # 1 KiB pseudo-channel row lasts 64 ns at 16 GB/s against tRP + tRCD = 28 ns: 63 %).
    assert 0.6 * p.peak_gbps < m.effective_gbps() < 0.95 * p.peak_gbps
    assert worst_case_service(m)[0] < worst_case_service(m, m.row_bytes, 8)[0] < m.effective_gbps()


def test_simple_model_is_peak_and_latency():
    m = DramModel.from_spec(SocSpec(dram=DramSpec(peak_gbps=10.0, latency_ns=50.0)))
    assert m.model == "simple" and m.effective_gbps() == pytest.approx(10.0)
    assert worst_case_service(m) == pytest.approx((10.0, 50.0 + 6.4))


def _lone_read(fidelity, dram_spec, nbytes=1 << 20):
    """Load time of a lone backlogged sequential read stream (ns), minus the pipeline latency."""
    s = make_scenario(dram=dram_spec, dma={"max_outstanding": 256})
    plan = uniform_layer("a", 1, [16384] * (nbytes // 16384), [64], 10.0)
    sim = simulate(s, [[plan]], fidelity)
    return sim.frames[0].layers[0].tile_spans[0][0] - 50.0, sim


@both_fidelities
def test_lone_master_gets_the_effective_bandwidth(fidelity):
    t, sim = _lone_read(fidelity, dram())
    assert (1 << 20) / t == pytest.approx(sim.path.effective_gbps(), rel=0.01)


@both_fidelities
def test_refresh_costs_trfc_over_trefi(fidelity):
    t, _ = _lone_read(fidelity, dram(row_bytes=1 << 30, t_rcd_ns=0.0, t_rp_ns=0.0, t_rfc_ns=400.0, t_refi_ns=4000.0))
    assert (1 << 20) / t == pytest.approx(10.0 * (1 - 400 / 4000), rel=0.005)


def _served_curve(m: DramModel, bursts):
    """Serve a backlogged sequence of (bank, row, write) bursts back to back; delivery times (ns)."""
    st = DramState(m, 1)
    t = 0.0
    out = []
    for bank, row, write in bursts:
        t = st.serve(0, bank, row, write, t)[1]
        out.append(t + m.latency_ns)
    return np.asarray(out)


def _check_service(delivered: np.ndarray, b: int, rate: float, latency: float) -> None:
    # Bytes delivered by every window start k (backlogged from there on) ≥ R·(t − T)⁺.
    starts = [0.0] + list(delivered[:-1] - 50.0)
    for k in range(0, len(delivered), max(1, len(delivered) // 50)):
        t = delivered[k:] - starts[k]
        got = b * np.arange(1, len(t) + 1)
        assert np.all(got >= rate * (t - latency) - 1e-6)


def test_worst_case_service_bounds_an_adversarial_pattern():
    m = model(t_refi_ns=2000.0, t_rfc_ns=150.0)
    rng = np.random.default_rng(0)
    bursts = [(int(rng.integers(0, 2)), int(rng.integers(0, 1 << 20)), bool(rng.random() < 0.5)) for _ in range(3000)]
    rate, latency = worst_case_service(m)
    _check_service(_served_curve(m, bursts), m.burst_bytes, rate, latency)


def test_partitioned_worst_case_bounds_sequential_streams():
    m = model(t_refi_ns=2000.0, t_rfc_ns=150.0)
    rng = np.random.default_rng(1)
    pos = [0, 0, 0]
    bursts = []
    for _ in range(6000):
        s = int(rng.integers(0, 3))
        bursts.append((s, pos[s] // m.row_bytes, s == 2))
        pos[s] += m.burst_bytes
    rate, latency = worst_case_service(m, m.row_bytes, 3)
    assert rate > 3 * worst_case_service(m)[0]
    _check_service(_served_curve(m, bursts), m.burst_bytes, rate, latency)


def test_timing_spec_is_strict():
    with pytest.raises(Exception):
        DramTimingSpec(**{**TIMING, "banks": 0})
    with pytest.raises(Exception):
        DramSpec(model="timing", peak_gbps=1.0, latency_ns=1.0)
    assert math.isinf(model(t_rfc_ns=0.0).t_refi_ns)
