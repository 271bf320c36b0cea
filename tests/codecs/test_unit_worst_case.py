"""Every codec's per-unit worst case bounds its real per-unit sizes, for every kind of unit."""

import numpy as np
import pytest

from socsim.codecs.base import TransferUnit
from socsim.codecs.registry import available

UNITS = [TransferUnit(kind="channel"), TransferUnit(kind="map"), TransferUnit(kind="rows", rows=8),
         TransferUnit(kind="chunk", chunk_bytes=256)]


def codecs():
    out = []
    for name, cls in sorted(available().items()):
        try:
            out.append(cls())
        except TypeError:  # codecs that need parameters (a masks file) are covered by their own tests
            continue
    return out


@pytest.mark.parametrize("codec", codecs(), ids=lambda c: c.key)
@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.kind)
def test_unit_worst_case_bounds_sizes(codec, unit):
    rng = np.random.default_rng(0)
    shape = (3, 16, 24)
    # Every registered codec declares a worst case for every kind of unit (the analysis needs it).
    worst = codec.unit_worst_case_bits(shape, unit)
    maps = [np.zeros(shape, np.int16), rng.integers(-32768, 32767, shape).astype(np.int16),
            (rng.random(shape) < 0.5).astype(np.int16) * 7]
    for m in maps:
        sizes = codec.unit_sizes_bits(m, unit)
        assert sizes.shape == worst.shape
        assert (sizes <= worst).all()
    if codec.fixed_size:
        assert (codec.unit_sizes_bits(maps[1], unit) == worst).all()
