"""Read a DRAMsim3 .ini config into socsim's command-level device and controller specs.

The fields read are those of DRAMsim3's ``Config`` (commit 29817593): ``[dram_structure]`` (protocol,
bank groups, banks per group, rows, columns, device width, BL), ``[timing]`` (tCK and the JEDEC
timings in clocks; tRFC2, tRFC4, power-down and self-refresh timings are not used), ``[system]``
(channel_size → ranks as DRAMsim3 computes it, bus width, address mapping, queue sizes). A timing a
file leaves out takes DRAMsim3's default (``Config::InitTimingParams``). HBM as DRAMsim3 reads it: a
column is device_width × 2 bits (``columns`` doubled), ACT → RD/WR are tRCDRD/tRCDWR (tRCD unused),
tRTP_L/tRTP_S are ignored (tRTP, default 5), and a row and a column command may issue in one clock.
Only one channel, per-bank command queues, separate read and write queues, open-page policy,
rank-level staggered refresh and (HBM) dual command issue are supported.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from pydantic import ValidationError

from socsim.errors import ScenarioError
from socsim.scenario import DramControllerSpec, DramDeviceSpec

DEFAULTS = {"AL": 0, "CL": 12, "CWL": 12, "tRCD": 10, "tRP": 10, "tRAS": 24, "tRFC": 74, "tREFI": 7800,
            "tRRD_S": 4, "tRRD_L": 4, "tWTR_S": 5, "tWTR_L": 5, "tFAW": 50, "tWR": 10, "tRTP": 5, "tCCD_S": 4,
            "tCCD_L": 6, "tRTRS": 2, "tPPD": 0, "tRCDRD": 24, "tRCDWR": 20}
"""DRAMsim3's values for timings a config leaves out (clocks; ``Config::InitTimingParams``, commit 29817593)."""
SUPPORTED = {"channels": "1", "queue_structure": "PER_BANK", "row_buf_policy": "OPEN_PAGE",
             "refresh_policy": "RANK_LEVEL_STAGGERED"}


def _ranks(s: configparser.SectionProxy, y: configparser.SectionProxy) -> int:
    """Ranks from channel_size (MiB) as DRAMsim3's ``Config::CalculateSize`` does."""
    bus, dev = y.getint("bus_width"), s.getint("device_width")
    banks = s.getint("bankgroups") * s.getint("banks_per_group")
    megs_per_rank = _columns(s) * dev // 8 * (s.getint("rows") // 1024) // 1024 * banks * (bus // dev)
    return max(1, y.getint("channel_size") // megs_per_rank)


def _hbm(s: configparser.SectionProxy) -> bool:
    return s["protocol"] in ("HBM", "HBM2")


def _columns(s: configparser.SectionProxy) -> int:
    """Columns of device_width bits: DRAMsim3 doubles an HBM config's (a column there is 2 × device_width)."""
    return s.getint("columns") * (2 if _hbm(s) else 1)


def _timing(s: configparser.SectionProxy, t: configparser.SectionProxy) -> dict[str, int]:
    """The timings in clocks as DRAMsim3 uses them (module docstring)."""
    got = {k: t.getint(k, v) for k, v in DEFAULTS.items()}
    rcd_rd, rcd_wr = got.pop("tRCDRD"), got.pop("tRCDWR")
    if _hbm(s):
        got["tRCD"] = rcd_rd
        if rcd_wr != rcd_rd:
            got["tRCDWR"] = rcd_wr
    return got


def load_dramsim3_ini(path: Path) -> tuple[DramDeviceSpec, DramControllerSpec]:
    """The device and controller a DRAMsim3 config describes; ScenarioError names an unsupported field."""
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.optionxform = str
    if not ini.read(path):
        raise ScenarioError(f"{path}: cannot read DRAMsim3 config")
    s, t, y = ini["dram_structure"], ini["timing"], ini["system"]
    for key, value in SUPPORTED.items():
        if y.get(key, value) != value:
            raise ScenarioError(f"{path}: system.{key}={y[key]!r} is not supported (only {value})")
    for section, key, value in ((y, "unified_queue", False), (s, "hbm_dual_cmd", True)):
        if key in section and section.getboolean(key) != value and (key != "hbm_dual_cmd" or _hbm(s)):
            raise ScenarioError(f"{path}: {section.name}.{key}={section[key]!r} is not supported (only {value})")
    try:
        device = DramDeviceSpec(
            protocol=s["protocol"], tCK=t.getfloat("tCK"), ranks=_ranks(s, y), bankgroups=s.getint("bankgroups"),
            banks_per_group=s.getint("banks_per_group"), rows=s.getint("rows"), columns=_columns(s),
            device_width=s.getint("device_width"), bus_width=y.getint("bus_width"), BL=s.getint("BL"),
            address_mapping=y["address_mapping"], **_timing(s, t),
        )
        controller = DramControllerSpec(trans_queue_size=y.getint("trans_queue_size", 32),
                                        cmd_queue_size=y.getint("cmd_queue_size", 16))
    except ValidationError as e:
        err = e.errors()[0]
        raise ScenarioError(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    return device, controller
