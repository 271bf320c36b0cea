"""The layer graph: what the SoC model needs to know about a CNN, as plain data (no torch).

A *layer* is one operation whose output would travel to DRAM on an accelerator: a convolution or
fully-connected layer with its fused batch norm and activation, a pooling, an elementwise add, a
concatenation or an upsampling. Edges follow the data, including skip connections; the graph's
source node ``INPUT`` stands for the network input, which the camera pipeline leaves in DRAM.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import networkx as nx

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
    """A DAG of layers in execution order, backed by a networkx DiGraph."""

    def __init__(self, layers: list[Layer], input_shape: tuple[int, int, int]):
        self.input_shape = tuple(input_shape)
        self.graph = nx.DiGraph()
        self.graph.add_node(INPUT, layer=None)
        self._order: list[str] = []
        for layer in layers:
            if layer.name in self.graph:
                raise ValueError(f"duplicate layer name {layer.name!r}")
            self.graph.add_node(layer.name, layer=layer)
            for src in layer.inputs:
                if src not in self.graph:
                    raise ValueError(f"layer {layer.name!r} reads {src!r}, which comes later or not at all")
                self.graph.add_edge(src, layer.name)
            self._order.append(layer.name)
        # Invariant: _order is a topological order because every input was added before its reader.

    @property
    def layers(self) -> list[Layer]:
        """Layers in execution order."""
        return [self.graph.nodes[n]["layer"] for n in self._order]

    def __getitem__(self, name: str) -> Layer:
        return self.graph.nodes[name]["layer"]

    def __len__(self) -> int:
        return len(self._order)

    @property
    def input_bytes(self) -> int:
        """The network input at 16 bits (bytes)."""
        c, h, w = self.input_shape
        return c * h * w * BYTES_PER_VALUE

    def consumers(self, name: str) -> list[str]:
        """Layers that read the output of ``name``."""
        return list(self.graph.successors(name))

    def totals(self) -> dict[str, int]:
        """Whole-network MACs, weight bytes and output activation bytes."""
        ls = self.layers
        return {
            "layers": len(ls),
            "macs": sum(layer.macs for layer in ls),
            "weight_bytes": sum(layer.weight_bytes for layer in ls),
            "activation_bytes": sum(layer.ofmap_bytes for layer in ls),
        }
