"""Verdicts for CI: --check simulation|guarantee exits 1 when a frame misses, 0 when it holds, 2 on bad input."""

import pytest
from typer.testing import CliRunner

from socsim.cli import app
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
from socsim.verdict import failures, verdict

from paths import SCENARIOS

# At 64×64 one frame takes about 1.2 ms simulated and its bound about 4.7 ms.
MEETS_ONLY_IN_SIMULATION = 3.0
MISSES = 0.5


def scenario_file(tmp_path, deadline_ms):
    p = tmp_path / f"s{deadline_ms}.yaml"
    text = (SCENARIOS / "mobilenet_v1_small.yaml").read_text()
    text = text.replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n")
    p.write_text(text.replace("deadline_ms: 33.3", f"deadline_ms: {deadline_ms}").replace("frames: 2", "frames: 1"))
    return p


def invoke(*args):
    return CliRunner().invoke(app, [*args])


def test_failures_and_verdict_read_the_result(tmp_path):
    result = run_scenario(Scenario.from_yaml(scenario_file(tmp_path, MEETS_ONLY_IN_SIMULATION))).result
    assert failures(result, "simulation") == []
    (line,) = failures(result, "guarantee")
    assert line.startswith("frame 0: worst-case bound ") and line.endswith(f"> deadline {MEETS_ONLY_IN_SIMULATION} ms")
    v = verdict(result)
    assert v.meets and v.by == "simulation"
    assert v.margin_ms == pytest.approx(MEETS_ONLY_IN_SIMULATION - result.summary.latency_ms_max)
    assert v.headline(3.0).startswith("meets 3.0 ms only in simulation")


def test_run_check_exit_codes(tmp_path):
    ok = scenario_file(tmp_path, MEETS_ONLY_IN_SIMULATION)
    common = ["--no-report", "-q", "--out", str(tmp_path / "o")]
    assert invoke("run", str(ok), "--check", "simulation", *common).exit_code == 0
    res = invoke("run", str(ok), "--check", "guarantee", *common)
    assert res.exit_code == 1 and "check guarantee: frame 0: worst-case bound" in res.stderr
    assert len(res.stdout.splitlines()) == 1  # the summary still prints, the verdict is the exit code
    res = invoke("run", str(scenario_file(tmp_path, MISSES)), "--check", "simulation", *common)
    assert res.exit_code == 1 and "check simulation: frame 0: simulated latency" in res.stderr
    assert invoke("run", str(ok), "--check", "simulation", "--frames", "0", *common).exit_code == 2
    assert invoke("run", str(ok), "--check", "sometimes", *common).exit_code == 2


def test_compare_check_names_the_codec(tmp_path):
    res = invoke("compare", str(scenario_file(tmp_path, MEETS_ONLY_IN_SIMULATION)), "--codecs", "none,dct:keep=21",
                 "--check", "guarantee", "-q", "--out", str(tmp_path / "c"))
    assert res.exit_code == 1, res.output
    assert "check guarantee: none: frame 0" in res.stderr and "check guarantee: dct:keep=21,n=8: frame 0" in res.stderr
