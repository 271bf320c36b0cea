"""Whether the path to DRAM can serve what the masters ask, decided before simulating.

The other masters are open sources: master i asks ρ_i GB/s on average (its envelope's rate) however
slowly it is served. In the fluid view of the DRAM rules (``socsim.model.dram``) each of its bytes
holds the server at least κ_i ns (a sequential or a random-address stream, without turnarounds),
refresh leaves at most ``1 − tRFC/tREFI`` of the server's time, and the arbiter's fluid rule
(``Arbiter.fluid_rates``) shares that time. Both are optimistic, so what they find is certain:

- *overloaded*: with the accelerator idle, some master still gets less than it asks; its backlog,
  and the memory a simulation needs to hold it, grows for as long as the run lasts;
- *starved*: asking for everything, the accelerator gets nothing (strict priority below masters
  that fill the path), or so little that one frame's bytes take longer than the deadline and
  longer than a simulation can follow in reasonable time (``FOLLOWED_REQUESTS_MAX`` requests of
  the other masters).

Either is a verdict on the scenario (``Overload``), reported instead of a simulation. A simulation
holds the other masters' requests only a block at a time, so its memory does not grow with the
frames; what a long run costs is time, and only a run that misses its deadline anyway is cut short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from socsim.model.arbitration import make_arbiter
from socsim.model.dram import DramModel
from socsim.model.masters import Source, make_sources
from socsim.scenario import Scenario
from socsim.units import NS_PER_MS

FOLLOWED_REQUESTS_MAX = 300_000_000
"""Most requests of the other masters a simulation follows while the accelerator's frame is past its
deadline before the starved verdict replaces it: about five minutes at fast fidelity (about a million
requests a second, ``benchmarks/bounded_memory.py``), hours at burst fidelity; a run that misses its
deadline anyway and would take longer gets the verdict instead (count)."""
NPU = "npu"


@dataclass(frozen=True)
class Overload:
    """A verdict that replaces the simulation: an overloaded path or a starved accelerator."""

    kind: Literal["overloaded", "starved"]
    """'overloaded': the other masters ask more than they can be served; 'starved': the accelerator
    can never finish a frame in time."""
    asked_gbps: float
    """What the masters concerned ask; for a starved accelerator, what a frame needs to meet the
    deadline, infinite when it gets nothing (GB/s)."""
    served_gbps: float
    """The most they can be served (GB/s)."""
    detail: str
    """The verdict in words, without its kind (text)."""

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"

    def to_json(self) -> dict:
        """The verdict as JSON data (an infinite rate as null)."""
        return {"kind": self.kind, "asked_gbps": _finite(self.asked_gbps), "served_gbps": _finite(self.served_gbps),
                "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict) -> Overload:
        """The verdict of ``to_json`` data."""
        return cls(data["kind"], math.inf if data["asked_gbps"] is None else float(data["asked_gbps"]),
                   math.inf if data["served_gbps"] is None else float(data["served_gbps"]), str(data["detail"]))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class PathLoad:
    """The optimistic fluid view of the path: the masters' demands and costs and the server's capacity."""

    names: list[str]
    """The accelerator ('npu') first, then the other masters in scenario order."""
    asked: list[float]
    """Long-run rate each other master asks; 0 for the accelerator (GB/s)."""
    kappa: list[float]
    """Least server time per byte of each master (ns/byte)."""
    capacity: float
    """Most server time per ns that refresh leaves (0..1)."""
    resource: str
    """What limits the path's rate: 'bus' or 'DRAM'."""


def path_load(scenario: Scenario, model: DramModel | None = None, sources: list[Source] | None = None) -> PathLoad:
    """The masters' demands and least costs and the server's capacity for ``scenario``."""
    model = model if model is not None else DramModel.from_spec(scenario.soc)
    if sources is None:
        sources = make_sources(scenario.masters, model.burst_bytes, scenario.seed)
    kappa = [model.sequential_kappa()]
    for s in sources:
        kappa.append(model.random_kappa(s.request_bytes) if s.random_addresses else model.sequential_kappa())
    capacity = 1.0 - model.refresh_fraction
    return PathLoad([NPU] + [s.name for s in sources], [0.0] + [s.envelope()[1] for s in sources], kappa,
                    capacity, "bus" if model.bus_gbps < model.dram_gbps else "DRAM")


def find_overload(scenario: Scenario, load: PathLoad | None = None) -> Overload | None:
    """The verdict when the other masters, with the accelerator idle, cannot all be served what they
    ask, or when the accelerator, asking for everything, gets nothing; None when neither holds."""
    load = load if load is not None else path_load(scenario)
    arbiter = make_arbiter(scenario.soc.bus, load.names, scenario.soc.dma.burst_bytes)
    rates = arbiter.fluid_rates(load.asked, load.kappa, load.capacity)
    short = [i for i in range(1, len(load.names)) if rates[i] < load.asked[i] * (1 - 1e-9)]
    if short:
        asked = sum(load.asked[1:])
        if sum(r * k for r, k in zip(rates, load.kappa)) >= load.capacity * (1 - 1e-9):
            most = load.capacity * asked / sum(a * k for a, k in zip(load.asked, load.kappa))
            starved = "; the accelerator gets nothing" if npu_rate_max(scenario, load) <= 0.0 else ""
            return Overload("overloaded", asked, most,
                            f"the masters ask {asked:.4g} GB/s of a {load.resource} that serves "
                            f"{most:.4g} GB/s at most{starved}")
        names = ", ".join(load.names[i] for i in short)
        got = sum(rates[i] for i in short)
        ask = sum(load.asked[i] for i in short)
        return Overload("overloaded", ask, got,
                        f"{names} ask {ask:.4g} GB/s and get {got:.4g} GB/s at most under "
                        f"soc.bus.arbitration={scenario.soc.bus.arbitration}")
    npu = npu_rate_max(scenario, load)
    if npu <= 0.0:
        asked = sum(load.asked[1:])
        return Overload("starved", math.inf, 0.0,
                        f"the accelerator gets no share of the {load.resource} under soc.bus.arbitration="
                        f"{scenario.soc.bus.arbitration}: the masters before it ask {asked:.4g} GB/s, "
                        "all it serves")
    return None


def npu_rate_max(scenario: Scenario, load: PathLoad) -> float:
    """The most the accelerator gets in the long run while the other masters ask their rates (GB/s)."""
    arbiter = make_arbiter(scenario.soc.bus, load.names, scenario.soc.dma.burst_bytes)
    rates = arbiter.fluid_rates([math.inf] + load.asked[1:], load.kappa, load.capacity)
    return rates[0] if rates[0] > 1e-12 * load.capacity / load.kappa[0] else 0.0


def horizon_requests(sources: list[Source], horizon_ns: float) -> float:
    """Requests the other masters issue from time 0 to ``horizon_ns``: σ/r + ρ·t/r each (count)."""
    total = 0.0
    for s in sources:
        sigma, rho = s.envelope()
        total += (sigma + rho * horizon_ns) / s.request_bytes
    return total


def starved_frames(scenario: Scenario, frame_bytes: int, load: PathLoad | None = None) -> Overload | None:
    """The verdict when a frame of ``frame_bytes`` DRAM bytes, at the most the accelerator can get,
    takes longer than the deadline and so long that a simulation would follow more than
    ``FOLLOWED_REQUESTS_MAX`` requests of the other masters meanwhile; None otherwise."""
    load = load if load is not None else path_load(scenario)
    if frame_bytes <= 0 or len(load.names) == 1:
        return None
    rate = npu_rate_max(scenario, load)
    if rate <= 0.0:
        return find_overload(scenario, load)
    frame_ns = frame_bytes / rate
    sources = make_sources(scenario.masters, scenario.soc.dma.burst_bytes, scenario.seed)
    period_ns = scenario.frame_period_ms * NS_PER_MS
    horizon_ns = max(scenario.frames * frame_ns, (scenario.frames - 1) * period_ns + frame_ns)
    if frame_ns <= scenario.deadline_ms * NS_PER_MS or horizon_requests(sources, horizon_ns) <= FOLLOWED_REQUESTS_MAX:
        return None
    return Overload("starved", frame_bytes / (scenario.deadline_ms * NS_PER_MS), rate,
                    f"the accelerator gets {rate:.4g} GB/s at most under soc.bus.arbitration="
                    f"{scenario.soc.bus.arbitration}: a frame's {frame_bytes / 1e6:.4g} MB take at least "
                    f"{frame_ns / NS_PER_MS:.4g} ms, deadline {scenario.deadline_ms:g} ms")
