"""Zero-value compression (Rhu et al.): golden bitstreams written out by hand, slow reference."""

import numpy as np
import pytest
from hypothesis import given, settings

from socsim.codecs.base import Encoded
from socsim.codecs.testing import bitstring, check_golden, int16_arrays
from socsim.codecs.zvc import ZvcCodec


def slow_bits(values) -> str:
    values = [int(v) for v in values]
    out = []
    for b in range(0, len(values), 32):
        block = values[b : b + 32]
        out.append("".join("1" if v else "0" for v in block).ljust(32, "0"))
        out.extend(format(v & 0xFFFF, "016b") for v in block if v)
    return "".join(out)


GOLDEN = {
    "short_block": ([0, 5, 0, -1], bitstring("0101" + "0" * 28, "0000000000000101", "1111111111111111")),
    "two_blocks": (
        [1] + [0] * 31 + [1],
        bitstring("1" + "0" * 31, "0000000000000001", "1" + "0" * 31, "0000000000000001"),
    ),
    "all_zero": ([0] * 5, "0" * 32),
    "full_block_of_min": ([-32768] * 32, bitstring("1" * 32, "1000000000000000" * 32)),
    "empty": ([], ""),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_bitstreams(name):
    values, bits = GOLDEN[name]
    check_golden(ZvcCodec(), values, bits)


@settings(max_examples=100, deadline=None)
@given(values=int16_arrays())
def test_encode_matches_slow_reference(values):
    enc = ZvcCodec().encode(values)
    got = "".join(map(str, np.unpackbits(np.frombuffer(enc.payload, np.uint8))[: enc.nbits]))
    assert got == slow_bits(values.reshape(-1))


def test_size_counts_a_full_mask_for_a_short_last_block():
    codec = ZvcCodec()
    units = np.array([[0] * 33, [1] * 33], dtype=np.int16)
    assert codec.batch_size_bits(units).tolist() == [64, 64 + 16 * 33]
    assert codec.worst_case_bits((33,)) == 64 + 16 * 33


def test_decode_refuses_a_stream_of_the_wrong_length():
    enc = ZvcCodec().encode(np.array([1, 0, 2], np.int16))
    with pytest.raises(ValueError):
        ZvcCodec().decode(Encoded(enc.payload + bytes(2), enc.nbits + 16), (3,))


def test_decode_refuses_a_truncated_stream():
    enc = ZvcCodec().encode(np.array([1] * 40, np.int16))
    with pytest.raises(ValueError, match="ends inside block 1"):
        ZvcCodec().decode(Encoded(enc.payload[:70], 70 * 8), (40,))
