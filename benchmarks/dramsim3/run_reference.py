"""Regenerate tests/fixtures/dramsim3/reference.json: every standard pattern on every device, run through DRAMsim3.

Per device (a config in tests/fixtures/dramsim3/) and pattern (``make_traces.patterns``) it writes a
saturating trace into a temporary folder, runs ``dramsim3main CONFIG -t TRACE -c CYCLES -o OUT``,
reads OUT/dramsim3.json and records the pattern's parameters, the exact command lines and the
figures: delivered bandwidth (DRAM READ/WRITE commands × burst bytes / simulated time), its share
of the config's peak, average read latency and row hit rates. Usage:

    python benchmarks/dramsim3/run_reference.py --dramsim3 /tmp/dramsim3-src/build/dramsim3main

See tests/fixtures/dramsim3/README.md for the DRAMsim3 build these figures come from.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from make_traces import Geometry, Pattern, load_geometry, patterns, write_trace

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"
DRAMSIM3_REPOSITORY = "https://github.com/umd-memsys/DRAMsim3"
DRAMSIM3_COMMIT = "29817593b3389f1337235d63cac515024ab8fd6e"
CYCLES = 200_000
SEED = 1
# Lines the controller may hold beyond those it has served (32 reads, 32 writes, 8 per bank) fit here.
TRACE_SLACK = 1024


@dataclass(frozen=True)
class Device:
    """One DRAMsim3 configuration and the socsim preset it is compared with."""

    name: str
    """Key in reference.json."""
    config: str
    """Config file name in tests/fixtures/dramsim3/."""
    socsim_preset: str
    """socsim DRAM preset of the same kind."""
    origin: str
    """Where the config comes from and what differs from DRAMsim3's shipped file."""


DEVICES = [
    Device("ddr4-3200", "DDR4_8Gb_x8_3200_1rank.ini", "ddr4-3200",
           "DRAMsim3 configs/DDR4_8Gb_x8_3200.ini with channel_size 16384 -> 8192 (one rank of 8 x8 devices)"),
    Device("lpddr4-2400", "LPDDR4_8Gb_x16_2400_1rank.ini", "lpddr4-3200",
           "DRAMsim3 configs/LPDDR4_8Gb_x16_2400.ini with channel_size 8192 -> 4096 (one rank of 4 x16 devices); "
           "DRAMsim3 ships no LPDDR4-3200 config"),
    Device("lpddr4-3200", "LPDDR4_8Gb_x16_3200_1rank.ini", "lpddr4-3200",
           "LPDDR4_8Gb_x16_2400_1rank.ini with its [timing] section replaced by JESD209-4B LPDDR4-3200 values "
           "(tCK 0.625 ns; each value's source is a comment in the file)"),
]


def _stats(out_dir: Path) -> dict:
    with open(out_dir / "dramsim3.json") as f:
        return json.load(f)["0"]


def figures(g: Geometry, s: dict, pattern: Pattern) -> dict:
    """The reference figures of one run from DRAMsim3's channel-0 statistics."""
    reads, writes = s["num_read_cmds"], s["num_write_cmds"]
    bursts = reads + writes
    time_ns = s["num_cycles"] * g.tck_ns
    gbps = bursts * g.burst_bytes / time_ns
    hits = s["num_read_row_hits"] + s["num_write_row_hits"]
    latency = s["average_read_latency"] if s["num_reads_done"] else None
    return {
        "bursts_served": bursts,
        "requests_served": bursts // pattern.request_bursts,
        "read_bursts": reads,
        "write_bursts": writes,
        "bandwidth_gbps": round(gbps, 4),
        "share_of_peak": round(gbps / g.peak_gbps, 4),
        "dramsim3_average_bandwidth_gbps": round(s["average_bandwidth"], 4),
        "average_read_latency_cycles": None if latency is None else round(latency, 2),
        "average_read_latency_ns": None if latency is None else round(latency * g.tck_ns, 2),
        "row_hit_rate": round(hits / bursts, 4),
        "read_row_hit_rate": round(s["num_read_row_hits"] / reads, 4) if reads else None,
        "write_row_hit_rate": round(s["num_write_row_hits"] / writes, 4) if writes else None,
        "activates": s["num_act_cmds"],
        "refreshes": s["num_ref_cmds"],
    }


def run_pattern(binary: Path, device: Device, g: Geometry, pattern: Pattern, work: Path) -> dict:
    """Run one pattern through DRAMsim3 and return its fixture entry (parameters, commands, figures)."""
    n = CYCLES // g.burst_cycles + TRACE_SLACK
    trace, out_dir = work / f"{pattern.name}.trace", work / pattern.name
    out_dir.mkdir()
    write_trace(trace, pattern.generate(g, n, SEED))
    config = FIXTURES / device.config
    subprocess.run([str(binary), str(config), "-t", str(trace), "-c", str(CYCLES), "-o", str(out_dir)],
                   check=True, capture_output=True)
    result = figures(g, _stats(out_dir), pattern)
    if result["bursts_served"] + TRACE_SLACK // 2 > n:
        raise RuntimeError(f"{device.name}/{pattern.name}: the trace ran out; raise TRACE_SLACK")
    fixture = f"tests/fixtures/dramsim3/{device.config}"
    return {
        "parameters": {
            "layout": pattern.layout,
            "burst_bytes": g.burst_bytes,
            "request_bytes": pattern.request_bursts * g.burst_bytes,
            "read_fraction": round(pattern.read_fraction, 4),
            "trace_bursts": n,
            "seed": SEED,
        },
        "commands": [
            f"python benchmarks/dramsim3/make_traces.py {fixture} traces/{device.name} --bursts {n} --seed {SEED}",
            (f"dramsim3main {fixture} -t traces/{device.name}/{pattern.name}.trace -c {CYCLES} "
             f"-o out/{device.name}/{pattern.name}"),
        ],
        "dramsim3": result,
    }


def run_device(binary: Path, device: Device) -> dict:
    """All patterns on one device, with the device's geometry and peak."""
    g = load_geometry(FIXTURES / device.config)
    entry = {
        "config": device.config, "origin": device.origin, "socsim_preset": device.socsim_preset,
        "protocol": g.protocol, "tck_ns": g.tck_ns, "burst_bytes": g.burst_bytes, "burst_cycles": g.burst_cycles,
        "peak_gbps": round(g.peak_gbps, 4), "ranks": g.ranks, "bankgroups": g.bankgroups, "banks": g.banks,
        "rows": g.rows, "row_bytes": g.row_bytes, "address_mapping": g.address_mapping, "patterns": {},
    }
    with tempfile.TemporaryDirectory(prefix=f"dramsim3-{device.name}-") as tmp:
        for pattern in patterns(g):
            entry["patterns"][pattern.name] = run_pattern(binary, device, g, pattern, Path(tmp))
            r = entry["patterns"][pattern.name]["dramsim3"]
            print(f"{device.name:12s} {pattern.name:24s} {r['bandwidth_gbps']:7.2f} GB/s "
                  f"{100 * r['share_of_peak']:5.1f}% of peak  row hits {100 * r['row_hit_rate']:5.1f}%")
    return entry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dramsim3", type=Path, required=True, help="path of the dramsim3main executable")
    ap.add_argument("--commit", default=DRAMSIM3_COMMIT, help="DRAMsim3 commit the executable was built from")
    ap.add_argument("--out", type=Path, default=FIXTURES / "reference.json", help="where to write the figures")
    args = ap.parse_args()
    reference = {
        "dramsim3": {"repository": DRAMSIM3_REPOSITORY, "commit": args.commit, "executable": "dramsim3main"},
        "cycles": CYCLES,
        "bandwidth": "DRAM READ and WRITE commands x burst_bytes / (cycles x tCK); share_of_peak divides by "
                     "burst_bytes / (burst_cycles x tCK)",
        "row_hit_rate": "READ/WRITE commands issued to an already open row (DRAMsim3 num_*_row_hits) / all",
        "average_read_latency": "DRAMsim3 average_read_latency: controller accept to data return, queueing included",
        "devices": {d.name: run_device(args.dramsim3.resolve(), d) for d in DEVICES},
    }
    args.out.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
