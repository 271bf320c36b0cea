"""A master's requests as the fast fidelity's arrivals: lumps that arrive whole, and smooth rates.

Requests made at one instant that add up to at least ``lump_bytes`` (a display line, a CPU's
clump, a token bucket's initial burst) arrive whole at their time: the master's backlog jumps.
The other requests arrive as a piecewise-constant rate: per window of ``window_ns`` the bytes
requested in it, and consecutive windows merge into one segment while the merged rate keeps the
fluid within ``lump_bytes`` of the requests at every window edge (segments do not cross blocks of
``BLOCK`` windows). So a steady master needs one segment per block.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from socsim.model.masters import RequestCursor

BLOCK = 256
"""Windows generated at a time (count)."""


def arrivals(requests: RequestCursor, window_ns: float, lump_bytes: float) -> Iterator[tuple[float, float, float | None]]:
    """(time ns, bytes arriving whole then, smooth rate from then on or None if unchanged), in time order.

    Reads ``requests`` a block at a time and drops what lies before the previous block: the events
    of a block are taken once its first one is due, so the requests since one window before that
    block stay held for ``RequestCursor.bytes_before`` at any time an event of it is pending."""
    k0 = 0
    while True:
        lo_t, hi_t = k0 * window_ns, (k0 + BLOCK) * window_ns
        requests.drop_before(lo_t - (BLOCK + 1) * window_ns)
        times, sizes = requests.until(hi_t)
        lo = int(np.searchsorted(times, lo_t, side="left"))
        times, sizes = times[lo:], sizes[lo:].astype(float)
        lumps_t, lumps_b, smooth_t, smooth_b = _split_lumps(times, sizes, lump_bytes)
        idx = ((smooth_t - lo_t) // window_ns).astype(np.int64)
        per_window = np.bincount(idx, weights=smooth_b, minlength=BLOCK)[:BLOCK]
        events: list[tuple[float, int, float, float | None]] = []
        for first, per in merge_windows(per_window, lump_bytes):
            events.append((lo_t + first * window_ns, 0, 0.0, per / window_ns))
        for t, nbytes in zip(lumps_t.tolist(), lumps_b.tolist()):
            events.append((t, 1, nbytes, None))
        events.sort(key=lambda e: (e[0], e[1]))
        for t, _, nbytes, rate in events:
            yield t, nbytes, rate
        k0 += BLOCK


def _split_lumps(times: np.ndarray, sizes: np.ndarray, lump_bytes: float):
    """(lump times, lump bytes, other request times, their bytes): requests grouped by instant."""
    if len(times) == 0:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    starts = np.flatnonzero(np.r_[True, times[1:] != times[:-1]])
    group_bytes = np.add.reduceat(sizes, starts)
    group_t = times[starts]
    big = group_bytes >= lump_bytes
    in_big = np.repeat(big, np.diff(np.r_[starts, len(times)]))
    return group_t[big], group_bytes[big], times[~in_big], sizes[~in_big]


def merge_windows(per_window: np.ndarray, tolerance: float) -> list[tuple[int, float]]:
    """(first window, bytes per window) of each segment: windows merge while one straight line from
    the segment's first edge to its last stays within ``tolerance`` bytes of every edge between."""
    cum = np.concatenate([[0.0], np.cumsum(per_window)]).tolist()
    out: list[tuple[int, float]] = []
    i = 0
    lo, hi = -math.inf, math.inf
    for j in range(1, len(cum)):
        slope = (cum[j] - cum[i]) / (j - i)
        if not lo <= slope <= hi:
            # The segment [i, j−1] is the longest that fits; the next one starts at its end.
            out.append((i, (cum[j - 1] - cum[i]) / (j - 1 - i)))
            i = j - 1
            lo, hi = -math.inf, math.inf
        lo = max(lo, (cum[j] - cum[i] - tolerance) / (j - i))
        hi = min(hi, (cum[j] - cum[i] + tolerance) / (j - i))
    out.append((i, (cum[-1] - cum[i]) / (len(cum) - 1 - i)))
    return out
