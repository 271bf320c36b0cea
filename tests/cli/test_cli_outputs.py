"""Output that survives pipes and scripts: `--json -`, whole tables when not a terminal, the four
formats, `-q` as one line."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from socsim.cli import app

from paths import SCENARIOS


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    p = tmp_path_factory.mktemp("scen") / "s.yaml"
    text = (SCENARIOS / "mobilenet_v1_small.yaml").read_text()
    p.write_text(text.replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n"))
    return p


def run(scenario, tmp_path, *args):
    res = CliRunner().invoke(app, ["run", str(scenario), "--frames", "1", "--no-report",
                                   "--out", str(tmp_path / "out"), *args])
    assert res.exit_code == 0, res.output
    return res


def test_json_dash_is_the_only_thing_on_stdout(scenario, tmp_path):
    res = run(scenario, tmp_path, "--json", "-")
    doc = json.loads(res.stdout)
    assert doc["summary"]["frames"] == 1
    assert res.stdout == (tmp_path / "out" / "result.json").read_text()
    assert "worst-case bound" in res.stderr and "wrote" in res.stderr
    assert not (tmp_path / "-").exists()


def test_piped_tables_are_whole(scenario, tmp_path):
    res = run(scenario, tmp_path)
    assert "…" not in res.stdout
    layers = json.loads((tmp_path / "out" / "result.json").read_text())["layers"]
    longest = max((x["name"] for x in layers), key=len)
    # A row of the layers table holds every column's full text on one line.
    row = next(line for line in res.stdout.splitlines() if f" {longest} " in line)
    assert row.count("│") == 11
    summary = res.stdout.splitlines()[-1]
    assert summary.startswith("mobilenet_v1_small: meets") and "wrote" in summary


def test_quiet_is_one_line(scenario, tmp_path):
    res = run(scenario, tmp_path, "-q")
    assert len(res.stdout.splitlines()) == 1 and res.stdout.startswith("mobilenet_v1_small: ")


def test_formats(scenario, tmp_path):
    doc = json.loads(run(scenario, tmp_path, "--format", "json").stdout)
    assert list(doc) == ["layers", "masters", "frames", "bound_layers", "bound_frames"]
    assert doc["frames"][0]["deadline"] is True and isinstance(doc["frames"][0]["latency ms"], float)
    res = run(scenario, tmp_path, "--format", "csv")
    blocks = res.stdout.split("\n\n")
    assert [b.splitlines()[0] for b in blocks][0].startswith("# layers: ")
    frames = list(csv.DictReader(io.StringIO(blocks[2].split("\n", 1)[1])))
    assert frames[0]["deadline"] == "true" and float(frames[0]["latency ms"]) > 0
    assert "wrote" in res.stderr and "wrote" not in res.stdout
    md = run(scenario, tmp_path, "--format", "markdown").stdout
    assert "| layer | kind | GMAC |" in md and "|:---|:---|---:|" in md
