"""hybrid: mode choice per tile, golden bitstreams, lossless sparse tiles, the cap-plus-tag worst
case, and equality with dct on dense maps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.codecs.hybrid import DCT, RAW, SPM, ZERO, HybridCodec
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

VARIANTS = [{"n": 7, "keep": 49}, {"n": "auto", "keep": 10}, {"n": 8, "keep": 64}]


def test_registered_like_dct_21():
    codec = get_codec("hybrid")
    assert isinstance(codec, HybridCodec) and codec.params.keep == 21 and codec.params.n == 8


@pytest.mark.parametrize("params", VARIANTS, ids=str)
def test_variants_meet_the_conformance_kit(params):
    codec = get_codec("hybrid", params)
    check_config_roundtrip(codec)
    for _, values in adversarial_arrays()[::4]:
        check_array(codec, values)


@settings(max_examples=40, deadline=None)
@given(values=int16_arrays(), which=st.sampled_from(VARIANTS))
def test_variants_hypothesis_arrays(values, which):
    check_array(get_codec("hybrid", which), values)


@settings(max_examples=25, deadline=None)
@given(fmap=feature_maps(), which=st.sampled_from(VARIANTS))
def test_variants_unit_sizes(fmap, which):
    codec = get_codec("hybrid", which)
    for unit in units_for(codec):
        check_unit_sizes(codec, fmap, unit)


def tile_with(nnz: int, n: int = 8) -> np.ndarray:
    t = np.zeros(n * n, dtype=np.int16)
    t[np.arange(nnz) * 3 % (n * n)] = np.arange(1, nnz + 1)
    return t.reshape(1, n, n)


def test_modes_follow_the_cap():
    codec = get_codec("hybrid", {"keep": 21})  # cap 336 bits: a sparsity map fits up to 17 non-zeros
    tiles = np.concatenate([tile_with(k) for k in (0, 1, 17, 18, 64)])
    mode, body = codec.tile_modes(tiles)
    assert mode.tolist() == [ZERO, SPM, SPM, DCT, DCT]
    assert body.tolist() == [0, 64 + 16, 64 + 16 * 17, 336, 336]
    lossless = get_codec("hybrid", {"keep": 64})  # cap = raw: dense tiles go raw, never dct
    mode, body = lossless.tile_modes(tiles)
    assert mode.tolist() == [ZERO, SPM, SPM, SPM, RAW]
    assert body[-1] == 1024


def test_golden_bitstreams():
    codec = get_codec("hybrid", {"keep": 21})
    no_dct = "11111000"  # exponent -8: the map has no dct tile
    check_golden(codec, np.zeros((8, 8)), bitstring(no_dct, "00"))
    one = np.zeros((8, 8))
    one[0, 1] = 5
    check_golden(codec, one, bitstring(no_dct, "01", "01" + "0" * 62, "0000000000000101"))
    two = np.zeros((8, 16))
    two[7, 8] = -1  # first value of the last row of tile 1
    check_golden(codec, two, bitstring(no_dct, "00 01", "0" * 56 + "1" + "0" * 7, "1111111111111111"))


def test_sections_put_sparse_values_before_dct_coefficients_and_raw_values():
    codec = get_codec("hybrid", {"n": 8, "keep": 64})  # dense tiles go raw: fully lossless
    fmap = np.zeros((8, 24), dtype=np.int16)
    fmap[:, :8] = np.arange(1, 65).reshape(8, 8)  # tile 0 dense → raw
    fmap[0, 8] = 9  # tile 1 sparse
    enc = codec.encode(fmap)
    expect = bitstring(
        "11111000", "11 01 00", "1" + "0" * 63, format(9, "016b"), *(format(v, "016b") for v in range(1, 65))
    )
    assert enc.nbits == len(expect)
    check_golden(codec, fmap, expect)


@settings(max_examples=40, deadline=None)
@given(
    fmap=feature_maps(max_side=24),
    density=st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_lossless_tiles_come_back_exactly_and_the_size_stays_under_cap_plus_tag(fmap, density, seed):
    rng = np.random.default_rng(seed)
    fmap = np.where(rng.random(fmap.shape) < density, fmap, 0).astype(np.int16)
    codec = get_codec("hybrid", {"n": "auto", "keep": 15})
    tiles = codec.tiles(fmap)
    mode, _ = codec.tile_modes(tiles)
    decoded = codec.decode(codec.encode(fmap), fmap.shape)
    back = codec.tiles(decoded)
    lossless = mode != DCT
    # A padded value copies a value of the same tile, so lossless tiles match padding included.
    np.testing.assert_array_equal(back[lossless], tiles[lossless])
    assert codec.size_bits(fmap) <= 8 + len(tiles) * (2 + 16 * 15) == codec.worst_case_bits(fmap.shape)
    if len(tiles) and not lossless.any():
        assert codec.size_bits(fmap) == codec.worst_case_bits(fmap.shape)


def test_dense_maps_decode_like_dct():
    rng = np.random.default_rng(5)
    fmap = rng.integers(1, 3000, (3, 20, 28)).astype(np.int16)  # no zeros: every tile is dct
    hybrid, dct = get_codec("hybrid", {"n": "auto", "keep": 21}), get_codec("dct", {"n": "auto", "keep": 21})
    decoded = hybrid.decode(hybrid.encode(fmap), fmap.shape)
    np.testing.assert_array_equal(decoded, dct.decode(dct.encode(fmap), fmap.shape))
    assert hybrid.size_bits(fmap) == dct.size_bits(fmap) + 2 * len(hybrid.tiles(fmap))


def test_keep_n_squared_is_lossless():
    rng = np.random.default_rng(9)
    fmap = np.where(rng.random((2, 13, 17)) < 0.5, rng.integers(-32768, 32768, (2, 13, 17)), 0).astype(np.int16)
    codec = get_codec("hybrid", {"keep": 64})
    np.testing.assert_array_equal(codec.decode(codec.encode(fmap), fmap.shape), fmap)


def test_mode_counts():
    codec = get_codec("hybrid", {"keep": 21})
    fmap = np.concatenate([tile_with(0), tile_with(3), tile_with(40)], axis=2)  # 8 x 24
    assert codec.mode_counts(fmap) == {"zero": 1, "spm": 1, "dct": 1, "raw": 0}


@settings(max_examples=25, deadline=None)
@given(fmap=feature_maps(), which=st.sampled_from(VARIANTS))
def test_unit_worst_case_bounds_every_unit_kind(fmap, which):
    codec = get_codec("hybrid", which)
    assert not codec.fixed_size
    dense = np.where(fmap == 0, 1, fmap).astype(np.int16)
    for unit in units_for(codec):
        worst = codec.unit_worst_case_bits(fmap.shape, unit)
        assert (codec.unit_sizes_bits(fmap, unit) <= worst).all()
        # With every value non-zero a tile costs the cap (dct, or raw when keep = n²).
        np.testing.assert_array_equal(codec.unit_sizes_bits(dense, unit), worst)
