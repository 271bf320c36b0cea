"""The result of one ``socsim run``: a typed document, written as ``result.json`` and read back by the reports.

``RunResult`` is the contract between the run and everything after it (tables, figures, HTML,
comparisons, sweeps): every key of ``result.json`` is a field below, with its unit in its
docstring. Times are simulated time; wall-clock times are never part of the result, so the same
scenario and seed give a byte-identical ``result.json``. Every float is finite; a missing value is
null. ``result.schema.json`` (in ``socsim/schema/``) is generated from these models:
``python -m socsim.result --schema`` writes it again after a change.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from socsim.codecs.base import TransferUnit
from socsim.errors import ResultError
from socsim.scenario import Scenario

SCHEMA_VERSION = 1
"""Version of the result format: it changes when a key changes meaning or disappears."""
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "result.schema.json"
"""The JSON Schema of ``result.json`` shipped inside the package."""


class ResultModel(BaseModel):
    """Base of every part of a result: strict types, frozen, unknown keys rejected, floats finite."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


class CodecInfo(ResultModel):
    """The activation codec of the run."""

    name: str
    """Codec id from the registry ('none', 'rle', 'dct', ...)."""
    key: str
    """Codec id and parameters, e.g. 'dct:keep=21,n=8' (text)."""
    lossless: bool
    """True when decoding gives back the exact 16-bit values."""
    transfer_unit: TransferUnit
    """The DMA transfer unit each compressed piece covers."""
    guaranteed: bool
    """True when every layer's compressed size depends on its shape only, so its worst case is what it always moves."""


class WeightsInfo(ResultModel):
    """Where the network's weights came from."""

    source: str
    """'random:seed=N', a trained source's name or a file path (text)."""
    sha256: str | None
    """SHA-256 of the weights file; null for random weights (hex)."""
    note: str
    """What the weights are, in words."""


class WorkloadInfo(ResultModel):
    """The CNN and its inputs, with its totals at 16 bit."""

    model: str
    """Model name or 'package.module:factory'."""
    height: int
    """Input height (pixels)."""
    width: int
    """Input width (pixels)."""
    weights: WeightsInfo
    """Where the weights came from."""
    inputs: list[str]
    """How each frame's input image was made, in frame order (text)."""
    layers: int
    """Layers of the graph (count)."""
    macs: int
    """Multiply-accumulates of one frame (count)."""
    weight_bytes: int
    """All weights at 16 bit (bytes)."""
    activation_bytes: int
    """All layer outputs at 16 bit, uncompressed (bytes)."""


class Summary(ResultModel):
    """The run in four numbers."""

    frames: int
    """Frames simulated (count)."""
    latency_ms_max: float
    """Largest simulated frame latency (ms)."""
    latency_ms_mean: float
    """Mean simulated frame latency (ms)."""
    deadline_met_all: bool
    """True when every simulated frame met the deadline."""


class FrameResult(ResultModel):
    """One simulated frame."""

    index: int
    """Frame number, from 0 (count)."""
    input: str
    """How the frame's input image was made (text)."""
    release_ms: float
    """When the frame was released: index × period (ms)."""
    latency_ms: float
    """From release to the last output byte in DRAM (ms)."""
    deadline_met: bool
    """True when latency_ms is within the deadline."""
    dram_read_bytes: int
    """Bytes the accelerator read from DRAM, compressed and burst-rounded (bytes)."""
    dram_write_bytes: int
    """Bytes the accelerator wrote to DRAM, compressed and burst-rounded (bytes)."""


class LayerResult(ResultModel):
    """One layer: its shape and sizes, and what it cost in the simulation (max over frames unless named a mean)."""

    name: str
    """Layer name in the graph."""
    kind: str
    """Layer type, e.g. 'conv', 'pool', 'fc'."""
    out_shape: list[int]
    """Output map shape C, H, W (values)."""
    macs: int
    """Multiply-accumulates (count)."""
    weight_bytes: int
    """Weights at 16 bit (bytes)."""
    ifmap_bytes: int
    """Input maps at 16 bit, uncompressed (bytes)."""
    ofmap_bytes: int
    """Output map at 16 bit, uncompressed (bytes)."""
    tiles: int
    """Tiles the layer is cut into to fit the SRAM (count)."""
    compute_ns: float
    """PE array time of the layer (ns)."""
    dma_read_bytes: int
    """DRAM bytes read, compressed and burst-rounded, max over frames (bytes)."""
    dma_write_bytes: int
    """DRAM bytes written, compressed and burst-rounded, max over frames (bytes)."""
    dma_read_bytes_mean: float
    """DRAM bytes read, mean over frames (bytes)."""
    dma_write_bytes_mean: float
    """DRAM bytes written, mean over frames (bytes)."""
    dma_ns: float
    """Time the layer's descriptors held the path to DRAM, max over frames (ns)."""
    layer_ns: float
    """From the layer's start to its end, max over frames (ns)."""
    stall_ns: float
    """Time the PE array waited for DMA, max over frames (ns)."""
    frac_bits: int
    """Fractional bits of the layer's 16-bit fixed-point output format (bits)."""
    zero_fraction: float
    """Share of output values that are zero over all frames (0..1)."""
    saturated: int
    """Output values clipped to the 16-bit range over all frames (count)."""
    resident: bool
    """True when the output stays in SRAM for the next layer (no DRAM traffic)."""
    codec_engine_ns: float
    """Codec engine time on the layer's uncompressed bytes, max over frames (ns)."""
    bottleneck: Literal["compute", "dram", "codec_engine"]
    """The largest of compute_ns, dma_ns and codec_engine_ns."""


class TimelineEntry(ResultModel):
    """One layer of one frame on the time axis, relative to the frame's release."""

    frame: int
    """Frame number (count)."""
    layer: str
    """Layer name."""
    start_ms: float
    """Layer start after the frame's release (ms)."""
    end_ms: float
    """Layer end after the frame's release (ms)."""
    compute_ms: float
    """PE array time (ms)."""
    stall_ms: float
    """Time the PE array waited for DMA (ms)."""


class Utilization(ResultModel):
    """DRAM bandwidth per master over time in equal bins (fast fidelity)."""

    t_ms: list[float]
    """Start of each bin (ms)."""
    bin_ms: float
    """Length of a bin (ms)."""
    gbps: dict[str, list[float]]
    """Per master name, the bandwidth it was served in each bin (GB/s)."""


class Envelope(ResultModel):
    """The token bucket a master declares: at most sigma + rate × t bytes in any window t."""

    sigma_bytes: float
    """Burst σ (bytes)."""
    rate_gbps: float
    """Long-term rate ρ (GB/s)."""


class MasterResult(ResultModel):
    """One bus master's traffic over the whole simulation ('npu' is the accelerator)."""

    name: str
    """Master name."""
    kind: Literal["npu", "isp", "display", "cpu", "token_bucket"]
    """Master type."""
    bytes_requested: int
    """Bytes it asked for (bytes)."""
    bytes_delivered: int
    """Bytes it was served (bytes)."""
    requests: int
    """Requests; descriptors for the accelerator (count)."""
    busy_ns: float
    """Server time its bursts held, row and turnaround costs included (ns)."""
    achieved_gbps: float
    """bytes_delivered / sim end_ms (GB/s)."""
    peak_fraction: float
    """achieved_gbps / DRAM peak (0..1)."""
    dram_efficiency: float | None
    """Data time at peak / busy_ns; null when it never held the server (0..1)."""
    row_hit_rate: float | None
    """Bursts that found their row open; null without bursts (0..1)."""
    turnarounds: int | float
    """Read/write turnaround pairs charged to its writes (count; an expected value in the fast fidelity)."""
    envelope: Envelope | None
    """Its declared token bucket; null for the accelerator."""
    latency_ns_p50: float | None
    """Median request latency, the accelerator's descriptors from submission; estimates in the fast fidelity (ns)."""
    latency_ns_p99: float | None
    """99th percentile request latency (ns)."""
    latency_ns_max: float | None
    """Largest request latency (ns)."""
    underflows: int | None
    """Display: requests served after the FIFO ran dry; null for other kinds (count)."""
    worst_lateness_ns: float | None
    """Display: largest latency minus the FIFO's time depth, negative when never late; null for other kinds (ns)."""


class BusResult(ResultModel):
    """The shared bus."""

    utilization: float
    """Server busy time / sim end (0..1)."""
    peak_gbps: float
    """Width × clock (GB/s)."""
    arbitration: str
    """Arbiter policy name."""


class ServiceCurve(ResultModel):
    """A rate-latency guarantee: the DRAM serves at least rate × (t − latency) bytes in any busy window t."""

    rate_gbps: float
    """Guaranteed rate R (GB/s)."""
    latency_ns: float | None
    """Latency T; null when refresh leaves no guaranteed service (ns)."""


class PartitionedService(ServiceCurve):
    """The rate-latency guarantee for this scenario's streams, each in its own bank."""

    streams: int
    """Streams S, each in its own bank (count)."""
    run_bytes: int
    """Shortest run a stream keeps in one row (bytes)."""


class DramResult(ResultModel):
    """The DRAM: what it served and what it guarantees."""

    utilization: float
    """Bytes served / (peak × sim end) (0..1)."""
    peak_gbps: float
    """Peak data bandwidth (GB/s)."""
    latency_ns: float
    """Pipeline latency from a data phase to the data at the master (ns)."""
    bytes: int
    """Bytes served to all masters (bytes)."""
    model: Literal["simple", "timing", "command"]
    """DRAM model: peak and latency only; rows, refresh and turnaround; or the command-level device and controller."""
    busy_fraction: float
    """Server busy time of all masters / sim end (0..1)."""
    efficiency: float | None
    """Data time at peak / busy time; null when never busy (0..1)."""
    refresh_fraction: float
    """Time lost to refresh / sim end (0..1)."""
    row_hit_rate: float | None
    """Bursts that found their row open; null without bursts (0..1)."""
    effective_gbps: float
    """Rate of a lone sequential stream (GB/s)."""
    worst_case_service: ServiceCurve
    """The guarantee for any access pattern (socsim.soc.dram.worst_case_service)."""
    worst_case_service_partitioned: PartitionedService | None
    """The guarantee for this scenario's streams in their own banks; null when two share a bank."""


class CodecEngineResult(ResultModel):
    """The codec engine in the DMA path."""

    busy_ms: float
    """Time it spent on uncompressed bytes (ms)."""
    utilization: float
    """busy_ms / sim end (0..1)."""


class SimInfo(ResultModel):
    """The simulation itself."""

    end_ms: float
    """Last byte of any master, after the others drained (ms)."""
    events: int
    """simpy events processed (count)."""
    fidelity: Literal["fast", "burst"]
    """'fast' (fluid rates) or 'burst' (every bus burst an event)."""
    frames_end_ms: float
    """When the last frame completed (ms)."""


class WindowBytes(ResultModel):
    """Worst-case bytes requested in any window of one length, against what the DRAM serves.

    Besides the fields below, each other master ``<name>`` adds ``<name>_bytes`` (the most it may
    request in the window, bytes) and ``<name>_served_bytes`` (the most the DRAM may serve it, its
    requests reaching back by its latency bound; null without a latency bound, bytes).
    """

    model_config = ConfigDict(extra="allow")

    __pydantic_extra__: dict[str, float | None] = Field(init=False)

    window_us: float
    """Window length (µs)."""
    npu_bytes: float
    """Most the accelerator may request in the window (bytes)."""
    total_bytes: float
    """Most all masters may request in the window (bytes)."""
    dram_bytes: float
    """Most the DRAM and bus can move in the window at peak (bytes)."""
    dram_guaranteed_bytes: float
    """Least the DRAM serves in a busy window of this length (bytes)."""
    observed_bytes: float | None | MISSING = MISSING
    """Most all masters were served in the simulation in such a window, from the fast fidelity's bins
    (a lower estimate); null below a bin; absent in the burst fidelity (bytes)."""

    @model_validator(mode="after")
    def _master_keys(self) -> "WindowBytes":
        for key in self.__pydantic_extra__ or {}:
            if not key.endswith("_bytes"):
                raise ValueError(f"{key}: a master's key must end in '_bytes'")
        return self


class DisplayCheck(ResultModel):
    """Can a display's FIFO run dry: its worst read latency against the FIFO's time depth."""

    name: str
    """Display master name."""
    worst_latency_us: float | None
    """Worst-case read latency; null when none can be guaranteed (µs)."""
    deadline_us: float
    """Time the full FIFO lasts (µs)."""
    underflow_possible: bool
    """True when the worst latency can exceed deadline_us."""
    reason: str | None
    """Why an underflow is possible; null when it is impossible (text)."""


class InterferenceTerm(ResultModel):
    """One source of interference: a fixed delay plus a share of the path's time."""

    fixed_ms: float
    """Fixed delay (ms)."""
    share: float
    """Share of the path's time taken (0..1)."""


class Interference(ResultModel):
    """The interference the bound charges: fixed_ms + share × the path's time."""

    fixed_ms: float
    """Fixed delay of all terms (ms)."""
    share: float
    """Share of the path's time taken by all terms (0..1)."""
    terms: dict[str, InterferenceTerm]
    """Per master name, and 'refresh', their own term."""


class LayerBound(ResultModel):
    """One layer's worst-case terms (frame 0, per-transfer form)."""

    name: str
    """Layer name."""
    bound_ms: float
    """Worst-case time of the layer (ms)."""
    compute_ms: float
    """PE array time (ms)."""
    transfer_ms: float
    """Data time of its transfers at the path's rate (ms)."""
    dram_overhead_ms: float
    """Row and turnaround costs of its transfers (ms)."""
    interference_ms: float
    """Delay from other masters and refresh (ms)."""
    exposed_dma_ms: float
    """bound_ms − compute_ms: DMA time not hidden behind compute (ms)."""


class Sensitivity(ResultModel):
    """How far the scenario is from losing its guarantee."""

    min_guaranteed_compression_ratio: float | None
    """Smallest guaranteed compression ratio of every map that makes the bound meet the deadline; null when none up to 64× does (ratio)."""
    max_extra_interferer_gbps: float
    """Largest rate of one more sequential interferer with which the bound still meets the deadline; 0 when it already misses (GB/s)."""


class Analysis(ResultModel):
    """The worst-case analysis (socsim.analysis.bounds) of the same scenario, without simulating."""

    method: str
    """How the bound is built, in words."""
    worst_case_window_bytes: list[WindowBytes]
    """Worst-case bytes per window length, shortest window first."""
    display: list[DisplayCheck]
    """One underflow verdict per display master."""


class BoundAnalysis(Analysis):
    """The analysis when a bound exists."""

    wcrt_bound_ms: float
    """Worst-case frame latency with the codec's worst-case sizes (ms)."""
    wcrt_observed_sizes_ms: float
    """Worst-case frame latency with the largest sizes seen on the captured frames (ms)."""
    frames_bound_ms: list[float]
    """Bound of each frame (ms)."""
    frames_bound_form: list[Literal["per_transfer", "whole_frame"]]
    """Which of the two forms gave each frame's bound."""
    deadline_met_by_bound: bool
    """True when wcrt_bound_ms is within the deadline."""
    margin_ms: float
    """Deadline − wcrt_bound_ms (ms)."""
    tightness: float | None
    """wcrt_bound_ms / max simulated latency; null when the simulated latency is 0 (ratio)."""
    interference: Interference
    """Interference charged by the bound."""
    layers: list[LayerBound]
    """Per layer, the bound's terms (frame 0, per-transfer form)."""
    sensitivity: Sensitivity
    """Distance to losing the guarantee."""


class NoBoundAnalysis(Analysis):
    """The analysis when no bound exists (e.g. TDMA)."""

    reason: str
    """Why no bound exists (text)."""


class RunResult(ResultModel):
    """The result document of one ``socsim run``."""

    schema_version: Literal[1]
    """Version of this format (SCHEMA_VERSION)."""
    socsim_version: str
    """socsim version that wrote the result."""
    scenario: Scenario
    """The scenario with every default filled in and every file path absolute, so it stands alone
    (base_dir '.'); the run folder holds it as scenario.yaml."""
    seed: int
    """Seed of every random choice."""
    codec: CodecInfo
    """The activation codec."""
    deadline_ms: float
    """Deadline of one frame (ms)."""
    period_ms: float
    """Time between frame releases (ms)."""
    workload: WorkloadInfo
    """The CNN and its inputs."""
    summary: Summary
    """The run in four numbers."""
    frames: list[FrameResult]
    """Every simulated frame, in order."""
    layers: list[LayerResult]
    """Every layer, in execution order."""
    timeline: list[TimelineEntry]
    """Every layer of every frame on the time axis (feeds the timeline figure)."""
    utilization: Utilization | None
    """Bandwidth per master over time; null in the burst fidelity."""
    masters: list[MasterResult]
    """Every bus master, the accelerator ('npu') first."""
    bus: BusResult
    """The shared bus."""
    dram: DramResult
    """The DRAM."""
    codec_engine: CodecEngineResult
    """The codec engine."""
    sim: SimInfo
    """The simulation itself."""
    adversarial: bool
    """True when every transfer unit was simulated at its codec's worst-case size (--adversarial)."""
    analysis: BoundAnalysis | NoBoundAnalysis
    """The worst-case analysis: a bound, or the reason there is none."""
    sweep_point: dict[str, Any] | MISSING = MISSING
    """Field path → value overrides of this sweep point; absent outside sweeps."""

    @property
    def bound(self) -> BoundAnalysis | None:
        """The analysis when a bound exists, else None."""
        return self.analysis if isinstance(self.analysis, BoundAnalysis) else None

    def with_sweep_point(self, overrides: dict[str, Any]) -> "RunResult":
        """This result marked as the sweep point given by ``overrides``."""
        return RunResult.model_validate({**dict(self), "sweep_point": overrides})


RESULT_LIST = TypeAdapter(list[RunResult])
"""Validates a list of results (compare.json)."""


def problem(exc: ValidationError) -> str:
    """The first validation error as 'path: message' on one line."""
    err = exc.errors()[0]
    loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
    msg = err["msg"].replace("\n", " ")
    if err["type"] == "missing":
        return f"{loc}: required field missing"
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field"
    value = err.get("input")
    if loc and not isinstance(value, (dict, list)):
        shown = repr(value)
        loc += "=" + (shown if len(shown) <= 60 else shown[:57] + "...")
    return f"{loc}: {msg}" if loc else msg


def load_result(path: Path) -> RunResult:
    """Read and validate a result.json; a missing, malformed or incomplete file is one ResultError line."""
    return _load(path, RunResult.model_validate_json)


def load_results(path: Path) -> list[RunResult]:
    """Read and validate a list of results (compare.json), like ``load_result``."""
    return _load(path, RESULT_LIST.validate_json)


def _load(path: Path, validate):
    """``validate`` applied to the bytes of ``path``; every failure is one ResultError line naming the file."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ResultError(f"{path}: not found (run `socsim run ... --out DIR` first)") from None
    except OSError as exc:
        raise ResultError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return validate(text)
    except ValidationError as exc:
        raise ResultError(f"{path}: {problem(exc)}") from None


def schema_json() -> str:
    """The JSON Schema of result.json, as shipped in SCHEMA_PATH (text)."""
    schema = RunResult.model_json_schema(mode="serialization")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """``python -m socsim.result --schema``: write the JSON Schema of result.json into the package."""
    ap = argparse.ArgumentParser(prog="python -m socsim.result", description=main.__doc__)
    ap.add_argument("--schema", action="store_true", help=f"write {SCHEMA_PATH.name} from the models")
    args = ap.parse_args(argv)
    if not args.schema:
        ap.error("nothing to do: give --schema")
    from socsim.fileio import atomic_write_bytes

    atomic_write_bytes(SCHEMA_PATH, schema_json().encode())
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
