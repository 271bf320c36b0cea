"""The codec engine in the DMA path: its throughput on the uncompressed side and its pipeline latency.

How transfers use it (FIFO over all channels, per burst, after the DRAM for loads and before it for
stores) is stated in ``socsim.soc.dma``; this module holds the numbers both fidelities and the
analysis read.
"""

from __future__ import annotations

from dataclasses import dataclass

from socsim.scenario import CodecEngineSpec


@dataclass(frozen=True)
class CodecEngine:
    """Throughput and latency of the codec engine (bytes/ns on the uncompressed side, ns)."""

    gbps: float
    """Uncompressed bytes per ns (GB/s)."""
    latency_ns: float
    """Pipeline latency per compressed transfer unit (ns)."""

    @classmethod
    def from_spec(cls, spec: CodecEngineSpec | None) -> "CodecEngine | None":
        """The engine of a DMA spec, or None when compression is free."""
        if spec is None:
            return None
        return cls(spec.bytes_per_cycle * spec.freq_mhz / 1e3, spec.latency_cycles * 1e3 / spec.freq_mhz)
