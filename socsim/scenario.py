"""The scenario spec tree: one frozen pydantic model per concept, loaded from YAML in one place.

``load_yaml`` is the only place YAML is parsed (``Scenario.from_yaml`` and sweeps call it). Every
field carries a one-line docstring with its unit. Unknown or repeated keys, wrong types, numbers
that are not finite or outside their range (``socsim.limits``), missing files, unknown models or
codecs raise ``ScenarioError`` with one line naming the field path and the bad value. Paths inside
a scenario are relative to the scenario file.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from socsim.codecs.base import TransferUnit
from socsim.errors import CodecError, ScenarioError, SocsimError
from socsim.fieldpath import set_path
from socsim.limits import (
    COUNT_MAX,
    DRAM_ROWS_MAX,
    MASTERS_MAX,
    BurstBytes,
    Bytes,
    Count,
    Cycles,
    DramRows,
    FileName,
    FiniteFloat,
    Fps,
    Fraction,
    Frames,
    FreqMhz,
    Gbps,
    HeadroomBits,
    Kib,
    Ms,
    Name,
    NonNegativeBytes,
    NonNegativeCount,
    Ns,
    Pixels,
    PositiveCycles,
    PositiveNs,
    Priority,
    Seed,
)
from socsim.registry import ARBITERS, DRAM_PRESETS, MASTERS

if TYPE_CHECKING:
    from socsim.dram_presets import DramPreset


class Spec(BaseModel):
    """Base of every spec: strict types, frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AcceleratorSpec(Spec):
    """The CNN accelerator: a rows×cols array of 16-bit MAC units with on-chip SRAM."""

    rows: Count = 32
    """PE array rows: the reduction (input channels × kernel) under ws and is, output pixels under os (count)."""
    cols: Count = 32
    """PE array columns: output channels under ws and os, output pixels under is; also the vector unit's lanes (count)."""
    dataflow: Literal["ws", "os", "is"] = "ws"
    """Systolic dataflow (weight/output/input stationary) with SCALE-Sim's fill and drain per fold (socsim.model.compute)."""
    depthwise: Literal["per_channel", "channel_parallel"] = "per_channel"
    """Depthwise convs: one single-channel conv per channel as on a plain systolic array (SCALE-Sim), or a depthwise mode feeding each column its own channel (CMSA, ICCD 2020)."""
    freq_mhz: FreqMhz = 1000.0
    """Accelerator clock (MHz)."""
    sram_kib: Kib = 2048
    """On-chip activation and weight buffer, split in two halves for double buffering (KiB)."""
    value_bits: Literal[16] = 16
    """Width of activations and weights (bits); socsim models 16-bit fixed point."""
    sram_residency: bool = True
    """Keep an output map on chip when its only consumer is the next layer and it fits (no DRAM traffic; see soc.accelerator)."""


class CodecEngineSpec(Spec):
    """The codec engine in the DMA path: it compresses stores and decompresses loads."""

    bytes_per_cycle: Count = 64
    """Throughput on the uncompressed side (bytes per cycle)."""
    freq_mhz: FreqMhz = 1000.0
    """Engine clock (MHz)."""
    latency_cycles: Cycles = 32
    """Pipeline latency added to every compressed transfer unit (cycles)."""


class RegionSpec(Spec):
    """Where one traffic stream's bytes lie in the DRAM: one bank and a range of its rows (socsim.regions)."""

    bank: Annotated[int, Field(ge=0, le=COUNT_MAX)]
    """Bank, counted over the ranks; the command device's bank B is in rank B // banks per rank and alternates bank groups with B (index)."""
    first_row: Annotated[int, Field(ge=0, le=DRAM_ROWS_MAX - 2)] = 0
    """First row of the region in its bank (index)."""
    rows: Annotated[int, Field(ge=2, le=DRAM_ROWS_MAX)] | None = None
    """Rows of the region, filled in order and wrapped around; default: to the bank's last row (unbounded on the timing model) (count)."""


class DmaRegionSpec(Spec):
    """The regions of one DMA channel's two streams."""

    loads: RegionSpec
    """Where the channel's loads (input maps and weights) lie."""
    stores: RegionSpec
    """Where the channel's stores (output maps) lie."""


class DmaSpec(Spec):
    """The DMA engine that moves tiles between DRAM and the accelerator's SRAM."""

    channels: Count = 1
    """Independent DMA channels serving one descriptor queue (count)."""
    burst_bytes: BurstBytes = 64
    """Bus burst size; every transfer unit is rounded up to whole bursts (bytes)."""
    max_outstanding: Count = 16
    """Bursts a channel may have in flight; caps its rate at outstanding·burst/round trip (count)."""
    codec_engine: CodecEngineSpec | None = None
    """Codec engine between the DMA and the bus; none: compression costs no time (spec or null)."""
    regions: Annotated[list[DmaRegionSpec], Field(min_length=1, max_length=COUNT_MAX)] | None = None
    """Per channel, the regions of its loads and its stores; default: the bank-partitioned layout of socsim.regions (list or null)."""


ARBITRATIONS = ("fifo", "round_robin", "weighted_round_robin", "fixed_priority", "tdma", "budget")


class TdmaSpec(Spec):
    """A TDMA slot table: time is cut in slots and each slot belongs to one master."""

    slot_ns: PositiveNs
    """Length of one slot (ns)."""
    table: Annotated[list[str], Field(min_length=1, max_length=COUNT_MAX)]
    """Owner of each slot in one cycle, by master name ('npu' is the accelerator) (names)."""


class BudgetSpec(Spec):
    """MemGuard-like regulation: a master may move at most its budget per period, then waits."""

    period_ns: PositiveNs
    """Regulation period; budgets are replenished at every multiple of it (ns)."""
    bytes: dict[str, Bytes]
    """Budget per regulated master, by name; unlisted masters are not regulated (bytes per period)."""


class BusSpec(Spec):
    """The shared on-chip interconnect between masters and the DRAM controller."""

    width_bytes: Count = 64
    """Data width (bytes per cycle)."""
    freq_mhz: FreqMhz = 1000.0
    """Bus clock (MHz)."""
    arbitration: str = "fifo"
    """Arbiter plug-in by name (``socsim.registry.ARBITERS``); 'fifo' serves bursts in arrival order."""
    priorities: dict[str, Priority] = {}
    """fixed_priority: level per master name, lower is served first; unlisted masters follow in order (npu first) (rank)."""
    weights: dict[str, Count] = {}
    """weighted_round_robin: bursts per round per master name; unlisted masters weigh 1 (count)."""
    tdma: TdmaSpec | None = None
    """tdma: the slot table (required for arbitration 'tdma')."""
    budget: BudgetSpec | None = None
    """budget: period and per-master budgets (required for arbitration 'budget'); others share by round robin."""

    @field_validator("arbitration")
    @classmethod
    def _known_arbiter(cls, name: str) -> str:
        if name not in ARBITERS.names():
            raise ValueError(f"unknown arbiter (known: {', '.join(ARBITERS.names())})")
        return name

    @model_validator(mode="after")
    def _policy_parameters(self) -> "BusSpec":
        if self.arbitration == "tdma" and self.tdma is None:
            raise ValueError("arbitration 'tdma' needs a tdma: {slot_ns, table} entry")
        if self.arbitration == "budget" and self.budget is None:
            raise ValueError("arbitration 'budget' needs a budget: {period_ns, bytes} entry")
        return self


class DramTimingSpec(Spec):
    """Reduced DRAM timing: lockstep channels, open-row banks, refresh and bus turnaround (see soc.dram)."""

    channels: Count
    """Channels ganged in lockstep; peak bandwidth and row_bytes already include all of them (count)."""
    banks: Count
    """Banks per channel; each traffic stream lies in one (its region, socsim.regions; by default streams beyond this count share) (count)."""
    row_bytes: Bytes
    """One open row across the lockstep channels: page size × channels (bytes)."""
    t_cl_ns: Ns
    """Read latency RL (CAS latency); pipelined, part of latency_ns, not of bus occupancy (ns)."""
    t_rcd_ns: Ns
    """ACTIVATE to READ/WRITE delay: the cost of opening a row in a closed bank (ns)."""
    t_rp_ns: Ns
    """PRECHARGE period: with t_rcd_ns the cost of a row conflict (ns)."""
    t_rfc_ns: Ns
    """All-bank refresh cycle time: the blackout of every refresh; 0 disables refresh (ns)."""
    t_refi_ns: PositiveNs
    """Average refresh interval: one blackout every t_refi_ns (ns)."""
    t_w2r_ns: Ns
    """Data-bus gap when reads follow writes: tWTR + RL (ns)."""
    t_r2w_ns: Ns
    """Data-bus gap when writes follow reads (ns)."""
    write_batch_bytes: Bytes
    """Controller write drain: one read→write→read turnaround pair per this many written bytes (bytes)."""

    @model_validator(mode="after")
    def _refresh_leaves_time(self) -> "DramTimingSpec":
        if self.t_rfc_ns >= self.t_refi_ns:
            raise ValueError(f"t_rfc_ns={self.t_rfc_ns} must be shorter than t_refi_ns={self.t_refi_ns} "
                             "(a refresh would never end before the next one)")
        return self


class DramDeviceSpec(Spec):
    """A command-level DRAM device: organisation and JEDEC timing in clocks (nCK), as a DRAMsim3 config gives them."""

    protocol: Literal["DDR4", "LPDDR4", "LPDDR5", "HBM", "HBM2"]
    """DRAM standard (JESD79-4 DDR4, JESD209-4 LPDDR4, JESD209-5 LPDDR5, JESD235 HBM/HBM2); HBM's separate
    row and column command buses let a row and a column command issue in one clock."""
    tCK: PositiveNs
    """Clock period (ns)."""
    ranks: Count = 1
    """Ranks on the channel (count)."""
    bankgroups: Count
    """Bank groups per rank; LPDDR4 has none, its banks are only split for the address map (count)."""
    banks_per_group: Count
    """Banks per bank group (count)."""
    rows: DramRows
    """Rows per bank (count)."""
    columns: Count
    """Columns per row of one device (count)."""
    device_width: Count
    """Data width of one device (bits)."""
    bus_width: Count = 64
    """Data width of the rank: devices side by side in lockstep (bits)."""
    BL: Count
    """Burst length (beats); one burst of bus_width × BL / 8 bytes is the minimum access."""
    address_mapping: str = "rochrababgco"
    """Field order from the most significant bit (socsim.model.address_map)."""
    AL: Cycles = 0
    """Additive latency (nCK)."""
    CL: PositiveCycles
    """CAS (read) latency RL − AL (nCK)."""
    CWL: PositiveCycles
    """CAS write latency WL − AL (nCK)."""
    tRCD: PositiveCycles
    """ACTIVATE to READ (and to WRITE unless tRCDWR says otherwise) (nCK)."""
    tRCDWR: PositiveCycles | None = None
    """ACTIVATE to WRITE where it differs from tRCD (HBM, GDDR: tRCDWR); None: tRCD (nCK)."""
    tRP: PositiveCycles
    """PRECHARGE to ACTIVATE (nCK)."""
    tRAS: PositiveCycles
    """ACTIVATE to PRECHARGE; tRC = tRAS + tRP (nCK)."""
    tRFC: PositiveCycles
    """All-bank REFRESH to ACTIVATE (nCK)."""
    tREFI: PositiveCycles
    """Average refresh interval (nCK)."""
    tRRD_S: PositiveCycles
    """ACTIVATE to ACTIVATE, different bank group (nCK)."""
    tRRD_L: PositiveCycles
    """ACTIVATE to ACTIVATE, same bank group (nCK)."""
    tWTR_S: PositiveCycles
    """End of write data to READ, different bank group (nCK)."""
    tWTR_L: PositiveCycles
    """End of write data to READ, same bank group (nCK)."""
    tFAW: PositiveCycles
    """Window in which a rank takes at most four ACTIVATEs (nCK)."""
    tWR: PositiveCycles
    """Write recovery: end of write data to PRECHARGE (nCK)."""
    tRTP: PositiveCycles
    """READ to PRECHARGE (nCK)."""
    tCCD_S: PositiveCycles
    """READ to READ (WRITE to WRITE), different bank group (nCK)."""
    tCCD_L: PositiveCycles
    """READ to READ (WRITE to WRITE), same bank group (nCK)."""
    tRTRS: Cycles = 1
    """Rank-to-rank switch and read-to-write bubble on the data bus (nCK)."""
    tPPD: Cycles = 0
    """PRECHARGE to PRECHARGE, other banks (LPDDR4) (nCK)."""

    @field_validator("address_mapping")
    @classmethod
    def _six_fields(cls, scheme: str) -> str:
        if len(scheme) != 12 or sorted(scheme[i:i + 2] for i in range(0, 12, 2)) != sorted(("ch", "ra", "bg", "ba", "ro", "co")):
            raise ValueError("needs each of ch, ra, bg, ba, ro, co once, most significant first")
        return scheme

    @model_validator(mode="after")
    def _powers_of_two(self) -> "DramDeviceSpec":
        for name in ("ranks", "bankgroups", "banks_per_group", "rows", "columns", "BL", "bus_width"):
            value = getattr(self, name)
            if value & (value - 1):
                raise ValueError(f"{name}={value}: must be a power of two")
        if self.columns < self.BL or self.bus_width < self.device_width:
            raise ValueError(f"columns={self.columns} must be at least BL={self.BL}, bus_width at least device_width")
        if self.tRFC >= self.tREFI:
            raise ValueError(f"tRFC={self.tRFC} must be shorter than tREFI={self.tREFI} "
                             "(a refresh would never end before the next one)")
        return self

    @property
    def act_to_write(self) -> int:
        """ACTIVATE to WRITE: tRCDWR where given, else tRCD (nCK)."""
        return self.tRCD if self.tRCDWR is None else self.tRCDWR

    @property
    def dual_command(self) -> bool:
        """Whether a row command (ACT, PRE, REF) and a column command (RD, WR) may issue in one clock (HBM)."""
        return self.protocol in ("HBM", "HBM2")

    @property
    def burst_bytes(self) -> int:
        """Bytes of one burst, the minimum access: bus_width × BL / 8 (bytes)."""
        return self.bus_width // 8 * self.BL

    @property
    def burst_cycles(self) -> int:
        """Data-bus clocks of one burst, BL / 2 (double data rate) (nCK)."""
        return self.BL // 2

    @property
    def banks(self) -> int:
        """Banks per rank (count)."""
        return self.bankgroups * self.banks_per_group

    @property
    def row_bytes(self) -> int:
        """One row across the rank's devices (bytes)."""
        return self.columns // self.BL * self.burst_bytes

    @property
    def peak_gbps(self) -> float:
        """One burst every burst_cycles clocks (GB/s)."""
        return self.burst_bytes / (self.burst_cycles * self.tCK)


class DramControllerSpec(Spec):
    """The command-level memory controller: queues, FR-FCFS row-hit cap and write drain (as DRAMsim3's)."""

    trans_queue_size: Count = 32
    """Read queue and write buffer capacity each (transactions)."""
    cmd_queue_size: Count = 8
    """Per-bank command queue capacity (commands)."""
    row_hit_cap: Count = 4
    """FR-FCFS: a row that has served this many hits is closed for an older request to another row (count)."""
    write_low_watermark: NonNegativeCount = 8
    """Drain writes when the buffer holds more than this and no command is queued (transactions)."""


class DramSpec(Spec):
    """The DRAM: a named preset, or a peak bandwidth and latency, with a simple or a timing model."""

    preset: str | None = None
    """Named DRAM; sets peak_gbps, latency_ns and timing unless those are given too."""
    config: str | None = None
    """A DRAMsim3 .ini file (relative to the scenario file): the command model's device and controller, as the file gives them."""
    model: Literal["simple", "timing", "command"] | None = None
    """'simple': peak bandwidth + fixed latency; 'timing': rows, refresh, turnaround; 'command': command-level device and controller (at fast fidelity from the steady state of each mix of streams); default: timing with a preset or timing, else simple."""
    peak_gbps: Gbps | None = None
    """Peak data bandwidth (GB/s, 1e9 bytes per second)."""
    latency_ns: PositiveNs | None = None
    """Pipeline latency: end of a request's data phase to its last byte at the master (ns)."""
    timing: DramTimingSpec | None = None
    """Timing parameters for the timing model; default: the preset's."""
    device: DramDeviceSpec | None = None
    """Command-level device for the command model; default: the preset's."""
    controller: DramControllerSpec | None = None
    """Command-level controller for the command model; default: DramControllerSpec()."""

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, name: str | None) -> str | None:
        if name is not None and name not in DRAM_PRESETS.names():
            raise ValueError(f"unknown DRAM preset (known: {', '.join(DRAM_PRESETS.names())})")
        return name

    @property
    def preset_spec(self) -> "DramPreset":
        """The named preset's numbers (``socsim.dram_presets``)."""
        return DRAM_PRESETS.load(self.preset)

    @field_validator("config")
    @classmethod
    def _readable_config(cls, path: str | None) -> str | None:
        if path is not None:
            try:
                _dramsim3_ini(path)
            except SocsimError as exc:
                raise ValueError(str(exc).removeprefix(f"{path}: ")) from None
        return path

    @model_validator(mode="after")
    def _resolve(self) -> "DramSpec":
        if self.config is not None:
            if self.preset is not None or self.device is not None or self.model not in (None, "command"):
                raise ValueError("config gives the command model's device: no preset, device or other model with it")
            return self
        if self.preset is None and (self.peak_gbps is None or self.latency_ns is None):
            raise ValueError("give a preset or both peak_gbps and latency_ns")
        if self.model == "timing" and self.preset is None and self.timing is None:
            raise ValueError("model 'timing' needs a preset or a timing entry")
        if self.model == "command" and self.device is None and (self.preset is None or self.preset_spec.device is None):
            raise ValueError("model 'command' needs a device entry or a preset with a command-level device")
        if self.model == "command" and self.device is None and self.preset_spec.channels > 1:
            raise ValueError(f"model 'command' runs one channel; preset {self.preset!r} has "
                             f"{self.preset_spec.channels} (name a one-channel preset or a device entry)")
        return self

    @property
    def bandwidth_gbps(self) -> float:
        """Peak bandwidth after applying the preset or config (GB/s)."""
        if self.peak_gbps is not None:
            return self.peak_gbps
        return self.resolved_device.peak_gbps if self.config is not None else self.preset_spec.peak_gbps

    @property
    def access_latency_ns(self) -> float:
        """Pipeline latency after applying the preset; with a config and no latency_ns, the device's
        read latency RL alone (ns)."""
        if self.latency_ns is not None:
            return self.latency_ns
        if self.config is not None:
            d = self.resolved_device
            return (d.AL + d.CL) * d.tCK
        return self.preset_spec.latency_ns

    @property
    def resolved_model(self) -> str:
        """'simple', 'timing' or 'command' after applying the default (command with a config)."""
        if self.model is not None:
            return self.model
        if self.config is not None:
            return "command"
        return "timing" if (self.preset is not None or self.timing is not None) else "simple"

    @property
    def resolved_timing(self) -> DramTimingSpec | None:
        """Timing parameters in force (None for the simple model)."""
        if self.resolved_model == "simple":
            return None
        if self.timing is not None or self.preset is None:
            return self.timing
        return self.preset_spec.timing

    @property
    def resolved_device(self) -> DramDeviceSpec | None:
        """Command-level device in force (None unless the model is 'command')."""
        if self.resolved_model != "command":
            return None
        if self.config is not None:
            return _dramsim3_ini(self.config)[0]
        return self.device if self.device is not None else self.preset_spec.device

    @property
    def address_space(self) -> tuple[int, int | None]:
        """(banks over the ranks, rows per bank or None where the model does not bound them) that the
        streams' regions lie in (socsim.regions); the simple model has one bank."""
        device = self.resolved_device
        if device is not None:
            return device.banks * device.ranks, device.rows
        timing = self.resolved_timing
        return (timing.banks, None) if timing is not None else (1, None)

    @property
    def resolved_controller(self) -> DramControllerSpec:
        """Command-level controller in force (a config's queues unless controller is given)."""
        if self.controller is not None:
            return self.controller
        return _dramsim3_ini(self.config)[1] if self.config is not None else DramControllerSpec()


@functools.lru_cache(maxsize=32)
def _dramsim3_ini(path: str) -> tuple[DramDeviceSpec, DramControllerSpec]:
    """The device and controller of a DRAMsim3 .ini file (``socsim.dramsim3_config``), read once per path."""
    from socsim.dramsim3_config import load_dramsim3_ini

    return load_dramsim3_ini(Path(path))


class SocSpec(Spec):
    """The chip: accelerator, DMA, bus and DRAM."""

    accelerator: AcceleratorSpec = AcceleratorSpec()
    """The CNN accelerator."""
    dma: DmaSpec = DmaSpec()
    """The accelerator's DMA engine."""
    bus: BusSpec = BusSpec()
    """The shared bus."""
    dram: DramSpec = DramSpec(preset="lpddr5-6400")
    """The shared DRAM."""


class TokenBucketMaster(Spec):
    """Any other bus master whose traffic is bounded by a burst σ and a rate ρ (token bucket)."""

    kind: Literal["token_bucket"]
    """Master type."""
    name: Name
    """Name used in reports."""
    region: RegionSpec | None = None
    """Where its bytes lie in the DRAM; default: its bank of the bank-partitioned layout (socsim.regions)."""
    sigma_bytes: NonNegativeBytes
    """Burst: bytes it may request at once at time zero (bytes)."""
    rate_gbps: Gbps
    """Long-term rate after the burst (GB/s)."""
    request_bytes: Bytes = 4096
    """Size of each request it issues, rounded up to whole bursts (bytes)."""
    read_fraction: Fraction = 1.0
    """Fraction of requests that are reads (0..1); the rest are writes."""


class IspMaster(Spec):
    """A camera ISP writing each frame line by line at the sensor's line rate."""

    kind: Literal["isp"]
    """Master type."""
    name: Name
    """Name used in reports."""
    region: RegionSpec | None = None
    """Where its bytes lie in the DRAM; default: its bank of the bank-partitioned layout (socsim.regions)."""
    width: Pixels
    """Frame width (pixels)."""
    height: Pixels
    """Frame height (lines)."""
    bytes_per_pixel: Annotated[int, Field(ge=1, le=64)] = 2
    """Output format size, e.g. 2 for YUV422 (bytes)."""
    fps: Fps
    """Frames per second (1/s)."""
    line_time_ns: PositiveNs | None = None
    """Time between lines; default 1e9/(fps·height), i.e. no blanking (ns)."""

    @model_validator(mode="after")
    def _fits_frame(self) -> "IspMaster":
        if self.line_time_ns is not None and self.line_time_ns * self.height > 1e9 / self.fps * (1 + 1e-9):
            raise ValueError("line_time_ns × height exceeds the frame period 1e9/fps")
        return self


class DisplayMaster(Spec):
    """A display controller reading a frame isochronously through a FIFO; an empty FIFO is an underflow."""

    kind: Literal["display"]
    """Master type."""
    name: Name
    """Name used in reports."""
    region: RegionSpec | None = None
    """Where its bytes lie in the DRAM; default: its bank of the bank-partitioned layout (socsim.regions)."""
    width: Pixels
    """Frame width (pixels)."""
    height: Pixels
    """Frame height (lines)."""
    bytes_per_pixel: Annotated[int, Field(ge=1, le=64)] = 4
    """Pixel size, 4 for 32-bit RGBA (bytes)."""
    fps: Fps
    """Refresh rate (1/s)."""
    fifo_bytes: Bytes = 65536
    """Depth of the pixel FIFO, full at time zero (bytes)."""
    request_bytes: Bytes = 4096
    """Size of each read request, issued whenever that much FIFO space frees up (bytes)."""

    @model_validator(mode="after")
    def _fits_fifo(self) -> "DisplayMaster":
        if self.request_bytes > self.fifo_bytes:
            raise ValueError("request_bytes must not exceed fifo_bytes")
        return self


class CpuMaster(Spec):
    """A CPU cluster: seeded random or bursty reads and writes, shaped to a token bucket (σ, ρ)."""

    kind: Literal["cpu"]
    """Master type."""
    name: Name
    """Name used in reports."""
    region: RegionSpec | None = None
    """Where its bytes lie in the DRAM; default: its bank of the bank-partitioned layout (socsim.regions)."""
    rate_gbps: Gbps
    """Mean rate of the requests, also the token-bucket rate ρ (GB/s)."""
    request_bytes: Bytes = 64
    """Size of each request (a cache line), rounded up to whole bursts (bytes)."""
    burst_bytes: Bytes = 4096
    """Token-bucket depth σ, and the size of one clump of 'bursty' arrivals (bytes)."""
    arrivals: Literal["random", "bursty"] = "random"
    """'random': exponential gaps between requests; 'bursty': clumps of burst_bytes at exponential gaps."""
    addresses: Literal["sequential", "random"] = "sequential"
    """'sequential': streams through rows (prefetch-like); 'random': every request opens a random row."""
    read_fraction: Fraction = 0.7
    """Fraction of requests that are reads, drawn per request (0..1)."""
    seed: Seed | None = None
    """Seed of this master's random draws; default: derived from the scenario seed and its position."""

    @model_validator(mode="after")
    def _bucket_holds_a_request(self) -> "CpuMaster":
        if self.burst_bytes < self.request_bytes:
            raise ValueError("burst_bytes must be at least request_bytes")
        return self


class PluginMaster(Spec):
    """A master of a kind that an outside package registers (``socsim.registry.MASTERS``); its
    parameters are checked by that kind's ``Spec``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str
    """Master type: a registered plug-in kind."""
    name: Name
    """Name used in reports."""
    region: RegionSpec | None = None
    """Where its bytes lie in the DRAM; default: its bank of the bank-partitioned layout (socsim.regions)."""

    @model_validator(mode="after")
    def _known_kind(self) -> "PluginMaster":
        if self.kind not in MASTERS.names():
            raise ValueError(f"unknown master kind {self.kind!r} (known: {', '.join(MASTERS.names())})")
        self.plugin_spec()
        return self

    def plugin_spec(self) -> Spec:
        """This entry validated by its kind's own spec (the plug-in's ``Source.Spec``)."""
        return MASTERS.load(self.kind).Spec.model_validate(self.model_dump(exclude={"region"}))


BUILTIN_MASTERS: tuple[type[Spec], ...] = (TokenBucketMaster, IspMaster, DisplayMaster, CpuMaster)
"""Spec classes of the built-in master kinds; each names its kind once, in its ``kind`` Literal."""


def master_kind(spec: type[Spec]) -> str:
    """The kind a master spec class declares in its ``kind: Literal[...]`` field."""
    return get_args(spec.model_fields["kind"].annotation)[0]


_BUILTIN_KINDS = {master_kind(c) for c in BUILTIN_MASTERS}


def _master_tag(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if isinstance(kind, str) and kind in _BUILTIN_KINDS else "plugin"


Master = Annotated[
    Union[tuple(Annotated[c, Tag(master_kind(c))] for c in BUILTIN_MASTERS) + (Annotated[PluginMaster, Tag("plugin")],)],
    Discriminator(_master_tag),
]


class WorkloadSpec(Spec):
    """The CNN and its inputs."""

    model: str
    """Built-in model name (e.g. 'fcn8s') or a user factory 'package.module:function'."""
    height: Pixels | None = None
    """Input height (pixels); default: the model's own resolution."""
    width: Pixels | None = None
    """Input width (pixels); default: the model's own resolution."""
    weights: str = "random"
    """'random' (seeded by the scenario seed), 'trained', 'trained:<source>', or a .pth path."""
    images: Annotated[list[str], Field(min_length=1)] = ["skimage"]
    """Input images: 'skimage' (its bundled photos), 'skimage:<name>', image files or folders."""
    frac_bits_headroom: HeadroomBits = 0
    """Extra integer bits above the calibrated range of each layer's fixed-point format (bits)."""


def _one_param_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A codec parameter as the union validates it, or one error instead of one per member type."""
    try:
        return handler(value)
    except ValidationError:
        raise ValueError("must be a finite number, a boolean or text") from None


ParamValue = Annotated[Union[int, FiniteFloat, str, bool], WrapValidator(_one_param_error)]
"""One codec parameter's value."""


class CodecSpec(Spec):
    """The activation codec in the DMA path and the unit it compresses independently."""

    name: str = "none"
    """Codec id from the registry (e.g. 'none', 'rle', 'spm', 'dct')."""
    params: dict[str, ParamValue] = {}
    """Codec parameters (each codec documents its own)."""
    transfer_unit: TransferUnit = TransferUnit()
    """The DMA transfer unit; each is compressed on its own and rounded up to whole bursts."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            from socsim.codecs.registry import parse_codec_text

            name, params = parse_codec_text(data)
            return {"name": name, "params": params}
        if isinstance(data, dict):
            # Unknown top-level keys are codec parameters: {name: dct, keep: 21}.
            known = set(cls.model_fields)
            extra = {k: v for k, v in data.items() if k not in known}
            if extra:
                data = {k: v for k, v in data.items() if k in known}
                data["params"] = {**data.get("params", {}), **extra}
        return data


CODEC_PATH_PARAMS = ("masks",)
"""Codec parameters that name files; relative paths are resolved against the scenario's folder."""


class RunSpec(Spec):
    """How the results are written."""

    cache_dir: str | None = None
    """Activation cache directory; default: the user cache dir (e.g. ~/.cache/socsim)."""


class Scenario(Spec):
    """One question for socsim: a CNN on a chip with a codec, among other masters, against a deadline."""

    name: FileName
    """Scenario name used in reports and result paths."""
    seed: Seed = 0
    """Seed of every random choice (weights when random, image crops, masters)."""
    frames: Frames = 1
    """Frames to simulate; each uses a different input image (count)."""
    deadline_ms: Ms
    """Deadline of one frame, from its release to its last output byte in DRAM (ms)."""
    period_ms: Ms | None = None
    """Time between frame releases; default: deadline_ms (ms)."""
    soc: SocSpec = SocSpec()
    """The chip."""
    masters: Annotated[list[Master], Field(max_length=MASTERS_MAX)] = []
    """Other bus masters sharing the DRAM with the accelerator."""
    workload: WorkloadSpec
    """The CNN and its input images."""
    codec: CodecSpec = CodecSpec()
    """The activation codec."""
    run: RunSpec = RunSpec()
    """Where results and caches go."""
    base_dir: str = "."
    """Directory that relative paths are resolved against (set by from_yaml to the file's folder)."""

    @model_validator(mode="before")
    @classmethod
    def _dram_config_absolute(cls, data: Any) -> Any:
        """soc.dram.config relative to the scenario file's folder, made absolute before it is read."""
        dram = data.get("soc", {}).get("dram") if isinstance(data, dict) and isinstance(data.get("soc"), dict) else None
        if isinstance(dram, dict) and isinstance(dram.get("config"), str):
            path = Path(dram["config"]).expanduser()
            if not path.is_absolute():
                path = Path(data.get("base_dir", ".")) / path
                soc = {**data["soc"], "dram": {**dram, "config": str(path)}}
                return {**data, "soc": soc}
        return data

    @property
    def frame_period_ms(self) -> float:
        """Time between frame releases (ms)."""
        return self.period_ms if self.period_ms is not None else self.deadline_ms

    def resolve(self, path: str) -> Path:
        """A scenario path made absolute against the scenario file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    @classmethod
    def from_yaml(
        cls, path: str | Path, overrides: dict[str, Any] | None = None, settings: tuple[str, ...] | list[str] = ()
    ) -> "Scenario":
        """Load, validate and check a scenario file; every problem is one ScenarioError line.

        ``settings`` ('soc.bus.width_bytes=32', see ``parse_setting``) change the file's data by field
        path; ``overrides`` then replace whole top-level fields.
        """
        data = cls.read_yaml(Path(path))
        for text in settings:
            set_path(data, *parse_setting(text))
        return cls.from_dict({**data, **(overrides or {})})

    @classmethod
    def read_yaml(cls, path: Path) -> dict[str, Any]:
        """The data of a scenario file, not yet validated, with ``base_dir`` set to the file's folder."""
        path = Path(path)
        data = load_yaml(path, "scenario")
        if "base_dir" in data:
            raise ScenarioError("base_dir: set from the scenario file's location, not in the file")
        return {**data, "base_dir": str(path.resolve().parent)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Scenario":
        """Validate a mapping as a scenario and check what pydantic cannot (files, models, codecs)."""
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(validation_message(exc)) from None
        scenario = scenario._with_codec_paths()
        scenario.check()
        return scenario

    def _with_codec_paths(self) -> "Scenario":
        """This scenario with the codec parameters that name files (``CODEC_PATH_PARAMS``) resolved
        against the scenario file's folder."""
        params = dict(self.codec.params)
        for key in CODEC_PATH_PARAMS:
            if isinstance(params.get(key), str):
                params[key] = str(self.resolve(params[key]))
        if params == self.codec.params:
            return self
        return self.model_copy(update={"codec": self.codec.model_copy(update={"params": params})})

    def check(self) -> None:
        """Checks that need the registries and the file system; one ScenarioError with every problem, a line each."""
        problems = self._codec_problems() + self._workload_problems() + self._master_problems() + self._region_problems()
        if problems:
            raise ScenarioError("\n".join(problems))

    def _codec_problems(self) -> list[str]:
        """The codec exists, takes these parameters and can compress this transfer unit."""
        from socsim.codecs.registry import get_codec

        try:
            get_codec(self.codec.name, dict(self.codec.params), field="codec").check_unit(self.codec.transfer_unit)
        except CodecError as exc:
            return [str(exc)]
        return []

    def _workload_problems(self) -> list[str]:
        """The model's name is well formed, its weights and images exist, its input size fits the networks."""
        problems = []
        model = self.workload.model
        if ":" in model:
            module, _, func = model.partition(":")
            if not all(part.isidentifier() for part in [*module.split("."), func]):
                problems.append(f"workload.model={model!r}: expected 'package.module:factory'")
        # Built-in model names are checked by the workload stage (``socsim.workload.models.check_name``).
        w = self.workload.weights
        if w != "random" and w != "trained" and not w.startswith("trained:") and not self.resolve(w).is_file():
            problems.append(f"workload.weights={w!r}: file not found")
        for i, img in enumerate(self.workload.images):
            if not (img == "skimage" or img.startswith("skimage:")) and not self.resolve(img).exists():
                problems.append(f"workload.images[{i}]={img!r}: file or folder not found")
        for field in ("height", "width"):
            value = getattr(self.workload, field)
            if value is not None and value % 32:
                problems.append(f"workload.{field}={value}: must be a multiple of 32")
        return problems

    def _region_problems(self) -> list[str]:
        """The streams' regions lie inside the DRAM and share no row (socsim.regions)."""
        from socsim.regions import region_problems

        banks, rows = self.soc.dram.address_space
        return region_problems(banks, rows, self.soc.dma.channels, self.soc.dma.regions,
                               [m.region for m in self.masters])

    def _master_problems(self) -> list[str]:
        """Master names are unique, 'npu' is the accelerator's, every master the arbiter names exists."""
        problems = []
        if len({m.name for m in self.masters}) != len(self.masters):
            problems.append("masters: names must be unique")
        problems += [f"masters[{i}].name='npu': reserved for the accelerator"
                     for i, m in enumerate(self.masters) if m.name == "npu"]
        names = ["npu"] + [m.name for m in self.masters]
        bus = self.soc.bus
        named = [(f"soc.bus.priorities.{k}", k) for k in bus.priorities]
        named += [(f"soc.bus.weights.{k}", k) for k in bus.weights]
        if bus.tdma is not None:
            named += [(f"soc.bus.tdma.table[{i}]", k) for i, k in enumerate(bus.tdma.table)]
        if bus.budget is not None:
            named += [(f"soc.bus.budget.bytes.{k}", k) for k in bus.budget.bytes]
        problems += [f"{field}={name!r}: no master of that name (known: {', '.join(names)})"
                     for field, name in named if name not in names]
        return problems


def parse_setting(text: str) -> tuple[str, Any]:
    """'soc.bus.width_bytes=32' → ('soc.bus.width_bytes', 32): a field path and a value read as YAML
    (a number, a boolean, a list, a mapping; anything else is text, e.g. 'codec=dct:keep=21')."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"--set {text!r}: expected FIELD.PATH=VALUE (e.g. soc.bus.width_bytes=32)")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        parsed = value
    return path.strip(), parsed


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader (libyaml's parser when PyYAML has it), refusing a mapping that repeats a
    key (plain YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {first})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path, field: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file; a missing, unreadable, non-UTF-8 or malformed file, a
    repeated key or another top level is one ScenarioError line naming ``field``, the path and the line."""
    where = f"{field}={str(path)!r}"
    if not path.is_file():
        raise ScenarioError(f"{where}: file not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1} column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError(f"{where}:{line} {problem}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: not a UTF-8 text file") from None
    except RecursionError:
        raise ScenarioError(f"{where}: nested too deeply") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: top level must be a mapping, got {type(data).__name__}")
    return data


def validation_message(exc: ValidationError) -> str:
    """Every pydantic error, one line each ('field.path=value: message'), joined by newlines."""
    return "\n".join(dict.fromkeys(_error_line(err) for err in exc.errors()))


def _error_line(err: Any) -> str:
    """One pydantic error as 'field.path=value: message' on one line (the path as ``--set`` takes it;
    'field.path: message' when the error is about a whole mapping or list, or a missing or unknown field)."""
    parts = list(err["loc"])
    if len(parts) > 3 and parts[0] == "masters" and isinstance(parts[1], int):
        del parts[2]  # the union's tag (the master's kind) is no part of the field path
    shown = [p if isinstance(p, str) and p.isprintable() else repr(p) for p in parts]
    loc = ".".join(f"[{p}]" if isinstance(raw, int) else p for p, raw in zip(shown, parts)).replace(".[", "[")
    loc = loc or "scenario"
    msg = " ".join(err["msg"].split()).removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{loc}: required field missing"
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field (check the spelling)"
    value = err.get("input")
    if isinstance(value, (dict, list)):
        return f"{loc}: {msg}" if err["type"].startswith("value_error") else f"{loc}={type(value).__name__}: {msg}"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{loc}={shown}: {msg}"
