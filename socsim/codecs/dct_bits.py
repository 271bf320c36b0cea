"""DCT with per-coefficient bit widths: a guaranteed-size variant of ``dct`` that spends more bits
on low frequencies and fewer on high ones instead of keeping or dropping whole coefficients.

Format of one encoded map of shape (..., H, W) (tiling, padding and tile order exactly as in
``socsim.codecs.dct``: n×n tiles, n = 7, 8 or 'auto', edges padded by replicating the last row
and column, plane by plane, row of tiles by row, left to right):

- ``bits`` gives a width b_p for the p-th coefficient of the tile size's own anti-diagonal
  (zig-zag) order, p = 0, 1, ... (``socsim.codecs.dct.zigzag``); b_p = 0 prunes it, otherwise
  2 <= b_p <= 16 (a b-bit field holds a two's-complement integer in [-2**(b-1), 2**(b-1) - 1]).
  Widths past the list's end are 0. ``bits`` is either such a list ('12/9/9/8/...'; ',' or ' '
  also separate widths) or the name of a profile in ``PROFILES``, which may give a different
  list for 7×7 and 8×8 tiles.
- Scales: the coefficients on one anti-diagonal d (i + j = d) share one exponent e_d per encoded
  map; a coefficient C of width b is stored as the b-bit field clip(rint(C / 2**e_d), -2**(b-1),
  2**(b-1) - 1) (rint rounds half to even). The encoder picks e_d as follows: e_peak is the
  smallest e in [-8, 20] at which no kept coefficient on d saturates; e_d is the e in
  [max(-8, e_peak - 8), e_peak] with the least squared error over the coefficients on d of
  every s-th tile of the map, s = max(1, tiles // 4096), saturation included (ties go to the
  larger e). Letting the rare largest coefficients saturate buys finer steps for all the others:
  on trained MobileNetV2 maps with the '4x' profile it raises the round-trip SQNR by about 7 dB
  over e_peak. The decoder only reads e_d.
- Stream, MSB first: a header of one 8-bit two's-complement exponent per anti-diagonal that has
  at least one kept coefficient (in increasing d), then for each tile its kept coefficients in
  zig-zag order, each in its width.

Size: 8 * D + tiles * sum(b_p) bits, with D the number of anti-diagonals with a kept coefficient
(both for the tile size in use). It depends on the shape only: ``size_bits == worst_case_bits``.
Decoding fills the pruned coefficients with zeros, applies the inverse DCT, rounds half to even,
clips to int16 and crops the padding. Transfer units are cut as for ``dct`` (each unit encoded on
its own with its own header).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import ValidationInfo, field_validator

from socsim.codecs.base import CodecParams, Encoded, TransferUnit
from socsim.codecs.dct import DctCodec, _basis, _products, tile_unit_sizes, zigzag

EXP_BITS = 8
EXP_MIN, EXP_MAX = -8, 20
MIN_WIDTH, MAX_WIDTH = 2, 16
# Columns per matrix product: OpenBLAS keeps (128 x 64) @ (64 x 32) on one thread, while 64
# output columns switch it to its threads, which stall (40x slower) when another process holds a core.
_PRODUCT_COLUMNS = 32
SEARCH_TILES = 4096
"""About this many tiles (every s-th) decide each exponent: the search costs no more on big maps."""


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(t) for t in text.split("/"))


# Each profile: tile edge -> widths in that tile size's zig-zag order. Made by reverse
# water-filling (``socsim.accuracy.bitalloc``) on the coefficient spread of trained MobileNetV2
# maps at 224x224 (4 skimage photos); ``benchmarks/accuracy_sweep.py`` prints the allocation again.
PROFILES: dict[str, dict[int, tuple[int, ...]]] = {
    # 248 of 1024 bits per 8x8 tile (75.8 %), 188 of 784 per 7x7 tile (76.0 %): with the 1x1 maps
    # (pooled features, logits) that cost a whole tile per value, MobileNetV2 still gets a
    # guaranteed 4x (75 %) over the network.
    "4x": {
        8: _widths(
            "8/5/5/5/5/5/5/4/4/4/5/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/"
            "4/4/4/4/4/4/4/4/4/4/4/3/3/4/4/3/3/3/3/3/3/3/3/3/3/3/3/3/3/3/3/3"
        ),
        7: _widths(
            "7/5/5/5/4/5/5/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/"
            "4/3/3/3/3/3/3/3/3/3/3/3/3/3/3/3/3"
        ),
    },
    # 292 of 1024 (71.5 %) and 224 of 784 (71.4 %).
    "3.5x": {
        8: _widths(
            "8/6/6/6/6/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/4/5/5/4/4/5/"
            "4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4"
        ),
        7: _widths(
            "8/6/6/6/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/4/5/5/4/4/5/4/4/4/4/4/4/4/"
            "4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4/4"
        ),
    },
    # 512 of 1024 bits per 8x8 tile and 392 of 784 per 7x7 tile (50 %).
    "2x": {
        8: _widths(
            "12/9/9/9/9/9/9/9/8/9/9/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/"
            "8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/7/8/7/8/7/7/7/7/7/7/7/7/7/7/7"
        ),
        7: _widths(
            "11/9/9/9/9/9/9/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/8/"
            "8/8/8/8/8/8/8/7/7/8/7/7/7/7/7/7/7"
        ),
    },
    # 409 of 1024 (60.1 %) and 313 of 784 (60.1 %).
    "2.5x": {
        8: _widths(
            "10/8/8/8/7/7/7/7/7/7/7/7/7/7/7/7/7/6/6/6/6/7/6/6/6/6/6/6/7/6/6/6/"
            "6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6"
        ),
        7: _widths(
            "10/8/7/7/7/7/7/7/7/7/7/7/7/6/7/7/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/"
            "6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6/6"
        ),
    },
    # The paper's budget: 336 of 1024 bits per 8x8 tile (67.19 %, what dct keep=21 stores) and
    # 257 of 784 per 7x7 tile (67.2 %), spread over every coefficient.
    "paper": {
        8: _widths(
            "9/7/7/6/6/6/6/6/6/6/6/6/5/5/6/6/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/"
            "5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/4/4/4"
        ),
        7: _widths(
            "9/6/6/6/6/6/6/6/6/6/6/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/"
            "5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/4/4"
        ),
    },
}
DEFAULT_PROFILE = "4x"


def canonical_bits(value: Any) -> str:
    """A ``bits`` value as its canonical text: a profile name, or widths joined by '/' without
    trailing zeros (so that a codec's key reads back to the same codec)."""
    if isinstance(value, bool):
        raise ValueError("must be a profile name or a list of bit widths")
    if isinstance(value, int):
        value = [value]
    if isinstance(value, str):
        text = value.strip()
        if text in PROFILES:
            return text
        parts = [p for p in re.split(r"[/,\s]+", text) if p]
        if not parts or not all(re.fullmatch(r"\d+", p) for p in parts):
            raise ValueError(f"must be a profile name ({', '.join(sorted(PROFILES))}) or widths such as '12/8/8/6'")
        value = [int(p) for p in parts]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError("must be a profile name or a list of bit widths")
    widths = list(value)
    while widths and widths[-1] == 0:
        widths.pop()
    bad = [w for w in widths if w != 0 and not MIN_WIDTH <= w <= MAX_WIDTH]
    if bad:
        raise ValueError(f"width {bad[0]} must be 0 or {MIN_WIDTH}..{MAX_WIDTH}")
    if not widths:
        raise ValueError("keeps no coefficient (every width is 0)")
    if len(widths) > 64:
        raise ValueError(f"has {len(widths)} widths, an 8x8 tile has 64 coefficients")
    return "/".join(str(w) for w in widths)


class DctBitsParams(CodecParams):
    """Tile size and the bit width of every coefficient (a profile name or an explicit list)."""

    n: Literal[7, 8, "auto"] = 8
    """Tile edge in values: 7, 8, or 'auto' (7 for maps that tile by 7 but not by 8, else 8)."""
    bits: str = DEFAULT_PROFILE
    """Profile name (see ``PROFILES``) or widths in zig-zag order, '12/8/8/6/...' (0 = pruned)."""

    @field_validator("bits", mode="before")
    @classmethod
    def _canonical(cls, value: Any, info: ValidationInfo) -> str:
        bits = canonical_bits(value)
        n = info.data.get("n", 8)
        if bits not in PROFILES and n == 7 and len(_widths(bits)) > 49:
            raise ValueError(f"has {len(_widths(bits))} widths, a 7x7 tile has 49")
        for size in (7, 8) if n == "auto" else (n,):
            if not any(tile_widths(bits, size)):
                raise ValueError(f"keeps no coefficient of a {size}x{size} tile")
        return bits


@lru_cache(maxsize=None)
def tile_widths(bits: str, n: int) -> tuple[int, ...]:
    """The n*n widths (zig-zag order) that canonical ``bits`` gives an n×n tile."""
    widths = PROFILES[bits].get(n, ()) if bits in PROFILES else _widths(bits)
    widths = tuple(widths[: n * n])
    return widths + (0,) * (n * n - len(widths))


@lru_cache(maxsize=None)
def _layout(bits: str, n: int):
    """(kept zig-zag positions, their widths, their anti-diagonals, the diagonals with a kept
    coefficient, the basis (n*n, kept)) of an n×n tile."""
    widths = np.array(tile_widths(bits, n), dtype=np.int64)
    kept = np.flatnonzero(widths)
    flat = zigzag(n)[kept]
    diag = flat // n + flat % n
    diagonals = np.unique(diag)
    basis = np.ascontiguousarray(_basis(n, int(kept[-1]) + 1)[:, kept])
    basis.flags.writeable = False
    return kept, widths[kept], diag, diagonals, basis


def _narrow_products(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``_products`` of dct, in blocks of at most ``_PRODUCT_COLUMNS`` output columns."""
    if matrix.shape[1] <= _PRODUCT_COLUMNS:
        return _products(rows, matrix)
    out = np.empty((rows.shape[0], matrix.shape[1]), dtype=np.float64)
    for s in range(0, matrix.shape[1], _PRODUCT_COLUMNS):
        out[:, s : s + _PRODUCT_COLUMNS] = _products(rows, np.ascontiguousarray(matrix[:, s : s + _PRODUCT_COLUMNS]))
    return out


def peak_exponents(peaks: np.ndarray, widths: np.ndarray, diag: np.ndarray, diagonals: np.ndarray) -> np.ndarray:
    """e_peak of each listed anti-diagonal: the smallest e in [EXP_MIN, EXP_MAX] at which every kept
    coefficient on it, of peak magnitude ``peaks``, fits its width without saturating."""
    e = np.arange(EXP_MIN, EXP_MAX + 1, dtype=np.int64)
    limit = (2.0 ** (widths - 1) - 1)[:, None]
    fits = np.rint(np.ldexp(peaks[:, None], -e[None, :])) <= limit  # (kept, exponents)
    out = np.empty(diagonals.size, dtype=np.int64)
    for i, d in enumerate(diagonals):
        ok = np.all(fits[diag == d], axis=0)
        out[i] = EXP_MIN + int(np.argmax(ok)) if ok.any() else EXP_MAX
    return out


def quantize_fields(coefs: np.ndarray, exps: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The stored fields clip(rint(C / 2**e), -2**(b-1), 2**(b-1) - 1) of coefficients (count, kept)
    with per-column exponents and widths (int64)."""
    q = np.rint(coefs * (2.0 ** -exps.astype(np.float64))[None, :])  # powers of two: exact products
    return np.clip(q, -(2.0 ** (widths - 1)), 2.0 ** (widths - 1) - 1).astype(np.int64)


def diagonal_exponents(coefs: np.ndarray, widths: np.ndarray, diag: np.ndarray, diagonals: np.ndarray) -> np.ndarray:
    """Exponent e_d of each listed anti-diagonal: the least squared error over e in
    [max(EXP_MIN, e_peak - 8), e_peak], saturation included, ties to the larger e; the error is
    summed over every s-th tile, s = max(1, count // SEARCH_TILES)."""
    peaks = np.abs(coefs).max(axis=0) if coefs.shape[0] else np.zeros(widths.size)
    top = peak_exponents(peaks, widths, diag, diagonals)
    out = top.copy()
    if coefs.shape[0] == 0:
        return out
    sample = coefs[:: max(1, coefs.shape[0] // SEARCH_TILES)]
    for i, d in enumerate(diagonals):
        cols = diag == d
        c, w = sample[:, cols], widths[cols]
        cands = np.arange(int(top[i]), max(EXP_MIN, int(top[i]) - 8) - 1, -1)  # larger e first
        step = (2.0 ** cands.astype(np.float64))[:, None, None]  # powers of two: exact products
        scaled = np.rint(c[None, :, :] / step)
        np.clip(scaled, -(2.0 ** (w - 1)), 2.0 ** (w - 1) - 1, out=scaled)
        scaled *= step
        scaled -= c[None]
        err = np.einsum("eij,eij->e", scaled, scaled)
        out[i] = cands[int(np.argmin(err))]  # argmin takes the first (larger e) of equal errors
    return out


def pack_fields(q: np.ndarray, widths: np.ndarray) -> bytes:
    """Rows of signed integers (count, k) as consecutive MSB-first fields of ``widths`` bits, row
    after row with no padding between rows; the last byte is zero-padded."""
    count = q.shape[0]
    period = int(widths.sum())
    if count == 0:
        return b""
    words = np.zeros((count, -(-period // 64)), dtype=np.uint64)
    offset = 0
    for j, w in enumerate(int(x) for x in widths):
        v = (q[:, j] & ((1 << w) - 1)).astype(np.uint64)
        k, r = divmod(offset, 64)
        if r + w <= 64:
            words[:, k] |= v << np.uint64(64 - r - w)
        else:  # the field straddles two words
            words[:, k] |= v >> np.uint64(r + w - 64)
            words[:, k + 1] |= v << np.uint64(128 - r - w)
        offset += w
    rows = words.astype(">u8").view(np.uint8).reshape(count, -1)
    if period % 8 == 0:
        return rows[:, : period // 8].tobytes()
    return np.packbits(np.unpackbits(rows, axis=1)[:, :period]).tobytes()


def unpack_fields(payload: bytes, count: int, widths: np.ndarray) -> np.ndarray:
    """Inverse of ``pack_fields``: (count, k) signed integers (int64) from the bytes."""
    period = int(widths.sum())
    nwords = -(-period // 64)
    if count == 0:
        return np.zeros((0, widths.size), dtype=np.int64)
    raw = np.frombuffer(payload, dtype=np.uint8)
    if period % 8 == 0:
        rows = raw[: count * period // 8].reshape(count, period // 8)
    else:
        rows = np.packbits(np.unpackbits(raw, count=count * period).reshape(count, period), axis=1)
    padded = np.zeros((count, 8 * nwords), dtype=np.uint8)
    padded[:, : rows.shape[1]] = rows
    words = padded.view(">u8").astype(np.uint64)
    out = np.empty((count, widths.size), dtype=np.int64)
    offset = 0
    for j, w in enumerate(int(x) for x in widths):
        k, r = divmod(offset, 64)
        if r + w <= 64:
            v = (words[:, k] >> np.uint64(64 - r - w)) & np.uint64((1 << w) - 1)
        else:
            high = words[:, k] & np.uint64((1 << (64 - r)) - 1)
            v = (high << np.uint64(r + w - 64)) | (words[:, k + 1] >> np.uint64(128 - r - w))
        v = v.astype(np.int64)
        out[:, j] = v - ((v >> (w - 1)) << w)  # two's complement
        offset += w
    return out


class DctBitsCodec(DctCodec):
    """DCT tiles with a bit width per coefficient and one scale per anti-diagonal; lossy, with a
    size fixed by the map's shape."""

    codec_id = "dct-bits"
    lossless = False
    planar = True
    Params = DctBitsParams

    @property
    def kept_count(self) -> int:
        """Coefficients stored per 8×8 tile, or per tile of the fixed size n (count)."""
        n = 8 if self.params.n == "auto" else self.params.n
        return int(np.count_nonzero(tile_widths(self.params.bits, n)))

    def kept_indices(self, n: int) -> tuple[int, ...]:
        """Flat indices i * n + j of the stored coefficients of an n×n tile, in stream order."""
        kept = _layout(self.params.bits, n)[0]
        return tuple(int(k) for k in zigzag(n)[kept])

    def tile_bits(self, n: int) -> int:
        """Bits per n×n tile: the sum of the widths."""
        return int(sum(tile_widths(self.params.bits, n)))

    def header_bits(self, n: int) -> int:
        """Bits of one unit's header for n×n tiles: one exponent per anti-diagonal kept."""
        return EXP_BITS * int(_layout(self.params.bits, n)[3].size)

    def encode_tiles(self, tiles: np.ndarray) -> Encoded:
        count, n, _ = tiles.shape
        _, widths, diag, diagonals, basis = _layout(self.params.bits, n)
        coefs = _narrow_products(tiles.reshape(count, n * n), basis)  # (count, kept)
        exps = diagonal_exponents(coefs, widths, diag, diagonals)
        q = quantize_fields(coefs, exps[np.searchsorted(diagonals, diag)], widths)
        header = (exps & 0xFF).astype(np.uint8).tobytes()  # 8-bit two's complement, whole bytes
        return Encoded(header + pack_fields(q, widths), EXP_BITS * exps.size + count * int(widths.sum()))

    def decode_tiles(self, encoded: Encoded, count: int, n: int) -> np.ndarray:
        _, widths, diag, diagonals, basis = _layout(self.params.bits, n)
        need = self.header_bits(n) + self.tile_bits(n) * count
        if encoded.nbits != need:
            raise ValueError(f"dct-bits bitstream has {encoded.nbits} bits, {count} tiles need {need}")
        exps = np.frombuffer(encoded.payload, dtype=np.int8, count=diagonals.size).astype(np.int64)
        per_coef = exps[np.searchsorted(diagonals, diag)]
        q = unpack_fields(encoded.payload[diagonals.size :], count, widths).astype(np.float64)
        q *= (2.0 ** per_coef.astype(np.float64))[None, :]  # exact: powers of two
        pixels = _narrow_products(q, basis.T)
        return np.clip(np.rint(pixels, out=pixels), -32768, 32767).astype(np.int16).reshape(count, n, n)

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        planes, h, w = _plane_shape(shape)
        n = self.tile_size(h, w)
        return self.header_bits(n) + self.tile_bits(n) * self.tile_count(tuple(shape))

    def unit_sizes_bits(self, fmap: np.ndarray, unit: TransferUnit) -> np.ndarray:
        c, th, tw, n = self.tile_grid(fmap, unit)
        grid = np.full((c, th, tw), self.tile_bits(n), dtype=np.int64)
        return tile_unit_sizes(grid, unit, n, self.header_bits(n), self.tiles_per_chunk(unit, n))


def _plane_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    if len(shape) < 2:
        raise ValueError(f"dct-bits needs arrays shaped (..., H, W), got shape {tuple(shape)}")
    return int(np.prod(shape[:-2], dtype=np.int64)), int(shape[-2]), int(shape[-1])
