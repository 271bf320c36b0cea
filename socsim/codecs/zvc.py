"""Zero-value compression as in the compressing DMA engine of Rhu et al. (HPCA 2018).

Format of one unit of N values (C order), MSB first: the unit is cut into blocks of 32 values, the
last one possibly shorter; each block is a 32-bit mask (its first bit, the MSB, for the block's
first value; 1 = non-zero; bits past the end of a short last block are 0) followed by the block's
non-zero values as 16-bit two's complement, in order. Every field is a multiple of 16 bits, so
the stream is a sequence of 16-bit words. An empty unit is 0 bits.

Size: 32 * ceil(N / 32) + 16 * nnz bits; worst case 32 * ceil(N / 32) + 16 * N bits.
"""

from __future__ import annotations

import numpy as np

from socsim.codecs.base import Codec, CodecParams, Encoded
from socsim.codecs.bitstream import field_bits, nnz_per_row, pack

BLOCK = 32  # values per mask
VALUE_BITS = 16


class ZvcParams(CodecParams):
    """ZVC has no parameters: 32-value blocks with a 32-bit mask, 16 bits per non-zero."""


class ZvcCodec(Codec):
    """Per-32-value zero mask plus non-zero values; lossless."""

    codec_id = "zvc"
    lossless = True
    Params = ZvcParams

    def encode(self, values: np.ndarray) -> Encoded:
        a = np.ascontiguousarray(values, dtype=np.int16).reshape(-1)
        blocks = -(-a.size // BLOCK)
        padded = np.zeros(blocks * BLOCK, dtype=np.int16)
        padded[: a.size] = a
        padded = padded.reshape(blocks, BLOCK)
        mask = padded != 0
        block_bits = BLOCK + VALUE_BITS * np.count_nonzero(mask, axis=1)
        start = np.cumsum(block_bits) - block_bits  # first bit of each block's mask
        bits = np.zeros(int(block_bits.sum()), dtype=np.uint8)
        bits[start[:, None] + np.arange(BLOCK)] = mask
        block_of, col = np.nonzero(mask)
        rank = np.cumsum(mask, axis=1)[block_of, col] - 1  # position among its block's non-zeros
        first = start[block_of] + BLOCK + VALUE_BITS * rank
        bits[first[:, None] + np.arange(VALUE_BITS)] = field_bits(padded[block_of, col], VALUE_BITS)
        return pack(bits)

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape, dtype=np.int64))
        blocks = -(-n // BLOCK)
        words = np.frombuffer(encoded.payload, dtype=">u2", count=encoded.nbits // 16)
        seq = words.tolist()
        mask_at = []  # index of each block's first mask word
        k = 0
        try:
            for _ in range(blocks):
                mask_at.append(k)
                k += 2 + ((seq[k] << 16) | seq[k + 1]).bit_count()
        except IndexError:
            raise ValueError(f"zvc bitstream of {words.size} words ends inside block {len(mask_at) - 1}") from None
        if k != words.size:
            raise ValueError(f"zvc bitstream has {words.size} words, its blocks use {k}")
        mask_at = np.array(mask_at, dtype=np.int64)
        is_value = np.ones(words.size, dtype=bool)
        is_value[mask_at] = False
        is_value[mask_at + 1] = False
        masks = (words[mask_at].astype(np.uint32) << 16) | words[mask_at + 1]
        mask = ((masks[:, None] >> np.arange(BLOCK - 1, -1, -1, dtype=np.uint32)) & 1).astype(bool)
        out = np.zeros((blocks, BLOCK), dtype=np.int16)
        out[mask] = words[is_value].astype(np.uint16).view(np.int16)
        return out.reshape(-1)[:n].reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        a = np.asarray(values)
        return int(BLOCK * -(-a.size // BLOCK) + VALUE_BITS * np.count_nonzero(a))

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        n = int(np.prod(shape, dtype=np.int64))
        return BLOCK * -(-n // BLOCK) + VALUE_BITS * n

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        return BLOCK * -(-units.shape[1] // BLOCK) + VALUE_BITS * nnz_per_row(units)
