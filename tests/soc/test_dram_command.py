"""The command-level DRAM (socsim.model.dram_device / dram_controller / address_map) against JEDEC rules and DRAMsim3."""

import importlib.util
import json
import sys

import pytest
from paths import ROOT

from socsim.dramsim3_config import load_dramsim3_ini
from socsim.errors import ScenarioError
from socsim.model.address_map import AddressMap, DramAddress
from socsim.model.dram_controller import DramController, address_map, run_trace
from socsim.model.dram_device import ACT, PRE, RD, REF, WR, DramDevice
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramControllerSpec

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())
WINDOW = 30_000
"""Clocks simulated per pattern in the test (the fixture ran 200000; shares agree within 2 % at this length)."""


def _make_traces():
    spec = importlib.util.spec_from_file_location("make_traces", ROOT / "benchmarks" / "dramsim3" / "make_traces.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_traces", module)
    spec.loader.exec_module(module)
    return module


MAKE_TRACES = _make_traces()
CASES = [(dev, p) for dev, d in sorted(REFERENCE["devices"].items()) for p in sorted(d["patterns"])]


def _ddr4():
    return DRAM_PRESETS.load("ddr4-3200").device


def test_address_map_matches_the_trace_generator():
    g = MAKE_TRACES.load_geometry(FIXTURES / "DDR4_8Gb_x8_3200_1rank.ini")
    amap = address_map(_ddr4())
    for bank, row, col in [(0, 0, 0), (5, 17, 3), (15, 65535, 127), (6, 1234, 64)]:
        addr = g.encode(bank, row, col)
        a = amap.decode(addr)
        assert (a.bank * 4 + a.bankgroup, a.row, a.column) == (bank, row, col)
        assert amap.encode(a) == addr


def test_address_map_rejects_a_bad_scheme():
    with pytest.raises(ValueError, match="address_mapping"):
        AddressMap.of("rorababgcoxx", 64, {"ch": 1, "ra": 1, "bg": 4, "ba": 4, "ro": 8, "co": 128})


def test_device_spacings_follow_the_timing_parameters():
    d = _ddr4()
    dev = DramDevice(d)
    dev.issue(ACT, 0, 7, 0)
    assert dev.ready_at(0, RD) == d.tRCD
    assert dev.ready_at(0, PRE) == d.tRAS
    assert dev.ready_at(0, ACT) == d.tRAS + d.tRP  # tRC
    assert dev.ready_at(1, ACT) == d.tRRD_L  # bank 1 of bank group 0
    assert dev.ready_at(4, ACT) == d.tRRD_S  # bank 0 of bank group 1
    assert dev.required(0, 7, RD) == RD and dev.required(0, 8, RD) == PRE and dev.required(1, 0, WR) == ACT
    dev.issue(RD, 0, 7, d.tRCD)
    assert dev.ready_at(0, RD) == d.tRCD + d.tCCD_L
    assert dev.ready_at(4, RD) == d.tRCD + d.tCCD_S
    assert dev.ready_at(4, WR) == d.tRCD + d.CL + d.BL // 2 - d.CWL + d.tRTRS
    assert dev.hits[0] == 1


def test_four_activate_window():
    d = _ddr4()
    dev = DramDevice(d)
    clk = 0
    for bank in (0, 4, 8, 12):  # one bank per bank group: tRRD_S apart
        clk = max(clk, dev.ready_at(bank, ACT))
        dev.issue(ACT, bank, 0, clk)
    assert dev.ready_at(1, ACT) == max(d.tFAW, clk + d.tRRD_L)


def test_refresh_precharges_then_blocks_activates():
    d = _ddr4()
    dev = DramDevice(d)
    dev.issue(ACT, 3, 1, 0)
    assert dev.refresh_step(0, 0) is None  # PRE waits for tRAS
    assert dev.refresh_step(0, d.tRAS) == (PRE, 3)
    dev.issue(PRE, 3, -1, d.tRAS)
    assert dev.refresh_step(0, d.tRAS + d.tRP) == (REF, 0)
    dev.issue(REF, 0, -1, d.tRAS + d.tRP)
    assert dev.ready_at(9, ACT) == d.tRAS + d.tRP + d.tRFC


def test_row_hit_cap_lets_an_older_request_close_the_row():
    d = _ddr4()
    amap = address_map(d)
    ctrl = DramController(d, DramControllerSpec(row_hit_cap=4))
    ctrl.add(amap.encode(DramAddress(0, 0, 0, 9, 0)), False, 0)  # older, row 9
    ctrl.add(amap.encode(DramAddress(0, 0, 0, 1, 5)), False, 0)  # younger, hits row 1
    queue = ctrl.read_q
    ctrl.dev.issue(ACT, 0, 1, 0)
    for hits in range(4):
        assert ctrl.dev.hits[0] == hits
        assert not ctrl._precharge_allowed(queue)  # a younger request hits the open row
        ctrl.dev.issue(RD, 0, 1, d.tRCD + hits * d.tCCD_L)
    assert ctrl._precharge_allowed(queue)  # cap reached
    late = 10 * (d.tRAS + d.tRP)
    assert ctrl._first_ready(queue, late) == (0, PRE)
    ctrl.dev.ready[0][RD] = 2 * late  # the younger hit cannot issue yet
    assert ctrl._first_ready(queue[::-1], late) is None  # and a PRE is never for a younger request


def test_presets_equal_the_fixture_configs():
    for config, preset in [("DDR4_8Gb_x8_3200_1rank.ini", "ddr4-3200"), ("LPDDR4_8Gb_x16_3200_1rank.ini", "lpddr4-3200")]:
        device, controller = load_dramsim3_ini(FIXTURES / config)
        spec = DRAM_PRESETS.load(preset).device
        assert device.model_dump(exclude={"tCK"}) == spec.model_dump(exclude={"tCK"})
        assert abs(device.tCK - spec.tCK) < 0.01
        assert controller == DramControllerSpec()


def test_unsupported_dramsim3_config_is_one_line(tmp_path):
    text = (FIXTURES / "DDR4_8Gb_x8_3200_1rank.ini").read_text().replace("OPEN_PAGE", "CLOSE_PAGE")
    (tmp_path / "c.ini").write_text(text)
    with pytest.raises(ScenarioError, match="row_buf_policy"):
        load_dramsim3_ini(tmp_path / "c.ini")


@pytest.mark.parametrize("device,pattern", CASES)
def test_share_of_peak_matches_dramsim3(device, pattern):
    """Every fixture pattern on every fixture device within 3 % (relative) of DRAMsim3's share of peak."""
    d = REFERENCE["devices"][device]
    ref = d["patterns"][pattern]
    g = MAKE_TRACES.load_geometry(FIXTURES / d["config"])
    gen = next(p for p in MAKE_TRACES.patterns(g) if p.name == pattern)
    trace = gen.generate(g, ref["parameters"]["trace_bursts"], ref["parameters"]["seed"])
    spec, controller = load_dramsim3_ini(FIXTURES / d["config"])
    result = run_trace(DramController(spec, controller), trace, WINDOW)
    d3 = ref["dramsim3"]
    assert result.share_of_peak(d["burst_cycles"]) == pytest.approx(d3["share_of_peak"], rel=0.03)
    assert result.row_hit_rate == pytest.approx(d3["row_hit_rate"], abs=0.02)


def test_full_write_buffer_behind_an_older_read_of_the_same_address_does_not_stall():
    """A write whose address an older queued read waits for ends the drain, and the read queue moves
    in that clock: with the write buffer full the controller keeps serving (it used to stop)."""
    import random

    from socsim.model.address_map import DramAddress
    from socsim.model.dram_controller import DramController, address_map, run_trace
    from socsim.registry import DRAM_PRESETS
    from socsim.scenario import DramControllerSpec

    d = DRAM_PRESETS.load("lpddr4-3200").device
    amap = address_map(d)
    rng = random.Random(0)
    trace = [(amap.encode(DramAddress(0, 0, 0, 0, rng.randrange(128))), rng.random() < 0.3) for _ in range(6000)]
    ctrl = DramController(d, DramControllerSpec(row_hit_cap=1))
    served = run_trace(ctrl, trace, 30_000)
    assert served.bursts > 1000  # 37 before, then nothing: read queue and write buffer full, command queues empty


def test_lpddr4x_4266_clocks_are_the_lpddr4_ns_values_at_its_clock():
    """lpddr4x-4266: JESD209-4B ns values (those of lpddr4-3200) over tCK = 0.46875 ns, rounded up;
    tREFI rounded down; RL 36 / WL 18 nCK; peak 4266 MT/s × 8 B."""
    import math

    from socsim.registry import DRAM_PRESETS

    preset = DRAM_PRESETS.load("lpddr4x-4266")
    d = preset.device
    up = {"tRCD": 18.0, "tRP": 18.0, "tRAS": 42.0, "tRFC": 280.0, "tRRD_S": 10.0, "tWTR_L": 10.0,
          "tFAW": 40.0, "tWR": 18.0, "tRTP": 7.5}
    for name, ns in up.items():
        assert getattr(d, name) == math.ceil(ns / d.tCK - 1e-9), name
    assert d.tREFI == math.floor(3904.0 / d.tCK) and (d.CL, d.CWL) == (36, 18)
    assert d.peak_gbps == pytest.approx(preset.peak_gbps, rel=1e-3)
    assert d.row_bytes == preset.timing.row_bytes and d.banks == preset.timing.banks
