"""Bit-level helpers shared by the codecs: MSB-first fields, packing, and per-unit non-zero counts.

A bit array here is a 1-D ``np.uint8`` array holding one bit (0 or 1) per element, first bit first;
``pack`` turns it into an ``Encoded`` (MSB-first bytes, the last byte padded with zeros).
"""

from __future__ import annotations

import numpy as np

from socsim.codecs.base import Encoded

# Rows of this many int16 values or more are counted one at a time (count_nonzero is fastest on
# long contiguous runs); shorter rows are counted in slabs of about this many values.
_SLAB_VALUES = 1 << 18


def field_bits(values: np.ndarray, width: int) -> np.ndarray:
    """The low ``width`` bits of each integer, MSB first: shape (..., width), uint8.

    Negative values give their two's-complement pattern, so int16 values with width 16 are exact.
    """
    v = np.asarray(values).astype(np.int64)
    shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v[..., None] >> shifts) & 1).astype(np.uint8)


def bits_value(bits: np.ndarray, signed: bool = False) -> np.ndarray:
    """Integers from MSB-first bit fields of shape (..., width); two's complement when ``signed``."""
    b = np.asarray(bits).astype(np.int64)
    width = b.shape[-1]
    weights = np.left_shift(np.int64(1), np.arange(width - 1, -1, -1, dtype=np.int64))
    v = b @ weights if width else np.zeros(b.shape[:-1], dtype=np.int64)
    if signed and width:
        v = np.where(v >= (1 << (width - 1)), v - (1 << width), v)
    return v


def pack(bits: np.ndarray) -> Encoded:
    """An ``Encoded`` holding the bit array ``bits`` (MSB-first, last byte zero-padded)."""
    bits = np.asarray(bits, dtype=np.uint8).reshape(-1)
    return Encoded(np.packbits(bits).tobytes(), int(bits.size))


def unpack(encoded: Encoded) -> np.ndarray:
    """The ``encoded.nbits`` meaningful bits of a bitstream as a bit array."""
    raw = np.frombuffer(encoded.payload, dtype=np.uint8)
    if raw.size * 8 < encoded.nbits:
        raise ValueError(f"bitstream holds {raw.size * 8} bits, header says {encoded.nbits}")
    return np.unpackbits(raw, count=encoded.nbits)


def nnz_per_row(units: np.ndarray) -> np.ndarray:
    """Number of non-zero values in each row of a 2-D array (int64, one per row)."""
    u, length = units.shape
    if length >= _SLAB_VALUES // 4:
        return np.fromiter((np.count_nonzero(row) for row in units), dtype=np.int64, count=u)
    out = np.empty(u, dtype=np.int64)
    step = max(1, _SLAB_VALUES // max(length, 1))
    for i in range(0, u, step):
        out[i : i + step] = np.count_nonzero(units[i : i + step], axis=1)
    return out
