"""DCT pruning with a learned mask per layer (the adaptive mode of Vogel et al., DATE 2019).

``dct-adaptive`` names a masks file (``socsim.codecs.masks``, written by ``socsim train-masks``).
``for_layer(name)`` returns the codec of one layer: the ``dct`` format of ``socsim.codecs.dct``
with tile edge ``n`` from the file and, instead of the first ``keep`` coefficients, exactly the
coefficients that layer's mask keeps (any subset of the n×n grid), stored in anti-diagonal order
(by i + j, then i). With a triangular mask of k coefficients a layer's bitstream is bit for bit
that of ``dct`` with ``keep=k``. Size: 8 + 16·kept·tiles bits, a function of the shape only, so it
is also the worst case.

The codec itself has no mask: its ``encode``/``size_bits``/... raise ``CodecError``; a layer the
file does not name raises ``CodecError`` naming ``codec.masks`` and the layer. Its ``key`` holds
the file's SHA-256, so caches keyed by codec keys see a retrained file as a different codec; the
optional ``sha256`` parameter pins the file's content (a different file is refused).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from pydantic import field_validator

from socsim.codecs.base import Codec, CodecParams, Encoded, TransferUnit
from socsim.codecs.dct import DctCodec, DctParams, zigzag
from socsim.codecs.masks import MaskSet, load_masks
from socsim.errors import CodecError


class DctAdaptiveParams(CodecParams):
    """Which masks file to use, optionally pinned by its hash."""

    masks: str
    """Path of the masks file (JSON from ``socsim train-masks``); in scenarios relative to the file."""
    sha256: str | None = None
    """Hex SHA-256 the masks file must have; None accepts any content (the key records it anyway)."""

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and (len(v) != 64 or any(c not in "0123456789abcdef" for c in v)):
            raise ValueError("must be 64 lower-case hex digits")
        return v


class LayerDctCodec(DctCodec):
    """The ``dct`` format keeping the coefficients of one layer's mask (built by ``for_layer``)."""

    codec_id = "dct-adaptive"

    def __init__(self, mask: np.ndarray, parent_key: str, layer: str):
        n = mask.shape[0]
        flat = np.flatnonzero(np.asarray(mask, dtype=bool).reshape(-1))
        super().__init__(DctParams(n=n, keep=int(flat.size)))
        rank = np.empty(n * n, dtype=np.int64)
        rank[zigzag(n)] = np.arange(n * n)
        # Invariant: the kept flat indices are listed in anti-diagonal (stream) order.
        self._kept = tuple(int(k) for k in flat[np.argsort(rank[flat], kind="stable")])
        self._key = f"{parent_key}@{layer}"
        self.layer = layer
        self.mask = mask

    @property
    def key(self) -> str:
        return self._key

    def kept_indices(self, n: int) -> tuple[int, ...]:
        if n != self.params.n:
            raise ValueError(f"layer {self.layer!r}: mask is {self.params.n}×{self.params.n}, asked for n={n}")
        return self._kept


class DctAdaptiveCodec(Codec):
    """Per-layer learned DCT masks; use ``for_layer(name)`` to get a layer's codec."""

    codec_id = "dct-adaptive"
    lossless = False
    planar = True
    fixed_size = True
    Params = DctAdaptiveParams

    def __init__(self, params: DctAdaptiveParams):
        super().__init__(params)
        self.masks: MaskSet = load_masks(params.masks)
        if params.sha256 is not None and params.sha256 != self.masks.sha256:
            raise CodecError(
                f"codec.sha256={params.sha256!r}: codec.masks={params.masks!r} has SHA-256 {self.masks.sha256}"
            )
        self._layers: dict[str, LayerDctCodec] = {}

    @cached_property
    def key(self) -> str:
        return f"{self.codec_id}:masks={self.params.masks},sha256={self.masks.sha256}"

    @property
    def n(self) -> int:
        """Tile edge of the masks (values)."""
        return self.masks.n

    def for_layer(self, layer: str) -> LayerDctCodec:
        if layer not in self._layers:
            mask = self.masks.layers.get(layer)
            if mask is None:
                model = self.masks.meta.get("model", "?")
                raise CodecError(
                    f"codec.masks={self.params.masks!r}: no mask for layer {layer!r} "
                    f"(the file has {len(self.masks.layers)} layers of model {model!r})"
                )
            self._layers[layer] = LayerDctCodec(mask, self.key, layer)
        return self._layers[layer]

    def check_unit(self, unit: TransferUnit) -> None:
        super().check_unit(unit)
        if unit.kind == "rows" and unit.rows % self.n:
            raise CodecError(
                f"codec.transfer_unit.rows={unit.rows}: must be a multiple of {self.n} for dct-adaptive "
                f"with n={self.n}"
            )

    def _no_layer(self) -> CodecError:
        return CodecError(f"codec.masks={self.params.masks!r}: dct-adaptive has one mask per layer; use for_layer(name)")

    def encode(self, values: np.ndarray) -> Encoded:
        raise self._no_layer()

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        raise self._no_layer()

    def size_bits(self, values: np.ndarray) -> int:
        raise self._no_layer()

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        raise self._no_layer()

    def unit_sizes_bits(self, fmap: np.ndarray, unit: TransferUnit) -> np.ndarray:
        raise self._no_layer()
