"""DCT frequency pruning: shape-only size, reconstruction quality, tiling and unit rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.codecs.base import TransferUnit
from socsim.codecs.dct import DctCodec, DctParams, _basis, scale_exponent, zigzag
from socsim.codecs.registry import get_codec
from socsim.codecs.testing import feature_maps
from socsim.errors import CodecError


def header_exponent(encoded) -> int:
    return int(np.frombuffer(encoded.payload[:1], dtype=np.int8)[0])


def smooth_plane(h: int, w: int, amplitude: float = 1000.0) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    return np.rint(amplitude * np.sin(2.0 * x + 1.0) * np.cos(1.5 * y)).astype(np.int16)


def test_zigzag_walks_anti_diagonals_then_rows():
    assert zigzag(3).tolist() == [0, 1, 3, 2, 4, 6, 5, 7, 8]  # (0,0) (0,1) (1,0) (0,2) (1,1) (2,0) ...
    first21 = {(i, j) for i, j in (divmod(int(k), 8) for k in zigzag(8)[:21])}
    assert first21 == {(i, j) for i in range(8) for j in range(8) if i + j <= 5}


@pytest.mark.parametrize("n", [7, 8])
def test_basis_is_an_orthonormal_dct(n):
    full = _basis(n, n * n)
    np.testing.assert_allclose(full.T @ full, np.eye(n * n), atol=1e-12)
    # A constant tile has only a DC coefficient, n times its value (orthonormal scaling).
    coefs = np.full(n * n, 3.0) @ full
    np.testing.assert_allclose(coefs, [3.0 * n] + [0.0] * (n * n - 1), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 20), st.integers(1, 20)),
    seeds=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    keep=st.integers(1, 64),
)
def test_size_depends_on_the_shape_only(shape, seeds, keep):
    codec = DctCodec(DctParams(keep=keep))
    a, b = (np.random.default_rng(s).integers(-32768, 32768, shape).astype(np.int16) for s in seeds)
    sizes = {codec.encode(a).nbits, codec.encode(b).nbits, codec.encode(np.zeros(shape, np.int16)).nbits}
    c, h, w = shape
    assert sizes == {8 + 16 * keep * c * -(-h // 8) * -(-w // 8)}
    assert codec.size_bits(a) == codec.worst_case_bits(shape) == sizes.pop()


@settings(max_examples=40, deadline=None)
@given(fmap=feature_maps(max_side=20), n=st.sampled_from([7, 8]), small=st.booleans())
def test_keeping_every_coefficient_recovers_the_input_up_to_rounding(fmap, n, small):
    if small:
        fmap = (fmap // 64).astype(np.int16)
    codec = DctCodec(DctParams(n=n, keep=n * n))
    enc = codec.encode(fmap)
    error = np.abs(codec.decode(enc, fmap.shape).astype(np.int64) - fmap)
    # Each coefficient is off by at most 2**e / 2; over a tile the basis functions' magnitudes
    # at one value sum to at most n; the final rounding adds 1/2.
    assert error.max() <= n * 2.0 ** header_exponent(enc) / 2 + 0.5
    if small:
        assert error.max() <= 2


def test_keep_21_on_a_smooth_map_has_a_small_error():
    fmap = np.stack([smooth_plane(64, 48), smooth_plane(64, 48, -500.0)])
    codec = DctCodec()
    decoded = codec.decode(codec.encode(fmap), fmap.shape)
    error = decoded.astype(np.int64) - fmap
    assert np.sqrt(np.mean(error.astype(np.float64) ** 2)) < 2.0
    assert np.abs(error).max() <= 8


def test_fewer_coefficients_give_a_larger_error():
    rng = np.random.default_rng(3)
    fmap = (smooth_plane(40, 40) + rng.integers(-200, 200, (40, 40))).astype(np.int16)[None]
    errors = []
    for keep in (1, 6, 21, 64):
        codec = DctCodec(DctParams(keep=keep))
        errors.append(np.abs(codec.decode(codec.encode(fmap), fmap.shape).astype(np.int64) - fmap).mean())
    assert errors == sorted(errors, reverse=True)


def test_edges_are_padded_by_replication():
    plane = np.arange(81, dtype=np.int16).reshape(1, 9, 9)
    tiles = DctCodec().tiles(plane)
    assert tiles.shape == (4, 8, 8)
    np.testing.assert_array_equal(tiles[0], plane[0, :8, :8])
    np.testing.assert_array_equal(tiles[1], np.repeat(plane[0, :8, 8:9], 8, axis=1))
    np.testing.assert_array_equal(tiles[3], np.full((8, 8), plane[0, 8, 8]))


def test_scale_exponent_is_the_smallest_that_fits_int16():
    assert scale_exponent(0.0) == -8
    assert scale_exponent(100.0) == -8  # 100 * 256 fits
    assert scale_exponent(32767.0) == 0
    assert scale_exponent(32767.6) == 1
    assert scale_exponent(8 * 32768.0) == 4
    codec = DctCodec(DctParams(keep=64))
    assert header_exponent(codec.encode(np.full((1, 8, 8), -32768, np.int16))) == 4


def test_unit_sizes_follow_the_tiles():
    codec = DctCodec()  # n = 8, keep = 21: 336 bits per tile
    fmap = np.zeros((2, 20, 12), np.int16)  # 3 x 2 tiles per plane
    t = 16 * 21
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="map")).tolist() == [8 + 12 * t]
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="channel")).tolist() == [8 + 6 * t] * 2
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="rows", rows=8)).tolist() == [
        8 + 2 * t, 8 + 2 * t, 8 + 2 * t, 8 + 2 * t, 8 + 2 * t, 8 + 2 * t
    ]
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="rows", rows=16)).tolist() == [
        8 + 4 * t, 8 + 2 * t, 8 + 4 * t, 8 + 2 * t
    ]
    # 4096 raw bytes = 2048 values = 32 tiles of 64: the 12 tiles make one chunk.
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="chunk", chunk_bytes=4096)).tolist() == [8 + 12 * t]
    # 256 raw bytes = 128 values = 2 tiles per chunk.
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="chunk", chunk_bytes=256)).tolist() == [8 + 2 * t] * 6
    # 200 raw bytes = 100 values: 1 tile per chunk; fewer than one tile still makes a chunk of 1.
    assert codec.tiles_per_chunk(TransferUnit(kind="chunk", chunk_bytes=200), 8) == 1
    assert codec.tiles_per_chunk(TransferUnit(kind="chunk", chunk_bytes=2), 8) == 1
    assert codec.unit_sizes_bits(fmap, TransferUnit(kind="chunk", chunk_bytes=2 * 64 * 5)).tolist() == [
        8 + 5 * t, 8 + 5 * t, 8 + 2 * t
    ]


def test_rows_must_be_a_multiple_of_the_tile_size():
    with pytest.raises(CodecError, match=r"codec\.transfer_unit\.rows=5: must be a multiple of 8"):
        DctCodec().unit_sizes_bits(np.zeros((1, 16, 16), np.int16), TransferUnit(kind="rows", rows=5))
    with pytest.raises(CodecError, match=r"codec\.transfer_unit\.rows=8"):
        DctCodec(DctParams(n=7)).check_unit(TransferUnit(kind="rows", rows=8))
    DctCodec(DctParams(n=7)).check_unit(TransferUnit(kind="rows", rows=14))
    with pytest.raises(CodecError, match=r"codec\.transfer_unit\.rows=8: must be a multiple of 56"):
        DctCodec(DctParams(n="auto")).check_unit(TransferUnit(kind="rows", rows=8))
    DctCodec(DctParams(n="auto")).check_unit(TransferUnit(kind="rows", rows=56))


@pytest.mark.parametrize(
    "h, w, n", [(7, 7, 7), (14, 14, 7), (28, 28, 7), (56, 56, 8), (224, 224, 8), (28, 16, 8), (13, 13, 8)]
)
def test_auto_tile_size(h, w, n):
    codec = DctCodec(DctParams(n="auto", keep=21))
    assert codec.tile_size(h, w) == n
    assert codec.tiles(np.zeros((1, h, w), np.int16)).shape[1:] == (n, n)
    assert codec.unit_sizes_bits(np.zeros((2, h, w), np.int16), TransferUnit(kind="channel")).tolist() == [
        8 + 16 * 21 * -(-h // n) * -(-w // n)
    ] * 2


def test_auto_resolves_the_tile_size_from_the_whole_map_for_row_bands():
    codec = DctCodec(DctParams(n="auto", keep=10))
    fmap = np.zeros((1, 70, 56), np.int16)  # 70 x 56 tiles by 7 only; a 56 x 56 band alone would take 8
    sizes = codec.unit_sizes_bits(fmap, TransferUnit(kind="rows", rows=56)).tolist()
    assert sizes == [8 + 160 * 8 * 8, 8 + 160 * 2 * 8]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"keep": 0}, r"codec\.keep=0: .*1\.\.64"),
        ({"keep": 65}, r"codec\.keep=65: .*1\.\.64"),
        ({"n": 7, "keep": 50}, r"codec\.keep=50: .*1\.\.49"),
        ({"n": "auto", "keep": 50}, r"codec\.keep=50: .*1\.\.49"),
        ({"n": 9}, r"codec\.n=9"),
        ({"keep": "21"}, r"codec\.keep='21'"),
        ({"keep": 21.0}, r"codec\.keep=21\.0"),
        ({"bits": 4}, r"codec\.bits=4"),
    ],
)
def test_bad_params_name_the_field(params, message):
    with pytest.raises(CodecError, match=message):
        get_codec("dct", params)


def test_arrays_without_planes_are_refused():
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W\)"):
        DctCodec().encode(np.zeros(5, np.int16))
    with pytest.raises(ValueError, match="unit_sizes_bits"):
        DctCodec().batch_size_bits(np.zeros((2, 5), np.int16))
