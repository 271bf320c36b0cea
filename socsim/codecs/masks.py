"""Per-layer DCT coefficient masks: the file ``socsim train-masks`` writes and ``dct-adaptive`` reads.

The file is JSON::

    {"n": 8, "model": "mobilenet_v2", "target_reduction": 0.671875, "achieved_reduction": 0.6719,
     "trained_on": "...", "layers": {"features.0": [[1, 1, 0, ...], ...], ...}}

``n`` is the tile edge (7 or 8); ``layers`` maps every layer name of socsim's layer graph to an
n×n grid of 0/1 (row index i = vertical frequency, column index j = horizontal frequency, as in
``socsim.codecs.dct``); 1 keeps the coefficient. Every layer keeps at least one coefficient. The
other keys describe how the masks were made and are not needed to use them.

The nominal reduction of a set of masks is 1 − Σ_l (kept_l / n²)·N_l / Σ_l N_l, with N_l the
elements of layer l's output map; it ignores the 8-bit header per encoded unit and the padding
of maps whose sides are not multiples of n.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from socsim.errors import CodecError

TILE_SIZES = (7, 8)


@dataclass(frozen=True)
class MaskSet:
    """The masks of one file: tile edge, a boolean n×n grid per layer, and the file's hash."""

    n: int
    """Tile edge in values (7 or 8)."""
    layers: dict[str, np.ndarray]
    """Layer name → read-only boolean (n, n) grid, True where the coefficient is kept."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""
    meta: dict[str, Any] = field(default_factory=dict)
    """The file's other keys (model, target_reduction, achieved_reduction, trained_on, ...)."""


def load_masks(path: str | Path, field_name: str = "codec.masks", shown: str | None = None) -> MaskSet:
    """Read and validate a masks file; every problem is one ``CodecError`` line naming ``field_name``."""
    shown = str(path) if shown is None else shown
    where = f"{field_name}={shown!r}"
    p = Path(path)
    if not p.is_file():
        raise CodecError(f"{where}: masks file not found")
    try:
        data = p.read_bytes()
        doc = json.loads(data)
    except OSError as exc:
        raise CodecError(f"{where}: cannot read masks file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError(f"{where}: not a JSON masks file ({str(exc).splitlines()[0]})") from None
    return parse_masks(doc, hashlib.sha256(data).hexdigest(), where)


def parse_masks(doc: Any, sha256: str, where: str) -> MaskSet:
    """A ``MaskSet`` from a decoded masks document; ``where`` prefixes error messages."""
    if not isinstance(doc, dict):
        raise CodecError(f"{where}: top level must be a JSON object, got {type(doc).__name__}")
    n = doc.get("n")
    if type(n) is not int or n not in TILE_SIZES:
        raise CodecError(f"{where}: 'n'={n!r}: must be one of {', '.join(map(str, TILE_SIZES))}")
    layers = doc.get("layers")
    if not isinstance(layers, dict) or not layers:
        raise CodecError(f"{where}: 'layers' must be a non-empty object of layer name → n×n 0/1 grid")
    grids: dict[str, np.ndarray] = {}
    for name, grid in layers.items():
        ok = (
            isinstance(grid, list)
            and len(grid) == n
            and all(isinstance(row, list) and len(row) == n for row in grid)
            and all(type(v) is int and v in (0, 1) for row in grid for v in row)
        )
        if not ok:
            raise CodecError(f"{where}: layer {name!r}: mask must be {n} rows of {n} values 0 or 1")
        mask = np.array(grid, dtype=bool)
        if not mask.any():
            raise CodecError(f"{where}: layer {name!r}: mask keeps no coefficient")
        mask.flags.writeable = False
        grids[name] = mask
    meta = {k: v for k, v in doc.items() if k not in ("n", "layers")}
    return MaskSet(n, grids, sha256, meta)


def masks_json(n: int, layers: Mapping[str, np.ndarray], **meta: Any) -> str:
    """The text of a masks file: the ``meta`` keys, ``n``, then one line per layer's grid."""
    head = {"n": n, **meta}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "layers": {')
    items = list(layers.items())
    for i, (name, mask) in enumerate(items):
        grid = np.asarray(mask, dtype=bool)
        if grid.shape != (n, n):
            raise ValueError(f"layer {name!r}: mask shape {grid.shape}, expected ({n}, {n})")
        rows = ", ".join("[" + ", ".join("1" if v else "0" for v in row) + "]" for row in grid)
        lines.append(f"    {json.dumps(name)}: [{rows}]" + ("," if i + 1 < len(items) else ""))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def nominal_reduction(kept: Mapping[str, int], elements: Mapping[str, int], n: int) -> float:
    """1 − Σ_l (kept_l / n²)·N_l / Σ_l N_l over the layers of ``kept`` (see the module docstring)."""
    total = sum(elements[name] for name in kept)
    if total == 0:
        return 0.0
    return 1.0 - sum(kept[name] * elements[name] for name in kept) / (n * n * total)


def triangle_mask(n: int, keep: int) -> np.ndarray:
    """The boolean n×n mask of the direct ``dct`` codec: the ``keep`` first coefficients in
    anti-diagonal order (by i + j, then i)."""
    from socsim.codecs.dct import zigzag

    mask = np.zeros(n * n, dtype=bool)
    mask[zigzag(n)[:keep]] = True
    return mask.reshape(n, n)
