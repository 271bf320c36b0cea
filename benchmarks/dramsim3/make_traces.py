"""Saturating DRAMsim3 trace files for the standard access patterns, with addresses built from a config's address map.

A trace line is ``0x<addr> READ|WRITE 0``: one DRAM burst (the config's request size, bus width × BL
bytes) per line, every line due at cycle 0, so DRAMsim3's trace CPU issues a request whenever the
controller accepts one and the delivered bandwidth is what the DRAM and its controller can serve.
Requests of several bursts are written as that many consecutive burst addresses. Usage:

    python benchmarks/dramsim3/make_traces.py CONFIG.ini OUT_DIR [--bursts N] [--seed S]

writes one ``<pattern>.trace`` per pattern into OUT_DIR. ``run_reference.py`` and
``benchmarks/dram_vs_dramsim3.py`` import the same generators, so both simulators see one stream.
"""

from __future__ import annotations

import argparse
import configparser
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIELDS = ("ch", "ra", "bg", "ba", "ro", "co")


@dataclass(frozen=True)
class Geometry:
    """A DRAMsim3 config's organisation and address map (sizes in bytes, times in ns)."""

    protocol: str
    """DRAM standard as DRAMsim3 names it, e.g. DDR4 or LPDDR4."""
    channels: int
    """Channels (count)."""
    ranks: int
    """Ranks per channel, from channel_size as DRAMsim3 computes it (count)."""
    bankgroups: int
    """Bank groups per rank (count)."""
    banks_per_group: int
    """Banks per bank group (count)."""
    rows: int
    """Rows per bank (count)."""
    columns: int
    """Columns per row of one device (count)."""
    bl: int
    """Burst length (beats)."""
    bus_width_bits: int
    """Data bus width of the rank (bits)."""
    device_width_bits: int
    """Data width of one device (bits)."""
    tck_ns: float
    """Clock period (ns)."""
    address_mapping: str
    """Field order from the most significant bit, e.g. rochrababgco."""

    @property
    def banks(self) -> int:
        """Banks per rank (count)."""
        return self.bankgroups * self.banks_per_group

    @property
    def burst_bytes(self) -> int:
        """Bytes of one request (one burst): bus width × BL / 8 (bytes)."""
        return self.bus_width_bits // 8 * self.bl

    @property
    def burst_cycles(self) -> int:
        """Data-bus clocks of one burst, BL / 2 for the DDR protocols used here (cycles)."""
        return self.bl // 2

    @property
    def peak_gbps(self) -> float:
        """Peak data bandwidth: one burst per burst_cycles clocks (GB/s = bytes/ns)."""
        return self.burst_bytes / (self.burst_cycles * self.tck_ns)

    @property
    def bursts_per_row(self) -> int:
        """Bursts in one row of the rank (count)."""
        return self.columns // self.bl

    @property
    def row_bytes(self) -> int:
        """One row across the rank's devices (bytes)."""
        return self.bursts_per_row * self.burst_bytes

    @property
    def capacity_bytes(self) -> int:
        """Bytes addressed by the map: channels × ranks × banks × rows × row_bytes (bytes)."""
        return self.channels * self.ranks * self.banks * self.rows * self.row_bytes

    def _widths(self) -> dict[str, int]:
        counts = {"ch": self.channels, "ra": self.ranks, "bg": self.bankgroups, "ba": self.banks_per_group,
                  "ro": self.rows, "co": self.bursts_per_row}
        return {k: v.bit_length() - 1 for k, v in counts.items()}

    def positions(self) -> dict[str, tuple[int, int]]:
        """Per field (bit position, width) in the byte address, as DRAMsim3's Config::SetAddressMapping."""
        widths = self._widths()
        tokens = [self.address_mapping[i:i + 2] for i in range(0, len(self.address_mapping), 2)]
        if sorted(tokens) != sorted(FIELDS):
            raise ValueError(f"address_mapping={self.address_mapping!r}: needs each of {FIELDS} once")
        pos = self.burst_bytes.bit_length() - 1
        out = {}
        for token in reversed(tokens):
            out[token] = (pos, widths[token])
            pos += widths[token]
        return out

    def encode(self, bank: int, row: int, col: int, rank: int = 0) -> int:
        """Byte address of burst ``col`` of ``row`` in flat bank ``bank`` (bank group varies fastest)."""
        values = {"ch": 0, "ra": rank, "bg": bank % self.bankgroups, "ba": bank // self.bankgroups,
                  "ro": row, "co": col}
        addr = 0
        for name, (pos, width) in self.positions().items():
            addr |= (values[name] & ((1 << width) - 1)) << pos
        return addr

    def decode(self, addr: int) -> tuple[int, int, int]:
        """(flat bank, row, burst column) of a byte address, the inverse of ``encode`` for rank 0."""
        f = {name: (addr >> pos) & ((1 << width) - 1) for name, (pos, width) in self.positions().items()}
        return f["ba"] * self.bankgroups + f["bg"], f["ro"], f["co"]


def load_geometry(config: Path) -> Geometry:
    """The Geometry of a DRAMsim3 .ini file (ranks computed from channel_size as DRAMsim3 does)."""
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(config)
    s, t, y = ini["dram_structure"], ini["timing"], ini["system"]
    bus, dev = y.getint("bus_width"), s.getint("device_width")
    rows, columns = s.getint("rows"), s.getint("columns")
    banks = s.getint("bankgroups") * s.getint("banks_per_group")
    megs_per_rank = columns * dev // 8 * (rows // 1024) // 1024 * banks * (bus // dev)
    return Geometry(
        protocol=s["protocol"], channels=y.getint("channels"), ranks=max(1, y.getint("channel_size") // megs_per_rank),
        bankgroups=s.getint("bankgroups"), banks_per_group=s.getint("banks_per_group"), rows=rows, columns=columns,
        bl=s.getint("BL"), bus_width_bits=bus, device_width_bits=dev, tck_ns=t.getfloat("tCK"),
        address_mapping=y["address_mapping"],
    )


Burst = tuple[int, bool]
"""One trace line: (byte address, is_write)."""


@dataclass(frozen=True)
class Pattern:
    """A standard access pattern: its parameters and its burst generator (geometry, bursts, seed → bursts)."""

    name: str
    """Key in the fixture."""
    layout: str
    """Address layout in words."""
    read_fraction: float
    """Share of bursts that are reads (0..1)."""
    request_bursts: int
    """Bursts per request; a request is that many consecutive bursts of one row (count)."""
    generate: Callable[[Geometry, int, int], list[Burst]]
    """(geometry, number of bursts, seed) → the bursts in issue order."""


def _linear(g: Geometry, n: int, base: int = 0, write: bool = False) -> list[Burst]:
    return [(base + k * g.burst_bytes, write) for k in range(n)]


def seq_read(g: Geometry, n: int, seed: int) -> list[Burst]:
    """One stream reading consecutive addresses from 0."""
    return _linear(g, n)


def seq_write(g: Geometry, n: int, seed: int) -> list[Burst]:
    """One stream writing consecutive addresses from 0."""
    return _linear(g, n, write=True)


def seq_mix(g: Geometry, n: int, seed: int) -> list[Burst]:
    """Two reads then one write: a read stream from 0, a write stream from the row rows/2 of bank 0."""
    write_base = g.encode(0, g.rows // 2, 0)
    out, reads, writes = [], 0, 0
    for k in range(n):
        if k % 3 == 2:
            out.append((write_base + writes * g.burst_bytes, True))
            writes += 1
        else:
            out.append((reads * g.burst_bytes, False))
            reads += 1
    return out


def random_read(g: Geometry, n: int, seed: int) -> list[Burst]:
    """Single-burst reads at uniformly random burst-aligned addresses over the whole device."""
    rng = random.Random(seed)
    slots = g.capacity_bytes // g.burst_bytes
    return [(rng.randrange(slots) * g.burst_bytes, False) for _ in range(n)]


def one_bank_seq(g: Geometry, n: int, seed: int) -> list[Burst]:
    """One stream reading bank 0 only: every burst of row 0, then of row 1, and so on."""
    per_row = g.bursts_per_row
    return [(g.encode(0, (k // per_row) % g.rows, k % per_row), False) for k in range(n)]


def row_conflicts(g: Geometry, n: int, seed: int) -> list[Burst]:
    """Reads of bank 0 where every burst is in the next row (column 0): no row is hit twice."""
    return [(g.encode(0, k % g.rows, 0), False) for k in range(n)]


def two_streams_one_bank(g: Geometry, n: int, seed: int) -> list[Burst]:
    """Two sequential read streams of bank 0, one from row 0 and one from row rows/2, alternating bursts."""
    per_row = g.bursts_per_row
    out = []
    for k in range(n):
        i = k // 2
        row = (i // per_row + (g.rows // 2) * (k % 2)) % g.rows
        out.append((g.encode(0, row, i % per_row), False))
    return out


def interleaved(request_bursts: int) -> Callable[[Geometry, int, int], list[Burst]]:
    """Generator of sequential reads spread over all banks, ``request_bursts`` consecutive bursts per request."""

    def generate(g: Geometry, n: int, seed: int) -> list[Burst]:
        per_row = g.bursts_per_row
        out = []
        for k in range(n):
            j, inside = divmod(k, request_bursts)
            bank, turn = j % g.banks, j // g.banks
            local = turn * request_bursts + inside
            out.append((g.encode(bank, (local // per_row) % g.rows, local % per_row), False))
        return out

    return generate


def patterns(g: Geometry) -> list[Pattern]:
    """The standard patterns on a geometry (interleaved request sizes: one burst, 256 B, 4 KiB)."""
    out = [Pattern(name, fn.__doc__, read_fraction, 1, fn) for name, read_fraction, fn in [
        ("seq_read", 1.0, seq_read), ("seq_write", 0.0, seq_write), ("seq_mix_2r1w", 2 / 3, seq_mix),
        ("random_read", 1.0, random_read), ("one_bank_seq_read", 1.0, one_bank_seq),
        ("row_conflict_read", 1.0, row_conflicts), ("two_streams_one_bank", 1.0, two_streams_one_bank),
    ]]
    b = g.burst_bytes
    for size in sorted({b, 256, 4096}):
        if size >= b and size % b == 0:
            layout = (f"Sequential reads spread over all banks in requests of {size} B: request j goes to bank "
                      f"j mod {g.banks} (bank group fastest), each bank's requests follow one another in its rows.")
            out.append(Pattern(f"interleaved_read_{size}", layout, 1.0, size // b, interleaved(size // b)))
    return out


def write_trace(path: Path, bursts: list[Burst]) -> None:
    """Write bursts as a DRAMsim3 trace, every line due at cycle 0."""
    with open(path, "w") as f:
        f.writelines(f"0x{a:x} {'WRITE' if w else 'READ'} 0\n" for a, w in bursts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path, help="DRAMsim3 .ini file")
    ap.add_argument("out_dir", type=Path, help="folder for the .trace files")
    ap.add_argument("--bursts", type=int, default=50_000, help="trace lines per pattern")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random patterns")
    args = ap.parse_args()
    g = load_geometry(args.config)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for p in patterns(g):
        write_trace(args.out_dir / f"{p.name}.trace", p.generate(g, args.bursts, args.seed))
        print(args.out_dir / f"{p.name}.trace")


if __name__ == "__main__":
    main()
