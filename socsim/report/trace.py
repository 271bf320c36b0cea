"""Chrome Trace Event files (``trace.json``) that Perfetto and chrome://tracing open.

One process, the SoC, with tracks (threads): frames, layers, the accelerator's tile computes, and
DMA lanes. DMA batches overlap (loads run ahead while stores drain), so each batch goes on the
first lane free at its start: events on one track never overlap and nesting never breaks.
Per-master DRAM bandwidth is a counter track per master (``C`` events), from the simulation's
bandwidth bins. Times are in µs (``ts``, ``dur``), as the format requires.
"""

from __future__ import annotations

import json
from typing import Any

from socsim.model.records import SimResult

PID = 1
TID_FRAMES, TID_LAYERS, TID_COMPUTE, TID_DMA0 = 1, 2, 3, 10


def _us(ns: float) -> float:
    return round(ns / 1e3, 6)


def trace_events(sim: SimResult, scenario_name: str) -> list[dict[str, Any]]:
    """The trace's events: metadata, complete events per track, counters per master."""
    ev: list[dict[str, Any]] = [
        {"ph": "M", "pid": PID, "tid": 0, "ts": 0, "name": "process_name", "args": {"name": f"SoC {scenario_name}"}},
        {"ph": "M", "pid": PID, "tid": TID_FRAMES, "ts": 0, "name": "thread_name", "args": {"name": "frames"}},
        {"ph": "M", "pid": PID, "tid": TID_LAYERS, "ts": 0, "name": "thread_name", "args": {"name": "layers"}},
        {"ph": "M", "pid": PID, "tid": TID_COMPUTE, "ts": 0, "name": "thread_name",
         "args": {"name": "accelerator (tile compute)"}},
    ]
    lanes: list[float] = []
    for fr in sim.frames:
        # From start (not release): a late frame's queueing would overlap the previous frame.
        ev.append({"ph": "X", "pid": PID, "tid": TID_FRAMES, "ts": _us(fr.start_ns), "dur": _us(fr.end_ns - fr.start_ns),
                   "name": f"frame {fr.index}",
                   "args": {"latency_ms": fr.latency_ns / 1e6, "release_us": _us(fr.release_ns)}})
        for rec in fr.layers:
            ev.append({"ph": "X", "pid": PID, "tid": TID_LAYERS, "ts": _us(rec.start_ns),
                       "dur": _us(rec.end_ns - rec.start_ns), "name": rec.name,
                       "args": {"read_bytes": rec.read_bytes, "write_bytes": rec.write_bytes,
                                "stall_us": _us(rec.stall_ns)}})
            for t, (a, b) in enumerate(rec.tile_spans):
                ev.append({"ph": "X", "pid": PID, "tid": TID_COMPUTE, "ts": _us(a), "dur": _us(b - a),
                           "name": f"{rec.name} tile {t}", "args": {"layer": rec.name, "tile": t}})
            for kind, tile, start, end, nbytes in sorted(rec.dma_spans, key=lambda s: s[2]):
                lane = next((i for i, free in enumerate(lanes) if free <= start), None)
                if lane is None:
                    lane = len(lanes)
                    lanes.append(0.0)
                lanes[lane] = end
                ev.append({"ph": "X", "pid": PID, "tid": TID_DMA0 + lane, "ts": _us(start), "dur": _us(end - start),
                           "name": f"{kind} {rec.name} tile {tile}",
                           "args": {"layer": rec.name, "tile": tile, "bytes": nbytes, "kind": kind}})
    for lane in range(len(lanes)):
        ev.append({"ph": "M", "pid": PID, "tid": TID_DMA0 + lane, "ts": 0, "name": "thread_name",
                   "args": {"name": f"DMA lane {lane}"}})
    bw = sim.bandwidth
    if bw:
        for m in sim.masters:
            for t, nbytes in zip(bw["t_ns"], bw[m.name]):
                ev.append({"ph": "C", "pid": PID, "tid": 0, "ts": _us(t), "name": f"{m.name} GB/s",
                           "args": {"GB/s": round(nbytes / bw["bin_ns"], 6)}})
    return ev


def trace_json(sim: SimResult, scenario_name: str) -> str:
    """The trace file's text (JSON object format with ``traceEvents``)."""
    return json.dumps({"traceEvents": trace_events(sim, scenario_name), "displayTimeUnit": "ns"}, allow_nan=False) + "\n"


def check_trace(doc: dict[str, Any]) -> list[str]:
    """Structural problems of a trace document (empty when valid): every event has ph/ts/pid/tid,
    X events have dur ≥ 0, every track used has a name, X events on a track do not overlap."""
    problems: list[str] = []
    events = doc.get("traceEvents")
    if not isinstance(events, list):
        return ["traceEvents missing or not a list"]
    named = {(e["pid"], e["tid"]) for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    per_track: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for i, e in enumerate(events):
        missing = [k for k in ("ph", "ts", "pid", "tid") if k not in e]
        if missing:
            problems.append(f"event {i} lacks {missing}")
            continue
        if e["ph"] == "X":
            if e.get("dur", -1) < 0:
                problems.append(f"event {i} ({e.get('name')}) has dur {e.get('dur')}")
            if (e["pid"], e["tid"]) not in named:
                problems.append(f"event {i} on unnamed track {e['tid']}")
            per_track.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e.get("dur", 0)))
    for track, spans in per_track.items():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            if b0 < a1 - 1e-5 and not (b0 >= a0 and b1 <= a1 + 1e-5):
                problems.append(f"track {track}: events at {a0} and {b0} overlap without nesting")
                break
    return problems
