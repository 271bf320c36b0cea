"""Wires a scenario's chip into simpy processes and runs frames of layer plans through it.

``simulate(scenario, plans, fidelity)`` is the entry point, pure data in and out. Frame i is
released at i·period; the accelerator starts it when released and the previous frame is done,
runs its layers in order, and the frame's latency is from its release to its last store. The
other masters issue requests from time 0 until the last frame completes; the simulation then runs
on until everything they requested has been served (so bytes requested equal bytes delivered).

Two fidelities of one model (same address map, DRAM rules, arbiter, DMA windows, codec engine):

- ``fast`` (default): fluid rates recomputed when the set of active flows or their parameters
  change (``socsim.soc.fluid``): events per transfer unit, not per burst;
- ``burst``: every bus burst is a simpy event through the arbiter and the DRAM state
  (``socsim.soc.controller``): slow, obviously right, for checking.

The command-level DRAM (``soc.dram.model: command``) runs command by command at burst fidelity
(``socsim.soc.command_controller``); at fast fidelity the fluid serves it at the server time per
byte of the mix of streams active at each moment, each mix's steady state run once on the same
controller (``socsim.model.dram_steady.mix_ns_per_byte``), each DMA stream no faster than alone in
its bank or than beside the other masters at their rates (``saturating_gbps``); its refresh time is
then the refreshes due (tRFC each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from socsim.errors import Overloaded, ScenarioError
from socsim.model.arbitration import Arbiter, make_arbiter
from socsim.model.dram import DramModel, bound_model, command_fluid_model, refresh_ns, worst_case_service
from socsim.model.dram_controller import refresh_interval_cycles
from socsim.model.dram_steady import mix_ns_per_byte, saturating_gbps
from socsim.model.engine import CodecEngine
from socsim.model.masters import FLUID_WINDOW_NS, Source, make_sources
from socsim.model.overload import FOLLOWED_REQUESTS_MAX, Overload, horizon_requests
from socsim.model.records import FrameRecord, LayerRecord, MasterStats, SimResult
from socsim.model.schedule import LayerPlan
from socsim.regions import Layout, scenario_layout
from socsim.scenario import Scenario
from socsim.soc.accelerator import Accelerator
from socsim.soc.command_controller import CommandMemoryController
from socsim.soc.controller import MemoryController
from socsim.soc.dma import DmaEngine
from socsim.soc.fluid import FluidSystem
from socsim.soc.latency_stats import LatencyStats
from socsim.soc.traffic import BurstSource
from socsim.units import NS_PER_MS

NPU = "npu"
FIDELITIES = ("fast", "burst")
GUARD_EVENTS = 4096
"""Events between two checks that a frame past its deadline is not starved (count)."""


def _percentiles(lat: np.ndarray) -> tuple[float | None, float | None, float | None]:
    if len(lat) == 0:
        return None, None, None
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 99)), float(lat.max())


def check(scenario: Scenario, model: DramModel | None = None) -> None:
    """Raise a one-line ScenarioError for an arbitration the chip cannot run (before simulating); a
    run's length is no error, its memory being bounded whatever the frames."""
    model = model if model is not None else DramModel.from_spec(scenario.soc)
    bus = scenario.soc.bus
    names = [NPU] + [m.name for m in scenario.masters]
    if bus.arbitration == "tdma":
        missing = [n for n in names if n not in bus.tdma.table]
        if missing:
            raise ScenarioError(f"soc.bus.tdma.table: no slot for {', '.join(missing)} (their traffic would never be served)")
        if bus.tdma.slot_ns < model.worst_burst_ns():
            raise ScenarioError(f"soc.bus.tdma.slot_ns={bus.tdma.slot_ns}: shorter than one worst-case burst "
                                f"({model.worst_burst_ns():.1f} ns)")
    if bus.arbitration == "budget":
        for name, q in bus.budget.bytes.items():
            if q < model.burst_bytes:
                raise ScenarioError(f"soc.bus.budget.bytes.{name}={q}: smaller than one burst ({model.burst_bytes} bytes)")


@dataclass
class _Chip:
    """One run's chip: the path model, the arbiter, the other masters' sources, every stream's place
    (``socsim.regions``) and the accelerator's DMA of the chosen fidelity; the burst fidelity also has
    its masters' processes and its controller."""

    fidelity: str
    model: DramModel
    arbiter: Arbiter
    sources: list[Source]
    layout: Layout
    dma: DmaEngine | FluidSystem
    burst_masters: list[BurstSource] | None = None
    controller: MemoryController | CommandMemoryController | None = None

    def drained(self) -> bool:
        """Whether everything the other masters requested has been served."""
        if self.fidelity == "burst":
            c = self.controller
            return all(s.in_flight == 0 for s in self.burst_masters) and c.queued == 0 and c.in_flight == 0
        return self.dma.drained


def simulate(scenario: Scenario, plans: list[list[LayerPlan]], fidelity: str = "fast") -> SimResult:
    """Run one list of layer plans per frame on the scenario's chip, among its other masters."""
    if fidelity not in FIDELITIES:
        raise ScenarioError(f"fidelity={fidelity!r}: must be one of {', '.join(FIDELITIES)}")
    env = simpy.Environment()
    chip = _chip(env, scenario, fidelity)
    npu = Accelerator(env, scenario.soc.accelerator, chip.dma)
    period_ns = scenario.frame_period_ms * NS_PER_MS
    frames = [FrameRecord(i, i * period_ns) for i in range(len(plans))]
    done = env.process(_run_frames(env, npu, chip, frames, plans))
    events = _run(env, scenario, chip, frames, done)
    frames_end = max((f.end_ns for f in frames), default=0.0)
    return _result(scenario, chip, frames, events, frames_end, env.now)


def _chip(env: simpy.Environment, scenario: Scenario, fidelity: str) -> _Chip:
    """The scenario's chip in ``env`` at ``fidelity`` (checked first: a bad arbitration is one line)."""
    soc = scenario.soc
    model = DramModel.from_spec(soc)
    check(scenario, model)
    names = [NPU] + [m.name for m in scenario.masters]
    arbiter = make_arbiter(soc.bus, names, model.burst_bytes)
    sources = make_sources(scenario.masters, model.burst_bytes, scenario.seed)
    channels = soc.dma.channels
    layout = scenario_layout(soc, scenario.masters)
    if fidelity == "burst":
        controller = (CommandMemoryController(env, model, arbiter, soc.dram.resolved_device, soc.dram.resolved_controller)
                      if model.model == "command" else MemoryController(env, model, arbiter))
        dma = DmaEngine(env, soc.dma, model, controller, 0, layout)
        masters = [BurstSource(env, s, controller, i, layout.masters[i - 1], model.row_bytes)
                   for i, s in enumerate(sources, start=1)]
        return _Chip(fidelity, model, arbiter, sources, layout, dma, masters, controller)
    # The fluid's time resolution: a thousandth of the frame period (1–50 µs); it averages
    # random arrivals over it and resolves refresh blackouts when it is finer than tREFI.
    window = min(FLUID_WINDOW_NS, max(1_000.0, scenario.frame_period_ms * NS_PER_MS / 1000))
    fluid_model, mix, saturating = model, None, None
    if model.model == "command":
        # The command-level DRAM's costs come from the steady state of each mix of streams.
        fluid_model = command_fluid_model(model)
        dram = (soc.dram.resolved_device, soc.dram.resolved_controller, model.burst_bytes)
        mix, saturating = partial(mix_ns_per_byte, *dram), partial(saturating_gbps, *dram)
    dma = FluidSystem(env, fluid_model, arbiter, sources, channels, soc.dma.max_outstanding,
                      CodecEngine.from_spec(soc.dma.codec_engine), window, layout, mix, saturating)
    return _Chip(fidelity, model, arbiter, sources, layout, dma)


def _run_frames(env: simpy.Environment, npu: Accelerator, chip: _Chip, frames: list[FrameRecord],
                plans: list[list[LayerPlan]]):
    """Process: each frame from its release (and the previous frame's end), its layers in order;
    then the other masters stop issuing."""
    for frame, layer_plans in zip(frames, plans):
        if env.now < frame.release_ns:
            yield env.timeout(frame.release_ns - env.now)
        frame.start_ns = env.now
        for plan in layer_plans:
            record = LayerRecord(plan.name, env.now)
            frame.layers.append(record)
            yield env.process(npu.run_layer(env, plan, record))
        frame.end_ns = env.now
    if chip.fidelity == "burst":
        for s in chip.burst_masters:
            s.stop_ns = env.now
    else:
        chip.dma.stop()


def _run(env: simpy.Environment, scenario: Scenario, chip: _Chip, frames: list[FrameRecord], done) -> int:
    """Step ``env`` until the frames are done and the masters drained; return the events processed.
    Nothing left to happen with work unserved is the starved or overloaded verdict."""
    step, peek = env.step, env.peek
    fluid = chip.dma if chip.fidelity == "fast" else None
    steps = events = 0
    while not (done.processed and chip.drained()):
        if peek() == math.inf:
            names = [NPU] + [m.name for m in scenario.masters]
            raise Overloaded(_stalled(scenario, frames, names, done.processed))
        if fluid is not None:
            # The fluid's events run in one step (FluidSystem._chain) end at the next check's event.
            fluid.chain_max = GUARD_EVENTS - 1 - events % GUARD_EVENTS
        step()
        steps += 1
        events = steps + (fluid.chained if fluid is not None else 0)
        if not events % GUARD_EVENTS:
            _guard(scenario, frames, chip.sources, env.now)
    return events


def _stalled(scenario: Scenario, frames: list[FrameRecord], names: list[str], frames_done: bool) -> Overload:
    """The verdict when nothing will ever happen again but a frame or a master's requests are unserved."""
    arbitration = scenario.soc.bus.arbitration
    if not frames_done:
        return Overload("starved", math.inf, 0.0, f"the accelerator is never served under soc.bus.arbitration="
                        f"{arbitration}: frame {sum(f.end_ns > 0 for f in frames)} never ends")
    return Overload("overloaded", math.inf, 0.0, f"the requests of {', '.join(names[1:])} are never all served "
                    f"under soc.bus.arbitration={arbitration}")


def _guard(scenario: Scenario, frames: list[FrameRecord], sources: list[Source], now_ns: float) -> None:
    """Stop a run that the analytic checks let through but whose frame is past its deadline while
    the other masters issued more than ``FOLLOWED_REQUESTS_MAX`` requests: the starved verdict."""
    issued = horizon_requests(sources, now_ns)
    if issued <= FOLLOWED_REQUESTS_MAX:
        return
    # Invariant: a frame that has not ended has end_ns 0 (every frame moves bytes, so it ends later).
    running = next((f for f in frames if f.end_ns == 0.0), None)
    deadline_ns = scenario.deadline_ms * NS_PER_MS
    if running is not None and now_ns - running.release_ns > deadline_ns:
        raise Overloaded(Overload(
            "starved", math.inf, 0.0, f"frame {running.index} has run {(now_ns - running.release_ns) / NS_PER_MS:.4g} ms, "
            f"past its deadline of {scenario.deadline_ms:g} ms, while the other masters issued {issued:.3g} requests, "
            f"more than the {FOLLOWED_REQUESTS_MAX:.3g} a simulation follows for a frame past its deadline"))


def _result(scenario: Scenario, chip: _Chip, frames: list[FrameRecord], events: int, frames_end: float,
            end: float) -> SimResult:
    model, dma = chip.model, chip.dma
    totals = _totals(chip)
    busy, bursts, misses, turns = totals
    npu_lat = np.asarray(dma.latencies)
    p50, p99, pmax = _percentiles(npu_lat)
    stats = [MasterStats(NPU, dma.bytes_requested, dma.bytes_delivered, busy[0], p50, p99, pmax, "npu",
                         len(npu_lat), None, bursts[0], misses[0], turns[0])]
    stats += [_master_stats(chip, i, s, totals) for i, s in enumerate(chip.sources, start=1)]
    command = model.model == "command"
    burst = chip.fidelity == "burst"
    return SimResult(
        frames=frames, masters=stats, end_ns=end, path=model, events=events, fidelity=chip.fidelity,
        frames_end_ns=frames_end, arbitration=chip.arbiter.name,
        refresh_ns=_refresh_ns(scenario, chip, end),
        dram_busy_ns=float(sum(busy)),
        # The command-level DRAM's guarantee is the one of its worst-case view (any access pattern).
        worst_case_service=worst_case_service(bound_model(scenario.soc)) if command else worst_case_service(model),
        worst_case_partitioned=None if command else _partitioned(model, chip.layout, chip.sources),
        engine_busy_ns=dma.engine_busy_ns,
        bandwidth=None if burst else _bandwidth(dma, [m.name for m in stats], frames_end),
    )


def _refresh_ns(scenario: Scenario, chip: _Chip, end: float) -> float:
    """Time the DRAM spent refreshing up to ``end`` (ns): the command-level controller's REF commands
    × tRFC at burst fidelity, the refreshes due by ``end`` at fast fidelity; the reduced models' blackouts."""
    if chip.model.model != "command":
        return refresh_ns(chip.model, end)
    if chip.fidelity == "burst":
        return chip.controller.refresh_ns()
    d = scenario.soc.dram.resolved_device
    return (end // (refresh_interval_cycles(d) * d.tCK)) * d.tRFC * d.tCK


def _totals(chip: _Chip) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per master, accelerator first: server time (ns), bursts, row misses and turnaround pairs."""
    if chip.fidelity == "burst":
        dram = chip.controller.dram
        return dram.busy_ns, dram.bursts, [k[1] + k[2] for k in dram.kinds], dram.turns
    dma = chip.dma
    return dma.busy, [s / chip.model.burst_bytes for s in dma.served], dma.misses, dma.turns


def _master_stats(chip: _Chip, i: int, s: Source, totals) -> MasterStats:
    """What master i (source ``s``) requested, was delivered and waited; ``totals`` from ``_totals``."""
    busy, bursts, misses, turns = totals
    if chip.fidelity == "burst":
        bm = chip.burst_masters[i - 1]
        lat = bm.latencies.summary()
        requested, delivered, requests = bm.bytes_requested, bm.bytes_delivered, bm.requests
    else:
        dma = chip.dma
        lat = dma.request_latencies(i, LatencyStats(s.deadline_ns)).summary()
        requested = dma.requested[i]
        delivered = int(round(dma.served[i]))
        if abs(delivered - requested) <= 1:
            delivered = requested
        requests = lat.count
    return MasterStats(s.name, requested, delivered, busy[i], lat.p50, lat.p99, lat.max, s.kind, requests,
                       s.envelope(), bursts[i], misses[i], turns[i], lat.late, lat.lateness)


def _bandwidth(fluid: FluidSystem, names: list[str], until_ns: float, bins: int = 240) -> dict | None:
    """Bytes each master was served per time bin up to ``until_ns``, from the fluid log: served
    bytes grow linearly between rate changes, so cumulative bytes interpolate exactly."""
    if until_ns <= 0 or not fluid.log.t:
        return None
    t = np.asarray(fluid.log.t + [fluid.env.now])
    served = np.asarray(fluid.log.served + [list(fluid.served)])
    edges = np.linspace(0.0, until_ns, bins + 1)
    out: dict = {"t_ns": edges[:-1].tolist(), "bin_ns": float(edges[1] - edges[0])}
    for i, name in enumerate(names):
        cum = np.interp(edges, t, served[:, i], left=0.0)
        out[name] = np.diff(cum).tolist()
    return out


def _partitioned(model: DramModel, layout: Layout, sources) -> tuple[float, float, int, int] | None:
    """The worst case of ``worst_case_service`` for the scenario's streams, each in its own bank
    (None when two share a bank)."""
    streams = layout.stream_count
    if not model.row_bytes:
        return (*worst_case_service(model), streams, 0)
    if layout.any_shared:
        return None
    run = min([model.row_bytes] + [s.request_bytes for s in sources if s.random_addresses])
    return (*worst_case_service(model, run, streams), streams, run)
