"""Writing results: the JSON contract of ``socsim run`` and atomic file writes.

``result.json`` (later stages add keys, never change these):

- ``socsim_version``, ``scenario`` (name), ``seed``, ``deadline_ms``, ``period_ms``;
- ``codec``: ``name``, ``key`` (id and parameters), ``lossless``, ``transfer_unit``;
- ``workload``: ``model``, ``height``, ``width``, ``weights`` {``source``, ``sha256``, ``note``},
  ``inputs`` (how each frame's input was made), ``layers``, ``macs``, ``weight_bytes``,
  ``activation_bytes`` (all layer outputs at 16 bit);
- ``summary``: ``frames``, ``latency_ms_max``, ``latency_ms_mean``, ``deadline_met_all``;
- ``frames``: [{``index``, ``input``, ``release_ms``, ``latency_ms``, ``deadline_met``,
  ``dram_read_bytes``, ``dram_write_bytes``}];
- ``layers``: [{``name``, ``kind``, ``out_shape``, ``macs``, ``weight_bytes``, ``ifmap_bytes``,
  ``ofmap_bytes`` (uncompressed, 16 bit), ``tiles``, ``compute_ns``, ``dma_read_bytes``,
  ``dma_write_bytes`` (max over frames, compressed and burst-rounded), ``dma_read_bytes_mean``,
  ``dma_write_bytes_mean``, ``dma_ns`` (time its descriptors held the path), ``layer_ns``,
  ``stall_ns`` (max over frames), ``frac_bits``, ``zero_fraction``, ``saturated``, ``resident``
  (output kept in SRAM, no DRAM traffic), ``codec_engine_ns`` (codec engine time on its
  uncompressed bytes, max over frames), ``bottleneck`` ('compute', 'dram' or 'codec_engine': the
  largest of compute_ns, dma_ns, codec_engine_ns)}];
- ``masters``: [{``name`` ('npu' is the accelerator), ``bytes_requested``, ``bytes_delivered``,
  ``busy_ns`` (server time its bursts held, row and turnaround costs included), ``achieved_gbps``
  (delivered / end_ms), ``latency_ns_p50``, ``latency_ns_p99``, ``latency_ns_max`` (requests; the
  accelerator's descriptors from submission; estimates in the fast fidelity), ``kind`` ('npu',
  'isp', 'display', 'cpu', 'token_bucket'), ``requests``, ``peak_fraction`` (achieved / DRAM peak),
  ``dram_efficiency`` (data time at peak / busy_ns), ``row_hit_rate``, ``turnarounds``,
  ``envelope`` ({``sigma_bytes``, ``rate_gbps``}, null for the accelerator), ``underflows`` and
  ``worst_lateness_ns`` (display FIFO ran dry; null for other kinds)}];
- ``bus``: {``utilization`` (server busy time / end, 0..1), ``peak_gbps``, ``arbitration``};
- ``dram``: {``utilization`` (bytes / (peak × end)), ``peak_gbps``, ``latency_ns``, ``bytes``,
  ``model`` ('simple' or 'timing'), ``busy_fraction``, ``efficiency`` (data time / busy time),
  ``refresh_fraction``, ``row_hit_rate``, ``effective_gbps`` (a lone sequential stream),
  ``worst_case_service`` {``rate_gbps``, ``latency_ns``} (any access pattern, see
  ``socsim.model.dram.worst_case_service``), ``worst_case_service_partitioned`` {``rate_gbps``,
  ``latency_ns``, ``streams``, ``run_bytes``} (this scenario's streams in their own banks; null
  when they outnumber the banks); ``latency_ns`` is null when refresh may leave no service (rate 0)};
- ``codec_engine``: {``busy_ms``, ``utilization``};
- ``sim``: {``end_ms`` (last byte of any master, after the others drain), ``events``, ``fidelity``
  ('fast' or 'burst'), ``frames_end_ms``}.

``analysis`` (``socsim.analysis.bounds``): ``wcrt_bound_ms`` (worst-case frame latency with the
codec's worst-case sizes), ``wcrt_observed_sizes_ms`` (with the largest sizes seen on the captured
frames), ``frames_bound_ms``, ``frames_bound_form`` ('per_transfer' or 'whole_frame': which of the
two forms gave each frame's bound), ``deadline_met_by_bound``, ``margin_ms``, ``tightness`` (bound /
max simulated), ``interference`` {``fixed_ms``, ``share``, ``terms`` per master and refresh},
``layers`` [{``name``, ``bound_ms``, ``compute_ms``, ``transfer_ms``, ``dram_overhead_ms``,
``interference_ms``, ``exposed_dma_ms``}] (frame 0, per-transfer form), ``display`` (see
``socsim.analysis.display``), ``sensitivity`` {``max_extra_interferer_gbps``,
``min_guaranteed_compression_ratio`` (null: none up to 64× meets the deadline)},
``worst_case_window_bytes`` [{``window_us``, ``npu_bytes``, ``<master>_bytes`` (requested),
``<master>_served_bytes`` (null without a latency bound), ``total_bytes``, ``dram_bytes``,
``dram_guaranteed_bytes``, ``observed_bytes`` (simulated, fast fidelity bins; null below a bin)}];
or ``reason`` when no bound exists (TDMA).
``timeline`` [{``frame``, ``layer``, ``start_ms``, ``end_ms``, ``compute_ms``, ``stall_ms``}] and
``utilization`` {``t_ms``, ``bin_ms``, ``gbps`` per master} (fast fidelity) feed the figures.
``adversarial``: true when every unit was simulated at its codec's worst-case size (``--adversarial``).

Times are simulated time; wall-clock times are never part of the result (determinism).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from socsim.errors import SocsimError
from socsim.workload.cache import atomic_write_bytes

LAYER_COLUMNS = (
    "name", "kind", "macs", "weight_bytes", "ifmap_bytes", "ofmap_bytes", "tiles", "compute_ns",
    "dma_read_bytes", "dma_write_bytes", "dma_ns", "layer_ns", "stall_ns", "zero_fraction", "saturated",
)


def result_json(result: dict[str, Any]) -> str:
    """The canonical JSON text of a result (sorted keys, fixed float formatting; strict JSON: a
    non-finite number is a bug, never written as ``Infinity`` or ``NaN``)."""
    return json.dumps(result, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_bytes(path: Path, data: bytes, field: str) -> None:
    """Write ``data`` atomically; failures (a full or read-only disk, a folder in the way) become
    one-line errors naming ``field`` and the path."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.filename is not None and Path(exc.filename) in path.parents:  # a file where a folder must be
            why += f": {str(exc.filename)!r}"
        raise SocsimError(f"{field}={str(path)!r}: cannot write ({why})") from None


def write_text(path: Path, text: str, field: str) -> None:
    """Write ``text`` atomically, as ``write_bytes``."""
    write_bytes(path, text.encode(), field)


def layers_csv(result: dict[str, Any]) -> str:
    """The per-layer table as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LAYER_COLUMNS)
    for layer in result["layers"]:
        w.writerow([layer[c] for c in LAYER_COLUMNS])
    return buf.getvalue()


def write_result(result: dict[str, Any], out_dir: Path | None, json_path: Path | None) -> list[Path]:
    """Write result.json and layers.csv into ``out_dir`` and/or the JSON to ``json_path``."""
    written = []
    if out_dir is not None:
        write_text(out_dir / "result.json", result_json(result), "--out")
        write_text(out_dir / "layers.csv", layers_csv(result), "--out")
        written += [out_dir / "result.json", out_dir / "layers.csv"]
    if json_path is not None:
        write_text(json_path, result_json(result), "--json")
        written.append(json_path)
    return written
