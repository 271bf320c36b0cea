"""The CNN accelerator: how long a layer computes, how it is tiled, and how tiles overlap with DMA.

Compute time (cycles at ``freq_mhz``), for a rows×cols MAC array:

- conv / fc: the reduction K = (Cin/groups)·kh·kw is mapped on the rows and the output channels on
  the columns, one output pixel position per pass: cycles = P·⌈K/rows⌉·⌈Cout/cols⌉, with P the
  output pixels (1 for fc; input pixels for a transposed conv). Depthwise convolutions put their
  channels on the columns too (K = kh·kw), which is how NPUs run them.
- pool / add / upsample / concat / other: a vector unit of ``cols`` lanes, cycles = ⌈ops/cols⌉.

Tiling rule: a layer's working set (weights + input maps + output map, uncompressed, since SRAM
holds decoded values) is split into T = ⌈working set / (SRAM/2)⌉ tiles so that one tile fits half
of the SRAM (the other half is the second buffer). Tile t reads weight_bytes/T (rounded up to a
burst) and the transfer units ⌊t·U/T⌋ … ⌊(t+1)·U/T⌋−1 of each input map (U units), computes 1/T of
the layer, and writes the same share of its output units. Halo rows of convolutions are ignored.

Double buffering: loads of tiles 0 and 1 are queued at the start; when tile t finishes computing,
the store of tile t and then the load of tile t+2 are queued on the DMA. Tile t computes once its
load is complete and the store of tile t−2 has left its output buffer. Layers run one after
another: a layer's first load is queued when the previous layer's last store is complete.
With uniform tiles and compute-bound tiles (C ≥ L + S) a layer takes exactly L + T·C + S, where
L and S are one tile's load and store times (data time plus one latency).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from socsim.scenario import AcceleratorSpec
from socsim.soc.dma import DmaEngine
from socsim.units import ceil_div, cycles_to_ns, round_up
from socsim.workload.graph import Layer


def compute_cycles(layer: Layer, acc: AcceleratorSpec) -> int:
    """Cycles the PE array needs for ``layer`` (see the module docstring for the rule)."""
    if layer.kind in ("conv", "fc") and layer.macs > 0:
        k = max(1, layer.in_channels_per_group * layer.kernel[0] * layer.kernel[1])
        cout = layer.out_shape[0]
        per_pixel = k * cout
        # Output pixel positions implied by the MAC count (transposed convs count input pixels).
        pixels = max(1, layer.macs // per_pixel)
        return pixels * ceil_div(k, acc.rows) * ceil_div(cout, acc.cols)
    return ceil_div(max(layer.ops, 0), acc.cols)


def compute_ns(layer: Layer, acc: AcceleratorSpec) -> float:
    """Compute time of ``layer`` on the accelerator (ns)."""
    return cycles_to_ns(compute_cycles(layer, acc), acc.freq_mhz)


def tile_count(layer: Layer, acc: AcceleratorSpec) -> int:
    """Tiles T such that one tile's working set fits half of the SRAM."""
    working = layer.weight_bytes + layer.ifmap_bytes + layer.ofmap_bytes
    return max(1, ceil_div(working, acc.sram_kib * 1024 // 2))


@dataclass(frozen=True)
class TilePlan:
    """The DMA descriptors and compute time of one tile."""

    read_bytes: tuple[int, ...]
    """Load descriptors: the weight share first, then input units (bytes, whole bursts)."""
    write_bytes: tuple[int, ...]
    """Store descriptors: output units (bytes, whole bursts)."""
    compute_ns: float
    """Compute time of the tile (ns)."""


@dataclass(frozen=True)
class LayerPlan:
    """What one layer does on one frame."""

    name: str
    compute_ns: float
    """Compute time of the whole layer (ns)."""
    tiles: tuple[TilePlan, ...]

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
) -> LayerPlan:
    """Tiles of ``layer`` given the byte sizes of its input maps' and output map's transfer units.

    Unit sizes must already be whole bursts. The tiling follows the module docstring's rule.
    """
    tiles = tile_count(layer, acc)
    total_ns = compute_ns(layer, acc)
    w_share = round_up(ceil_div(layer.weight_bytes, tiles), burst_bytes) if layer.weight_bytes else 0
    plans = []
    for t in range(tiles):
        reads = [w_share] if w_share else []
        for units in input_units:
            reads.extend(_share(units, t, tiles).tolist())
        writes = _share(output_units, t, tiles).tolist()
        plans.append(TilePlan(tuple(reads), tuple(writes), total_ns / tiles))
    return LayerPlan(layer.name, total_ns, tuple(plans))


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


class Accelerator:
    """Runs layer plans on the PE array, double-buffering tiles against the DMA engine."""

    def __init__(self, env: simpy.Environment, spec: AcceleratorSpec, dma: DmaEngine):
        self.env = env
        self.spec = spec
        self.dma = dma

    def run_layer(self, env: simpy.Environment, plan: LayerPlan, record: LayerRecord):
        """Generator: execute ``plan``, filling ``record``."""
        tiles = plan.tiles
        n = len(tiles)
        loads = [None] * n
        stores = [None] * n
        loads[0] = self.dma.submit(tiles[0].read_bytes)
        if n > 1:
            loads[1] = self.dma.submit(tiles[1].read_bytes)
        for t, tile in enumerate(tiles):
            wait_from = env.now
            yield loads[t].done
            if t >= 2:
                yield stores[t - 2].done
            record.stall_ns += env.now - wait_from
            start = env.now
            yield env.timeout(tile.compute_ns)
            record.tile_spans.append((start, env.now))
            record.compute_ns += tile.compute_ns
            stores[t] = self.dma.submit(tile.write_bytes)
            if t + 2 < n:
                loads[t + 2] = self.dma.submit(tiles[t + 2].read_bytes)
        wait_from = env.now
        for s in stores[-2:]:
            yield s.done
        record.stall_ns += env.now - wait_from
        record.end_ns = env.now
        record.read_bytes = sum(b.bytes for b in loads)
        record.write_bytes = sum(b.bytes for b in stores)
        record.dma_busy_ns = sum(b.busy_ns for b in loads) + sum(b.busy_ns for b in stores)
