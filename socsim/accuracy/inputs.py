"""The real images an accuracy study runs on: classifiers take the ImageNet recipe of
``make_inputs`` for the first frame of each photo and further *views* of the same photos for later
frames (corner crops, then mirrored crops); text detectors take mosaics of text-bearing photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from socsim.errors import WorkloadError
from socsim.workload.images import InputImage, SourceImage, imagenet_resize

TEXT_MOSAIC = "skimage-text"
"""Image spec for text-bearing mosaics (``text_mosaics``): the default inputs of text detectors."""
TEXT_PHOTOS = ("skimage:text", "skimage:page")
"""Bundled scikit-image photos that show printed text."""
TEXT_TILE = (160, 384)
"""Mosaic tile (height, width) of ``text_mosaics``: both text photos cover it at native resolution."""
DEFAULT_IMAGES = {"craft": (TEXT_MOSAIC,)}
"""Image specs per model when none are given (others: ('skimage',))."""
VIEWS = (
    (False, "top-left"), (False, "top-right"), (False, "bottom-left"), (False, "bottom-right"),
    (True, "centre"), (True, "top-left"), (True, "top-right"), (True, "bottom-left"), (True, "bottom-right"),
)
"""Views 1–9 of a photo for classifiers (view 0 is ``make_inputs``'s centre crop): (mirrored, crop)."""


def study_images(
    specs: list[str], base_dir: Path, height: int, width: int, frames: int, seed: int, classifier: bool
) -> list[InputImage]:
    """``frames`` inputs of height×width pixels from the image ``specs``: ``make_inputs``'s, then for
    classifiers ``classifier_views`` of the same photos once each photo has had its centre crop;
    ['skimage-text'] gives ``text_mosaics`` and cannot be mixed with other specs."""
    from socsim.workload.images import load_sources, make_inputs

    if TEXT_MOSAIC in specs:
        if specs != [TEXT_MOSAIC]:
            raise WorkloadError(f"images={','.join(specs)!r}: {TEXT_MOSAIC!r} cannot be mixed with other sources")
        return text_mosaics(base_dir, height, width, frames, seed)
    sources = load_sources(specs, base_dir)
    count = min(frames, len(sources)) if classifier else frames
    made = make_inputs(specs, base_dir, count, height, width, classifier, seed)
    if classifier and frames > len(made):
        made += classifier_views(sources, height, width, frames - len(made))
    return made


def text_mosaics(base_dir: Path, height: int, width: int, frames: int, seed: int) -> list[InputImage]:
    """Inputs for text detectors: mosaics of native-resolution ``TEXT_TILE`` crops (clipped at the
    right and bottom edges), tile (r, c) cut from a text photo (``TEXT_PHOTOS``) when r + c is even
    and from another bundled photo otherwise; photo and crop position seeded by ``seed``."""
    from socsim.workload.images import load_sources

    th, tw = min(TEXT_TILE[0], height), min(TEXT_TILE[1], width)
    sources = load_sources(["skimage"], base_dir)
    fits = [s for s in sources if s.pixels.shape[0] >= th and s.pixels.shape[1] >= tw]
    text = [s for s in fits if s.name in TEXT_PHOTOS]
    other = [s for s in fits if s.name not in TEXT_PHOTOS]
    if not text or not other:
        raise WorkloadError(f"images={TEXT_MOSAIC!r}: scikit-image's text photos are not available")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(frames):
        canvas = np.empty((height, width, 3), dtype=np.uint8)
        used: list[str] = []
        for r, top in enumerate(range(0, height, th)):
            for c, left in enumerate(range(0, width, tw)):
                pool = text if (r + c) % 2 == 0 else other
                src = pool[rng.integers(len(pool))]
                hh, ww = min(th, height - top), min(tw, width - left)
                sh, sw = src.pixels.shape[:2]
                y, x = int(rng.integers(sh - hh + 1)), int(rng.integers(sw - ww + 1))
                canvas[top : top + hh, left : left + ww] = src.pixels[y : y + hh, x : x + ww]
                used.append(src.name.removeprefix("skimage:"))
        rows, cols = -(-height // th), -(-width // tw)
        out.append(InputImage(canvas, f"text mosaic {cols}×{rows} of native {tw}×{th} crops, text photos on even "
                                      f"tiles: {', '.join(used)}"))
    return out


def classifier_views(sources: list[SourceImage], height: int, width: int, count: int) -> list[InputImage]:
    """``count`` further classifier inputs from the photos: frame P·v + p (P photos, frame p < P being
    the centre crop) is view v of photo p, resized as in ImageNet's recipe (shorter side to
    height·256/224) and cropped as ``VIEWS[v - 1]`` says."""
    out: list[InputImage] = []
    p = len(sources)
    if count > len(VIEWS) * p:
        raise WorkloadError(f"frames: at most {(len(VIEWS) + 1) * p} classifier inputs from {p} photos")
    for i in range(count):
        src = sources[i % p]
        mirrored, where = VIEWS[i // p]
        h, w = src.pixels.shape[:2]
        t, short = imagenet_resize(src.pixels, height, width)
        nh, nw = t.shape[2], t.shape[3]
        if mirrored:
            t = t.flip(3)
        top = {"top": 0, "bottom": nh - height}.get(where.split("-")[0], (nh - height) // 2)
        left = {"left": 0, "right": nw - width}.get(where.split("-")[-1], (nw - width) // 2)
        crop = t[0, :, top : top + height, left : left + width].round().clamp(0, 255).byte()
        out.append(InputImage(
            crop.permute(1, 2, 0).contiguous().numpy(),
            f"{src.name} {w}×{h}: resize shorter side to {short}, {'mirrored, ' if mirrored else ''}"
            f"{where} crop {width}×{height}",
        ))
    return out
