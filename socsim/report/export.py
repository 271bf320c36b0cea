"""Writing a run's files: ``result.json`` (the contract is ``socsim.result.RunResult``), ``layers.csv``
and ``scenario.yaml`` (the standalone scenario, loadable again with ``Scenario.from_yaml``).

``result.json`` is ``RunResult.model_dump(mode="json")`` with sorted keys, so the same scenario and
seed always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from socsim.errors import SocsimError
from socsim.fileio import write_output
from socsim.result import RunResult
from socsim.scenario import Scenario

LAYER_COLUMNS = (
    "name", "kind", "macs", "weight_bytes", "ifmap_bytes", "ofmap_bytes", "tiles", "compute_ns",
    "dma_read_bytes", "dma_write_bytes", "dma_ns", "layer_ns", "stall_ns", "zero_fraction", "saturated",
)


def result_json(result: RunResult) -> str:
    """The canonical JSON text of a result (sorted keys, fixed float formatting, finite floats only)."""
    return json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True, allow_nan=False) + "\n"


def results_json(results: list[RunResult]) -> str:
    """The JSON text of a list of results (compare.json)."""
    return json.dumps([r.model_dump(mode="json") for r in results], indent=1, allow_nan=False) + "\n"


def scenario_yaml(scenario: Scenario) -> str:
    """A standalone scenario (``RunResult.scenario``) as YAML, ``base_dir`` left out: from_yaml sets it."""
    data = scenario.model_dump(mode="json", exclude={"base_dir"})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_text(path: Path, text: str, field: str) -> None:
    """Write ``text`` to ``path`` (``socsim.fileio.write_output``: '-' is standard output, regular files
    are replaced atomically); failures become one-line errors naming ``field``."""
    try:
        write_output(path, text.encode())
    except OSError as exc:
        raise SocsimError(f"{field}={str(path)!r}: cannot write ({exc.strerror})") from None


def layers_csv(result: RunResult) -> str:
    """The per-layer table as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LAYER_COLUMNS)
    for layer in result.layers:
        w.writerow([getattr(layer, c) for c in LAYER_COLUMNS])
    return buf.getvalue()


def write_result(result: RunResult, out_dir: Path | None, json_path: Path | None) -> list[Path]:
    """Write result.json, layers.csv and scenario.yaml into ``out_dir`` and/or the JSON to ``json_path``."""
    written = []
    if out_dir is not None:
        files = {"result.json": result_json(result), "layers.csv": layers_csv(result),
                 "scenario.yaml": scenario_yaml(result.scenario)}
        for name, text in files.items():
            write_text(out_dir / name, text, "--out")
            written.append(out_dir / name)
    if json_path is not None:
        write_text(json_path, result_json(result), "--json")
        written.append(json_path)
    return written
