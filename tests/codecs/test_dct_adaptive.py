"""dct-adaptive: the conformance kit on per-layer codecs, equality with dct for triangular masks,
arbitrary masks against a slow reference, the key, and one-line errors for bad masks files."""

import json

import numpy as np
import pytest
from hypothesis import given, settings

from socsim.codecs.base import TransferUnit
from socsim.codecs.dct import dct_matrix, zigzag
from socsim.codecs.masks import load_masks, masks_json, nominal_reduction, triangle_mask
from socsim.codecs.registry import available, get_codec
from socsim.codecs.testing import (
    adversarial_arrays,
    check_array,
    check_config_roundtrip,
    check_unit_sizes,
    feature_maps,
    int16_arrays,
    units_for,
)
from socsim.errors import CodecError, ScenarioError

ADVERSARIAL = adversarial_arrays()


def checker_mask(n: int) -> np.ndarray:
    """An irregular mask: DC, the first row, a checkerboard of the middle and the last coefficient."""
    i, j = np.mgrid[0:n, 0:n]
    mask = (i == 0) | (((i + j) % 2 == 0) & (i > 2) & (j < 5))
    mask[n - 1, n - 1] = True
    return mask


MASKS_8 = {
    "tri21": triangle_mask(8, 21),
    "checker": checker_mask(8),
    "dc": triangle_mask(8, 1),
    "all": np.ones((8, 8), dtype=bool),
}


def write(path, n, layers, **meta):
    path.write_text(masks_json(n, layers, model="test", **meta))
    return path


@pytest.fixture(scope="module")
def masks8(tmp_path_factory):
    return write(tmp_path_factory.mktemp("masks") / "m8.json", 8, MASKS_8)


@pytest.fixture(scope="module")
def masks7(tmp_path_factory):
    return write(tmp_path_factory.mktemp("masks") / "m7.json", 7, {"tri": triangle_mask(7, 15), "odd": checker_mask(7)})


@pytest.fixture(scope="module", params=["8:tri21", "8:checker", "8:dc", "8:all", "7:tri", "7:odd"])
def layer_codec(request, masks8, masks7):
    n, layer = request.param.split(":")
    return get_codec("dct-adaptive", {"masks": str(masks8 if n == "8" else masks7)}).for_layer(layer)


def test_registered():
    assert "dct-adaptive" in available()


@pytest.mark.parametrize("case", ADVERSARIAL, ids=[name for name, _ in ADVERSARIAL])
def test_conformance_adversarial(layer_codec, case):
    check_array(layer_codec, case[1])


@settings(max_examples=60, deadline=None)
@given(values=int16_arrays())
def test_conformance_hypothesis(layer_codec, values):
    check_array(layer_codec, values)


@settings(max_examples=25, deadline=None)
@given(fmap=feature_maps())
def test_conformance_unit_sizes(layer_codec, fmap):
    for unit in units_for(layer_codec):
        check_unit_sizes(layer_codec, fmap, unit)


def test_config_roundtrip(masks8):
    check_config_roundtrip(get_codec("dct-adaptive", {"masks": str(masks8)}))


@settings(max_examples=40, deadline=None)
@given(fmap=feature_maps(max_side=20))
def test_triangular_mask_is_dct_bit_for_bit(masks8, fmap):
    adaptive = get_codec("dct-adaptive", {"masks": str(masks8)}).for_layer("tri21")
    direct = get_codec("dct", {"keep": 21})
    a, d = adaptive.encode(fmap), direct.encode(fmap)
    assert a == d
    np.testing.assert_array_equal(adaptive.decode(a, fmap.shape), direct.decode(d, fmap.shape))
    for unit in units_for(direct):
        assert adaptive.unit_sizes_bits(fmap, unit).tolist() == direct.unit_sizes_bits(fmap, unit).tolist()


def test_size_is_shape_only_and_counts_the_mask(masks8):
    codec = get_codec("dct-adaptive", {"masks": str(masks8)})
    rng = np.random.default_rng(0)
    for layer, mask in MASKS_8.items():
        c = codec.for_layer(layer)
        shape = (3, 13, 17)  # 2×3 tiles per plane
        sizes = {c.size_bits(rng.integers(-32768, 32768, shape).astype(np.int16)) for _ in range(3)}
        assert sizes == {8 + 16 * int(mask.sum()) * 3 * 2 * 3} == {c.worst_case_bits(shape)}


def test_unit_worst_case_is_the_size(layer_codec):
    fmap = np.random.default_rng(3).integers(-32768, 32768, (2, 19, 23)).astype(np.int16)
    assert layer_codec.fixed_size
    for unit in units_for(layer_codec):
        assert layer_codec.unit_worst_case_bits(fmap.shape, unit).tolist() == layer_codec.unit_sizes_bits(fmap, unit).tolist()


def reference(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slow model of one plane's encoding: (stored integers in anti-diagonal order per tile, decoded plane)."""
    n = mask.shape[0]
    d = dct_matrix(n)
    h, w = values.shape
    th, tw = -(-h // n), -(-w // n)
    p = np.pad(values.astype(np.float64), ((0, th * n - h), (0, tw * n - w)), mode="edge")
    coefs = [d @ p[r * n : r * n + n, c * n : c * n + n] @ d.T for r in range(th) for c in range(tw)]
    order = [k for k in zigzag(n) if mask.reshape(-1)[k]]
    peak = max(abs(cf.reshape(-1)[order]).max() for cf in coefs)
    e = next(e for e in range(-8, 7) if np.rint(peak / 2.0**e) <= 32767)
    stored, out = [], np.zeros_like(p)
    for t, cf in enumerate(coefs):
        q = np.rint(cf.reshape(-1)[order] / 2.0**e)
        stored.append(q)
        full = np.zeros(n * n)
        full[order] = q * 2.0**e
        r, c = divmod(t, tw)
        out[r * n : r * n + n, c * n : c * n + n] = d.T @ full.reshape(n, n) @ d
    decoded = np.clip(np.rint(out), -32768, 32767)[:h, :w]
    return np.concatenate(stored), decoded


@pytest.mark.parametrize("layer", ["checker", "tri21", "dc"])
def test_arbitrary_mask_matches_a_slow_reference(masks8, layer):
    codec = get_codec("dct-adaptive", {"masks": str(masks8)}).for_layer(layer)
    y, x = np.mgrid[0:19, 0:21]
    plane = np.rint(3000 * np.sin(0.7 * x + 0.3) * np.cos(0.4 * y) + 50 * ((x * y) % 7)).astype(np.int16)
    enc = codec.encode(plane)
    stored = np.frombuffer(enc.payload, dtype=">i2", offset=1).astype(np.float64)
    want_stored, want_plane = reference(plane, MASKS_8[layer])
    # The streams agree up to a rare rounding flip at .5 between two summation orders.
    assert np.abs(stored - want_stored).max() <= 1
    assert np.abs(codec.decode(enc, plane.shape).astype(np.float64) - want_plane).max() <= 1


def test_key_follows_the_file_content(tmp_path):
    path = write(tmp_path / "m.json", 8, {"x": triangle_mask(8, 21)})
    first = get_codec("dct-adaptive", {"masks": str(path)})
    assert load_masks(path).sha256 in first.key
    assert get_codec("dct-adaptive", {"masks": str(path)}).key == first.key
    write(tmp_path / "m.json", 8, {"x": triangle_mask(8, 20)})
    again = get_codec("dct-adaptive", {"masks": str(path)})
    assert again.key != first.key
    assert again.for_layer("x").key != first.for_layer("x").key


def test_sha256_pins_the_content(tmp_path):
    path = write(tmp_path / "m.json", 8, {"x": triangle_mask(8, 21)})
    digest = load_masks(path).sha256
    assert get_codec("dct-adaptive", {"masks": str(path), "sha256": digest}).masks.sha256 == digest
    with pytest.raises(CodecError, match=r"^codec\.sha256='0+': codec\.masks=.* has SHA-256 [0-9a-f]{64}$"):
        get_codec("dct-adaptive", {"masks": str(path), "sha256": "0" * 64})


def one_line(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text
    return text


def test_missing_layer_is_one_line(masks8):
    codec = get_codec("dct-adaptive", {"masks": str(masks8)})
    with pytest.raises(CodecError) as e:
        codec.for_layer("features.0")
    assert one_line(e) == f"codec.masks={str(masks8)!r}: no mask for layer 'features.0' (the file has 4 layers of model 'test')"


def test_the_codec_itself_needs_a_layer(masks8):
    codec = get_codec("dct-adaptive", {"masks": str(masks8)})
    with pytest.raises(CodecError, match="use for_layer"):
        codec.size_bits(np.zeros((1, 8, 8), np.int16))


def test_rows_must_be_a_multiple_of_the_tile(masks7):
    codec = get_codec("dct-adaptive", {"masks": str(masks7)})
    codec.check_unit(TransferUnit(kind="rows", rows=14))
    with pytest.raises(CodecError, match=r"^codec\.transfer_unit\.rows=8: must be a multiple of 7"):
        codec.check_unit(TransferUnit(kind="rows", rows=8))


BAD_FILES = {
    "missing": (None, "masks file not found"),
    "not json": ("{nope", "not a JSON masks file"),
    "list": ("[]", "top level must be a JSON object"),
    "n": (json.dumps({"n": 6, "layers": {"x": [[1] * 6] * 6}}), "'n'=6: must be one of 7, 8"),
    "no layers": (json.dumps({"n": 8, "layers": {}}), "'layers' must be a non-empty object"),
    "shape": (json.dumps({"n": 8, "layers": {"x": [[1] * 8] * 7}}), "layer 'x': mask must be 8 rows of 8 values 0 or 1"),
    "values": (json.dumps({"n": 8, "layers": {"x": [[2] * 8] * 8}}), "layer 'x': mask must be 8 rows"),
    "empty mask": (json.dumps({"n": 8, "layers": {"x": [[0] * 8] * 8}}), "layer 'x': mask keeps no coefficient"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_one_line_errors(tmp_path, case):
    text, message = BAD_FILES[case]
    path = tmp_path / "m.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(CodecError) as e:
        get_codec("dct-adaptive", {"masks": str(path)})
    assert one_line(e).startswith(f"codec.masks={str(path)!r}: ")
    assert message in one_line(e)


SCENARIO = """
name: adaptive
deadline_ms: 10
workload: {{model: mobilenet_v2, height: 64, width: 64}}
codec: {{name: dct-adaptive, masks: {masks}}}
"""


def test_scenario_resolves_masks_against_its_folder(tmp_path):
    from socsim.scenario import Scenario

    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "m.json", 8, MASKS_8)
    (tmp_path / "s.yaml").write_text(SCENARIO.format(masks="sub/m.json"))
    s = Scenario.from_yaml(tmp_path / "s.yaml")
    assert s.codec.params["masks"] == str(tmp_path / "sub" / "m.json")
    (tmp_path / "bad.yaml").write_text(SCENARIO.format(masks="nowhere.json"))
    with pytest.raises(ScenarioError) as e:
        Scenario.from_yaml(tmp_path / "bad.yaml")
    assert one_line(e) == f"codec.masks={str(tmp_path / 'nowhere.json')!r}: masks file not found"


def test_nominal_reduction():
    assert nominal_reduction({"a": 21, "b": 21}, {"a": 10, "b": 30}, 8) == 1 - 21 / 64
    assert nominal_reduction({"a": 64, "b": 0}, {"a": 1, "b": 3}, 8) == 0.75
