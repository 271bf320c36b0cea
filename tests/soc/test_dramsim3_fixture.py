"""The DRAMsim3 reference fixture is complete and self-consistent (no DRAMsim3 needed)."""

import configparser
import json
import math

import pytest
from paths import ROOT

from socsim.registry import DRAM_PRESETS

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())
DEVICES = sorted(REFERENCE["devices"])
REQUIRED = {"seq_read", "seq_write", "seq_mix_2r1w", "random_read", "one_bank_seq_read", "row_conflict_read",
            "two_streams_one_bank", "interleaved_read_256", "interleaved_read_4096"}
PARAMETERS = {"layout", "burst_bytes", "request_bytes", "read_fraction", "trace_bursts", "seed"}
FIGURES = {"bursts_served", "requests_served", "read_bursts", "write_bursts", "bandwidth_gbps", "share_of_peak",
           "dramsim3_average_bandwidth_gbps", "average_read_latency_cycles", "average_read_latency_ns",
           "row_hit_rate", "read_row_hit_rate", "write_row_hit_rate", "activates", "refreshes"}


def _ini(name: str) -> configparser.ConfigParser:
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(FIXTURES / name)
    return ini


def test_build_is_named():
    assert len(REFERENCE["dramsim3"]["commit"]) == 40
    readme = (FIXTURES / "README.md").read_text()
    assert REFERENCE["dramsim3"]["commit"] in readme
    assert {"ddr4-3200", "lpddr4-3200"} <= set(DEVICES)


@pytest.mark.parametrize("name", DEVICES)
def test_device_matches_its_config_and_preset(name):
    d = REFERENCE["devices"][name]
    ini = _ini(d["config"])
    s, y = ini["dram_structure"], ini["system"]
    assert d["config"] in (FIXTURES / "README.md").read_text()
    assert d["protocol"] == s["protocol"] and d["address_mapping"] == y["address_mapping"]
    assert d["tck_ns"] == float(ini["timing"]["tCK"])
    assert d["banks"] == int(s["bankgroups"]) * int(s["banks_per_group"])
    assert d["burst_bytes"] == int(y["bus_width"]) // 8 * int(s["BL"])
    assert d["row_bytes"] == int(s["columns"]) // int(s["BL"]) * d["burst_bytes"]
    assert d["peak_gbps"] == pytest.approx(d["burst_bytes"] / (d["burst_cycles"] * d["tck_ns"]), abs=1e-4)
    timing = DRAM_PRESETS.load(d["socsim_preset"]).timing
    assert (timing.banks, timing.row_bytes) == (d["banks"], d["row_bytes"])


@pytest.mark.parametrize("name", DEVICES)
def test_every_pattern_has_parameters_commands_and_figures(name):
    d = REFERENCE["devices"][name]
    patterns = d["patterns"]
    assert REQUIRED | {f"interleaved_read_{d['burst_bytes']}"} <= set(patterns)
    window_ns = REFERENCE["cycles"] * d["tck_ns"]
    for key, p in patterns.items():
        q, f = p["parameters"], p["dramsim3"]
        assert set(q) == PARAMETERS and set(f) == FIGURES, key
        assert q["burst_bytes"] == d["burst_bytes"] and q["request_bytes"] % q["burst_bytes"] == 0, key
        assert 0.0 <= q["read_fraction"] <= 1.0, key
        assert any(d["config"] in c and f"-c {REFERENCE['cycles']}" in c for c in p["commands"]), key
        assert 0 < f["bursts_served"] == f["read_bursts"] + f["write_bursts"] < q["trace_bursts"], key
        gbps = f["bursts_served"] * d["burst_bytes"] / window_ns
        assert f["bandwidth_gbps"] == pytest.approx(gbps, abs=1e-3), key
        assert f["share_of_peak"] == pytest.approx(gbps / d["peak_gbps"], abs=1e-3), key
        assert 0.0 < f["share_of_peak"] <= 1.0 and 0.0 <= f["row_hit_rate"] <= 1.0, key
        reads = q["read_fraction"] > 0
        assert (f["average_read_latency_ns"] is not None) == reads == (f["read_bursts"] > 0), key
        if reads:
            assert math.isclose(f["average_read_latency_ns"], f["average_read_latency_cycles"] * d["tck_ns"],
                                abs_tol=0.01), key
