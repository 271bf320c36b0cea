"""Characterise a command-level DRAM on the standard patterns (``socsim dram``): efficiency, latency, worst case.

Each pattern (``socsim.model.dram_patterns``) is offered to one command-level controller per channel
(``socsim.model.dram_controller``) for ``CYCLES`` DRAM clocks from an idle, closed DRAM. A request
of ``request_bytes`` is ⌈request_bytes / burst⌉ device bursts at consecutive addresses (the burst is
the minimum access); bursts are offered in order, at most one per channel per clock, each as soon
as its channel's queue takes it (saturating) or not before its request's arrival (``seq_read@x``:
one request every request_bytes / (x·peak)), like DRAMsim3's trace front end. Figures:

- efficiency = delivered bytes / (peak × CYCLES·tCK), delivered = RD/WR commands × useful bytes
  per burst (request_bytes / bursts per request), peak = channels × burst / (BL/2 · tCK);
- read latency: acceptance of a read burst to its data (DRAMsim3's ``read_latency``, which counts
  from the clock after acceptance: one clock less);
- ``worst_case_efficiency``: the share of peak ``socsim.model.dram_worst_case`` guarantees to the
  pattern's traffic (read-only or with writes), scaled by the useful share of a burst and divided
  by the channels (issued in order, the traffic may wait on one channel), at most the offered load.

Two fidelities: ``burst`` runs every clock of the window (``socsim.model.dram_steady.serve``);
``fast`` runs each pattern's steady state (``socsim.model.dram_steady.steady_state``: the first
refresh period and M more, whatever the window) and extrapolates it to the window
(benchmarks/dram_fast_vs_burst.py measures both side by side).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from socsim.errors import ScenarioError
from socsim.model import dram_worst_case as W
from socsim.model.address_map import AddressMap
from socsim.model.dram_controller import DramController, address_map
from socsim.model.dram_patterns import PATTERNS, Pattern, pattern, requests
from socsim.model.dram_steady import Request, serve, steady_cycles, steady_state
from socsim.scenario import DramControllerSpec, DramDeviceSpec

CYCLES = 200_000
"""Window every pattern runs for (DRAM clocks), as the DRAMsim3 fixtures."""
FIDELITIES = ("burst", "fast")


@dataclass(frozen=True)
class DramUnderTest:
    """The DRAM to characterise: device, controller, channels and request size."""

    device: DramDeviceSpec
    controller: DramControllerSpec
    preset: str | None
    """Preset name, or None for a config file."""
    config: str | None
    """DRAMsim3 .ini path, or None for a preset."""
    channels: int
    """Independent channels, each with its controller (count)."""
    request_bytes: int
    """Bytes per request (bytes)."""

    @property
    def peak_gbps(self) -> float:
        """channels × one burst per BL/2 clocks (GB/s)."""
        return self.channels * self.device.peak_gbps

    @property
    def bursts_per_request(self) -> int:
        """Device bursts of one request, ⌈request_bytes / burst⌉ (count)."""
        return -(-self.request_bytes // self.device.burst_bytes)


def dram_under_test(preset: str | None, config: Path | None, mapping: str | None = None, channels: int | None = None,
                    request_bytes: int | None = None) -> DramUnderTest:
    """Resolve the options of ``socsim dram`` (channels: the preset's, one for a config, when None);
    ScenarioError (one line) names a bad one."""
    from socsim.dramsim3_config import load_dramsim3_ini
    from socsim.registry import DRAM_PRESETS

    if (preset is None) == (config is None):
        raise ScenarioError("give a PRESET or --config FILE.ini (one of them)")
    if config is not None:
        device, controller = load_dramsim3_ini(config)
    else:
        if preset not in DRAM_PRESETS.names() or DRAM_PRESETS.load(preset).device is None:
            known = [n for n in DRAM_PRESETS.names() if DRAM_PRESETS.load(n).device is not None]
            raise ScenarioError(f"PRESET={preset!r}: not a preset with a command-level device (known: {', '.join(known)})")
        device, controller = DRAM_PRESETS.load(preset).device, DramControllerSpec()
        if channels is None:
            channels = DRAM_PRESETS.load(preset).channels
    if channels is None:
        channels = 1
    if mapping is not None:
        try:
            device = DramDeviceSpec.model_validate({**device.model_dump(), "address_mapping": mapping})
        except ValidationError as e:
            raise ScenarioError(f"--mapping={mapping!r}: {e.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    if channels < 1 or channels & (channels - 1):
        raise ScenarioError(f"--channels={channels}: must be a power of two ≥ 1")
    size = device.burst_bytes if request_bytes is None else request_bytes
    if size < 1:
        raise ScenarioError(f"--request-bytes={size}: must be > 0")
    return DramUnderTest(device, controller, preset, None if config is None else str(config), channels, size)


@dataclass(frozen=True)
class ReadLatency:
    """Read latency of the bursts read in the window (ns); None without reads."""

    avg: float | None
    p50: float | None
    p99: float | None


@dataclass(frozen=True)
class PatternFigures:
    """What one pattern got (the JSON record of ``socsim dram``)."""

    name: str
    efficiency: float
    """Delivered bytes / (peak × window) (0..1)."""
    gbps: float
    """Delivered bytes / window (GB/s)."""
    row_hit_rate: float
    """RD/WR to a row already accessed since its ACT / all RD/WR (0..1)."""
    read_latency_ns: ReadLatency
    worst_case_efficiency: float
    """Share of peak guaranteed to this traffic (0..1)."""


def worst_case_share(dut: DramUnderTest, p: Pattern) -> float:
    """The pattern's ``worst_case_efficiency`` (module docstring) (0..1)."""
    useful = dut.request_bytes / (dut.bursts_per_request * dut.device.burst_bytes)
    share = W.worst_case_efficiency(dut.device, p.writes) * useful / dut.channels
    return min(share, p.load) if p.load is not None else share


def _requests(dut: DramUnderTest, p: Pattern, amap: AddressMap) -> Iterator[Request]:
    """The pattern's requests, each as its ⌈request_bytes / burst⌉ device bursts at consecutive addresses."""
    d = dut.device
    for addr, is_write in requests(p, amap, d.rows, dut.request_bytes):
        yield [addr + k * d.burst_bytes for k in range(dut.bursts_per_request)], is_write


def _interval(dut: DramUnderTest, p: Pattern) -> float | None:
    """Clocks between two requests of an offered pattern, None when saturating."""
    if p.load is None:
        return None
    return dut.bursts_per_request * dut.device.burst_cycles / (p.load * dut.channels)


def run_pattern(dut: DramUnderTest, name: str, cycles: int = CYCLES, fidelity: str = "burst") -> PatternFigures:
    """Offer pattern ``name`` to the DRAM for ``cycles`` clocks and measure it (module docstring).

    ``burst`` runs every clock of the window; ``fast`` runs the pattern's steady state
    (``socsim.model.dram_steady``: its first refresh period and the next few, whatever the window)
    and extrapolates the delivered bursts and row hits to the window; its latencies are those of the
    reads it ran. A window no longer than what the steady state runs is run whole at either fidelity."""
    p = pattern(name)
    d = dut.device
    amap = address_map(d, dut.channels)
    ctrls = [DramController(d, dut.controller, amap) for _ in range(dut.channels)]
    reqs, interval = _requests(dut, p, amap), _interval(dut, p)
    warm, span = steady_cycles(ctrls[0])
    if fidelity == "fast" and cycles > warm + span:
        steady = steady_state(ctrls, amap, reqs, interval)
        bursts, hits = steady.bursts(cycles), steady.hits(cycles)
    else:
        (done,) = serve(ctrls, amap, reqs, cycles, interval, (cycles,))
        bursts, hits = done.bursts, done.hits
    delivered = bursts * dut.request_bytes / dut.bursts_per_request
    window_ns = cycles * d.tCK
    lat = np.array([x for c in ctrls for x in c.stats.read_latency], dtype=float) * d.tCK
    latency = (ReadLatency(float(lat.mean()), float(np.percentile(lat, 50)), float(np.percentile(lat, 99)))
               if len(lat) else ReadLatency(None, None, None))
    gbps = delivered / window_ns
    return PatternFigures(name, gbps / dut.peak_gbps, gbps, hits / bursts if bursts else 0.0, latency,
                          worst_case_share(dut, p))


def pattern_names(text: str | None) -> list[str]:
    """The patterns of ``--patterns a,b,...`` (all when None); ScenarioError names an unknown one."""
    if text is None:
        return list(PATTERNS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    for n in names:
        if n not in PATTERNS:
            raise ScenarioError(f"--patterns: unknown pattern {n!r} (known: {', '.join(PATTERNS)})")
    if not names:
        raise ScenarioError("--patterns='': name at least one pattern")
    return names


def characterise(dut: DramUnderTest, names: list[str], cycles: int = CYCLES, fidelity: str = "burst") -> dict:
    """The JSON document of ``socsim dram`` at ``fidelity`` (burst or fast): the DRAM and one record per pattern."""
    if fidelity not in FIDELITIES:
        raise ScenarioError(f"--fidelity={fidelity}: must be one of {', '.join(FIDELITIES)}")
    return {
        "preset": dut.preset, "config": dut.config, "mapping": dut.device.address_mapping, "fidelity": fidelity,
        "peak_gbps": dut.peak_gbps, "request_bytes": dut.request_bytes,
        "patterns": [asdict(run_pattern(dut, n, cycles, fidelity)) for n in names],
    }
