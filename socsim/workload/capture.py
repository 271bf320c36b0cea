"""Activation capture: run the model on real inputs, build the layer graph, and reduce every
DRAM-visible feature map to what later stages need while the forward pass runs.

This is the one module that runs torch for capture. The model is traced with ``torch.fx`` and run
node by node; nodes are grouped into *layers* (see ``socsim.workload.graph``):

- conv / transposed conv / linear, pooling, upsampling, add and concat start a layer;
- an elementwise op (batch norm, ReLU, dropout, ...) whose input has no other reader is fused
  into the layer that produced its input and its output becomes that layer's output;
- a reshape (flatten, view, permute, ...) is fused too, but the captured map stays the last
  4-D map before it (a flatten moves no data);
- anything else with tensor inputs is its own layer of kind 'other'.

Quantization rule: each layer's output is stored as 16-bit signed fixed point q = round(x·2^f)
(round half to even), clamped to [-32768, 32767]. The per-layer fraction bits f are calibrated on
the first frame: f = floor(log2(32767 / max|x|)) − headroom, the largest f at which the observed
range fits (f = 15 for an all-zero map). Later frames reuse f; values beyond the range saturate
and are counted. Each map is then handed to every codec (per DMA transfer unit), its element,
zero and saturation counts are kept, and the map is freed: at most one quantized map is alive.
"""

from __future__ import annotations

import math
import operator
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

from socsim.codecs.base import Codec, TransferUnit
from socsim.workload.graph import INPUT, Layer, LayerGraph

INT16_MAX = 32767
INT16_MIN = -32768

_ELEMENTWISE_MODULES = (
    nn.ReLU, nn.ReLU6, nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.Hardswish,
    nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.PReLU, nn.SiLU, nn.GELU, nn.ELU, nn.Identity,
)
_ELEMENTWISE_FUNCTIONS = {
    F.relu, F.relu6, torch.relu, F.hardswish, F.hardsigmoid, torch.sigmoid, torch.tanh, F.dropout,
    F.leaky_relu, F.silu, F.gelu, F.batch_norm, F.elu, torch.clamp,
}
_ELEMENTWISE_METHODS = {"relu", "relu_", "sigmoid", "tanh", "clamp", "clamp_", "contiguous", "float"}
_RESHAPE_FUNCTIONS = {torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze}
_RESHAPE_METHODS = {"view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose"}
_POOL_MODULES = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
_POOL_FUNCTIONS = {F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.adaptive_max_pool2d, torch.mean}
_UPSAMPLE_MODULES = (nn.Upsample, nn.UpsamplingBilinear2d, nn.UpsamplingNearest2d)
_UPSAMPLE_FUNCTIONS = {F.interpolate, F.upsample}
_ADD_FUNCTIONS = {operator.add, operator.iadd, torch.add}
_CONCAT_FUNCTIONS = {torch.cat, torch.concat}


@dataclass
class MapStats:
    """What one frame's feature map of one layer leaves behind after capture."""

    elements: int
    """Values in the map (count)."""
    zeros: int
    """Values that quantize to 0 (count)."""
    saturated: int
    """Values clamped to the int16 range (count)."""
    unit_bits: dict[str, np.ndarray] = field(default_factory=dict)
    """Codec key → size in bits of each DMA transfer unit, in DMA order (int64)."""


@dataclass
class Capture:
    """The captured workload: the layer graph plus per-frame, per-layer map statistics."""

    graph: LayerGraph
    frac_bits: dict[str, int]
    """Layer → fraction bits f of its 16-bit fixed-point format (calibrated on frame 0)."""
    frames: list[dict[str, MapStats]]
    """Per frame: layer name → its map's statistics."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of the phases (s): 'forward+capture'."""
    maps: list[dict[str, np.ndarray]] = field(default_factory=list)
    """Per frame: layer name → quantized int16 map; empty unless capture(keep_maps=True)."""


def _kind(node: torch.fx.Node, module: nn.Module | None, n_tensor_inputs: int) -> str:
    """The layer kind a traced node starts, 'fuse' if it is elementwise, 'reshape' if it moves no data."""
    target = node.target
    if node.op == "call_module":
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Conv1d)):
            return "conv"
        if isinstance(module, nn.Linear):
            return "fc"
        if isinstance(module, _POOL_MODULES):
            return "pool"
        if isinstance(module, _UPSAMPLE_MODULES):
            return "upsample"
        if isinstance(module, _ELEMENTWISE_MODULES):
            return "fuse"
        if isinstance(module, nn.Flatten):
            return "reshape"
        return "other"
    if node.op == "call_function":
        if target in _ADD_FUNCTIONS and n_tensor_inputs >= 2:
            return "add"
        if target in _CONCAT_FUNCTIONS:
            return "concat"
        if target in _POOL_FUNCTIONS:
            return "pool"
        if target in _UPSAMPLE_FUNCTIONS:
            return "upsample"
        if target in _RESHAPE_FUNCTIONS:
            return "reshape"
        if n_tensor_inputs == 1 and (target in _ELEMENTWISE_FUNCTIONS or target in _ADD_FUNCTIONS
                                     or target in {operator.mul, operator.truediv, operator.sub, torch.mul}):
            return "fuse"
        return "other"
    if node.op == "call_method":
        if target in _ELEMENTWISE_METHODS:
            return "fuse"
        if target in _RESHAPE_METHODS:
            return "reshape"
        if target == "add" and n_tensor_inputs >= 2:
            return "add"
        if target in {"mean"}:
            return "pool"
        return "other"
    return "other"


def _chw(shape: torch.Size) -> tuple[int, int, int]:
    """A batch-1 tensor shape as (C, H, W); vectors become (F, 1, 1)."""
    dims = list(shape[1:])
    if len(dims) == 3:
        return (int(dims[0]), int(dims[1]), int(dims[2]))
    if len(dims) == 1:
        return (int(dims[0]), 1, 1)
    if len(dims) == 2:
        return (int(dims[0]), int(dims[1]), 1)
    n = int(np.prod(dims)) if dims else 1
    return (n, 1, 1)


def _module_costs(module: nn.Module | None, kind: str, inputs: list[torch.Tensor], out: torch.Tensor):
    """(macs, ops, weight values, kernel, in-channels per group) of a layer's first node."""
    out_elems = out.numel() // out.shape[0]
    if isinstance(module, (nn.Conv2d, nn.Conv1d)):
        k = tuple(module.kernel_size) + (1,) * (2 - len(module.kernel_size))
        cpg = module.in_channels // module.groups
        macs = out_elems * cpg * k[0] * k[1]
        return macs, 0, sum(p.numel() for p in module.parameters(recurse=False)), k, cpg
    if isinstance(module, nn.ConvTranspose2d):
        k = tuple(module.kernel_size)
        in_elems = inputs[0].numel() // inputs[0].shape[0]
        macs = in_elems * (module.out_channels // module.groups) * k[0] * k[1]
        return macs, 0, sum(p.numel() for p in module.parameters(recurse=False)), k, module.in_channels // module.groups
    if isinstance(module, nn.Linear):
        rows = out_elems // module.out_features
        macs = rows * module.in_features * module.out_features
        return macs, 0, sum(p.numel() for p in module.parameters(recurse=False)), (1, 1), module.in_features
    in_elems = sum(t.numel() // t.shape[0] for t in inputs)
    if kind == "pool":
        return 0, max(in_elems, out_elems), 0, (1, 1), 0
    if kind == "upsample":
        return 0, 4 * out_elems, 0, (1, 1), 0
    if kind == "add":
        return 0, out_elems * max(1, len(inputs) - 1), 0, (1, 1), 0
    if kind == "concat":
        return 0, 0, 0, (1, 1), 0
    return 0, out_elems, sum(p.numel() for p in module.parameters()) if module is not None else 0, (1, 1), 0


def frac_bits_for(max_abs: float, headroom: int = 0) -> int:
    """Largest fraction bits f such that max_abs·2^f fits int16, minus ``headroom`` bits."""
    if not math.isfinite(max_abs):
        raise ValueError(f"activation range is not finite ({max_abs})")
    if max_abs <= 0.0:
        return 15 - headroom
    f = math.floor(math.log2(INT16_MAX / max_abs))
    # Guard the floating-point edge: make sure the scaled maximum really fits.
    while max_abs * 2.0**f > INT16_MAX + 0.5:
        f -= 1
    return f - headroom


QUANTIZE_CHUNK_VALUES = 1 << 16
"""Values quantized per step (256 KiB of float32): each chunk's scale, round, range check, clamp and
conversion run while it sits in the core's L2 cache, and no full-size float temporary is made."""


@contextmanager
def _one_thread():
    """Run torch single-threaded inside the block, restoring the thread count after it.

    Per-chunk operations are too small to share: with several threads each one ends in a barrier,
    and on a busy machine every barrier waits for a descheduled thread (10 ms each, measured).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def quantize(x: torch.Tensor, frac_bits: int) -> tuple[np.ndarray, int]:
    """x as int16 fixed point with ``frac_bits`` fraction bits (round half to even, saturating),
    and the number of saturated values; same shape as x."""
    flat = x.reshape(-1)
    out = torch.empty(flat.numel(), dtype=torch.int16)
    buf = torch.empty(min(flat.numel(), QUANTIZE_CHUNK_VALUES), dtype=x.dtype)
    scale = 2.0**frac_bits
    saturated = 0
    with _one_thread():
        for start in range(0, flat.numel(), QUANTIZE_CHUNK_VALUES):
            chunk = flat[start : start + QUANTIZE_CHUNK_VALUES]
            q = buf[: chunk.numel()]
            torch.mul(chunk, scale, out=q)
            q.round_()
            low, high = torch.aminmax(q)
            # Invariant: a chunk needs counting and clamping only if its range leaves int16's.
            if low < INT16_MIN or high > INT16_MAX:
                saturated += int(torch.count_nonzero(q > INT16_MAX)) + int(torch.count_nonzero(q < INT16_MIN))
                q.clamp_(INT16_MIN, INT16_MAX)
            out[start : start + chunk.numel()].copy_(q)
    return out.reshape(x.shape).numpy(), saturated


def max_abs(x: torch.Tensor) -> float:
    """Largest |x| (0.0 for an empty tensor) in one pass, without an |x| temporary."""
    if x.numel() == 0:
        return 0.0
    low, high = torch.aminmax(x)
    return max(-float(low), float(high))


@dataclass
class _Open:
    """A layer being assembled while its nodes run."""

    name: str
    kind: str
    inputs: tuple[str, ...]
    macs: int
    ops: int
    weight_values: int
    kernel: tuple[int, int]
    cpg: int
    value: torch.Tensor
    value_node: torch.fx.Node | None = None
    """The traced node whose output is the layer's map (the last fused elementwise op)."""
    view_only: bool = True
    """Whether the nodes after value_node only reshape it (flatten/view), so a changed map can be
    propagated by reshaping it."""
    fused: list[str] = field(default_factory=list)


def _layer_name(layer: "_Open | str") -> str:
    return layer if isinstance(layer, str) else layer.name


class _Runner(torch.fx.Interpreter):
    """Interprets the traced model, grouping nodes into layers and finalizing each layer's map."""

    def __init__(
        self,
        gm: torch.fx.GraphModule,
        on_layer: Callable[[_Open], None],
        transform: Callable[[str, torch.Tensor], torch.Tensor | None] | None = None,
    ):
        super().__init__(gm, garbage_collect_values=True)
        self.extra_traceback = False  # errors keep their one-line message (no node listing appended)
        self.on_layer = on_layer
        self.transform = transform
        self.layer_of: dict[torch.fx.Node, _Open | str] = {}
        self.names: set[str] = set()

    def _unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def run_node(self, n: torch.fx.Node):
        result = super().run_node(n)
        if n.op == "placeholder":
            self.layer_of[n] = INPUT
            return result
        if n.op in ("output", "get_attr") or not isinstance(result, torch.Tensor):
            return result
        srcs = [a for a in n.all_input_nodes if a in self.layer_of]
        if not srcs:
            return result  # constant computations do not touch activations
        module = self.module.get_submodule(n.target) if n.op == "call_module" else None
        kind = _kind(n, module, len(srcs))
        src_layer = self.layer_of[srcs[0]]
        if kind in ("fuse", "reshape") and len(srcs) == 1 and isinstance(src_layer, _Open) and len(srcs[0].users) == 1:
            self.layer_of[n] = src_layer
            src_layer.fused.append(str(n.target) if n.op == "call_module" else n.name)
            if kind == "fuse" and result.dim() == src_layer.value.dim():
                src_layer.value = result
                src_layer.value_node = n
                src_layer.view_only = True
            elif kind == "reshape" and n.target in ("permute", "transpose"):
                src_layer.view_only = False
            if isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
                src_layer.weight_values += module.num_features  # folded into a bias per channel
        else:
            if kind in ("fuse", "reshape"):
                kind = "other"
            inputs = tuple(_layer_name(self.layer_of[a]) for a in srcs)
            tensors = [self.env[a] for a in srcs]
            macs, ops, wv, kernel, cpg = _module_costs(module, kind, tensors, result)
            base = str(n.target) if n.op == "call_module" else n.name
            layer = _Open(self._unique(base), kind, tuple(dict.fromkeys(inputs)), macs, ops, wv, kernel, cpg, result, n)
            self.layer_of[n] = layer
        layer = self.layer_of[n]
        users = list(n.users)
        continues = len(users) == 1 and self._fusable(users[0])
        if not continues:
            self.on_layer(layer)
            if self.transform is not None:
                result = self._transformed(n, layer, result)
            layer.value = None  # release the map as soon as it is reduced
        return result

    def _transformed(self, n: torch.fx.Node, layer: _Open, result: torch.Tensor) -> torch.Tensor:
        """The node's output after ``transform`` replaced the layer's map (e.g. by decode∘encode)."""
        new = self.transform(layer.name, layer.value)
        if new is None:
            return result
        if n is layer.value_node:
            return new
        if layer.view_only:
            return new.reshape(result.shape)
        from socsim.errors import WorkloadError

        raise WorkloadError(f"layer {layer.name!r}: its map is permuted before use; cannot substitute it")

    def _fusable(self, user: torch.fx.Node) -> bool:
        """Whether ``user`` would be fused into the layer of its single tensor input."""
        if user.op == "output":
            return False
        srcs = [a for a in user.all_input_nodes if a.op != "get_attr"]
        if len(srcs) != 1:
            return False
        module = self.module.get_submodule(user.target) if user.op == "call_module" else None
        return _kind(user, module, 1) in ("fuse", "reshape")


def _make_layer(lay: _Open, value: torch.Tensor, known: dict[str, Layer], input_shape) -> Layer:
    """The finished Layer of an assembled one, with its input bytes from the known producers."""
    ifmap_elems = sum(known[i].out_elements if i != INPUT else int(np.prod(input_shape)) for i in lay.inputs)
    return Layer(
        name=lay.name, kind=lay.kind, out_shape=_chw(value.shape), inputs=lay.inputs, macs=int(lay.macs),
        weight_bytes=2 * int(lay.weight_values), ifmap_bytes=2 * int(ifmap_elems), ops=int(lay.ops),
        kernel=tuple(int(k) for k in lay.kernel), in_channels_per_group=int(lay.cpg), fused=tuple(lay.fused),
    )


def layer_graph(model: nn.Module, height: int, width: int, channels: int = 3) -> LayerGraph:
    """The layer graph of ``model`` for a 1×channels×height×width input from a shape-only pass.

    The model is copied to PyTorch's meta device, so no arithmetic runs and no activation memory
    is used: building FCN8s's graph at 2048×1024 takes a fraction of a second.
    """
    import copy

    meta_model = copy.deepcopy(model).to("meta")
    gm = trace(meta_model)
    layers: list[Layer] = []
    known: dict[str, Layer] = {}
    input_shape = (channels, height, width)

    def on_layer(lay: _Open) -> None:
        layer = _make_layer(lay, lay.value, known, input_shape)
        layers.append(layer)
        known[layer.name] = layer

    with torch.inference_mode():
        _Runner(gm, on_layer).run(torch.empty(1, channels, height, width, device="meta"))
    return LayerGraph(layers, input_shape)


def sized_layer_graph(model: nn.Module, height: int, width: int, where: str) -> LayerGraph:
    """``layer_graph``, with a model that cannot run on a 1×3×height×width input as a one-line
    WorkloadError starting with ``where`` (the option or field that set the size)."""
    from socsim.errors import WorkloadError

    try:
        return layer_graph(model, height, width)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkloadError(f"{where}: the model cannot run on a 3×{height}×{width} input ({first})") from None


def layer_map_nodes(model: nn.Module, height: int, width: int, channels: int = 3) -> dict[str, str]:
    """Layer name → name of the traced node whose output is that layer's map (the one ``capture``'s
    ``transform`` replaces), from a shape-only pass like ``layer_graph``.

    ``trace(model)`` names nodes the same way on every call, so a caller can find these nodes in
    its own trace and insert modules after them: e.g. a differentiable stand-in for a codec, which
    ``capture`` cannot train since it runs under ``torch.inference_mode``.
    """
    import copy

    gm = trace(copy.deepcopy(model).to("meta"))
    nodes: dict[str, str] = {}

    def on_layer(lay: _Open) -> None:
        nodes[lay.name] = lay.value_node.name

    with torch.inference_mode():
        _Runner(gm, on_layer).run(torch.empty(1, channels, height, width, device="meta"))
    return nodes


def trace(model: nn.Module) -> torch.fx.GraphModule:
    """The model traced by torch.fx (raises a one-line WorkloadError if it cannot be traced)."""
    from socsim.errors import WorkloadError

    try:
        return torch.fx.symbolic_trace(model)
    except Exception as exc:  # fx raises many types for untraceable Python control flow
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WorkloadError(f"workload.model: cannot be traced by torch.fx ({first})") from None


def capture(
    model: nn.Module,
    inputs: Iterable[torch.Tensor],
    codecs: list[Codec],
    unit: TransferUnit,
    headroom_bits: int = 0,
    on_progress: Callable[[int, str], None] | None = None,
    keep_maps: bool = False,
    transform: Callable[[str, torch.Tensor], torch.Tensor | None] | None = None,
) -> Capture:
    """Run ``model`` on each input (1×3×H×W float tensors), returning the graph and map statistics.

    ``on_progress(frame, layer_name)`` is called after each layer; ``keep_maps`` additionally keeps
    every quantized map in ``Capture.maps`` (small models only: tests and accuracy studies);
    ``transform(layer_name, output)`` may return a replacement for a layer's output map that the
    rest of the network then uses (e.g. its codec round trip, for accuracy studies).
    """
    gm = trace(model)
    frac_bits: dict[str, int] = {}
    frames: list[dict[str, MapStats]] = []
    layers: list[Layer] = []
    maps: list[dict[str, np.ndarray]] = []
    input_shape: tuple[int, int, int] | None = None
    t0 = time.perf_counter()
    with torch.inference_mode():
        for index, x in enumerate(inputs):
            stats: dict[str, MapStats] = {}
            frame_maps: dict[str, np.ndarray] = {}
            first = index == 0
            if first:
                input_shape = _chw(x.shape)

            def on_layer(lay: _Open) -> None:
                v = lay.value.detach()
                if first:
                    frac_bits[lay.name] = frac_bits_for(max_abs(v), headroom_bits)
                    layer = _make_layer(lay, v, layers_by_name, input_shape)
                    layers.append(layer)
                    layers_by_name[lay.name] = layer
                shape = layers_by_name[lay.name].out_shape
                q, sat = quantize(v.reshape(shape), frac_bits[lay.name])
                ms = MapStats(elements=q.size, zeros=int(q.size - np.count_nonzero(q)), saturated=sat)
                for codec in codecs:
                    ms.unit_bits[codec.key] = codec.for_layer(lay.name).unit_sizes_bits(q, unit)
                stats[lay.name] = ms
                if keep_maps:
                    frame_maps[lay.name] = q
                if on_progress is not None:
                    on_progress(index, lay.name)

            layers_by_name: dict[str, Layer] = {layer.name: layer for layer in layers}
            runner = _Runner(gm, on_layer, transform)
            runner.run(x)
            if not first and set(stats) != set(frac_bits):
                raise RuntimeError("the traced graph produced different layers on different frames")
            frames.append(stats)
            maps.append(frame_maps)
    if input_shape is None:
        raise ValueError("capture needs at least one input")
    seconds = {"forward+capture": time.perf_counter() - t0}
    return Capture(LayerGraph(layers, input_shape), frac_bits, frames, seconds, maps if keep_maps else [])
