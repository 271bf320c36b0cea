"""Sweeps: field-path overrides, validation, both executors give identical tables, resume."""

import csv
import io
import json

import pytest
from paths import SCENARIOS
from typer.testing import CliRunner

from socsim.cli import app
from socsim.errors import ScenarioError
from socsim.fieldpath import parse_path, set_path
from socsim.sweep import Sweep, run_sweep, write_table

SWEEP = f"""\
name: t
base: {SCENARIOS / 'mobilenet_v1_small.yaml'}
set:
  frames: 1
  workload.height: 64
  workload.width: 64
grid:
  soc.bus.width_bytes: [8, 32]
  masters[0].rate_gbps: [1.0, 4.0]
"""


def write(tmp_path, text):
    p = tmp_path / "sweep.yaml"
    p.write_text(text)
    return p


def test_parse_and_set_paths():
    assert parse_path("masters[0].rate_gbps") == ["masters", 0, "rate_gbps"]
    data = {"masters": [{"rate_gbps": 1}], "soc": {}}
    set_path(data, "masters[0].rate_gbps", 3)
    set_path(data, "soc.bus.width_bytes", 8)
    assert data == {"masters": [{"rate_gbps": 3}], "soc": {"bus": {"width_bytes": 8}}}
    with pytest.raises(ScenarioError):
        set_path(data, "masters[3].rate_gbps", 1)
    with pytest.raises(ScenarioError):
        parse_path("a..b[")


def test_bad_point_is_named(tmp_path):
    with pytest.raises(ScenarioError) as info:
        Sweep(write(tmp_path, SWEEP.replace("[8, 32]", "[8, -1]")))
    assert "soc.bus.width_bytes" in str(info.value) and "point" in str(info.value)


def test_local_and_dask_give_identical_tables_and_resume(tmp_path):
    sw = Sweep(write(tmp_path, SWEEP))
    assert len(sw.points) == 4
    local = run_sweep(sw, tmp_path / "local", "local", workers=2)
    dask = run_sweep(sw, tmp_path / "dask", "dask", workers=2)
    assert local == dask
    assert [r["soc.bus.width_bytes"] for r in local] == [8, 8, 32, 32]
    # A wider bus never makes the frame slower.
    assert local[2]["latency_ms_max"] <= local[0]["latency_ms_max"]
    # Each row names its point's folder.
    assert [r["point"] for r in local] == [pid for pid, _, _ in sw.points]
    for r in local:
        assert json.loads((tmp_path / "local" / "points" / r["point"] / "result.json").read_text())["sweep_point"] == {
            "soc.bus.width_bytes": r["soc.bus.width_bytes"], "masters[0].rate_gbps": r["masters[0].rate_gbps"]}
    # Resume: delete one point's result; only that point is recomputed.
    points = sorted((tmp_path / "local" / "points").iterdir())
    mtimes = {p.name: (p / "result.json").stat().st_mtime_ns for p in points}
    (points[0] / "result.json").unlink()
    again = run_sweep(sw, tmp_path / "local", "local", workers=1)
    assert again == local
    after = {p.name: (p / "result.json").stat().st_mtime_ns for p in points}
    assert [n for n in mtimes if mtimes[n] != after[n]] == [points[0].name]
    written = write_table(again, tmp_path / "local")
    assert (tmp_path / "local" / "sweep.csv").read_text().splitlines()[0].startswith("point,soc.bus.width_bytes,")
    assert len(written) in (1, 2)


def test_cli_sweep(tmp_path):
    res = CliRunner().invoke(app, ["sweep", str(write(tmp_path, SWEEP)), "--out", str(tmp_path / "o"), "--workers", "1",
                                   "--check", "simulation", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 4 and all(r["deadline_met_all"] == "true" for r in rows)
    assert "sweep: 4/4 points done" in res.stderr.splitlines()
    res = CliRunner().invoke(app, ["sweep", str(write(tmp_path, SWEEP)), "--out", str(tmp_path / "o"), "-q",
                                   "--check", "guarantee"])
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 1
    assert (tmp_path / "o" / "sweep.csv").exists() and (tmp_path / "o" / "sweep_latency_ms_max.png").exists()
    res = CliRunner().invoke(app, ["sweep", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2 and res.output.startswith("error: ")


OVERLOADED = SWEEP.replace("""grid:
  soc.bus.width_bytes: [8, 32]
  masters[0].rate_gbps: [1.0, 4.0]
""", """points:
  - {"masters[0].rate_gbps": 100.0}
  - {"masters[0].rate_gbps": 1.0}
""")


def test_overloaded_point_is_a_row_and_the_sweep_goes_on(tmp_path):
    out = tmp_path / "o"
    args = ["sweep", str(write(tmp_path, OVERLOADED)), "--out", str(out), "--workers", "1", "--format", "csv"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["masters[0].rate_gbps"] for r in rows] == ["100.0", "1.0"]
    assert rows[0]["verdict"].startswith("overloaded: the masters ask 100 GB/s of a ")
    assert rows[0]["latency_ms_max"] == "" and rows[1]["verdict"] == "" and float(rows[1]["latency_ms_max"]) > 0
    verdict = json.loads((out / "points" / rows[0]["point"] / "verdict.json").read_text())
    assert verdict["sweep_point"] == {"masters[0].rate_gbps": 100.0} and verdict["verdict"]["kind"] == "overloaded"
    assert not (out / "points" / rows[0]["point"] / "result.json").exists()
    assert (out / "sweep_latency_ms_max.png").exists()
    # Resume: both points are done (the verdict too); --check fails on the verdict alone.
    res = CliRunner().invoke(app, [*args, "-q", "--check", "simulation"])
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [f"check simulation: point {rows[0]['point']}: {rows[0]['verdict']}"]
    assert (out / "points" / rows[0]["point"] / "verdict.json").read_text() == json.dumps(verdict, indent=2)
