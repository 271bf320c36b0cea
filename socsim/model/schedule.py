"""The accelerator's rules: how long a layer computes, how it is tiled, and how tiles overlap with DMA.

Compute time: ``socsim.model.compute`` (cycles per dataflow with fill and drain per fold, the
depthwise mapping, the vector unit), at ``freq_mhz``.

SRAM residency (``sram_residency``): layer i's output map stays on chip — it is never stored
and its consumer never loads it — when (a) its only consumer is the next layer i+1, and (b) it
fits beside the other map kept at the same time: the resident input of layer i (if any) plus the
output of layer i, uncompressed, take at most half of the SRAM. Decided greedily in execution
order; the network input and maps with skip consumers always go through DRAM. Kept maps are
*pinned*: they occupy SRAM for the whole layer, and the rest is double-buffered.

Tiling rule (``sram_tiling``): a layer streams its weights W, its non-resident inputs I and its
output O (unless resident), uncompressed since SRAM holds decoded values, through the unpinned SRAM
S = SRAM − pinned. Every output needs every weight of its filter and every input of its receptive
field, so one operand is *kept*: split into ``outer`` groups of at most S/2 each, a group loaded once
and held while the rest streams past it in ``inner`` tiles per group, double-buffered in the other
S − group bytes: ⌈(streamed share + O share) / ((S − group)/2)⌉. Three loop orders, as a compiler
for the accelerator would choose among them (Timeloop's loop nests, Parashar et al., ISPASS 2019):

- ``weights``: filter groups outer; the inputs are read once per group: W + outer·I + O.
- ``inputs``: pixel groups outer; the weights are read once per group: outer·W + I + O.
- ``reduction``: reduction groups outer (a slice of the input channels and of every filter); each
  group adds its partial sums to the previous ones, which go to DRAM and come back between groups:
  W + I + O plus (outer − 1)·O_raw written and read, at the output's precision, past the codec
  engine (a resident output accumulates in place and spills nothing).

The order with the least traffic is taken (in that order on a tie); when the kept operand fits S/2
every order reads each operand once (W + I + O). Tile t = g·inner + i loads group g of the kept
operand when i = 0 (weights rounded up to a burst; input maps as their transfer units ⌊g·U/outer⌋ …
of each map), its share of the streamed operands and, under ``reduction``, of the partial sums;
it stores output units ⌊t·U/T⌋ … ⌊(t+1)·U/T⌋−1 (T = outer·inner tiles), or under ``reduction`` the
partial sums of share i (groups before the last) and output units of share i (the last group).
Halo rows of convolutions are ignored.

Double buffering: loads of tiles 0 and 1 are queued at the start; when tile t finishes computing,
the store of tile t and then the load of tile t+2 are queued on the DMA. Tile t computes once its
load is complete and the store of tile t−2 has left its output buffer. Layers run one after
another: a layer's first load is queued when the previous layer's last store is complete.
With uniform tiles and compute-bound tiles (C ≥ L + S) a layer takes exactly L + T·C + S, where
L and S are one tile's load and store times (data time plus one latency). The time the PE array
waits for the DMA is the layer's stall time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from socsim.model.compute import compute_cycles
from socsim.scenario import AcceleratorSpec
from socsim.units import ceil_div, cycles_to_ns, round_up


class Layer(Protocol):
    """What the rules read of a layer (``socsim.workload.graph.Layer`` has these fields)."""

    name: str
    kind: str
    macs: int
    ops: int
    kernel: tuple[int, int]
    in_channels_per_group: int
    out_shape: tuple[int, ...]
    weight_bytes: int
    ifmap_bytes: int
    ofmap_bytes: int


def compute_ns(layer: Layer, acc: AcceleratorSpec) -> float:
    """Compute time of ``layer`` on the accelerator (ns): ``compute.compute_cycles`` at the accelerator clock."""
    return cycles_to_ns(compute_cycles(layer, acc), acc.freq_mhz)


def resident_outputs(layers: list[Layer], consumers: dict[str, list[str]], acc: AcceleratorSpec) -> list[bool]:
    """Per layer, whether its output map stays in SRAM (the residency rule of the module docstring)."""
    keep = [False] * len(layers)
    if not acc.sram_residency:
        return keep
    half = acc.sram_kib * 1024 // 2
    pinned_in = 0
    for i, layer in enumerate(layers):
        nxt = layers[i + 1].name if i + 1 < len(layers) else None
        keep[i] = nxt is not None and consumers.get(layer.name) == [nxt] and pinned_in + layer.ofmap_bytes <= half
        pinned_in = layer.ofmap_bytes if keep[i] else 0
    return keep


@dataclass(frozen=True)
class TilePlan:
    """The DMA descriptors and compute time of one tile."""

    read_bytes: tuple[int, ...]
    """Load descriptors: the weight share first, then input units (bytes on the bus, whole bursts)."""
    write_bytes: tuple[int, ...]
    """Store descriptors: output units (bytes on the bus, whole bursts)."""
    compute_ns: float
    """Compute time of the tile (ns)."""
    read_raw_bytes: tuple[int, ...] = ()
    """Uncompressed size of each load descriptor in SRAM; empty: same as read_bytes (bytes)."""
    write_raw_bytes: tuple[int, ...] = ()
    """Uncompressed size of each store descriptor; empty: same as write_bytes (bytes)."""
    read_coded: tuple[bool, ...] = ()
    """Whether each load passes the codec engine (activations under a real codec); empty: none do."""
    write_coded: tuple[bool, ...] = ()
    """Whether each store passes the codec engine; empty: none do."""

    @property
    def read_raw(self) -> tuple[int, ...]:
        """Uncompressed sizes of the loads (bytes)."""
        return self.read_raw_bytes or self.read_bytes

    @property
    def write_raw(self) -> tuple[int, ...]:
        """Uncompressed sizes of the stores (bytes)."""
        return self.write_raw_bytes or self.write_bytes

    def coded_raw_bytes(self) -> int:
        """Uncompressed bytes that pass the codec engine (bytes)."""
        r = sum(x for x, c in zip(self.read_raw, self.read_coded) if c)
        return r + sum(x for x, c in zip(self.write_raw, self.write_coded) if c)


@dataclass(frozen=True)
class LayerPlan:
    """What one layer does on one frame."""

    name: str
    compute_ns: float
    """Compute time of the whole layer (ns)."""
    tiles: tuple[TilePlan, ...]
    resident_output: bool = False
    """True when the output map stays in SRAM (no stores, its consumer loads nothing)."""
    pinned_bytes: int = 0
    """SRAM held by resident maps during this layer (bytes)."""

    @property
    def read_bytes(self) -> int:
        """Bytes loaded from DRAM by the layer."""
        return sum(sum(t.read_bytes) for t in self.tiles)

    @property
    def write_bytes(self) -> int:
        """Bytes stored to DRAM by the layer."""
        return sum(sum(t.write_bytes) for t in self.tiles)


def _share(units: np.ndarray, t: int, tiles: int) -> np.ndarray:
    u = len(units)
    return units[(t * u) // tiles : ((t + 1) * u) // tiles]


ORDERS = ("weights", "inputs", "reduction")
"""Loop orders of the tiling rule, by the operand kept in SRAM (module docstring)."""


@dataclass(frozen=True)
class Tiling:
    """How a layer is split over the SRAM (the module docstring's tiling rule)."""

    kept: str
    """The loop order: the operand held in SRAM across the inner loop, one of ``ORDERS``."""
    outer: int
    """Groups of the kept operand, each loaded once (count)."""
    inner: int
    """Tiles per group over which the rest streams (count)."""

    @property
    def tiles(self) -> int:
        """Tiles of the layer (count)."""
        return self.outer * self.inner

    def traffic_bytes(self, weight_bytes: int, input_bytes: int, output_bytes: int) -> tuple[int, int]:
        """Uncompressed DRAM (read, write) bytes of the layer under this tiling, before burst rounding."""
        extra = self.outer - 1
        if self.kept == "reduction":
            return weight_bytes + input_bytes + extra * output_bytes, output_bytes + extra * output_bytes
        refetch = extra * (input_bytes if self.kept == "weights" else weight_bytes)
        return weight_bytes + input_bytes + refetch, output_bytes


def sram_tiling(weight_bytes: int, input_bytes: int, output_bytes: int, sram_bytes: int) -> Tiling:
    """The tiling of a layer streaming these uncompressed bytes through ``sram_bytes`` of unpinned SRAM."""
    s = max(2, sram_bytes)
    half = s // 2

    def order(kept: str, kept_bytes: int, per_group: Callable[[int], int]) -> Tiling:
        # Invariant: a group is at most half the SRAM, so each of the two tile buffers gets ≥ S/4.
        outer = max(1, ceil_div(kept_bytes, half))
        buffer = max(1, (s - ceil_div(kept_bytes, outer)) // 2)
        return Tiling(kept, outer, max(1, ceil_div(per_group(outer), buffer)))

    options = [
        order("weights", weight_bytes, lambda n: input_bytes + ceil_div(output_bytes, n)),
        order("inputs", input_bytes, lambda n: weight_bytes + ceil_div(output_bytes, n)),
        # A reduction group streams its input slice and the partial sums in and out.
        order("reduction", weight_bytes, lambda n: ceil_div(input_bytes, n) + 2 * output_bytes),
    ]
    return min(options, key=lambda t: sum(t.traffic_bytes(weight_bytes, input_bytes, output_bytes)))


@dataclass(frozen=True)
class LayerMaps:
    """A layer's DRAM-side maps: transfer units of its non-resident inputs and of its output (bytes)."""

    input_units: list[np.ndarray]
    """Per non-resident input map, its units' sizes on the bus (whole bursts) (bytes)."""
    output_units: np.ndarray
    """The output map's units' sizes on the bus (whole bursts) (bytes)."""
    input_raw: list[np.ndarray] | None = None
    """Uncompressed unit sizes of the inputs; None: same as ``input_units`` (bytes)."""
    output_raw: np.ndarray | None = None
    """Uncompressed unit sizes of the output; None: same as ``output_units`` (bytes)."""
    input_coded: list[bool] | None = None
    """Per input map, whether it passes the codec engine; None: none does."""
    output_coded: bool = False
    """Whether the output passes the codec engine."""
    resident_output: bool = False
    """True when the output stays in SRAM (no stores)."""
    pinned_bytes: int = 0
    """SRAM held by resident maps during the layer (bytes)."""

    @property
    def raw_inputs(self) -> list[np.ndarray]:
        """Uncompressed unit sizes of the inputs (bytes)."""
        return self.input_raw if self.input_raw is not None else self.input_units

    @property
    def raw_output(self) -> np.ndarray:
        """Uncompressed unit sizes of the output (bytes)."""
        return self.output_raw if self.output_raw is not None else self.output_units


def layer_tiling(layer: Layer, acc: AcceleratorSpec, maps: LayerMaps) -> Tiling:
    """The SRAM tiling of ``layer`` with these maps (``sram_tiling`` on its uncompressed bytes)."""
    inputs = sum(int(r.sum()) for r in maps.raw_inputs)
    output = 0 if maps.resident_output else int(maps.raw_output.sum())
    return sram_tiling(layer.weight_bytes, inputs, output, acc.sram_kib * 1024 - maps.pinned_bytes)


@dataclass(frozen=True)
class _Descriptors:
    """One tile's DMA descriptors under construction: sizes on the bus, raw sizes, codec flags."""

    sizes: list[int]
    raws: list[int]
    coded: list[bool]

    def add(self, sizes: list[int], raws: list[int], coded: bool) -> None:
        """Append descriptors of these bus and raw sizes (bytes), all passing the codec engine or none."""
        self.sizes.extend(sizes)
        self.raws.extend(raws)
        self.coded.extend([coded] * len(sizes))


def _tile_loads(layer: Layer, maps: LayerMaps, tiling: Tiling, t: int, burst_bytes: int) -> _Descriptors:
    """Load descriptors of tile t (module docstring): weights first, then input units, then partial sums."""
    g, i = divmod(t, tiling.inner)
    w_parts = tiling.inner if tiling.kept == "inputs" else tiling.outer
    w_share = round_up(ceil_div(layer.weight_bytes, w_parts), burst_bytes) if layer.weight_bytes else 0
    loads = _Descriptors([], [], [])
    if w_share and (tiling.kept == "inputs" or i == 0):
        loads.add([w_share], [w_share], False)
    part, parts = {"weights": (i, tiling.inner), "inputs": (g, tiling.outer), "reduction": (t, tiling.tiles)}[tiling.kept]
    if tiling.kept != "inputs" or i == 0:
        coded = maps.input_coded or [False] * len(maps.input_units)
        for units, raw, c in zip(maps.input_units, maps.raw_inputs, coded):
            loads.add(_share(units, part, parts).tolist(), _share(raw, part, parts).tolist(), c)
    psum = _psum_share(layer, maps, tiling, burst_bytes)
    if psum and g > 0:
        loads.add([psum], [psum], False)
    return loads


def _tile_stores(layer: Layer, maps: LayerMaps, tiling: Tiling, t: int, burst_bytes: int) -> _Descriptors:
    """Store descriptors of tile t: its output units, or under ``reduction`` before the last group its partial sums."""
    g, i = divmod(t, tiling.inner)
    stores = _Descriptors([], [], [])
    if maps.resident_output:
        return stores
    if tiling.kept == "reduction":
        if g < tiling.outer - 1:
            psum = _psum_share(layer, maps, tiling, burst_bytes)
            stores.add([psum], [psum], False)
            return stores
        part, parts = i, tiling.inner
    else:
        part, parts = t, tiling.tiles
    stores.add(_share(maps.output_units, part, parts).tolist(), _share(maps.raw_output, part, parts).tolist(),
               maps.output_coded)
    return stores


def _psum_share(layer: Layer, maps: LayerMaps, tiling: Tiling, burst_bytes: int) -> int:
    """Partial sums one tile moves each way under ``reduction`` (uncompressed output share, whole bursts)."""
    if tiling.kept != "reduction" or tiling.outer == 1 or maps.resident_output:
        return 0
    return round_up(ceil_div(layer.ofmap_bytes, tiling.inner), burst_bytes)


def plan_layer(layer: Layer, acc: AcceleratorSpec, burst_bytes: int, maps: LayerMaps) -> LayerPlan:
    """Tiles of ``layer`` given its maps' transfer units (whole bursts), by the module docstring's rules.

    Weights and partial sums bypass the codec engine; a resident output is not stored.
    """
    tiling = layer_tiling(layer, acc, maps)
    total_ns = compute_ns(layer, acc)
    plans = []
    for t in range(tiling.tiles):
        loads = _tile_loads(layer, maps, tiling, t, burst_bytes)
        stores = _tile_stores(layer, maps, tiling, t, burst_bytes)
        plans.append(TilePlan(tuple(loads.sizes), tuple(stores.sizes), total_ns / tiling.tiles, tuple(loads.raws),
                              tuple(stores.raws), tuple(loads.coded), tuple(stores.coded)))
    return LayerPlan(layer.name, total_ns, tuple(plans), maps.resident_output, maps.pinned_bytes)


class Issue(NamedTuple):
    """Queue the DMA batch of tile ``tile``: its loads (``store`` False) or its stores."""

    tile: int
    store: bool


class Await(NamedTuple):
    """Wait until every listed batch, (tile, store), is complete; the PE array stalls meanwhile."""

    batches: tuple[tuple[int, bool], ...]


class Compute(NamedTuple):
    """Compute tile ``tile`` on the PE array."""

    tile: int


Step = Issue | Await | Compute


def double_buffer_steps(tiles: int) -> list[Step]:
    """The double-buffered schedule of a layer of ``tiles`` tiles, in program order (module docstring).

    Loads of tiles 0 and 1 are queued first; tile t computes once its load and the store of tile
    t−2 are complete; after computing it queues its store and the load of tile t+2; the layer ends
    when its last two stores are complete. Both fidelities execute these steps and the analysis
    replays them with worst-case transfer times.
    """
    steps: list[Step] = [Issue(t, False) for t in range(min(2, tiles))]
    for t in range(tiles):
        steps.append(Await(((t, False),) + (((t - 2, True),) if t >= 2 else ())))
        steps.append(Compute(t))
        steps.append(Issue(t, True))
        if t + 2 < tiles:
            steps.append(Issue(t + 2, False))
    steps.append(Await(tuple((t, True) for t in range(max(0, tiles - 2), tiles))))
    return steps
