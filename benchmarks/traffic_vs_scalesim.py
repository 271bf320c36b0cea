"""socsim's DRAM traffic per layer next to SCALE-Sim's (tests/fixtures/scalesim/reference.json), and why they differ.

Both are given the same layer: SCALE-Sim's one-layer topology row (padded input IH×IW×C, filters
FH×FW×C×N, output P×N, words of 1 byte). SCALE-Sim 3.0.0 (CALC bandwidth mode) has one 64 KiB
SRAM per operand, half of it active, and counts the words each operand's buffer fetches from DRAM
and the words the output buffer writes. socsim's rule (``socsim.model.schedule.sram_tiling``) gets
the same 192 KiB as one SRAM and the same operands: weights W = FH·FW·C·N, inputs I = IH·IW·C,
output O = P·N. Depthwise layers are compared under the per-channel mapping (SCALE-Sim's channel-
parallel stand-in reads one channel only).

Per model × array × dataflow it prints the layers compared and, per operand, socsim / SCALE-Sim of
the summed traffic, then how many layers each explanation accounts for:

- ``psum``: SCALE-Sim writes the output of every row fold, ⌈K/R⌉·O words under ws and is (partial
  sums, never read back: its output buffer only writes); socsim accumulates partial sums in SRAM
  and writes O once, unless its cheapest loop order splits the reduction into groups (then
  (groups − 1)·O more written and read back). Under os the sums stay in the PEs and SCALE-Sim
  writes O.
- ``refetch``: SCALE-Sim re-reads an operand that exceeds its own 32 KiB active half on every pass
  of the fold loop over it (inputs once per column fold under ws/os, filters once per pixel fold
  under is and os), and each fold re-reads the overlapping rows of its convolution windows; socsim
  keeps one operand (the one that saves traffic) in groups of half the shared SRAM and reads the
  other once per group, or both once when one fits.
- ``equal``: both read every operand once and write O once (to 1 %).

Usage: ``python benchmarks/traffic_vs_scalesim.py [--layers]``.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from socsim.model.schedule import sram_tiling
from socsim.units import ceil_div

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "scalesim" / "reference.json"
SRAM_BYTES = 3 * 64 * 1024
"""SCALE-Sim's three 64 KiB operand SRAMs as socsim's one SRAM (bytes = words)."""


def socsim_words(rec: dict) -> dict:
    """socsim's DRAM words of a reference record's layer: inputs, weights read, output written, and the tiling."""
    ih, iw, fh, fw, ch, nf, s = rec["scalesim_layer"]
    copies = rec["repeat"]  # per-channel depthwise: the C single-channel copies form one layer of C filters
    p = ((ih - fh) // s + 1) * ((iw - fw) // s + 1)
    k, n = fh * fw * ch, nf * copies
    w, i, o = k * n, ih * iw * ch * copies, p * n
    tiling = sram_tiling(w, i, o, SRAM_BYTES)
    extra = tiling.outer - 1
    spill = extra * o if tiling.kept == "reduction" else 0
    return {"ifmap_reads": i * (1 + (extra if tiling.kept == "weights" else 0)),
            "filter_reads": w * (1 + (extra if tiling.kept == "inputs" else 0)),
            "ofmap_writes": o + spill, "psum_reads": spill, "tiling": tiling, "k": k, "o": o, "i": i, "w": w}


def explanation(rec: dict, ours: dict) -> str:
    """Which explanation of the module docstring accounts for the layer's difference."""
    theirs = rec["dram_words"]
    folds = ceil_div(ours["k"], rec["rows"]) if rec["dataflow"] != "os" else 1
    if all(abs(theirs[key] / ours[key] - 1) <= 0.01 for key in ("ifmap_reads", "filter_reads", "ofmap_writes")):
        return "equal"
    reads_once = (abs(theirs["ifmap_reads"] / ours["i"] - 1) <= 0.01 and abs(theirs["filter_reads"] / ours["w"] - 1) <= 0.01)
    if abs(theirs["ofmap_writes"] / (folds * ours["o"]) - 1) <= 0.01 and reads_once:
        return "psum"
    return "refetch+psum" if folds > 1 else "refetch"


def compare(reference: dict) -> list[dict]:
    """One row per record with SCALE-Sim's DRAM words (per-channel and standard mappings)."""
    rows = []
    for rec in reference["layers"]:
        if "dram_words" not in rec or rec["mapping"] == "channel_parallel":
            continue
        ours = socsim_words(rec)
        rows.append({**{k: rec[k] for k in ("topology", "rows", "cols", "dataflow", "layer")},
                     "scalesim": rec["dram_words"], "socsim": ours, "why": explanation(rec, ours)})
    return rows


def print_layers(rows: list[dict]) -> None:
    """Per-layer words: SCALE-Sim's and socsim's ifmap/filter reads and ofmap writes, and the tiling."""
    print(f"{'model':<13}{'array':>8} {'df':<3}{'layer':<18}{'SCALE-Sim if/fi/of':>34}{'socsim if/fi/of(+psum)':>36}  why")
    for r in rows:
        t, o = r["scalesim"], r["socsim"]
        tiling = o["tiling"]
        print(f"{r['topology']:<13}{r['rows']:>4}x{r['cols']:<3} {r['dataflow']:<3}{r['layer']:<18}"
              f"{t['ifmap_reads']:>12}{t['filter_reads']:>11}{t['ofmap_writes']:>11}"
              f"{o['ifmap_reads']:>12}{o['filter_reads']:>11}{o['ofmap_writes']:>13}  {r['why']}"
              f" (socsim: {tiling.kept} outer, {tiling.outer} groups)")


def print_summary(rows: list[dict]) -> None:
    """Per model × array × dataflow: socsim / SCALE-Sim of the summed words per operand, and the explanations."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["topology"], r["rows"], r["cols"], r["dataflow"])].append(r)
    print(f"\n{'model':<13}{'array':>8} {'df':<3}{'layers':>7}{'ifmap':>8}{'filter':>8}{'ofmap':>8}{'total':>8}  explanations")
    for (topo, nr, nc, df), rs in groups.items():
        ratio = {}
        for key in ("ifmap_reads", "filter_reads", "ofmap_writes"):
            ratio[key] = sum(r["socsim"][key] for r in rs) / max(1, sum(r["scalesim"][key] for r in rs))
        ours = sum(r["socsim"][k] for r in rs for k in ("ifmap_reads", "filter_reads", "ofmap_writes", "psum_reads"))
        theirs = sum(sum(r["scalesim"].values()) for r in rs)
        why = defaultdict(int)
        for r in rs:
            why[r["why"]] += 1
        print(f"{topo:<13}{nr:>4}x{nc:<3} {df:<3}{len(rs):>7}{ratio['ifmap_reads']:>8.3f}{ratio['filter_reads']:>8.3f}"
              f"{ratio['ofmap_writes']:>8.3f}{ours / theirs:>8.3f}  " + ", ".join(f"{k} {v}" for k, v in sorted(why.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--layers", action="store_true", help="also print every layer")
    args = parser.parse_args()
    reference = json.loads(args.reference.read_text())
    rows = compare(reference)
    print(f"SCALE-Sim {reference['scalesim_version']} DRAM words vs socsim's tiling rule on the same 192 KiB of SRAM; "
          "ratios socsim / SCALE-Sim (total includes socsim's partial-sum reads)")
    if args.layers:
        print_layers(rows)
    print_summary(rows)
    kinds = defaultdict(int)
    for r in rows:
        kinds[r["why"]] += 1
    print(f"\n{len(rows)} layers: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
