"""--set FIELD.PATH=VALUE on run, compare and validate: the resolved scenario is what runs and what is stored."""

import yaml
from typer.testing import CliRunner

from socsim.cli import app
from socsim.result import load_result
from socsim.scenario import parse_setting

from paths import SCENARIOS

SMALL = SCENARIOS / "mobilenet_v1_small.yaml"
SIZE = ["--set", "workload.height=64", "--set", "workload.width=64", "--frames", "1"]


def test_parse_setting_reads_the_value_as_yaml():
    assert parse_setting("soc.bus.width_bytes=32") == ("soc.bus.width_bytes", 32)
    assert parse_setting("masters[0].rate_gbps=4.5") == ("masters[0].rate_gbps", 4.5)
    assert parse_setting("codec=dct:keep=21") == ("codec", "dct:keep=21")
    assert parse_setting("workload.images=[skimage]") == ("workload.images", ["skimage"])
    assert parse_setting("soc.accelerator.sram_residency=true") == ("soc.accelerator.sram_residency", True)


def test_run_stores_the_resolved_scenario(tmp_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(app, ["run", str(SMALL), *SIZE, "--set", "soc.bus.width_bytes=8", "--set",
                                   "masters[0].rate_gbps=4", "--set", "codec=rle", "--no-report", "-q",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = load_result(out / "result.json")
    assert result.scenario.soc.bus.width_bytes == 8 and result.scenario.masters[0].rate_gbps == 4.0
    assert result.codec.key == "rle" and result.workload.height == 64
    stored = yaml.safe_load((out / "scenario.yaml").read_text())
    assert stored["soc"]["bus"]["width_bytes"] == 8 and stored["codec"]["name"] == "rle"


def test_validate_and_compare_take_settings(tmp_path):
    res = CliRunner().invoke(app, ["validate", str(SMALL), "--set", "codec=rle"])
    assert res.exit_code == 0 and "codec rle" in res.stdout
    res = CliRunner().invoke(app, ["compare", str(SMALL), *SIZE, "--set", "soc.bus.width_bytes=8", "--codecs",
                                   "none", "-q", "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert load_result(tmp_path / "c" / "result.json").scenario.soc.bus.width_bytes == 8


def test_bad_settings_are_one_line_exit_2():
    for setting, named in (("soc.bus.width_bytes=-1", "soc.bus.width_bytes=-1"), ("nonsense", "--set 'nonsense'"),
                           ("soc.bus.widht=8", "soc.bus.widht"), ("masters[5].rate_gbps=1", "masters[5].rate_gbps")):
        res = CliRunner().invoke(app, ["validate", str(SMALL), "--set", setting])
        assert res.exit_code == 2, (setting, res.output)
        assert res.stderr.startswith("error: ") and named in res.stderr and len(res.stderr.splitlines()) == 1
