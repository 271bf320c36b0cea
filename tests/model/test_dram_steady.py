"""The steady state of a command-level DRAM (socsim.model.dram_steady) and ``socsim dram --fidelity fast``
against the clock-by-clock window (the burst fidelity: the slow, obvious reference)."""

import pytest

from socsim.dram_characterise import characterise, dram_under_test, run_pattern
from socsim.model.dram_controller import DramController, address_map
from socsim.model.dram_patterns import PATTERNS
from socsim.model.dram_steady import mix_ns_per_byte, saturating_gbps, serve, steady_cycles, steady_state
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramControllerSpec

from paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
DDR4 = FIXTURES / "DDR4_8Gb_x16_3200.ini"


def _sequential(dut):
    d = dut.device
    addr = 0
    while True:
        yield [addr], False
        addr += d.burst_bytes


def test_steady_state_runs_exactly_what_serve_runs():
    """The counts at the first period and at the end are those of one clock-by-clock window."""
    dut = dram_under_test(None, DDR4)
    amap = address_map(dut.device)
    warm, span = steady_cycles(DramController(dut.device, dut.controller, amap))
    st = steady_state([DramController(dut.device, dut.controller, amap)], amap, _sequential(dut))
    ref = DramController(dut.device, dut.controller, amap)
    (end,) = serve([ref], amap, _sequential(dut), warm + span, None, (warm + span,))
    assert st.warm_cycles == warm and st.span_cycles == span
    assert st.warm.bursts + st.span.bursts == end.bursts and st.warm.hits + st.span.hits == end.hits
    assert st.bursts(warm + span) == pytest.approx(end.bursts)
    with pytest.raises(ValueError):
        st.bursts(warm)


def test_a_window_the_steady_state_covers_is_run_whole_at_both_fidelities():
    dut = dram_under_test("ddr4-3200", None)
    short = 20_000
    assert characterise(dut, ["random_read", "read_write"], short, "fast")["patterns"] == \
        characterise(dut, ["random_read", "read_write"], short, "burst")["patterns"]


@pytest.mark.parametrize("name", ["random_read", "read_write", "row_conflict_mixed", "seq_read@0.5"])
def test_fast_is_within_2_percent_of_burst(name):
    """One fixture config, a few patterns over the full 200,000-clock window (all of them: the long test)."""
    dut = dram_under_test(None, DDR4, "rochrabacobg")
    fast, burst = run_pattern(dut, name, fidelity="fast"), run_pattern(dut, name, fidelity="burst")
    assert fast.efficiency == pytest.approx(burst.efficiency, rel=0.02)
    assert fast.row_hit_rate == pytest.approx(burst.row_hit_rate, abs=0.02)
    assert run_pattern(dut, name, fidelity="fast") == fast


SLOW_BEAT = {("DDR4_8Gb_x16_3200.ini", None, "seq_read"), ("DDR4_8Gb_x16_3200.ini", None, "seq_write"),
             ("DDR4_8Gb_x16_3200.ini", None, "two_read_streams"), ("LPDDR4_8Gb_x16_2400.ini", None, "seq_read"),
             ("LPDDR4_8Gb_x16_2400.ini", None, "seq_write")}
"""Patterns whose rate drifts for about half the window before it locks to the two ranks' staggered
refresh (benchmarks/dram_fast_vs_burst.py: 2.3-3.7 %): within 4 %."""


@pytest.mark.long
@pytest.mark.parametrize("ini, mapping", [("DDR4_8Gb_x16_3200.ini", None), ("LPDDR4_8Gb_x16_2400.ini", None),
                                          ("HBM2_8Gb_x128_1ch.ini", None), ("DDR4_8Gb_x16_3200.ini", "rochrabacobg")])
def test_fast_is_within_2_percent_of_burst_on_every_fixture_pattern(ini, mapping):
    dut = dram_under_test(None, FIXTURES / ini, mapping)
    for name in PATTERNS:
        fast, burst = run_pattern(dut, name, fidelity="fast"), run_pattern(dut, name, fidelity="burst")
        rel = 0.04 if (ini, mapping, name) in SLOW_BEAT else 0.02
        assert fast.efficiency == pytest.approx(burst.efficiency, rel=rel), name


def test_mix_cost_sees_bank_parallelism():
    """One read stream in one LPDDR5 bank group is tCCD_L-bound; with a second stream in another
    bank group the two together get more of the DRAM; each mix is computed once."""
    d = DRAM_PRESETS.load("lpddr5-6400").device
    c = DramControllerSpec()
    one = mix_ns_per_byte(d, c, 256, (((0, 0.0, 0), 1),))
    two = mix_ns_per_byte(d, c, 256, (((0, 0.0, 0), 1), ((1, 0.0, 0), 1)))
    assert 1 / one < 0.55 * d.peak_gbps and 1 / two > 1.5 / one
    assert mix_ns_per_byte(d, c, 256, (((0, 0.0, 0), 1),)) == one


def test_saturating_streams_beside_offered_ones():
    """Alone, a saturating stream gets what its mix alone gets; a writer offered at 6 GB/s in another
    bank group takes from it (LPDDR5-6400: 41.9 -> 35.8 GB/s; the writes fill none of the reader's
    tCCD_L gaps, as every drain switches the bus's direction twice)."""
    d = DRAM_PRESETS.load("lpddr5-6400").device
    c = DramControllerSpec()
    alone = saturating_gbps(d, c, 256, ((0, 0.0, 0),), ())
    assert alone == pytest.approx(1 / mix_ns_per_byte(d, c, 256, (((0, 0.0, 0), 1),)))
    beside = saturating_gbps(d, c, 256, ((0, 0.0, 0),), (((7, 1.0, 0), 6.0),))
    assert 0.75 * alone < beside < alone - 6.0
