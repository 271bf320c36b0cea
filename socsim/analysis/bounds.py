"""Worst-case frame response time and worst-case bytes per window for the accelerator.

The bound has two parts (pure functions, no simpy):

1. **The accelerator alone, at its worst.** ``response_time.frame_bounds`` replays the
   double-buffered schedule with every descriptor at its worst own cost on the DRAM model of
   ``socsim.model.dram``: s/b bursts of t_B, a row conflict (tRP + tRCD) at every row it can cross
   (s/row, amortised: its channel's stream is sequential in its region, and the first row of
   every stream is one frame-level constant; at every burst when two of its streams share a bank,
   ``npu_shares_banks``; a bank shared with other masters only is charged to them below), the
   amortised turnaround t_turn·s/write_batch, the codec engine (raw/E, FIFO, plus its pipeline
   latency) and the channel's window (max_outstanding·b per round trip L + one worst burst). No refresh, no other
   masters.
2. **Everything else is a delay the schedule absorbs at most one to one.** The schedule is a
   max/+ system, so every event moves by at most the total extra service time inserted before it
   (max-plus systems are 1-Lipschitz in their durations: Baccelli et al., *Synchronization and
   Linearity*, 1992, §7). With a work-conserving arbiter (round robin, weighted round robin, fixed
   priority, FIFO, or budget regulation of the *other* masters) the accelerator waits only while
   the server works for someone else or refreshes. From time 0 (system empty) to t, master j is
   served at most α_j(t) + b = σ_j + ρ_j·t + b bytes, each costing at most κ_j of server time
   (t_B/b, a conflict per row for sequential streams or per request for random ones — two
   per burst if its bank holds another stream (``socsim.regions``): its own, and the one it may
   cause to the next burst there, the accelerator's included — and the turnaround share; plus one
   first miss), and at most t/tREFI + 1 refreshes start, each costing tRFC, the burst that
   does not fit before it, and one reopening tRCD per stream. So the interference by t is at most
   I(t) = a + c·t with a = Σ_j (σ_j + b)·κ_j + r₀ and c = Σ_j ρ_j·κ_j + r₀/tREFI, r₀ = tRFC + c₁ + S·tRCD.
   A frame that ends at A alone ends by F ≤ A + I(F), i.e. F ≤ (A + a)/(1 − c) when c < 1
   (the *whole-frame* form).
3. **Or the interference is charged per transfer** (the *per-transfer* form): the replay runs again
   with the path as the accelerator's leftover server. In a busy period of the server that starts
   with every queue empty the others take at most I(Δ) = a + c·Δ of its time, so the accelerator's
   descriptors, served FIFO, receive the min-plus service curve β(Δ) = (1 − c)·(Δ − a/(1 − c))⁺
   (blind multiplexing, Le Boudec & Thiran, *Network Calculus*, 2001, Thm. 6.2.1; the per-item form
   D_k = max(r_k + (a + w_k)/(1 − c), D_{k−1} + w_k/(1 − c)) is its max-plus reading). A busy period
   of the accelerator's DMA pays a once when a channel's window covers a round trip (its bursts keep
   the path queue non-empty from the batch's submission to its last burst), and once per window of
   bursts otherwise. Compute is not stretched, so interference hides behind compute where the
   schedule has slack; the whole-frame form stretches everything. Both bound every frame: the
   smaller one is reported (``frames_bound_form`` says which).

The bound is derived for the burst-level model; the fast (fluid) fidelity agrees with it within
``FIDELITY_MARGIN`` (2 %) on realistic transfer sizes (tests/soc; the shipped scenarios' frames
within 0.4 %), so every reported bound is multiplied by 1 + FIDELITY_MARGIN to hold for both
fidelities there. On the soundness run's µs-scale synthetic frames the fast fidelity is within 2 %
on 86 % of frames, p99 10.5 % either way (``benchmarks/fidelity_random.py``); no fast frame
exceeded its bound in 10,000 random and 2,000 stress cases (``soundness.py --fidelity fast``).
The burst model is the reference the bound is checked against.

TDMA and a budget-regulated accelerator are not work-conserving for the accelerator: no bound
is given for them (``BoundResult.reason`` says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from socsim.analysis.display import display_check, master_latency_bounds_ns
from socsim.analysis.response_time import DescriptorBound, FrameBound, frame_bounds
from socsim.analysis.threshold import Bisection, first_meeting
from socsim.model.dram import DramModel, bound_model, bound_models, worst_case_service
from socsim.model.engine import CodecEngine
from socsim.model.masters import make_sources
from socsim.model.schedule import LayerPlan
from socsim.regions import Layout, scenario_layout
from socsim.scenario import Scenario
from socsim.units import NS_PER_MS

FIDELITY_MARGIN = 0.02
"""Largest relative difference between the fast and the burst fidelity (tests/soc enforce it)."""


@dataclass
class Interference:
    """I(t) = fixed_ns + per_ns·t: server time others and refresh may take from the accelerator by t."""

    fixed_ns: float
    per_ns: float
    terms: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Name → (fixed ns, per-ns share) of each contributor (masters, 'refresh')."""


@dataclass
class BoundResult:
    """Bounds of every frame (ns), with the alone replay's terms and the interference."""

    frames_ns: list[float]
    alone: list[FrameBound]
    interference: Interference | None
    reason: str | None = None
    """Why no bound exists (then frames_ns is empty)."""
    per_transfer: list[FrameBound] = field(default_factory=list)
    """The replay with the interference charged per transfer (frames chained, from each release)."""
    whole_frame_ns: list[float] = field(default_factory=list)
    """The whole-frame form (A + a)/(1 − c), chained, before the fidelity margin (ns)."""
    reordered: bool = False
    """The accelerator's streams may reach their banks out of address order (``mixed_stores``)."""
    model: DramModel | None = None
    """The DRAM model these bounds were derived on (one of ``bound_models``)."""


def stream_layout(scenario: Scenario) -> Layout:
    """Every stream's place: the scenario's regions, the default layout elsewhere (``socsim.regions``)."""
    return scenario_layout(scenario.soc, scenario.masters)


def streams_share_banks(model: DramModel, scenario: Scenario) -> bool:
    """Whether the scenario's layout puts two streams in one bank (and the DRAM has rows)."""
    return bool(model.row_bytes) and stream_layout(scenario).any_shared


def npu_shares_banks(model: DramModel, scenario: Scenario) -> bool:
    """Whether two streams of the accelerator lie in one bank (and the DRAM has rows): then every
    burst of its own may close another of its rows, and its own cost is charged a row conflict per
    burst. A bank it shares only with other masters does not count here: in a bank a burst is a
    conflict only when the burst before it there was to another row, so beyond its own row
    crossings the accelerator meets at most one conflict per burst of those masters in its bank,
    and ``interference`` charges each such burst two conflicts (its own and the one it causes)."""
    return bool(model.row_bytes) and stream_layout(scenario).npu_self_shared


def mixed_stores(scenario: Scenario, plans: list[list[LayerPlan]], model: DramModel | None = None) -> bool:
    """Whether a channel's stream may reach its bank out of address order: with a codec engine, a
    compressed store's bursts leave the engine after the next transfer's bursts went straight to
    the path, and the two interleave rows of one bank. That happens when compressed and
    uncompressed stores share the store streams, or when loads and stores share one stream per
    channel (too few banks to split them, ``DramModel.splits_directions``) and a store is compressed."""
    if scenario.soc.dma.codec_engine is None:
        return False
    kinds = {c for frame in plans for layer in frame for tile in layer.tiles for c in tile.write_coded}
    uncoded = any(not tile.write_coded and tile.write_bytes for frame in plans for layer in frame for tile in layer.tiles)
    if len(kinds) > 1 or (True in kinds and uncoded):
        return True
    model = model if model is not None else bound_model(scenario.soc)
    return True in kinds and not stream_layout(scenario).split


def npu_descriptor_bound(scenario: Scenario, model: DramModel, reordered: bool = False) -> DescriptorBound:
    """The accelerator's own worst cost per descriptor on this DRAM (no refresh, no others);
    ``reordered``: its streams may interleave rows (``mixed_stores``), so every burst may conflict;
    so may every burst when two of its streams share a bank (``npu_shares_banks``)."""
    b = model.burst_bytes
    miss = model.t_miss_ns if model.row_bytes else 0.0
    shared = npu_shares_banks(model, scenario) or reordered
    turn = model.t_turn_ns

    t_burst = model.t_serve_ns
    # Costs amortised per byte: a channel's descriptors follow one another in its stream, so it
    # crosses a row every row_bytes and the controller turns around every write_batch bytes; the
    # one row and one turnaround left over are the frame-level term of ``interference``.
    per_burst = t_burst + (miss if shared else 0.0)
    per_byte = (0.0 if shared or not model.row_bytes else miss / model.row_bytes) + (
        turn / model.write_batch_bytes if turn else 0.0)

    def path_ns(size: int) -> float:
        return -(-size // b) * per_burst + size * per_byte

    c1 = model.worst_burst_ns() + turn
    engine = CodecEngine.from_spec(scenario.soc.dma.codec_engine)
    return DescriptorBound(
        path_ns=path_ns,
        window_bursts=scenario.soc.dma.max_outstanding,
        rtt_ns=model.latency_ns + c1,
        channels=scenario.soc.dma.channels,
        completion_ns=model.latency_ns + c1,
        engine_gbps=engine.gbps if engine else None,
        engine_latency_ns=engine.latency_ns if engine else 0.0,
        burst_bytes=b,
        min_path_burst_ns=model.t_burst_ns,
    )


def interference(scenario: Scenario, model: DramModel) -> Interference:
    """The linear bound I(t) on server time lost to other masters and refresh (module docstring)."""
    b = model.burst_bytes
    miss = model.t_miss_ns if model.row_bytes else 0.0
    layout = stream_layout(scenario)
    turn_per_byte = model.t_turn_ns / model.write_batch_bytes if model.t_turn_ns else 0.0
    terms: dict[str, tuple[float, float]] = {}
    for src, place in zip(make_sources(scenario.masters, b, scenario.seed), layout.masters):
        shared = bool(model.row_bytes) and layout.shared(place)
        sigma, rho = src.envelope()
        req = max(b, int(src.request_bytes))
        kappa = model.t_serve_ns / b + turn_per_byte
        if model.row_bytes:
            kappa += miss / model.row_bytes  # a sequential stream crosses a row every row_bytes
        if src.random_addresses:
            kappa = max(kappa, model.random_kappa(req) + turn_per_byte)  # a row opened per request
        if shared:
            # Its own conflict, and the one its burst may cause to the next burst in its bank (the
            # accelerator's, or another master's): a burst is a conflict only after another row's.
            kappa += 2 * miss / b
        # The first row of the stream (and of each request's partial burst) costs one miss more.
        terms[src.name] = ((sigma + b) * kappa + miss + model.t_serve_ns, rho * kappa)
    # The accelerator's own costs left over by the amortised per-descriptor cost: the first row of
    # each channel's load and store streams and one turnaround pair.
    npu_streams = layout.stream_count - len(scenario.masters)
    terms["npu_first_rows"] = (npu_streams * (miss + model.t_serve_ns) + model.t_turn_ns, 0.0)
    if model.refresh:
        streams = layout.stream_count
        r0 = model.t_rfc_ns + model.worst_burst_ns() + model.t_turn_ns + streams * model.t_rcd_ns
        terms["refresh"] = (r0, r0 / model.t_refi_ns)
    fixed = sum(t[0] for t in terms.values())
    per = sum(t[1] for t in terms.values())
    return Interference(fixed, per, terms)


def _per_distinct(plans: list[list[LayerPlan]], fn) -> list:
    """``[fn(frame) for frame in plans]``, calling ``fn`` once per distinct frame."""
    seen: list[tuple[list[LayerPlan], Any]] = []
    out = []
    for frame in plans:
        hit = next((r for f, r in seen if f is frame or f == frame), None)
        if hit is None:
            hit = fn(frame)
            seen.append((frame, hit))
        out.append(hit)
    return out


def _no_bound(scenario: Scenario) -> str | None:
    bus = scenario.soc.bus
    if bus.arbitration == "tdma":
        return "TDMA is not work-conserving: no bound from this analysis"
    if bus.arbitration == "budget" and bus.budget is not None and "npu" in bus.budget.bytes:
        return "the accelerator is budget-regulated (not work-conserving for it): no bound from this analysis"
    return None


def _interference_with(scenario: Scenario, model: DramModel, extra_gbps: float) -> Interference:
    """``interference`` plus a sequential interferer of ``extra_gbps`` with no burst (none when 0)."""
    inter = interference(scenario, model)
    if extra_gbps > 0:
        kappa = model.sequential_kappa()
        fixed = model.burst_bytes * kappa + (model.t_miss_ns if model.row_bytes else 0.0) + model.t_serve_ns
        inter.terms["extra"] = (fixed, extra_gbps * kappa)
        inter = Interference(inter.fixed_ns + fixed, inter.per_ns + extra_gbps * kappa, inter.terms)
    return inter


def _whole_frame_ns(alone: list[FrameBound], inter: Interference, period_ns: float) -> list[float]:
    """The whole-frame form of every frame, chained through the accelerator's busy periods (ns).

    A busy period that starts at time 0 finds the system empty; one that starts later may find the
    other masters' backlog, which is at most their fixed term (they are stable on their own,
    per_ns < 1): it is added once. When the previous frame's bound passes this frame's release, the
    frame may still start at its release (the previous one ended early) or continue the busy period:
    both cases are bounded and the larger bound holds."""
    whole: list[float] = []
    prev_end = 0.0
    busy_start = 0.0
    work = 0.0
    carried = 0.0
    for i, fb in enumerate(alone):
        release = i * period_ns
        carried_now = 0.0 if i == 0 else inter.fixed_ns
        fresh = release + (fb.bound_ns + inter.fixed_ns + carried_now) / (1.0 - inter.per_ns)
        if i == 0 or release >= prev_end:
            busy_start, work, carried = release, fb.bound_ns, carried_now
            end = fresh
        else:
            work += fb.bound_ns
            end = max(fresh, busy_start + (work + inter.fixed_ns + carried) / (1.0 - inter.per_ns))
        whole.append(end - release)
        prev_end = end
    return whole


def bound_frames(scenario: Scenario, plans: list[list[LayerPlan]], extra_gbps: float = 0.0,
                 alone: list[FrameBound] | None = None, model: DramModel | None = None) -> BoundResult:
    """Worst-case latency (from release) of every frame of ``plans`` on the scenario's SoC.

    ``extra_gbps`` adds a sequential interferer of that rate with no burst (for the sensitivity);
    ``alone`` passes the accelerator-alone replay of these plans on ``model`` when it is already
    known. Without ``model``, every model of ``bound_models`` is bounded and the result with the
    smallest largest frame bound is returned (each holds on its own).
    """
    if model is None:
        models = bound_models(scenario.soc)
        if alone is not None or len(models) == 1:
            return _bound_frames(scenario, plans, extra_gbps, alone, models[0])
        return min((_bound_frames(scenario, plans, extra_gbps, None, m) for m in models), key=_largest_bound)
    return _bound_frames(scenario, plans, extra_gbps, alone, model)


def _largest_bound(result: BoundResult) -> float:
    """The largest frame bound of a result; infinite without a bound (ns)."""
    return max(result.frames_ns) if result.frames_ns else float("inf")


def _bound_frames(scenario: Scenario, plans: list[list[LayerPlan]], extra_gbps: float,
                  alone: list[FrameBound] | None, model: DramModel) -> BoundResult:
    """``bound_frames`` on one DRAM model."""
    reason = _no_bound(scenario)
    reordered = mixed_stores(scenario, plans, model)
    desc = npu_descriptor_bound(scenario, model, reordered)
    period_ns = scenario.frame_period_ms * NS_PER_MS
    # Each frame alone, from an idle engine (its duration does not depend on when it starts); frames
    # with the same plans (worst-case sizes) are replayed once.
    if alone is None:
        alone = _alone(plans, desc, model, period_ns)
    if reason is not None:
        return BoundResult([], alone, None, reason, reordered=reordered, model=model)
    inter = _interference_with(scenario, model, extra_gbps)
    if inter.per_ns >= 1.0:
        return BoundResult([], alone, inter, "other masters and refresh can take the whole DRAM: no bound",
                           reordered=reordered, model=model)
    whole = _whole_frame_ns(alone, inter, period_ns)
    # Per-transfer form: the replay with the path as the accelerator's leftover server, where the
    # interference only delays transfers (compute hides it) and a is paid per path busy period.
    shared = replace(desc, interference_fixed_ns=inter.fixed_ns, interference_share=inter.per_ns)
    per_transfer = frame_bounds(plans, shared, model.rate_gbps, period_ns)
    # Both bound every frame's end; the smaller one holds.
    out = [min(w, p.bound_ns) * (1.0 + FIDELITY_MARGIN) for w, p in zip(whole, per_transfer)]
    return BoundResult(out, alone, inter, per_transfer=per_transfer, whole_frame_ns=whole, reordered=reordered,
                       model=model)


def _alone(plans: list[list[LayerPlan]], desc: DescriptorBound, model: DramModel, period_ns: float) -> list[FrameBound]:
    """The accelerator-alone replay of every frame from an idle engine, once per distinct frame."""
    return _per_distinct(plans, lambda frame: frame_bounds([frame], desc, model.rate_gbps, period_ns)[0])


def meets_deadline(scenario: Scenario, plans: list[list[LayerPlan]], deadline_ns: float,
                   extra_gbps: float = 0.0, alone: list[FrameBound] | None = None,
                   model: DramModel | None = None) -> bool:
    """Whether every frame's bound (``bound_frames`` with the same arguments) is at most ``deadline_ns``
    (without ``model``: on any model of ``bound_models``; ``alone`` belongs to ``model``)."""
    return deadline_check(scenario, plans, deadline_ns, extra_gbps, alone, model)[0]


def deadline_check(scenario: Scenario, plans: list[list[LayerPlan]], deadline_ns: float,
                   extra_gbps: float = 0.0, alone: list[FrameBound] | None = None,
                   model: DramModel | None = None) -> tuple[bool, float]:
    """``meets_deadline``'s answer and the largest frame bound it saw (ns; infinite without a bound).

    The same answer as ``bound_frames`` with less work: a frame meets the deadline when either form
    does, so the per-transfer replay comes first and the accelerator-alone replay (the whole-frame
    form) runs only when a frame misses by the per-transfer form; when it does not run, the value is
    the per-transfer form's largest bound (at least the reported one). Without ``model`` the first
    model that meets answers; otherwise the smallest value of all."""
    if _no_bound(scenario) is not None:
        return False, float("inf")
    if model is None:
        models = bound_models(scenario.soc)
        if alone is not None:
            models = models[:1]
        value = float("inf")
        for m in models:
            meets, v = deadline_check(scenario, plans, deadline_ns, extra_gbps, alone, m)
            if meets:
                return True, v
            value = min(value, v)
        return False, value
    inter = _interference_with(scenario, model, extra_gbps)
    if inter.per_ns >= 1.0:
        return False, float("inf")
    reordered = mixed_stores(scenario, plans, model)
    desc = npu_descriptor_bound(scenario, model, reordered)
    period_ns = scenario.frame_period_ms * NS_PER_MS
    shared = replace(desc, interference_fixed_ns=inter.fixed_ns, interference_share=inter.per_ns)
    scale = 1.0 + FIDELITY_MARGIN
    per_transfer = [p.bound_ns * scale for p in frame_bounds(plans, shared, model.rate_gbps, period_ns)]
    if all(p <= deadline_ns for p in per_transfer):
        return True, max(per_transfer)
    if alone is None:
        alone = _alone(plans, desc, model, period_ns)
    frames = [min(p, w * scale) for p, w in zip(per_transfer, _whole_frame_ns(alone, inter, period_ns))]
    return all(f <= deadline_ns for f in frames), max(frames)


def min_compression_ratio(scenario: Scenario, plans_for_ratio, lo: float = 1.0, hi: float = 64.0,
                          steps: int = 10) -> float | None:
    """Smallest guaranteed compression ratio r (raw/compressed activation bytes, every unit) whose
    bound meets the deadline: the answer of a geometric bisection on r (to a factor
    (hi/lo)^(1/2^steps), 0.4 % by default), found with fewer bounds by ``threshold.first_meeting``
    (the bound falls with r, close to linearly in 1/r); ``plans_for_ratio(r)`` builds the plans.
    None if even ``hi`` misses, ``lo`` if the uncompressed frame already meets it."""
    deadline = scenario.deadline_ms * NS_PER_MS

    def check(r: float) -> tuple[bool, float]:
        return deadline_check(scenario, plans_for_ratio(r), deadline)

    meets_lo, value_lo = check(lo)
    if meets_lo:
        return lo
    meets_hi, value_hi = check(hi)
    if not meets_hi:
        return None
    grid = Bisection(lo, hi, steps, _geometric_mean)
    return grid.point(first_meeting(check, deadline, grid, (value_lo, value_hi), x=_reciprocal))


def _geometric_mean(a: float, b: float) -> float:
    return (a * b) ** 0.5


def _reciprocal(r: float) -> float:
    return -1.0 / r


def _arithmetic_mean(a: float, b: float) -> float:
    return (a + b) / 2


def _inverse(v: float) -> float:
    """1/v, infinite at 0 (an unknown value to ``first_meeting``)."""
    return 1.0 / v if v > 0 else math.inf


def window_curve(scenario: Scenario, model: DramModel, points: int = 25,
                 in_order: bool = True) -> list[dict[str, float | None]]:
    """Worst-case bytes in any window Δ, for Δ log-spaced from 1 µs to the frame period: per other
    master the bytes it may request (``<name>_bytes``, its envelope σ + ρ·Δ plus one burst of
    rounding) and the bytes the DRAM may serve it (``<name>_served_bytes``: its requests reach the
    DRAM within its latency bound D of their issue, so σ + ρ·(Δ + D) + b; None without a bound,
    ``socsim.analysis.display``); for the accelerator the bytes the path can move (peak·Δ plus what
    is in flight); their total against what the DRAM can move in Δ at peak and guarantees in its
    worst case (``socsim.model.dram.worst_case_service``)."""
    b = model.burst_bytes
    sources = make_sources(scenario.masters, b, scenario.seed)
    latency = master_latency_bounds_ns(scenario, model, in_order)
    period = scenario.frame_period_ms * NS_PER_MS
    r_wc, t_wc = worst_case_service(model)
    in_flight = scenario.soc.dma.channels * scenario.soc.dma.max_outstanding * b
    rows = []
    for w in np.geomspace(1_000.0, max(period, 1_001.0), points):
        row: dict[str, float | None] = {"window_us": float(w / 1e3)}
        # The accelerator cannot move more than the path's peak in Δ, plus what is in flight.
        row["npu_bytes"] = float(model.rate_gbps * w + in_flight)
        total = row["npu_bytes"]
        for src, d in zip(sources, latency):
            sigma, rho = src.envelope()
            row[f"{src.name}_bytes"] = float(sigma + rho * w + b)
            row[f"{src.name}_served_bytes"] = None if d is None else float(sigma + rho * (w + d) + b)
            total += row[f"{src.name}_bytes"]
        row["total_bytes"] = float(total)
        row["dram_bytes"] = float(min(model.dram_gbps, model.rate_gbps) * w)
        # A zero worst-case rate (refresh may take the whole DRAM) comes with an infinite latency.
        row["dram_guaranteed_bytes"] = float(max(0.0, r_wc * (w - t_wc))) if r_wc > 0 else 0.0
        rows.append(row)
    return rows


def analysis_result(
    scenario: Scenario, worst: BoundResult, observed: BoundResult, simulated_ms: list[float],
    compression: float | None = None, extra_gbps: float | None = None,
) -> dict[str, Any]:
    """The ``analysis`` section of a result document."""
    model = bound_model(scenario.soc)
    doc: dict[str, Any] = {
        "method": "worst-case replay of the schedule; other masters and refresh as linear interference, "
                  "charged per transfer (path as leftover server) or over the whole frame, the smaller bound",
        "worst_case_window_bytes": window_curve(scenario, model, in_order=not worst.reordered),
        "display": display_check(scenario, model, in_order=not worst.reordered),
    }
    if worst.reason is not None:
        doc["reason"] = worst.reason
        return doc
    bound_ms = max(worst.frames_ns) / NS_PER_MS
    obs_ms = max(observed.frames_ns) / NS_PER_MS
    sim_max = max(simulated_ms)
    inter = worst.interference
    doc.update(
        {
            "wcrt_bound_ms": bound_ms,
            "wcrt_observed_sizes_ms": obs_ms,
            "frames_bound_ms": [f / NS_PER_MS for f in worst.frames_ns],
            "frames_bound_form": [
                "per_transfer" if p.bound_ns <= w else "whole_frame"
                for p, w in zip(worst.per_transfer, worst.whole_frame_ns)
            ],
            "deadline_met_by_bound": bound_ms <= scenario.deadline_ms,
            "margin_ms": scenario.deadline_ms - bound_ms,
            "tightness": bound_ms / sim_max if sim_max > 0 else None,
            "interference": {
                "fixed_ms": inter.fixed_ns / NS_PER_MS,
                "share": inter.per_ns,
                "terms": {k: {"fixed_ms": v[0] / NS_PER_MS, "share": v[1]} for k, v in inter.terms.items()},
            },
            "layers": [
                {
                    "name": lb.name,
                    "bound_ms": lb.bound_ns / NS_PER_MS,
                    "compute_ms": lb.compute_ns / NS_PER_MS,
                    "transfer_ms": lb.transfer_ns / NS_PER_MS,
                    "dram_overhead_ms": lb.dram_overhead_ns / NS_PER_MS,
                    "interference_ms": lb.interference_ns / NS_PER_MS,
                    "exposed_dma_ms": lb.exposed_dma_ns / NS_PER_MS,
                }
                for lb in worst.per_transfer[0].layers
            ],
        }
    )
    # None: no compression ratio up to 64× makes the bound meet the deadline.
    doc.setdefault("sensitivity", {})["min_guaranteed_compression_ratio"] = compression
    if extra_gbps is not None:
        doc.setdefault("sensitivity", {})["max_extra_interferer_gbps"] = extra_gbps
    return doc


def max_extra_interferer_gbps(scenario: Scenario, plans: list[list[LayerPlan]], worst: BoundResult,
                              steps: int = 10) -> float | None:
    """Largest rate of one more sequential interferer (no burst) with which every frame's bound still
    meets the deadline, by bisection (to 1/2^steps of the rate the DRAM leaves free); 0.0 when the
    bound already misses, None without a bound."""
    if worst.reason is not None or worst.interference is None:
        return None
    deadline = scenario.deadline_ms * NS_PER_MS
    if max(worst.frames_ns) > deadline:
        return 0.0
    model = worst.model if worst.model is not None else bound_model(scenario.soc)
    lo, hi = 0.0, (1.0 - worst.interference.per_ns) / model.sequential_kappa()

    def check(gbps: float) -> tuple[bool, float]:
        # Asked as "misses the deadline" so that the answer turns to yes as the rate grows, with the
        # bound's reciprocal as the value: the whole-frame form (A + a)/(1 − c − κ·g) makes it linear in g.
        meets, bound = deadline_check(scenario, plans, deadline, gbps, worst.alone, model)
        return not meets, _inverse(bound)

    # As the bisection did: the rate that takes all the DRAM leaves misses without being bounded.
    grid = Bisection(lo, hi, steps, _arithmetic_mean)
    first_miss = first_meeting(check, _inverse(deadline), grid, (_inverse(max(worst.frames_ns)), 0.0))
    return grid.point(first_miss - 1)
