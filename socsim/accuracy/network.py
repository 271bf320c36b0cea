"""The network of an accuracy study made ready to run: the model with its weights, its normalised
inputs, and the layers (names, kinds, map shapes and the one output layer) that ``capture`` sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socsim.accuracy.inputs import DEFAULT_IMAGES, study_images
from socsim.accuracy.spec import StudySpec
from socsim.errors import WorkloadError


@dataclass
class StudyNetwork:
    """A built model, the inputs of every frame and the layers of its graph."""

    model: Any
    """The torch module in eval mode."""
    name: str
    """The model's registry name, e.g. 'mobilenet_v2'."""
    task: str
    """'classification' or 'dense'."""
    weights_note: str
    """The weights' one-line note."""
    height: int
    width: int
    inputs: list[Any]
    """Per frame: the normalised 1×3×H×W float tensor."""
    how: list[str]
    """Per frame: how its input was made (one line)."""
    shapes: dict[str, tuple[int, int, int]]
    """Layer → output map C×H×W (values)."""
    kinds: dict[str, str]
    """Layer → kind, e.g. 'conv'."""
    output: str
    """The one layer no other layer reads: the network's output."""

    @property
    def classifier(self) -> bool:
        """Whether the network outputs class logits."""
        return self.task == "classification"


def prepare_network(spec: StudySpec) -> StudyNetwork:
    """Build ``spec``'s model and inputs; raises a one-line WorkloadError for a missing input size,
    bad image specs or a graph without exactly one output layer."""
    import torch

    from socsim.workload.capture import layer_graph
    from socsim.workload.weights import build_model

    base_dir = spec.base_dir if spec.base_dir is not None else Path.cwd()
    model, info, winfo = build_model(spec.model, spec.weights, spec.seed, base_dir)
    height, width = spec.height, spec.width
    if height is None or width is None:
        if info.input_hw is None:
            raise WorkloadError(f"model={spec.model!r}: give the input size (height and width)")
        height, width = height or info.input_hw[0], width or info.input_hw[1]
    classifier = info.task == "classification"
    specs = list(spec.images) if spec.images else list(DEFAULT_IMAGES.get(info.name, ("skimage",)))
    made = study_images(specs, base_dir, height, width, spec.frames, spec.seed, classifier)
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    xs = [(torch.from_numpy(img.pixels).permute(2, 0, 1)[None].float().div(255.0) - mean) / std for img in made]
    graph = layer_graph(model, height, width)
    sinks = [layer.name for layer in graph.layers if not graph.consumers(layer.name)]
    if len(sinks) != 1:
        raise WorkloadError(f"model={spec.model!r}: expected one output layer, found {len(sinks)} ({', '.join(sinks)})")
    return StudyNetwork(
        model=model, name=info.name, task=info.task, weights_note=winfo.note, height=height, width=width,
        inputs=xs, how=[img.how for img in made],
        shapes={layer.name: layer.out_shape for layer in graph.layers},
        kinds={layer.name: layer.kind for layer in graph.layers},
        output=sinks[0],
    )
