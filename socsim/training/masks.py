"""Learned per-layer DCT masks for ``dct-adaptive`` (the adaptive mode of Vogel et al., DATE 2019),
from a model name to a masks file: the model and its inputs (``inputs``), the attenuation
matrices trained on them (``loop``, with the differentiable stand-in of ``attenuation``), one
global threshold that meets the target reduction (``selection``) and the file (``masks_file``).

Masks do not depend on the input resolution (the layer names do not), so training on reduced
inputs or crops gives masks for any resolution; N_l (each layer's weight in the nominal
reduction) is taken at the training resolution, which for fully convolutional networks gives the
same weights as any other.

The command line's option checks (``options``) and table (``table``) are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from socsim.errors import SocsimError
from socsim.training.inputs import training_inputs
from socsim.training.loop import NORM_WEIGHT, EpochProgress, Training, TrainingOptions, train_attenuation
from socsim.training.masks_file import masks_document, write_masks
from socsim.training.options import check_options, parse_input_size
from socsim.training.selection import Selection, select_masks
from socsim.training.table import kept_table

__all__ = [
    "MaskJob", "MasksResult", "TrainingOptions", "learn_masks", "check_options", "kept_table",
    "parse_input_size", "write_masks",
]


@dataclass(frozen=True)
class MaskJob:
    """What to learn masks for: a model, the images to train on and the target reduction."""

    model: str
    target: float
    """Nominal reduction the masks must meet (fraction)."""
    weights: str = "trained"
    """'trained', 'random' or a state_dict file."""
    images: Sequence[str] = ("skimage",)
    frames: int = 16
    """Training inputs (count)."""
    height: int | None = None
    """Training resolution (None: the model's own for classifiers, 256×256 crops for dense networks)."""
    width: int | None = None
    base_dir: Path = Path(".")
    """Folder that relative image and weight paths are resolved against."""
    options: TrainingOptions = TrainingOptions()
    """How to train; its seed also seeds the input crops and random weights."""


@dataclass
class MasksResult:
    """A trained and selected set of masks, the text of its file, and how it was made."""

    text: str
    """The masks file (JSON, see ``socsim.codecs.masks``)."""
    selection: Selection
    training: Training
    trained_on: str
    """One line: model, weights, inputs, resolution and optimiser settings."""


def learn_masks(job: MaskJob, progress: EpochProgress | None = None) -> MasksResult:
    """Train ``job``'s attenuation and select masks meeting its target; an unreachable target raises
    a one-line SocsimError."""
    o = job.options
    prepared = training_inputs(job.model, job.weights, job.images, job.frames, job.height, job.width, o.seed,
                               job.base_dir)
    training = train_attenuation(prepared.model, prepared.task, prepared.inputs, o, progress)
    try:
        selection = select_masks(training.attenuation, training.elements, job.target)
    except ValueError as exc:
        raise SocsimError(f"--target-reduction={job.target}: {str(exc).partition(': ')[2]}") from None
    trained_on = (
        f"{prepared.description}; {o.epochs} epochs, batch {o.batch}, Adam lr {o.lr} (warm-up, cosine decay), "
        f"λ {o.penalty:g}"
    )
    text = masks_document(job.model, job.target, selection, trained_on, o.n)
    return MasksResult(text, selection, training, trained_on)
