"""The accelerator's rules: how long a layer computes, how it is tiled, and how tiles overlap with DMA.

Compute time: ``socsim.model.compute`` (cycles per dataflow with fill and drain per fold, the
depthwise mapping, the vector unit), at ``freq_mhz``.

SRAM residency (``sram_residency``): layer i's output map stays on chip — it is never stored
and its consumer never loads it — when (a) its only consumer is the next layer i+1, and (b) it
fits beside the other map kept at the same time: the resident input of layer i (if any) plus the
output of layer i, uncompressed, take at most half of the SRAM. Decided greedily in execution
order; the network input and maps with skip consumers always go through DRAM. Kept maps are
*pinned*: they occupy SRAM for the whole layer, and the rest is double-buffered.

Tiling rule: a layer's *streamed* working set (weights + inputs and output that are not resident,
uncompressed, since SRAM holds decoded values) is split into T = ⌈streamed / ((SRAM − pinned)/2)⌉
tiles so that one tile fits half of the unpinned SRAM (the other half is the second buffer).
Tile t reads weight_bytes/T (rounded up to a burst; weights are streamed per layer, never kept)
and the transfer units ⌊t·U/T⌋ … ⌊(t+1)·U/T⌋−1 of each non-resident input map (U units),
computes 1/T of the layer, and writes the same share of its output units unless the output is
resident. Halo rows of convolutions are ignored.

Double buffering: loads of tiles 0 and 1 are queued at the start; when tile t finishes computing,
the store of tile t and then the load of tile t+2 are queued on the DMA. Tile t computes once its
load is complete and the store of tile t−2 has left its output buffer. Layers run one after
another: a layer's first load is queued when the previous layer's last store is complete.
With uniform tiles and compute-bound tiles (C ≥ L + S) a layer takes exactly L + T·C + S, where
L and S are one tile's load and store times (data time plus one latency). The time the PE array
waits for the DMA is the layer's stall time.
"""

from __future__ import annotations

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


def tile_count(layer: Layer, acc: AcceleratorSpec, streamed_bytes: int | None = None, pinned_bytes: int = 0) -> int:
    """Tiles T such that one tile's streamed working set fits half of the unpinned SRAM."""
    working = streamed_bytes if streamed_bytes is not None else layer.weight_bytes + layer.ifmap_bytes + layer.ofmap_bytes
    return max(1, ceil_div(working, max(1, (acc.sram_kib * 1024 - pinned_bytes) // 2)))


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


def plan_layer(
    layer: Layer,
    acc: AcceleratorSpec,
    burst_bytes: int,
    input_units: list[np.ndarray],
    output_units: np.ndarray,
    input_raw: list[np.ndarray] | None = None,
    output_raw: np.ndarray | None = None,
    input_coded: list[bool] | None = None,
    output_coded: bool = False,
    resident_output: bool = False,
    pinned_bytes: int = 0,
    streamed_bytes: int | None = None,
) -> LayerPlan:
    """Tiles of ``layer`` given the byte sizes of its non-resident input maps' and output map's units.

    Unit sizes must already be whole bursts; ``input_raw``/``output_raw`` are the uncompressed unit
    sizes and ``input_coded``/``output_coded`` whether each map passes the codec engine. A resident
    output is not stored. The tiling follows the module docstring's rule.
    """
    tiles = tile_count(layer, acc, streamed_bytes, pinned_bytes)
    total_ns = compute_ns(layer, acc)
    w_share = round_up(ceil_div(layer.weight_bytes, tiles), burst_bytes) if layer.weight_bytes else 0
    input_raw = input_raw if input_raw is not None else input_units
    input_coded = input_coded if input_coded is not None else [False] * len(input_units)
    output_raw = output_raw if output_raw is not None else output_units
    plans = []
    for t in range(tiles):
        reads = [w_share] if w_share else []
        raws = [w_share] if w_share else []
        coded = [False] if w_share else []
        for units, raw, c in zip(input_units, input_raw, input_coded):
            share = _share(units, t, tiles).tolist()
            reads.extend(share)
            raws.extend(_share(raw, t, tiles).tolist())
            coded.extend([c] * len(share))
        if resident_output:
            writes, wraw = [], []
        else:
            writes = _share(output_units, t, tiles).tolist()
            wraw = _share(output_raw, t, tiles).tolist()
        plans.append(TilePlan(tuple(reads), tuple(writes), total_ns / tiles, tuple(raws), tuple(wraw),
                              tuple(coded), tuple([output_coded] * len(writes))))
    return LayerPlan(layer.name, total_ns, tuple(plans), resident_output, pinned_bytes)


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
