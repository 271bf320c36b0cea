"""The shipped conformance kit on a codec defined outside socsim (here, in this file, unregistered):
a conforming codec passes ``check_codec``, a codec that misreports its size fails it, and
importing the kit pulls in neither pytest nor hypothesis."""

import subprocess
import sys

import numpy as np
import pytest
from paths import ROOT
from pydantic import PositiveInt

from socsim.codecs.base import Codec, CodecParams, Encoded
from socsim.codecs.bitstream import bits_value, field_bits, pack, unpack
from socsim.codecs.registry import available
from socsim.codecs.testing import check_codec
from socsim.errors import CodecError


class GroupFlagParams(CodecParams):
    """Values per flag bit (count)."""

    group: PositiveInt = 4


class GroupFlagCodec(Codec):
    """One bit per group of ``group`` values (1: the group holds a non-zero value), followed by that
    group's values as 16-bit two's complement when set; the last group may be shorter; lossless.
    Size: ceil(N / group) + 16 · (values in non-zero groups) bits."""

    codec_id = "group-flag"
    lossless = True
    Params = GroupFlagParams

    def _groups(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first index, length, non-zero flag) of each group of ``flat``."""
        g = self.params.group
        starts = np.arange(0, flat.size, g)
        lengths = np.minimum(g, flat.size - starts)
        live = np.logical_or.reduceat(flat != 0, starts) if flat.size else np.zeros(0, dtype=bool)
        return starts, lengths, live

    def encode(self, values: np.ndarray) -> Encoded:
        flat = np.ascontiguousarray(values, dtype=np.int16).reshape(-1)
        pieces = [np.zeros(0, dtype=np.uint8)]
        for start, length, live in zip(*self._groups(flat)):
            pieces.append(np.array([live], dtype=np.uint8))
            if live:
                pieces.append(field_bits(flat[start : start + length], 16).reshape(-1))
        return pack(np.concatenate(pieces))

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        bits = unpack(encoded)
        out = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=np.int16)
        g, pos = self.params.group, 0
        for start in range(0, out.size, g):
            length = min(g, out.size - start)
            pos += 1
            if bits[pos - 1]:
                fields = bits[pos : pos + 16 * length].reshape(length, 16)
                out[start : start + length] = bits_value(fields, signed=True)
                pos += 16 * length
        return out.reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        _, lengths, live = self._groups(np.asarray(values).reshape(-1))
        return int(lengths.size + 16 * lengths[live].sum())

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        n = int(np.prod(shape, dtype=np.int64))
        return -(-n // self.params.group) + 16 * n


class OffByOneCodec(GroupFlagCodec):
    """A broken variant: its fast size path counts one bit too many."""

    codec_id = "off-by-one"

    def size_bits(self, values: np.ndarray) -> int:
        return super().size_bits(values) + 1


def test_the_outside_codec_is_not_registered():
    assert GroupFlagCodec.codec_id not in available()


@pytest.mark.parametrize("group", [1, 4, 33])
def test_an_outside_codec_passes_the_kit(group):
    check_codec(GroupFlagCodec(GroupFlagParams(group=group)), registered=False)


def test_a_codec_that_misreports_its_size_fails_the_kit():
    with pytest.raises(AssertionError, match="off-by-one:group=4 on adversarial array 'empty'"):
        check_codec(OffByOneCodec(), registered=False)


def test_an_unregistered_codec_fails_the_registry_round_trip():
    with pytest.raises(CodecError, match="unknown codec"):
        check_codec(GroupFlagCodec(), registered=True)


def test_importing_the_kit_needs_neither_pytest_nor_hypothesis():
    code = "import sys, socsim.codecs.testing; print(sorted({'pytest', 'hypothesis'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
