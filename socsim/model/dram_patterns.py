"""Standard access patterns that characterise a DRAM (``socsim dram``): endless request streams.

Every request is ``request_bytes`` long at a request-size-aligned byte address; a stream advances
one request per step. Patterns (names exact):

- ``seq_read``, ``seq_write``: one sequential stream from address 0;
- ``random_read``: uniform random reads over [0, 1 GiB) (seed 1);
- ``two_read_streams``: reads from 0 and from 512 MiB, interleaved request by request;
- ``two_read_two_write``: reads from 0 and 256 MiB, writes from 512 and 768 MiB, round robin;
- ``read_write``: reads from 0 and writes from 512 MiB, alternating;
- ``row_conflict_read``, ``row_conflict_write``, ``row_conflict_mixed``: request k starts at column 0
  of row k of rank 0, bank group 0, bank 0 of channel 0 (every request opens a new row of one
  bank): reads, writes, alternating read and write;
- ``seq_read@0.1``, ``seq_read@0.5``: ``seq_read`` offered at 10 % and 50 % of peak (for latency);
  every other pattern is saturating (offered as fast as the controller accepts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from socsim.model.address_map import AddressMap, DramAddress

MIB = 1 << 20

PATTERNS = ("seq_read", "seq_write", "random_read", "two_read_streams", "two_read_two_write", "read_write",
            "row_conflict_read", "row_conflict_write", "row_conflict_mixed", "seq_read@0.1", "seq_read@0.5")
"""Every pattern, in the order ``socsim dram`` runs them."""

RANDOM_SPAN_BYTES = 1 << 30
"""random_read draws addresses in [0, 1 GiB) (bytes)."""


@dataclass(frozen=True)
class Pattern:
    """One pattern: its streams (start address, is_write), taken round robin, and its offered load."""

    name: str
    """Pattern name (module docstring)."""
    streams: tuple[tuple[int, bool], ...]
    """Per stream: start byte address and direction; empty for random_read and row_conflict_*."""
    load: float | None = None
    """Offered load as a share of peak; None: saturating."""

    @property
    def writes(self) -> bool:
        """Whether the pattern writes."""
        return self.name in ("row_conflict_write", "row_conflict_mixed") or any(w for _, w in self.streams)


def pattern(name: str) -> Pattern:
    """The pattern named ``name`` (one of ``PATTERNS``); KeyError otherwise."""
    streams = {
        "seq_read": ((0, False),), "seq_write": ((0, True),), "seq_read@0.1": ((0, False),),
        "seq_read@0.5": ((0, False),), "two_read_streams": ((0, False), (512 * MIB, False)),
        "two_read_two_write": ((0, False), (256 * MIB, False), (512 * MIB, True), (768 * MIB, True)),
        "read_write": ((0, False), (512 * MIB, True)),
        "random_read": (), "row_conflict_read": (), "row_conflict_write": (), "row_conflict_mixed": (),
    }[name]
    load = float(name.split("@")[1]) if "@" in name else None
    return Pattern(name, streams, load)


def requests(p: Pattern, amap: AddressMap, rows: int, request_bytes: int, seed: int = 1) -> Iterator[tuple[int, bool]]:
    """The endless (byte address, is_write) requests of pattern ``p`` on address map ``amap``."""
    if p.name == "random_read":
        rng = np.random.default_rng(seed)
        slots = RANDOM_SPAN_BYTES // request_bytes
        while True:
            for k in rng.integers(0, slots, size=4096):
                yield int(k) * request_bytes, False
    if p.name.startswith("row_conflict"):
        k = 0
        while True:
            is_write = p.name == "row_conflict_write" or (p.name == "row_conflict_mixed" and k % 2 == 1)
            yield amap.encode(DramAddress(0, 0, 0, k % rows, 0)), is_write
            k += 1
    offsets = [start for start, _ in p.streams]
    while True:
        for i, (_, is_write) in enumerate(p.streams):
            yield offsets[i], is_write
            offsets[i] += request_bytes
