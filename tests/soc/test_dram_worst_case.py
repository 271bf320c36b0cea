"""The command-level DRAM's worst case (socsim.model.dram_worst_case) holds on DRAMsim3's figures and on the controller."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.dramsim3_config import load_dramsim3_ini
from socsim.model import dram_worst_case as W
from socsim.model.address_map import DramAddress
from socsim.model.dram_controller import DramController, address_map, run_trace
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramControllerSpec

from paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())
CASES = [(name, p) for name, dev in REFERENCE["devices"].items() for p in dev["patterns"]]
DDR4 = DRAM_PRESETS.load("ddr4-3200").device


def test_ddr4_cycles_by_hand():
    """DDR4-3200AA: c_R = tRAS + tRP = 52 + 22; c_W = tRCD + CWL + BL/2 + tWR + tRP = 22 + 16 + 4 + 24 + 22."""
    assert W.bank_cycle(DDR4, False) == 74 and W.bank_cycle(DDR4, True) == 88
    assert W.burst_interval(DDR4, False) == 74 and W.burst_interval(DDR4, True) == 88
    assert W.refresh_cost(DDR4, False) == 560 + 22 + 74
    assert W.worst_case_efficiency(DDR4, False) == pytest.approx(4 / 74 * (1 - 656 / 12480))


@pytest.mark.parametrize("device, pattern", CASES)
def test_worst_case_efficiency_below_dramsim3(device, pattern):
    """On every fixture pattern the guaranteed share of peak is at most what DRAMsim3 delivered,
    over long windows and over the fixture's own window (β(cycles))."""
    dev = REFERENCE["devices"][device]
    ref = dev["patterns"][pattern]
    d, _ = load_dramsim3_ini(FIXTURES / dev["config"])
    writes = ref["parameters"]["read_fraction"] < 1.0
    assert W.worst_case_efficiency(d, writes) <= ref["dramsim3"]["share_of_peak"]
    assert W.service_curve(d, writes).bursts(REFERENCE["cycles"]) <= ref["dramsim3"]["bursts_served"]


def _trace(draw, d, n):
    """Saturating bursts over a few rows of a few banks: row conflicts, shared banks, reads and writes."""
    amap = address_map(d)
    banks = draw(st.lists(st.tuples(st.integers(0, d.bankgroups - 1), st.integers(0, d.banks_per_group - 1)),
                          min_size=1, max_size=4))
    rows = draw(st.integers(1, 8))
    write_share = draw(st.sampled_from([0.0, 0.3, 1.0]))
    seed = draw(st.integers(0, 10_000))
    import random
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        bg, ba = rng.choice(banks)
        a = DramAddress(0, bg, ba, rng.randrange(rows) * 97 % d.rows, rng.randrange(d.columns // d.BL))
        out.append((amap.encode(a), rng.random() < write_share))
    return out, write_share > 0


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_controller_serves_at_least_the_service_curve(data):
    """Random saturating traffic of row conflicts in shared banks: RD/WR issued in the window ≥ β(window),
    and no read waits longer than the per-request bound."""
    name = data.draw(st.sampled_from(["ddr4-3200", "lpddr4-3200"]))
    d = DRAM_PRESETS.load(name).device
    cap = data.draw(st.sampled_from([1, 4, 16]))
    ctrl_spec = DramControllerSpec(row_hit_cap=cap)
    cycles = 30_000
    trace, writes = _trace(data.draw, d, 6_000)
    ctrl = DramController(d, ctrl_spec)
    served = run_trace(ctrl, trace, cycles)
    assert served.bursts >= W.service_curve(d, writes).bursts(cycles)
    assert max(ctrl.stats.read_latency, default=0) <= W.request_latency(d, ctrl_spec)


def test_per_class_costs_by_hand():
    """DDR4-3200: hit h = tCCD_L = 8; conflict m = c_W − h = 80; switch pair (CWL + BL/2 + tWTR_L − h)
    + (CL + BL/2 + tRTRS − CWL − h) = 24 + 3; a drain of low watermark + 1 = 9 writes per pair."""
    assert W.hit_cycles(DDR4) == 8 and W.miss_cycles(DDR4) == 80
    assert W.switch_cycles(DDR4) == (32, 11) and W.turnaround_cycles(DDR4) == 27
    assert W.drain_writes(DDR4, DramControllerSpec()) == 9
    assert W.drain_writes(DDR4, DramControllerSpec(write_low_watermark=0)) == 1
    assert W.overtakers(DramControllerSpec(), 2) == 4 + 3 and W.overtake_cycles(DDR4) == 32


def test_no_drain_credit_when_a_read_may_pass_a_ready_write():
    """With tWTR_S so short that WL + t_B + tWTR_S ≤ h + banks − 1, a read may issue between two ready
    writes: one switch pair per write."""
    fast_turn = DDR4.model_copy(update={"CWL": 9, "tWTR_S": 1, "tWTR_L": 1})
    assert W.drain_writes(fast_turn, DramControllerSpec()) == 1
