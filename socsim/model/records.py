"""What a simulation observed, as plain data: per layer, per frame, per master, and the whole run.

Both fidelities fill these records (``socsim.soc``); the run turns them into the typed result and the
trace renders them (``socsim.report.trace``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from socsim.model.dram import DramModel


@dataclass
class LayerRecord:
    """What happened to one layer on one frame in the simulation (times in ns)."""

    name: str
    start_ns: float
    end_ns: float = 0.0
    stall_ns: float = 0.0
    """Time the PE array waited for DMA (loads, full output buffers, final stores) (ns)."""
    compute_ns: float = 0.0
    read_bytes: int = 0
    write_bytes: int = 0
    dma_busy_ns: float = 0.0
    """Time the layer's descriptors held the bus/DRAM path (ns)."""
    tile_spans: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) of each tile's compute (ns)."""
    dma_spans: list[tuple[str, int, int, float, float, int]] = field(default_factory=list)
    """(kind 'load'/'store', tile, DMA channel, first descriptor taken, last completed, bytes) of each
    channel's part of each tile's DMA batch (ns)."""



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
    """Server time its bursts held the path to DRAM, row and turnaround costs included (ns)."""
    latency_ns_p50: float | None = None
    latency_ns_p99: float | None = None
    latency_ns_max: float | None = None
    kind: str = "npu"
    """'npu', 'isp', 'display', 'cpu' or 'token_bucket'."""
    requests: int = 0
    """Requests (descriptors for the accelerator) (count)."""
    envelope: tuple[float, float] | None = None
    """(σ bytes, ρ GB/s) the master declares; None for the accelerator."""
    bursts: float = 0.0
    """Bursts served (count; expected value in the fast fidelity)."""
    row_misses: float = 0.0
    """Bursts that found their row closed or another row open (count; expected in fast)."""
    turnarounds: float = 0.0
    """Turnaround pairs charged to its writes (count; expected in fast)."""
    underflows: int | None = None
    """Display only: requests whose data came back after the FIFO ran dry (count)."""
    worst_lateness_ns: float | None = None
    """Display only: largest (latency − FIFO time depth), negative when never late (ns)."""


@dataclass
class SimResult:
    """Everything the simulation observed."""

    frames: list[FrameRecord]
    masters: list[MasterStats]
    end_ns: float
    """When the last master's last byte arrived (ns)."""
    path: DramModel
    """The DRAM model in force (peak, latency, timing)."""
    events: int
    """Events processed: simpy's, and the fast fidelity's fluid events run within one of them (count)."""
    fidelity: str = "fast"
    frames_end_ns: float = 0.0
    """When the last frame completed (ns)."""
    arbitration: str = "fifo"
    refresh_ns: float = 0.0
    """Time lost to refresh blackouts up to end_ns (ns)."""
    dram_busy_ns: float = 0.0
    """Server time used by all masters (ns)."""
    worst_case_service: tuple[float, float] = (0.0, 0.0)
    """(R GB/s, T ns) of the DRAM's rate-latency worst case, any access pattern (socsim.model.dram)."""
    worst_case_partitioned: tuple[float, float, int, int] | None = None
    """(R GB/s, T ns, streams S, run bytes) of the worst case for this scenario's bank-partitioned
    streams; None when two streams share a bank (socsim.regions): then only the general case holds."""
    engine_busy_ns: float = 0.0
    """Time the codec engine spent on uncompressed bytes (ns)."""
    bandwidth: dict | None = None
    """Bytes served per master in equal time bins: {'t_ns': bin starts, 'bin_ns', master: [bytes]}
    (fast fidelity; None for burst)."""
