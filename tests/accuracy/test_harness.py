"""The accuracy harness on trained MobileNetV2 and CRAFT at tiny resolutions (seconds each)."""

import math

import numpy as np
import pytest
import torch

from socsim.accuracy.harness import StudySpec, run_study
from socsim.accuracy.inputs import classifier_views, text_mosaics
from socsim.accuracy.texts import parse_codecs, parse_ints, parse_size, split_codec_list, sweep_texts
from socsim.errors import CodecError, WorkloadError

KS = [6, 10, 15, 21, 28, 36]


@pytest.fixture(scope="module")
def mobilenet_report():
    codecs = ["none", "rle", "dct-bits:n=auto,bits=paper", "hybrid:n=auto,keep=15"] + sweep_texts("dct:n=auto", KS)
    return run_study(StudySpec("mobilenet_v2", codecs, height=64, width=64, frames=4))


def test_16_bit_quantization_alone_agrees_with_the_float_model(mobilenet_report):
    none = mobilenet_report.result("none")
    assert none.metrics["top1"] == 1.0 and none.metrics["top5"] == 1.0
    assert none.metrics["kl"] < 1e-4
    assert none.reduction == 0.0 and none.worst_case_reduction == 0.0 and not none.guaranteed
    assert all(math.isinf(layer.codec_sqnr_db) for layer in none.layers)
    assert min(layer.sqnr_db for layer in none.layers) > 50.0  # 16-bit fixed point vs float


def test_lossless_codecs_match_none_and_report_their_real_sizes(mobilenet_report):
    none, rle = mobilenet_report.result("none"), mobilenet_report.result("rle")
    assert rle.metrics == none.metrics
    assert rle.raw_bits == none.raw_bits
    assert rle.worst_case_reduction == pytest.approx(1 - 4 / 3, abs=0.01)  # 64 bits per 3 values
    assert not rle.guaranteed


def test_every_layer_is_compressed_including_the_output(mobilenet_report):
    rep = mobilenet_report
    assert rep.output_layer == "classifier.1"
    names = [layer.name for layer in rep.result("none").layers]
    assert names[0] == "features.0.0" and names[-1] == "classifier.1"
    dct = rep.result("dct:n=auto,keep=21")
    assert [layer.name for layer in dct.layers] == names
    assert dct.guaranteed and dct.bits == dct.worst_bits


def test_smaller_k_lowers_the_sqnr_of_the_first_layer_whose_input_is_fixed(mobilenet_report):
    sqnr = [mobilenet_report.result(t).layers[0].codec_sqnr_db for t in sweep_texts("dct:n=auto", KS)]
    assert sqnr == sorted(sqnr) and len(set(sqnr)) == len(sqnr)
    reductions = [mobilenet_report.result(t).reduction for t in sweep_texts("dct:n=auto", KS)]
    assert reductions == sorted(reductions, reverse=True)


def test_beyond_the_paper_codecs_are_guaranteed(mobilenet_report):
    bits = mobilenet_report.result("dct-bits:n=auto,bits=paper")
    assert bits.bits == bits.worst_bits and bits.guaranteed
    hybrid = mobilenet_report.result("hybrid:n=auto,keep=15")
    assert hybrid.bits <= hybrid.worst_bits and hybrid.guaranteed
    assert hybrid.reduction >= hybrid.worst_case_reduction


def test_raw_output_stores_only_the_output_layer_uncompressed():
    rep = run_study(StudySpec("mobilenet_v2", ["dct:keep=6"], height=32, width=32, frames=1, raw_output=True))
    layers = rep.result("dct:keep=6").layers
    assert layers[-1].bits == layers[-1].raw_bits and math.isinf(layers[-1].codec_sqnr_db)
    assert layers[0].bits < layers[0].raw_bits


def test_channel_units_give_each_channel_a_header():
    rep = run_study(StudySpec("mobilenet_v2", ["dct:keep=21"], height=32, width=32, frames=1, unit="channel"))
    first = rep.result("dct:keep=21").layers[0]  # 32 × 16 × 16: 4 tiles per channel
    assert first.bits == 32 * (8 + 4 * 21 * 16)


def test_the_output_map_is_the_model_output():
    from socsim.workload.capture import capture
    from socsim.codecs.base import TransferUnit
    from socsim.workload.weights import build_model

    model, _, _ = build_model("mobilenet_v2", "trained", 0)
    x = torch.randn(1, 3, 32, 32)
    seen = {}
    capture(model, [x], [], TransferUnit(), transform=lambda n, v: seen.__setitem__(n, v.clone()))
    with torch.inference_mode():
        y = model(x)
    torch.testing.assert_close(seen["classifier.1"].reshape(-1), y.reshape(-1))


def test_craft_runs_with_text_mosaics_and_reports_miou():
    rep = run_study(StudySpec("craft", ["none", "dct:keep=21"], height=64, width=128, frames=1))
    assert rep.inputs[0].startswith("text mosaic")
    assert rep.result("none").metrics["miou"] == 1.0
    assert 0.0 <= rep.result("dct:keep=21").metrics["miou"] <= 1.0
    assert rep.output_layer == "conv_cls.8"


def test_text_mosaics_alternate_text_photos_and_are_seeded(tmp_path):
    a = text_mosaics(tmp_path, 320, 768, 2, seed=3)
    b = text_mosaics(tmp_path, 320, 768, 2, seed=3)
    assert all(np.array_equal(x.pixels, y.pixels) for x, y in zip(a, b))
    assert a[0].pixels.shape == (320, 768, 3)
    names = a[0].how.split(": ")[1].split(", ")
    assert len(names) == 4 and {names[0], names[3]} <= {"text", "page"}
    assert not {names[1], names[2]} & {"text", "page"}


def test_classifier_views_are_corner_and_mirrored_crops(tmp_path):
    from socsim.workload.images import load_sources

    sources = load_sources(["skimage:coffee", "skimage:chelsea"], tmp_path)
    views = classifier_views(sources, 64, 64, 4)
    assert [v.pixels.shape for v in views] == [(64, 64, 3)] * 4
    assert "top-left crop" in views[0].how and "skimage:coffee" in views[0].how
    assert "skimage:chelsea" in views[1].how and "top-right crop" in views[2].how
    with pytest.raises(WorkloadError, match="at most 20"):
        classifier_views(sources, 64, 64, 19)


def test_codec_lists_keep_their_parameters():
    assert split_codec_list("none,rle,dct:n=auto,keep=21,spm") == ["none", "rle", "dct:n=auto,keep=21", "spm"]
    assert split_codec_list("dct:keep=6;dct-bits:bits=4x") == ["dct:keep=6", "dct-bits:bits=4x"]
    assert sweep_texts("dct:n=auto,keep=3", [6, 10]) == ["dct:n=auto,keep=6", "dct:n=auto,keep=10"]
    assert sweep_texts("dct", [6]) == ["dct:keep=6"]
    assert [c.text for c in parse_codecs(["none", "none", "rle"])] == ["none", "rle"]


def test_user_input_errors_are_one_line():
    with pytest.raises(CodecError, match="unknown codec"):
        parse_codecs(["nosuch"])
    with pytest.raises(CodecError, match="keep"):
        parse_codecs(["dct:keep=99"])
    with pytest.raises(WorkloadError, match="height x width"):
        parse_size("224")
    assert parse_size("384x768") == (384, 768)
    with pytest.raises(CodecError, match="--sweep-k"):
        parse_ints("6,x", "--sweep-k")
    with pytest.raises(CodecError, match="unit='rows'"):
        run_study(StudySpec("mobilenet_v2", ["none"], unit="rows"))
