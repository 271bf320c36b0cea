"""Read a DRAMsim3 .ini config into socsim's command-level device and controller specs.

The fields read are those of DRAMsim3's ``Config`` (commit 29817593): ``[dram_structure]`` (protocol,
bank groups, banks per group, rows, columns, device width, BL), ``[timing]`` (tCK and the JEDEC
timings in clocks; tRFC2, tRFC4, power-down and self-refresh timings are not used), ``[system]``
(channel_size → ranks as DRAMsim3 computes it, bus width, address mapping, queue sizes). Only one
channel, per-bank command queues, open-page policy and rank-level staggered refresh are supported.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from pydantic import ValidationError

from socsim.errors import ScenarioError
from socsim.scenario import DramControllerSpec, DramDeviceSpec

TIMINGS = ("AL", "CL", "CWL", "tRCD", "tRP", "tRAS", "tRFC", "tREFI", "tRRD_S", "tRRD_L", "tWTR_S", "tWTR_L",
           "tFAW", "tWR", "tRTP", "tCCD_S", "tCCD_L", "tRTRS", "tPPD")
DEFAULTS = {"AL": 0, "tRTRS": 2, "tPPD": 0}
"""DRAMsim3's values for timings a config leaves out (clocks)."""
SUPPORTED = {"channels": "1", "queue_structure": "PER_BANK", "row_buf_policy": "OPEN_PAGE",
             "refresh_policy": "RANK_LEVEL_STAGGERED"}


def _ranks(s: configparser.SectionProxy, y: configparser.SectionProxy) -> int:
    """Ranks from channel_size (MiB) as DRAMsim3's ``Config::CalculateSize`` does."""
    bus, dev = y.getint("bus_width"), s.getint("device_width")
    banks = s.getint("bankgroups") * s.getint("banks_per_group")
    megs_per_rank = s.getint("columns") * dev // 8 * (s.getint("rows") // 1024) // 1024 * banks * (bus // dev)
    return max(1, y.getint("channel_size") // megs_per_rank)


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
    try:
        device = DramDeviceSpec(
            protocol=s["protocol"], tCK=t.getfloat("tCK"), ranks=_ranks(s, y), bankgroups=s.getint("bankgroups"),
            banks_per_group=s.getint("banks_per_group"), rows=s.getint("rows"), columns=s.getint("columns"),
            device_width=s.getint("device_width"), bus_width=y.getint("bus_width"), BL=s.getint("BL"),
            address_mapping=y["address_mapping"], **{**DEFAULTS, **{k: t.getint(k) for k in TIMINGS if k in t}},
        )
        controller = DramControllerSpec(trans_queue_size=y.getint("trans_queue_size", 32),
                                        cmd_queue_size=y.getint("cmd_queue_size", 8))
    except ValidationError as e:
        err = e.errors()[0]
        raise ScenarioError(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    return device, controller
