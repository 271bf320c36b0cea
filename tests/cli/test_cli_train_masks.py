"""socsim train-masks: a tiny run writes a masks file that dct-adaptive reads at another resolution;
bad options are one-line errors with exit code 2."""

from typer.testing import CliRunner

from socsim.cli import app
from socsim.codecs.masks import load_masks
from socsim.codecs.registry import get_codec
from socsim.workload.capture import layer_graph
from socsim.workload.weights import build_model

runner = CliRunner()


def test_tiny_run_writes_masks_for_every_layer(tmp_path):
    out = tmp_path / "m.json"
    result = runner.invoke(app, [
        "train-masks", "mobilenet_v2", "--target-reduction", "0.6719", "--weights", "random", "--input", "32x32",
        "--images", "skimage:astronaut,skimage:coffee", "--frames", "2", "--epochs", "1", "--batch", "2",
        "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "achieved reduction 67.19% (target 67.19%)" in result.output
    masks = load_masks(out)
    assert masks.meta["model"] == "mobilenet_v2" and masks.meta["target_reduction"] == 0.6719
    assert "at 32×32" in masks.meta["trained_on"]
    # Masks do not depend on the resolution: every layer at 64×64 has one.
    model, _, _ = build_model("mobilenet_v2", "random", 0)
    codec = get_codec("dct-adaptive", {"masks": str(out)})
    for layer in layer_graph(model, 64, 64).layers:
        assert codec.for_layer(layer.name).worst_case_bits(layer.out_shape) > 0


def test_bad_options_are_one_line_errors(tmp_path):
    for args, message in (
        (["--target-reduction", "1.5"], "error: --target-reduction=1.5: must be a fraction in (0, 1)"),
        (["--target-reduction", "0.5", "--input", "30x30"], "error: --input='30x30': height and width must be"),
        (["--target-reduction", "0.5", "--n", "6"], "error: --n=6: must be one of 7, 8"),
        (["--target-reduction", "0.99", "--weights", "random", "--input", "32x32", "--frames", "1", "--epochs", "0",
          "--images", "skimage:coffee"], "error: --target-reduction=0.99: at most 0.9844 is reachable"),
    ):
        result = runner.invoke(app, ["train-masks", "mobilenet_v2", *args, "--out", str(tmp_path / "m.json")])
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines()[-1].startswith(message), result.output
        assert "Traceback" not in result.output
