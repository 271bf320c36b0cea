"""Conformance kit for activation codecs (numcodecs style), shipped so that a codec written outside
socsim can be checked against the contract in ``socsim.codecs.base`` exactly as the built-in ones are.

An outside codec author calls it from their own tests (pytest or anything that runs functions)::

    from socsim.codecs.testing import check_codec

    def test_my_codec_conforms():
        check_codec(MyCodec(MyCodec.Params(group=4)))

``check_codec`` asserts every clause on the adversarial arrays, on seeded random C×H×W maps under
every transfer unit kind, and on the codec's parameters; an ``AssertionError`` names the codec,
the clause and the input. Pass ``registered=False`` while the codec is not yet installed as a
plug-in (entry-point group ``socsim.codecs``): the parameter round trip then rebuilds the class
directly instead of looking its ``codec_id`` up in the registry.

Each ``check_*`` asserts one clause for one input, for finer tests; with hypothesis installed,
``int16_arrays``, ``run_arrays`` and ``feature_maps`` return strategies for property tests, e.g.
``@given(values=int16_arrays())`` over ``check_array(codec, values)``. The kit needs only numpy
(plain asserts); hypothesis is imported when a strategy is asked for. Planar codecs (DCT) get 1-D
inputs as one-row planes, shape (1, L).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from socsim.codecs.base import Codec, Encoded, TransferUnit
from socsim.codecs.registry import get_codec, parse_codec_text
from socsim.errors import CodecError

INT16_MIN, INT16_MAX = -32768, 32767
# Zero-run lengths around every boundary the formats care about (RLE: 31/32; ZVC: 32-value blocks;
# the fast RLE path: 16-value blocks).
EDGE_RUNS = [0, 1, 2, 3, 15, 16, 17, 30, 31, 32, 33, 34, 47, 48, 63, 64, 65, 95, 96, 97]


def as_input(codec: Codec, values: np.ndarray) -> np.ndarray:
    """``values`` in a shape the codec takes: planar codecs need at least two dimensions."""
    values = np.asarray(values, dtype=np.int16)
    return values.reshape(1, -1) if codec.planar and values.ndim < 2 else values


class Case(NamedTuple):
    """A named test input."""

    name: str
    values: np.ndarray
    """1-D int16 array."""


def adversarial_arrays() -> list[Case]:
    """Hand-picked inputs at the formats' edges."""
    rng = np.random.default_rng(1234)

    def nonzero(n: int) -> np.ndarray:
        v = rng.integers(INT16_MIN, INT16_MAX + 1, n)
        return np.where(v == 0, 1, v)

    cases: list[tuple[str, list[int] | np.ndarray]] = [("empty", [])]
    for n in (1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 100):
        cases.append((f"zeros{n}", [0] * n))
        cases.append((f"nonzero{n}", nonzero(n)))
    for n in (1, 2, 3, 7, 32, 33, 101):
        cases.append((f"alternating{n}", [0 if i % 2 else 7 for i in range(n)]))
        cases.append((f"alternating{n}_zero_first", [0 if i % 2 == 0 else -7 for i in range(n)]))
    for v in (INT16_MIN, INT16_MAX, -1, 1):
        cases.append((f"single{v}", [v]))
    cases.append(("extremes", [INT16_MIN, INT16_MAX, 0, INT16_MIN, 0, 0, INT16_MAX, -1]))
    for z in (31, 32, 33, 63, 64, 65):
        cases.append((f"inner_run{z}", [5] + [0] * z + [6]))
        cases.append((f"lead_run{z}", [0] * z + [INT16_MIN]))
        cases.append((f"trail_run{z}", [INT16_MAX] + [0] * z))
        cases.append((f"runs{z}x3", ([0] * z + [9]) * 3 + [0] * z))
    cases.append(("ramp", np.arange(-50, 50)))
    return [Case(name, np.asarray(v, dtype=np.int16)) for name, v in cases]


def _strategies():
    """hypothesis.strategies, imported on first use so that the kit needs hypothesis only for them."""
    from hypothesis import strategies

    return strategies


def run_arrays(max_pieces: int = 12):
    """Hypothesis strategy: 1-D int16 arrays built from zero runs of edge lengths and non-zero (or zero) values."""
    st = _strategies()

    @st.composite
    def arrays(draw) -> np.ndarray:
        values = st.one_of(st.integers(INT16_MIN, INT16_MAX), st.sampled_from([INT16_MIN, INT16_MAX, -1, 1, 0]))
        runs = st.one_of(st.sampled_from(EDGE_RUNS), st.integers(0, 130))
        out: list[int] = []
        for z, v in draw(st.lists(st.tuples(runs, values), max_size=max_pieces)):
            out.extend([0] * z)
            out.append(v)
        out.extend([0] * draw(st.one_of(st.sampled_from([0, 1, 31, 32, 33, 64]), st.integers(0, 70))))
        return np.array(out, dtype=np.int16)

    return arrays()


def int16_arrays(max_pieces: int = 12):
    """Hypothesis strategy: run-structured or uniformly random int16 arrays of 1 to 3 dimensions."""
    st = _strategies()

    @st.composite
    def arrays(draw) -> np.ndarray:
        if draw(st.booleans()):
            flat = draw(run_arrays(max_pieces))
        else:
            n = draw(st.integers(0, 200))
            zero_frac = draw(st.sampled_from([0.0, 0.3, 0.6, 0.95, 1.0]))
            rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
            v = rng.integers(INT16_MIN, INT16_MAX + 1, n)
            flat = np.where(rng.random(n) < zero_frac, 0, v).astype(np.int16)
        n = flat.size
        dims = draw(st.sampled_from([1, 2, 3]))
        if dims == 1 or n == 0:
            return flat
        divisors = [d for d in range(1, n + 1) if n % d == 0]
        a = draw(st.sampled_from(divisors))
        if dims == 2:
            return flat.reshape(a, n // a)
        b = draw(st.sampled_from([d for d in divisors if (n // a) % d == 0]))
        return flat.reshape(a, b, n // a // b)

    return arrays()


def feature_maps(max_side: int = 19):
    """Hypothesis strategy: small C×H×W int16 maps with sides that leave ragged tails for every unit kind."""
    st = _strategies()

    @st.composite
    def maps(draw) -> np.ndarray:
        c = draw(st.integers(1, 3))
        h = draw(st.integers(1, max_side))
        w = draw(st.integers(1, max_side))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        zero_frac = draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]))
        v = rng.integers(INT16_MIN, INT16_MAX + 1, (c, h, w))
        fmap = np.where(rng.random((c, h, w)) < zero_frac, 0, v).astype(np.int16)
        if draw(st.booleans()):  # long zero runs across rows and planes
            flat = fmap.reshape(-1)
            start = draw(st.integers(0, flat.size))
            flat[start : start + draw(st.sampled_from(EDGE_RUNS + [200]))] = 0
        return fmap

    return maps()


def random_feature_maps(seed: int = 0, count: int = 16, max_side: int = 19) -> list[np.ndarray]:
    """``count`` seeded C×H×W int16 maps like ``feature_maps`` draws (ragged sides, zero fractions
    0 to 1, every other one with a long zero run across rows and planes), without hypothesis."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        c, h, w = int(rng.integers(1, 4)), int(rng.integers(1, max_side + 1)), int(rng.integers(1, max_side + 1))
        zero_frac = (0.0, 0.5, 0.9, 1.0)[i % 4]
        v = rng.integers(INT16_MIN, INT16_MAX + 1, (c, h, w))
        fmap = np.where(rng.random((c, h, w)) < zero_frac, 0, v).astype(np.int16)
        if i % 2:
            flat = fmap.reshape(-1)
            start = int(rng.integers(0, flat.size + 1))
            flat[start : start + EDGE_RUNS[int(rng.integers(len(EDGE_RUNS)))]] = 0
        out.append(fmap)
    return out


TEST_UNITS = [
    TransferUnit(kind="map"),
    TransferUnit(kind="channel"),
    *(TransferUnit(kind="rows", rows=r) for r in (1, 2, 3, 5, 7, 8, 14, 16, 56)),
    *(TransferUnit(kind="chunk", chunk_bytes=b) for b in (2, 6, 64, 66, 128, 256, 4096)),
]


def units_for(codec: Codec) -> list[TransferUnit]:
    """The test units this codec accepts (``check_unit`` refuses the others)."""
    ok = []
    for unit in TEST_UNITS:
        try:
            codec.check_unit(unit)
        except CodecError:
            continue
        ok.append(unit)
    assert {u.kind for u in ok} == {"map", "channel", "rows", "chunk"}, f"{codec.key} refuses a unit kind"
    return ok


def check_roundtrip(codec: Codec, values: np.ndarray) -> np.ndarray:
    """decode(encode(x)) has x's shape and dtype, and equals x when the codec is lossless."""
    values = as_input(codec, values)
    decoded = codec.decode(codec.encode(values), values.shape)
    assert decoded.dtype == np.int16
    assert decoded.shape == values.shape
    if codec.lossless:
        np.testing.assert_array_equal(decoded, values)
    return decoded


def check_size(codec: Codec, values: np.ndarray) -> None:
    """size_bits equals the encoded length, fits the payload, and is at most the worst case."""
    values = as_input(codec, values)
    enc = codec.encode(values)
    assert isinstance(enc.payload, bytes)
    assert len(enc.payload) == -(-enc.nbits // 8)
    assert codec.size_bits(values) == enc.nbits
    assert enc.nbits <= codec.worst_case_bits(values.shape)


def check_array(codec: Codec, values: np.ndarray) -> None:
    """Every per-array clause of the contract for one input."""
    check_size(codec, values)
    check_roundtrip(codec, values)


def slow_unit_sizes(codec: Codec, fmap: np.ndarray, unit: TransferUnit) -> list[int]:
    """Each transfer unit cut out by hand and encoded on its own, in DMA order."""
    c, h, w = fmap.shape
    if unit.kind == "map":
        return [codec.encode(fmap).nbits]
    if unit.kind == "channel":
        return [codec.encode(fmap[i]).nbits for i in range(c)]
    if unit.kind == "rows":
        return [codec.encode(fmap[i, r : r + unit.rows]).nbits for i in range(c) for r in range(0, h, unit.rows)]
    if codec.planar:
        tiles = codec.tiles(fmap)
        step = codec.tiles_per_chunk(unit, tiles.shape[-1])
        return [codec.encode_tiles(tiles[t : t + step]).nbits for t in range(0, len(tiles), step)]
    flat = fmap.reshape(-1)
    step = unit.chunk_bytes // 2
    return [codec.encode(flat[i : i + step]).nbits for i in range(0, flat.size, step)]


def check_unit_sizes(codec: Codec, fmap: np.ndarray, unit: TransferUnit) -> None:
    """unit_sizes_bits equals encoding each unit on its own, and returns int64 sizes."""
    fast = codec.unit_sizes_bits(fmap, unit)
    assert fast.dtype == np.int64
    assert fast.tolist() == slow_unit_sizes(codec, fmap, unit), unit


def check_config_roundtrip(codec: Codec, registered: bool = True) -> None:
    """The codec rebuilt from its params, or from its key as codec text, has the same key; with
    ``registered`` both go through the registry (``get_codec``), otherwise through the class."""
    cls = type(codec)
    if registered:
        again = get_codec(codec.codec_id, codec.params.model_dump())
        from_key = get_codec(*parse_codec_text(codec.key))
    else:
        again = cls(cls.Params.model_validate(codec.params.model_dump()))
        name, params = parse_codec_text(codec.key)
        assert name == codec.codec_id, f"key {codec.key!r} does not start with codec_id {codec.codec_id!r}"
        from_key = cls(cls.Params.model_validate(params))
    assert type(again) is cls
    assert again.key == codec.key
    assert from_key.key == codec.key


def check_codec(codec: Codec, registered: bool = True, seed: int = 0) -> None:
    """Every clause of the contract: each adversarial array, ``random_feature_maps(seed)`` under
    every test unit, and the parameter round trip (``registered``: see ``check_config_roundtrip``)."""
    for case in adversarial_arrays():
        try:
            check_array(codec, case.values)
        except AssertionError as exc:
            raise AssertionError(f"{codec.key} on adversarial array {case.name!r}: {exc}") from exc
    units = units_for(codec)
    for i, fmap in enumerate(random_feature_maps(seed)):
        for unit in units:
            try:
                check_unit_sizes(codec, fmap, unit)
            except AssertionError as exc:
                raise AssertionError(f"{codec.key}: unit sizes of random map {i} {fmap.shape}: {exc}") from exc
    check_config_roundtrip(codec, registered)


def bitstring(*fields: str) -> str:
    """Concatenate fields written as '0'/'1' strings (spaces allowed for readability)."""
    return "".join(fields).replace(" ", "")


def check_golden(codec: Codec, values: list[int] | np.ndarray, bits: str) -> None:
    """``values`` encode to exactly ``bits`` (MSB first, last byte zero-padded) and decode back."""
    values = as_input(codec, np.asarray(values, dtype=np.int16))
    assert set(bits) <= {"0", "1"}
    padded = bits + "0" * (-len(bits) % 8)
    payload = bytes(int(padded[i : i + 8], 2) for i in range(0, len(padded), 8))
    enc = codec.encode(values)
    assert enc.nbits == len(bits)
    assert enc.payload == payload, f"\n got {np.unpackbits(np.frombuffer(enc.payload, np.uint8))[: enc.nbits]}"
    assert codec.size_bits(values) == len(bits)
    np.testing.assert_array_equal(codec.decode(Encoded(payload, len(bits)), values.shape), values)
