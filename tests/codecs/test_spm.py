"""Sparsity map (NullHop): golden bitstreams written out by hand and a slow reference encoder."""

import numpy as np
import pytest
from hypothesis import given, settings

from socsim.codecs.spm import SpmCodec
from socsim.codecs.testing import bitstring, check_golden, int16_arrays


def slow_bits(values) -> str:
    values = [int(v) for v in values]
    return "".join("1" if v else "0" for v in values) + "".join(format(v & 0xFFFF, "016b") for v in values if v)


GOLDEN = {
    "mixed": ([0, 5, 0, -1], bitstring("0101", "0000000000000101", "1111111111111111")),
    "all_zero": ([0, 0, 0], "000"),
    "int16_min": ([-32768], bitstring("1", "1000000000000000")),
    "nine_values": (
        [0, 0, 0, 0, 0, 0, 0, 0, 32767],
        bitstring("000000001", "0111111111111111"),
    ),
    "empty": ([], ""),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_bitstreams(name):
    values, bits = GOLDEN[name]
    check_golden(SpmCodec(), values, bits)


@settings(max_examples=100, deadline=None)
@given(values=int16_arrays())
def test_encode_matches_slow_reference(values):
    enc = SpmCodec().encode(values)
    got = "".join(map(str, np.unpackbits(np.frombuffer(enc.payload, np.uint8))[: enc.nbits]))
    assert got == slow_bits(values.reshape(-1))


def test_size_is_mask_plus_sixteen_bits_per_nonzero():
    codec = SpmCodec()
    units = np.array([[0, 1, 0, 2], [0, 0, 0, 0], [3, 3, 3, 3]], dtype=np.int16)
    assert codec.batch_size_bits(units).tolist() == [4 + 32, 4, 4 + 64]
    assert codec.worst_case_bits((2, 3)) == 17 * 6
