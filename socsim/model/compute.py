"""How many cycles the accelerator's systolic MAC array needs for a layer, per dataflow.

A conv or fc layer is the matrix product of P output pixel positions × K = (Cin/groups)·kh·kw
reductions × N output channels (P = 1 for fc; for a transposed convolution, one pass per *input*
pixel). On an R×C array it runs as *folds*, each one tile of the product mapped on the array, one
after another; every fold pays the time its operands take to fill the array and its results take to
drain out. The rules are SCALE-Sim's (Samajdar et al., ISPASS 2020; scalesim 3.0.0,
``compute/systolic_compute_{ws,os,is}.py``), which reports one cycle less per layer (the index of
the last cycle, counted from 0):

- ``ws`` weight stationary: K on the rows, N on the columns, pixels stream through;
  cycles = ⌈K/R⌉·⌈N/C⌉·(P + 2R + C − 2) (R cycles to load the weights, R − 1 + C − 1 of skew).
- ``os`` output stationary: P on the rows, N on the columns, the reduction streams through;
  cycles = ⌈P/R⌉·⌈N/C⌉·(K + R + C − 2).
- ``is`` input stationary: K on the rows, P on the columns, the filters stream through;
  cycles = ⌈K/R⌉·⌈P/C⌉·(N + 2R + C − 2).

The default is ``ws``: it is what the array's rows and columns have always meant in socsim
(reduction on the rows, output channels on the columns), the TPU's dataflow (Jouppi et al., ISCA
2017) and SCALE-Sim's default (configs/scale.cfg). The three differ by up to 3× (FCN-8s at
2048×1024 on 256×128: ws 26.1 ms, os 28.2 ms, is 82.5 ms), so an array that is not weight
stationary must say so in its scenario.

A depthwise convolution (one input channel per output channel) is no matrix product of the whole
layer: under ``per_channel`` it runs as C single-channel, single-filter convolutions (P × kh·kw × 1),
one after another, as SCALE-Sim charges it (its ``DP`` layers) and as a plain systolic array must;
under ``channel_parallel`` the array has a depthwise mode that feeds each column its own channel
(e.g. CMSA, Xu et al., ICCD 2020), so the layer is one product P × kh·kw × C.

Other layers (pool, add, upsample, concat) run on a vector unit of C lanes: ⌈ops/C⌉ cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from socsim.units import ceil_div

DATAFLOWS = ("ws", "os", "is")
DEPTHWISE_MAPPINGS = ("per_channel", "channel_parallel")


class ComputeLayer(Protocol):
    """What the rule reads of a layer (``socsim.workload.graph.Layer`` has these fields)."""

    kind: str
    macs: int
    ops: int
    kernel: tuple[int, int]
    in_channels_per_group: int
    out_shape: tuple[int, ...]


class Array(Protocol):
    """What the rule reads of the accelerator (``socsim.scenario.AcceleratorSpec`` has these fields)."""

    rows: int
    cols: int
    dataflow: str
    depthwise: str


@dataclass(frozen=True)
class Gemm:
    """The matrix product a layer maps on the array, run ``repeat`` times one after another."""

    pixels: int
    """Output pixel positions P (count)."""
    reduction: int
    """Reduction length K (count)."""
    filters: int
    """Output channels N (count)."""
    repeat: int = 1
    """Independent copies (the channels of a depthwise layer run per channel) (count)."""


def is_depthwise(layer: ComputeLayer) -> bool:
    """Whether ``layer`` is a depthwise convolution: one input channel per output channel, a kernel larger than 1×1."""
    return (layer.kind == "conv" and layer.in_channels_per_group == 1 and layer.out_shape[0] > 1
            and tuple(layer.kernel) != (1, 1))


def layer_gemm(layer: ComputeLayer, depthwise: str = "per_channel") -> Gemm | None:
    """The product a conv/fc layer runs as (None for other layers), under the ``depthwise`` mapping."""
    if layer.kind not in ("conv", "fc") or layer.macs <= 0:
        return None
    k = max(1, layer.in_channels_per_group * layer.kernel[0] * layer.kernel[1])
    n = layer.out_shape[0]
    # Output pixel positions implied by the MAC count (transposed convs count input pixels).
    p = max(1, layer.macs // (k * n))
    if is_depthwise(layer) and depthwise == "per_channel":
        return Gemm(p, k, 1, n)
    return Gemm(p, k, n)


def gemm_cycles(g: Gemm, rows: int, cols: int, dataflow: str) -> int:
    """Cycles of ``g`` on a rows×cols array under ``dataflow`` with fill and drain per fold (module docstring)."""
    r, c = rows, cols
    if dataflow == "ws":
        per = ceil_div(g.reduction, r) * ceil_div(g.filters, c) * (g.pixels + 2 * r + c - 2)
    elif dataflow == "os":
        per = ceil_div(g.pixels, r) * ceil_div(g.filters, c) * (g.reduction + r + c - 2)
    elif dataflow == "is":
        per = ceil_div(g.reduction, r) * ceil_div(g.pixels, c) * (g.filters + 2 * r + c - 2)
    else:
        raise ValueError(f"dataflow={dataflow!r}: expected one of {DATAFLOWS}")
    return g.repeat * per


def compute_cycles(layer: ComputeLayer, acc: Array) -> int:
    """Cycles the accelerator needs for ``layer``: the array for conv/fc, the vector unit otherwise."""
    g = layer_gemm(layer, acc.depthwise)
    if g is None:
        return ceil_div(max(layer.ops, 0), acc.cols)
    return gemm_cycles(g, acc.rows, acc.cols, acc.dataflow)
