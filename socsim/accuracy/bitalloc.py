"""Bit widths for ``dct-bits`` from measured coefficient spread (reverse water-filling).

``coefficient_rms`` measures, per zig-zag position, the RMS of the DCT coefficients of real
feature maps, each layer normalised to unit total energy per tile and weighted by its values, so
that no single layer dominates. ``allocate`` then hands out bits greedily, one step at a time to
the coefficient whose distortion drops most per bit, with the high-rate model
D_p(0) = rms_p² (pruned) and D_p(b) = c · rms_p² · 2^(-2b) for b >= 2 (c = 16/3: a uniform
quantizer clipped at ±4 rms). The profiles in ``socsim.codecs.dct_bits.PROFILES`` were made this
way (``benchmarks/accuracy_sweep.py`` prints the allocation from the maps it captures).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from socsim.codecs.dct import _basis
from socsim.codecs.dct_bits import MAX_WIDTH, MIN_WIDTH
from socsim.codecs.dct import DctCodec, DctParams

QUANTIZER_CONSTANT = 16.0 / 3.0


def coefficient_rms(maps: Iterable[np.ndarray], n: int) -> np.ndarray:
    """RMS of each of the n*n DCT coefficients (zig-zag order) over the tiles of C×H×W int16 maps
    that tile by n (others are skipped), each map normalised to unit energy per tile."""
    codec = DctCodec(DctParams(n=n, keep=n * n))
    basis = _basis(n, n * n)
    total = np.zeros(n * n)
    weight = 0.0
    for fmap in maps:
        h, w = fmap.shape[-2:]
        if h < n or w < n or codec.tile_size(h, w) != n:
            continue
        coefs = codec.tiles(fmap).reshape(-1, n * n).astype(np.float64) @ basis
        power = (coefs**2).mean(axis=0)
        if power.sum() <= 0:
            continue
        total += fmap.size * power / power.sum()
        weight += fmap.size
    if weight == 0:
        raise ValueError(f"no map tiles by {n}")
    return np.sqrt(total / weight)


def allocate(rms: np.ndarray, budget_bits: int, max_bits: int = MAX_WIDTH) -> list[int]:
    """Widths (0 or MIN_WIDTH..max_bits) per coefficient summing to at most ``budget_bits`` that
    greedily minimise the modelled distortion; ties go to the lower zig-zag position."""
    power = np.asarray(rms, dtype=np.float64) ** 2
    widths = np.zeros(power.size, dtype=np.int64)

    def distortion(p: int, b: int) -> float:
        return power[p] if b == 0 else QUANTIZER_CONSTANT * power[p] * 2.0 ** (-2 * b)

    used = 0
    while True:
        best, best_p, best_step = 0.0, -1, 0
        for p in range(power.size):
            nb = MIN_WIDTH if widths[p] == 0 else widths[p] + 1
            step = nb - widths[p]
            if nb > max_bits or used + step > budget_bits:
                continue
            gain = (distortion(p, int(widths[p])) - distortion(p, nb)) / step
            if gain > best:
                best, best_p, best_step = gain, p, step
        if best_p < 0:
            return [int(w) for w in widths]
        widths[best_p] += best_step
        used += best_step
