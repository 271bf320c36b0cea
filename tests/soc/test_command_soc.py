"""``soc.dram.model: command`` in the burst fidelity (socsim.soc.command_controller), its bound, and the fast fidelity beside the burst one."""

import pytest
from soc_helpers import make_scenario, uniform_layer

from socsim.errors import ScenarioError
from socsim.analysis.bounds import bound_frames
from socsim.model.dram import DramModel, bound_model, worst_case_service
from socsim.soc.system import simulate

COMMAND = {"preset": "ddr4-3200", "model": "command"}
FAST_BUS = {"width_bytes": 64, "freq_mhz": 1000.0}


def _load_ns(dram, size=256 * 1024, outstanding=32):
    plan = uniform_layer("a", 1, [size], [64], 10.0)
    sc = make_scenario(dram=dram, bus=FAST_BUS, dma={"max_outstanding": outstanding})
    sim = simulate(sc, [[plan]], "burst")
    return sim, sim.frames[0].layers[0].tile_spans[0][0]


def test_sequential_load_is_bound_by_tccd_l():
    # One stream in one bank: consecutive bursts in one bank group are tCCD_L = 8 clocks apart,
    # at most 64 B / 5 ns = 12.8 GB/s; DRAMsim3 measures 45.5 % of 25.4 GB/s for this pattern.
    sim, span = _load_ns(COMMAND)
    npu = sim.masters[0]
    assert npu.bytes_requested == npu.bytes_delivered
    gbps = 256 * 1024 / span
    assert 0.85 * 12.8 < gbps < 12.8
    assert sim.masters[0].row_misses <= 256 * 1024 // 8192 + 3  # one per row, the store, a refresh
    assert sim.path.model == "command"
    assert sim.worst_case_service == worst_case_service(bound_model(make_scenario(dram=COMMAND).soc))


def test_lpddr4_burst_is_the_minimum_access():
    # 64 B DMA bursts on a 128 B-burst LPDDR4 rank: each costs a whole device burst.
    sim64, _ = _load_ns({"preset": "lpddr4-3200", "model": "command"}, size=64 * 1024)
    assert sim64.masters[0].bytes_delivered == 64 * 1024 + 64  # the load and its 64 B store
    busy_per_burst = sim64.masters[0].busy_ns / sim64.masters[0].bursts
    assert busy_per_burst == pytest.approx(8 * 0.625)


def test_default_models_are_unchanged():
    assert make_scenario(dram={"preset": "ddr4-3200"}).soc.dram.resolved_model == "timing"
    assert make_scenario().soc.dram.resolved_model == "simple"


@pytest.mark.parametrize("dram", [COMMAND, {"preset": "lpddr4-3200", "model": "command"}])
def test_fast_fidelity_serves_the_command_model_at_its_steady_rate(dram):
    # A 1 MiB load, then its store: the fluid moves it at the steady rate of one read stream in its
    # bank (tCCD_L-bound on DDR4), the store at that of one write stream; the burst fidelity agrees
    # within 1 % (LPDDR4: 64 B bus bursts on 128 B device bursts, two per column's row share).
    plan = uniform_layer("a", 1, [1 << 20], [1 << 16], 10.0)
    sc = make_scenario(dram=dram, bus=FAST_BUS, dma={"max_outstanding": 32})
    fast, burst = simulate(sc, [[plan]], "fast"), simulate(sc, [[plan]], "burst")
    assert fast.path.model == "command" and fast.fidelity == "fast"
    assert fast.masters[0].bytes_delivered == burst.masters[0].bytes_delivered == (1 << 20) + (1 << 16)
    assert fast.frames[0].latency_ns == pytest.approx(burst.frames[0].latency_ns, rel=0.01)
    assert simulate(sc, [[plan]], "fast").frames[0].latency_ns == fast.frames[0].latency_ns


def test_the_worst_case_of_the_command_model_is_its_bound_view():
    """The analysis bounds the command model through its costs per traffic class (DDR4-3200,
    socsim.model.dram_worst_case): a hit h = tCCD_L = 8 clocks; a switch pair t_turn =
    (16 + 4 + 12 − 8) + (22 + 4 + 1 − 16 − 8) = 27 clocks per drain of D = 9 writes (the low
    watermark 8 + 1; 8 + 16 − 1 < 16 + 4 + tWTR_S 4); a row conflict m = c_W − h = 88 − 8 plus a
    pair; refresh tRFC + tRP per tREFI."""
    soc = make_scenario(dram=COMMAND, bus=FAST_BUS).soc
    with pytest.raises(ScenarioError, match="soc.dram.model"):
        worst_case_service(DramModel.from_spec(soc))
    view = bound_model(soc)
    ck = 0.625
    assert view.t_serve_ns == pytest.approx(8 * ck) and view.t_miss_ns == pytest.approx((80 + 27) * ck)
    assert view.row_bytes == 8192 and view.banks == 16
    assert view.t_turn_ns == pytest.approx(27 * ck) and view.write_batch_bytes == 9 * 64
    assert view.worst_burst_ns() == pytest.approx((8 + 107 + 27 / 9) * ck)
    assert view.t_rfc_ns == pytest.approx((560 + 22) * ck) and view.t_refi_ns == pytest.approx(12480 * ck)
    # Overtaking: row_hit_cap 4 + 3 × (2 streams − 1) younger bursts, each at most the W→R spacing of 32 clocks.
    assert view.latency_ns == pytest.approx(DramModel.from_spec(soc).latency_ns + (4 + 7 * 32) * ck)


def test_analysis_bounds_a_frame_on_the_command_model():
    plan = uniform_layer("a", 1, [64 * 1024], [64], 10.0)
    sc = make_scenario(dram=COMMAND, bus=FAST_BUS)
    bound = bound_frames(sc, [[plan]])
    sim = simulate(sc, [[plan]], "burst")
    assert bound.reason is None and sim.frames[0].latency_ns <= bound.frames_ns[0]


def test_command_model_needs_a_device():
    with pytest.raises(ScenarioError, match="command"):
        make_scenario(dram={"peak_gbps": 10.0, "latency_ns": 50.0, "model": "command"})


def test_command_bound_charges_rows_not_bursts():
    """A lone sequential load in its own bank pays one conflict per 8 KiB row, not per burst: its
    bound is within 3× of the simulation (every burst a bank cycle would be 88/8 = 11× the CAS spacing)."""
    plan = uniform_layer("a", 1, [256 * 1024], [64], 10.0)
    sc = make_scenario(dram=COMMAND, bus=FAST_BUS, dma={"max_outstanding": 64})
    bound = bound_frames(sc, [[plan]])
    sim = simulate(sc, [[plan]], "burst")
    assert sim.frames[0].latency_ns <= bound.frames_ns[0] <= 3 * sim.frames[0].latency_ns


def test_shared_banks_pay_a_conflict_per_burst():
    """Cut to two banks, the loads, the stores and a random-address CPU share banks: every burst may
    conflict (the bound charges it), and the simulated frame stays within the bound."""
    from socsim.registry import DRAM_PRESETS

    device = {**DRAM_PRESETS.load("ddr4-3200").device.model_dump(), "bankgroups": 1, "banks_per_group": 2}
    cpu = {"kind": "cpu", "name": "cpu", "rate_gbps": 0.5, "request_bytes": 64, "burst_bytes": 4096,
           "arrivals": "random", "addresses": "random"}
    plan = uniform_layer("a", 2, [32 * 1024], [16 * 1024], 500.0)
    shared = make_scenario(dram={**COMMAND, "device": device}, bus=FAST_BUS, masters=[cpu])
    b_shared = bound_frames(shared, [[plan]])
    assert b_shared.reason is None
    assert simulate(shared, [[plan]], "burst").frames[0].latency_ns <= b_shared.frames_ns[0]
