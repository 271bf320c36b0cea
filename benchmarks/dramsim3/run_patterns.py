"""Regenerate tests/fixtures/dramsim3/patterns.json: the patterns of ``socsim dram`` run through DRAMsim3.

For every config of ``CONFIGS`` (files in tests/fixtures/dramsim3/) and every pattern of
``socsim.model.dram_patterns.PATTERNS`` it writes a DRAMsim3 trace of that pattern's requests (the
same generator ``socsim dram`` offers, addresses from the config's own address map, one burst-sized
request a line), runs ``dramsim3main CONFIG -t TRACE -c CYCLES -o OUT`` and records the figures of
OUT/dramsim3.json: efficiency, GB/s, row hit rate and read latency avg/p50/p99 (from DRAMsim3's
per-value ``read_latency`` histogram, exact in clocks). Usage:

    python benchmarks/dramsim3/run_patterns.py run --dramsim3 /tmp/dramsim3-src/build/dramsim3main
    python benchmarks/dramsim3/run_patterns.py trace CONFIG PATTERN OUT.trace --lines N

A trace line is ``0x<addr> READ|WRITE <cycle>``; saturating patterns give every line cycle 0 (the
trace front end offers a line whenever the controller accepts it), ``seq_read@x`` gives line k the
cycle ⌈k · burst clocks / x⌉ (x of peak offered). See tests/fixtures/dramsim3/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from itertools import islice
from pathlib import Path

import numpy as np

from socsim.dramsim3_config import load_dramsim3_ini
from socsim.model.dram_controller import address_map
from socsim.model.dram_patterns import PATTERNS, pattern, requests

ROOT = Path(__file__).resolve().parents[2]

FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
DRAMSIM3_COMMIT = "29817593b3389f1337235d63cac515024ab8fd6e"
CYCLES = 200_000
# Lines the controller may hold beyond those it has served (32 reads, 32 writes, 8 per bank) fit here.
TRACE_SLACK = 1024

CONFIGS = {
    "DDR4_8Gb_x16_3200": ("DDR4_8Gb_x16_3200.ini", "DRAMsim3 configs/DDR4_8Gb_x16_3200.ini as shipped"),
    "LPDDR4_8Gb_x16_2400": ("LPDDR4_8Gb_x16_2400.ini", "DRAMsim3 configs/LPDDR4_8Gb_x16_2400.ini as shipped"),
    "HBM2_8Gb_x128": ("HBM2_8Gb_x128_1ch.ini",
                      ("DRAMsim3 configs/HBM2_8Gb_x128.ini with channels = 8 -> 1 (one 128-bit channel of the "
                       "stack)")),
    "DDR4_8Gb_x16_3200@rochrabacobg": ("DDR4_8Gb_x16_3200_rochrabacobg.ini",
                                       ("DRAMsim3 configs/DDR4_8Gb_x16_3200.ini with address_mapping rochrababgco "
                                        "-> rochrabacobg")),
}
"""Key in patterns.json: (config file in tests/fixtures/dramsim3/, where it comes from)."""


def trace_lines(config: Path, name: str, lines: int) -> list[str]:
    """The first ``lines`` trace lines of pattern ``name`` on ``config`` (module docstring)."""
    device, _ = load_dramsim3_ini(config)
    p = pattern(name)
    reqs = requests(p, address_map(device), device.rows, device.burst_bytes)
    interval = None if p.load is None else device.burst_cycles / p.load
    out = []
    for k, (addr, is_write) in enumerate(islice(reqs, lines)):
        cycle = 0 if interval is None else math.ceil(k * interval - 1e-9)
        out.append(f"0x{addr:x} {'WRITE' if is_write else 'READ'} {cycle}")
    return out


def line_count(config: Path, name: str) -> int:
    """Trace lines that outlast the window: what the DRAM could serve in CYCLES clocks plus slack."""
    device, _ = load_dramsim3_ini(config)
    load = pattern(name).load or 1.0
    return math.ceil(CYCLES * load / device.burst_cycles) + TRACE_SLACK


def latency_ns(histogram: dict[str, int], tck_ns: float) -> dict:
    """avg, p50 and p99 (numpy's linear interpolation) of the read latencies of a value → count histogram (ns)."""
    if not histogram:
        return {"avg": None, "p50": None, "p99": None}
    values = np.array([int(v) for v in histogram], dtype=float)
    counts = np.array([histogram[v] for v in histogram], dtype=int)
    order = np.argsort(values)
    each = np.repeat(values[order], counts[order]) * tck_ns
    return {"avg": round(float(each.mean()), 3), "p50": round(float(np.percentile(each, 50)), 3),
            "p99": round(float(np.percentile(each, 99)), 3)}


def figures(config: Path, s: dict) -> dict:
    """Efficiency, GB/s, row hit rate, read latency and the raw counts of one DRAMsim3 channel-0 record."""
    device, _ = load_dramsim3_ini(config)
    reads, writes = s["num_read_cmds"], s["num_write_cmds"]
    window_ns = s["num_cycles"] * device.tCK
    gbps = (reads + writes) * device.burst_bytes / window_ns
    hits = s["num_read_row_hits"] + s["num_write_row_hits"]
    return {
        "efficiency": round(gbps / device.peak_gbps, 5), "gbps": round(gbps, 4),
        "row_hit_rate": round(hits / (reads + writes), 5) if reads + writes else 0.0,
        "read_latency_ns": latency_ns(s["read_latency"] if s["num_reads_done"] else {}, device.tCK),
        "read_cmds": reads, "write_cmds": writes, "row_hits": hits, "activates": s["num_act_cmds"],
        "refreshes": s["num_ref_cmds"], "reads_done": s["num_reads_done"],
    }


def run_one(binary: Path, key: str, name: str, work: Path) -> dict:
    """One pattern on one config through DRAMsim3: its commands and figures."""
    file = CONFIGS[key][0]
    config = FIXTURES / file
    lines = line_count(config, name)
    stem = name.replace("@", "_at_")
    trace, out = work / f"{stem}.trace", work / stem
    trace.write_text("\n".join(trace_lines(config, name, lines)) + "\n")
    out.mkdir()
    subprocess.run([str(binary), str(config), "-t", str(trace), "-c", str(CYCLES), "-o", str(out)],
                   check=True, capture_output=True)
    result = figures(config, json.loads((out / "dramsim3.json").read_text())["0"])
    if result["read_cmds"] + result["write_cmds"] + TRACE_SLACK // 2 > lines:
        raise RuntimeError(f"{key}/{name}: the trace ran out; raise TRACE_SLACK")
    rel = f"tests/fixtures/dramsim3/{file}"
    return {
        "trace_lines": lines,
        "commands": [
            f"python benchmarks/dramsim3/run_patterns.py trace {rel} {name} traces/{key}/{stem}.trace --lines {lines}",
            f"dramsim3main {rel} -t traces/{key}/{stem}.trace -c {CYCLES} -o out/{key}/{stem}",
        ],
        "dramsim3": result,
    }


def run_all(binary: Path) -> dict:
    """Every pattern on every config (the document of patterns.json)."""
    doc = {"dramsim3": {"repository": "https://github.com/umd-memsys/DRAMsim3", "commit": DRAMSIM3_COMMIT,
                        "executable": "dramsim3main"},
           "cycles": CYCLES, "configs": {}}
    for key, (file, origin) in CONFIGS.items():
        device, _ = load_dramsim3_ini(FIXTURES / file)
        entry = {"config": file, "origin": origin, "protocol": device.protocol, "tck_ns": device.tCK,
                 "burst_bytes": device.burst_bytes, "peak_gbps": round(device.peak_gbps, 4),
                 "address_mapping": device.address_mapping, "patterns": {}}
        with tempfile.TemporaryDirectory(prefix="dramsim3-patterns-") as tmp:
            for name in PATTERNS:
                entry["patterns"][name] = r = run_one(binary, key, name, Path(tmp))
                f = r["dramsim3"]
                print(f"{key:32s} {name:20s} {100 * f['efficiency']:6.2f}% {f['gbps']:7.2f} GB/s "
                      f"hits {100 * f['row_hit_rate']:5.1f}% p50 {f['read_latency_ns']['p50']}", flush=True)
        doc["configs"][key] = entry
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("run", help="run every pattern on every config, write patterns.json")
    run.add_argument("--dramsim3", type=Path, required=True, help="path of the dramsim3main executable")
    run.add_argument("--out", type=Path, default=FIXTURES / "patterns.json")
    tr = sub.add_parser("trace", help="write one pattern's trace")
    tr.add_argument("config", type=Path)
    tr.add_argument("pattern", choices=PATTERNS)
    tr.add_argument("out", type=Path)
    tr.add_argument("--lines", type=int, required=True)
    args = ap.parse_args()
    if args.mode == "trace":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(trace_lines(args.config, args.pattern, args.lines)) + "\n")
        return
    doc = run_all(args.dramsim3.resolve())
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
