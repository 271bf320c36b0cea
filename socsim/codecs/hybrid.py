"""Hybrid tile coding: per n×n tile the smallest of all-zero, sparsity map, DCT-k and raw, with a
2-bit mode tag, where the lossless modes are used only when they fit under the DCT-k cap.

So a sparse tile stays exact, a dense tile costs at most what ``dct`` with the same ``keep``
costs, and the size of every map is bounded by the shape alone (cap plus tag per tile).

Format of one encoded map of shape (..., H, W); tiles exactly as in ``socsim.codecs.dct`` (n×n,
n = 7, 8 or 'auto', edges padded by replicating the last row and column, plane by plane, row of
tiles by row, left to right). The lossless modes code the padded tile, padding included.

- Body bits of each tile's candidate modes, with cap = 16 * keep:
  zero (tag 00) 0 bits, only for an all-zero tile; sparsity map (01) n² + 16 * nnz bits (one mask
  bit per value, row-major, then the non-zeros); dct (10) 16 * keep bits, exactly ``dct``'s kept
  coefficients; raw (11) 16 * n² bits. A lossless mode (zero, sparsity map, raw) is allowed when
  its body is at most the cap; each tile takes the smallest allowed lossless mode (ties in the
  order zero, sparsity map, raw) and dct only when none is allowed.
- Fixed point of the dct tiles as in ``dct``: one 8-bit exponent e per encoded map, the smallest
  in [-8, 7] at which rint(C / 2**e) fits 16 bits for every kept coefficient C of the map's dct
  tiles (e = -8 when it has none).
- Stream, MSB first, as sections so that a decoder finds every tile's data from the tags alone:
  the exponent byte; the 2-bit tags of all tiles in tile order; the n² mask bits of every
  sparsity-map tile in tile order; their non-zero values (16-bit two's complement) in tile and
  row-major order; the ``keep`` coefficients of every dct tile in tile order (16 bits each); the
  values of every raw tile in tile order (16 bits each).

Size: 8 + sum over tiles of (2 + body). Worst case: 8 + tiles * (2 + 16 * keep) (every tile dct,
or raw when keep = n²); the size is at most that for every input. Transfer units are cut as for
``dct``, each unit encoded on its own with its own exponent.
"""

from __future__ import annotations

import numpy as np

from socsim.codecs.base import Encoded, TransferUnit
from socsim.codecs.bitstream import bits_value, field_bits, pack, unpack
from socsim.codecs.dct import DctCodec, DctParams, tile_unit_sizes

HEADER_BITS = 8
TAG_BITS = 2
VALUE_BITS = 16
ZERO, SPM, DCT, RAW = 0, 1, 2, 3
MODE_NAMES = ("zero", "spm", "dct", "raw")


class HybridParams(DctParams):
    """Tile size and the DCT-k cap: ``keep`` coefficients per tile as in ``dct``."""


class HybridCodec(DctCodec):
    """Per-tile zero / sparsity map / DCT-k / raw with a 2-bit tag; lossy only on dense tiles, size
    at most the DCT-k cap plus the tag per tile."""

    codec_id = "hybrid"
    lossless = False
    planar = True
    fixed_size = False  # bounded by the cap, but sparse tiles take less
    Params = HybridParams

    def _dct(self) -> DctCodec:
        return DctCodec(DctParams(n=self.params.n, keep=self.params.keep))

    def tile_modes(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mode, body bits) of each tile of a stack (count, n, n), both int64 arrays."""
        count, n, _ = tiles.shape
        nnz = np.count_nonzero(tiles.reshape(count, n * n), axis=1).astype(np.int64)
        cap = VALUE_BITS * self.params.keep
        spm = n * n + VALUE_BITS * nnz
        raw = VALUE_BITS * n * n
        mode = np.full(count, DCT, dtype=np.int64)
        body = np.full(count, cap, dtype=np.int64)
        # Invariant: later assignments only override with smaller or earlier-preferred lossless modes.
        if raw <= cap:
            mode[:] = RAW
            body[:] = raw
        fits = (spm <= cap) & (spm <= body)
        mode[fits], body[fits] = SPM, spm[fits]
        zero = nnz == 0
        mode[zero], body[zero] = ZERO, 0
        return mode, body

    def encode_tiles(self, tiles: np.ndarray) -> Encoded:
        count, n, _ = tiles.shape
        mode, _ = self.tile_modes(tiles)
        flat = tiles.reshape(count, n * n)
        dct = self._dct().encode_tiles(tiles[mode == DCT])  # exponent byte + coefficients
        spm = flat[mode == SPM]
        mask = spm != 0
        sections = [
            np.unpackbits(np.frombuffer(dct.payload[:1], dtype=np.uint8)),
            field_bits(mode, TAG_BITS).reshape(-1),
            mask.astype(np.uint8).reshape(-1),
            _value_bits(spm[mask]),
            np.unpackbits(np.frombuffer(dct.payload[1:], dtype=np.uint8)),
            _value_bits(flat[mode == RAW]),
        ]
        return pack(np.concatenate(sections))

    def decode_tiles(self, encoded: Encoded, count: int, n: int) -> np.ndarray:
        bits = unpack(encoded)
        nn = n * n
        pos = HEADER_BITS + TAG_BITS * count
        if bits.size < pos:
            raise ValueError(f"hybrid bitstream has {bits.size} bits, {count} tiles need at least {pos}")
        header = bits[:HEADER_BITS]
        mode = bits_value(bits[HEADER_BITS:pos].reshape(count, TAG_BITS))
        n_spm, n_dct, n_raw = (int(np.count_nonzero(mode == m)) for m in (SPM, DCT, RAW))
        mask = bits[pos : pos + nn * n_spm].astype(bool).reshape(n_spm, nn)
        pos += nn * n_spm
        nnz = int(np.count_nonzero(mask))
        keep = self.params.keep
        need = pos + VALUE_BITS * (nnz + keep * n_dct + nn * n_raw)
        if bits.size != need:
            raise ValueError(f"hybrid bitstream has {bits.size} bits, its tags and masks need {need}")
        out = np.zeros((count, nn), dtype=np.int16)
        spm = np.zeros((n_spm, nn), dtype=np.int16)
        spm[mask] = _values(bits[pos : pos + VALUE_BITS * nnz])
        pos += VALUE_BITS * nnz
        out[mode == SPM] = spm
        dct_bits = np.concatenate([header, bits[pos : pos + VALUE_BITS * keep * n_dct]])
        dct = pack(dct_bits)
        out[mode == DCT] = self._dct().decode_tiles(dct, n_dct, n).reshape(n_dct, nn)
        pos += VALUE_BITS * keep * n_dct
        out[mode == RAW] = _values(bits[pos:]).reshape(n_raw, nn)
        return out.reshape(count, n, n)

    def size_bits(self, values: np.ndarray) -> int:
        _, body = self.tile_modes(self.tiles(values))
        return HEADER_BITS + int(TAG_BITS * body.size + body.sum())

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        return HEADER_BITS + (TAG_BITS + VALUE_BITS * self.params.keep) * self.tile_count(tuple(shape))

    def unit_sizes_bits(self, fmap: np.ndarray, unit: TransferUnit) -> np.ndarray:
        c, th, tw, n = self.tile_grid(fmap, unit)
        _, body = self.tile_modes(self.tiles(fmap))
        grid = (TAG_BITS + body).reshape(c, th, tw)
        return tile_unit_sizes(grid, unit, n, HEADER_BITS, self.tiles_per_chunk(unit, n))

    def unit_worst_case_bits(self, shape: tuple[int, int, int], unit: TransferUnit) -> np.ndarray:
        """Each unit's header plus cap and tag for every tile it holds (for every unit kind)."""
        self.check_unit(unit)
        c, h, w = shape
        n = self.tile_size(h, w)
        grid = np.full((c, -(-h // n), -(-w // n)), TAG_BITS + VALUE_BITS * self.params.keep, dtype=np.int64)
        return tile_unit_sizes(grid, unit, n, HEADER_BITS, self.tiles_per_chunk(unit, n))

    def mode_counts(self, values: np.ndarray) -> dict[str, int]:
        """How many tiles of an int16 array (..., H, W) take each mode (for reports)."""
        mode, _ = self.tile_modes(self.tiles(values))
        return {name: int(np.count_nonzero(mode == m)) for m, name in enumerate(MODE_NAMES)}


def _value_bits(values: np.ndarray) -> np.ndarray:
    """16-bit two's-complement fields of int16 values, MSB first, as a bit array."""
    return np.unpackbits(np.ascontiguousarray(values, dtype=">i2").view(np.uint8))


def _values(bits: np.ndarray) -> np.ndarray:
    """int16 values from consecutive 16-bit two's-complement fields."""
    return np.packbits(bits).view(">i2").astype(np.int16)
