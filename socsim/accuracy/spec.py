"""What an accuracy study runs: the model, the codecs and the inputs, as one plain record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

UNIT_KINDS = ("map", "channel")
"""Transfer units the study encodes: whole maps (one scale per layer) or channels."""


@dataclass(frozen=True)
class StudySpec:
    """One accuracy study: ``model`` under each of ``codecs`` (texts like 'dct:keep=21') on ``frames``
    real inputs of height×width pixels (None: the model's own size)."""

    model: str
    codecs: Sequence[str]
    weights: str = "trained"
    """'trained', 'random' or a state_dict file."""
    images: Sequence[str] | None = None
    """``make_inputs`` specs or ['skimage-text'] (None: 'skimage-text' for CRAFT, 'skimage' for others)."""
    height: int | None = None
    width: int | None = None
    frames: int = 16
    seed: int = 0
    unit: str = "map"
    """The DMA transfer unit each encode covers, one of ``UNIT_KINDS``."""
    headroom_bits: int = 0
    """Fraction bits each layer's 16-bit format gives up below the most its calibrated peak allows (bits)."""
    raw_output: bool = False
    """Store the final output layer as plain 16-bit (codec 'none'), for a host that reads it uncompressed."""
    base_dir: Path | None = None
    """Folder that relative image and weight paths are resolved against (None: the working directory)."""
