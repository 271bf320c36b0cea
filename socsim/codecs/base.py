"""The codec contract: how an activation codec turns a 16-bit feature map into a sized bitstream.

A codec compresses one feature map of 16-bit fixed-point values (``np.int16``, layout C×H×W,
row-major) on its way from the accelerator to DRAM and decompresses it on the way back.

Every codec class

- has a unique ``codec_id`` (the name used in scenarios) and a ``lossless`` flag;
- has a ``Params`` pydantic model (strict, frozen, ``extra="forbid"``) holding its parameters;
  ``Codec(params)`` builds an instance, ``get_codec(spec)`` in the registry does it from a spec;
- ``encode(values) -> Encoded``: a real bitstream (``payload`` bytes, ``nbits`` meaningful bits);
  ``values`` is any int16 array, encoded in C order of its flattened elements unless the codec
  says otherwise (the DCT codecs need the 2-D layout: they take arrays of shape (..., H, W));
- ``decode(encoded, shape) -> np.ndarray[int16]``: the inverse, exact when ``lossless``;
- ``size_bits(values) -> int``: a vectorized fast path that equals ``encode(values).nbits`` exactly;
- ``worst_case_bits(shape) -> int``: the largest ``size_bits`` any int16 input of that shape can
  have (a guarantee: the analysis builds worst-case bounds on it);
- ``unit_sizes_bits(fmap, unit) -> np.ndarray[int64]``: the size of each DMA transfer unit of a
  C×H×W map, in DMA order; each unit is encoded independently (see ``TransferUnit``). The base
  implementation splits the map and calls ``batch_size_bits``; codecs override either for speed.
- ``check_unit(unit)``: raises ``CodecError`` (naming ``codec.transfer_unit.<field>``) when the codec
  cannot cut maps into that ``TransferUnit``; the scenario calls it before anything runs.

Planar codecs (``planar = True``, the DCT family) encode tiles of the (..., H, W) layout. They
override ``unit_sizes_bits``, and they expose ``tiles(values)`` (the int16 tile stream of a map, in
C×H×W tile order) and ``encode_tiles(tiles)`` so that a 'chunk' unit, which for them is a run of
consecutive tiles, can be checked against a plain encode.

Sizes are in bits; rounding up to whole bus bursts is the DMA's job (``socsim.units.round_up``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from socsim.errors import CodecError
from socsim.limits import Bytes, Pixels


class TransferUnit(BaseModel):
    """How a feature map is cut into DMA descriptors, each compressed independently."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kind: Literal["map", "channel", "rows", "chunk"] = "channel"
    """map: the whole C×H×W map; channel: one H×W plane; rows: a band of ``rows`` rows of one
    plane; chunk: consecutive ``chunk_bytes`` of the raw (uncompressed) map in C×H×W order."""
    rows: Pixels = 8
    """Rows per band when kind is 'rows' (count)."""
    chunk_bytes: Bytes = 4096
    """Raw bytes per chunk when kind is 'chunk' (bytes, a multiple of 2)."""


@dataclass(frozen=True)
class Encoded:
    """A bitstream: ``nbits`` meaningful bits packed MSB-first into ``payload``."""

    payload: bytes
    nbits: int


class CodecParams(BaseModel):
    """Base of every codec's parameter model (strict, frozen, unknown keys rejected)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Codec(ABC):
    """One activation codec; see the module docstring for the contract."""

    codec_id: ClassVar[str]
    lossless: ClassVar[bool]
    planar: ClassVar[bool] = False
    """True when the codec needs the (..., H, W) layout (tiles) rather than the flat value stream."""
    fixed_size: ClassVar[bool] = False
    """True when the size depends on the shape only (a guaranteed size, the DCT family)."""
    Params: ClassVar[type[CodecParams]] = CodecParams

    def __init__(self, params: CodecParams | None = None):
        self.params = params if params is not None else self.Params()

    @property
    def key(self) -> str:
        """A stable text that identifies this codec and its parameters (for caches and reports)."""
        fields = self.params.model_dump(mode="json")
        args = ",".join(f"{k}={fields[k]}" for k in sorted(fields))
        return f"{self.codec_id}:{args}" if args else self.codec_id

    @abstractmethod
    def encode(self, values: np.ndarray) -> Encoded:
        """Bitstream of ``values`` (int16)."""

    @abstractmethod
    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        """int16 array of ``shape`` rebuilt from ``encoded``."""

    @abstractmethod
    def size_bits(self, values: np.ndarray) -> int:
        """Exactly ``encode(values).nbits``, computed without building the bitstream."""

    @abstractmethod
    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        """Largest size in bits over every int16 input of ``shape``."""

    def for_layer(self, layer: str) -> "Codec":
        """The codec to use on the output of ``layer`` (per-layer codecs such as learned DCT masks
        override this; the default is the same codec for every layer)."""
        return self

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        """Sizes in bits of each row of a 2-D int16 array of equal-length units (int64 array)."""
        return np.array([self.size_bits(u) for u in units], dtype=np.int64)

    def check_unit(self, unit: TransferUnit) -> None:
        """Raise ``CodecError`` naming the field when maps cannot be cut into ``unit`` for this codec."""
        if unit.kind == "chunk" and unit.chunk_bytes % 2:
            raise CodecError(
                f"codec.transfer_unit.chunk_bytes={unit.chunk_bytes}: must be a multiple of 2 (16-bit values)"
            )

    def unit_sizes_bits(self, fmap: np.ndarray, unit: TransferUnit) -> np.ndarray:
        """Size in bits of every transfer unit of the C×H×W int16 map ``fmap``, in DMA order."""
        self.check_unit(unit)
        blocks, order = split_units(fmap, unit)
        if not blocks:
            return np.zeros(0, dtype=np.int64)
        sizes = np.concatenate([self.batch_size_bits(b) for b in blocks])
        return sizes if order is None else sizes[order]


    def unit_worst_case_bits(self, shape: tuple[int, int, int], unit: TransferUnit) -> np.ndarray:
        """Largest size in bits each transfer unit of a C×H×W map can take, in DMA order.

        Fixed-size codecs size an all-zero map (their size never depends on the data); others take
        ``worst_case_bits`` of each unit's shape. Planar codecs whose size depends on the data must
        override this for 'chunk' units.
        """
        self.check_unit(unit)
        zeros = np.zeros(shape, dtype=np.int16)
        if self.fixed_size:
            return self.unit_sizes_bits(zeros, unit)
        c, h, w = shape
        if self.planar:
            if unit.kind == "chunk":
                raise CodecError(f"codec {self.codec_id!r}: no worst case for 'chunk' transfer units")
            if unit.kind == "map":
                return np.array([self.worst_case_bits((c, h, w))], dtype=np.int64)
            if unit.kind == "channel":
                return np.full(c, self.worst_case_bits((h, w)), dtype=np.int64)
        blocks, order = split_units(zeros, unit)
        if not blocks:
            return np.zeros(0, dtype=np.int64)
        if self.planar:  # rows: full bands of unit.rows rows, then the tail band of each plane
            sizes = [np.full(b.shape[0], self.worst_case_bits((b.shape[1] // w, w)), dtype=np.int64) for b in blocks]
        else:
            sizes = [np.full(b.shape[0], self.worst_case_bits((b.shape[1],)), dtype=np.int64) for b in blocks]
        out = np.concatenate(sizes)
        return out if order is None else out[order]


def split_units(fmap: np.ndarray, unit: TransferUnit) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Cut a C×H×W map into 2-D blocks of equal-length flattened units.

    Returns the blocks (one, or two when 'rows' or 'chunk' leave shorter tail units) and the
    permutation that puts the concatenated per-unit results into DMA order (None if already in
    order). DMA order is C×H×W order: plane by plane, band by band, chunk by chunk.
    """
    if fmap.ndim != 3:
        raise ValueError(f"feature map must be C×H×W, got shape {fmap.shape}")
    c, h, w = fmap.shape
    if unit.kind == "map":
        return [fmap.reshape(1, -1)], None
    if unit.kind == "channel":
        return [fmap.reshape(c, h * w)], None
    if unit.kind == "rows":
        r = min(unit.rows, h)
        bands, tail = divmod(h, r)
        full = fmap[:, : bands * r, :].reshape(c * bands, r * w)
        if not tail:
            return [full], None
        tails = fmap[:, bands * r :, :].reshape(c, tail * w)
        # Full bands are numbered 0..c*bands-1, tails follow; per plane: its bands, then its tail.
        idx = np.arange(c)[:, None] * bands + np.arange(bands)[None, :]
        order = np.concatenate([idx, (c * bands + np.arange(c))[:, None]], axis=1).reshape(-1)
        return [full, tails], order
    n = unit.chunk_bytes // 2
    flat = fmap.reshape(-1)
    full = flat.size // n
    blocks = [flat[: full * n].reshape(full, n)] if full else []
    if flat.size % n:
        blocks.append(flat[full * n :].reshape(1, -1))
    return blocks, None
