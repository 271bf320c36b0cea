"""The typed result: round trip through result.json, the shipped JSON Schema, the standalone
scenario (scenario.yaml reruns to the same result) and one-line errors for bad result files."""

import json
import math

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from socsim.cli import app
from socsim.report.export import result_json, scenario_yaml
from socsim.result import SCHEMA_PATH, RunResult, Summary, WindowBytes, schema_json
from socsim.pipeline import run_scenario, standalone
from socsim.scenario import Scenario

from paths import ROOT, SCENARIOS

SMALL = SCENARIOS / "mobilenet_v1_small.yaml"


def small_file(tmp_path):
    """The small scenario at 64×64, one frame, as a file in ``tmp_path``."""
    p = tmp_path / "s.yaml"
    p.write_text(SMALL.read_text().replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n")
                 .replace("frames: 2", "frames: 1"))
    return p


def test_shipped_schema_is_generated_from_the_models():
    # If this fails after a change of socsim.result or socsim.scenario: python -m socsim.result --schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json()


def test_result_round_trips_through_json_and_matches_the_schema(tmp_path):
    result = run_scenario(Scenario.from_yaml(small_file(tmp_path))).result
    text = result_json(result)
    again = RunResult.model_validate_json(text)
    assert again == result and result_json(again) == text
    doc = json.loads(text)
    assert doc["schema_version"] == 1 and doc["scenario"]["name"] == "mobilenet_v1_small"
    assert doc["scenario"] == result.scenario.model_dump(mode="json")
    assert "sweep_point" not in doc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["required"]) <= set(doc) <= set(schema["properties"])
    frame = schema["$defs"]["FrameResult"]
    assert set(doc["frames"][0]) == set(frame["properties"]) == set(frame["required"])
    # Every window has the other master's keys and, in the fast fidelity, what the simulation served.
    windows = doc["analysis"]["worst_case_window_bytes"]
    assert all(w.keys() >= {"cpu_bytes", "cpu_served_bytes", "observed_bytes"} for w in windows)
    # The burst fidelity has no bins: its windows carry no observed_bytes key at all.
    row = {k: v for k, v in windows[0].items() if k != "observed_bytes"}
    assert "observed_bytes" not in WindowBytes.model_validate(row).model_dump(mode="json")


def test_floats_are_finite():
    with pytest.raises(ValidationError):
        Summary(frames=1, latency_ms_max=math.nan, latency_ms_mean=1.0, deadline_met_all=True)
    with pytest.raises(ValidationError):
        Summary(frames=1, latency_ms_max=math.inf, latency_ms_mean=1.0, deadline_met_all=True)


def test_run_folder_scenario_yaml_reruns_to_the_same_result(tmp_path):
    run = tmp_path / "run"
    res = CliRunner().invoke(app, ["run", str(small_file(tmp_path)), "--out", str(run), "-q", "--no-report"])
    assert res.exit_code == 0, res.output
    assert "scenario.yaml" in res.output
    again = Scenario.from_yaml(run / "scenario.yaml")
    assert result_json(run_scenario(again).result) == (run / "result.json").read_text()


def test_cli_rerun_of_a_run_folder_is_byte_identical(tmp_path):
    """`socsim run RUN_DIR/scenario.yaml` writes the same result.json, --set settings included."""
    first, second = tmp_path / "first", tmp_path / "second"
    res = CliRunner().invoke(app, ["run", str(small_file(tmp_path)), "--set", "soc.bus.width_bytes=8", "--set",
                                   "codec=dct:keep=21", "--out", str(first), "-q", "--no-report"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["run", str(first / "scenario.yaml"), "--out", str(second), "-q", "--no-report"])
    assert res.exit_code == 0, res.output
    assert (second / "result.json").read_bytes() == (first / "result.json").read_bytes()
    assert (second / "scenario.yaml").read_bytes() == (first / "scenario.yaml").read_bytes()


def test_standalone_scenario_names_files_absolutely(tmp_path):
    src = tmp_path / "src"
    (src / "imgs").mkdir(parents=True)
    (src / "w.pth").write_bytes(b"")
    doc = yaml.safe_load(SMALL.read_text())
    doc["workload"].update({"weights": "w.pth", "images": ["skimage:astronaut", "imgs"]})
    doc["run"] = {"cache_dir": "cache"}
    (src / "s.yaml").write_text(yaml.safe_dump(doc))
    alone = standalone(Scenario.from_yaml(src / "s.yaml"))
    assert alone.base_dir == "."
    assert alone.workload.weights == str(src / "w.pth")
    assert alone.workload.images == ["skimage:astronaut", str(src / "imgs")]
    assert alone.run.cache_dir == str(src / "cache")
    # Written elsewhere and loaded again, it is the same scenario.
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "scenario.yaml").write_text(scenario_yaml(alone))
    assert standalone(Scenario.from_yaml(tmp_path / "elsewhere" / "scenario.yaml")) == alone


@pytest.mark.parametrize("damage, named", [
    (lambda doc: doc["summary"].pop("latency_ms_max"), "summary.latency_ms_max: required field missing"),
    (lambda doc: doc["frames"][0].update(latency_ms="slow"), "frames[0].latency_ms='slow'"),
    (lambda doc: doc.update(schema_version=2), "schema_version=2"),
])
def test_report_names_the_problem_of_a_bad_result(tmp_path, damage, named):
    golden = json.loads((ROOT / "tests" / "golden" / "mobilenet_v1_small-fast.json").read_text())
    doc = {**golden, "schema_version": 1, "scenario": Scenario.from_yaml(SMALL).model_dump(mode="json")}
    RunResult.model_validate(doc)  # the golden result, brought to this format, is valid
    damage(doc)
    (tmp_path / "result.json").write_text(json.dumps(doc))
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and res.output.count("\n") == 1 and named in res.output


def test_report_rejects_old_and_malformed_results(tmp_path):
    old = json.loads((ROOT / "tests" / "golden" / "mobilenet_v1_small-fast.json").read_text())
    old.pop("schema_version", None)  # results written before the schema was versioned
    (tmp_path / "result.json").write_text(json.dumps(old))
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "schema_version: required field missing" in res.output
    (tmp_path / "result.json").write_text("{not json")
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "Invalid JSON" in res.output and res.output.count("\n") == 1
