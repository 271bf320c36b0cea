"""Choosing binary DCT masks from trained attenuation matrices for one target reduction.

Coefficients with a_ij below one global threshold a_th are pruned and the others are kept (set to
1). a_th is found by bisection over all layers' A values sorted from largest to smallest: the most
coefficients are kept for which the nominal reduction
1 − Σ_l (kept_l / n²)·N_l / Σ_l N_l (N_l: elements of layer l's output map) still meets the
target. Equal values are ordered by frequency (anti-diagonal order, lowest kept first), then by
layer order, so that the many entries clamped to exactly 1 or 0 can still be split. Every layer
keeps its DC coefficient whatever its a_00: without it each tile loses its mean (and a 1×1 map,
such as a classifier's output, everything); trained a_00 sit just below 1 and would otherwise be
pruned before coefficients pinned at 1. A target is met to within ``TARGET_TOLERANCE`` so that a
percentage quoted to two decimals (67.19 %) means the fraction it was rounded from (1 − 21/64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from socsim.codecs.dct import zigzag

TARGET_TOLERANCE = 5e-5
"""A target reduction counts as met when the nominal reduction is at least target − this."""


@dataclass(frozen=True)
class Selection:
    """Binary masks chosen from trained attenuation matrices for one target reduction."""

    masks: dict[str, np.ndarray]
    """Layer → boolean n×n mask (True: kept), in layer order."""
    threshold: float
    """a_th: the value of the weakest kept coefficient besides the DC ones (ties at it resolved by
    frequency); when only the DC coefficients are kept, the largest pruned value."""
    achieved: float
    """Nominal reduction of the masks (fraction, see ``socsim.codecs.masks``)."""

    @property
    def kept(self) -> dict[str, int]:
        """Layer → coefficients kept per tile (count)."""
        return {name: int(m.sum()) for name, m in self.masks.items()}


def select_masks(attenuation: Mapping[str, np.ndarray], elements: Mapping[str, int], target: float) -> Selection:
    """Prune every a_ij below one global a_th, the smallest that meets ``target`` (see the module
    docstring); raises ValueError when even the DC coefficients alone are too many."""
    names = list(attenuation)
    if not names:
        raise ValueError("no layers to select masks for")
    n = attenuation[names[0]].shape[0]
    values = np.stack([np.asarray(attenuation[k], dtype=np.float64).reshape(n * n) for k in names])
    weights = np.array([elements[k] for k in names], dtype=np.int64)
    rank = np.empty(n * n, dtype=np.int64)
    rank[zigzag(n)] = np.arange(n * n)
    layer_idx = np.repeat(np.arange(len(names)), n * n)
    ranks = np.tile(rank, len(names))
    flat = values.reshape(-1)
    # Invariant: ``order`` lists every coefficient from most to least worth keeping.
    order = np.lexsort((layer_idx, ranks, -flat))
    forced = np.zeros(flat.size, dtype=bool)
    forced[:: n * n] = True  # every layer keeps its DC coefficient (flat index 0): the tile means
    rest = order[~forced[order]]
    total = n * n * int(weights.sum())
    forced_weight = int(weights.sum())
    cum = np.cumsum(weights[layer_idx[rest]])
    budget = (1.0 - target + TARGET_TOLERANCE) * total - forced_weight
    if total == 0 or budget < 0:
        best = 1.0 - 1.0 / (n * n)
        raise ValueError(f"target reduction {target}: at most {best:.4f} is reachable (the DC coefficient of every layer)")
    m = int(np.searchsorted(cum, budget, side="right"))  # bisection: most coefficients within budget
    kept = forced.copy()
    kept[rest[:m]] = True
    used = forced_weight + (int(cum[m - 1]) if m else 0)
    threshold = float(flat[rest[max(m - 1, 0)]])
    masks = {name: kept[i * n * n : (i + 1) * n * n].reshape(n, n).copy() for i, name in enumerate(names)}
    return Selection(masks, threshold, 1.0 - used / total)
