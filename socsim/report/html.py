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

from socsim.report import plots
from socsim.report.export import write_bytes
from socsim.report.tables import display_lines
from socsim.result import RunResult, load_result, load_results

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}.ok{color:#070}
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
        write_bytes(run_dir / name, png, "RUN_DIR")
        written.append(run_dir / name)
    page = page_html(result, compare, figs)
    write_bytes(run_dir / "report.html", page.encode(), "RUN_DIR")
    written.append(run_dir / "report.html")
    return written


def page_html(result: RunResult, compare: list[RunResult] | None, figs: dict[str, bytes]) -> str:
    """The report page with every figure inlined as a data URI."""
    parts = _summary_html(result)
    for line in display_lines(result):
        parts.append(f"<p>{html.escape(line)}</p>")
    if compare:
        parts.append("<h2>Codecs compared</h2>")
        parts.append(_compare_table(compare))
    parts.append("<h2>Frames</h2>")
    parts.append(_table(
        ["frame", "latency ms", "deadline", "DRAM read MB", "DRAM write MB", "input"],
        [[f.index, f"{f.latency_ms:.3f}", _verdict(f.deadline_met), f"{f.dram_read_bytes / 1e6:,.2f}",
          f"{f.dram_write_bytes / 1e6:,.2f}", html.escape(f.input)] for f in result.frames],
    ))
    parts.append("<h2>Masters</h2>")
    parts.append(_table(
        ["master", "requested MB", "delivered MB", "GB/s"],
        [[html.escape(m.name), f"{m.bytes_requested / 1e6:,.2f}", f"{m.bytes_delivered / 1e6:,.2f}",
          f"{m.achieved_gbps:.2f}"] for m in result.masters],
    ))
    for name, png in figs.items():
        data = base64.b64encode(png).decode()
        parts.append(f'<h2>{html.escape(name[:-4].replace("_", " "))}</h2><img alt="{name}" src="data:image/png;base64,{data}">')
    parts.append("<h2>Layers</h2>")
    parts.append(_table(
        ["layer", "kind", "GMAC", "read MB", "write MB", "zeros", "compute ms", "DMA ms", "stall ms", "layer ms"],
        [[html.escape(x.name), x.kind, f"{x.macs / 1e9:.2f}", f"{x.dma_read_bytes / 1e6:,.2f}",
          f"{x.dma_write_bytes / 1e6:,.2f}", f"{x.zero_fraction:.0%}", f"{x.compute_ns / 1e6:.3f}",
          f"{x.dma_ns / 1e6:.3f}", f"{x.stall_ns / 1e6:.3f}", f"{x.layer_ns / 1e6:.3f}"] for x in result.layers],
    ))
    return f"<!doctype html><html><head><meta charset='utf-8'><title>socsim {html.escape(result.scenario.name)}</title>" \
           f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n"


def _summary_html(result: RunResult) -> list[str]:
    """The page's heading and its verdicts: simulated latency, and the bound or why there is none."""
    wl = result.workload
    parts = [
        f"<h1>socsim: {html.escape(result.scenario.name)}</h1>",
        f"<p>{html.escape(wl.model)} at {wl.width}×{wl.height}, codec <code>{html.escape(result.codec.key)}"
        f"</code>, deadline {result.deadline_ms} ms, seed {result.seed}, socsim {result.socsim_version}.<br>"
        f"Weights: <code>{html.escape(wl.weights.source)}</code> — {html.escape(wl.weights.note)}</p>",
    ]
    summ = result.summary
    parts.append(
        f"<p>Max simulated latency <b>{summ.latency_ms_max:.3f} ms</b> over {summ.frames} frame(s): deadline "
        f"{_verdict(summ.deadline_met_all)} in simulation."
    )
    a = result.analysis
    if result.bound is not None:
        b = result.bound
        tightness = "-" if b.tightness is None else f"{b.tightness:.3f}"
        parts.append(
            f" Worst-case bound <b>{b.wcrt_bound_ms:.3f} ms</b>: deadline {_verdict(b.wcrt_bound_ms <= result.deadline_ms)}"
            f" by guarantee (tightness {tightness})."
        )
    else:
        parts.append(f" No worst-case bound: {html.escape(a.reason)}.")
    parts.append("</p>")
    return parts


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
