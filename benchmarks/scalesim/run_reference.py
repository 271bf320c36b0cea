"""Regenerate tests/fixtures/scalesim/reference.json: SCALE-Sim's compute cycles of socsim's layers.

For every model of ``MODELS`` it takes the conv/fc layers of socsim's own layer graph (a shape-only
pass, as ``socsim workload summary`` does), writes them as a SCALE-Sim topology
(tests/fixtures/scalesim/topologies/), and for every array and dataflow of ``RUNS`` runs each
distinct topology row through SCALE-Sim as a one-layer topology (SCALE-Sim simulates layers
independently, so a row's cycles do not depend on its neighbours; identical rows are simulated
once). It records SCALE-Sim's "Total Cycles" and "Stall Cycles" (COMPUTE_REPORT.csv) per layer, and
its DRAM traffic (DETAILED_ACCESS_REPORT.csv: "DRAM IFMAP Reads", "DRAM Filter Reads", "DRAM OFMAP
Writes", in words of 1 byte) where the run's report is in ``--work``.

Depthwise layers are named ``DP...`` in the topology, SCALE-Sim's own convention: it expands such a
row into one single-channel, single-filter convolution per channel. Those copies are identical, so
one is simulated and its cycles multiplied by the channels (mapping ``per_channel``). The same layer
is also simulated as one convolution of 1 channel and C filters (mapping ``channel_parallel``: the
cost of an array whose columns each read their own channel).

SCALE-Sim runs in its own virtualenv (``--scalesim-python``), never imported by socsim. Its run time
grows with demand-matrix rows × array width and, for OS/IS, with the square of the folds; a row whose
estimated time exceeds its run's limit (``RUNS``) or memory ``--max-layer-gb`` is recorded as skipped. Results
are cached per (array, dataflow, row) in ``--work``, so an interrupted run resumes. Usage:

    python benchmarks/scalesim/run_reference.py --scalesim-python /tmp/scalesim-venv/bin/python

See tests/fixtures/scalesim/README.md for the SCALE-Sim version and configs.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "scalesim"
SCALESIM_VERSION = "3.0.0"
DATAFLOWS = ("ws", "os", "is")
MODELS = {"mobilenet_v1": (224, 224), "vgg16": (224, 224), "fcn8s_small": (64, 128), "fcn8s": (256, 512)}
"""Topology name → input (height, width); 'fcn8s_small' is FCN-8s at a reduced input."""
RUNS = [
    ("mobilenet_v1", 32, 32, 120), ("mobilenet_v1", 8, 8, 240), ("fcn8s", 256, 128, 240), ("vgg16", 128, 128, 300),
    ("fcn8s_small", 32, 32, 240), ("fcn8s_small", 8, 8, 240), ("mobilenet_v1", 256, 128, 240),
    ("fcn8s_small", 256, 128, 240),
]
"""(topology, array rows, array cols, largest estimated run time of one layer in s) in the order they are simulated."""
# SCALE-Sim's run script, called in its own interpreter: the Python API with traces off
# (its command-line entry point always writes per-cycle trace files).
RUNNER = (
    "import sys; from scalesim.scale_sim import scalesim; "
    "s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2], layout=sys.argv[3]); "
    "s.run_scale(top_path=sys.argv[4])"
)


@dataclass(frozen=True)
class Row:
    """One SCALE-Sim topology row and the socsim layer it describes."""

    name: str
    """socsim layer name."""
    ifmap_h: int
    """Padded input height SCALE-Sim sees; its output height equals socsim's (pixels)."""
    ifmap_w: int
    """Padded input width (pixels)."""
    filter_h: int
    """Kernel height (pixels)."""
    filter_w: int
    """Kernel width (pixels)."""
    channels: int
    """Input channels per group (count)."""
    filters: int
    """Output channels; 1 for a depthwise layer, whose channels SCALE-Sim expands (count)."""
    stride: int
    """Stride (pixels)."""
    depthwise_channels: int
    """Channels of a depthwise layer, 0 for other layers (count)."""
    macs: int
    """socsim's MAC count of the layer, which the row reproduces (count)."""

    def topology_line(self) -> str:
        """The row in SCALE-Sim's conv topology format (depthwise rows named DP..., channels = C)."""
        name = f"DP_{self.name}" if self.depthwise_channels else self.name
        ch = self.depthwise_channels or self.channels
        return f"{name}, {self.ifmap_h}, {self.ifmap_w}, {self.filter_h}, {self.filter_w}, {ch}, {self.filters}, {self.stride},"

    def simulated(self, mapping: str) -> tuple[tuple[int, ...], int]:
        """The one-layer shape SCALE-Sim simulates under ``mapping`` and the factor its cycles are multiplied by."""
        base = (self.ifmap_h, self.ifmap_w, self.filter_h, self.filter_w, self.channels)
        if mapping == "per_channel":
            return base + (1, self.stride), self.depthwise_channels
        if mapping == "channel_parallel":
            return base + (self.depthwise_channels, self.stride), 1
        return base + (self.filters, self.stride), 1


def rows_of(model: str, height: int, width: int) -> list[Row]:
    """SCALE-Sim rows of the conv/fc layers of socsim's graph of ``model`` at height×width."""
    import torch

    from socsim.workload.capture import layer_graph
    from socsim.workload.graph import INPUT
    from socsim.workload.weights import resolve_model

    with torch.device("meta"):
        net = resolve_model(model).factory()
    graph = layer_graph(net, height, width)
    rows = []
    for layer in graph.layers:
        if layer.kind not in ("conv", "fc") or layer.macs == 0:
            continue
        kh, kw = layer.kernel
        k, cout = layer.in_channels_per_group * kh * kw, layer.out_shape[0]
        depthwise = layer.kind == "conv" and layer.in_channels_per_group == 1 and cout > 1 and layer.kernel != (1, 1)
        pixels = layer.macs // (k * cout)
        if layer.kind == "fc":
            rows.append(Row(layer.name, 1, 1, 1, 1, layer.in_channels_per_group, cout, 1, 0, layer.macs))
            continue
        src = layer.inputs[0]
        in_h, in_w = graph.input_shape[1:] if src == INPUT else graph[src].out_shape[1:]
        out_h, out_w = layer.out_shape[1:]
        if pixels != out_h * out_w:
            # Transposed convolution: socsim charges one pass per input pixel; SCALE-Sim gets the
            # stride-1 convolution with as many output pixels and the same reduction and filters.
            out_h, out_w, stride = in_h, in_w, 1
        else:
            stride = max(1, round(in_h / out_h))
        row = Row(layer.name, (out_h - 1) * stride + kh, (out_w - 1) * stride + kw, kh, kw,
                  layer.in_channels_per_group, 1 if depthwise else cout, stride, cout if depthwise else 0, layer.macs)
        assert out_h * out_w * k * cout == layer.macs, layer.name
        rows.append(row)
    return rows


def mappings(row: Row) -> tuple[str, ...]:
    """The mappings a row is simulated under."""
    return ("per_channel", "channel_parallel") if row.depthwise_channels else ("standard",)


def config_text(rows: int, cols: int, dataflow: str) -> str:
    """SCALE-Sim config: its shipped configs/scale.cfg with this array and dataflow (CALC bandwidth mode)."""
    return f"""[general]
run_name = {dataflow}_{rows}x{cols}

[architecture_presets]
ArrayHeight:    {rows}
ArrayWidth:     {cols}
IfmapSramSzkB:   64
FilterSramSzkB:  64
OfmapSramSzkB:   64
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : {dataflow}
MemoryBanks:   1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def estimate(shape: tuple[int, ...], rows: int, cols: int, dataflow: str) -> tuple[float, float]:
    """Rough SCALE-Sim run time (s) and peak memory (GB) of one layer, from its demand-matrix size."""
    ih, iw, fh, fw, ch, nf, s = shape
    p = _ceil(ih - fh + s, s) * _ceil(iw - fw + s, s)
    k = fh * fw * ch
    folds, per_fold = {
        "ws": (_ceil(k, rows) * _ceil(nf, cols), p + 2 * rows + cols),
        "os": (_ceil(p, rows) * _ceil(nf, cols), k + rows + cols),
        "is": (_ceil(k, rows) * _ceil(p, cols), nf + 2 * rows + cols),
    }[dataflow]
    width = rows + 2 * cols
    # Fitted to this machine's runs: each demand row costs about 60 µs + 13.5 ns × width².
    seconds = folds * per_fold * (60e-6 + 1.35e-8 * width * width)
    if dataflow != "ws":
        # OS/IS append each fold to the whole demand matrix so far: quadratic copying.
        seconds += folds * folds / 2 * per_fold * width * 8 / 0.5e9
    return seconds, folds * per_fold * width * 32 / 1e9


def tag_of(shape: tuple[int, ...], rows: int, cols: int, dataflow: str) -> str:
    """The folder name of one layer's run under ``--work``."""
    return f"{dataflow}_{rows}x{cols}_" + "_".join(map(str, shape))


def dram_words(out: Path) -> dict | None:
    """SCALE-Sim's DRAM reads and writes of a finished run's folder (words), or None without its report."""
    path = out / "DETAILED_ACCESS_REPORT.csv"
    if not path.exists():
        return None
    with open(path) as f:
        rec = next(csv.DictReader(f, skipinitialspace=True))
    return {"ifmap_reads": int(float(rec["DRAM IFMAP Reads"])), "filter_reads": int(float(rec["DRAM Filter Reads"])),
            "ofmap_writes": int(float(rec["DRAM OFMAP Writes"]))}


def simulate(python: str, shape: tuple[int, ...], rows: int, cols: int, dataflow: str, work: Path) -> dict:
    """Run SCALE-Sim on one layer; its Total and Stall cycles, DRAM words and the wall time of the run."""
    d = work / tag_of(shape, rows, cols, dataflow)
    d.mkdir(parents=True, exist_ok=True)
    (d / "scale.cfg").write_text(config_text(rows, cols, dataflow))
    ih, iw, fh, fw, ch, nf, s = shape
    header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    (d / "topology.csv").write_text(header + f"L, {ih}, {iw}, {fh}, {fw}, {ch}, {nf}, {s},\n")
    t0 = time.monotonic()
    subprocess.run([python, "-c", RUNNER, str(d / "scale.cfg"), str(d / "topology.csv"),
                    str(FIXTURES / "layout.csv"), str(d / "out")], check=True, cwd=d)
    out = d / "out" / f"{dataflow}_{rows}x{cols}"
    with open(out / "COMPUTE_REPORT.csv") as f:
        rec = next(csv.DictReader(f, skipinitialspace=True))
    return {"total_cycles": int(rec["Total Cycles"]), "stall_cycles": int(rec["Stall Cycles"]),
            "wall_s": round(time.monotonic() - t0, 1), "dram_words": dram_words(out)}


def write_inputs(topologies: dict[str, list[Row]]) -> None:
    """Write the topology and config files SCALE-Sim is given into the fixture folder."""
    (FIXTURES / "topologies").mkdir(parents=True, exist_ok=True)
    (FIXTURES / "configs").mkdir(parents=True, exist_ok=True)
    header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    for name, rows in topologies.items():
        h, w = MODELS[name]
        text = header + "".join(r.topology_line() + "\n" for r in rows)
        (FIXTURES / "topologies" / f"{name}_{h}x{w}.csv").write_text(text)
    for _, r, c, _ in RUNS:
        for df in DATAFLOWS:
            (FIXTURES / "configs" / f"{df}_{r}x{c}.cfg").write_text(config_text(r, c, df))


def cases(topologies: dict[str, list[Row]]):
    """Every (topology, rows, cols, time limit, dataflow, row, mapping) of ``RUNS``, in order."""
    for topo, r, c, max_s in RUNS:
        for df in DATAFLOWS:
            for row in topologies[topo]:
                for mapping in mappings(row):
                    yield topo, r, c, max_s, df, row, mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scalesim-python", default="/tmp/scalesim-venv/bin/python")
    parser.add_argument("--work", type=Path, default=Path("/tmp/scalesim-work"))
    parser.add_argument("--max-layer-gb", type=float, default=3.0)
    args = parser.parse_args()
    topologies = {name: rows_of(name.removesuffix("_small"), *hw) for name, hw in MODELS.items()}
    write_inputs(topologies)
    args.work.mkdir(parents=True, exist_ok=True)
    cache_path = args.work / "cache.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    records = []
    for topo, r, c, max_s, df, row, mapping in cases(topologies):
        shape, repeat = row.simulated(mapping)
        seconds, gb = estimate(shape, r, c, df)
        rec = {"topology": topo, "model": topo.removesuffix("_small"), "input": list(MODELS[topo]), "rows": r,
               "cols": c, "dataflow": df, "layer": row.name, "mapping": mapping, "scalesim_layer": list(shape),
               "repeat": repeat}
        records.append(rec)
        if seconds > max_s or gb > args.max_layer_gb:
            rec["skipped"] = f"estimated SCALE-Sim run {seconds:.0f} s, {gb:.1f} GB"
            continue
        key = f"{df} {r}x{c} {shape}"
        if key not in cache:
            cache[key] = simulate(args.scalesim_python, shape, r, c, df, args.work)
            cache_path.write_text(json.dumps(cache, indent=1))
            print(f"{topo} {r}x{c} {df} {row.name} {mapping}: {cache[key]}", flush=True)
        if cache[key].get("dram_words") is None:
            found = dram_words(args.work / tag_of(shape, r, c, df) / "out" / f"{df}_{r}x{c}")
            if found is not None:
                cache[key]["dram_words"] = found
                cache_path.write_text(json.dumps(cache, indent=1))
        rec["total_cycles"], rec["stall_cycles"] = cache[key]["total_cycles"], cache[key]["stall_cycles"]
        rec["cycles"] = repeat * cache[key]["total_cycles"]
        if cache[key].get("dram_words") is not None:
            rec["dram_words"] = {k: repeat * v for k, v in cache[key]["dram_words"].items()}
    write_reference(records)


def write_reference(records: list[dict]) -> None:
    """Write reference.json."""
    out = {
        "scalesim_version": SCALESIM_VERSION,
        "models": {name: list(hw) for name, hw in MODELS.items()},
        "note": ("cycles = repeat × SCALE-Sim 'Total Cycles' of the one-layer run; dram_words = repeat × its DRAM "
                 "IFMAP/Filter reads and OFMAP writes (words of 1 byte); skipped rows were too costly to simulate"),
        "layers": records,
    }
    (FIXTURES / "reference.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
