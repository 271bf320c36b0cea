"""The Python API: socsim.run and socsim.compare take a scenario and field-path overrides and return
typed results; importing socsim loads nothing heavy."""

import os
import subprocess
import sys

import pytest

import socsim
from socsim.errors import ScenarioError
from socsim.pipeline import run_scenario
from socsim.report.export import result_json
from socsim.result import RunResult
from socsim.scenario import Scenario

from paths import ROOT, SCENARIOS

SMALL = SCENARIOS / "mobilenet_v1_small.yaml"
SIZE = {"frames": 1, "workload__height": 64, "workload__width": 64}


def test_import_is_cheap():
    code = "import sys, socsim; print(sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in " \
           "('socsim', 'numpy', 'torch', 'pydantic', 'rich', 'yaml')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "['socsim']"


def test_run_applies_overrides_like_set():
    result = socsim.run(SMALL, **SIZE, **{"soc.bus.width_bytes": 8})
    assert isinstance(result, RunResult) and result.scenario.soc.bus.width_bytes == 8
    settings = ["workload.height=64", "workload.width=64", "soc.bus.width_bytes=8"]
    same = run_scenario(Scenario.from_yaml(SMALL, {"frames": 1}, settings)).result
    assert result_json(result) == result_json(same)
    # A Scenario or a mapping works as well as a path; the stored scenario runs again to the same result.
    assert result_json(socsim.run(result.scenario)) == result_json(result)
    assert socsim.run(result.scenario.model_dump(), seed=1).seed == 1


def test_compare_returns_typed_results_and_rows():
    comp = socsim.compare(str(SMALL), ["none", "rle"], **SIZE)
    assert [r.codec.key for r in comp.results] == ["none", "rle"] == [row["codec"] for row in comp.rows]
    assert comp.rows[0]["reduction"] == 0.0


def test_bad_override_names_the_field():
    with pytest.raises(ScenarioError, match="soc.bus.width_bytes=0"):
        socsim.run(SMALL, **{"soc.bus.width_bytes": 0})


def test_overloaded_chip_raises_its_verdict():
    with pytest.raises(socsim.Overloaded) as info:
        socsim.run(SMALL, **SIZE, **{"masters[0].rate_gbps": 100.0})
    verdict = info.value.verdict
    assert (verdict.kind, verdict.asked_gbps) == ("overloaded", 100.0)
    assert verdict.served_gbps < 100.0 and str(info.value) == str(verdict)
    assert socsim.Overloaded is socsim.errors.Overloaded
    with pytest.raises(socsim.Overloaded, match="^overloaded: "):
        socsim.compare(SMALL, ["none", "rle"], **SIZE, **{"masters[0].rate_gbps": 100.0})
