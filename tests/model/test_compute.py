"""The compute rule per dataflow: hand-worked cases, and SCALE-Sim's cycles of real layers (tests/fixtures/scalesim)."""

import functools
import json

import pytest
from paths import ROOT

from socsim.model.compute import (
    Gemm,
    compute_cycles,
    gemm_cycles,
    is_depthwise,
    layer_gemm,
)
from socsim.model.schedule import compute_ns
from socsim.scenario import AcceleratorSpec
from socsim.workload.graph import Layer

FIXTURES = ROOT / "tests" / "fixtures" / "scalesim"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())
COMPARED = [r for r in REFERENCE["layers"] if "cycles" in r]

# 16 output channels of 4×4 pixels, K = 3·3·3 = 27; on 8×8: ⌈27/8⌉ = 4 row folds, ⌈16/8⌉ = 2 column folds.
CONV = Layer("c", "conv", (16, 4, 4), ("input",), macs=16 * 16 * 27, kernel=(3, 3), in_channels_per_group=3)
# 32 channels of 4×4, 3×3 kernel, one input channel each.
DW = Layer("d", "conv", (32, 4, 4), ("input",), macs=32 * 16 * 9, kernel=(3, 3), in_channels_per_group=1)
FC = Layer("f", "fc", (10, 1, 1), ("input",), macs=100 * 10, in_channels_per_group=100)
POOL = Layer("p", "pool", (8, 2, 2), ("input",), ops=128)


def _acc(**kw) -> AcceleratorSpec:
    return AcceleratorSpec(**{"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64, **kw})


def test_default_is_weight_stationary_per_channel():
    acc = AcceleratorSpec()
    assert (acc.dataflow, acc.depthwise) == ("ws", "per_channel")


def test_weight_stationary_folds_pay_fill_and_drain():
    # 8 folds of 16 pixels + 2·8 + 8 − 2 = 22 cycles of fill and drain.
    assert compute_cycles(CONV, _acc()) == 8 * (16 + 22)
    # fc: one pixel, ⌈100/8⌉ = 13 × ⌈10/8⌉ = 2 folds.
    assert compute_cycles(FC, _acc()) == 26 * (1 + 22)


def test_output_stationary_maps_pixels_on_rows():
    # ⌈16/8⌉ = 2 pixel folds × 2 column folds, each the reduction 27 + 8 + 8 − 2.
    assert compute_cycles(CONV, _acc(dataflow="os")) == 4 * (27 + 14)


def test_input_stationary_maps_pixels_on_columns():
    # ⌈27/8⌉ = 4 × ⌈16/8⌉ = 2 folds, each the 16 filters + 2·8 + 8 − 2.
    assert compute_cycles(CONV, _acc(dataflow="is")) == 8 * (16 + 22)
    assert compute_cycles(CONV, _acc(dataflow="is", cols=4)) == 4 * 4 * (16 + 16 + 4 - 2)


def test_depthwise_mappings():
    assert is_depthwise(DW) and not is_depthwise(CONV)
    assert layer_gemm(DW) == Gemm(16, 9, 1, 32)
    assert layer_gemm(DW, "channel_parallel") == Gemm(16, 9, 32)
    # Per channel: 32 single-filter convolutions of ⌈9/8⌉ = 2 folds each.
    assert compute_cycles(DW, _acc()) == 32 * 2 * (16 + 22)
    # Channel parallel: one product, 2 row folds × 4 column folds.
    assert compute_cycles(DW, _acc(depthwise="channel_parallel")) == 8 * (16 + 22)


def test_transposed_conv_counts_input_pixels():
    up = Layer("u", "conv", (19, 16, 32), ("input",), macs=19 * 19 * 16 * 128, kernel=(4, 4), in_channels_per_group=19)
    assert layer_gemm(up) == Gemm(128, 304, 19)


def test_vector_unit_and_time():
    assert compute_cycles(POOL, _acc(dataflow="os")) == 16
    assert compute_ns(CONV, _acc(freq_mhz=500.0)) == pytest.approx(2 * 8 * 38)


def test_unknown_dataflow_is_refused():
    with pytest.raises(ValueError, match="dataflow='rs'"):
        gemm_cycles(Gemm(1, 1, 1), 8, 8, "rs")


@functools.cache
def _layers(model: str, height: int, width: int) -> dict[str, Layer]:
    import torch

    from socsim.workload.capture import layer_graph
    from socsim.workload.weights import resolve_model

    with torch.device("meta"):
        net = resolve_model(model).factory()
    return {layer.name: layer for layer in layer_graph(net, height, width).layers}


def test_fixture_covers_every_dataflow_and_array():
    assert REFERENCE["scalesim_version"] in (FIXTURES / "README.md").read_text()
    runs = {(r["model"], r["rows"], r["cols"], r["dataflow"]) for r in COMPARED}
    for df in ("ws", "os", "is"):
        assert {("mobilenet_v1", 32, 32, df), ("mobilenet_v1", 8, 8, df), ("fcn8s", 256, 128, df),
                ("vgg16", 128, 128, df)} <= runs
    assert all(r["stall_cycles"] == 0 for r in COMPARED)


@pytest.mark.parametrize("model", sorted({r["topology"] for r in COMPARED}))
def test_socsim_within_two_percent_of_scalesim(model):
    h, w = REFERENCE["models"][model]
    layers = _layers(model.removesuffix("_small"), h, w)
    worst = 0.0
    for r in (r for r in COMPARED if r["topology"] == model):
        depthwise = "per_channel" if r["mapping"] == "standard" else r["mapping"]
        acc = _acc(rows=r["rows"], cols=r["cols"], dataflow=r["dataflow"], depthwise=depthwise)
        ours = compute_cycles(layers[r["layer"]], acc)
        worst = max(worst, abs(ours - r["cycles"]) / r["cycles"])
        # SCALE-Sim reports the last cycle's index: one cycle less per simulated layer.
        assert ours == r["cycles"] + r["repeat"], (r["layer"], r["rows"], r["cols"], r["dataflow"], r["mapping"])
    assert worst < 0.02
