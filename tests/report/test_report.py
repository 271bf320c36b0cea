"""Run folders: trace.json structure, figures and report.html; compare rows are consistent."""

import json
import re

import pytest

from typer.testing import CliRunner

from socsim.cli import app
from socsim.comparison import compare
from socsim.report.trace import check_trace
from socsim.scenario import Scenario

from paths import SCENARIOS

SMALL = SCENARIOS / "mobilenet_v1_small.yaml"
OVER = {"frames": 1, "workload": {"model": "mobilenet_v1", "height": 64, "width": 64}}


def _scenario_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(SMALL.read_text().replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n"))
    return p


def test_run_folder_has_valid_trace_and_self_contained_report(tmp_path):
    res = CliRunner().invoke(app, ["run", str(_scenario_file(tmp_path)), "--frames", "1", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    # The worst-case analysis is printed next to the simulation: per frame and per layer.
    assert "worst-case bound" in res.output and "bound terms per layer" in res.output
    run = tmp_path / "r"
    doc = json.loads((run / "trace.json").read_text())
    assert check_trace(doc) == []
    events = doc["traceEvents"]
    assert {e["ph"] for e in events} >= {"M", "X", "C"}
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"frames", "layers", "accelerator (tile compute)", "DMA channel 0"} <= names
    assert all(e["dur"] >= 0 for e in events if e["ph"] == "X")
    page = (run / "report.html").read_text()
    # The verdict banner comes first: meets or misses, how surely, the margin, the smallest guaranteed ratio.
    banner = re.search(r'<div class="banner (\w+)">(.*?)</div>', page)
    assert banner and page.index(banner.group(0)) < page.index("<h2>")
    assert re.search(r"<b>meets 33.3 ms by guarantee, margin \+\d+\.\d{3} ms</b>", banner.group(2))
    assert "smallest guaranteed compression ratio that meets it: " in banner.group(2)
    pngs = sorted(p.name for p in run.glob("*.png"))
    assert {"timeline.png", "utilization.png", "layer_bytes.png"} <= set(pngs)
    # Every figure is inlined (the page needs no other file) and nothing is fetched from a network.
    assert len(re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', page)) == len(pngs)
    assert "http://" not in page and "https://" not in page
    # `socsim report` re-renders from the JSON alone.
    (run / "report.html").unlink()
    res = CliRunner().invoke(app, ["report", str(run)])
    assert res.exit_code == 0 and (run / "report.html").exists()
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nowhere")])
    assert res.exit_code == 2


@pytest.mark.parametrize("fidelity", ["fast", "burst"])
@pytest.mark.parametrize("channels", [1, 2])
def test_trace_has_one_track_per_dma_channel_and_whole_nanoseconds(tmp_path, channels, fidelity):
    from socsim.pipeline import run_scenario
    from socsim.report.trace import TID_DMA0, trace_events

    s = Scenario.from_yaml(SMALL, OVER, [f"soc.dma.channels={channels}"])
    events = trace_events(run_scenario(s, fidelity=fidelity).sim, s.name, channels)
    assert check_trace({"traceEvents": events}) == []
    tracks = {e["args"]["name"]: e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert [n for n in tracks if n.startswith("DMA")] == [f"DMA channel {c}" for c in range(channels)]
    dma = [e for e in events if e["ph"] == "X" and e["tid"] >= TID_DMA0]
    assert {e["tid"] for e in dma} == {TID_DMA0 + c for c in range(channels)}
    assert all(e["args"]["bytes"] > 0 for e in dma)
    assert all(abs(x * 1e3 - round(x * 1e3)) < 1e-6 for e in events if e["ph"] in "XC"
               for x in (e["ts"], e.get("dur", 0)))
    # Every byte the accelerator moved appears on exactly one channel slice.
    moved = sum(e["args"]["read_bytes"] + e["args"]["write_bytes"] for e in events if e["tid"] == tracks["layers"]
                and e["ph"] == "X")
    assert sum(e["args"]["bytes"] for e in dma) == moved


def test_check_trace_finds_problems():
    bad = {"traceEvents": [
        {"ph": "M", "pid": 1, "tid": 1, "ts": 0, "name": "thread_name", "args": {"name": "a"}},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 5, "name": "x"},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 3, "dur": 5, "name": "y"},
        {"ph": "X", "pid": 1, "tid": 2, "ts": 3, "dur": -1, "name": "z"},
        {"ph": "X", "pid": 1, "ts": 3, "dur": 1, "name": "w"},
    ]}
    problems = check_trace(bad)
    assert any("overlap" in p for p in problems)
    assert any("dur -1" in p for p in problems)
    assert any("unnamed track 2" in p for p in problems)
    assert any("lacks ['tid']" in p for p in problems)


def test_compare_rows_are_consistent():
    s = Scenario.from_yaml(SMALL, OVER)
    comp = compare(s, ["none", "rle", "dct:keep=21"])
    rows = {r["codec"]: r for r in comp.rows}
    none, dct = rows["none"], rows["dct:keep=21,n=8"]
    # none moves exactly the uncompressed bytes: its reduction is zero and its size equals the plans' raw size.
    assert none["reduction"] == 0.0
    assert not none["guaranteed"] and dct["guaranteed"] and not rows["rle"]["guaranteed"]
    # dct bytes equal its guaranteed size: the same on every frame, and below none.
    assert dct["dram_mb_per_frame_mean"] == dct["dram_mb_per_frame_max"] < none["dram_mb_per_frame_mean"]
    for o in comp.outputs:
        assert o.result.seed == s.seed
    written = [layer.dma_write_bytes for layer in comp.outputs[2].result.layers]
    from socsim.codecs.registry import get_codec

    codec = get_codec("dct", {"keep": 21})
    graph = comp.outputs[2].workload.graph
    for layer, w in zip(graph.layers, written):
        if comp.outputs[2].result.layers[graph.layers.index(layer)].resident:
            continue
        bits = codec.unit_worst_case_bits(layer.out_shape, s.codec.transfer_unit)
        assert w == int((((bits + 7) // 8 + 63) // 64 * 64).sum())


def test_cli_compare(tmp_path):
    res = CliRunner().invoke(app, ["compare", str(_scenario_file(tmp_path)), "--codecs", "none,spm,dct:keep=10,n=8",
                                   "--frames", "1", "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert [d["codec"]["key"] for d in data] == ["none", "spm", "dct:keep=10,n=8"]
    assert (tmp_path / "c" / "report.html").exists() and (tmp_path / "c" / "layer_bytes.png").exists()
    page = (tmp_path / "c" / "report.html").read_text()
    # One banner per codec; every section after the comparison table is per codec or says it covers all.
    assert re.findall(r'<div class="banner \w+"><code>([^<]+)</code>', page) == ["none", "spm", "dct:keep=10,n=8"]
    sections = re.findall(r"<h2>(.*?)</h2>", page)
    assert sections[0] == "Codecs compared"
    assert all(re.search(r" — (codec \S+|all codecs)$", h) for h in sections[1:]), sections
    assert sections.count("Layers — codec spm") == 1 and sections.count("Frames — codec dct:keep=10,n=8") == 1
    res = CliRunner().invoke(app, ["compare", str(_scenario_file(tmp_path)), "--codecs", "none,zip"])
    assert res.exit_code == 2 and "zip" in res.output


def test_display_verdict_and_no_bound_reason_in_report(tmp_path):
    """A display's underflow verdict reaches the table lines and report.html; a scenario without a
    bound (TDMA) renders its reason instead of failing."""
    from socsim.report.export import result_json
    from socsim.report.html import render
    from socsim.report.tables import bound_tables, display_lines
    from socsim.pipeline import run_scenario

    display = {"kind": "display", "name": "panel", "width": 640, "height": 480, "fps": 60.0,
               "fifo_bytes": 16384, "request_bytes": 1024}
    s = Scenario.from_yaml(SMALL, {**OVER, "masters": [display]})
    result = run_scenario(s).result
    lines = display_lines(result)
    assert len(lines) == 1 and lines[0].startswith("panel (display): underflow ")
    d = result.analysis.display[0]
    assert d.underflow_possible == (d.worst_latency_us is None or d.worst_latency_us > d.deadline_us)
    assert len(bound_tables(result)) == 2
    tdma = Scenario.from_yaml(SMALL, {**OVER, "masters": [display], "soc": {"bus": {
        "width_bytes": 16, "freq_mhz": 1000.0, "arbitration": "tdma",
        "tdma": {"slot_ns": 200.0, "table": ["npu", "panel"]}}}})
    result = run_scenario(tdma).result
    assert result.bound is None and result.analysis.reason and bound_tables(result) == []
    (tmp_path / "result.json").write_text(result_json(result))
    render(tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "No worst-case bound" in page and "(display): underflow" in page
