"""What an accuracy study shows and writes: a rich summary table, CSV files (one row per codec, one
row per codec and layer) and the two figures of ``socsim.accuracy.plots``."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

from socsim.accuracy.results import AccuracyReport, CodecResult

CLASSIFIER_METRICS = (("top1", "top1 %", 100.0), ("top5", "top5 %", 100.0), ("kl", "KL", 1.0))
"""(metric, column title, display factor) of classifiers: agreement with the uncompressed model."""
DENSE_METRICS = (("miou", "mIoU %", 100.0), ("text_iou", "text IoU %", 100.0))


def metric_columns(report: AccuracyReport) -> tuple[tuple[str, str, float], ...]:
    """(metric key, column title, display factor) of the report's task."""
    if report.task == "classification":
        return CLASSIFIER_METRICS
    keys = set().union(*(r.metrics for r in report.results))
    return tuple(m for m in DENSE_METRICS if m[0] in keys)


def summary_rows(report: AccuracyReport) -> list[dict]:
    """One dict per codec: sizes, reductions, guarantee and metrics (CSV-ready)."""
    rows = []
    for r in report.results:
        row = {
            "codec": r.text,
            "key": r.key,
            "lossless": r.lossless,
            "reduction_pct": round(100.0 * r.reduction, 3),
            "worst_case_reduction_pct": round(100.0 * r.worst_case_reduction, 3),
            "guaranteed": r.guaranteed,
            "bytes_per_frame": r.bits / 8.0 / len(report.inputs),
            "raw_bytes_per_frame": r.raw_bits / 8.0 / len(report.inputs),
        }
        row.update({k: v for k, v in r.metrics.items()})
        row["min_codec_sqnr_db"] = _min_sqnr(r)
        row["seconds"] = round(r.seconds, 2)
        rows.append(row)
    return rows


def layer_rows(report: AccuracyReport) -> list[dict]:
    """One dict per codec and layer (CSV-ready); bytes are per frame."""
    frames = len(report.inputs)
    rows = []
    for r in report.results:
        for layer in r.layers:
            rows.append({
                "codec": r.text,
                "layer": layer.name,
                "kind": layer.kind,
                "shape": "x".join(str(s) for s in layer.shape),
                "raw_bytes": layer.raw_bits / 8.0 / frames,
                "bytes": layer.bits / 8.0 / frames,
                "worst_bytes": layer.worst_bits / 8.0 / frames,
                "reduction_pct": round(100.0 * layer.reduction, 3),
                "codec_sqnr_db": _csv_float(layer.codec_sqnr_db),
                "sqnr_db": _csv_float(layer.sqnr_db),
                "saturated": layer.saturated,
            })
    return rows


def summary_table(report: AccuracyReport):
    """A rich Table: codec, reduction, guaranteed (worst-case) reduction and the task's metrics (the
    per-layer SQNR is in layers.csv, its minimum in summary.csv)."""
    from rich.table import Table

    frames = len(report.inputs)
    caption = (f"{report.model} {report.height}×{report.width}, {frames} input(s), {report.unit} units, "
               f"output layer {'raw' if report.raw_output else 'compressed'}; agreement with the uncompressed "
               f"float model ({report.label_rule}); saved: bytes removed vs 16-bit raw; guaranteed: whether the "
               f"network's worst case is below raw, and its reduction %; KL in nats")
    table = Table(caption=caption, caption_justify="left")
    table.add_column("codec", no_wrap=True)
    table.add_column("saved %", justify="right", no_wrap=True)
    table.add_column("guaranteed", justify="right", no_wrap=True)
    cols = metric_columns(report)
    for _, title, _ in cols:
        table.add_column(title, justify="right", no_wrap=True)
    for r in report.results:
        wc = 100.0 * r.worst_case_reduction
        cells = [r.text, f"{100.0 * r.reduction:.1f}", f"{'yes' if r.guaranteed else 'no'} {wc:.1f}"]
        for key, _, factor in cols:
            v = r.metrics.get(key)
            cells.append("—" if v is None or (isinstance(v, float) and math.isnan(v)) else
                         (f"{factor * v:.1f}" if factor != 1.0 else f"{v:.3f}"))
        table.add_row(*cells)
    return table


def write_csv(rows: list[dict], path: Path) -> Path:
    """Write dict rows (the first row's keys, plus any later ones, as header) to ``path``."""
    fields: list[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_outputs(report: AccuracyReport, out_dir: Path, bar_codecs: Sequence[str] | None = None) -> list[Path]:
    """summary.csv, layers.csv, accuracy_vs_reduction.png and layer_reduction.png in ``out_dir``;
    the bar chart shows ``bar_codecs`` (default: every codec but 'none')."""
    from socsim.accuracy import plots

    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(summary_rows(report), out_dir / "summary.csv"),
        write_csv(layer_rows(report), out_dir / "layers.csv"),
        plots.accuracy_vs_reduction(report, out_dir / "accuracy_vs_reduction.png"),
        plots.layer_reduction(report, out_dir / "layer_reduction.png", bar_codecs),
    ]
    return written


def _min_sqnr(r: CodecResult) -> float | None:
    """The lowest finite per-layer codec round-trip SQNR (dB), None when every layer is exact."""
    finite = [x.codec_sqnr_db for x in r.layers if math.isfinite(x.codec_sqnr_db)]
    return round(min(finite), 2) if finite else None


def _csv_float(x: float) -> float | str:
    return round(x, 3) if math.isfinite(x) else ("inf" if x > 0 else "-inf")
