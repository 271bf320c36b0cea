"""The run folder's figures and its self-contained ``report.html`` (images inlined, no network).

``render(run_dir)`` reads ``result.json`` (and ``compare.json`` when the folder holds a codec
comparison) through the typed result (``socsim.result``), writes every figure the data supports as
PNG next to it, and writes report.html. It never re-simulates: ``socsim report RUN_DIR`` calls it.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from socsim.fileio import atomic_write_bytes
from socsim.report import plots
from socsim.report.tables import display_lines
from socsim.result import RunResult, load_result, load_results
from socsim.verdict import verdict

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}.ok{color:#070}
.banner{padding:.6em 1em;margin:.4em 0;border-radius:4px;font-size:15px}.banner.ok{background:#e6f4e6}
.banner.warn{background:#fff4d6}.banner.bad{background:#fbe3e3}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}code{background:#f4f4f4;padding:1px 4px}
"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _verdict(ok: bool) -> str:
    return '<span class="ok">met</span>' if ok else '<span class="bad">MISSED</span>'


def figures(result: RunResult, compare: list[RunResult] | None) -> dict[str, bytes]:
    """File name → PNG bytes of every figure the data supports."""
    group = compare or [result]
    candidates = {
        "timeline.png": plots.timeline(result),
        "utilization.png": plots.utilization(result),
        "layer_bytes.png": plots.layer_bytes(group),
        "bounds.png": plots.bounds(group),
        "windows.png": plots.windows(result),
    }
    return {name: png for name, png in candidates.items() if png is not None}


def render(run_dir: Path) -> list[Path]:
    """Write the figures and report.html of a run folder; return the files written."""
    run_dir = Path(run_dir)
    result = load_result(run_dir / "result.json")
    compare = load_results(run_dir / "compare.json") if (run_dir / "compare.json").exists() else None
    figs = figures(result, compare)
    written = []
    for name, png in figs.items():
        atomic_write_bytes(run_dir / name, png)
        written.append(run_dir / name)
    page = page_html(result, compare, figs)
    atomic_write_bytes(run_dir / "report.html", page.encode())
    written.append(run_dir / "report.html")
    return written


SINGLE_RUN_FIGURES = ("timeline.png", "utilization.png", "windows.png")
"""Figures drawn from one run (in a comparison, its first codec's); the others cover every codec."""


def page_html(result: RunResult, compare: list[RunResult] | None, figs: dict[str, bytes]) -> str:
    """The report page with every figure inlined as a data URI: a verdict banner first, then every
    section for each codec of a comparison (or labelled with the codec it shows)."""
    group = compare or [result]

    def label(r: RunResult) -> str:
        return f" — codec {html.escape(r.codec.key)}" if compare else ""

    parts = _heading_html(result, bool(compare)) + [_banner_html(group)]
    for line in display_lines(result):
        parts.append(f"<p>{html.escape(line)}{label(result)}</p>")
    if compare:
        parts.append("<h2>Codecs compared</h2>")
        parts.append(_compare_table(compare))
    for r in group:
        parts.append(f"<h2>Frames{label(r)}</h2>")
        parts.append(_frames_table(r))
    for r in group:
        parts.append(f"<h2>Masters{label(r)}</h2>")
        parts.append(_table(
            ["master", "requested MB", "delivered MB", "GB/s"],
            [[html.escape(m.name), f"{m.bytes_requested / 1e6:,.2f}", f"{m.bytes_delivered / 1e6:,.2f}",
              f"{m.achieved_gbps:.2f}"] for m in r.masters],
        ))
    for name, png in figs.items():
        data = base64.b64encode(png).decode()
        scope = (label(result) if name in SINGLE_RUN_FIGURES else " — all codecs") if compare else ""
        parts.append(f'<h2>{html.escape(name[:-4].replace("_", " "))}{scope}</h2>'
                     f'<img alt="{name}" src="data:image/png;base64,{data}">')
    for r in group:
        parts.append(f"<h2>Layers{label(r)}</h2>")
        parts.append(_layers_table(r))
    return f"<!doctype html><html><head><meta charset='utf-8'><title>socsim {html.escape(result.scenario.name)}</title>" \
           f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n"


def _frames_table(r: RunResult) -> str:
    return _table(
        ["frame", "latency ms", "deadline", "DRAM read MB", "DRAM write MB", "input"],
        [[f.index, f"{f.latency_ms:.3f}", _verdict(f.deadline_met), f"{f.dram_read_bytes / 1e6:,.2f}",
          f"{f.dram_write_bytes / 1e6:,.2f}", html.escape(f.input)] for f in r.frames],
    )


def _layers_table(r: RunResult) -> str:
    return _table(
        ["layer", "kind", "GMAC", "read MB", "write MB", "zeros", "compute ms", "DMA ms", "stall ms", "layer ms"],
        [[html.escape(x.name), x.kind, f"{x.macs / 1e9:.2f}", f"{x.dma_read_bytes / 1e6:,.2f}",
          f"{x.dma_write_bytes / 1e6:,.2f}", f"{x.zero_fraction:.0%}", f"{x.compute_ns / 1e6:.3f}",
          f"{x.dma_ns / 1e6:.3f}", f"{x.stall_ns / 1e6:.3f}", f"{x.layer_ns / 1e6:.3f}"] for x in r.layers],
    )


def _banner_html(group: list[RunResult]) -> str:
    """The verdict of every run (one line per codec in a comparison): meets or misses, by guarantee or
    only in simulation, the margin, and the smallest guaranteed compression ratio that meets the deadline."""
    lines = []
    for r in group:
        v = verdict(r)
        ratio = ("none up to 64×" if r.bound is not None else "no bound") if v.min_guaranteed_ratio is None \
            else f"{v.min_guaranteed_ratio:.2f}×"
        css = "ok" if v.meets and v.by == "guarantee" else ("warn" if v.meets else "bad")
        who = f"<code>{html.escape(r.codec.key)}</code>: " if len(group) > 1 else ""
        b = r.bound
        if b is not None:
            tightness = "-" if b.tightness is None else f"{b.tightness:.3f}"
            bound = f"worst-case bound {b.wcrt_bound_ms:.3f} ms (tightness {tightness})"
        else:
            bound = f"No worst-case bound: {html.escape(r.analysis.reason)}"
        lines.append(f'<div class="banner {css}">{who}<b>{html.escape(v.headline(r.deadline_ms))}</b>; '
                     f"smallest guaranteed compression ratio that meets it: {ratio}.<br>Max simulated latency "
                     f"{r.summary.latency_ms_max:.3f} ms over {r.summary.frames} frame(s); {bound}.</div>")
    return "".join(lines)


def _heading_html(result: RunResult, compared: bool) -> list[str]:
    """The page's heading: scenario, model, deadline, seed, weights (and the codec of a single run)."""
    wl = result.workload
    codec = "" if compared else f", codec <code>{html.escape(result.codec.key)}</code>"
    return [
        f"<h1>socsim: {html.escape(result.scenario.name)}</h1>",
        f"<p>{html.escape(wl.model)} at {wl.width}×{wl.height}{codec}, deadline {result.deadline_ms} ms, "
        f"seed {result.seed}, socsim {result.socsim_version}.<br>"
        f"Weights: <code>{html.escape(wl.weights.source)}</code> — {html.escape(wl.weights.note)}</p>",
    ]


def _compare_table(compare: list[RunResult]) -> str:
    """One row per codec: DRAM traffic, latency, bound and both verdicts."""
    rows = []
    for r in compare:
        b = r.bound
        rows.append([
            html.escape(r.codec.key),
            f"{sum(f.dram_read_bytes + f.dram_write_bytes for f in r.frames) / len(r.frames) / 1e6:,.1f}",
            f"{r.summary.latency_ms_max:.3f}",
            f"{b.wcrt_bound_ms:.3f}" if b is not None else "-",
            _verdict(r.summary.deadline_met_all),
            _verdict(b.wcrt_bound_ms <= r.deadline_ms) if b is not None else "-",
        ])
    return _table(["codec", "DRAM MB/frame", "max latency ms", "bound ms", "deadline (sim)", "deadline (bound)"], rows)
