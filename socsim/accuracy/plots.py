"""Figures of an accuracy study (matplotlib with the Agg backend, imported lazily here only):
accuracy against reduction per codec family (the paper's Fig. 5/6) and the fraction of bytes each
codec removes per layer (Fig. 4/7)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from socsim.accuracy.results import AccuracyReport, CodecResult

LOSSLESS_LINES = ("rle", "spm", "zvc")
"""Lossless codecs drawn as vertical lines at their achieved reduction."""
BAR_CLIP = -1.0
"""Bars below this fraction (a codec more than doubling a layer) are clipped and labelled."""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


CURVE_PARAMS = ("keep=", "bits=", "masks=", "sha256=")
"""Parameters that move a lossy codec along its curve (the others name the curve)."""


def family(result: CodecResult) -> str:
    """The curve a lossy result belongs to: its key without the parameters that set its rate
    (``keep``, ``bits``, a masks file and its hash)."""
    name, _, rest = result.key.partition(":")
    params = [p for p in rest.split(",") if p and not p.startswith(CURVE_PARAMS)]
    return f"{name}:{','.join(params)}" if params else name


def accuracy_vs_reduction(report: AccuracyReport, path: Path) -> Path:
    """Each metric against the network's byte reduction: one line per lossy codec family (points
    sorted by reduction), lossless codecs as vertical lines, the 16-bit baseline as a dashed line."""
    from socsim.accuracy.report import metric_columns

    plt = _pyplot()
    cols = list(metric_columns(report))
    fig, axes = plt.subplots(1, len(cols), figsize=(6.0 * len(cols), 4.6), squeeze=False)
    lossy: dict[str, list[CodecResult]] = {}
    for r in report.results:
        if not r.lossless:
            lossy.setdefault(family(r), []).append(r)
    baseline = next((r for r in report.results if r.codec_id == "none"), None)
    for ax, (key, title, factor) in zip(axes[0], cols):
        for name, rs in lossy.items():
            rs = sorted(rs, key=lambda r: r.reduction)
            xs = [100.0 * r.reduction for r in rs]
            ys = [factor * r.metrics[key] for r in rs]
            (line,) = ax.plot(xs, ys, marker="o", label=name)
            for r, x, y in zip(rs, xs, ys):
                params = dict(p.split("=", 1) for p in r.key.partition(":")[2].split(",") if "=" in p)
                label = f"k={params['keep']}" if "keep" in params else params.get("bits", "")
                if len(rs) > 1 and len(label) <= 8:
                    ax.annotate(label, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=7,
                                color=line.get_color())
        for r in report.results:
            if r.codec_id in LOSSLESS_LINES:
                ax.axvline(100.0 * r.reduction, linestyle=":", color="grey")
                ax.annotate(r.text, (100.0 * r.reduction, 0.02), xycoords=("data", "axes fraction"),
                            rotation=90, fontsize=8, color="grey")
        if baseline is not None and key in baseline.metrics:
            ax.axhline(factor * baseline.metrics[key], linestyle="--", color="black", linewidth=0.8,
                       label="none (16-bit)")
        ax.set_xlabel("activation bytes removed (%)")
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{report.model} {report.height}×{report.width}, {len(report.inputs)} inputs, {report.unit} units, "
                 f"output layer {'raw' if report.raw_output else 'compressed'}: codec vs uncompressed float model\n"
                 f"labels: {report.label_rule}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def layer_reduction(report: AccuracyReport, path: Path, codecs: Sequence[str] | None = None) -> Path:
    """Grouped bars: per layer, the fraction of its raw bytes each codec removes (negative =
    expansion, clipped at ``BAR_CLIP`` with the size relative to raw written on the bar)."""
    plt = _pyplot()
    chosen = [r for r in report.results if (r.text in codecs if codecs is not None else r.codec_id != "none")]
    if not chosen:
        chosen = [r for r in report.results if r.codec_id != "none"] or report.results
    names = [layer.name for layer in chosen[0].layers]
    width = 0.8 / len(chosen)
    lowest = min([0.0] + [layer.reduction for r in chosen for layer in r.layers])
    fig, ax = plt.subplots(figsize=(min(22.0, max(8.0, 0.3 * len(names))), 5.2))
    for i, r in enumerate(chosen):
        fr = [layer.reduction for layer in r.layers]
        xs = [j + (i - (len(chosen) - 1) / 2) * width for j in range(len(names))]
        ax.bar(xs, [max(f, BAR_CLIP) for f in fr], width=width, label=r.text)
        for x, f in zip(xs, fr):
            if f < BAR_CLIP:
                ax.annotate(f"{1.0 - f:.0f}× raw", (x, BAR_CLIP), fontsize=6, rotation=90, ha="center",
                            va="bottom")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=90, fontsize=6)
    ax.set_ylabel("fraction of the layer's bytes removed")
    ax.set_ylim(max(BAR_CLIP, lowest) - 0.05, 1.0)
    ax.legend(fontsize=8, ncol=min(4, len(chosen)))
    ax.set_title(f"{report.model} {report.height}×{report.width}: bytes removed per layer ({report.unit} units)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
