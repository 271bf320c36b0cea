"""The command model's worst case against DRAMsim3's measured efficiency, pattern by pattern.

For every config and pattern of tests/fixtures/dramsim3/patterns.json (44 pairs) it prints the share
of peak the analysis guarantees to the pattern's traffic (``worst_case_efficiency`` of ``socsim
dram``: ``socsim.dram_characterise.worst_case_share``, from ``socsim.model.dram_worst_case``), the
efficiency DRAMsim3 measured, the margin (measured / guaranteed − 1) and whether the guarantee
holds (guaranteed ≤ measured). No simulation: the figures are the fixture's and the closed forms'.

    python benchmarks/worst_case_vs_dramsim3.py
"""

from __future__ import annotations

import json
from pathlib import Path

from socsim.dram_characterise import dram_under_test, pattern, worst_case_share

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "dramsim3"


def rows() -> list[tuple[str, str, float, float]]:
    """(config, pattern, guaranteed share, DRAMsim3's efficiency) of every fixture pair."""
    doc = json.loads((FIXTURES / "patterns.json").read_text())
    out = []
    for key, entry in doc["configs"].items():
        dut = dram_under_test(None, FIXTURES / entry["config"])
        for name, ref in entry["patterns"].items():
            out.append((key, name, worst_case_share(dut, pattern(name)), ref["dramsim3"]["efficiency"]))
    return out


def main() -> None:
    table = rows()
    print(f"{'config':32s} {'pattern':20s} {'worst':>7s} {'DRAMsim3':>8s} {'margin':>7s} holds")
    for key, name, wc, d3 in table:
        print(f"{key:32s} {name:20s} {100 * wc:6.2f}% {100 * d3:7.2f}% {100 * (d3 / wc - 1):6.1f}% "
              f"{'yes' if wc <= d3 else 'NO'}")
    held = sum(wc <= d3 for _, _, wc, d3 in table)
    tightest = min(table, key=lambda r: r[3] / r[2])
    print(f"{held} of {len(table)} pairs hold; tightest: {tightest[0]} {tightest[1]} "
          f"(guaranteed {100 * tightest[2]:.2f}%, measured {100 * tightest[3]:.2f}%)")


if __name__ == "__main__":
    main()
