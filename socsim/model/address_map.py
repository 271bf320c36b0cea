"""Physical address → (rank, bank group, bank, row, column) by a bit-order scheme, as DRAMsim3 writes it.

A scheme names six two-letter fields from the most significant bit down, e.g. ``rochrababgco``:
row, channel, rank, bank, bank group, column. The lowest log2(burst bytes) bits select a byte
inside one burst; above them the fields follow one another from the last (least significant)
field of the scheme upward, each log2(count) bits wide (DRAMsim3 ``Config::SetAddressMapping``).
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("ch", "ra", "bg", "ba", "ro", "co")
"""Field tokens: channel, rank, bank group, bank in its group, row, burst column."""


@dataclass(frozen=True)
class DramAddress:
    """One burst's place in the DRAM (indices, counted from 0)."""

    rank: int
    """Rank (index)."""
    bankgroup: int
    """Bank group in the rank (index)."""
    bank: int
    """Bank in its bank group (index)."""
    row: int
    """Row in the bank (index)."""
    column: int
    """Burst column in the row (index, in bursts)."""


def _log2(n: int, name: str) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"{name}={n}: must be a power of two")
    return n.bit_length() - 1


@dataclass(frozen=True)
class AddressMap:
    """Bit positions of the fields of a scheme (positions and widths in bits)."""

    scheme: str
    """Field order from the most significant bit, e.g. rochrababgco."""
    shift: int
    """Bits below the fields: log2(burst bytes) (bits)."""
    positions: tuple[tuple[str, int, int], ...]
    """Per field (token, lowest bit, width) (bits)."""

    @classmethod
    def of(cls, scheme: str, burst_bytes: int, counts: dict[str, int]) -> AddressMap:
        """The map of ``scheme`` for a burst size and per-field counts (ch, ra, bg, ba, ro, co: bursts per row)."""
        tokens = [scheme[i:i + 2] for i in range(0, len(scheme), 2)]
        if len(scheme) != 12 or sorted(tokens) != sorted(FIELDS):
            raise ValueError(f"address_mapping={scheme!r}: needs each of {', '.join(FIELDS)} once")
        pos = _log2(burst_bytes, "burst_bytes")
        shift = pos
        out = []
        for token in reversed(tokens):
            width = _log2(counts[token], token)
            out.append((token, pos, width))
            pos += width
        return cls(scheme, shift, tuple(out))

    def decode(self, addr: int) -> DramAddress:
        """The (rank, bank group, bank, row, column) of byte address ``addr`` (channel bits ignored)."""
        f = {token: (addr >> pos) & ((1 << width) - 1) for token, pos, width in self.positions}
        return DramAddress(f["ra"], f["bg"], f["ba"], f["ro"], f["co"])

    def encode(self, a: DramAddress) -> int:
        """The byte address of the first byte of burst ``a`` (channel 0)."""
        values = {"ch": 0, "ra": a.rank, "bg": a.bankgroup, "ba": a.bank, "ro": a.row, "co": a.column}
        addr = 0
        for token, pos, width in self.positions:
            addr |= (values[token] & ((1 << width) - 1)) << pos
        return addr
