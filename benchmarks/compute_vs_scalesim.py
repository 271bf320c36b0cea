"""socsim's compute cycles next to SCALE-Sim's, per layer, array and dataflow (tests/fixtures/scalesim/reference.json).

For every layer SCALE-Sim simulated it builds socsim's own layer graph of the model (a shape-only
pass), computes ``socsim.model.compute.compute_cycles`` on the same array, dataflow and depthwise
mapping, and prints both, socsim / SCALE-Sim and the error in %. The column ``before`` is the rule
socsim used before fill and drain were counted (P·⌈K/R⌉·⌈N/C⌉, depthwise channels on the columns),
as a ratio to SCALE-Sim. A summary per model × array × dataflow × mapping follows: layers compared
and skipped (too costly to simulate, see benchmarks/scalesim/run_reference.py), the largest |error|
and the ratio of the sums; then per dataflow × mapping the largest and mean |error| over all layers. Usage:

    python benchmarks/compute_vs_scalesim.py [--summary-only]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from socsim.model.compute import compute_cycles, layer_gemm
from socsim.scenario import AcceleratorSpec
from socsim.units import ceil_div

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "scalesim" / "reference.json"


def graph_layers(model: str, height: int, width: int) -> dict:
    """socsim's layers of ``model`` at height×width by name (shape-only pass on the meta device)."""
    import torch

    from socsim.workload.capture import layer_graph
    from socsim.workload.weights import resolve_model

    with torch.device("meta"):
        net = resolve_model(model).factory()
    return {layer.name: layer for layer in layer_graph(net, height, width).layers}


def previous_cycles(layer, rows: int, cols: int) -> int:
    """The rule before fill and drain were counted: P·⌈K/R⌉·⌈N/C⌉ with depthwise channels on the columns."""
    g = layer_gemm(layer, "channel_parallel")
    return g.pixels * ceil_div(g.reduction, rows) * ceil_div(g.filters, cols)


def compare(reference: dict) -> list[dict]:
    """One row per layer SCALE-Sim simulated: both cycle counts and the previous rule's."""
    graphs = {name: graph_layers(name.removesuffix("_small"), *hw) for name, hw in reference["models"].items()}
    out = []
    for r in reference["layers"]:
        row = {k: r[k] for k in ("topology", "rows", "cols", "dataflow", "layer", "mapping")}
        if "cycles" not in r:
            out.append(row | {"skipped": r["skipped"]})
            continue
        layer = graphs[r["topology"]][r["layer"]]
        depthwise = "per_channel" if r["mapping"] == "standard" else r["mapping"]
        acc = AcceleratorSpec(rows=r["rows"], cols=r["cols"], dataflow=r["dataflow"], depthwise=depthwise)
        ours = compute_cycles(layer, acc)
        out.append(row | {"scalesim": r["cycles"], "socsim": ours, "before": previous_cycles(layer, r["rows"], r["cols"])})
    return out


def print_layers(rows: list[dict]) -> None:
    """Per-layer lines."""
    print(f"{'model':<13}{'array':>8} {'df':<3}{'layer':<18}{'mapping':<17}{'SCALE-Sim':>12}{'socsim':>12}"
          f"{'ratio':>8}{'err %':>8}{'before':>8}")
    for r in rows:
        head = f"{r['topology']:<13}{r['rows']:>4}x{r['cols']:<3} {r['dataflow']:<3}{r['layer']:<18}{r['mapping']:<17}"
        if "skipped" in r:
            print(head + f"  skipped ({r['skipped']})")
            continue
        ratio = r["socsim"] / r["scalesim"]
        print(head + f"{r['scalesim']:>12}{r['socsim']:>12}{ratio:>8.4f}{100 * (ratio - 1):>8.3f}"
                     f"{r['before'] / r['scalesim']:>8.3f}")


def print_summary(rows: list[dict]) -> None:
    """Per model × array × dataflow × mapping: coverage, largest |error|, ratio of the sums."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["topology"], r["rows"], r["cols"], r["dataflow"], r["mapping"])].append(r)
    print(f"\n{'model':<13}{'array':>8} {'df':<3}{'mapping':<17}{'layers':>7}{'skipped':>8}{'max |err| %':>12}"
          f"{'sum ratio':>10}{'before':>8}")
    for (topo, nr, nc, df, mapping), rs in groups.items():
        done = [r for r in rs if "skipped" not in r]
        head = f"{topo:<13}{nr:>4}x{nc:<3} {df:<3}{mapping:<17}{len(done):>7}{len(rs) - len(done):>8}"
        if not done:
            print(head)
            continue
        worst = max(abs(r["socsim"] / r["scalesim"] - 1) for r in done)
        sim = sum(r["scalesim"] for r in done)
        print(head + f"{100 * worst:>12.3f}{sum(r['socsim'] for r in done) / sim:>10.4f}"
                     f"{sum(r['before'] for r in done) / sim:>8.3f}")


def print_dataflows(rows: list[dict]) -> None:
    """Per dataflow × mapping, over every layer compared: count, largest and mean |error|."""
    groups: dict[tuple, list[float]] = defaultdict(list)
    for r in rows:
        if "skipped" not in r:
            groups[(r["dataflow"], r["mapping"])].append(abs(r["socsim"] / r["scalesim"] - 1))
    print(f"\n{'df':<4}{'mapping':<17}{'layers':>7}{'max |err| %':>12}{'mean |err| %':>13}")
    for (df, mapping), errs in sorted(groups.items()):
        print(f"{df:<4}{mapping:<17}{len(errs):>7}{100 * max(errs):>12.3f}{100 * sum(errs) / len(errs):>13.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    reference = json.loads(args.reference.read_text())
    print(f"SCALE-Sim {reference['scalesim_version']}; ratio = socsim / SCALE-Sim; before = the rule without "
          "fill and drain / SCALE-Sim")
    rows = compare(reference)
    if not args.summary_only:
        print_layers(rows)
    print_summary(rows)
    print_dataflows(rows)


if __name__ == "__main__":
    main()
