"""Saving a mask selection as the masks file that ``dct-adaptive`` reads (format and loading:
``socsim.codecs.masks``)."""

from __future__ import annotations

from pathlib import Path

from socsim.codecs.masks import masks_json
from socsim.training.selection import Selection


def masks_document(model: str, target: float, selection: Selection, trained_on: str, n: int) -> str:
    """The masks file text for a selection (deterministic: no times or host names)."""
    return masks_json(
        n,
        selection.masks,
        model=model,
        target_reduction=target,
        achieved_reduction=round(selection.achieved, 6),
        threshold=round(selection.threshold, 6),
        trained_on=trained_on,
    )


def write_masks(path: Path, text: str) -> None:
    """Write a masks file atomically (temporary file in the same folder, then a rename)."""
    from socsim.fileio import atomic_write_bytes

    atomic_write_bytes(Path(path), text.encode())
