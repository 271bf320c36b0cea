"""dct-bits: widths and profiles, shape-only size, golden bitstreams, a slow reference decode,
field packing, and the guaranteed 4x of the '4x' profile on MobileNetV2."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.codecs.dct import zigzag
from socsim.codecs.dct_bits import (
    EXP_MIN,
    PROFILES,
    DctBitsCodec,
    DctBitsParams,
    pack_fields,
    tile_widths,
    unpack_fields,
)
from socsim.codecs.registry import get_codec
from socsim.codecs.testing import (
    adversarial_arrays,
    bitstring,
    check_array,
    check_config_roundtrip,
    check_golden,
    check_unit_sizes,
    feature_maps,
    int16_arrays,
    units_for,
)
from socsim.errors import CodecError

VARIANTS = [
    {"n": 7, "bits": "paper"},
    {"n": "auto", "bits": "3.5x"},
    {"n": 8, "bits": "16/2/0/0/9/13"},
]


def dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    d = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    d[0] /= np.sqrt(2.0)
    return d


def test_registered_with_the_4x_profile_by_default():
    codec = get_codec("dct-bits")
    assert isinstance(codec, DctBitsCodec) and codec.params.bits == "4x" and not codec.lossless


@pytest.mark.parametrize("params", VARIANTS, ids=str)
def test_variants_meet_the_conformance_kit(params):
    codec = get_codec("dct-bits", params)
    check_config_roundtrip(codec)
    for _, values in adversarial_arrays()[::4]:
        check_array(codec, values)


@settings(max_examples=40, deadline=None)
@given(values=int16_arrays(), which=st.sampled_from(VARIANTS))
def test_variants_hypothesis_arrays(values, which):
    check_array(get_codec("dct-bits", which), values)


@settings(max_examples=25, deadline=None)
@given(fmap=feature_maps(), which=st.sampled_from(VARIANTS))
def test_variants_unit_sizes(fmap, which):
    codec = get_codec("dct-bits", which)
    for unit in units_for(codec):
        check_unit_sizes(codec, fmap, unit)


def test_widths_are_canonical_text():
    assert DctBitsParams(bits="12,8 8/0/6,0,0").bits == "12/8/8/0/6"
    assert DctBitsParams.model_validate({"bits": [12, 8, 0]}).bits == "12/8"
    assert DctBitsParams.model_validate({"bits": 9}).bits == "9"
    assert get_codec("dct-bits", {"bits": "12,8,6"}).key == "dct-bits:bits=12/8/6,n=8"


@pytest.mark.parametrize(
    "bits, message",
    [("1/8", "width 1"), ("17", "width 17"), ("0/0", "keeps no coefficient"), ("nosuch", "profile name"),
     ("/".join(["2"] * 65), "65 widths")],
)
def test_bad_widths_name_the_field(bits, message):
    with pytest.raises(CodecError, match=rf"codec\.bits=.*{message}"):
        get_codec("dct-bits", {"bits": bits})


def test_seven_by_seven_tiles_take_at_most_49_widths():
    with pytest.raises(CodecError, match="7x7 tile has 49"):
        get_codec("dct-bits", {"n": 7, "bits": "/".join(["2"] * 50)})
    assert get_codec("dct-bits", {"n": "auto", "bits": "/".join(["2"] * 50)}).tile_bits(7) == 98


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profiles_give_every_coefficient_a_legal_width(name):
    for n in (7, 8):
        widths = tile_widths(name, n)
        assert len(widths) == n * n and all(w == 0 or 2 <= w <= 16 for w in widths)


def test_profile_budgets():
    budgets = {name: (sum(tile_widths(name, 8)), sum(tile_widths(name, 7))) for name in PROFILES}
    assert budgets == {"4x": (248, 188), "3.5x": (292, 224), "paper": (336, 257), "2.5x": (409, 313),
                       "2x": (512, 392)}
    for name, (b8, b7) in budgets.items():
        ratio = {"4x": 4.0, "3.5x": 3.5, "paper": 64 / 21, "2.5x": 2.5, "2x": 2.0}[name]
        assert b8 <= 1024 / ratio and b7 <= 784 / ratio


def test_size_is_the_header_plus_the_widths_of_every_tile():
    codec = get_codec("dct-bits", {"bits": "12/8/8/6/6/6"})  # diagonals 0, 1, 2 kept
    assert codec.header_bits(8) == 3 * 8
    assert codec.tile_bits(8) == 46
    shape = (3, 17, 9)  # 3 x 3 x 2 tiles
    assert codec.worst_case_bits(shape) == 24 + 46 * 18


@settings(max_examples=30, deadline=None)
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 20), st.integers(1, 20)), seed=st.integers(0, 2**32 - 1))
def test_size_depends_on_the_shape_only(shape, seed):
    codec = get_codec("dct-bits", {"n": "auto"})
    rng = np.random.default_rng(seed)
    a = rng.integers(-32768, 32768, shape).astype(np.int16)
    b = np.where(rng.random(shape) < 0.9, 0, a).astype(np.int16)
    sizes = {codec.encode(a).nbits, codec.encode(b).nbits, codec.size_bits(a), codec.worst_case_bits(shape)}
    assert len(sizes) == 1


def test_golden_constant_planes():
    codec = get_codec("dct-bits", {"bits": "4/2"})  # DC in 4 bits, coefficient (0, 1) in 2 bits
    # A 1x1 plane of 16 pads to a constant tile: DC = 8 * 16 = 128, the rest 0. DC: the smallest
    # exponent that fits 4 bits is 5 (128 / 32 = 4), and it is also the least-error one; diagonal 1
    # holds only zeros, so its exponent is EXP_MIN = -8.
    check_golden(codec, [16], bitstring("00000101 11111000", "0100", "00"))
    check_golden(codec, [-16], bitstring("00000101 11111000", "1100", "00"))
    # Two tiles (a 1x9 plane): tile 0 constant 16, tile 1 constant 16 (edge padding) too.
    check_golden(codec, [16] * 9, bitstring("00000101 11111000", "0100 00", "0100 00"))


def slow_decode(codec: DctBitsCodec, values: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """Tile by tile: D T Dᵀ, quantize the kept coefficients with the given per-diagonal exponents,
    zero the rest, inverse DCT, round, clip, crop."""
    h, w = values.shape
    n = codec.tile_size(h, w)
    d = dct_matrix(n)
    widths = np.array(tile_widths(codec.params.bits, n))
    order = zigzag(n)
    kept = np.flatnonzero(widths)
    diagonals = sorted({int(order[p] // n + order[p] % n) for p in kept})
    exp_of = dict(zip(diagonals, exponents))
    th, tw = -(-h // n), -(-w // n)
    padded = np.pad(values.astype(np.float64), ((0, th * n - h), (0, tw * n - w)), mode="edge")
    out = np.empty_like(padded)
    for r in range(th):
        for c in range(tw):
            coefs = (d @ padded[r * n : (r + 1) * n, c * n : (c + 1) * n] @ d.T).reshape(-1)
            kept_coefs = np.zeros(n * n)
            for p in kept:
                i = order[p]
                e, b = exp_of[int(i // n + i % n)], widths[p]
                q = min(max(np.rint(coefs[i] / 2.0**e), -(2 ** (b - 1))), 2 ** (b - 1) - 1)
                kept_coefs[i] = q * 2.0**e
            out[r * n : (r + 1) * n, c * n : (c + 1) * n] = d.T @ kept_coefs.reshape(n, n) @ d
    return np.clip(np.rint(out), -32768, 32767)[:h, :w]


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 20), w=st.integers(1, 20), seed=st.integers(0, 2**32 - 1),
       which=st.sampled_from(["4x", "12/8/8/6/6/6/0/0/0/0/4", "paper"]))
def test_decode_matches_a_slow_reference(h, w, seed, which):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    values = np.clip(3000 * np.sin(0.3 * x + 0.2 * y) + rng.normal(0, 400, (h, w)), -32768, 32767).astype(np.int16)
    codec = get_codec("dct-bits", {"n": "auto", "bits": which})
    enc = codec.encode(values)
    n = codec.tile_size(h, w)
    diagonals = codec.header_bits(n) // 8
    exponents = np.frombuffer(enc.payload[:diagonals], dtype=np.int8).astype(int)
    decoded = codec.decode(enc, values.shape).astype(np.int64)
    reference = slow_decode(codec, values, exponents)
    # The reference quantizes its own coefficients: where float order puts a coefficient exactly on
    # a .5 boundary the two round to neighbouring steps, which moves pixels by up to one step 2^e.
    assert np.abs(decoded - reference).max() <= 2.0 ** exponents.max() + 1
    # One tie moves a whole tile, so the share of identical pixels says something only when the map
    # holds several tiles (h=16, w=1, seed=1: one of two tiles off by one, 50 % identical).
    if h * w >= 4 * n * n:
        assert np.mean(decoded == reference) > 0.9


def test_exponents_minimise_the_squared_error():
    rng = np.random.default_rng(7)
    values = rng.normal(0, 2000, (16, 16)).astype(np.int16)
    codec = get_codec("dct-bits", {"bits": "6/4/4"})
    enc = codec.encode(values)
    chosen = np.frombuffer(enc.payload[:2], dtype=np.int8).astype(int)

    def error(exponents):
        rec = slow_decode(codec, values, exponents)
        return float(np.sum((rec - values) ** 2))

    # Each exponent beats its neighbours with the other held fixed (the search is per diagonal).
    for i in range(2):
        for step in (-1, 1):
            other = chosen.copy()
            other[i] += step
            if other[i] >= EXP_MIN:
                assert error(chosen) <= error(other) * 1.05


@settings(max_examples=60, deadline=None)
@given(
    widths=st.lists(st.integers(2, 16), min_size=1, max_size=40),
    rows=st.integers(0, 9),
    seed=st.integers(0, 2**32 - 1),
)
def test_packed_fields_read_back(widths, rows, seed):
    w = np.array(widths)
    rng = np.random.default_rng(seed)
    q = rng.integers(-(2 ** (w - 1)), 2 ** (w - 1), size=(rows, w.size))
    payload = pack_fields(q, w)
    assert len(payload) == -(-rows * int(w.sum()) // 8)
    np.testing.assert_array_equal(unpack_fields(payload, rows, w), q)


def test_more_bits_give_a_higher_sqnr_and_beat_pruning_at_the_same_budget():
    rng = np.random.default_rng(11)
    y, x = np.mgrid[0:64, 0:64]
    fmap = np.maximum(0, 4000 * np.sin(0.2 * x) * np.cos(0.15 * y) + rng.normal(0, 1500, (64, 64)))
    fmap = fmap.astype(np.int16)[None]

    def sqnr(codec):
        dec = codec.decode(codec.encode(fmap), fmap.shape).astype(np.float64)
        return 10 * np.log10(np.sum(fmap.astype(np.float64) ** 2) / np.sum((dec - fmap) ** 2))

    s = [sqnr(get_codec("dct-bits", {"bits": p})) for p in ("4x", "3.5x", "paper", "2.5x", "2x")]
    assert s == sorted(s)
    assert s[2] > sqnr(get_codec("dct", {"keep": 21})) + 3.0  # both 336 bits per tile


def test_the_4x_profile_guarantees_4x_on_mobilenet_v2():
    from socsim.workload.capture import layer_graph
    from socsim.workload.weights import build_model

    model, _, _ = build_model("mobilenet_v2", "random", 0)
    graph = layer_graph(model, 224, 224)
    codec = get_codec("dct-bits", {"n": "auto", "bits": "4x"})
    raw = sum(16 * int(np.prod(layer.out_shape)) for layer in graph.layers)
    worst = sum(codec.worst_case_bits(layer.out_shape) for layer in graph.layers)
    assert 1 - worst / raw >= 0.75
