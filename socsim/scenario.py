"""The scenario spec tree: one frozen pydantic model per concept, loaded from YAML in one place.

``Scenario.from_yaml(path)`` is the only place YAML is parsed. Every field carries a one-line
docstring with its unit. Unknown keys, wrong types, non-positive sizes or frequencies, missing
files, unknown models or codecs raise ``ScenarioError`` with one line naming the field path and the
bad value. Paths inside a scenario are relative to the scenario file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from socsim.codecs.base import TransferUnit
from socsim.errors import CodecError, ScenarioError
from socsim.fieldpath import set_path
from socsim.registry import ARBITERS, DRAM_PRESETS, MASTERS

if TYPE_CHECKING:
    from socsim.dram_presets import DramPreset


class Spec(BaseModel):
    """Base of every spec: strict types, frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AcceleratorSpec(Spec):
    """The CNN accelerator: a rows×cols array of 16-bit MAC units with on-chip SRAM."""

    rows: PositiveInt = 32
    """PE array rows: the reduction (input channels × kernel) under ws and is, output pixels under os (count)."""
    cols: PositiveInt = 32
    """PE array columns: output channels under ws and os, output pixels under is; also the vector unit's lanes (count)."""
    dataflow: Literal["ws", "os", "is"] = "ws"
    """Systolic dataflow (weight/output/input stationary) with SCALE-Sim's fill and drain per fold (socsim.model.compute)."""
    depthwise: Literal["per_channel", "channel_parallel"] = "per_channel"
    """Depthwise convs: one single-channel conv per channel as on a plain systolic array (SCALE-Sim), or a depthwise mode feeding each column its own channel (CMSA, ICCD 2020)."""
    freq_mhz: PositiveFloat = 1000.0
    """Accelerator clock (MHz)."""
    sram_kib: PositiveInt = 2048
    """On-chip activation and weight buffer, split in two halves for double buffering (KiB)."""
    value_bits: Literal[16] = 16
    """Width of activations and weights (bits); socsim models 16-bit fixed point."""
    sram_residency: bool = True
    """Keep an output map on chip when its only consumer is the next layer and it fits (no DRAM traffic; see soc.accelerator)."""


class CodecEngineSpec(Spec):
    """The codec engine in the DMA path: it compresses stores and decompresses loads."""

    bytes_per_cycle: PositiveInt = 64
    """Throughput on the uncompressed side (bytes per cycle)."""
    freq_mhz: PositiveFloat = 1000.0
    """Engine clock (MHz)."""
    latency_cycles: NonNegativeInt = 32
    """Pipeline latency added to every compressed transfer unit (cycles)."""


class DmaSpec(Spec):
    """The DMA engine that moves tiles between DRAM and the accelerator's SRAM."""

    channels: PositiveInt = 1
    """Independent DMA channels serving one descriptor queue (count)."""
    burst_bytes: PositiveInt = 64
    """Bus burst size; every transfer unit is rounded up to whole bursts (bytes)."""
    max_outstanding: PositiveInt = 16
    """Bursts a channel may have in flight; caps its rate at outstanding·burst/round trip (count)."""
    codec_engine: CodecEngineSpec | None = None
    """Codec engine between the DMA and the bus; none: compression costs no time (spec or null)."""


ARBITRATIONS = ("fifo", "round_robin", "weighted_round_robin", "fixed_priority", "tdma", "budget")


class TdmaSpec(Spec):
    """A TDMA slot table: time is cut in slots and each slot belongs to one master."""

    slot_ns: PositiveFloat
    """Length of one slot (ns)."""
    table: Annotated[list[str], Field(min_length=1)]
    """Owner of each slot in one cycle, by master name ('npu' is the accelerator) (names)."""


class BudgetSpec(Spec):
    """MemGuard-like regulation: a master may move at most its budget per period, then waits."""

    period_ns: PositiveFloat
    """Regulation period; budgets are replenished at every multiple of it (ns)."""
    bytes: dict[str, PositiveInt]
    """Budget per regulated master, by name; unlisted masters are not regulated (bytes per period)."""


class BusSpec(Spec):
    """The shared on-chip interconnect between masters and the DRAM controller."""

    width_bytes: PositiveInt = 64
    """Data width (bytes per cycle)."""
    freq_mhz: PositiveFloat = 1000.0
    """Bus clock (MHz)."""
    arbitration: str = "fifo"
    """Arbiter plug-in by name (``socsim.registry.ARBITERS``); 'fifo' serves bursts in arrival order."""
    priorities: dict[str, int] = {}
    """fixed_priority: level per master name, lower is served first; unlisted masters follow in order (npu first) (rank)."""
    weights: dict[str, PositiveInt] = {}
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

    channels: PositiveInt
    """Channels ganged in lockstep; peak bandwidth and row_bytes already include all of them (count)."""
    banks: PositiveInt
    """Banks per channel; each traffic stream owns one bank, streams beyond this count share (count)."""
    row_bytes: PositiveInt
    """One open row across the lockstep channels: page size × channels (bytes)."""
    t_cl_ns: NonNegativeFloat
    """Read latency RL (CAS latency); pipelined, part of latency_ns, not of bus occupancy (ns)."""
    t_rcd_ns: NonNegativeFloat
    """ACTIVATE to READ/WRITE delay: the cost of opening a row in a closed bank (ns)."""
    t_rp_ns: NonNegativeFloat
    """PRECHARGE period: with t_rcd_ns the cost of a row conflict (ns)."""
    t_rfc_ns: NonNegativeFloat
    """All-bank refresh cycle time: the blackout of every refresh; 0 disables refresh (ns)."""
    t_refi_ns: PositiveFloat
    """Average refresh interval: one blackout every t_refi_ns (ns)."""
    t_w2r_ns: NonNegativeFloat
    """Data-bus gap when reads follow writes: tWTR + RL (ns)."""
    t_r2w_ns: NonNegativeFloat
    """Data-bus gap when writes follow reads (ns)."""
    write_batch_bytes: PositiveInt
    """Controller write drain: one read→write→read turnaround pair per this many written bytes (bytes)."""


class DramDeviceSpec(Spec):
    """A command-level DRAM device: organisation and JEDEC timing in clocks (nCK), as a DRAMsim3 config gives them."""

    protocol: Literal["DDR4", "LPDDR4"]
    """DRAM standard (JESD79-4 DDR4 or JESD209-4 LPDDR4)."""
    tCK: PositiveFloat
    """Clock period (ns)."""
    ranks: PositiveInt = 1
    """Ranks on the channel (count)."""
    bankgroups: PositiveInt
    """Bank groups per rank; LPDDR4 has none, its banks are only split for the address map (count)."""
    banks_per_group: PositiveInt
    """Banks per bank group (count)."""
    rows: PositiveInt
    """Rows per bank (count)."""
    columns: PositiveInt
    """Columns per row of one device (count)."""
    device_width: PositiveInt
    """Data width of one device (bits)."""
    bus_width: PositiveInt = 64
    """Data width of the rank: devices side by side in lockstep (bits)."""
    BL: PositiveInt
    """Burst length (beats); one burst of bus_width × BL / 8 bytes is the minimum access."""
    address_mapping: str = "rochrababgco"
    """Field order from the most significant bit (socsim.model.address_map)."""
    AL: NonNegativeInt = 0
    """Additive latency (nCK)."""
    CL: PositiveInt
    """CAS (read) latency RL − AL (nCK)."""
    CWL: PositiveInt
    """CAS write latency WL − AL (nCK)."""
    tRCD: PositiveInt
    """ACTIVATE to READ/WRITE (nCK)."""
    tRP: PositiveInt
    """PRECHARGE to ACTIVATE (nCK)."""
    tRAS: PositiveInt
    """ACTIVATE to PRECHARGE; tRC = tRAS + tRP (nCK)."""
    tRFC: PositiveInt
    """All-bank REFRESH to ACTIVATE (nCK)."""
    tREFI: PositiveInt
    """Average refresh interval (nCK)."""
    tRRD_S: PositiveInt
    """ACTIVATE to ACTIVATE, different bank group (nCK)."""
    tRRD_L: PositiveInt
    """ACTIVATE to ACTIVATE, same bank group (nCK)."""
    tWTR_S: PositiveInt
    """End of write data to READ, different bank group (nCK)."""
    tWTR_L: PositiveInt
    """End of write data to READ, same bank group (nCK)."""
    tFAW: PositiveInt
    """Window in which a rank takes at most four ACTIVATEs (nCK)."""
    tWR: PositiveInt
    """Write recovery: end of write data to PRECHARGE (nCK)."""
    tRTP: PositiveInt
    """READ to PRECHARGE (nCK)."""
    tCCD_S: PositiveInt
    """READ to READ (WRITE to WRITE), different bank group (nCK)."""
    tCCD_L: PositiveInt
    """READ to READ (WRITE to WRITE), same bank group (nCK)."""
    tRTRS: NonNegativeInt = 1
    """Rank-to-rank switch and read-to-write bubble on the data bus (nCK)."""
    tPPD: NonNegativeInt = 0
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
        return self

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

    trans_queue_size: PositiveInt = 32
    """Read queue and write buffer capacity each (transactions)."""
    cmd_queue_size: PositiveInt = 8
    """Per-bank command queue capacity (commands)."""
    row_hit_cap: PositiveInt = 4
    """FR-FCFS: a row that has served this many hits is closed for an older request to another row (count)."""
    write_low_watermark: NonNegativeInt = 8
    """Drain writes when the buffer holds more than this and no command is queued (transactions)."""


class DramSpec(Spec):
    """The DRAM: a named preset, or a peak bandwidth and latency, with a simple or a timing model."""

    preset: str | None = None
    """Named DRAM; sets peak_gbps, latency_ns and timing unless those are given too."""
    model: Literal["simple", "timing", "command"] | None = None
    """'simple': peak bandwidth + fixed latency; 'timing': rows, refresh, turnaround; 'command': command-level device and controller (burst fidelity only); default: timing with a preset or timing, else simple."""
    peak_gbps: PositiveFloat | None = None
    """Peak data bandwidth (GB/s, 1e9 bytes per second)."""
    latency_ns: PositiveFloat | None = None
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

    @model_validator(mode="after")
    def _resolve(self) -> "DramSpec":
        if self.preset is None and (self.peak_gbps is None or self.latency_ns is None):
            raise ValueError("give a preset or both peak_gbps and latency_ns")
        if self.model == "timing" and self.preset is None and self.timing is None:
            raise ValueError("model 'timing' needs a preset or a timing entry")
        if self.model == "command" and self.device is None and (self.preset is None or self.preset_spec.device is None):
            raise ValueError("model 'command' needs a device entry or a preset with a command-level device")
        return self

    @property
    def bandwidth_gbps(self) -> float:
        """Peak bandwidth after applying the preset (GB/s)."""
        return self.peak_gbps if self.peak_gbps is not None else self.preset_spec.peak_gbps

    @property
    def access_latency_ns(self) -> float:
        """Pipeline latency after applying the preset (ns)."""
        return self.latency_ns if self.latency_ns is not None else self.preset_spec.latency_ns

    @property
    def resolved_model(self) -> str:
        """'simple' or 'timing' after applying the default."""
        if self.model is not None:
            return self.model
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
        return self.device if self.device is not None else self.preset_spec.device

    @property
    def resolved_controller(self) -> DramControllerSpec:
        """Command-level controller in force."""
        return self.controller if self.controller is not None else DramControllerSpec()


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
    name: str
    """Name used in reports."""
    sigma_bytes: NonNegativeInt
    """Burst: bytes it may request at once at time zero (bytes)."""
    rate_gbps: PositiveFloat
    """Long-term rate after the burst (GB/s)."""
    request_bytes: PositiveInt = 4096
    """Size of each request it issues, rounded up to whole bursts (bytes)."""
    read_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    """Fraction of requests that are reads (0..1); the rest are writes."""


class IspMaster(Spec):
    """A camera ISP writing each frame line by line at the sensor's line rate."""

    kind: Literal["isp"]
    """Master type."""
    name: str
    """Name used in reports."""
    width: PositiveInt
    """Frame width (pixels)."""
    height: PositiveInt
    """Frame height (lines)."""
    bytes_per_pixel: PositiveInt = 2
    """Output format size, e.g. 2 for YUV422 (bytes)."""
    fps: PositiveFloat
    """Frames per second (1/s)."""
    line_time_ns: PositiveFloat | None = None
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
    name: str
    """Name used in reports."""
    width: PositiveInt
    """Frame width (pixels)."""
    height: PositiveInt
    """Frame height (lines)."""
    bytes_per_pixel: PositiveInt = 4
    """Pixel size, 4 for 32-bit RGBA (bytes)."""
    fps: PositiveFloat
    """Refresh rate (1/s)."""
    fifo_bytes: PositiveInt = 65536
    """Depth of the pixel FIFO, full at time zero (bytes)."""
    request_bytes: PositiveInt = 4096
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
    name: str
    """Name used in reports."""
    rate_gbps: PositiveFloat
    """Mean rate of the requests, also the token-bucket rate ρ (GB/s)."""
    request_bytes: PositiveInt = 64
    """Size of each request (a cache line), rounded up to whole bursts (bytes)."""
    burst_bytes: PositiveInt = 4096
    """Token-bucket depth σ, and the size of one clump of 'bursty' arrivals (bytes)."""
    arrivals: Literal["random", "bursty"] = "random"
    """'random': exponential gaps between requests; 'bursty': clumps of burst_bytes at exponential gaps."""
    addresses: Literal["sequential", "random"] = "sequential"
    """'sequential': streams through rows (prefetch-like); 'random': every request opens a random row."""
    read_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.7
    """Fraction of requests that are reads, drawn per request (0..1)."""
    seed: NonNegativeInt | None = None
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
    name: str
    """Name used in reports."""

    @model_validator(mode="after")
    def _known_kind(self) -> "PluginMaster":
        if self.kind not in MASTERS.names():
            raise ValueError(f"unknown master kind {self.kind!r} (known: {', '.join(MASTERS.names())})")
        self.plugin_spec()
        return self

    def plugin_spec(self) -> Spec:
        """This entry validated by its kind's own spec (the plug-in's ``Source.Spec``)."""
        return MASTERS.load(self.kind).Spec.model_validate(self.model_dump())


BUILTIN_MASTERS: tuple[type[Spec], ...] = (TokenBucketMaster, IspMaster, DisplayMaster, CpuMaster)
"""Spec classes of the built-in master kinds; each names its kind once, in its ``kind`` Literal."""


def master_kind(spec: type[Spec]) -> str:
    """The kind a master spec class declares in its ``kind: Literal[...]`` field."""
    return get_args(spec.model_fields["kind"].annotation)[0]


_BUILTIN_KINDS = {master_kind(c) for c in BUILTIN_MASTERS}


def _master_tag(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in _BUILTIN_KINDS else "plugin"


Master = Annotated[
    Union[tuple(Annotated[c, Tag(master_kind(c))] for c in BUILTIN_MASTERS) + (Annotated[PluginMaster, Tag("plugin")],)],
    Discriminator(_master_tag),
]


class WorkloadSpec(Spec):
    """The CNN and its inputs."""

    model: str
    """Built-in model name (e.g. 'fcn8s') or a user factory 'package.module:function'."""
    height: PositiveInt | None = None
    """Input height (pixels); default: the model's own resolution."""
    width: PositiveInt | None = None
    """Input width (pixels); default: the model's own resolution."""
    weights: str = "random"
    """'random' (seeded by the scenario seed), 'trained', 'trained:<source>', or a .pth path."""
    images: list[str] = ["skimage"]
    """Input images: 'skimage' (its bundled photos), 'skimage:<name>', image files or folders."""
    frac_bits_headroom: NonNegativeInt = 0
    """Extra integer bits above the calibrated range of each layer's fixed-point format (bits)."""


class CodecSpec(Spec):
    """The activation codec in the DMA path and the unit it compresses independently."""

    name: str = "none"
    """Codec id from the registry (e.g. 'none', 'rle', 'spm', 'dct')."""
    params: dict[str, Union[int, float, str, bool]] = {}
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

    name: str
    """Scenario name used in reports and result paths."""
    seed: NonNegativeInt = 0
    """Seed of every random choice (weights when random, image crops, masters)."""
    frames: PositiveInt = 1
    """Frames to simulate; each uses a different input image (count)."""
    deadline_ms: PositiveFloat
    """Deadline of one frame, from its release to its last output byte in DRAM (ms)."""
    period_ms: PositiveFloat | None = None
    """Time between frame releases; default: deadline_ms (ms)."""
    soc: SocSpec = SocSpec()
    """The chip."""
    masters: list[Master] = []
    """Other bus masters sharing the DRAM with the accelerator."""
    workload: WorkloadSpec
    """The CNN and its input images."""
    codec: CodecSpec = CodecSpec()
    """The activation codec."""
    run: RunSpec = RunSpec()
    """Where results and caches go."""
    base_dir: str = "."
    """Directory that relative paths are resolved against (set by from_yaml to the file's folder)."""

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        if not v or any(ch in v for ch in "/\\") or v.startswith("."):
            raise ValueError("must be a non-empty name without '/' or leading '.'")
        return v

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
        if not path.is_file():
            raise ScenarioError(f"scenario={str(path)!r}: file not found")
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "malformed YAML"
            raise ScenarioError(f"scenario={str(path)!r}:{where}: {problem}") from None
        except UnicodeDecodeError:
            raise ScenarioError(f"scenario={str(path)!r}: not a UTF-8 text file") from None
        if not isinstance(data, dict):
            raise ScenarioError(f"scenario={str(path)!r}: top level must be a mapping, got {type(data).__name__}")
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
        problems = self._codec_problems() + self._workload_problems() + self._master_problems()
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
            if not module or not func:
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


def validation_message(exc: ValidationError) -> str:
    """Every pydantic error, one line each ('field.path=value: message'), joined by newlines."""
    return "\n".join(dict.fromkeys(_error_line(err) for err in exc.errors()))


def _error_line(err: Any) -> str:
    """One pydantic error as 'field.path=value: message' on one line (the path as ``--set`` takes it)."""
    parts = list(err["loc"])
    if len(parts) > 3 and parts[0] == "masters" and isinstance(parts[1], int):
        del parts[2]  # the union's tag (the master's kind) is no part of the field path
    loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in parts).replace(".[", "[")
    loc = loc or "scenario"
    msg = err["msg"].replace("\n", " ")
    if err["type"] == "missing":
        return f"{loc}: required field missing"
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field (check the spelling)"
    value = err.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{loc}={shown}: {msg}"
