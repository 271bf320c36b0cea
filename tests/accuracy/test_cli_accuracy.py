"""`socsim accuracy`: a tiny run writes its table, CSV files and figures; user errors exit 2 with one line."""

import csv

from typer.testing import CliRunner

from socsim.cli import app

runner = CliRunner()


def test_tiny_run_writes_csv_and_png(tmp_path):
    out = tmp_path / "acc"
    result = runner.invoke(app, [
        "accuracy", "mobilenet_v2", "--codecs", "none,rle,spm,dct:n=auto,keep=21", "--input", "32x32",
        "--frames", "2", "--sweep-k", "10,15", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "top1" in result.output and "dct:n=auto,keep=10" in result.output
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["codec"] for r in rows] == ["none", "rle", "spm", "dct:n=auto,keep=21", "dct:n=auto,keep=10",
                                         "dct:n=auto,keep=15"]
    assert rows[0]["top1"] == "1.0"
    layers = list(csv.DictReader((out / "layers.csv").open()))
    assert len(layers) == 6 * 64
    for name in ("accuracy_vs_reduction.png", "layer_reduction.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_codec_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["accuracy", "mobilenet_v2", "--codecs", "none,nosuch", "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown codec" in lines[0] and "nosuch" in lines[0]


def test_bad_input_size_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["accuracy", "mobilenet_v2", "--input", "64", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
