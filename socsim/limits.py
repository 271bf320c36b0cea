"""The range of every number a user gives socsim, as constrained pydantic types.

Every float is finite (YAML's ``.inf`` and ``.nan`` are refused) and every count, size, rate and
time has a documented range: wide enough for any real chip, camera or network, narrow enough that
the arithmetic stays exact in int64 and finite in float64 and that a run ends. A value outside its
range is a one-line ``ScenarioError`` naming the field, the value and the bound.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

SEED_MAX = 2**63 - 1
"""Largest seed: numpy and torch take signed 64-bit seeds."""
FRAMES_MAX = 10_000
"""Most frames one run simulates (each is a forward pass of the network)."""
PIXELS_MAX = 16_384
"""Longest side of an image in pixels: network inputs, ISP and display frames."""
COUNT_MAX = 65_536
"""Most units of one kind: PE rows or columns, DMA channels, bursts in flight, DRAM banks, ..."""
BYTES_MAX = 2**30
"""Largest size in bytes (1 GiB) of what a master or the DRAM holds or moves at once: requests,
σ, FIFOs, budgets, rows, write batches, SRAM, transfer chunks."""
BURST_BYTES_MAX = 4096
"""Largest bus burst in bytes (an AXI burst never crosses a 4 KiB page)."""
CYCLES_MAX = 1_000_000
"""Longest pipeline latency or DRAM timing parameter in cycles."""
DRAM_ROWS_MAX = 2**20
"""Most rows in one DRAM bank (DDR5 has 2^17)."""
PRIORITY_MAX = 2**31 - 1
"""Largest fixed-priority level (and the negative of the smallest)."""
HEADROOM_BITS_MAX = 16
"""Most extra integer bits above a layer's calibrated range (a 16-bit format has 15 value bits)."""
FREQ_MHZ_MIN, FREQ_MHZ_MAX = 1.0, 100_000.0
"""Clock range (MHz): 1 MHz to 100 GHz."""
GBPS_MIN, GBPS_MAX = 1e-6, 1e6
"""Bandwidth and rate range (GB/s): 1 kB/s to 1 PB/s."""
NS_MAX = 1e9
"""Longest latency, DRAM timing parameter, slot or period in ns (one second)."""
MS_MIN, MS_MAX = 1e-6, 60_000.0
"""Deadline and frame period range (ms): 1 ns to one minute."""
FPS_MIN, FPS_MAX = 1e-3, 10_000.0
"""Frame rate range of ISPs and displays (1/s)."""
MASTERS_MAX = 256
"""Most other bus masters in one scenario."""
WORKERS_MAX = 256
"""Most parallel workers of one command: sweep points (processes or threads), torch threads."""
EPOCHS_MAX = 100_000
"""Most training passes of ``socsim train-masks``."""
NAME_MAX = 128
"""Longest name (characters) of a scenario or sweep; it becomes a folder name."""

Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]
Frames = Annotated[int, Field(ge=1, le=FRAMES_MAX)]
Pixels = Annotated[int, Field(ge=1, le=PIXELS_MAX)]
Count = Annotated[int, Field(ge=1, le=COUNT_MAX)]
Bytes = Annotated[int, Field(ge=1, le=BYTES_MAX)]
BurstBytes = Annotated[int, Field(ge=1, le=BURST_BYTES_MAX)]
NonNegativeBytes = Annotated[int, Field(ge=0, le=BYTES_MAX)]
Kib = Annotated[int, Field(ge=1, le=BYTES_MAX // 1024)]
NonNegativeCount = Annotated[int, Field(ge=0, le=COUNT_MAX)]
DramRows = Annotated[int, Field(ge=1, le=DRAM_ROWS_MAX)]
Cycles = Annotated[int, Field(ge=0, le=CYCLES_MAX)]
PositiveCycles = Annotated[int, Field(ge=1, le=CYCLES_MAX)]
Priority = Annotated[int, Field(ge=-PRIORITY_MAX, le=PRIORITY_MAX)]
HeadroomBits = Annotated[int, Field(ge=0, le=HEADROOM_BITS_MAX)]
FreqMhz = Annotated[float, Field(ge=FREQ_MHZ_MIN, le=FREQ_MHZ_MAX, allow_inf_nan=False)]
Gbps = Annotated[float, Field(ge=GBPS_MIN, le=GBPS_MAX, allow_inf_nan=False)]
Ns = Annotated[float, Field(ge=0.0, le=NS_MAX, allow_inf_nan=False)]
PositiveNs = Annotated[float, Field(gt=0.0, le=NS_MAX, allow_inf_nan=False)]
Ms = Annotated[float, Field(ge=MS_MIN, le=MS_MAX, allow_inf_nan=False)]
Fps = Annotated[float, Field(ge=FPS_MIN, le=FPS_MAX, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]


def _file_name(name: str) -> str:
    """``name`` if it can be a folder name of its own; else ValueError: empty, too long, a path,
    hidden, or holding control characters."""
    if not name:
        raise ValueError("must not be empty")
    if len(name) > NAME_MAX:
        raise ValueError(f"must be at most {NAME_MAX} characters")
    if any(ch in name for ch in "/\\") or name.startswith("."):
        raise ValueError("must be a file name: no '/' or '\\', no leading '.'")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError("must not hold control characters")
    return name


FileName = Annotated[str, AfterValidator(_file_name)]
"""A name that becomes a folder name (scenarios, sweeps)."""
