"""Where each traffic stream's bytes lie in the DRAM: the scenario's address regions, resolved and checked.

**Streams.** Each other master is one stream; each DMA channel c of the accelerator is two, its
loads and its stores, or one for both when the banks are too few to split them (below). A stream
lays its bytes out one after the other, so it fills a row before it moves to the next.

**Regions** (``soc.dma.regions``, ``masters[i].region``; ``socsim.scenario.RegionSpec``). A region
is one bank and a range of its rows: the stream's k-th byte lies in row first_row + ⌊k/row_bytes⌋
mod rows of that bank (a random-address master opens row first_row + (a random number mod rows)
per request). On a chip this is bank partitioning (a bank-high address map, or page colouring by
the operating system): streams in different banks never close each other's rows; streams whose
regions lie in one bank *share* it, and every switch between them there is a row conflict. The
bank index counts over the ranks; the command-level device places bank B at rank B // (banks per
rank), bank group (B mod banks per rank) mod bank groups and bank (B mod banks per rank) // bank
groups, so consecutive indices alternate bank groups (``socsim.soc.command_controller``).

**Rules** (``region_problems``, each a one-line error naming the field and its value):

- a region lies inside the DRAM: bank < banks (over the ranks) and, on the command-level device,
  first_row + rows ≤ its rows per bank (the reduced timing model does not bound rows);
- regions may share a bank, never a row: two streams in one row would be one buffer written by
  two requesters, which this model does not describe (and the analysis charges a shared bank a row
  conflict per burst, which only holds when the streams' rows differ);
- a region has at least two rows (a stream confined to one row would never leave it, so neither
  its row conflicts nor its refresh reopenings would match the fluid fidelity's per-row costs);
- ``soc.dma.regions`` gives every channel both a loads and a stores region (the two are then
  separate streams), one entry per channel;
- a region given explicitly may not lie in a bank where a stream without a region is placed (the
  default layout below interleaves the rows of that bank; give that stream a region too).

**Default layout** (no region given: the bank-partitioned map of ``socsim.model.dram``). With n
banks, channels C and M other masters the DMA directions are split when regions are given for the
DMA or 2C + M ≤ n. Streams are numbered channel by channel (loads 2c and stores 2c + 1, or c), then
the masters in scenario order; stream s of S lies in bank s mod n, its row r in bank row r·S + s,
so streams that share a bank (S > n) use disjoint rows and never wrap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socsim.scenario import RegionSpec


@dataclass(frozen=True)
class Place:
    """One stream's region, resolved: its bank and the bank row of each of its rows."""

    bank: int
    """Bank, counted over the ranks (index)."""
    first_row: int
    """Bank row of the stream's first row (index)."""
    stride: int = 1
    """Bank rows from one of the stream's rows to the next (count; > 1 only in the default layout)."""
    rows: int = 0
    """Rows before the stream wraps around to its first; 0: it never wraps (count)."""

    def row(self, r: int) -> int:
        """Bank row of the stream's row ``r`` (its bytes r·row_bytes to (r + 1)·row_bytes − 1) (index)."""
        return self.first_row + (r % self.rows if self.rows else r) * self.stride

    def span(self) -> tuple[int, float]:
        """[first, end) of the bank rows the stream may use (end infinite when it never wraps)."""
        return self.first_row, (self.first_row + self.rows if self.rows else float("inf"))


@dataclass(frozen=True)
class Layout:
    """Every stream's place: per DMA channel (loads, stores), and per other master."""

    channels: tuple[tuple[Place, Place], ...]
    """Per DMA channel: the place of its loads and of its stores (the same stream when not ``split``)."""
    split: bool
    """Each channel's loads and stores are separate streams."""
    masters: tuple[Place, ...]
    """Per other master, in scenario order: its place."""

    def streams(self) -> list[Place]:
        """The place of every stream: the channels' (loads, then stores when split), then the masters'."""
        out = [p for ch in self.channels for p in (ch if self.split else ch[:1])]
        return out + list(self.masters)

    @property
    def stream_count(self) -> int:
        """Streams of the layout (count)."""
        return len(self.streams())

    def _users(self) -> Counter:
        return Counter(p.bank for p in self.streams())

    def shared(self, place: Place) -> bool:
        """Whether another stream lies in the bank of ``place``."""
        return self._users()[place.bank] > 1

    @property
    def any_shared(self) -> bool:
        """Whether some bank holds two streams or more."""
        return any(n > 1 for n in self._users().values())

    @property
    def npu_shared(self) -> bool:
        """Whether a stream of the accelerator shares its bank with another stream."""
        users = self._users()
        return any(users[p.bank] > 1 for ch in self.channels for p in ch)

    @property
    def npu_self_shared(self) -> bool:
        """Whether two streams of the accelerator lie in one bank."""
        banks = [p.bank for ch in self.channels for p in (ch if self.split else ch[:1])]
        return len(set(banks)) < len(banks)


def splits_directions(banks: int, channels: int, masters: int) -> bool:
    """Default layout: whether each DMA channel's loads and stores are separate streams, 2C + M ≤ n."""
    return 2 * channels + masters <= banks


def default_layout(banks: int, channels: int, masters: int, split: bool | None = None) -> Layout:
    """The bank-partitioned layout of the module docstring (``split`` None: by ``splits_directions``)."""
    if split is None:
        split = splits_directions(banks, channels, masters)
    count = (2 if split else 1) * channels + masters

    def place(s: int) -> Place:
        return Place(s % banks, s, count)

    if split:
        chans = tuple((place(2 * c), place(2 * c + 1)) for c in range(channels))
    else:
        chans = tuple((place(c), place(c)) for c in range(channels))
    first = (2 if split else 1) * channels
    return Layout(chans, split, tuple(place(first + k) for k in range(masters)))


def _explicit(region: "RegionSpec", bank_rows: int | None) -> Place:
    rows = region.rows if region.rows is not None else (bank_rows - region.first_row if bank_rows else 0)
    return Place(region.bank, region.first_row, 1, max(0, rows))


def resolve(banks: int, bank_rows: int | None, channels: int, dma_regions: Sequence[Any] | None,
            master_regions: Sequence["RegionSpec | None"]) -> Layout:
    """The layout of a scenario's regions (module docstring): given ones as given, the others by default.

    ``banks``: banks over the ranks; ``bank_rows``: rows per bank, None where unbounded;
    ``dma_regions``: per channel an object with ``loads`` and ``stores`` regions, or None."""
    base = default_layout(banks, channels, len(master_regions), True if dma_regions else None)
    chans = base.channels
    if dma_regions:
        chans = tuple((_explicit(r.loads, bank_rows), _explicit(r.stores, bank_rows)) for r in dma_regions)
    masters = tuple(p if r is None else _explicit(r, bank_rows) for p, r in zip(base.masters, master_regions))
    return Layout(chans, base.split, masters)


def scenario_layout(soc: Any, masters: Sequence[Any]) -> Layout:
    """The layout of a scenario's chip (``SocSpec``) and other masters (``soc.dram.address_space``)."""
    banks, rows = soc.dram.address_space
    return resolve(banks, rows, soc.dma.channels, soc.dma.regions, [m.region for m in masters])


def _named(layout: Layout, dma_regions: Sequence[Any] | None, master_regions: Sequence[Any]) -> list[tuple[str, Any]]:
    """(name, region or None) of every stream, in ``layout.streams()`` order: the field path of a
    given region, a description of a stream placed by default."""
    out: list[tuple[str, Any]] = []
    for c in range(len(layout.channels)):
        if dma_regions:
            out += [(f"soc.dma.regions[{c}].loads", dma_regions[c].loads),
                    (f"soc.dma.regions[{c}].stores", dma_regions[c].stores)]
        elif layout.split:
            out += [(f"the accelerator's channel {c} loads", None), (f"the accelerator's channel {c} stores", None)]
        else:
            out.append((f"the accelerator's channel {c}", None))
    return out + [(f"masters[{k}].region" if r is not None else f"masters[{k}]", r) for k, r in enumerate(master_regions)]


def _bounds_problems(banks: int, bank_rows: int | None, named: list[tuple[str, Any]]) -> list[str]:
    """Regions that leave the DRAM (module docstring, first rule)."""
    problems = []
    for field, r in named:
        if r is None:
            continue
        if r.bank >= banks:
            problems.append(f"{field}.bank={r.bank}: the DRAM has {banks} banks (0 to {banks - 1})")
        elif bank_rows is not None and r.rows is not None and r.first_row + r.rows > bank_rows:
            problems.append(f"{field}.rows={r.rows}: rows {r.first_row} to {r.first_row + r.rows - 1} pass "
                            f"the bank's last row {bank_rows - 1}")
        elif bank_rows is not None and r.rows is None and bank_rows - r.first_row < 2:
            problems.append(f"{field}.first_row={r.first_row}: leaves fewer than 2 of the bank's {bank_rows} rows")
    return problems


def region_problems(banks: int, bank_rows: int | None, channels: int, dma_regions: Sequence[Any] | None,
                    master_regions: Sequence[Any]) -> list[str]:
    """One line per broken rule of the module docstring (field path and value), empty when the regions hold."""
    if dma_regions and len(dma_regions) != channels:
        return [f"soc.dma.regions: {len(dma_regions)} entries for soc.dma.channels={channels} (one per channel)"]
    layout = resolve(banks, bank_rows, channels, dma_regions, master_regions)
    named = _named(layout, dma_regions, master_regions)
    problems = _bounds_problems(banks, bank_rows, named)
    if problems:
        return problems
    places = layout.streams()
    for i, (pi, (fi, ri)) in enumerate(zip(places, named)):
        for pj, (fj, rj) in zip(places[:i], named[:i]):
            if pi.bank != pj.bank or (ri is None and rj is None):
                continue
            if ri is not None and rj is not None:
                (a0, a1), (b0, b1) = pi.span(), pj.span()
                if a0 < b1 and b0 < a1:
                    problems.append(f"{fi}: rows {a0} to {_last(a1)} of bank {pi.bank} overlap {fj} "
                                    f"(rows {b0} to {_last(b1)}); regions may share a bank, not a row")
            else:
                mine, other = (fi, fj) if ri is not None else (fj, fi)
                problems.append(f"{mine}.bank={pi.bank}: {other} lies in that bank by default "
                                f"(it has no region); give it one too")
    return problems


def _last(end: float) -> str:
    return "the last" if end == float("inf") else str(int(end) - 1)
