"""The DRAM and the path to it: a single server of fixed bandwidth with a fixed access latency.

A request of ``size_bytes`` holds the path (bus and DRAM together) for ``size_bytes / rate`` ns,
where the rate is the smaller of the bus and DRAM peak bandwidths; its last byte arrives
``latency_ns`` after the data phase ends. Latency is pipelined: the path is free for the next
request during it. A richer timing model (banks, rows, refresh) replaces this one behind the
same interface.
"""

from __future__ import annotations

from dataclasses import dataclass

from socsim.scenario import SocSpec
from socsim.units import bandwidth_gbps


@dataclass(frozen=True)
class PathTiming:
    """Bandwidth and latency of the shared path from any master to DRAM."""

    rate_gbps: float
    """Data rate while a request holds the path (GB/s = bytes/ns)."""
    latency_ns: float
    """Time from the end of a data phase to the last byte's arrival (ns)."""
    bus_gbps: float
    """Peak bandwidth of the bus alone (GB/s)."""
    dram_gbps: float
    """Peak bandwidth of the DRAM alone (GB/s)."""

    @classmethod
    def from_spec(cls, soc: SocSpec) -> "PathTiming":
        """Timing of the path for a chip."""
        bus = bandwidth_gbps(soc.bus.width_bytes, soc.bus.freq_mhz)
        dram = soc.dram.bandwidth_gbps
        return cls(min(bus, dram), soc.dram.access_latency_ns, bus, dram)

    def data_ns(self, size_bytes: int) -> float:
        """Time a request of ``size_bytes`` holds the path (ns)."""
        return size_bytes / self.rate_gbps
