"""Checking the options of ``socsim train-masks``: each bad value gives a one-line ``SocsimError``
naming the option."""

from __future__ import annotations

from socsim.codecs.masks import TILE_SIZES
from socsim.errors import SocsimError


def parse_input_size(text: str) -> tuple[int, int]:
    """'256x256' (height × width, 'x' or '×', multiples of 32) as (height, width); one-line error otherwise."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        h, w = (int(p) for p in parts)
    except ValueError:
        raise SocsimError(f"--input={text!r}: expected HEIGHTxWIDTH in pixels, e.g. 256x256") from None
    if h <= 0 or w <= 0 or h % 32 or w % 32:
        raise SocsimError(f"--input={text!r}: height and width must be positive multiples of 32")
    return h, w


def check_options(target: float, n: int, frames: int, epochs: int, batch: int, lr: float, penalty: float) -> None:
    """Raise a one-line ``SocsimError`` naming the first out-of-range training option."""
    checks = [
        (0.0 < target < 1.0, f"--target-reduction={target}: must be a fraction in (0, 1), e.g. 0.671875"),
        (n in TILE_SIZES, f"--n={n}: must be one of {', '.join(map(str, TILE_SIZES))}"),
        (frames >= 1, f"--frames={frames}: must be >= 1"),
        (epochs >= 0, f"--epochs={epochs}: must be >= 0"),
        (batch >= 1, f"--batch={batch}: must be >= 1"),
        (lr > 0.0, f"--lr={lr}: must be > 0"),
        (penalty >= 0.0, f"--penalty={penalty}: must be >= 0"),
    ]
    for ok, message in checks:
        if not ok:
            raise SocsimError(message)
