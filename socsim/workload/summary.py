"""Weight and activation sizes of a model at 16 bit, beside the paper's Table I (Vogel et al.).

What is counted (``socsim workload summary``; MB = 10^6 bytes, GB = 10^9 bytes, 2 bytes per value):

- activations: the output map of every layer of socsim's layer graph, once — a convolution or
  fully-connected layer with its fused batch norm and activation, a pooling, an add, a concat, an
  upsampling (transposed convolutions count as convolutions), anything else as 'other'. ReLUs,
  batch norms and reshapes are not separate maps. The network input is reported apart, not summed.
- weights: every convolution's and fully-connected layer's weights and biases, batch norm folded
  into one bias per output channel.

The graph comes from ``capture.layer_graph``, a shape-only pass on PyTorch's meta device: sizes do
not depend on weight values, so the model is built on the meta device: no weights, no arithmetic.

How the paper's figures compare was worked out by recounting (the paper does not say what it
counts); ``FINDINGS`` holds the figures. In short: MobileNet v1 matches exactly once depthwise
outputs are left out (the paper fuses each depthwise-separable block); the 268 MB of VGG16 and
FCN8s is VGG16 without fc8; the Dilated net's 10.6 MB is most likely Yu & Koltun's large context
module, not the VGG16-sized front-end; no count reproduces the VGG-based nets' activations, which
the paper puts 16-20 % above ours. Our numbers are never adjusted to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socsim.errors import SocsimError
from socsim.units import BYTES_PER_VALUE

COUNTING = (
    "activations: the output of every layer in socsim's layer graph, once (conv/fc with fused "
    "BN+activation, pool, add, concat, upsample; ReLU/BN are not separate maps; input not summed); "
    "weights: conv/fc weights+biases, BN folded into a bias; 16 bit; MB = 10^6 B"
)
"""One line saying what the totals count."""


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table I: 16-bit weight and activation sizes at the paper's resolution."""

    weight_bytes: int
    """Weights (bytes, as printed: MB = 10^6 B)."""
    activation_bytes: int
    """All activations of one frame (bytes, as printed)."""
    input_hw: tuple[int, int]
    """The input (height, width) in pixels the paper uses."""


PAPER_TABLE_I: dict[str, PaperRow] = {
    "vgg16": PaperRow(268_000_000, 36_100_000, (224, 224)),
    "mobilenet_v1": PaperRow(8_440_000, 6_220_000, (224, 224)),
    "fcn8s": PaperRow(268_000_000, 1_600_000_000, (1024, 2048)),
    "dilated": PaperRow(10_600_000, 139_000_000, (256, 512)),
}
"""The paper's Table I by socsim model name."""

FINDINGS: dict[str, tuple[str, ...]] = {
    "vgg16": (
        "weights: the paper's 268 MB = 134.26 M params × 2 B (268.5 MB) = VGG16 without fc8, the conv1_1..fc7 "
        "stack it also lists for FCN8s; ours includes fc8 (4.10 M): 138.36 M × 2 B = 276.7 MB (= 263.9 MiB).",
        "activations: 36.1 MB is 18.05 M values, 20 % above ours; tried and not matching: all outputs 30.17 MB, "
        "conv only 27.10 MB, +input 30.48 MB, in MiB 28.78, ReLU outputs as separate maps 57.3 MB, 32 bit 60.3 MB.",
    ),
    "mobilenet_v1": (
        "weights match: 4.221 M params with BN folded into a bias = 8.44 MB.",
        "activations: the paper's 6.22 MB = conv1 + the 13 pointwise outputs exactly (3,110,912 values): "
        "depthwise outputs (kept on chip in a fused depthwise-separable block), pool and FC not counted.",
    ),
    "fcn8s": (
        "weights: 268 MB matches the conv1_1..fc7 stack it shares with VGG16 (134.26 M × 2 B = 268.5 MB); ours, "
        "with 19-class score and bilinear upsampling layers: 134.46 M = 268.9 MB.",
        "activations: ours is the crop-free variant (conv1_1 pad 1): 1.378 GB. Caffe's original (conv1_1 pad "
        "100, ceil pooling, unpadded fc6, crops), counted the same way: 1.78 GB (1.86 GB with crop outputs, "
        "1.52 GB without pools and upsamplings, 1.69 GB without upsamplings); none is 1.60 GB, which is 16 % above ours.",
    ),
    "dilated": (
        "weights: ours is the front-end (VGG16 convs + 4096-channel fc6/fc7 + 19-class final) = 134.3 M × 2 B "
        "= 268.7 MB. 10.6 MB = 5.3 M params: closest is Yu & Koltun's large context module for 19 classes "
        "(5.57 M params = 11.1 MB = 10.6 MiB), so the paper likely counted the context module, not the front-end.",
        "activations: ours 116.5 MB at 512×256 (front-end only); adding the ×8 upsampled output and a basic "
        "(large) context module gives 122 (129) MB; 139 MB is 19 % above ours, like VGG16's 20 %.",
    ),
}
"""What recounting found about each Table I row (valid at the paper's resolution)."""


@dataclass(frozen=True)
class LayerSize:
    """One layer's 16-bit weights and output map."""

    name: str
    """Layer name in socsim's layer graph."""
    kind: str
    """Layer kind (conv, fc, pool, add, concat, upsample, other)."""
    out_shape: tuple[int, int, int]
    """Output (channels, height, width)."""
    weight_bytes: int
    """Weights and biases at 16 bit (bytes)."""
    activation_bytes: int
    """Output map at 16 bit (bytes)."""
    relative_to_input: float
    """Output size divided by the input image size (both 16 bit), the paper's Fig. 1 measure."""
    depthwise: bool = False
    """Whether it is a depthwise convolution (one input channel per output channel, kernel > 1×1)."""


@dataclass(frozen=True)
class ModelSummary:
    """Per-layer and total 16-bit sizes of a model at one resolution, with the paper's row if it has one."""

    model: str
    """Model name (registry name or 'package.module:factory')."""
    height: int
    """Input height (pixels)."""
    width: int
    """Input width (pixels)."""
    input_bytes: int
    """The 3×H×W input image at 16 bit (bytes)."""
    layers: list[LayerSize]
    """Every layer of the graph in execution order."""
    paper: PaperRow | None
    """The paper's Table I row, or None for models the paper does not list."""
    alternatives: dict[str, int]
    """Other ways to count activations (label → bytes), to compare with the paper."""

    @property
    def weight_bytes(self) -> int:
        """All weights at 16 bit (bytes)."""
        return sum(layer.weight_bytes for layer in self.layers)

    @property
    def activation_bytes(self) -> int:
        """All layer outputs at 16 bit (bytes)."""
        return sum(layer.activation_bytes for layer in self.layers)

    @property
    def at_paper_resolution(self) -> bool:
        """Whether the paper's row applies: it exists and was measured at this input size."""
        return self.paper is not None and self.paper.input_hw == (self.height, self.width)


def parse_hw(text: str) -> tuple[int, int]:
    """'1024x2048' (height × width, 'x' or '×') as (height, width) pixels; one-line error otherwise."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        h, w = (int(p) for p in parts)
    except ValueError:
        raise SocsimError(f"--input={text!r}: expected HEIGHTxWIDTH in pixels, e.g. 224x224") from None
    if h <= 0 or w <= 0:
        raise SocsimError(f"--input={text!r}: height and width must be > 0")
    return h, w


def summarize(model: str, height: int | None = None, width: int | None = None) -> ModelSummary:
    """Sizes of ``model`` at height×width (default: its registry resolution, the paper's), from a shape-only pass."""
    import torch

    from socsim.workload.capture import layer_graph
    from socsim.workload.models import MODELS
    from socsim.workload.weights import resolve_model

    if ":" not in model and model not in MODELS:
        raise SocsimError(f"MODEL={model!r}: unknown model (known: {', '.join(sorted(MODELS))}, or package.module:factory)")
    info = resolve_model(model)
    if height is None or width is None:
        if info.input_hw is None:
            raise SocsimError(f"model {model!r}: no default resolution, pass --input HEIGHTxWIDTH")
        height, width = info.input_hw
    # Sizes do not depend on weight values: build on the meta device, where no memory is allocated.
    with torch.device("meta"):
        net = info.factory()
    try:
        graph = layer_graph(net, height, width)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SocsimError(f"--input={height}x{width}: model {model!r} cannot run at this size ({first})") from None
    input_values = 3 * height * width
    layers = [
        LayerSize(
            name=layer.name, kind=layer.kind, out_shape=layer.out_shape, weight_bytes=layer.weight_bytes,
            activation_bytes=layer.ofmap_bytes, relative_to_input=layer.out_elements / input_values,
            depthwise=layer.kind == "conv" and layer.in_channels_per_group == 1 and layer.kernel != (1, 1),
        )
        for layer in graph.layers
    ]
    input_bytes = input_values * BYTES_PER_VALUE
    return ModelSummary(
        info.name, height, width, input_bytes, layers, PAPER_TABLE_I.get(info.name), _alternatives(layers, input_bytes)
    )


def _alternatives(layers: list[LayerSize], input_bytes: int) -> dict[str, int]:
    """Activation totals under other counting rules (bytes), for the comparison with the paper."""
    out = {
        "conv/fc outputs only": sum(x.activation_bytes for x in layers if x.kind in ("conv", "fc")),
        "all outputs + input image": sum(x.activation_bytes for x in layers) + input_bytes,
    }
    if any(x.depthwise for x in layers):
        out["conv outputs except depthwise"] = sum(
            x.activation_bytes for x in layers if x.kind == "conv" and not x.depthwise
        )
    return out


def as_json(s: ModelSummary) -> dict[str, Any]:
    """JSON-ready dictionary of a summary (bytes as integers)."""
    paper = None
    if s.paper is not None:
        paper = {
            "weight_bytes": s.paper.weight_bytes, "activation_bytes": s.paper.activation_bytes,
            "height": s.paper.input_hw[0], "width": s.paper.input_hw[1],
            "comparable": s.at_paper_resolution, "findings": list(FINDINGS.get(s.model, ())),
        }
    return {
        "model": s.model,
        "height": s.height,
        "width": s.width,
        "weights": "random (sizes do not depend on values)",
        "counting": COUNTING,
        "input_bytes": s.input_bytes,
        "weight_bytes": s.weight_bytes,
        "activation_bytes": s.activation_bytes,
        "activation_alternatives_bytes": dict(s.alternatives),
        "paper_table_i": paper,
        "layers": [
            {
                "name": x.name, "kind": x.kind, "out_shape": list(x.out_shape), "weight_bytes": x.weight_bytes,
                "activation_bytes": x.activation_bytes, "relative_to_input": x.relative_to_input,
                "depthwise": x.depthwise,
            }
            for x in s.layers
        ],
    }


def _mb(size_bytes: float) -> str:
    """Bytes as kB (10^3 B) below 0.1 MB, MB (10^6 B), or GB (10^9 B) from 1 GB up."""
    if size_bytes >= 1e9:
        return f"{size_bytes / 1e9:,.3f} GB"
    if size_bytes < 1e5:
        return f"{size_bytes / 1e3:,.1f} kB"
    return f"{size_bytes / 1e6:,.2f} MB"


def renderables(s: ModelSummary) -> list[Any]:
    """Rich renderables: the per-layer table, the totals beside Table I, and the notes."""
    from rich.table import Table
    from rich.text import Text

    per_layer = Table(title=f"{s.model}, input {s.width}×{s.height} (W×H): per layer, 16 bit")
    for col in ("#", "layer", "kind", "output C×H×W", "weights", "output", "×input"):
        per_layer.add_column(col, justify="left" if col in ("layer", "kind", "output C×H×W") else "right",
                             no_wrap=True, overflow="ellipsis", max_width=24 if col == "layer" else None)
    for i, x in enumerate(s.layers, 1):
        c, h, w = x.out_shape
        kind = "conv (dw)" if x.depthwise else x.kind
        per_layer.add_row(str(i), x.name, kind, f"{c}×{h}×{w}", _mb(x.weight_bytes) if x.weight_bytes else "",
                          _mb(x.activation_bytes), f"{x.relative_to_input:,.2f}")
    per_layer.add_row("", "total", f"{len(s.layers)} layers", "", _mb(s.weight_bytes), _mb(s.activation_bytes), "",
                      end_section=True)

    totals = Table(title="totals beside the paper's Table I (MB = 10^6 B)")
    for col in ("16 bit", "ours", "Table I", "ours / Table I"):
        totals.add_column(col, justify="left" if col == "16 bit" else "right")
    rows = [("weights", s.weight_bytes, s.paper.weight_bytes if s.paper else None),
            ("activations (all layer outputs)", s.activation_bytes, s.paper.activation_bytes if s.paper else None)]
    rows += [(f"  alt.: {label}", b, s.paper.activation_bytes if s.paper else None) for label, b in s.alternatives.items()]
    for label, ours, paper in rows:
        # Weights do not depend on the resolution; activations compare only at the paper's.
        comparable = label == "weights" or s.at_paper_resolution
        ratio = f"{ours / paper:.3f}" if paper and comparable else ""
        totals.add_row(label, _mb(ours), _mb(paper) if paper else "—", ratio)
    totals.add_row("input image (not summed)", _mb(s.input_bytes), "", "")

    notes = [Text(f"counting: {COUNTING}")]
    if s.paper is None:
        notes.append(Text(f"Table I has no row for {s.model}."))
    elif not s.at_paper_resolution:
        ph, pw = s.paper.input_hw
        notes.append(Text(f"Table I's figures are for {pw}×{ph} (W×H); activations at {s.width}×{s.height} are not comparable."))
    else:
        notes += [Text(f"Table I: {line}") for line in FINDINGS.get(s.model, ())]
    return [per_layer, totals, *notes]


def plot_relative(s: ModelSummary, path: Path) -> None:
    """Write the paper's Fig. 1 for ``s`` as PNG: each layer's output size relative to the input image, log scale."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from socsim.fileio import atomic_write_bytes

    colors = {"conv": "tab:blue", "fc": "tab:purple", "pool": "tab:orange", "add": "tab:green",
              "concat": "tab:brown", "upsample": "tab:red", "other": "tab:gray"}
    ratios = [x.relative_to_input for x in s.layers]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.28 * len(ratios) + 2.0), 4.0), dpi=120)
    ax.bar(range(len(ratios)), ratios, color=[colors.get(x.kind, "tab:gray") for x in s.layers])
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xticks(range(len(ratios)))
    ax.set_xticklabels([x.name for x in s.layers], rotation=90, fontsize=6)
    ax.set_ylabel("output size / input image size")
    ax.set_title(f"{s.model}, input {s.width}×{s.height} (W×H): each layer's output size / input image size")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for k, c in colors.items() if any(x.kind == k for x in s.layers)]
    ax.legend(handles, [k for k in colors if any(x.kind == k for x in s.layers)], fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    try:
        atomic_write_bytes(path, buf.getvalue())
    except OSError as exc:
        raise SocsimError(f"--plot={str(path)!r}: cannot write ({exc.strerror})") from None
