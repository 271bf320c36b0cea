"""A catalogue of bad inputs, each run as a real ``socsim`` process with a timeout, and how each ended.

The promise (``socsim.errors``): a user error ends with exit code 2 and one output line per problem
(``error: field=value: ...``), nothing else, no traceback, quickly. Every case here is a user error: a malformed
scenario, sweep or result file, a bad command line, or an output path that cannot be written.
Scenario cases run ``validate`` and ``run``, so a scenario that ``validate`` accepts and ``run``
then rejects shows up too.

Overloaded chips are verdicts, not user errors, with their own promise (``socsim.model.overload``):
one line with the verdict, exit 0 (1 under ``--check``), no traceback, at most 1 GiB of memory; in a
sweep, a row with the verdict while the other points run. They are tried here too, as the issue that
asked for bounded memory listed them among the inputs that broke socsim.

Prints one row per case (exit code, output lines, traceback, seconds, peak memory, verdict) and the
count of cases that keep each promise.
Usage: python benchmarks/bad_inputs.py [--timeout S] [--jobs N] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIG = 2**64
TINY = """\
name: tiny
seed: 1
frames: 1
deadline_ms: 10
soc:
  accelerator: {rows: 8, cols: 8, freq_mhz: 500, sram_kib: 64}
  dma: {channels: 1, burst_bytes: 64, max_outstanding: 4}
  bus: {width_bytes: 16, freq_mhz: 500, arbitration: fifo}
  dram: {peak_gbps: 10, latency_ns: 50}
masters:
  - {kind: token_bucket, name: cpu, sigma_bytes: 4096, rate_gbps: 1.0}
workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}
codec: {name: none, transfer_unit: {kind: channel}}
"""
TIMING = "dram: {preset: lpddr4-3200, timing: {channels: 4, banks: 8, row_bytes: 8192, t_cl_ns: 17.5, " \
         "t_rcd_ns: 18, t_rp_ns: 18, t_rfc_ns: 280, t_refi_ns: 3904, t_w2r_ns: 27.5, t_r2w_ns: 5, " \
         "write_batch_bytes: 8192}}"
MASTER = "  - {kind: token_bucket, name: cpu, sigma_bytes: 4096, rate_gbps: 1.0}\n"
CPU = "  - {kind: cpu, name: cpu, rate_gbps: 2.0}\n"
BUSY = TINY.replace("arbitration: fifo", "arbitration: round_robin").replace(MASTER, CPU)
"""The tiny chip beside a CPU master asking 2 GB/s of a 10 GB/s DRAM (it runs)."""
OVERLOADED = {
    "40 CPU masters at 0.5 GB/s": BUSY.replace(
        CPU, "".join(f"  - {{kind: cpu, name: cpu{i}, rate_gbps: 0.5}}\n" for i in range(40))),
    "one CPU master at 100 GB/s": BUSY.replace("rate_gbps: 2.0", "rate_gbps: 100"),
    "1 B bus at 1 MHz beside a 2 GB/s CPU": BUSY.replace("width_bytes: 16, freq_mhz: 500", "width_bytes: 1, freq_mhz: 1"),
    "DRAM at 0.01 GB/s": BUSY.replace("peak_gbps: 10", "peak_gbps: 0.01"),
    "accelerator budget 64 B/s": BUSY.replace(
        "arbitration: round_robin}", "arbitration: budget, budget: {period_ns: 1000000000, bytes: {npu: 64}}}"),
    "fixed priority starving the accelerator": BUSY.replace(
        "arbitration: round_robin}", "arbitration: fixed_priority, priorities: {tb: 0, npu: 1}}").replace(
        CPU, "  - {kind: token_bucket, name: tb, sigma_bytes: 4096, rate_gbps: 10}\n"),
}
"""Scenarios whose chip cannot serve what they ask, by name (each ends with a verdict)."""
MEMORY_MIB_MAX = 1024
"""Most memory an overloaded chip's verdict may take (MiB)."""
USER_MODELS = '''\
import torch.nn as nn


def small():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))


def not_a_module():
    return 3


class Branchy(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


def branchy():
    return Branchy()
'''


@dataclass
class Case:
    """One bad input: the socsim arguments, the files they need, and the scenario text if any."""

    name: str
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    verdict: int | None = None
    """For an overloaded chip: the exit code its verdict gives (0, 1 under --check); None for a user error."""
    lines: int | None = 1
    """For an overloaded chip: the output lines expected (None: any, as a sweep's table)."""


@dataclass
class Ended:
    """How one case ended."""

    case: str
    rc: int | None
    lines: int
    traceback: bool
    seconds: float
    first: str
    errors: int
    """Output lines that start with 'error:' (count)."""
    rss_mib: float
    """Peak resident memory of the process (MiB)."""
    verdicts: int
    """Output lines that hold an 'overloaded: ' or 'starved: ' verdict (count)."""
    expect: Case
    """The case, with what it should end with."""

    @property
    def kept(self) -> bool:
        """A user error: exit 2, one line starting with 'error:' per problem and nothing else, no
        traceback, no timeout. An overloaded chip: its verdict's exit code, a verdict line (and the
        lines expected), no traceback, no timeout, at most ``MEMORY_MIB_MAX``."""
        if self.expect.verdict is None:
            return self.rc == 2 and self.lines == self.errors >= 1 and not self.traceback
        return (self.rc == self.expect.verdict and self.verdicts >= 1 and not self.traceback
                and self.expect.lines in (None, self.lines) and self.rss_mib <= MEMORY_MIB_MAX)


def mut(old: str, new: str, text: str = TINY) -> str:
    """``text`` with ``old`` replaced by ``new`` (``old`` must occur)."""
    if old not in text:
        raise ValueError(f"{old!r} not in the scenario")
    return text.replace(old, new, 1)


def scenario_texts() -> dict[str, str | bytes]:
    """Malformed scenario files by name."""
    m = mut
    deep = "x: " + "[" * 100000 + "]" * 100000 + "\n"
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    return {
        "seed 2^64": m("seed: 1", f"seed: {BIG}"),
        "seed 2^63": m("seed: 1", f"seed: {2**63}"),
        "seed -1": m("seed: 1", "seed: -1"),
        "seed float": m("seed: 1", "seed: 1.5"),
        "frames 2^64": m("frames: 1", f"frames: {BIG}"),
        "frames 10^7": m("frames: 1", "frames: 10000000"),
        "frames 0": m("frames: 1", "frames: 0"),
        "frames .inf": m("frames: 1", "frames: .inf"),
        "deadline .inf": m("deadline_ms: 10", "deadline_ms: .inf"),
        "deadline .nan": m("deadline_ms: 10", "deadline_ms: .nan"),
        "deadline -.inf": m("deadline_ms: 10", "deadline_ms: -.inf"),
        "deadline 1e300": m("deadline_ms: 10", "deadline_ms: 1e300"),
        "deadline 1e-300": m("deadline_ms: 10", "deadline_ms: 1.0e-300"),
        "period .inf": m("deadline_ms: 10", "deadline_ms: 10\nperiod_ms: .inf"),
        "accelerator freq .inf": m("freq_mhz: 500, sram", "freq_mhz: .inf, sram"),
        "accelerator freq 1e-300": m("freq_mhz: 500, sram", "freq_mhz: 1.0e-300, sram"),
        "accelerator rows 2^40": m("rows: 8", f"rows: {2**40}"),
        "accelerator cols 2^64": m("cols: 8", f"cols: {BIG}"),
        "accelerator sram 2^50 KiB": m("sram_kib: 64", f"sram_kib: {2**50}"),
        "accelerator value_bits 8": m("sram_kib: 64}", "sram_kib: 64, value_bits: 8}"),
        "codec engine freq .inf": m("max_outstanding: 4}", "max_outstanding: 4, codec_engine: {freq_mhz: .inf}}"),
        "codec engine latency 2^64": m("max_outstanding: 4}", f"max_outstanding: 4, codec_engine: {{latency_cycles: {BIG}}}}}"),
        "codec engine bytes/cycle 2^40": m("max_outstanding: 4}", f"max_outstanding: 4, codec_engine: {{bytes_per_cycle: {2**40}}}}}"),
        "dma channels 2^40": m("channels: 1", f"channels: {2**40}"),
        "dma burst 2^40": m("burst_bytes: 64", f"burst_bytes: {2**40}"),
        "dma outstanding 2^40": m("max_outstanding: 4", f"max_outstanding: {2**40}"),
        "bus width 2^40": m("width_bytes: 16", f"width_bytes: {2**40}"),
        "bus freq .inf": m("freq_mhz: 500, arbitration", "freq_mhz: .inf, arbitration"),
        "bus priority 2^70": m("arbitration: fifo}", f"arbitration: fixed_priority, priorities: {{cpu: {2**70}}}}}"),
        "bus weight 2^64": m("arbitration: fifo}", f"arbitration: weighted_round_robin, weights: {{cpu: {BIG}}}}}"),
        "tdma slot .inf": m("arbitration: fifo}", "arbitration: tdma, tdma: {slot_ns: .inf, table: [npu, cpu]}}"),
        "tdma slot 1e-300": m("arbitration: fifo}", "arbitration: tdma, tdma: {slot_ns: 1.0e-300, table: [npu, cpu]}}"),
        "budget period .inf": m("arbitration: fifo}", "arbitration: budget, budget: {period_ns: .inf, bytes: {cpu: 4096}}}"),
        "budget bytes 2^70": m("arbitration: fifo}", f"arbitration: budget, budget: {{period_ns: 1000, bytes: {{cpu: {2**70}}}}}}}"),
        "dram peak .inf": m("peak_gbps: 10", "peak_gbps: .inf"),
        "dram peak 1e-300": m("peak_gbps: 10", "peak_gbps: 1.0e-300"),
        "dram latency .inf": m("latency_ns: 50", "latency_ns: .inf"),
        "dram latency .nan": m("latency_ns: 50", "latency_ns: .nan"),
        "dram tRFC > tREFI": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("t_rfc_ns: 280", "t_rfc_ns: 5000")),
        "dram tRFC = tREFI": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("t_rfc_ns: 280", "t_rfc_ns: 3904")),
        "dram tREFI .inf": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("t_refi_ns: 3904", "t_refi_ns: .inf")),
        "dram tCL .inf": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("t_cl_ns: 17.5", "t_cl_ns: .inf")),
        "dram banks 2^40": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("banks: 8", f"banks: {2**40}")),
        "dram row 2^62": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("row_bytes: 8192", f"row_bytes: {2**62}")),
        "dram channels 2^64": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("channels: 4", f"channels: {BIG}")),
        "dram write batch 2^64": m("dram: {peak_gbps: 10, latency_ns: 50}", TIMING.replace("write_batch_bytes: 8192", f"write_batch_bytes: {BIG}")),
        "token bucket sigma 2^62": m("sigma_bytes: 4096", f"sigma_bytes: {2**62}"),
        "token bucket sigma 2^64": m("sigma_bytes: 4096", f"sigma_bytes: {BIG}"),
        "token bucket rate .inf": m("rate_gbps: 1.0", "rate_gbps: .inf"),
        "token bucket rate 1e300": m("rate_gbps: 1.0", "rate_gbps: 1e300"),
        "token bucket rate 1e-300": m("rate_gbps: 1.0", "rate_gbps: 1.0e-300"),
        "token bucket request 2^64": m("rate_gbps: 1.0}", f"rate_gbps: 1.0, request_bytes: {BIG}}}"),
        "token bucket read fraction .nan": m("rate_gbps: 1.0}", "rate_gbps: 1.0, read_fraction: .nan}"),
        "isp height 2^40": m(MASTER, f"  - {{kind: isp, name: isp, width: 64, height: {2**40}, fps: 30}}\n"),
        "isp fps .inf": m(MASTER, "  - {kind: isp, name: isp, width: 64, height: 64, fps: .inf}\n"),
        "isp fps 1e-300": m(MASTER, "  - {kind: isp, name: isp, width: 64, height: 64, fps: 1.0e-300}\n"),
        "isp line time .inf": m(MASTER, "  - {kind: isp, name: isp, width: 64, height: 64, fps: 30, line_time_ns: .inf}\n"),
        "display width 2^40": m(MASTER, f"  - {{kind: display, name: d, width: {2**40}, height: 64, fps: 60}}\n"),
        "display fps .inf": m(MASTER, "  - {kind: display, name: d, width: 64, height: 64, fps: .inf}\n"),
        "display fifo 2^64": m(MASTER, f"  - {{kind: display, name: d, width: 64, height: 64, fps: 60, fifo_bytes: {BIG}}}\n"),
        "cpu rate .inf": m(MASTER, "  - {kind: cpu, name: c, rate_gbps: .inf}\n"),
        "cpu seed 2^64": m(MASTER, f"  - {{kind: cpu, name: c, rate_gbps: 1.0, seed: {BIG}}}\n"),
        "cpu burst 2^64": m(MASTER, f"  - {{kind: cpu, name: c, rate_gbps: 1.0, burst_bytes: {BIG}}}\n"),
        "master name empty": m("name: cpu,", "name: '',"),
        "workload height 2^40": m("height: 64", f"height: {2**40}"),
        "workload width 2^40": m("width: 64", f"width: {2**40}"),
        "workload height 32*10^6": m("height: 64", "height: 32000000"),
        "workload headroom 2^64": m("weights: random", f"weights: random, frac_bits_headroom: {BIG}"),
        "workload model empty": m("model: mobilenet_v1", "model: ''"),
        "workload images empty": m("images: [skimage]", "images: []"),
        "workload image unknown skimage": m("images: [skimage]", "images: ['skimage:nosuchphoto']"),
        "codec keep .inf": m("codec: {name: none, transfer_unit: {kind: channel}}", "codec: {name: dct, keep: .inf}"),
        "codec keep 2^64": m("codec: {name: none, transfer_unit: {kind: channel}}", f"codec: {{name: dct, keep: {BIG}}}"),
        "codec n 2^40": m("codec: {name: none, transfer_unit: {kind: channel}}", f"codec: {{name: dct, n: {2**40}}}"),
        "codec unit rows 2^40": m("{kind: channel}}", f"{{kind: rows, rows: {2**40}}}}}"),
        "codec unit chunk 2^62": m("{kind: channel}}", f"{{kind: chunk, chunk_bytes: {2**62}}}}}"),
        "codec params nested": m("codec: {name: none, transfer_unit: {kind: channel}}", "codec: {name: dct, keep: [1, 2]}"),
        "duplicate key top level": m("frames: 1", "frames: 1\nframes: 2"),
        "duplicate key nested": m("rows: 8", "rows: 8, rows: 16"),
        "duplicate key in master": m("name: cpu,", "name: cpu, name: cpu2,"),
        "unknown key": TINY + "deadlin_ms: 3\n",
        "missing name": m("name: tiny\n", ""),
        "missing workload": m("workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}\n", ""),
        "workload null": m("workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}", "workload: null"),
        "masters a number": m("masters:\n" + MASTER, "masters: 5\n"),
        "soc a list": m("soc:\n", "soc: []\nsoc_:\n"),
        "name ../x": m("name: tiny", "name: ../x"),
        "name with newline": m("name: tiny", 'name: "a\\nb"'),
        "broken yaml": "name: [unclosed\n",
        "tab indentation": TINY.replace("  accelerator", "\taccelerator"),
        "empty file": "",
        "binary file": bytes(range(256)) * 8,
        "not UTF-8": TINY.encode().replace(b"tiny", b"t\xffny"),
        "python tag": "name: !!python/object/apply:os.system ['true']\n",
        "deep nesting": deep,
        "billion laughs": laughs,
        "list top level": "- a\n- b\n",
        "weights file missing": m("weights: random", "weights: nowhere.pth"),
        "weights file corrupt": m("weights: random", "weights: corrupt.pth"),
        "weights file a directory": m("weights: random", "weights: adir"),
        "weights file of another model": m("weights: random", "weights: other.pth"),
        "weights file not a state_dict": m("weights: random", "weights: notdict.pth"),
        "weights trained unknown source": m("weights: random", "weights: 'trained:nosuch'"),
        "weights trained for untrained model": m("weights: random", "weights: trained"),
        "user factory module missing": m("model: mobilenet_v1", "model: 'no_such_module_xyz:make'"),
        "user factory attribute missing": m("model: mobilenet_v1", "model: 'usermodels:nosuch'"),
        "user factory not a module": m("model: mobilenet_v1", "model: 'usermodels:not_a_module'"),
        "user factory untraceable": m("model: mobilenet_v1", "model: 'usermodels:branchy'"),
        "user factory without size": m("model: mobilenet_v1, height: 64, width: 64", "model: 'usermodels:small'"),
        "user factory malformed": m("model: mobilenet_v1", "model: ':'"),
        "image not an image": m("images: [skimage]", "images: [garbage.png]"),
        "image folder empty": m("images: [skimage]", "images: [emptydir]"),
        "cache dir is a file": TINY + "run: {cache_dir: afile}\n",
        "masks for another model": m("codec: {name: none, transfer_unit: {kind: channel}}",
                                     f"codec: {{name: dct-adaptive, masks: {ROOT / 'workloads/masks/mobilenet_v2_k21.json'}}}"),
        "masks file not JSON": m("codec: {name: none, transfer_unit: {kind: channel}}", "codec: {name: dct-adaptive, masks: garbage.png}"),
        "masks file missing": m("codec: {name: none, transfer_unit: {kind: channel}}", "codec: {name: dct-adaptive, masks: nowhere.json}"),
        "codec rows unit not a multiple of n": m("codec: {name: none, transfer_unit: {kind: channel}}",
                                                 "codec: {name: dct, keep: 21, transfer_unit: {kind: rows, rows: 12}}"),
        "codec chunk odd": m("{kind: channel}}", "{kind: chunk, chunk_bytes: 4095}}"),
    }


def assets(tmp: Path) -> dict[str, str | bytes]:
    """Files every case's folder gets: weights files, a user model module, a junk image."""
    import io

    import torch

    def saved(obj) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf)
        return buf.getvalue()

    return {
        "corrupt.pth": b"PK\x03\x04 this is not a torch file" * 10,
        "other.pth": saved(torch.nn.Linear(3, 4).state_dict()),
        "notdict.pth": saved([1, 2, 3]),
        "usermodels.py": USER_MODELS,
        "garbage.png": b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
        "afile": "a file, not a folder\n",
        "tiny.yaml": TINY,
        "adir/.keep": "",
        "emptydir/.keep": "",
    }


def scenario_cases() -> list[Case]:
    """Each malformed scenario through ``validate`` and through ``run``."""
    cases = []
    for name, text in scenario_texts().items():
        cases.append(Case(f"validate: {name}", ["validate", "s.yaml"], {"s.yaml": text}))
        cases.append(Case(f"run: {name}", ["run", "s.yaml", "--out", "out", "-q"], {"s.yaml": text}))
    return cases


def verdict_cases() -> list[Case]:
    """Overloaded chips through ``run`` (with and without --check), ``compare`` and a sweep."""
    cases = []
    for name, text in OVERLOADED.items():
        cases.append(Case(f"verdict run: {name}", ["run", "s.yaml", "--out", "out", "-q"], {"s.yaml": text}, 0))
        cases.append(Case(f"verdict run --check: {name}", ["run", "s.yaml", "--out", "out", "-q", "--check", "simulation"],
                          {"s.yaml": text}, 1, 2))
    sweep = ('name: sw\nbase: b.yaml\npoints: [{"masters[0].rate_gbps": 100.0}, {"masters[0].rate_gbps": 1.0}]\n'
             "metric: latency_ms_max\n")
    cases.append(Case("verdict compare: one CPU master at 100 GB/s", ["compare", "s.yaml", "--codecs", "none,rle"],
                      {"s.yaml": OVERLOADED["one CPU master at 100 GB/s"]}, 0))
    cases.append(Case("verdict sweep: one point at 100 GB/s of two", ["sweep", "sw.yaml", "--out", "swout", "--workers", "1",
                                                                       "--format", "csv"],
                      {"sw.yaml": sweep, "b.yaml": BUSY}, 0, None))
    return cases


def cli_cases() -> list[Case]:
    """Bad command lines and output paths that cannot be written."""
    sweep = "name: sw\nbase: tiny.yaml\ngrid: {soc.bus.width_bytes: [16]}\nmetric: latency_ms_max\n"
    return [
        Case("no command", ["nosuchcommand"]),
        Case("run: missing argument", ["run"]),
        Case("run: unknown option", ["run", "tiny.yaml", "--frame", "2"]),
        Case("run: --frames not a number", ["run", "tiny.yaml", "--frames", "two"]),
        Case("run: --frames 2^64", ["run", "tiny.yaml", "--frames", str(BIG), "--out", "out", "-q"]),
        Case("run: --frames 10^7", ["run", "tiny.yaml", "--frames", "10000000", "--out", "out", "-q"]),
        Case("run: --frames -1", ["run", "tiny.yaml", "--frames", "-1", "--out", "out", "-q"]),
        Case("run: --seed 2^64", ["run", "tiny.yaml", "--seed", str(BIG), "--out", "out", "-q"]),
        Case("run: --seed -5", ["run", "tiny.yaml", "--seed", "-5", "--out", "out", "-q"]),
        Case("run: --fidelity slow", ["run", "tiny.yaml", "--fidelity", "slow"]),
        Case("run: scenario is a folder", ["run", "adir"]),
        Case("run: scenario missing", ["run", "nowhere.yaml"]),
        Case("run: --out under a file", ["run", "tiny.yaml", "--out", "afile/out", "-q"]),
        Case("run: --out is a file", ["run", "tiny.yaml", "--out", "afile", "-q"]),
        Case("run: --json under a file", ["run", "tiny.yaml", "--out", "out", "--json", "afile/r.json", "-q"]),
        Case("run: --json is a folder", ["run", "tiny.yaml", "--out", "out", "--json", "adir", "-q"]),
        Case("run: result.json is a folder", ["run", "tiny.yaml", "--out", "out", "-q"], {"out/result.json/.keep": ""}),
        Case("run: trace.json is a folder", ["run", "tiny.yaml", "--out", "out", "-q"], {"out/trace.json/.keep": ""}),
        Case("run: a figure is a folder", ["run", "tiny.yaml", "--out", "out", "-q", "--figures"], {"out/timeline.png/.keep": ""}),
        Case("run: --out on a read-only file system", ["run", "tiny.yaml", "--out", "/proc/socsim-out", "-q"]),
        Case("run: --json on a read-only file system", ["run", "tiny.yaml", "--out", "out", "--json", "/proc/socsim.json", "-q"]),
        Case("validate: missing argument", ["validate"]),
        Case("validate: two arguments", ["validate", "tiny.yaml", "tiny.yaml"]),
        Case("compare: unknown codec", ["compare", "tiny.yaml", "--codecs", "zip"]),
        Case("compare: no codec", ["compare", "tiny.yaml", "--codecs", ","]),
        Case("compare: keep inf", ["compare", "tiny.yaml", "--codecs", "dct:keep=inf"]),
        Case("compare: --frames 2^64", ["compare", "tiny.yaml", "--frames", str(BIG)]),
        Case("compare: --out under a file", ["compare", "tiny.yaml", "--codecs", "none", "--out", "afile/x"]),
        Case("sweep: missing file", ["sweep", "nowhere.yaml"]),
        Case("sweep: malformed YAML", ["sweep", "sw.yaml"], {"sw.yaml": "name: [x\n"}),
        Case("sweep: binary file", ["sweep", "sw.yaml"], {"sw.yaml": bytes(range(256))}),
        Case("sweep: base missing", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("tiny.yaml", "nowhere.yaml")}),
        Case("sweep: base malformed", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("tiny.yaml", "b.yaml"), "b.yaml": "name: [x\n"}),
        Case("sweep: base binary", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("tiny.yaml", "b.yaml"), "b.yaml": bytes(range(256))}),
        Case("sweep: base a list", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("tiny.yaml", "b.yaml"), "b.yaml": "- a\n"}),
        Case("sweep: base duplicate key", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("tiny.yaml", "b.yaml"), "b.yaml": TINY + "seed: 3\n"}),
        Case("sweep: unknown metric", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("latency_ms_max", "latency_ms_maximum")}),
        Case("sweep: name ../x", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("name: sw", "name: ../x")}),
        Case("sweep: name empty", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("name: sw", "name: ''")}),
        Case("sweep: name absolute", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("name: sw", "name: /tmp/x")}),
        Case("sweep: duplicate key", ["sweep", "sw.yaml"], {"sw.yaml": sweep + "metric: bus_utilization\n"}),
        Case("sweep: empty grid", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("[16]", "[]")}),
        Case("sweep: grid and points", ["sweep", "sw.yaml"], {"sw.yaml": sweep + "points: [{seed: 2}]\n"}),
        Case("sweep: malformed field path", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("soc.bus.width_bytes", "soc..bus[")}),
        Case("sweep: point out of range", ["sweep", "sw.yaml"], {"sw.yaml": sweep.replace("[16]", "[.inf]")}),
        Case("sweep: set into a scalar", ["sweep", "sw.yaml"], {"sw.yaml": sweep + "set: {seed.x: 1}\n"}),
        Case("sweep: --workers 0", ["sweep", "sw.yaml", "--workers", "0"], {"sw.yaml": sweep}),
        Case("sweep: --workers 2^64", ["sweep", "sw.yaml", "--workers", str(BIG), "--out", "swout"], {"sw.yaml": sweep}),
        Case("sweep: --executor foo", ["sweep", "sw.yaml", "--executor", "foo", "--out", "swout"], {"sw.yaml": sweep}),
        Case("sweep: --out under a file", ["sweep", "sw.yaml", "--out", "afile/x"], {"sw.yaml": sweep}),
        Case("sweep: table is a folder", ["sweep", "sw.yaml", "--out", "swout", "--workers", "1"],
             {"sw.yaml": sweep, "swout/sweep.csv/.keep": ""}),
        Case("sweep: plot is a folder", ["sweep", "sw.yaml", "--out", "swout", "--workers", "1"],
             {"sw.yaml": sweep, "swout/sweep_latency_ms_max.png/.keep": ""}),
        Case("report: not a folder", ["report", "afile"]),
        Case("report: no result.json", ["report", "adir"]),
        Case("report: result.json not JSON", ["report", "rd"], {"rd/result.json": "{not json"}),
        Case("report: result.json empty object", ["report", "rd"], {"rd/result.json": "{}"}),
        Case("report: result.json a list", ["report", "rd"], {"rd/result.json": "[1, 2]"}),
        Case("report: result.json incomplete", ["report", "rd"], {"rd/result.json": "@incomplete"}),
        Case("report: result.json binary", ["report", "rd"], {"rd/result.json": bytes(range(256))}),
        Case("report: result.json with Infinity", ["report", "rd"], {"rd/result.json": "@infinite"}),
        Case("report: on a read-only file system", ["report", "/proc/self"]),
        Case("report: a figure is a folder", ["report", "rd"], {"rd/result.json": "@complete", "rd/timeline.png/.keep": ""}),
        Case("report: report.html is a folder", ["report", "rd"], {"rd/result.json": "@complete", "rd/report.html/.keep": ""}),
        Case("workload summary: unknown model", ["workload", "summary", "resnet9000"]),
        Case("workload summary: --input 2^40", ["workload", "summary", "mobilenet_v1", "--input", f"{2**40}x{2**40}"]),
        Case("workload summary: --input text", ["workload", "summary", "mobilenet_v1", "--input", "big"]),
        Case("workload summary: --input 0x0", ["workload", "summary", "mobilenet_v1", "--input", "0x0"]),
        Case("workload summary: --json under a file", ["workload", "summary", "mobilenet_v1", "--input", "64x64", "--json", "afile/s.json"]),
        Case("workload summary: --plot under a file", ["workload", "summary", "mobilenet_v1", "--input", "64x64", "--plot", "afile/s.png"]),
        Case("workload summary: factory missing", ["workload", "summary", "no_such_module_xyz:make", "--input", "64x64"]),
        Case("accuracy: unknown model", ["accuracy", "resnet9000", "--frames", "1"]),
        Case("accuracy: --frames 0", ["accuracy", "mobilenet_v1", "--frames", "0", "--weights", "random"]),
        Case("accuracy: --frames 2^64", ["accuracy", "mobilenet_v1", "--frames", str(BIG), "--weights", "random"]),
        Case("accuracy: --seed 2^64", ["accuracy", "mobilenet_v1", "--frames", "1", "--seed", str(BIG), "--weights", "random", "--input", "64x64"]),
        Case("accuracy: --input 2^40", ["accuracy", "mobilenet_v1", "--frames", "1", "--input", f"{2**40}x64", "--weights", "random"]),
        Case("accuracy: unknown codec", ["accuracy", "mobilenet_v1", "--codecs", "zip", "--weights", "random"]),
        Case("accuracy: --unit foo", ["accuracy", "mobilenet_v1", "--unit", "foo", "--weights", "random"]),
        Case("accuracy: weights corrupt", ["accuracy", "mobilenet_v1", "--frames", "1", "--weights", "corrupt.pth", "--input", "64x64"]),
        Case("accuracy: --out under a file", ["accuracy", "mobilenet_v1", "--frames", "1", "--weights", "random",
                                              "--input", "64x64", "--out", "afile/acc"]),
        Case("accuracy: --sweep-k text", ["accuracy", "mobilenet_v1", "--sweep-k", "a,b", "--weights", "random"]),
        Case("train-masks: --target-reduction inf", ["train-masks", "mobilenet_v2", "--target-reduction", "inf"]),
        Case("train-masks: --target-reduction nan", ["train-masks", "mobilenet_v2", "--target-reduction", "nan"]),
        Case("train-masks: --lr nan", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--lr", "nan"]),
        Case("train-masks: --penalty inf", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--penalty", "inf"]),
        Case("train-masks: --frames 2^64", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--frames", str(BIG)]),
        Case("train-masks: --epochs 2^64", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--epochs", str(BIG)]),
        Case("train-masks: --threads 0", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--threads", "0"]),
        Case("train-masks: --seed 2^64", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--seed", str(BIG)]),
        Case("train-masks: --n 5", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--n", "5"]),
        Case("train-masks: --input 2^40", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--input", f"{2**40}x{2**40}"]),
        Case("train-masks: --out under a file", ["train-masks", "mobilenet_v2", "--target-reduction", "0.5", "--out", "afile/m.json",
                                                 "--frames", "1", "--epochs", "0", "--weights", "random", "--input", "64x64"]),
    ]


def result_texts(tmp: Path, env: dict[str, str]) -> dict[str, str]:
    """A complete result.json from a run of the tiny scenario, one with keys missing and one with
    an ``Infinity``."""
    out = tmp / "good-run"
    subprocess.run([sys.executable, "-m", "socsim.cli", "run", "tiny.yaml", "--out", str(out), "-q", "--no-report"],
                   cwd=tmp / "assets", env=env, capture_output=True, timeout=600, check=True)
    complete = (out / "result.json").read_text()
    doc = json.loads(complete)
    del doc["layers"][0]["name"]
    del doc["summary"]
    infinite = json.loads(complete)
    infinite["deadline_ms"] = float("inf")
    return {"@complete": complete, "@incomplete": json.dumps(doc), "@infinite": json.dumps(infinite)}


def write_files(folder: Path, files: dict[str, str | bytes], results: dict[str, str]) -> None:
    """Write ``files`` under ``folder`` ('@complete'/'@incomplete' stand for a result.json)."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content in results:
            content = results[content]
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def run_case(case: Case, folder: Path, env: dict[str, str], timeout: float) -> Ended:
    """Run one case as a real process in its own folder (killed after ``timeout`` s: a hang)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "socsim.cli", *case.argv], cwd=folder, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        # wait4 reaps the process and gives its own resource usage (its peak memory).
        _, status, usage = os.wait4(proc.pid, 0)
        hung = not timer.is_alive()
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    rc = None if hung else proc.returncode
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return Ended(case.name, rc, len(lines), "Traceback (most recent call last)" in text,
                 time.perf_counter() - t0, lines[0][:110] if lines else "", sum(ln.startswith("error:") for ln in lines),
                 usage.ru_maxrss / 1024, sum("overloaded: " in ln or "starved: " in ln for ln in lines), case)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as a hang")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = parser.parse_args()
    cases = [c for c in scenario_cases() + cli_cases() + verdict_cases() if args.only in c.name]
    with tempfile.TemporaryDirectory(prefix="socsim-bad-inputs-") as tmpdir:
        tmp = Path(tmpdir)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               "SOCSIM_CACHE_DIR": str(tmp / "cache"), "COLUMNS": "200"}
        shared = assets(tmp)
        write_files(tmp / "assets", shared, {})
        results = result_texts(tmp, env) if any("@" in str(v) for c in cases for v in c.files.values()) else {}

        def one(indexed: tuple[int, Case]) -> Ended:
            i, case = indexed
            folder = tmp / f"case{i:03d}"
            write_files(folder, {**shared, **case.files}, results)
            return run_case(case, folder, env, args.timeout)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            ended = list(pool.map(one, enumerate(cases)))
    print(f"{'case':<52} {'exit':>4} {'lines':>5} {'tb':>3} {'s':>6} {'MiB':>5}  verdict  first line")
    for e in ended:
        verdict = "ok" if e.kept else "BROKEN"
        rc = "hang" if e.rc is None else str(e.rc)
        print(f"{e.case[:52]:<52} {rc:>4} {e.lines:>5} {'yes' if e.traceback else 'no':>3} {e.seconds:6.1f} "
              f"{e.rss_mib:5.0f}  {verdict:<7}  {e.first}")
    errors = [e for e in ended if e.expect.verdict is None]
    broken = [e for e in errors if not e.kept]
    print(f"\n{len(errors) - len(broken)} of {len(errors)} bad inputs keep the promise (exit 2, one error line per problem, no traceback); "
          f"{len(broken)} break it: {sum(e.traceback for e in broken)} tracebacks, "
          f"{sum(e.rc is None for e in broken)} hangs (> {args.timeout:.0f} s), {sum(e.rc == 0 for e in broken)} accepted, "
          f"{sum(e.rc not in (0, None) and not e.traceback for e in broken)} other (several lines or another exit code)")
    verdicts = [e for e in ended if e.expect.verdict is not None]
    wrong = [e for e in verdicts if not e.kept]
    if verdicts:
        print(f"{len(verdicts) - len(wrong)} of {len(verdicts)} overloaded chips end with their verdict (exit 0, 1 under --check, "
              f"no traceback, ≤ {MEMORY_MIB_MAX} MiB; largest {max(e.rss_mib for e in verdicts):.0f} MiB, slowest "
              f"{max(e.seconds for e in verdicts):.1f} s); {len(wrong)} do not: {sum(e.traceback for e in wrong)} tracebacks, "
              f"{sum(e.rc is None for e in wrong)} hangs, {sum(e.rss_mib > MEMORY_MIB_MAX for e in wrong)} over the memory")
    print(f"{len(ended)} cases in all")


if __name__ == "__main__":
    main()
