"""The frame bound: exact for a lone master on the simple DRAM, metamorphic, and in the result."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import SCENARIOS
from soundness import cases, check

from socsim.analysis.bounds import FIDELITY_MARGIN, bound_frames, mixed_stores
from socsim.model.dram import DramModel
from socsim.model.schedule import LayerPlan, TilePlan
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
from socsim.soc.system import simulate


def chip(masters=(), dram=None, channels=1, **over):
    return Scenario.from_dict({
        "name": "b", "deadline_ms": 1.0, "frames": 1,
        "soc": {"accelerator": {"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64},
                "dma": {"channels": channels, "burst_bytes": 64, "max_outstanding": 16},
                "bus": {"width_bytes": 16, "freq_mhz": 1000.0, "arbitration": "round_robin"},
                "dram": dram or {"peak_gbps": 10.0, "latency_ns": 50.0}},
        "masters": list(masters), "workload": {"model": "mobilenet_v1"}, **over,
    })


def plan(scale=1, compute=1000.0):
    tile = TilePlan((1024 * scale, 1024 * scale), (1024 * scale,), compute)
    return [[LayerPlan("a", 4 * compute, (tile,) * 4)]]


def test_lone_master_simple_dram_bound_is_the_simulation_plus_margin():
    s = chip()
    sim = simulate(s, plan(), "burst").frames[0].latency_ns
    b = bound_frames(s, plan()).frames_ns[0]
    # No refresh, no rows, no others: the bound is the simulation plus a few bursts and the margin.
    assert sim <= b <= (sim + 4 * 6.4) * (1 + FIDELITY_MARGIN) + 1e-6


TB = {"kind": "token_bucket", "name": "cpu", "sigma_bytes": 8192, "rate_gbps": 1.0, "request_bytes": 4096}


def test_metamorphic_more_interference_larger_sizes_slower_dram():
    base = bound_frames(chip([TB]), plan()).frames_ns[0]
    more = bound_frames(chip([{**TB, "rate_gbps": 2.0, "sigma_bytes": 16384}]), plan()).frames_ns[0]
    bigger = bound_frames(chip([TB]), plan(scale=2)).frames_ns[0]
    slower = bound_frames(chip([TB], dram={"peak_gbps": 5.0, "latency_ns": 80.0}), plan()).frames_ns[0]
    timing = bound_frames(chip([TB], dram={"preset": "lpddr4-3200"}), plan()).frames_ns[0]
    assert more >= base and bigger >= base and slower >= base
    assert timing > 0


def test_tdma_has_no_bound():
    s = Scenario.from_dict({**chip().model_dump(), "soc": {**chip().soc.model_dump(), "bus": {
        "width_bytes": 16, "freq_mhz": 1000.0, "arbitration": "tdma",
        "tdma": {"slot_ns": 100.0, "table": ["npu"]}}}})
    assert bound_frames(s, plan()).reason and bound_frames(s, plan()).frames_ns == []


def test_result_analysis_section_bounds_the_simulation():
    s = Scenario.from_yaml(SCENARIOS / "mobilenet_v1_small.yaml",
                           {"frames": 2, "workload": {"model": "mobilenet_v1", "height": 64, "width": 64}})
    r = run_scenario(s).result
    a = r.bound
    assert a.wcrt_bound_ms >= r.summary.latency_ms_max
    assert a.wcrt_observed_sizes_ms <= a.wcrt_bound_ms + 1e-9
    assert a.tightness >= 1.0
    assert all(lb.exposed_dma_ms == pytest.approx(max(0.0, lb.bound_ms - lb.compute_ms)) for lb in a.layers)
    assert set(a.interference.terms) >= {"cpu", "refresh"}
    w = a.worst_case_window_bytes
    assert w[0].window_us == pytest.approx(1.0) and all(x.total_bytes > 0 for x in w)
    assert [x.window_us for x in w] == sorted(x.window_us for x in w)
    # What the simulation served in a window (bins of the fast fidelity) never beats the DRAM's peak.
    seen = [x for x in w if x.observed_bytes is not None]
    assert seen and all(0 < x.observed_bytes <= x.dram_bytes * (1 + 1e-9) for x in seen)
    served = [(x.model_extra["cpu_bytes"], x.model_extra["cpu_served_bytes"]) for x in w]
    assert a.display == [] and all(s is None or s >= b for b, s in served)


def test_counter_example_coded_stores_on_two_channels():
    """Found by the long soundness run: two coded stores share the engine on two channels, and the
    window waves of the longer one wait behind the other's engine work."""
    s = chip(channels=2, frames=2, period_ms=0.02)
    data = s.model_dump()
    data["soc"]["dma"].update({"max_outstanding": 8,
                               "codec_engine": {"bytes_per_cycle": 32, "freq_mhz": 500.0, "latency_cycles": 16}})
    s = Scenario.from_dict(data)
    frame0 = [LayerPlan("l0", 0.0, (TilePlan((), (64,), 0.0, (), (128,), (), (False,)),))]
    frame1 = [LayerPlan("l0", 0.0, (TilePlan((), (320, 1024), 0.0, (), (640, 2048), (), (True, True)),))]
    plans = [frame0, frame1]
    sim = simulate(s, plans, "burst")
    bound = bound_frames(s, plans)
    assert all(f.latency_ns <= b for f, b in zip(sim.frames, bound.frames_ns))


@pytest.mark.parametrize("codec", ["rle", "spm", "dct:keep=21"])
def test_adversarial_runs_stay_below_the_bound(codec):
    over = {"frames": 1, "workload": {"model": "mobilenet_v1", "height": 64, "width": 64}, "codec": codec}
    s = Scenario.from_yaml(SCENARIOS / "mobilenet_v1_small.yaml", over)
    normal = run_scenario(s).result
    adv = run_scenario(s, adversarial=True).result
    assert adv.adversarial and not normal.adversarial
    for r in (normal, adv):
        assert r.summary.latency_ms_max <= r.bound.wcrt_bound_ms
    # Worst-case sizes never move fewer bytes than the real ones.
    assert adv.frames[0].dram_write_bytes >= normal.frames[0].dram_write_bytes
    ratio = adv.bound.sensitivity.min_guaranteed_compression_ratio
    assert ratio is None or ratio >= 1.0


def _tile(reads, writes, compute, read_coded=False, write_coded=False):
    """A tile whose raw sizes are twice the coded ones, as in the soundness cases."""
    rc = read_coded if isinstance(read_coded, tuple) else (read_coded,) * len(reads)
    wc = write_coded if isinstance(write_coded, tuple) else (write_coded,) * len(writes)
    return TilePlan(tuple(reads), tuple(writes), float(compute), tuple(2 * r for r in reads),
                    tuple(2 * w for w in writes), rc, wc)


def _small(dma, masters=(), **over):
    data = {"name": "sound", "deadline_ms": 1.0, "frames": 1,
            "soc": {"accelerator": {"rows": 8, "cols": 8, "sram_kib": 64}, "dma": {"burst_bytes": 64, **dma},
                    "bus": {"width_bytes": 32, "arbitration": "round_robin"},
                    "dram": {"peak_gbps": 10.0, "latency_ns": 50.0}},
            "masters": list(masters), "workload": {"model": "mobilenet_v1"}}
    data.update(over)
    return Scenario.from_dict(data)


ENGINE = {"bytes_per_cycle": 32, "freq_mhz": 500.0, "latency_cycles": 16}


def test_counter_example_token_bucket_requests_larger_than_sigma():
    """Found by the long soundness run: a token bucket with σ = 0 still sends 4 KiB requests whole,
    so its envelope in a window that does not start at time 0 needs σ ≥ one request."""
    tb = {"kind": "token_bucket", "sigma_bytes": 0, "read_fraction": 0.5, "request_bytes": 4096}
    s = _small({"max_outstanding": 8}, [{**tb, "name": "m0", "rate_gbps": 2.0}, {**tb, "name": "m1", "rate_gbps": 1.0}],
               frames=2, period_ms=0.02, seed=1)
    plans = [[LayerPlan("l0", 3000.0, (_tile((640, 256, 1600), (), 3000.0),))],
             [LayerPlan("l0", 550.0, (_tile((), (), 50.0), _tile((), (2624, 1216), 500.0),
                                      _tile((320, 2496), (), 0.0)))]]
    assert check(s, plans) == []


def test_counter_example_store_compression_overtakes_load_decompression():
    """Found by the long soundness run: on one channel a compressed store's bursts enter the codec
    engine as soon as they are issued, ahead of the earlier load's bursts still coming back from
    DRAM to be decompressed, so the load completes after the store's engine work."""
    s = _small({"max_outstanding": 128, "codec_engine": ENGINE}, [], seed=5)
    plans = [[LayerPlan("l1", 6500.0, (
        _tile((1536,), (2688, 3584), 500.0, True, True), _tile((2944, 3264, 256), (), 3000.0, True),
        _tile((), (3520, 2304), 0.0, False, True), _tile((2880, 512, 1152), (896, 2944), 3000.0, True, True)))]]
    assert check(s, plans) == []


def test_counter_example_compressed_then_uncompressed_stores():
    """Found by the long soundness run: an uncompressed store goes straight to the path while the
    previous compressed store's bursts are still in the engine, so the two interleave the rows of the
    store bank (here across a row boundary) and many bursts conflict; the bound then charges a
    conflict per burst."""
    s = _small({}, [], soc={"accelerator": {"rows": 8, "cols": 8, "sram_kib": 64},
                            "dma": {"burst_bytes": 64, "max_outstanding": 64, "codec_engine": ENGINE},
                            "bus": {"width_bytes": 16, "arbitration": "round_robin"}, "dram": {"preset": "lpddr5-6400"}})
    plans = [[LayerPlan("l0", 100.0, (_tile((), (16000,), 50.0, (), True), _tile((), (4096,), 50.0, (), False)))]]
    assert mixed_stores(s, plans)
    assert check(s, plans) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(stress=True), st.sampled_from([0.1, 0.5, 2.0]))
def test_metamorphic_over_random_cases(case, extra_gbps):
    """More interference (an extra interferer, or one more token-bucket master on the same address
    map) and larger transfers never lower any frame's bound, whichever form gives it."""
    scenario, plans = case
    base = bound_frames(scenario, plans)
    if base.reason:
        return
    more = bound_frames(scenario, plans, extra_gbps=extra_gbps)
    data = scenario.model_dump()
    data["masters"] = data["masters"] + [{"kind": "token_bucket", "name": "extra", "sigma_bytes": 4096,
                                          "rate_gbps": extra_gbps, "request_bytes": 1024}]
    crowded_scenario = Scenario.from_dict(data)
    crowded = bound_frames(crowded_scenario, plans)
    model, crowded_model = DramModel.from_spec(scenario.soc), DramModel.from_spec(crowded_scenario.soc)
    channels, n = scenario.soc.dma.channels, len(scenario.masters)
    if model.splits_directions(channels, n) != crowded_model.splits_directions(channels, n + 1):
        crowded = base  # one more master changes the address map (loads and stores share a stream)
    bigger_plans = [[LayerPlan(layer.name, layer.compute_ns, tuple(
        TilePlan(tuple(2 * r for r in t.read_bytes), tuple(2 * w for w in t.write_bytes), t.compute_ns,
                 tuple(2 * r for r in t.read_raw), tuple(2 * w for w in t.write_raw), t.read_coded, t.write_coded)
        for t in layer.tiles)) for layer in frame] for frame in plans]
    bigger = bound_frames(scenario, bigger_plans)
    for other in (more, crowded, bigger):
        if other.reason:
            continue
        assert all(o >= b * (1 - 1e-12) for o, b in zip(other.frames_ns, base.frames_ns))


def test_loads_and_stores_share_a_stream_when_banks_are_few():
    """With fewer banks than streams a channel's loads and stores are one stream, so an uncompressed
    load overtakes the previous compressed store's bursts in the engine and the two interleave rows;
    the bound then charges a conflict per burst, and still holds."""
    timing = {"channels": 1, "banks": 1, "row_bytes": 2048, "t_cl_ns": 10.0, "t_rcd_ns": 12.0, "t_rp_ns": 12.0,
              "t_rfc_ns": 0.0, "t_refi_ns": 3900.0, "t_w2r_ns": 0.0, "t_r2w_ns": 0.0, "write_batch_bytes": 4096}
    s = _small({}, [], soc={"accelerator": {"rows": 8, "cols": 8, "sram_kib": 64},
                            "dma": {"burst_bytes": 64, "max_outstanding": 64, "codec_engine": ENGINE},
                            "bus": {"width_bytes": 16, "arbitration": "round_robin"},
                            "dram": {"peak_gbps": 10.0, "latency_ns": 50.0, "model": "timing", "timing": timing}})
    model = DramModel.from_spec(s.soc)
    assert not model.splits_directions(1, 0) and model.stream_banks(1, 0) == ([(0, 0)], [])
    plans = [[LayerPlan("l0", 150.0, (_tile((), (3968,), 50.0, (), True), _tile((), (), 50.0),
                                      _tile((4096,), (), 50.0, False)))]]
    assert mixed_stores(s, plans)
    assert check(s, plans) == []


def test_counter_example_later_transfers_overtake_a_compressed_store():
    """Found by the long soundness run: on one channel a compressed store's bursts wait in the
    engine while a later uncompressed store's bursts go straight to the path ahead of them."""
    s = _small({"max_outstanding": 128, "codec_engine": ENGINE}, [], seed=4)
    plans = [[LayerPlan("l2", 3550.0, (
        _tile((576, 1920), (2560,), 50.0, True, True), _tile((832, 1344), (2816, 2944), 0.0),
        _tile((), (2880,), 500.0), _tile((), (2560, 3008), 3000.0, (), True)))]]
    assert check(s, plans) == []
