"""The layer graph: what the SoC model needs to know about a CNN, as plain data (no torch).

A *layer* is one operation whose output would travel to DRAM on an accelerator: a convolution or
fully-connected layer with its fused batch norm and activation, a pooling, an elementwise add, a
concatenation or an upsampling. Edges follow the data, including skip connections; the graph's
source node ``INPUT`` stands for the network input, which the camera pipeline leaves in DRAM.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field

from socsim.units import BYTES_PER_VALUE

INPUT = "input"

LAYER_KINDS = ("conv", "fc", "pool", "add", "concat", "upsample", "other")


@dataclass(frozen=True)
class Layer:
    """One DRAM-visible operation of a CNN; sizes are at 16 bits per value."""

    name: str
    """Unique name: the module path or traced node that produced the output (e.g. 'features.28')."""
    kind: str
    """One of LAYER_KINDS."""
    out_shape: tuple[int, int, int]
    """Output feature map (channels, height, width); FC outputs are (features, 1, 1)."""
    inputs: tuple[str, ...]
    """Names of the producing layers, or INPUT for the network input."""
    macs: int = 0
    """Multiply-accumulates per frame (count)."""
    weight_bytes: int = 0
    """Weights and biases at 16 bits (bytes)."""
    ifmap_bytes: int = 0
    """All input feature maps at 16 bits (bytes)."""
    ops: int = 0
    """Non-MAC element operations (pooling window reads, adds, interpolations) (count)."""
    kernel: tuple[int, int] = (1, 1)
    """Kernel height, width (1×1 for non-convolutions)."""
    in_channels_per_group: int = 0
    """Reduction channels per output channel (Cin / groups) for conv/fc, else 0."""
    fused: tuple[str, ...] = field(default_factory=tuple)
    """Names of elementwise operations folded into this layer (batch norm, ReLU, ...)."""

    @property
    def out_elements(self) -> int:
        """Values in the output map (count)."""
        c, h, w = self.out_shape
        return c * h * w

    @property
    def ofmap_bytes(self) -> int:
        """Output map at 16 bits (bytes)."""
        return self.out_elements * BYTES_PER_VALUE

    def as_dict(self) -> dict:
        """JSON-ready dictionary of the layer."""
        d = asdict(self)
        d["ofmap_bytes"] = self.ofmap_bytes
        d["out_shape"] = list(self.out_shape)
        d["inputs"] = list(self.inputs)
        d["kernel"] = list(self.kernel)
        d["fused"] = list(self.fused)
        return d


class LayerGraph:
    """A DAG of layers in execution order; ``graph`` is the same DAG as a networkx DiGraph, built on
    first use (a run needs only the layers and their consumers, and networkx costs 0.1 s to import)."""

    def __init__(self, layers: list[Layer], input_shape: tuple[int, int, int]):
        self.input_shape = tuple(input_shape)
        self._layers: dict[str, Layer | None] = {INPUT: None}
        self._consumers: dict[str, list[str]] = {INPUT: []}
        for layer in layers:
            if layer.name in self._layers:
                raise ValueError(f"duplicate layer name {layer.name!r}")
            self._layers[layer.name] = layer
            self._consumers[layer.name] = []
            for src in layer.inputs:
                if src not in self._layers:
                    raise ValueError(f"layer {layer.name!r} reads {src!r}, which comes later or not at all")
                if layer.name not in self._consumers[src]:
                    self._consumers[src].append(layer.name)
        self._order: list[str] = [layer.name for layer in layers]
        # Invariant: _order is a topological order because every input was added before its reader.

    @functools.cached_property
    def graph(self):
        """The DAG as a networkx DiGraph: node ``INPUT`` and one node per layer (attribute ``layer``),
        an edge from every input to its reader, in the order they were added."""
        import networkx as nx

        g = nx.DiGraph()
        for name, layer in self._layers.items():
            g.add_node(name, layer=layer)
        for src, readers in self._consumers.items():
            for reader in readers:
                g.add_edge(src, reader)
        return g

    @property
    def layers(self) -> list[Layer]:
        """Layers in execution order."""
        return [self._layers[n] for n in self._order]

    def __getitem__(self, name: str) -> Layer:
        return self._layers[name]

    def __len__(self) -> int:
        return len(self._order)

    @property
    def input_bytes(self) -> int:
        """The network input at 16 bits (bytes)."""
        c, h, w = self.input_shape
        return c * h * w * BYTES_PER_VALUE

    def consumers(self, name: str) -> list[str]:
        """Layers that read the output of ``name``, in execution order."""
        return list(self._consumers[name])

    def totals(self) -> dict[str, int]:
        """Whole-network MACs, weight bytes and output activation bytes."""
        ls = self.layers
        return {
            "layers": len(ls),
            "macs": sum(layer.macs for layer in ls),
            "weight_bytes": sum(layer.weight_bytes for layer in ls),
            "activation_bytes": sum(layer.ofmap_bytes for layer in ls),
        }
