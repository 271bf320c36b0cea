"""Model definitions (plain ``nn.Module``s, no torchvision) and their registry.

``MODELS`` maps a scenario's ``workload.model`` name to a ``ModelInfo``; any other
``package.module:factory`` text names a user factory (see ``socsim.workload.weights``).
Importing this package does not import torch: each factory imports its module when called.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Literal

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelInfo:
    """What socsim knows about a built-in model."""

    name: str
    """Registry name used in scenarios, e.g. 'vgg16'."""
    factory: Callable[[], object]
    """Builds the nn.Module with random weights (callers seed torch first)."""
    input_hw: tuple[int, int] | None
    """Default input (height, width) in pixels, the resolution the paper uses; None for user factories."""
    task: Literal["classification", "dense"]
    """Classifier (logits) or dense prediction (per-pixel output)."""
    mean: tuple[float, float, float] = IMAGENET_MEAN
    """Per-channel input mean after scaling pixels to [0, 1]."""
    std: tuple[float, float, float] = IMAGENET_STD
    """Per-channel input standard deviation after scaling pixels to [0, 1]."""
    trained: tuple[str, ...] = ()
    """Names of trained weight sources ``socsim.workload.weights`` can load for it (first = default)."""
    description: str = ""
    """One line saying what the model is and how complete its trained weights are."""


def _lazy(module: str, attr: str) -> Callable[[], object]:
    """A factory that imports ``socsim.workload.models.<module>`` (and so torch) only when called."""

    def factory() -> object:
        return getattr(importlib.import_module(f"socsim.workload.models.{module}"), attr)()

    factory.__name__ = factory.__qualname__ = attr
    factory.__doc__ = f"Build socsim.workload.models.{module}.{attr}() with random weights."
    return factory


def _registry() -> dict[str, ModelInfo]:
    infos = [
        ModelInfo(
            "vgg16", _lazy("vgg", "vgg16"), (224, 224), "classification",
            description="VGG16 ImageNet classifier (13 conv + 3 FC); no trained weights offline",
        ),
        ModelInfo(
            "mobilenet_v1", _lazy("mobilenet", "mobilenet_v1"), (224, 224), "classification",
            description="MobileNet v1 1.0-224 ImageNet classifier; no trained weights offline",
        ),
        ModelInfo(
            "mobilenet_v2", _lazy("mobilenet", "mobilenet_v2"), (224, 224), "classification",
            trained=("torchvision-imagenet",),
            description="MobileNet v2 ImageNet classifier; trained: torchvision's ImageNet weights",
        ),
        ModelInfo(
            "fcn8s", _lazy("vgg", "fcn8s"), (1024, 2048), "dense",
            trained=("craft-encoder",),
            description="FCN-8s (VGG16, 19 classes); 'craft-encoder' is PARTIALLY trained: "
            "conv1_1..conv5_2 from CRAFT, the rest random",
        ),
        ModelInfo(
            "dilated", _lazy("dilated", "dilated"), (256, 512), "dense",
            description="Dilated front-end of Yu & Koltun (19 classes, output stride 8); no trained weights offline",
        ),
        ModelInfo(
            "craft", _lazy("craft", "craft"), (1024, 2048), "dense",
            trained=("easyocr-craft",),
            description="CRAFT text detector (VGG16-BN U-Net); trained: EasyOCR's craft_mlt_25k",
        ),
    ]
    return {i.name: i for i in infos}


MODELS: dict[str, ModelInfo] = _registry()


def check_name(model: str) -> None:
    """Raise ScenarioError naming ``workload.model`` unless it is a built-in model or a user factory."""
    from socsim.errors import ScenarioError

    if ":" not in model and model not in MODELS:
        raise ScenarioError(f"workload.model={model!r}: unknown model (known: {', '.join(sorted(MODELS))})")
