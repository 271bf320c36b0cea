"""DRAM presets: each with a command-level device consistent with its peak and timing, and with the
configs and ns values its comments cite; every DRAMsim3 config of the fixtures reads as a scenario's DRAM."""

import math

import pytest
from paths import ROOT

from socsim.dramsim3_config import load_dramsim3_ini
from socsim.errors import ScenarioError
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramSpec

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
REQUIRED = ("ddr4-3200-x8", "ddr4-3200-x16", "lpddr4-3200", "lpddr4x-4266", "lpddr5-6400", "hbm2-pc", "hbm2-stack")


@pytest.mark.parametrize("name", REQUIRED)
def test_preset_device_matches_its_peak_and_timing(name):
    p = DRAM_PRESETS.load(name)
    d = p.device
    assert d is not None and p.source
    assert d.peak_gbps * p.channels == pytest.approx(p.peak_gbps, rel=2e-3)
    assert d.banks == p.timing.banks
    assert d.row_bytes * p.channels == p.timing.row_bytes
    assert d.CL * d.tCK == pytest.approx(p.timing.t_cl_ns, abs=d.tCK)
    assert d.tRCD * d.tCK == pytest.approx(p.timing.t_rcd_ns, abs=d.tCK)
    assert d.tRFC * d.tCK == pytest.approx(p.timing.t_rfc_ns, abs=d.tCK)
    assert d.tREFI * d.tCK == pytest.approx(p.timing.t_refi_ns, abs=d.tCK)


def _differences(a, b) -> set[str]:
    x, y = a.model_dump(), b.model_dump()
    return {k for k in x if x[k] != y[k]}


def test_ddr4_x16_is_dramsim3_stock_config_with_one_rank():
    stock, _ = load_dramsim3_ini(FIXTURES / "DDR4_8Gb_x16_3200.ini")
    preset = DRAM_PRESETS.load("ddr4-3200-x16").device
    assert _differences(stock, preset) == {"ranks", "tCK"}
    assert (stock.ranks, preset.ranks) == (2, 1) and abs(stock.tCK - preset.tCK) < 0.01


def test_hbm2_pseudo_channel_takes_dramsim3_hbm2_timings():
    """Same clocks as DRAMsim3's HBM2_8Gb_x128 except tRFC (350 ns for 8 Gb, DRAMsim3 260) and tRTP
    (tRTP_L 6, which DRAMsim3 ignores for its default 5); half the channel: 64 bit, 1 KiB rows."""
    stock, _ = load_dramsim3_ini(FIXTURES / "HBM2_8Gb_x128_1ch.ini")
    pc = DRAM_PRESETS.load("hbm2-pc").device
    assert _differences(stock, pc) == {"protocol", "tRFC", "tRTP", "device_width", "bus_width"}
    assert (pc.tRFC, stock.tRFC, pc.tRTP, stock.tRTP) == (350, 260, 6, 5)
    assert (pc.burst_bytes, pc.row_bytes, stock.row_bytes) == (32, 1024, 2048)
    assert pc.dual_command and DRAM_PRESETS.load("hbm2-stack").channels == 16


def test_lpddr5_clocks_are_the_jedec_ns_values_in_wck_periods():
    d = DRAM_PRESETS.load("lpddr5-6400").device
    assert d.tCK == 1.25 / 4 and d.burst_cycles * d.tCK == 2.5
    up = {"tRCD": 18.0, "tRP": 18.0, "tRAS": 42.0, "tRFC": 280.0, "tRRD_S": 5.0, "tWTR_S": 6.25, "tWTR_L": 12.0,
          "tFAW": 20.0, "tWR": 34.0, "tRTP": 7.5, "CL": 21.25, "CWL": 13.75}
    for name, ns in up.items():
        assert getattr(d, name) == math.ceil(ns / d.tCK - 1e-9), name
    assert d.tREFI == math.floor(3906.0 / d.tCK) and (d.tCCD_S, d.tCCD_L) == (8, 16)


@pytest.mark.parametrize("config", ["DDR4_8Gb_x16_3200.ini", "LPDDR4_8Gb_x16_2400.ini", "HBM2_8Gb_x128_1ch.ini",
                                    "DDR4_8Gb_x16_3200_rochrabacobg.ini"])
def test_stock_configs_read_as_a_scenario_dram(config):
    dram = DramSpec.model_validate({"config": str(FIXTURES / config)})
    assert dram.resolved_model == "command"
    assert dram.bandwidth_gbps == pytest.approx(dram.resolved_device.peak_gbps)


def test_hbm_config_reads_as_dramsim3_does():
    d, c = load_dramsim3_ini(FIXTURES / "HBM2_8Gb_x128_1ch.ini")
    assert (d.protocol, d.columns, d.row_bytes, d.burst_bytes, d.ranks) == ("HBM", 128, 2048, 64, 1)
    assert (d.tRCD, d.act_to_write, d.tRTP, d.tRTRS) == (14, 14, 5, 2) and d.dual_command
    assert c.cmd_queue_size == 8


def test_command_model_of_a_multichannel_preset_is_refused():
    with pytest.raises(ValueError, match="runs one channel"):
        DramSpec.model_validate({"preset": "hbm2-stack", "model": "command"})
    assert DramSpec.model_validate({"preset": "hbm2-pc", "model": "command"}).resolved_device.protocol == "HBM2"


def test_unsupported_hbm_single_command_issue_is_one_line(tmp_path):
    text = (FIXTURES / "HBM2_8Gb_x128_1ch.ini").read_text().replace("num_dies = 4", "num_dies = 4\nhbm_dual_cmd = false")
    (tmp_path / "h.ini").write_text(text)
    with pytest.raises(ScenarioError, match="hbm_dual_cmd"):
        load_dramsim3_ini(tmp_path / "h.ini")
