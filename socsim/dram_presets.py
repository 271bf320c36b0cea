"""Named DRAMs: peak bandwidth, pipeline latency and timing, each number with its source.

The registry ``socsim.registry.DRAM_PRESETS`` names them (``soc.dram.preset`` in a scenario);
outside packages add presets through the ``socsim.dram_presets`` entry-point group.
"""

from __future__ import annotations

from dataclasses import dataclass

from socsim.scenario import DramDeviceSpec, DramTimingSpec


@dataclass(frozen=True)
class DramPreset:
    """A named DRAM: peak bandwidth, pipeline latency, timing and where the numbers come from."""

    peak_gbps: float
    """Data rate (MT/s) × interface width (bytes) (GB/s)."""
    latency_ns: float
    """Pipeline latency from the end of a data phase to the data at the master, RL included (ns)."""
    timing: DramTimingSpec
    """Timing parameters."""
    source: str
    """Where each number comes from."""
    device: DramDeviceSpec | None = None
    """Command-level device (organisation and JEDEC timing in clocks) for ``soc.dram.model: command``."""


# LPDDR4-3200, 64-bit interface = 4 × x16 channels in lockstep, 8 Gb per channel die.
# JESD209-4B (LPDDR4): tCK = 0.625 ns at 3200 MT/s; 8 banks and a 2 KB page per x16 channel
# (row 4 × 2 KiB = 8 KiB); tRCD = tRPpb = 18 ns; RL = 28 nCK (no DBI) = 17.5 ns;
# tWTR = max(10 ns, 8 nCK) = 10 ns; tRFCab = 280 ns (8 Gb); tREFI = 3.904 µs (≤85 °C).
# Peak 3200 MT/s × 8 B = 25.6 GB/s. W→R gap = tWTR + RL = 27.5 ns; R→W gap ≈ 5 ns
# (tDQSCK max 3.5 ns + preamble/postamble, estimated from the RD→WR spacing rule).
# latency_ns (100 ns) and write_batch_bytes (32 entries × 64 B per channel) are controller
# assumptions, not JEDEC numbers.
LPDDR4_3200 = DramPreset(
    25.6, 100.0,
    DramTimingSpec(channels=4, banks=8, row_bytes=8192, t_cl_ns=17.5, t_rcd_ns=18.0, t_rp_ns=18.0,
                   t_rfc_ns=280.0, t_refi_ns=3904.0, t_w2r_ns=27.5, t_r2w_ns=5.0, write_batch_bytes=8192),
    "JESD209-4B LPDDR4-3200, 8 Gb/channel; latency and write batch are controller assumptions",
    # Command-level device: the four x16 dies of the 64-bit interface as one lockstep rank, as in
    # DRAMsim3's configs/LPDDR4_8Gb_x16_2400.ini (8 banks, shown as 2 × 4 for its address map,
    # 1024 columns, BL16: 128 B bursts, 8 KiB row). Timings JESD209-4B at 3200 MT/s, each
    # max(ns value, nCK floor) rounded up to clocks of 0.625 ns: RL 28, WL 14 (set A), tRCD = tRPpb
    # = 18 ns, tRAS 42 ns, tRFCab 280 ns, tREFI 3.904 µs, tRRD = tWTR = max(10 ns, 4/8 nCK),
    # tFAW 40 ns, tWR 18 ns, tRTP max(7.5 ns, 8 nCK) (DRAMsim3 keeps 12), tCCD 8 nCK, tPPD 4 nCK;
    # the same numbers as tests/fixtures/dramsim3/LPDDR4_8Gb_x16_3200_1rank.ini.
    DramDeviceSpec(
        protocol="LPDDR4", tCK=0.625, ranks=1, bankgroups=2, banks_per_group=4, rows=65536, columns=1024,
        device_width=16, bus_width=64, BL=16, CL=28, CWL=14, tRCD=29, tRP=29, tRAS=68, tRFC=448, tREFI=6246,
        tRRD_S=16, tRRD_L=16, tWTR_S=16, tWTR_L=16, tFAW=64, tWR=29, tRTP=12, tCCD_S=8, tCCD_L=8, tRTRS=1, tPPD=4,
    ),
)

# LPDDR5-6400, 128-bit interface = 8 × x16 channels in lockstep, 16 Gb per channel die,
# 16-bank mode. JESD209-5B (LPDDR5): CK = 800 MHz (tCK 1.25 ns, WCK:CK 4:1), 2 KB page per x16
# channel (row 8 × 2 KiB = 16 KiB); tRCD = tRPpb = 18 ns; RL = 17 nCK (set 0, no DBI/ECC) =
# 21.25 ns; tWTR_L = 12 ns; tRFCab = 280 ns (16 Gb); tREFI = 3.906 µs (≤85 °C). Cross-checked
# with Ramulator 2's LPDDR5_6400 preset (nRCD 15, nRPpb 15, nWTRL 10 at tCK 1.25 ns; tRFCab
# table 210/280 ns for 8/16 Gb; tREFI 3906 ns). Peak 6400 MT/s × 16 B = 102.4 GB/s.
# W→R gap = tWTR_L + RL = 33.25 ns; R→W gap ≈ 5 ns (estimate). latency_ns (110 ns) and
# write_batch_bytes (32 × 64 B per channel) are controller assumptions.
LPDDR5_6400 = DramPreset(
    102.4, 110.0,
    DramTimingSpec(channels=8, banks=16, row_bytes=16384, t_cl_ns=21.25, t_rcd_ns=18.0, t_rp_ns=18.0,
                   t_rfc_ns=280.0, t_refi_ns=3906.0, t_w2r_ns=33.25, t_r2w_ns=5.0, write_batch_bytes=16384),
    "JESD209-5B LPDDR5-6400, 16 Gb/channel, 16-bank mode; latency and write batch are controller assumptions",
)

# DDR4-3200, speed bin DDR4-3200AA (22-22-22), one 64-bit rank of x8 devices, 8 Gb.
# JESD79-4B (DDR4): tCK = 0.625 ns; CL = tRCD = tRP = 22 nCK = 13.75 ns; CWL = 16 nCK;
# 16 banks (4 bank groups × 4); 1 KB page per x8 device (row 8 × 1 KiB = 8 KiB);
# tWTR_L = max(4 nCK, 7.5 ns) = 7.5 ns; tRFC1 = 350 ns (8 Gb); tREFI = 7.8 µs (≤85 °C).
# Same values in DRAMsim3's DDR4_8Gb_x8_3200.ini (CL/tRCD/tRP 22, tRFC 560 nCK, tREFI 12480 nCK).
# Peak 3200 MT/s × 8 B = 25.6 GB/s. W→R gap = tWTR_L + CL = 21.25 ns; R→W gap = 2 nCK = 1.25 ns
# (RD→WR spacing CL + BL/2 + 2 − CWL). latency_ns (80 ns) and write_batch_bytes (32 × 64 B)
# are controller assumptions.
DDR4_3200 = DramPreset(
    25.6, 80.0,
    DramTimingSpec(channels=1, banks=16, row_bytes=8192, t_cl_ns=13.75, t_rcd_ns=13.75, t_rp_ns=13.75,
                   t_rfc_ns=350.0, t_refi_ns=7800.0, t_w2r_ns=21.25, t_r2w_ns=1.25, write_batch_bytes=2048),
    "JESD79-4B DDR4-3200AA (22-22-22), 8 Gb x8; latency and write batch are controller assumptions",
    # Command-level device: one rank of eight x8 8 Gb devices, DRAMsim3's configs/DDR4_8Gb_x8_3200.ini
    # (commit 29817593) with one rank: 4 bank groups × 4 banks, 65536 rows, 1024 columns, BL8
    # (64 B bursts, 8 KiB row). JESD79-4B DDR4-3200AA: CL = tRCD = tRP = 22, CWL 16, tRAS 52
    # (32 ns), tRFC1 560 (350 ns, 8 Gb), tREFI 12480 (7.8 µs), tRRD_S/L 4/8, tWTR_S/L 4/12,
    # tFAW 34 (x8, 1 KB page: 21 ns), tWR 24 (15 ns), tRTP 12 (7.5 ns), tCCD_S/L 4/8 nCK.
    # tCK is JEDEC's 0.625 ns (DRAMsim3 writes 0.63).
    DramDeviceSpec(
        protocol="DDR4", tCK=0.625, ranks=1, bankgroups=4, banks_per_group=4, rows=65536, columns=1024,
        device_width=8, bus_width=64, BL=8, CL=22, CWL=16, tRCD=22, tRP=22, tRAS=52, tRFC=560, tREFI=12480,
        tRRD_S=4, tRRD_L=8, tWTR_S=4, tWTR_L=12, tFAW=34, tWR=24, tRTP=12, tCCD_S=4, tCCD_L=8, tRTRS=1,
    ),
)
