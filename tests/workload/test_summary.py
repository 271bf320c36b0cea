"""`socsim workload summary`: 16-bit sizes from the shape-only graph, beside the paper's Table I."""

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from socsim.cli import app
from socsim.errors import SocsimError
from socsim.workload.summary import PAPER_TABLE_I, as_json, parse_hw, renderables, summarize

VGG16_PARAMS = 138_357_544
VGG16_OUTPUT_VALUES = 13_547_520 + 1_530_368 + 4096 + 4096 + 1000  # convs, pools, fc6-fc8 at 224×224


@pytest.fixture(scope="module")
def vgg16():
    return summarize("vgg16")


def _text(s) -> str:
    console = Console(record=True, width=200, file=open("/dev/null", "w"))
    for r in renderables(s):
        console.print(r)
    return console.export_text()


def test_vgg16_totals_at_224(vgg16):
    assert (vgg16.height, vgg16.width) == (224, 224)
    assert vgg16.weight_bytes == 2 * VGG16_PARAMS  # 276.7 MB
    assert vgg16.activation_bytes == 2 * VGG16_OUTPUT_VALUES  # 30.17 MB
    assert vgg16.input_bytes == 2 * 3 * 224 * 224
    assert [x.kind for x in vgg16.layers].count("conv") == 13 and len(vgg16.layers) == 21
    assert vgg16.layers[0].relative_to_input == pytest.approx(64 / 3)


def test_table_shows_ours_beside_table_i(vgg16):
    text = _text(vgg16)
    assert "Table I" in text and "ours / Table I" in text
    assert "276.72 MB" in text and "268.00 MB" in text  # weights: ours, paper
    assert "30.17 MB" in text and "36.10 MB" in text  # activations: ours, paper
    assert "MB = 10^6 B" in text and "without fc8" in text


def test_mobilenet_v1_matches_the_paper_without_depthwise_outputs():
    s = summarize("mobilenet_v1")
    paper = PAPER_TABLE_I["mobilenet_v1"]
    assert round(s.weight_bytes / 1e4) == paper.weight_bytes / 1e4  # 8.44 MB
    assert round(s.alternatives["conv outputs except depthwise"] / 1e4) == 622
    assert sum(x.depthwise for x in s.layers) == 13


def test_other_resolution_is_not_compared(vgg16):
    s = summarize("fcn8s", 64, 128)
    assert not s.at_paper_resolution and vgg16.at_paper_resolution
    assert "not comparable" in _text(s)


def test_parse_hw():
    assert parse_hw("1024x2048") == (1024, 2048) and parse_hw("256×512") == (256, 512)
    for bad in ("12x", "axb", "0x5", "1x2x3"):
        with pytest.raises(SocsimError, match="--input"):
            parse_hw(bad)


def test_cli_json(tmp_path, vgg16):
    path = tmp_path / "x.json"
    res = CliRunner().invoke(app, ["workload", "summary", "vgg16", "--json", str(path)])
    assert res.exit_code == 0, res.output
    doc = json.loads(path.read_text())
    assert doc == as_json(vgg16)
    assert doc["weight_bytes"] == 2 * VGG16_PARAMS and doc["activation_bytes"] == 2 * VGG16_OUTPUT_VALUES
    assert doc["paper_table_i"]["weight_bytes"] == 268_000_000
    assert doc["paper_table_i"]["activation_bytes"] == 36_100_000 and doc["paper_table_i"]["comparable"]
    assert len(doc["layers"]) == 21 and doc["layers"][0]["activation_bytes"] == 2 * 64 * 224 * 224
    assert "MB = 10^6 B" in doc["counting"]


def test_cli_plot_png(tmp_path):
    path = tmp_path / "fig1.png"
    res = CliRunner().invoke(app, ["workload", "summary", "mobilenet_v1", "--input", "96x96", "--plot", str(path)])
    assert res.exit_code == 0, res.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args,field", [(["nosuchnet"], "MODEL='nosuchnet'"), (["vgg16", "--input", "x"], "--input")])
def test_cli_user_errors_one_line_exit_2(args, field):
    res = CliRunner().invoke(app, ["workload", "summary", *args])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0], res.output
