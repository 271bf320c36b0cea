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
_SLAB_VALUES = 1 << 19


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
        scratch = _Scratch(min(step, u), length)
        for i in range(0, u, step):
            zeros, interior, lead, trail = _segment_stats(units[i : i + step], scratch)
            extra = np.where(zeros == length, -(-length // 32), lead // 32 + interior + -(-trail // 32))
            pairs[i : i + step] = length - zeros + extra
        return pairs
    # Long rows: analyse slab-long segments and join the zero runs that cross segment borders.
    scratch = _Scratch(1, _SLAB_VALUES)
    for r in range(u):
        open_run = 0  # Invariant: zeros at the end of the segments seen so far, not yet in a pair.
        total = 0
        for s in range(0, length, _SLAB_VALUES):
            seg = units[r : r + 1, s : s + _SLAB_VALUES]
            seg_scratch = scratch if seg.shape[1] == _SLAB_VALUES else _Scratch(1, seg.shape[1])
            zeros, interior, lead, trail = (int(x[0]) for x in _segment_stats(seg, seg_scratch))
            total += seg.shape[1] - zeros
            if zeros == seg.shape[1]:
                open_run += zeros
                continue
            total += (open_run + lead) // 32 + interior
            open_run = trail
        pairs[r] = total + -(-open_run // 32)
    return pairs


_BLOCK = 16  # zero-mask bytes tested at once (two uint64 words)
_ALL_ONES = np.uint64(0x0101010101010101)  # eight True bytes


class _Scratch:
    """A reusable zero-mask buffer for blocks of up to ``rows`` rows of ``length`` values.

    Layout: one all-False guard block, then each row's mask padded with False to ``stride`` bytes, a
    multiple of 16 with at least one pad byte. Invariant: guard and pad bytes are never written, so
    no zero run crosses a row border and every row's last 16-byte block holds a False.
    """

    def __init__(self, rows: int, length: int):
        self.length = length
        self.stride = -(-(length + 1) // _BLOCK) * _BLOCK
        self.buf = np.zeros(_BLOCK + rows * self.stride, dtype=bool)


def _segment_stats(block: np.ndarray, scratch: _Scratch) -> tuple[np.ndarray, ...]:
    """Per row of a 2-D int16 block: zero count, extra pairs floor(g / 32) summed over the zero runs
    touching neither end of the row, and the leading and trailing zero-run lengths (all int64).
    An all-zero row has lead = trail = its length.

    Only zero runs that cover a whole aligned 16-value block are located exactly (every run of 31
    or more zeros does); shorter runs add no extra pair and are only counted as zeros.
    """
    r, length = block.shape
    stride = scratch.stride
    buf = scratch.buf[: _BLOCK + r * stride]
    np.equal(block, 0, out=buf[_BLOCK:].reshape(r, stride)[:, :length])
    # Little-endian words: byte k of a block is bits 8k..8k+7 of word k // 8.
    words = buf.view("<u8").reshape(-1, 2)
    full = (words[:, 0] & words[:, 1]) == _ALL_ONES  # blocks of 16 zeros; full[0] is the guard
    edges = np.flatnonzero(full[1:] != full[:-1])
    b0, b1 = edges[0::2] + 1, edges[1::2] + 1  # each maximal run of full blocks is [b0, b1)
    # The zero run extends into the (not full) blocks on either side: True bytes next to it.
    before, after = words[b0 - 1], words[b1]
    hi1, hi0 = ~before[:, 1] & _ALL_ONES, ~before[:, 0] & _ALL_ONES  # a 1 at each False byte
    left = np.where(hi1 != 0, 7 - _top_byte(hi1), 15 - _top_byte(hi0))
    lo0, lo1 = ~after[:, 0] & _ALL_ONES, ~after[:, 1] & _ALL_ONES
    right = np.where(lo0 != 0, _low_byte(lo0), 8 + _low_byte(lo1))
    runs = (b1 - b0) * _BLOCK + left + right
    start = b0 * _BLOCK - left - _BLOCK
    row = start // stride
    col = start - row * stride
    is_lead = col == 0
    is_trail = col + runs == length
    inner = ~is_lead & ~is_trail
    interior = np.bincount(row[inner], weights=runs[inner] // 32, minlength=r).astype(np.int64)
    if r == 1:
        zeros = np.array([length - np.count_nonzero(block)], dtype=np.int64)
    else:
        # One bit per True mask byte; pad bytes are False.
        body = buf[_BLOCK:].view("<u8").reshape(r, stride // 8)
        zeros = np.bitwise_count(body).sum(axis=1, dtype=np.int64)
    # Zero runs at the row ends shorter than a found run: the first False among m + 1 mask bytes
    # next to each end (the byte beyond a short row is a pad or guard byte, always False). When
    # all m + 1 are True the answer is wrong but the run is a found run and is overwritten below.
    m = min(length, 32)
    first = _BLOCK + stride * np.arange(r)[:, None]
    lead = np.argmin(buf[first + np.arange(m + 1)], axis=1).astype(np.int64)
    trail = np.argmin(buf[first + (length - 1) - np.arange(m + 1)], axis=1).astype(np.int64)
    lead[row[is_lead]] = runs[is_lead]
    trail[row[is_trail]] = runs[is_trail]
    return zeros, interior, lead, trail


def _low_byte(x: np.ndarray) -> np.ndarray:
    """Index of the lowest set byte of each uint64 whose set bits are byte LSBs (8 when x is 0)."""
    return np.bitwise_count((x & (~x + np.uint64(1))) - np.uint64(1)).astype(np.int64) // 8


def _top_byte(x: np.ndarray) -> np.ndarray:
    """Index of the highest set byte of each uint64 whose set bits are byte LSBs (x > 0)."""
    # Exact: such x is below 1.01 times its top bit, so the float keeps that bit as its exponent.
    return (np.frexp(x.astype(np.float64))[1].astype(np.int64) - 1) // 8
