"""socsim's DRAM models next to DRAMsim3: the ``socsim dram`` patterns (patterns.json), then the older reference.json.

**patterns.json** (the default table): for every config of tests/fixtures/dramsim3/patterns.json and
every pattern of ``socsim dram``, socsim's burst fidelity with the command model
(``socsim.dram_characterise.run_pattern`` on the same .ini, one channel, one-burst requests) next to
DRAMsim3's figures: efficiency and its relative error (target: within 10 %), row hit rate, read
latency p50 and its error (target at ``seq_read@0.1``: within 15 %), avg and p99.

**reference.json** (``--reference-table``): for every device and pattern of that fixture it regenerates the same burst stream
(``benchmarks/dramsim3/make_traces.py``, same config, length and seed) and serves it through

- the reduced model (``soc.dram.model: timing``): the bursts DRAMsim3 served, each address mapped
  to (bank, row) with the config's address map, back to back through the burst-fidelity DRAM state
  (``DramModel.from_spec`` of the device's socsim preset, ``DramState.serve``);
- the command-level model (``soc.dram.model: command``): the whole trace offered to
  ``socsim.model.dram_controller`` built from the same DRAMsim3 .ini (``socsim.dramsim3_config``),
  saturating, for the fixture's window of clocks (``run_trace``).

It prints delivered bandwidth as a share of each model's own peak, the error of each share against
DRAMsim3's, the row hit rates, and the share of peak the command model's worst case guarantees to
the pattern (``socsim.model.dram_worst_case.worst_case_efficiency``; "wc ok": at most DRAMsim3's). Usage:

    python benchmarks/dram_vs_dramsim3.py [--patterns a,b] [--reference-table]

socsim's DMA burst is set to the config's burst (64 B for DDR4, 128 B for the BL16 LPDDR4 rank), so
both models see the same number of bursts; socsim serves them in order, DRAMsim3 reorders them
(FR-FCFS) within its 32-entry queues.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from dramsim3.make_traces import Geometry, load_geometry, patterns

from socsim.dram_characterise import dram_under_test, run_pattern
from socsim.dramsim3_config import load_dramsim3_ini
from socsim.model.dram import HIT, DramModel, DramState
from socsim.model.dram_controller import DramController, TraceResult, run_trace
from socsim.model.dram_worst_case import worst_case_efficiency
from socsim.registry import DRAM_PRESETS
from socsim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "dramsim3"


@dataclass(frozen=True)
class Served:
    """What socsim's model delivers on one burst stream."""

    gbps: float
    """Delivered bandwidth: bytes / time to serve them all (GB/s)."""
    share_of_peak: float
    """gbps / the preset's peak (0..1)."""
    row_hit_rate: float
    """Bursts that found their row open (0..1)."""


def socsim_model(preset: str, burst_bytes: int) -> DramModel:
    """socsim's DRAM model of a preset, with a bus (64 B at 1 GHz) faster than the DRAM and the given burst."""
    data = {
        "name": "dramsim3", "deadline_ms": 1.0, "workload": {"model": "mobilenet_v1"},
        "soc": {"dma": {"burst_bytes": burst_bytes}, "bus": {"width_bytes": 64, "freq_mhz": 1000.0},
                "dram": {"preset": preset}},
    }
    return DramModel.from_spec(Scenario.from_dict(data).soc)


def serve(model: DramModel, g: Geometry, bursts: list[tuple[int, bool]]) -> Served:
    """Serve ``bursts`` back to back (each granted when the previous one ends) from time 0."""
    state = DramState(model, 1)
    now = 0.0
    for addr, is_write in bursts:
        bank, row, _ = g.decode(addr)
        _, now = state.serve(0, bank, row, is_write, now)
    gbps = len(bursts) * model.burst_bytes / now
    return Served(gbps, gbps / model.dram_gbps, state.kinds[0][HIT] / len(bursts))


def command_level(config: Path, bursts: list[tuple[int, bool]], cycles: int) -> TraceResult:
    """The command-level controller of a DRAMsim3 config serving a saturating trace for ``cycles`` clocks."""
    device, controller = load_dramsim3_ini(config)
    return run_trace(DramController(device, controller), bursts, cycles)


def compare_device(name: str, device: dict, cycles: int) -> list[tuple]:
    """Rows (device, pattern, DRAMsim3 figures, reduced model, command model) for every pattern of one device."""
    g = load_geometry(FIXTURES / device["config"])
    model = socsim_model(device["socsim_preset"], g.burst_bytes)
    if model.banks != g.banks or model.row_bytes != g.row_bytes:
        raise SystemExit(f"{name}: socsim preset {device['socsim_preset']} has {model.banks} banks of "
                         f"{model.row_bytes} B rows, the config {g.banks} of {g.row_bytes} B")
    rows = []
    for pattern in patterns(g):
        ref = device["patterns"][pattern.name]
        params, d3 = ref["parameters"], ref["dramsim3"]
        trace = pattern.generate(g, params["trace_bursts"], params["seed"])
        command = command_level(FIXTURES / device["config"], trace, cycles)
        rows.append((name, pattern.name, d3, serve(model, g, trace[: d3["bursts_served"]]), command))
    return rows


def _pct(x: float | None, width: int = 6) -> str:
    return f"{'-':>{width}s}" if x is None else f"{100 * x:{width}.1f}%"


def _ns(x: float | None) -> str:
    return f"{'-' if x is None else f'{x:.0f}':>8s}"


def _err(ours: float | None, theirs: float | None) -> float | None:
    return None if ours is None or not theirs else ours / theirs - 1.0


def patterns_table(doc: dict, names: list[str] | None) -> int:
    """Print socsim's command model next to DRAMsim3 on every config and pattern; the misses of the targets (count)."""
    print(f"socsim burst fidelity (command model) vs DRAMsim3 {doc['dramsim3']['commit'][:10]}, {doc['cycles']} "
          "clocks; err = socsim / DRAMsim3 - 1; targets: |eff err| <= 10 %, |p50 err| <= 15 % at seq_read@0.1")
    print(f"{'config':31s} {'pattern':19s} {'eff D3':>7s} {'socsim':>7s} {'err':>7s} {'hits D3':>7s} {'socsim':>7s} "
          f"{'p50 D3':>8s} {'socsim':>8s} {'err':>7s} {'avg D3':>8s} {'socsim':>8s} {'p99 D3':>8s} {'socsim':>8s}")
    misses = 0
    for key, entry in doc["configs"].items():
        dut = dram_under_test(None, FIXTURES / entry["config"])
        errs = []
        for name, ref in entry["patterns"].items():
            if names is not None and name not in names:
                continue
            d3 = ref["dramsim3"]
            ours = run_pattern(dut, name, doc["cycles"])
            e = _err(ours.efficiency, d3["efficiency"])
            lat, our_lat = d3["read_latency_ns"], ours.read_latency_ns
            e50 = _err(our_lat.p50, lat["p50"])
            errs.append(abs(e))
            misses += abs(e) > 0.10 or (name == "seq_read@0.1" and (e50 is None or abs(e50) > 0.15))
            print(f"{key:31s} {name:19s} {_pct(d3['efficiency'])} {_pct(ours.efficiency)} {_pct(e)} "
                  f"{_pct(d3['row_hit_rate'])} {_pct(ours.row_hit_rate)} {_ns(lat['p50'])} {_ns(our_lat.p50)} "
                  f"{_pct(e50)} {_ns(lat['avg'])} {_ns(our_lat.avg)} {_ns(lat['p99'])} {_ns(our_lat.p99)}", flush=True)
        if errs:
            print(f"{key:31s} {'max |eff err|':19s} {'':7s} {'':7s} {_pct(max(errs))}")
    print(f"patterns outside the targets: {misses}")
    return misses


def reference_table(reference: dict) -> None:
    """Print the reduced and the command model next to DRAMsim3 on the patterns of reference.json."""
    print(f"DRAMsim3 {reference['dramsim3']['commit'][:10]}, {reference['cycles']} cycles per pattern; "
          "share = delivered / own peak; err = socsim share / DRAMsim3 share - 1")
    print(f"{'device':12s} {'pattern':22s} {'DRAMsim3':>17s} {'timing':>17s} {'err':>7s} {'command':>7s} "
          f"{'err':>7s} {'hits D3':>8s} {'timing':>7s} {'command':>7s} {'D3 lat':>7s} {'cmd lat':>7s} {'worst':>6s} {'wc ok':>5s}")
    for name, device in reference["devices"].items():
        errors, cmd_errors = [], []
        for _, pattern, d3, soc, cmd in compare_device(name, device, reference["cycles"]):
            err = soc.share_of_peak / d3["share_of_peak"] - 1.0
            share = cmd.share_of_peak(device["burst_cycles"])
            cmd_err = share / d3["share_of_peak"] - 1.0
            errors.append(abs(err))
            cmd_errors.append(abs(cmd_err))
            writes = device["patterns"][pattern]["parameters"]["read_fraction"] < 1.0
            wc = worst_case_efficiency(load_dramsim3_ini(FIXTURES / device["config"])[0], writes)
            lat = d3["average_read_latency_ns"]
            cmd_lat = None if cmd.mean_read_latency is None else cmd.mean_read_latency * device["tck_ns"]
            print(f"{name:12s} {pattern:22s} {d3['bandwidth_gbps']:6.2f} GB/s {100 * d3['share_of_peak']:5.1f}% "
                  f"{soc.gbps:6.2f} GB/s {100 * soc.share_of_peak:5.1f}% {100 * err:+6.1f}% "
                  f"{100 * share:6.1f}% {100 * cmd_err:+6.1f}% "
                  f"{100 * d3['row_hit_rate']:7.1f}% {100 * soc.row_hit_rate:6.1f}% {100 * cmd.row_hit_rate:6.1f}% "
                  f"{'-' if lat is None else f'{lat:.0f} ns':>7s} {'-' if cmd_lat is None else f'{cmd_lat:.0f} ns':>7s} "
                  f"{100 * wc:5.1f}% {'yes' if wc <= d3['share_of_peak'] else 'NO':>5s}")
        print(f"{name:12s} {'mean |err|':22s} {'':17s} {'':17s} {100 * sum(errors) / len(errors):6.1f}% "
              f"{'':7s} {100 * sum(cmd_errors) / len(cmd_errors):6.1f}% "
              f"(timing: socsim preset {device['socsim_preset']}, peak "
              f"{DRAM_PRESETS.load(device['socsim_preset']).peak_gbps} GB/s; command: {device['config']}; "
              f"DRAMsim3 peak {device['peak_gbps']} GB/s)")




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", help="only these patterns of patterns.json, comma-separated")
    ap.add_argument("--reference-table", action="store_true", help="also the older reference.json table")
    args = ap.parse_args()
    patterns_table(json.loads((FIXTURES / "patterns.json").read_text()),
                   None if args.patterns is None else args.patterns.split(","))
    if args.reference_table:
        reference_table(json.loads((FIXTURES / "reference.json").read_text()))


if __name__ == "__main__":
    main()
