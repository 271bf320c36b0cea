"""Bad inputs beyond the scenario schema: ``validate`` makes every check ``run`` makes before it
simulates; command-line mistakes and unwritable outputs are one line with exit code 2; results are
strict JSON."""

import json
import sys
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from socsim import cli
from socsim.cli import app
from socsim.report.export import result_json
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
from socsim.sweep import Sweep
from socsim.errors import ScenarioError

from paths import ROOT, SCENARIOS

SMALL = yaml.safe_load((SCENARIOS / "mobilenet_v1_small.yaml").read_text())
USER_MODELS = """\
import torch.nn as nn


def small():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())


def not_a_module():
    return 3
"""


def _scenario(tmp_path: Path, **changes) -> Path:
    """The small scenario at 64×64, one frame, with ``changes`` merged into its sections."""
    doc = json.loads(json.dumps(SMALL))
    doc["frames"] = 1
    doc["workload"].update({"height": 64, "width": 64})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key].update(value)
        else:
            doc[key] = value
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _assets(tmp_path: Path) -> None:
    (tmp_path / "corrupt.pth").write_bytes(b"PK\x03\x04 not a torch file" * 8)
    torch.save(torch.nn.Linear(3, 4).state_dict(), tmp_path / "other.pth")
    (tmp_path / "usermodels.py").write_text(USER_MODELS)
    (tmp_path / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)


MASKS = str(ROOT / "workloads" / "masks" / "mobilenet_v2_k21.json")
RUN_CHECKS = [
    ("corrupt weights file", {"workload": {"weights": "corrupt.pth"}}, "error: workload.weights='corrupt.pth': cannot load"),
    ("weights of another model", {"workload": {"weights": "other.pth"}}, "error: workload.weights='other.pth': does not fit"),
    ("factory module missing", {"workload": {"model": "no_such_module_xyz:make"}}, "error: workload.model='no_such_module_xyz:make'"),
    ("factory not returning a module", {"workload": {"model": "usermodels:not_a_module"}},
     "error: workload.model='usermodels:not_a_module': factory returned int"),
    ("masks for another model's layers", {"codec": {"name": "dct-adaptive", "masks": MASKS, "transfer_unit": {"kind": "channel"}}},
     "error: codec.masks="),
    ("image that does not decode", {"workload": {"images": ["garbage.png"]}}, "error: workload.images="),
    ("TDMA slot shorter than a burst", {"soc": {"bus": {"width_bytes": 16, "freq_mhz": 800, "arbitration": "tdma",
                                                      "tdma": {"slot_ns": 1.0, "table": ["npu", "cpu"]}}}},
     "error: soc.bus.tdma.slot_ns=1.0"),
    ("DMA regions overlapping in one bank", {"soc": {"dma": {"regions": [{"loads": {"bank": 3, "rows": 8},
                                                                         "stores": {"bank": 3, "first_row": 4}}]}}},
     "error: soc.dma.regions[0].stores: rows 4 to the last of bank 3 overlap soc.dma.regions[0].loads"),
    ("region beyond the DRAM's banks", {"soc": {"dma": {"regions": [{"loads": {"bank": 0}, "stores": {"bank": 64}}]}}},
     "error: soc.dma.regions[0].stores.bank=64: the DRAM has"),
]


@pytest.mark.parametrize("desc,changes,line", RUN_CHECKS, ids=[c[0] for c in RUN_CHECKS])
def test_validate_rejects_what_run_rejects(tmp_path, monkeypatch, desc, changes, line):
    _assets(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = _scenario(tmp_path, **changes)
    for argv in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out"), "-q"]):
        result = CliRunner().invoke(app, argv)
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(line), (argv[0], result.output)
    assert not (tmp_path / "out").exists()


def _main(monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    """Run the console entry point in-process; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["socsim", *argv])
    with pytest.raises(SystemExit) as info:
        cli.main()
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


@pytest.mark.parametrize("argv,text", [
    (["run"], "Missing argument 'scenario'"),
    (["run", "s.yaml", "--frame", "2"], "No such option: --frame"),
    (["run", "s.yaml", "--frames", "two"], "Invalid value for '--frames'"),
    (["run", "s.yaml", "--fidelity", "slow"], "Invalid value for '--fidelity'"),
    (["sweep", "s.yaml", "--workers", "0"], "Invalid value for '--workers'"),
    (["train-masks", "craft", "--target-reduction", "0.5", "--seed", str(2**64)], "Invalid value for '--seed'"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
])
def test_usage_errors_are_one_line(monkeypatch, capsys, argv, text):
    code, out, err = _main(monkeypatch, capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and text in err, err


def test_entry_point_exit_codes(monkeypatch, capsys, tmp_path):
    path = _scenario(tmp_path)
    assert _main(monkeypatch, capsys, "validate", str(path))[0] == 0
    code, _, err = _main(monkeypatch, capsys, "validate", str(tmp_path / "nowhere.yaml"))
    assert code == 2 and err.startswith("error: scenario=")
    code, out, _ = _main(monkeypatch, capsys, "--help")
    assert code == 0 and "validate" in out


def test_unwritable_outputs_are_one_line_naming_the_path(tmp_path):
    path = _scenario(tmp_path)
    run_dir = tmp_path / "run"
    (run_dir / "result.json").mkdir(parents=True)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(run_dir), "-q", "--no-report"])
    assert result.exit_code == 2 and result.output.strip() == \
        f"error: --out={str(run_dir / 'result.json')!r}: cannot write (Is a directory)"
    (run_dir / "result.json").rmdir()
    assert CliRunner().invoke(app, ["run", str(path), "--out", str(run_dir), "-q", "--figures"]).exit_code == 0
    for name in ("timeline.png", "report.html"):
        (run_dir / name).unlink()
        (run_dir / name).mkdir()
        result = CliRunner().invoke(app, ["report", str(run_dir)])
        assert result.exit_code == 2 and result.output.strip() == \
            f"error: RUN_DIR={str(run_dir / name)!r}: cannot write (Is a directory)"
        (run_dir / name).rmdir()


def test_no_service_bound_is_null_and_the_result_strict_json(tmp_path):
    """Refresh that may take the whole DRAM leaves no worst-case latency: null, never Infinity (no other
    master: beside the accelerator it would overload what refresh leaves, a verdict without a result)."""
    timing = {"channels": 4, "banks": 8, "row_bytes": 8192, "t_cl_ns": 17.5, "t_rcd_ns": 18, "t_rp_ns": 18,
              "t_rfc_ns": 3850, "t_refi_ns": 3904, "t_w2r_ns": 27.5, "t_r2w_ns": 5, "write_batch_bytes": 8192}
    path = _scenario(tmp_path, soc={"dram": {"preset": "lpddr4-3200", "timing": timing}}, masters=[])
    result = run_scenario(Scenario.from_yaml(path)).result
    assert result.dram.worst_case_service.rate_gbps == 0.0 and result.dram.worst_case_service.latency_ns is None
    assert result.bound is None and "refresh" in result.analysis.reason

    def refuse(name):
        raise ValueError(f"{name} in result.json")

    json.loads(result_json(result), parse_constant=refuse)


SWEEP = "name: sw\nbase: base.yaml\ngrid: {soc.bus.width_bytes: [16]}\nmetric: latency_ms_max\n"
BAD_SWEEPS = [
    ("unknown metric", SWEEP.replace("latency_ms_max", "latency_ms_maximum"), None, "metric='latency_ms_maximum'"),
    ("name climbing out of the folder", SWEEP.replace("name: sw", "name: ../x"), None, "name='../x'"),
    ("repeated key", SWEEP + "metric: bus_utilization\n", None, "duplicate key 'metric'"),
    ("malformed base", SWEEP, "name: [x\n", "base="),
    ("binary base", SWEEP, bytes(range(256)), "not a UTF-8 text file"),
    ("base repeating a key", SWEEP, (SCENARIOS / "mobilenet_v1_small.yaml").read_text() + "seed: 3\n", "duplicate key 'seed'"),
]


@pytest.mark.parametrize("desc,sweep,base,text", BAD_SWEEPS, ids=[b[0] for b in BAD_SWEEPS])
def test_bad_sweeps_are_one_line(tmp_path, desc, sweep, base, text):
    (tmp_path / "sw.yaml").write_text(sweep)
    base = (SCENARIOS / "mobilenet_v1_small.yaml").read_text() if base is None else base
    (tmp_path / "base.yaml").write_bytes(base if isinstance(base, bytes) else base.encode())
    with pytest.raises(ScenarioError) as info:
        Sweep(tmp_path / "sw.yaml")
    assert text in str(info.value) and "\n" not in str(info.value)
