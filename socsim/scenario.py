"""The scenario spec tree: one frozen pydantic model per concept, loaded from YAML in one place.

``Scenario.from_yaml(path)`` is the only place YAML is parsed. Every field carries a one-line
docstring with its unit. Unknown keys, wrong types, non-positive sizes or frequencies, missing
files, unknown models or codecs raise ``ScenarioError`` with one line naming the field path and the
bad value. Paths inside a scenario are relative to the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from socsim.codecs.base import TransferUnit
from socsim.errors import CodecError, ScenarioError


class Spec(BaseModel):
    """Base of every spec: strict types, frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AcceleratorSpec(Spec):
    """The CNN accelerator: a rows×cols array of 16-bit MAC units with on-chip SRAM."""

    rows: PositiveInt = 32
    """PE array rows: the reduction dimension (input channels × kernel) is mapped on them (count)."""
    cols: PositiveInt = 32
    """PE array columns: output channels are mapped on them (count)."""
    freq_mhz: PositiveFloat = 1000.0
    """Accelerator clock (MHz)."""
    sram_kib: PositiveInt = 2048
    """On-chip activation and weight buffer, split in two halves for double buffering (KiB)."""
    value_bits: Literal[16] = 16
    """Width of activations and weights (bits); socsim models 16-bit fixed point."""


class DmaSpec(Spec):
    """The DMA engine that moves tiles between DRAM and the accelerator's SRAM."""

    channels: PositiveInt = 1
    """Independent DMA channels serving one descriptor queue (count)."""
    burst_bytes: PositiveInt = 64
    """Bus burst size; every transfer unit is rounded up to whole bursts (bytes)."""
    max_outstanding: PositiveInt = 16
    """Bursts a channel may have in flight; caps its rate at outstanding·burst/latency (count)."""


class BusSpec(Spec):
    """The shared on-chip interconnect between masters and the DRAM controller."""

    width_bytes: PositiveInt = 64
    """Data width (bytes per cycle)."""
    freq_mhz: PositiveFloat = 1000.0
    """Bus clock (MHz)."""
    arbitration: Literal["fifo", "round_robin", "fixed_priority"] = "fifo"
    """How the bus orders requests of different masters; 'fifo' serves them in arrival order."""


DRAM_PRESETS: dict[str, tuple[float, float]] = {
    # name: (peak GB/s, access latency ns). Peak = data rate (MT/s) × bus width (bytes).
    # LPDDR4-3200, 4×16-bit channels (64 bit): 3200 MT/s × 8 B = 25.6 GB/s (JESD209-4).
    "lpddr4-3200": (25.6, 100.0),
    # LPDDR5-6400, 128-bit (8×16-bit channels, automotive SoCs): 6400 MT/s × 16 B = 102.4 GB/s
    # (JESD209-5).
    "lpddr5-6400": (102.4, 110.0),
    # DDR4-3200, one 64-bit channel: 3200 MT/s × 8 B = 25.6 GB/s (JESD79-4).
    "ddr4-3200": (25.6, 80.0),
}


class DramSpec(Spec):
    """The DRAM: a server of peak bandwidth with a fixed access latency (or a named preset)."""

    preset: Literal["lpddr4-3200", "lpddr5-6400", "ddr4-3200"] | None = None
    """Named DRAM; sets peak_gbps and latency_ns unless those are given too."""
    peak_gbps: PositiveFloat | None = None
    """Peak data bandwidth (GB/s, 1e9 bytes per second)."""
    latency_ns: PositiveFloat | None = None
    """Time from a request reaching the DRAM to its last data returning (ns)."""

    @model_validator(mode="after")
    def _resolve(self) -> "DramSpec":
        if self.preset is None and (self.peak_gbps is None or self.latency_ns is None):
            raise ValueError("give a preset or both peak_gbps and latency_ns")
        return self

    @property
    def bandwidth_gbps(self) -> float:
        """Peak bandwidth after applying the preset (GB/s)."""
        return self.peak_gbps if self.peak_gbps is not None else DRAM_PRESETS[self.preset][0]

    @property
    def access_latency_ns(self) -> float:
        """Access latency after applying the preset (ns)."""
        return self.latency_ns if self.latency_ns is not None else DRAM_PRESETS[self.preset][1]


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
    """Size of each request it issues (bytes)."""
    read_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    """Fraction of requests that are reads (0..1); the rest are writes."""


Master = Annotated[Union[TokenBucketMaster], Field(discriminator="kind")]


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
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> "Scenario":
        """Load, validate and check a scenario file; every problem is one ScenarioError line."""
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
        data = {**data, **(overrides or {}), "base_dir": str(path.resolve().parent)}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Scenario":
        """Validate a mapping as a scenario and check what pydantic cannot (files, models, codecs)."""
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(_one_line(exc)) from None
        scenario.check()
        return scenario

    def check(self) -> None:
        """Checks that need the registries and the file system; raise ScenarioError."""
        from socsim.codecs.registry import get_codec

        try:
            get_codec(self.codec.name, dict(self.codec.params), field="codec").check_unit(
                self.codec.transfer_unit
            )
        except CodecError as exc:
            raise ScenarioError(str(exc)) from None
        model = self.workload.model
        if ":" in model:
            module, _, func = model.partition(":")
            if not module or not func:
                raise ScenarioError(f"workload.model={model!r}: expected 'package.module:factory'")
        else:
            from socsim.workload.models import MODELS

            if model not in MODELS:
                raise ScenarioError(f"workload.model={model!r}: unknown model (known: {', '.join(sorted(MODELS))})")
        w = self.workload.weights
        if w != "random" and w != "trained" and not w.startswith("trained:") and not self.resolve(w).is_file():
            raise ScenarioError(f"workload.weights={w!r}: file not found")
        for i, img in enumerate(self.workload.images):
            if img == "skimage" or img.startswith("skimage:"):
                continue
            if not self.resolve(img).exists():
                raise ScenarioError(f"workload.images[{i}]={img!r}: file or folder not found")
        if self.workload.height is not None and self.workload.height % 32:
            raise ScenarioError(f"workload.height={self.workload.height}: must be a multiple of 32")
        if self.workload.width is not None and self.workload.width % 32:
            raise ScenarioError(f"workload.width={self.workload.width}: must be a multiple of 32")
        if len({m.name for m in self.masters}) != len(self.masters):
            raise ScenarioError("masters: names must be unique")
        for i, m in enumerate(self.masters):
            if m.name == "npu":
                raise ScenarioError(f"masters[{i}].name='npu': reserved for the accelerator")


def _one_line(exc: ValidationError) -> str:
    """The first pydantic error as 'field.path=value: message' on one line."""
    err = exc.errors()[0]
    loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
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
