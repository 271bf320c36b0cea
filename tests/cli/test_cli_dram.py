"""socsim dram: the standard patterns on a command-level DRAM, its JSON and its one-line errors."""

import json

import pytest
from typer.testing import CliRunner

from socsim.cli import app
from socsim.dram_characterise import characterise, dram_under_test
from socsim.model.dram_patterns import PATTERNS
from socsim.scenario import Scenario

from paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
KEYS = {"name", "efficiency", "gbps", "row_hit_rate", "read_latency_ns", "worst_case_efficiency"}


def invoke(*args):
    return CliRunner().invoke(app, ["dram", *args])


def test_json_has_the_issue_keys_and_every_pattern_named_exactly():
    doc = characterise(dram_under_test("ddr4-3200", None), list(PATTERNS), cycles=20_000)
    assert set(doc) == {"preset", "config", "mapping", "fidelity", "peak_gbps", "request_bytes", "patterns"}
    assert [p["name"] for p in doc["patterns"]] == [
        "seq_read", "seq_write", "random_read", "two_read_streams", "two_read_two_write", "read_write",
        "row_conflict_read", "row_conflict_write", "row_conflict_mixed", "seq_read@0.1", "seq_read@0.5"]
    for p in doc["patterns"]:
        assert set(p) == KEYS and set(p["read_latency_ns"]) == {"avg", "p50", "p99"}
        assert 0.0 < p["worst_case_efficiency"] <= p["efficiency"] <= 1.0
    by = {p["name"]: p for p in doc["patterns"]}
    assert by["row_conflict_read"]["row_hit_rate"] == 0.0 and by["seq_read"]["row_hit_rate"] > 0.95
    assert by["seq_write"]["read_latency_ns"]["avg"] is None
    assert by["seq_read@0.1"]["efficiency"] == pytest.approx(0.1, rel=0.02)
    assert doc["request_bytes"] == 64 and doc["mapping"] == "rochrababgco" and doc["fidelity"] == "burst"


def test_cli_writes_json_and_prints_a_table(tmp_path):
    out = tmp_path / "d.json"
    r = invoke("--config", str(FIXTURES / "LPDDR4_8Gb_x16_3200_1rank.ini"), "--patterns", "seq_read,row_conflict_read",
               "--json", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["preset"] is None and doc["config"].endswith("LPDDR4_8Gb_x16_3200_1rank.ini")
    assert doc["request_bytes"] == 128 and [p["name"] for p in doc["patterns"]] == ["seq_read", "row_conflict_read"]
    assert "row_conflict_read" in r.output


def test_request_bytes_mapping_and_channels():
    """Channel bits at the bottom spread a sequential stream over both channels; at the top they keep it in one."""
    spread = characterise(dram_under_test("ddr4-3200", None, "rorabacobgch", 2, 256), ["seq_read"], cycles=20_000)
    one = characterise(dram_under_test("ddr4-3200", None, "rochrabacobg", 2, 256), ["seq_read"], cycles=20_000)
    assert spread["mapping"] == "rorabacobgch" and spread["peak_gbps"] == pytest.approx(51.2)
    assert spread["patterns"][0]["efficiency"] > 0.9 and one["patterns"][0]["efficiency"] < 0.5
    assert spread["request_bytes"] == 256


@pytest.mark.parametrize("args, field", [
    (["nope"], "PRESET='nope'"), (["ddr4-3200", "--mapping", "rorocobgbach"], "--mapping="),
    (["ddr4-3200", "--channels", "3"], "--channels=3"), (["ddr4-3200", "--patterns", "seq"], "'seq'"),
    (["ddr4-3200", "--request-bytes", "0"], "--request-bytes=0"),
    ([], "PRESET or --config"),
])
def test_bad_input_is_one_line_exit_2(args, field):
    r = invoke(*args)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]


def test_fast_fidelity_names_itself_in_the_json(tmp_path):
    out = tmp_path / "d.json"
    r = invoke("ddr4-3200", "--fidelity", "fast", "--patterns", "row_conflict_read", "--json", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["fidelity"] == "fast" and 0.0 < doc["patterns"][0]["efficiency"] < 0.1
    assert "fast fidelity" in r.output


def test_scenario_reads_a_dramsim3_ini_relative_to_its_file(tmp_path):
    (tmp_path / "d.ini").write_text((FIXTURES / "DDR4_8Gb_x8_3200_1rank.ini").read_text())
    data = {"name": "ini", "deadline_ms": 1.0, "workload": {"model": "mobilenet_v1"},
            "soc": {"dram": {"config": "d.ini"}}, "base_dir": str(tmp_path)}
    dram = Scenario.from_dict(data).soc.dram
    assert dram.resolved_model == "command" and dram.resolved_device.tRFC == 560
    assert dram.bandwidth_gbps == pytest.approx(dram.resolved_device.peak_gbps)
    assert dram.resolved_controller.trans_queue_size == 32
