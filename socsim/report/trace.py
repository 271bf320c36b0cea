"""Chrome Trace Event files (``trace.json``) that Perfetto and chrome://tracing open.

One process, the SoC, with tracks (threads): frames, layers, the accelerator's tile computes, and
one track per configured DMA channel. A channel's slice is its part of one tile's loads or stores:
from when it took the batch's first descriptor to when its last one completed. A channel takes its
next descriptor while the previous one completes, so on its track a slice starts no earlier than the
previous slice ends (events on one track never overlap). Batches that move no bytes have no slice.
Per-master DRAM bandwidth is a counter track per master (``C`` events), from the simulation's
bandwidth bins. Every start and end is a whole nanosecond; the format counts in µs (``ts``, ``dur``).
"""

from __future__ import annotations

import json
from typing import Any

from socsim.model.records import SimResult

PID = 1
TID_FRAMES, TID_LAYERS, TID_COMPUTE, TID_DMA0 = 1, 2, 3, 10


def _us(ns: float) -> float:
    """A time in µs that is a whole number of ns."""
    return round(ns) / 1e3


def _slice(tid: int, start_ns: float, end_ns: float, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A complete event whose start and end are whole nanoseconds."""
    a, b = round(start_ns), round(end_ns)
    return {"ph": "X", "pid": PID, "tid": tid, "ts": a / 1e3, "dur": (b - a) / 1e3, "name": name, "args": args}


def _thread(tid: int, name: str) -> dict[str, Any]:
    return {"ph": "M", "pid": PID, "tid": tid, "ts": 0, "name": "thread_name", "args": {"name": name}}


def trace_events(sim: SimResult, scenario_name: str, channels: int) -> list[dict[str, Any]]:
    """The trace's events: metadata, complete events per track (``channels`` DMA tracks), counters per master."""
    ev: list[dict[str, Any]] = [
        {"ph": "M", "pid": PID, "tid": 0, "ts": 0, "name": "process_name", "args": {"name": f"SoC {scenario_name}"}},
        _thread(TID_FRAMES, "frames"), _thread(TID_LAYERS, "layers"),
        _thread(TID_COMPUTE, "accelerator (tile compute)"),
    ]
    ev += [_thread(TID_DMA0 + c, f"DMA channel {c}") for c in range(channels)]
    dma: list[tuple[int, float, float, str, dict[str, Any]]] = []
    for fr in sim.frames:
        # From start (not release): a late frame's queueing would overlap the previous frame.
        ev.append(_slice(TID_FRAMES, fr.start_ns, fr.end_ns, f"frame {fr.index}",
                         {"latency_ms": fr.latency_ns / 1e6, "release_us": _us(fr.release_ns)}))
        for rec in fr.layers:
            ev.append(_slice(TID_LAYERS, rec.start_ns, rec.end_ns, rec.name,
                             {"read_bytes": rec.read_bytes, "write_bytes": rec.write_bytes,
                              "stall_us": _us(rec.stall_ns)}))
            ev += [_slice(TID_COMPUTE, a, b, f"{rec.name} tile {t}", {"layer": rec.name, "tile": t})
                   for t, (a, b) in enumerate(rec.tile_spans)]
            dma += [(channel, start, end, f"{kind} {rec.name} tile {tile}",
                     {"layer": rec.name, "tile": tile, "bytes": nbytes, "kind": kind})
                    for kind, tile, channel, start, end, nbytes in rec.dma_spans if nbytes > 0]
    ev += _channel_slices(dma)
    bw = sim.bandwidth
    if bw:
        for m in sim.masters:
            for t, nbytes in zip(bw["t_ns"], bw[m.name]):
                ev.append({"ph": "C", "pid": PID, "tid": 0, "ts": _us(t), "name": f"{m.name} GB/s",
                           "args": {"GB/s": round(nbytes / bw["bin_ns"], 6)}})
    return ev


def _channel_slices(spans: list[tuple[int, float, float, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One slice per (channel, batch), each starting no earlier than the previous one on its channel ends."""
    out = []
    free: dict[int, int] = {}
    for channel, start, end, name, args in sorted(spans, key=lambda s: (s[0], s[1], s[2])):
        a = max(round(start), free.get(channel, 0))
        b = max(round(end), a)
        free[channel] = b
        out.append(_slice(TID_DMA0 + channel, a, b, name, args))
    return out


def trace_json(sim: SimResult, scenario_name: str, channels: int) -> str:
    """The trace file's text (JSON object format with ``traceEvents``) for ``channels`` DMA channels."""
    return json.dumps({"traceEvents": trace_events(sim, scenario_name, channels), "displayTimeUnit": "ns"}) + "\n"


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
