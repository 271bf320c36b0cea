"""RLE (Eyeriss): golden bitstreams written out by hand, and the fast size path against slow loops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import socsim.codecs.rle as rle
from socsim.codecs.base import Encoded
from socsim.codecs.rle import RleCodec
from socsim.codecs.testing import bitstring, check_golden, int16_arrays, run_arrays

PAD = "0" * 21  # one (0, 0) padding pair


def pair(run: int, value: int) -> str:
    return format(run, "05b") + format(value & 0xFFFF, "016b")


def slow_pairs(values) -> list[tuple[int, int]]:
    """The pairs of one unit, walking the values one at a time as the module docstring says."""
    pairs, zeros = [], 0
    for v in (int(x) for x in values):
        if v == 0:
            zeros += 1
            if zeros == 32:  # (31, 0): 31 counted zeros plus the zero it carries
                pairs.append((31, 0))
                zeros = 0
        else:
            pairs.append((zeros, v))
            zeros = 0
    if zeros:
        pairs.append((zeros - 1, 0))
    return pairs


def slow_bits(values) -> str:
    """The whole bitstream of one unit built as text from ``slow_pairs``."""
    pairs = slow_pairs(values)
    words = []
    for w in range(0, len(pairs), 3):
        group = [pair(r, v) for r, v in pairs[w : w + 3]]
        group += [PAD] * (3 - len(group))
        words.append("".join(group) + ("1" if w + 3 >= len(pairs) else "0"))
    return "".join(words)


GOLDEN = {
    "run_then_value": ([0, 0, 5], bitstring("00010 0000000000000101", PAD, PAD, "1")),
    "three_pairs_one_word": (
        [7, -1, 0, 0, 0, 3],
        bitstring("00000 0000000000000111", "00000 1111111111111111", "00011 0000000000000011", "1"),
    ),
    "four_pairs_two_words": (
        [1, 2, 3, 4],
        bitstring(
            "00000 0000000000000001", "00000 0000000000000010", "00000 0000000000000011", "0",
            "00000 0000000000000100", PAD, PAD, "1",
        ),
    ),
    "run_of_33_then_value": ([0] * 33 + [9], bitstring("11111 0000000000000000", "00001 0000000000001001", PAD, "1")),
    "trailing_zeros": ([4, 0, 0], bitstring("00000 0000000000000100", "00001 0000000000000000", PAD, "1")),
    "exactly_31_zeros": ([0] * 31, bitstring("11110 0000000000000000", PAD, PAD, "1")),
    "exactly_32_zeros": ([0] * 32, bitstring("11111 0000000000000000", PAD, PAD, "1")),
    "exactly_64_zeros": ([0] * 64, bitstring("11111 0000000000000000", "11111 0000000000000000", PAD, "1")),
    "int16_extremes": (
        [-32768, 0, 32767],
        bitstring("00000 1000000000000000", "00001 0111111111111111", PAD, "1"),
    ),
    "empty": ([], ""),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_bitstreams(name):
    values, bits = GOLDEN[name]
    check_golden(RleCodec(), values, bits)


def test_slow_reference_agrees_with_the_golden_vectors():
    for values, bits in GOLDEN.values():
        assert slow_bits(values) == bits


@settings(max_examples=150, deadline=None)
@given(values=int16_arrays())
def test_encode_matches_slow_reference(values):
    enc = RleCodec().encode(values)
    got = "".join(map(str, np.unpackbits(np.frombuffer(enc.payload, np.uint8))[: enc.nbits]))
    assert got == slow_bits(values.reshape(-1))


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(run_arrays(max_pieces=20), min_size=1, max_size=5),
    slab=st.sampled_from([1 << 19, 4096, 100, 33, 32, 17, 16]),
)
def test_fast_pair_counts_match_slow_loop(rows, slab):
    length = max(len(r) for r in rows)
    units = np.zeros((len(rows), length), dtype=np.int16)
    for i, r in enumerate(rows):
        units[i, : len(r)] = r  # shorter rows end in extra zeros
    old = rle._SLAB_VALUES
    rle._SLAB_VALUES = slab  # small slabs take the long-row path and cut runs at segment borders
    try:
        got = rle.pair_counts(units)
    finally:
        rle._SLAB_VALUES = old
    assert got.tolist() == [len(slow_pairs(u)) for u in units]


def test_worst_case_is_all_nonzero():
    codec = RleCodec()
    assert codec.worst_case_bits((7,)) == 64 * 3
    assert codec.size_bits(np.arange(1, 8, dtype=np.int16)) == 64 * 3
    assert codec.worst_case_bits((0,)) == 0


def test_decode_refuses_a_stream_without_last_word_flag():
    with pytest.raises(ValueError, match="flag"):
        RleCodec().decode(Encoded(bytes(8), 64), (3,))


def test_decode_refuses_a_stream_too_short_for_the_shape():
    enc = RleCodec().encode(np.array([1, 2], np.int16))
    with pytest.raises(ValueError, match="covers"):
        RleCodec().decode(enc, (5,))
