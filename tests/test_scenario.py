"""Scenario loading: good files load, every kind of bad input is one line naming the field, exit 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socsim.cli import app
from socsim.errors import ScenarioError
from socsim.scenario import Scenario

from paths import SCENARIOS

GOOD = """\
name: t
seed: 1
frames: 1
deadline_ms: 10
soc:
  accelerator: {rows: 8, cols: 8, freq_mhz: 500, sram_kib: 64}
  dma: {channels: 1, burst_bytes: 64, max_outstanding: 4}
  bus: {width_bytes: 16, freq_mhz: 500, arbitration: fifo}
  dram: {peak_gbps: 10, latency_ns: 50}
masters:
  - {kind: token_bucket, name: cpu, sigma_bytes: 4096, rate_gbps: 1.0}
workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}
codec: {name: none, transfer_unit: {kind: channel}}
"""

# (description, text replaced in GOOD or full text, field named in the message)
BAD = [
    ("malformed yaml", "name: [unclosed\n", "line"),
    ("top level not a mapping", "- a\n- b\n", "top level"),
    ("unknown top-level key", GOOD + "deadlin_ms: 3\n", "deadlin_ms"),
    ("unknown nested key", GOOD.replace("rows: 8", "rowz: 8"), "soc.accelerator.rowz"),
    ("wrong type", GOOD.replace("frames: 1", "frames: many"), "frames"),
    ("string for number", GOOD.replace("deadline_ms: 10", "deadline_ms: '10'"), "deadline_ms"),
    ("zero frames", GOOD.replace("frames: 1", "frames: 0"), "frames"),
    ("negative deadline", GOOD.replace("deadline_ms: 10", "deadline_ms: -1"), "deadline_ms"),
    ("zero frequency", GOOD.replace("freq_mhz: 500, sram", "freq_mhz: 0, sram"), "soc.accelerator.freq_mhz"),
    ("zero bus width", GOOD.replace("width_bytes: 16", "width_bytes: 0"), "soc.bus.width_bytes"),
    ("negative burst", GOOD.replace("burst_bytes: 64", "burst_bytes: -64"), "soc.dma.burst_bytes"),
    ("unknown dataflow", GOOD.replace("rows: 8", "dataflow: rs, rows: 8"), "soc.accelerator.dataflow"),
    ("unknown depthwise mapping", GOOD.replace("rows: 8", "depthwise: any, rows: 8"), "soc.accelerator.depthwise"),
    ("unknown arbitration", GOOD.replace("arbitration: fifo", "arbitration: lottery"), "soc.bus.arbitration"),
    ("dram without rate", GOOD.replace("peak_gbps: 10, ", ""), "soc.dram"),
    ("unknown dram preset", GOOD.replace("{peak_gbps: 10, latency_ns: 50}", "{preset: ddr9}"), "soc.dram.preset"),
    ("unknown master kind", GOOD.replace("kind: token_bucket", "kind: gpu"), "masters[0]"),
    ("master missing rate", GOOD.replace(", rate_gbps: 1.0", ""), "masters[0].rate_gbps"),
    ("missing weights file", GOOD.replace("weights: random", "weights: nowhere.pth"), "workload.weights"),
    ("missing image", GOOD.replace("images: [skimage]", "images: [missing.png]"), "workload.images[0]"),
    ("unknown codec", GOOD.replace("name: none", "name: zip"), "codec.name"),
    ("bad transfer unit", GOOD.replace("kind: channel}", "kind: page}"), "codec.transfer_unit.kind"),
    ("missing workload", GOOD.replace("workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}\n", ""), "workload"),
    ("height not multiple of 32", GOOD.replace("height: 64", "height: 65"), "workload.height"),
    ("bool for int", GOOD.replace("seed: 1", "seed: true"), "seed"),
    ("name with slash", GOOD.replace("name: t", "name: a/b"), "name"),
    ("duplicate master names", GOOD.replace("masters:\n", "masters:\n  - {kind: token_bucket, name: cpu, sigma_bytes: 1, rate_gbps: 1.0}\n"), "masters"),
    ("infinite number", GOOD.replace("deadline_ms: 10", "deadline_ms: .inf"), "deadline_ms=inf"),
    ("not a number", GOOD.replace("peak_gbps: 10", "peak_gbps: .nan"), "soc.dram.peak_gbps=nan"),
    ("infinite codec parameter", GOOD.replace("codec: {name: none, transfer_unit: {kind: channel}}", "codec: {name: dct, keep: .inf}"), "codec.params.keep"),
    ("seed beyond 2^63-1", GOOD.replace("seed: 1", f"seed: {2**64}"), "seed=18446744073709551616"),
    ("frames beyond the maximum", GOOD.replace("frames: 1", "frames: 10001"), "frames=10001"),
    ("input height beyond the maximum", GOOD.replace("height: 64", f"height: {2**40}"), "workload.height"),
    ("repeated key", GOOD + "frames: 2\n", "duplicate key 'frames' (first on line 3)"),
    ("refresh longer than its interval", GOOD.replace("{peak_gbps: 10, latency_ns: 50}", "{preset: lpddr4-3200, timing: {"
     "channels: 4, banks: 8, row_bytes: 8192, t_cl_ns: 17.5, t_rcd_ns: 18, t_rp_ns: 18, t_rfc_ns: 5000, t_refi_ns: 3904, "
     "t_w2r_ns: 27.5, t_r2w_ns: 5, write_batch_bytes: 8192}}"), "soc.dram.timing: t_rfc_ns=5000.0 must be shorter"),
    ("huge token-bucket burst", GOOD.replace("sigma_bytes: 4096", f"sigma_bytes: {2**62}"), "masters[0].sigma_bytes"),
    ("name with a control character", GOOD.replace("name: t", 'name: "a\\tb"'), "name='a\\tb'"),
    ("factory that is not a module path", GOOD.replace("model: mobilenet_v1", "model: '../x:f'"), "workload.model='../x:f'"),
]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def test_good_scenario_loads(tmp_path):
    s = Scenario.from_yaml(_write(tmp_path, GOOD))
    assert s.soc.accelerator.rows == 8
    assert s.soc.dram.bandwidth_gbps == 10
    assert s.masters[0].name == "cpu"
    assert s.frame_period_ms == 10


def test_codec_text_form(tmp_path):
    s = Scenario.from_yaml(_write(tmp_path, GOOD.replace("codec: {name: none, transfer_unit: {kind: channel}}", "codec: none")))
    assert s.codec.name == "none" and s.codec.params == {}


def test_dram_preset_resolves(tmp_path):
    s = Scenario.from_yaml(_write(tmp_path, GOOD.replace("{peak_gbps: 10, latency_ns: 50}", "{preset: lpddr5-6400}")))
    assert s.soc.dram.bandwidth_gbps == pytest.approx(102.4)


def test_scenario_is_frozen(tmp_path):
    s = Scenario.from_yaml(_write(tmp_path, GOOD))
    with pytest.raises(Exception):
        s.frames = 3


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_file_validates(path):
    Scenario.from_yaml(path)


def _has_command_device(preset: str) -> bool:
    from socsim.registry import DRAM_PRESETS

    return DRAM_PRESETS.load(preset).device is not None


@pytest.mark.skipif(not _has_command_device("lpddr5-6400"),
                    reason="scenarios/command/ needs the command-level LPDDR5-6400 device of socsim.dram_presets")
@pytest.mark.parametrize("path", sorted((SCENARIOS / "command").glob("*.yaml")), ids=lambda p: p.name)
def test_every_command_model_scenario_validates(path):
    """The command-model variants of the FCN-8s scenarios (burst fidelity only, not run in CI)."""
    s = Scenario.from_yaml(path)
    assert s.soc.dram.resolved_model == "command"


def test_at_least_15_distinct_bad_inputs():
    assert len({field for _, _, field in BAD}) >= 15


@pytest.mark.parametrize("desc,text,field", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2(tmp_path, desc, text, field):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_yaml(path)
    msg = str(info.value)
    assert "\n" not in msg and field in msg, msg
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0], result.output


def test_missing_scenario_file_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "not found" in result.output


def test_real_process_prints_no_traceback(tmp_path):
    path = _write(tmp_path, GOOD.replace("rows: 8", "rowz: 8"))
    proc = subprocess.run([sys.executable, "-m", "socsim.cli", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "soc.accelerator.rowz" in proc.stderr


def test_unknown_model_is_one_line_exit_2(tmp_path):
    """The workload stage knows the model names: ``validate`` (and ``run``) reject an unknown one."""
    from socsim.workload.models import check_name

    with pytest.raises(ScenarioError, match="workload.model='resnet9000': unknown model"):
        check_name("resnet9000")
    path = _write(tmp_path, GOOD.replace("model: mobilenet_v1", "model: resnet9000"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "workload.model='resnet9000'" in result.output
