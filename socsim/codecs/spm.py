"""NullHop sparsity-map coding (Aimar et al., IEEE TNNLS 2019): a 1-bit zero mask plus the non-zeros.

Format of one unit of N values (C order), MSB first: N mask bits, bit i = 1 when value i is
non-zero, then each non-zero value as 16-bit two's complement in order. There is no padding: the
values start right after the N-th mask bit, and the stream ends after the last value bit.

Size: N + 16 * nnz bits; worst case 17 * N bits (all values non-zero).
"""

from __future__ import annotations

import numpy as np

from socsim.codecs.base import Codec, CodecParams, Encoded
from socsim.codecs.bitstream import bits_value, field_bits, nnz_per_row, pack, unpack

VALUE_BITS = 16


class SpmParams(CodecParams):
    """The sparsity map has no parameters: one mask bit per value, 16 bits per non-zero."""


class SpmCodec(Codec):
    """Sparsity map plus non-zero values; lossless, worst case 17 bits per value."""

    codec_id = "spm"
    lossless = True
    Params = SpmParams

    def encode(self, values: np.ndarray) -> Encoded:
        a = np.ascontiguousarray(values, dtype=np.int16).reshape(-1)
        mask = a != 0
        return pack(np.concatenate([mask.astype(np.uint8), field_bits(a[mask], VALUE_BITS).reshape(-1)]))

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape, dtype=np.int64))
        bits = unpack(encoded)
        mask = bits[:n].astype(bool)
        nnz = int(np.count_nonzero(mask))
        if bits.size != n + VALUE_BITS * nnz:
            raise ValueError(f"spm bitstream has {bits.size} bits, its map needs {n + VALUE_BITS * nnz}")
        out = np.zeros(n, dtype=np.int16)
        out[mask] = bits_value(bits[n:].reshape(nnz, VALUE_BITS), signed=True)
        return out.reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        a = np.asarray(values)
        return int(a.size + VALUE_BITS * np.count_nonzero(a))

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        return (1 + VALUE_BITS) * int(np.prod(shape, dtype=np.int64))

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        return units.shape[1] + VALUE_BITS * nnz_per_row(units)
