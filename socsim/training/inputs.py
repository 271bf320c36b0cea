"""The network and inputs that masks are trained on: a model with its weights and real images made
with the model's preprocessing, at the training resolution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
from torch import nn


@dataclass
class TrainingInputs:
    """A built model and the normalised inputs to train its attenuation on."""

    model: nn.Module
    task: str
    """'classification' or 'dense'."""
    inputs: torch.Tensor
    """B×3×H×W, normalised with the model's mean and standard deviation."""
    description: str
    """One line: model, weights, images, resolution, preprocessing and seed."""


def training_inputs(
    model: str, weights: str, images: Sequence[str], frames: int, height: int | None, width: int | None,
    seed: int, base_dir: Path,
) -> TrainingInputs:
    """``model`` with ``weights`` and ``frames`` inputs made from ``images`` for ``train_attenuation``.

    Without a resolution, classifiers use their own (ImageNet preprocessing) and dense networks
    256×256 native crops (or mosaics of them), which is enough for resolution-independent masks.
    """
    from socsim.workload.images import make_inputs
    from socsim.workload.weights import build_model

    net, info, winfo = build_model(model, weights, seed, base_dir)
    classifier = info.task == "classification"
    if height is None or width is None:
        default = info.input_hw if classifier and info.input_hw else (256, 256)
        height, width = height or default[0], width or default[1]
    imgs = make_inputs(list(images), base_dir, frames, height, width, classifier, seed)
    x = torch.stack([torch.from_numpy(img.pixels).permute(2, 0, 1).float().div_(255.0) for img in imgs])
    x = (x - torch.tensor(info.mean).view(1, 3, 1, 1)) / torch.tensor(info.std).view(1, 3, 1, 1)
    how = "ImageNet preprocessing (resize, centre crop)" if classifier else "native crops or mosaics of native crops"
    sources = sorted({i.how.split(" ")[0] for i in imgs}) if classifier else []
    shown = f" ({', '.join(s.removeprefix('skimage:') for s in sources)})" if sources else ""
    line = (
        f"{info.name} ({winfo.source}) on {frames} {'+'.join(images)} images{shown} at {width}×{height}, {how}, "
        f"seed {seed}"
    )
    return TrainingInputs(net, info.task, x, line)
