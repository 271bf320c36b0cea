"""Wires a scenario's chip into simpy processes and runs frames of layer plans through it.

Frame i is released at i·period; the accelerator starts it when released and the previous frame is
done, runs its layers in order, and the frame's latency is from its release to its last store.
The other masters run from time 0 until the last frame completes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from socsim.scenario import Scenario
from socsim.soc.accelerator import Accelerator, LayerPlan, LayerRecord
from socsim.soc.arbitration import ARBITERS
from socsim.soc.dma import DmaEngine
from socsim.soc.dram import PathTiming
from socsim.soc.traffic import SOURCES
from socsim.units import NS_PER_MS

NPU = "npu"


@dataclass
class FrameRecord:
    """One frame's timing (ns)."""

    index: int
    release_ns: float
    start_ns: float = 0.0
    end_ns: float = 0.0
    layers: list[LayerRecord] = field(default_factory=list)

    @property
    def latency_ns(self) -> float:
        """From release to the last store's completion (ns)."""
        return self.end_ns - self.release_ns


@dataclass
class MasterStats:
    """Traffic of one master over the whole simulation."""

    name: str
    bytes_requested: int
    bytes_delivered: int
    busy_ns: float
    """Time its requests held the path (ns)."""
    latency_ns_p50: float | None = None
    latency_ns_p99: float | None = None
    latency_ns_max: float | None = None


@dataclass
class SimResult:
    """Everything the simulation observed."""

    frames: list[FrameRecord]
    masters: list[MasterStats]
    end_ns: float
    path: PathTiming
    events: int


def simulate(scenario: Scenario, plans: list[list[LayerPlan]]) -> SimResult:
    """Run one list of layer plans per frame on the scenario's chip, among its other masters."""
    env = simpy.Environment()
    path = PathTiming.from_spec(scenario.soc)
    names = [NPU] + [m.name for m in scenario.masters]
    arbiter = ARBITERS[scenario.soc.bus.arbitration](env, names)
    dma = DmaEngine(env, scenario.soc.dma, path, arbiter, NPU)
    npu = Accelerator(env, scenario.soc.accelerator, dma)
    sources = [SOURCES[m.kind](env, m, path, arbiter) for m in scenario.masters]
    period_ns = scenario.frame_period_ms * NS_PER_MS
    frames = [FrameRecord(i, i * period_ns) for i in range(len(plans))]

    def run_frames():
        for frame, layer_plans in zip(frames, plans):
            if env.now < frame.release_ns:
                yield env.timeout(frame.release_ns - env.now)
            frame.start_ns = env.now
            for plan in layer_plans:
                record = LayerRecord(plan.name, env.now)
                frame.layers.append(record)
                yield env.process(npu.run_layer(env, plan, record))
            frame.end_ns = env.now

    done = env.process(run_frames())
    events = 0
    while not done.processed:
        env.step()
        events += 1
    end = env.now
    masters = [MasterStats(NPU, dma.bytes_requested, dma.bytes_delivered, arbiter.busy_ns[NPU])]
    for s in sources:
        lat = np.asarray(s.latencies_ns) if s.latencies_ns else None
        masters.append(
            MasterStats(
                s.name, s.bytes_requested, s.bytes_delivered, arbiter.busy_ns[s.name],
                float(np.percentile(lat, 50)) if lat is not None else None,
                float(np.percentile(lat, 99)) if lat is not None else None,
                float(lat.max()) if lat is not None else None,
            )
        )
    return SimResult(frames, masters, end, path, events)
