"""Frequency-domain pruning (Vogel et al., "Guaranteed compression rate for activations in CNNs
using a frequency pruning approach", DATE 2019): keep the lowest DCT coefficients of each tile.

Format of one encoded map of shape (..., H, W) (every leading index is one H×W plane):

- Tile size ``n`` (7 or 8): fixed, or 'auto', which picks 7 when H and W are both multiples of 7
  but not both multiples of 8 (7×7, 14×14, 28×28 maps), else 8. For transfer units the tile size
  is resolved once from the whole map's H and W.
- Each plane is padded to whole tiles by replicating its last row and last column, then cut into
  n×n tiles; tiles are taken plane by plane, then row of tiles by row, then left to right.
- Each tile gets the orthonormal 2-D DCT-II, C = D T Dᵀ. Only the ``keep`` coefficients that come
  first in anti-diagonal order (by i + j, then by the row frequency i) are kept; for n = 8,
  keep = 21 (the six lowest anti-diagonals) is the paper's 67.19 % reduction.
- Fixed point: one 8-bit two's-complement exponent e per encoded map (the header), the smallest
  e in [-8, 7] for which rint(max |C| / 2**e) fits 16 bits (|C| <= n * 32768, so e <= 4 always
  fits); e < 0 keeps fractional bits for small values. Each kept coefficient is stored as the
  16-bit two's-complement value rint(C / 2**e) (rint rounds half to even).
- Stream, MSB first: the header byte, then for each tile its ``keep`` coefficients in order, each
  16 bits big-endian.

Size: 8 + 16 * keep * tiles bits, tiles = planes * ceil(H / n) * ceil(W / n). It depends on the
shape only, so it is also the worst case. Decoding puts zeros in the pruned coefficients, applies
the inverse DCT, rounds half to even, clips to int16 and crops the padding; with keep = n * n the
input comes back up to the fixed-point rounding (at most n * 2**e, plus 1/2, per value).

Transfer units: 'map', 'channel' and 'rows' encode the map, each plane, or each band of rows on
its own (rows must be a multiple of n; with n = 'auto', of 56 so that both tile sizes fit). A
'chunk' unit is a run of consecutive tiles of the map's tile stream: as many tiles as the
chunk's raw bytes hold values, max(1, (chunk_bytes / 2) // n**2); the last chunk may hold fewer.
Each chunk is encoded on its own with its own header; tiles cross plane borders like raw chunks.

The transform is one matrix product per batch of tiles with the Kronecker form of D ⊗ D reduced
to the kept coefficients: the same numbers as D T Dᵀ, without computing the pruned ones.

Subclasses may keep another set of coefficients by overriding ``kept_count`` and
``kept_indices`` (``dct-adaptive``: a learned mask per layer); everything else stays as above.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import ValidationInfo, field_validator

from socsim.codecs.base import Codec, CodecParams, Encoded, TransferUnit
from socsim.errors import CodecError

HEADER_BITS = 8
COEF_BITS = 16
EXP_MIN, EXP_MAX = -8, 7
AUTO_ROWS = 56  # band height that is a multiple of both tile sizes 'auto' may pick
_TILES_PER_STEP = 1 << 12  # tiles quantized per step: the float64 temporaries stay in cache
# Tiles per matrix product: with (128 x 64) @ (64 x 21) OpenBLAS stays on one thread, which is
# faster for these thin products than its threads and does not stall when another process
# holds a core.
_TILES_PER_PRODUCT = 128


class DctParams(CodecParams):
    """Tile size and number of kept coefficients per tile."""

    n: Literal[7, 8, "auto"] = 8
    """Tile edge in values: 7, 8, or 'auto' (7 for maps that tile by 7 but not by 8, else 8)."""
    keep: int = 21
    """Coefficients kept per tile, lowest anti-diagonals first (1..n*n; 1..49 for 'auto')."""

    @field_validator("keep")
    @classmethod
    def _keep_in_range(cls, keep: int, info: ValidationInfo) -> int:
        n = info.data.get("n", 8)
        most = 49 if n in (7, "auto") else 64
        if not 1 <= keep <= most:
            raise ValueError(f"must be in 1..{most} for n={n}")
        return keep


class DctCodec(Codec):
    """DCT frequency pruning on n×n tiles; lossy, with a size fixed by the map's shape."""

    codec_id = "dct"
    lossless = False
    planar = True
    fixed_size = True
    Params = DctParams

    @property
    def kept_count(self) -> int:
        """Coefficients stored per tile (count)."""
        return self.params.keep

    def kept_indices(self, n: int) -> tuple[int, ...]:
        """Flat indices i * n + j of the kept coefficients of an n×n tile, in stream order."""
        return _zigzag_prefix(n, self.params.keep)

    def tile_size(self, h: int, w: int) -> int:
        """The tile edge used for planes of h×w values."""
        n = self.params.n
        if n != "auto":
            return n
        return 7 if h % 7 == 0 and w % 7 == 0 and not (h % 8 == 0 and w % 8 == 0) else 8

    def tile_count(self, shape: tuple[int, ...]) -> int:
        """Number of n×n tiles of an array of ``shape`` (..., H, W)."""
        planes, h, w = _planes(shape)
        n = self.tile_size(h, w)
        return planes * -(-h // n) * -(-w // n)

    def tiles(self, values: np.ndarray) -> np.ndarray:
        """The padded tiles of an int16 array (..., H, W), shape (tiles, n, n), in stream order."""
        a = np.asarray(values, dtype=np.int16)
        planes, h, w = _planes(a.shape)
        n = self.tile_size(h, w)
        th, tw = -(-h // n), -(-w // n)
        if planes * th * tw == 0:
            return np.zeros((0, n, n), dtype=np.int16)
        p = a.reshape(planes, h, w)
        if th * n != h or tw * n != w:
            p = np.pad(p, ((0, 0), (0, th * n - h), (0, tw * n - w)), mode="edge")
        return p.reshape(planes, th, n, tw, n).transpose(0, 1, 3, 2, 4).reshape(-1, n, n)

    def encode_tiles(self, tiles: np.ndarray) -> Encoded:
        """Bitstream of a stack of int16 tiles (count, n, n): header, then kept coefficients."""
        count, n, _ = tiles.shape
        keep = self.kept_count
        coefs = _products(tiles.reshape(count, n * n), coefficient_basis(n, self.kept_indices(n)))
        e = scale_exponent(max(-coefs.min(), coefs.max()) if count else 0.0)
        q = np.empty((count, keep), dtype=">i2")
        for s in range(0, count, _TILES_PER_STEP):
            step = coefs[s : s + _TILES_PER_STEP]
            np.multiply(step, 2.0**-e, out=step)  # exact: a power of two
            q[s : s + _TILES_PER_STEP] = np.rint(step, out=step).astype(np.int16)
        return Encoded(bytes([e & 0xFF]) + q.tobytes(), HEADER_BITS + COEF_BITS * q.size)

    def decode_tiles(self, encoded: Encoded, count: int, n: int) -> np.ndarray:
        """int16 tiles (count, n, n) rebuilt from a bitstream of ``encode_tiles``."""
        keep = self.kept_count
        if encoded.nbits != HEADER_BITS + COEF_BITS * keep * count:
            raise ValueError(
                f"dct bitstream has {encoded.nbits} bits, {count} tiles need {HEADER_BITS + COEF_BITS * keep * count}"
            )
        e = int(np.frombuffer(encoded.payload, dtype=np.int8, count=1)[0])
        q = np.frombuffer(encoded.payload, dtype=">i2", count=count * keep, offset=1).reshape(count, keep)
        pixels = _products(q, coefficient_basis(n, self.kept_indices(n)).T)
        np.multiply(pixels, 2.0**e, out=pixels)  # exact: a power of two, and the transform is linear
        return np.clip(np.rint(pixels, out=pixels), -32768, 32767).astype(np.int16).reshape(count, n, n)

    def encode(self, values: np.ndarray) -> Encoded:
        return self.encode_tiles(self.tiles(values))

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        planes, h, w = _planes(shape)
        n = self.tile_size(h, w)
        th, tw = -(-h // n), -(-w // n)
        tiles = self.decode_tiles(encoded, planes * th * tw, n)
        p = tiles.reshape(planes, th, tw, n, n).transpose(0, 1, 3, 2, 4).reshape(planes, th * n, tw * n)
        return np.ascontiguousarray(p[:, :h, :w]).reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        return self.worst_case_bits(np.shape(values))

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        return HEADER_BITS + COEF_BITS * self.kept_count * self.tile_count(tuple(shape))

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        raise ValueError("dct needs the (..., H, W) layout of a map: use unit_sizes_bits")

    def check_unit(self, unit: TransferUnit) -> None:
        super().check_unit(unit)
        if unit.kind == "rows":
            n = self.params.n
            step = AUTO_ROWS if n == "auto" else n
            if unit.rows % step:
                raise CodecError(
                    f"codec.transfer_unit.rows={unit.rows}: must be a multiple of {step} for dct with n={n}"
                )

    def tile_grid(self, fmap: np.ndarray, unit: TransferUnit) -> tuple[int, int, int, int]:
        """(C, tile rows, tile columns, n) of a C×H×W map sized in ``unit`` (checked)."""
        self.check_unit(unit)
        if fmap.ndim != 3:
            raise ValueError(f"feature map must be C×H×W, got shape {fmap.shape}")
        c, h, w = fmap.shape
        n = self.tile_size(h, w)
        return c, -(-h // n), -(-w // n), n

    def unit_sizes_bits(self, fmap: np.ndarray, unit: TransferUnit) -> np.ndarray:
        c, th, tw, n = self.tile_grid(fmap, unit)
        grid = np.full((c, th, tw), COEF_BITS * self.kept_count, dtype=np.int64)
        return tile_unit_sizes(grid, unit, n, HEADER_BITS, self.tiles_per_chunk(unit, n))

    @staticmethod
    def tiles_per_chunk(unit: TransferUnit, n: int) -> int:
        """Tiles in one 'chunk' unit: as many as its raw bytes hold 16-bit values (at least 1)."""
        return max(1, (unit.chunk_bytes // 2) // (n * n))


def tile_unit_sizes(tile_bits: np.ndarray, unit: TransferUnit, n: int, header_bits: int, per_chunk: int) -> np.ndarray:
    """Per-unit sizes of a planar codec from its per-tile sizes (shape (C, th, tw), int64) and a
    per-unit header, in DMA order; rows bands are whole rows of tiles (``check_unit`` ensures it)."""
    c, th, tw = tile_bits.shape
    if unit.kind == "map":
        return np.array([header_bits + int(tile_bits.sum())], dtype=np.int64)
    if unit.kind == "channel":
        return header_bits + tile_bits.reshape(c, -1).sum(axis=1)
    if unit.kind == "rows":
        band_rows = -(-unit.rows // n)  # tile rows per band; the map's last band may hold fewer
        per_row = tile_bits.sum(axis=2)  # (c, th)
        starts = np.arange(0, th, band_rows)
        return header_bits + np.add.reduceat(per_row, starts, axis=1).reshape(-1)
    flat = tile_bits.reshape(-1)
    if flat.size == 0:
        return np.zeros(0, dtype=np.int64)
    return header_bits + np.add.reduceat(flat, np.arange(0, flat.size, per_chunk))


def scale_exponent(peak: float) -> int:
    """Smallest exponent e in [EXP_MIN, EXP_MAX] with rint(peak / 2**e) within int16."""
    for e in range(EXP_MIN, EXP_MAX):
        if np.rint(np.ldexp(peak, -e)) <= 32767:
            return e
    return EXP_MAX


def zigzag(n: int) -> np.ndarray:
    """Flat indices i * n + j of an n×n tile in anti-diagonal order (by i + j, then i)."""
    i, j = np.divmod(np.arange(n * n), n)
    return np.lexsort((i, i + j))


@lru_cache(maxsize=None)
def dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix D (n×n, read-only): the coefficients of a tile T are D T Dᵀ."""
    k = np.arange(n)
    d = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    d[0] /= np.sqrt(2.0)
    d.flags.writeable = False
    return d


@lru_cache(maxsize=None)
def coefficient_basis(n: int, indices: tuple[int, ...]) -> np.ndarray:
    """Matrix (n*n, len(indices)) mapping a flattened tile to its coefficients at the flat
    indices i * n + j, in that order."""
    d = dct_matrix(n)
    # kron(D, D)[i*n+j, x*n+y] = D[i, x] D[j, y], so kron(D, D) @ T.ravel() = (D T Dᵀ).ravel().
    basis = np.ascontiguousarray(np.kron(d, d)[list(indices)].T)
    basis.flags.writeable = False
    return basis


@lru_cache(maxsize=None)
def _zigzag_prefix(n: int, keep: int) -> tuple[int, ...]:
    """The first ``keep`` flat indices of ``zigzag(n)``."""
    return tuple(int(k) for k in zigzag(n)[:keep])


def _basis(n: int, keep: int) -> np.ndarray:
    """Matrix (n*n, keep) mapping a flattened tile to its first ``keep`` coefficients."""
    return coefficient_basis(n, _zigzag_prefix(n, keep))


def _products(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """float64 product of an integer array (count, k) with a matrix (k, m), in thin row batches."""
    out = np.empty((rows.shape[0], matrix.shape[1]), dtype=np.float64)
    for s in range(0, rows.shape[0], _TILES_PER_PRODUCT):
        np.matmul(rows[s : s + _TILES_PER_PRODUCT].astype(np.float64), matrix, out=out[s : s + _TILES_PER_PRODUCT])
    return out


def _planes(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(number of planes, H, W) of an array shape (..., H, W)."""
    if len(shape) < 2:
        raise ValueError(f"dct needs arrays shaped (..., H, W), got shape {tuple(shape)}")
    return int(np.prod(shape[:-2], dtype=np.int64)), int(shape[-2]), int(shape[-1])
