"""The SRAM tiling rule against SCALE-Sim's DRAM traffic (tests/fixtures/scalesim), where the two models agree."""

import json

import pytest
from paths import ROOT

from socsim.model.schedule import sram_tiling

REFERENCE = json.loads((ROOT / "tests" / "fixtures" / "scalesim" / "reference.json").read_text())
ACTIVE_BYTES = 32 * 1024
"""SCALE-Sim's active half of each 64 KiB operand SRAM (bytes = words)."""


def _operands(rec: dict) -> tuple[int, int, int, int]:
    """Weights, inputs, output (words) and reduction length of a record's whole layer."""
    ih, iw, fh, fw, ch, nf, s = rec["scalesim_layer"]
    copies = rec["repeat"]
    p = ((ih - fh) // s + 1) * ((iw - fw) // s + 1)
    k = fh * fw * ch
    return k * nf * copies, ih * iw * ch * copies, p * nf * copies, k


def _agreeing() -> list[dict]:
    """Records where every operand of one copy fits SCALE-Sim's active buffer and no partial sum leaves the array."""
    out = []
    for rec in REFERENCE["layers"]:
        if "dram_words" not in rec or rec["mapping"] == "channel_parallel":
            continue
        w, i, _, k = _operands(rec)
        fits = w // rec["repeat"] < ACTIVE_BYTES and i // rec["repeat"] < ACTIVE_BYTES
        if fits and (rec["dataflow"] == "os" or k <= rec["rows"]):
            out.append(rec)
    return out


AGREEING = _agreeing()


def test_fixture_covers_every_dataflow():
    assert {r["dataflow"] for r in AGREEING} == {"ws", "os", "is"} and len(AGREEING) > 100


@pytest.mark.parametrize("rec", AGREEING, ids=lambda r: f"{r['topology']}-{r['rows']}x{r['cols']}-{r['dataflow']}-{r['layer']}")
def test_each_operand_once_as_scalesim(rec):
    w, i, o, _ = _operands(rec)
    tiling = sram_tiling(w, i, o, 3 * 64 * 1024)
    reads, writes = tiling.traffic_bytes(w, i, o)
    theirs = rec["dram_words"]
    assert (reads, writes) == (w + i, o)
    assert theirs["ifmap_reads"] == pytest.approx(i, rel=0.01)
    assert theirs["filter_reads"] == pytest.approx(w, rel=0.01)
    assert theirs["ofmap_writes"] == pytest.approx(o, rel=0.01)
