"""Run-length coding of zeros as in Eyeriss (Chen et al., JSSC 2017): (5-bit zero run, 16-bit value) pairs.

Format of one unit of N values (C order), the conventions the paper leaves open made explicit:

- A pair is 21 bits, MSB first: a 5-bit unsigned run ``r`` then the 16-bit two's-complement value
  ``v``. A pair always decodes to ``r`` zeros followed by ``v``, so it covers ``r + 1`` values.
- The encoder walks the unit and, with ``z`` the number of zeros from the current position:
  if ``z >= 32`` it emits (31, 0), which covers 32 zeros (31 counted plus the zero it carries);
  else if a non-zero ``v`` follows it emits (z, v) (adjacent non-zeros get run 0);
  else the unit ends in ``z`` (1..31) zeros, closed by one final pair (z - 1, 0).
- Pairs are grouped three to a 64-bit word: pair 0 in bits 63..43, pair 1 in 42..22, pair 2 in
  21..1; bit 0 is the last-word flag, 1 on the unit's last word only. Words are stored big-endian.
- The last word is padded with (0, 0) pairs. They would decode to extra zeros, so the decoder
  stops after prod(shape) values (it gets ``shape``); the flag marks where the unit's words end.
- An empty unit is zero words (0 bits).

Size: with P = nnz + sum over zero runs g followed by a non-zero of floor(g / 32) + ceil(t / 32)
for a trailing run t, the unit is 64 * ceil(P / 3) bits. Every pair covers at least one value, so
P <= N and the worst case is 64 * ceil(N / 3) bits (all values non-zero).
"""

from __future__ import annotations

import numpy as np

from socsim.codecs.base import Codec, CodecParams, Encoded

RUN_BITS = 5
VALUE_BITS = 16
MAX_RUN = (1 << RUN_BITS) - 1  # 31: the longest run one pair can count
PAIRS_PER_WORD = 3
WORD_BITS = 64
_PAIR_SHIFTS = np.array([43, 22, 1], dtype=np.uint64)  # pair k of a word starts at bit 63 - 21 k

# Values analysed per step of the fast size path: small enough that the int16 input, its zero
# mask and the edge mask stay in cache.
_SLAB_VALUES = 1 << 18


class RleParams(CodecParams):
    """RLE has no parameters: the 5-bit run and 16-bit value widths are fixed by the format."""


class RleCodec(Codec):
    """Eyeriss zero run-length coding; lossless, worst case 64 * ceil(N / 3) bits for N values."""

    codec_id = "rle"
    lossless = True
    Params = RleParams

    def encode(self, values: np.ndarray) -> Encoded:
        a = np.ascontiguousarray(values, dtype=np.int16).reshape(-1)
        n = a.size
        if n == 0:
            return Encoded(b"", 0)
        idx = np.arange(n, dtype=np.int64)
        last_nonzero = np.maximum.accumulate(np.where(a != 0, idx, -1))
        # Position within the current zero run (1-based); 0 on a non-zero value.
        j = idx - last_nonzero
        # A pair ends on every non-zero, on every 32nd zero of a run, and on the unit's last value.
        ends = np.flatnonzero((j % (MAX_RUN + 1) == 0) | (idx == n - 1))
        runs = np.diff(ends, prepend=-1) - 1
        codes = (runs.astype(np.uint64) << np.uint64(VALUE_BITS)) | a[ends].view(np.uint16).astype(np.uint64)
        words_n = -(-codes.size // PAIRS_PER_WORD)
        padded = np.zeros(words_n * PAIRS_PER_WORD, dtype=np.uint64)
        padded[: codes.size] = codes
        words = np.bitwise_or.reduce(padded.reshape(words_n, PAIRS_PER_WORD) << _PAIR_SHIFTS, axis=1)
        words[-1] |= np.uint64(1)
        return Encoded(words.astype(">u8").tobytes(), WORD_BITS * words_n)

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape, dtype=np.int64))
        if n == 0:
            return np.zeros(shape, dtype=np.int16)
        words = np.frombuffer(encoded.payload, dtype=">u8", count=encoded.nbits // WORD_BITS).astype(np.uint64)
        flags = np.flatnonzero(words & np.uint64(1))
        if flags.size == 0:
            raise ValueError("rle bitstream has no last-word flag")
        words = words[: flags[0] + 1]
        codes = ((words[:, None] >> _PAIR_SHIFTS) & np.uint64((1 << 21) - 1)).reshape(-1)
        runs = (codes >> np.uint64(VALUE_BITS)).astype(np.int64)
        vals = (codes & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
        pos = np.cumsum(runs + 1) - 1
        if pos[-1] + 1 < n:
            raise ValueError(f"rle bitstream covers {pos[-1] + 1} values, shape {shape} needs {n}")
        out = np.zeros(pos[-1] + 1, dtype=np.int16)
        out[pos] = vals
        return out[:n].reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        return int(self.batch_size_bits(np.asarray(values).reshape(1, -1))[0])

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        return WORD_BITS * -(-int(np.prod(shape, dtype=np.int64)) // PAIRS_PER_WORD)

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        pairs = pair_counts(units)
        return WORD_BITS * (-(-pairs // PAIRS_PER_WORD))


def pair_counts(units: np.ndarray) -> np.ndarray:
    """Number of RLE pairs of each row of a 2-D int16 array (int64), without building them."""
    u, length = units.shape
    pairs = np.zeros(u, dtype=np.int64)
    if length == 0:
        return pairs
    if length <= _SLAB_VALUES:
        step = max(1, _SLAB_VALUES // length)
        for i in range(0, u, step):
            zeros, interior, lead, trail = _segment_stats(units[i : i + step])
            all_zero = zeros == length
            extra = np.where(
                all_zero, -(-length // 32), lead // 32 + interior + -(-trail // 32)
            )
            pairs[i : i + step] = length - zeros + extra
        return pairs
    # Long rows: analyse slab-long segments and join the zero runs that cross segment borders.
    for r in range(u):
        open_run = 0  # Invariant: zeros at the end of the segments seen so far, not yet in a pair.
        total = 0
        for s in range(0, length, _SLAB_VALUES):
            seg = units[r : r + 1, s : s + _SLAB_VALUES]
            zeros, interior, lead, trail = (int(x[0]) for x in _segment_stats(seg))
            total += seg.shape[1] - zeros
            if zeros == seg.shape[1]:
                open_run += zeros
                continue
            total += (open_run + lead) // 32 + interior
            open_run = trail
        pairs[r] = total + -(-open_run // 32)
    return pairs


def _segment_stats(block: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row of a 2-D int16 block: zero count, extra pairs of interior zero runs, leading and
    trailing zero-run lengths (all int64). An all-zero row has lead = trail = its length."""
    r, length = block.shape
    stride = length + 1
    # Rows laid end to end, each followed by a False separator, after one leading False: every
    # zero run then starts at a False→True edge and ends at a True→False edge inside its row.
    buf = np.zeros(1 + r * stride, dtype=bool)
    np.equal(block, 0, out=buf[1:].reshape(r, stride)[:, :length])
    edges = np.flatnonzero(buf[1:] != buf[:-1])
    starts, ends = edges[0::2], edges[1::2]
    runs = ends - starts
    row = starts // stride
    col_start = starts - row * stride
    col_end = ends - row * stride
    is_lead = col_start == 0
    is_trail = col_end == length
    zeros = np.bincount(row, weights=runs, minlength=r).astype(np.int64)
    inner = ~is_lead & ~is_trail & (runs >= 32)
    interior = np.bincount(row[inner], weights=runs[inner] // 32, minlength=r).astype(np.int64)
    lead = np.zeros(r, dtype=np.int64)
    lead[row[is_lead]] = runs[is_lead]
    trail = np.zeros(r, dtype=np.int64)
    trail[row[is_trail]] = runs[is_trail]
    return zeros, interior, lead, trail
