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
    channels: int = 1
    """Independent channels, each one ``device`` with its own controller (count); peak = channels × the
    device's. The command model of a scenario runs one channel; ``socsim dram`` runs them all."""


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

# LPDDR4X-4266, 64-bit interface = 4 × x16 channels in lockstep, 8 Gb per channel die.
# JESD209-4-1 (LPDDR4X) keeps LPDDR4's core timings (JESD209-4B) and lowers only the I/O voltage,
# so every ns value is the lpddr4-3200 preset's: tRCD = tRPpb = 18 ns, tRAS 42 ns, tRFCab 280 ns
# (8 Gb), tREFI 3.904 µs (≤85 °C), tRRD = tWTR = max(10 ns, 4/8 nCK), tFAW 40 ns, tWR 18 ns,
# tRTP max(7.5 ns, 8 nCK), tCCD 8 nCK (BL16), tPPD 4 nCK. At 4266 MT/s: tCK = 1/2133.3 MHz =
# 0.46875 ns; RL 36 and WL 18 nCK (JESD209-4B read/write latency tables, DBI off, WL set A, the
# 3733 < f ≤ 4266 MT/s row) = 16.875 / 8.4375 ns. In clocks, each ns value divided by tCK and
# rounded up (tREFI rounded down): tRCD = tRP 39, tRAS 90, tRFC 598, tREFI 8328, tRRD = tWTR 22,
# tFAW 86, tWR 39, tRTP 16. Peak 4266 MT/s × 8 B = 34.13 GB/s. W→R gap = tWTR + RL = 26.875 ns;
# R→W gap ≈ 5 ns (the lpddr4-3200 estimate). latency_ns (100 ns) and write_batch_bytes are
# controller assumptions, as for lpddr4-3200. Organisation as lpddr4-3200 (DRAMsim3's
# LPDDR4_8Gb_x16 configs: 8 banks shown as 2 × 4, 65536 rows, 1024 columns, BL16, 8 KiB row).
LPDDR4X_4266 = DramPreset(
    34.133, 100.0,
    DramTimingSpec(channels=4, banks=8, row_bytes=8192, t_cl_ns=16.875, t_rcd_ns=18.0, t_rp_ns=18.0,
                   t_rfc_ns=280.0, t_refi_ns=3904.0, t_w2r_ns=26.875, t_r2w_ns=5.0, write_batch_bytes=8192),
    "JESD209-4-1 LPDDR4X-4266 (JESD209-4B core timings), 8 Gb/channel; latency and write batch are "
    "controller assumptions",
    DramDeviceSpec(
        protocol="LPDDR4", tCK=0.46875, ranks=1, bankgroups=2, banks_per_group=4, rows=65536, columns=1024,
        device_width=16, bus_width=64, BL=16, CL=36, CWL=18, tRCD=39, tRP=39, tRAS=90, tRFC=598, tREFI=8328,
        tRRD_S=22, tRRD_L=22, tWTR_S=22, tWTR_L=22, tFAW=86, tWR=39, tRTP=16, tCCD_S=8, tCCD_L=8, tRTRS=1, tPPD=4,
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
    # Command-level device: the eight x16 channel dies of the 128-bit interface as one lockstep rank,
    # bank-group mode (JESD209-5B: required above 3200 MT/s): 4 bank groups × 4 banks, 65536 rows and
    # 1024 columns of 16 bits per die (16 Gb; Ramulator 2 LPDDR5_16Gb_x16: 4, 4, 1<<16, 1<<10), BL16:
    # 256 B bursts, 16 KiB row. Clocks are WCK periods (tCK 0.3125 ns = 1/3200 MHz; CK 800 MHz is
    # 4 of them), so that a BL16 burst is BL/2 = 8 clocks (2.5 ns) as for every device here; each ns
    # value max(ns, nCK floor) rounded up to those clocks (tREFI down). JESD209-5B via Ramulator 2's
    # LPDDR5_6400 preset (tCK 1.25 ns: nRCD 15, nRPpb 15, nRAS 34, nWR 28, nRRD 4, nWTRS 5, nWTRL 10,
    # nFAW 16, nPPD 2, nCWL 11, nCCD 4 (same bank group; 2 CK = one BL16 burst across groups)):
    # tRCD = tRPpb 18 ns → 58, tRAS 42 ns → 135, tWR 34 ns → 109, tRRD 5 ns → 16, tWTR_S 6.25 ns → 20,
    # tWTR_L 12 ns → 39, tFAW 20 ns → 64, tPPD 2 CK → 8, tCCD_S 2 CK → 8, tCCD_L 4 CK → 16,
    # tRTP 7.5 ns → 24 (JESD209-5B tRTP; Ramulator 2 writes 4 CK), RL 17 CK = 21.25 ns → 68 (the
    # timing above; Ramulator 2 writes 20 with DBI), WL 11 CK = 13.75 ns → 44 (Ramulator 2),
    # tRFCab 280 ns → 896 (16 Gb), tREFI 3.906 µs → 12499. tRTRS 4 (one CK of bus turnaround, as
    # DRAMsim3's tRTRS = 1 nCK on DDR4/LPDDR4; an estimate, one rank only).
    DramDeviceSpec(
        protocol="LPDDR5", tCK=0.3125, ranks=1, bankgroups=4, banks_per_group=4, rows=65536, columns=1024,
        device_width=16, bus_width=128, BL=16, CL=68, CWL=44, tRCD=58, tRP=58, tRAS=135, tRFC=896, tREFI=12499,
        tRRD_S=16, tRRD_L=16, tWTR_S=20, tWTR_L=39, tFAW=64, tWR=109, tRTP=24, tCCD_S=8, tCCD_L=16, tRTRS=4, tPPD=8,
    ),
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

# DDR4-3200, speed bin DDR4-3200AA (22-22-22), one 64-bit rank of four x16 devices, 8 Gb: the
# organisation and timing of DRAMsim3's configs/DDR4_8Gb_x16_3200.ini (commit 29817593) with one rank
# instead of two. JESD79-4B: 2 bank groups × 4 banks per x16 device, 2 KB page (row 4 × 2 KiB =
# 8 KiB), 65536 rows; every number in clocks of tCK 0.625 ns as ddr4-3200 (x8) except those the
# 2 KB page changes: tRRD_S = max(4 nCK, 5.3 ns) = 9, tRRD_L = max(4 nCK, 6.4 ns) = 11, tFAW 30 ns = 48
# (DRAMsim3: 9, 11, 48). latency_ns and write_batch_bytes are controller assumptions, as for x8.
DDR4_3200_X16 = DramPreset(
    25.6, 80.0,
    DramTimingSpec(channels=1, banks=8, row_bytes=8192, t_cl_ns=13.75, t_rcd_ns=13.75, t_rp_ns=13.75,
                   t_rfc_ns=350.0, t_refi_ns=7800.0, t_w2r_ns=21.25, t_r2w_ns=1.25, write_batch_bytes=2048),
    "JESD79-4B DDR4-3200AA (22-22-22), 8 Gb x16 (DRAMsim3 DDR4_8Gb_x16_3200.ini, one rank); latency and write "
    "batch are controller assumptions",
    DramDeviceSpec(
        protocol="DDR4", tCK=0.625, ranks=1, bankgroups=2, banks_per_group=4, rows=65536, columns=1024,
        device_width=16, bus_width=64, BL=8, CL=22, CWL=16, tRCD=22, tRP=22, tRAS=52, tRFC=560, tREFI=12480,
        tRRD_S=9, tRRD_L=11, tWTR_S=4, tWTR_L=12, tFAW=48, tWR=24, tRTP=12, tCCD_S=4, tCCD_L=8, tRTRS=1,
    ),
)

# HBM2 at 2 Gb/s per pin (tCK 1 ns), 8 Gb per channel, pseudo-channel mode (JESD235A/C): each
# 128-bit channel is two independent 64-bit pseudo channels, each with its own 16 banks (4 bank
# groups × 4) of 32768 rows and a 1 KB page (row = 128 columns × 64 bit), BL4: 32 B bursts of
# 2 clocks; the row and column command buses are separate (a row and a column command per clock).
# Timing in clocks of 1 ns, from DRAMsim3's configs/HBM2_8Gb_x128.ini (commit 29817593; the same ns
# values as Ramulator's HBM_1Gbps preset at tCK 2 ns: nCL = nRCD = nRP 7, nRAS 17, nWR 8, nRRDS 2,
# nRRDL 3, nWTRS 3, nWTRL 4, nFAW 15): CL 14, CWL 4, tRCD (tRCDRD = tRCDWR) 14, tRP 14, tRAS 34,
# tRRD_S/L 4/6, tWTR_S/L 6/8, tFAW 30, tWR 16, tCCD_S/L 1/2, tRTP 6 (tRTP_L; DRAMsim3 reads neither
# tRTP_L nor tRTP_S and uses its default 5), tREFI 3.9 µs = 3900; tRFC 350 ns (8 Gb, JESD235C via
# Ramulator 2's HBM2 tRFC table 160/260/350/450 ns for 2/4/8/16 Gb; DRAMsim3 keeps 260, the 4 Gb
# value); tRTRS 2 (DRAMsim3's default). tRRD and tFAW count per pseudo channel (JESD235C Table 3, as
# Ramulator 2's HBM2). Peak per pseudo channel 2 Gb/s × 8 B = 16 GB/s. W→R gap tWTR_L + RL = 22 ns,
# R→W gap tRTRS = 2 ns; latency_ns (60 ns) and write_batch_bytes (32 × 32 B) are controller
# assumptions.
HBM2_PC = DramPreset(
    16.0, 60.0,
    DramTimingSpec(channels=1, banks=16, row_bytes=1024, t_cl_ns=14.0, t_rcd_ns=14.0, t_rp_ns=14.0,
                   t_rfc_ns=350.0, t_refi_ns=3900.0, t_w2r_ns=22.0, t_r2w_ns=2.0, write_batch_bytes=1024),
    "JESD235A/C HBM2 2 Gb/s, 8 Gb/channel, one pseudo channel (DRAMsim3 HBM2_8Gb_x128.ini timings, tRFC for "
    "8 Gb from Ramulator 2); latency and write batch are controller assumptions",
    DramDeviceSpec(
        protocol="HBM2", tCK=1.0, ranks=1, bankgroups=4, banks_per_group=4, rows=32768, columns=128,
        device_width=64, bus_width=64, BL=4, address_mapping="rorabgbachco", CL=14, CWL=4, tRCD=14, tRP=14,
        tRAS=34, tRFC=350, tREFI=3900, tRRD_S=4, tRRD_L=6, tWTR_S=6, tWTR_L=8, tFAW=30, tWR=16, tRTP=6,
        tCCD_S=1, tCCD_L=2, tRTRS=2,
    ),
)

# A whole HBM2 stack: 8 channels × 2 pseudo channels = 16 independent hbm2-pc pseudo channels, 256 GB/s
# (16 × 16 GB/s; JESD235A: 8 × 128-bit channels at 2 Gb/s). Address map rorabgbacoch: the channel
# bits lowest, so consecutive 32 B bursts go to consecutive pseudo channels (Ramulator's default
# RoBaRaCoCh order); with DRAMsim3's rorabgbachco a lone in-order stream would feed one pseudo channel
# per 1 KiB. The timing model sees the 16 pseudo channels as one interface in lockstep (a 16 KiB
# row), as it sees the LPDDR dies.
HBM2_STACK = DramPreset(
    256.0, 60.0,
    DramTimingSpec(channels=16, banks=16, row_bytes=16384, t_cl_ns=14.0, t_rcd_ns=14.0, t_rp_ns=14.0,
                   t_rfc_ns=350.0, t_refi_ns=3900.0, t_w2r_ns=22.0, t_r2w_ns=2.0, write_batch_bytes=16384),
    "JESD235A/C HBM2 2 Gb/s stack, 8 channels in pseudo-channel mode (16 × hbm2-pc)",
    HBM2_PC.device.model_copy(update={"address_mapping": "rorabgbacoch"}),
    channels=16,
)
