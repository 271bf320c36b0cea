"""Real input images: scikit-image's bundled photos or the user's files, made to the model's size.

How an input of H×W is made (and said, in ``InputImage.how``):

- classifiers: the ImageNet recipe — resize the shorter side to H·256/224 (antialiased), then a
  centre crop of H×W;
- dense networks: a native-resolution crop when an image covers H×W; otherwise a *mosaic* of
  native-resolution 256×256 crops (never upsampled, since upsampling makes smooth maps that
  flatter frequency-domain codecs), each tile a seeded random crop of a seeded random image.

Frame ``i`` uses a different image (classifiers) or a different mosaic (dense), so frame-to-frame
variation of compressed sizes is real. Grey images are replicated to three channels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from socsim.errors import WorkloadError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".webp"}
MOSAIC_TILE = 256

# Bundled photos of scikit-image that need no download (natural scenes first).
SKIMAGE_PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "retina",
    "motorcycle_left",
    "motorcycle_right",
    "camera",
    "coins",
    "moon",
    "page",
    "text",
    "horse",
    "grass",
    "gravel",
    "brick",
    "colorwheel",
)


@dataclass(frozen=True)
class SourceImage:
    """A real photo at its native resolution."""

    name: str
    """Where it came from, e.g. 'skimage:coffee' or a file path."""
    pixels: np.ndarray
    """H×W×3 uint8 RGB."""


@dataclass(frozen=True)
class InputImage:
    """One network input and how it was made."""

    pixels: np.ndarray
    """H×W×3 uint8 RGB at the network's input size."""
    how: str
    """One line saying how it was made from which sources."""

    @property
    def sha256(self) -> str:
        """Hash of the pixels and shape (the cache key of this input)."""
        h = hashlib.sha256(str(self.pixels.shape).encode())
        h.update(np.ascontiguousarray(self.pixels).tobytes())
        return h.hexdigest()


def _rgb(img: np.ndarray) -> np.ndarray:
    """Any decoded image as H×W×3 uint8: bool → 0/255, 16-bit → top 8 bits (rounded), floats in
    [0, 1] scaled by 255, grey (with or without alpha) replicated, alpha dropped."""
    img = np.asarray(img)
    if img.ndim not in (2, 3) or img.size == 0 or (img.ndim == 3 and img.shape[2] not in (1, 2, 3, 4)):
        raise ValueError(f"not a 2-D grey or colour image (array shape {img.shape})")
    if img.dtype != np.uint8:
        if img.dtype == bool:
            img = img.astype(np.uint8) * 255
        elif img.dtype == np.uint16:
            img = np.round(img.astype(np.float64) / 257.0).astype(np.uint8)
        else:
            scale = 255.0 if img.max() <= 1.0 else 1.0
            img = np.clip(img.astype(np.float64) * scale, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] in (2, 4):
        img = img[:, :, : img.shape[2] - 1]  # drop alpha
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img)


def _skimage(name: str) -> SourceImage:
    import skimage.data

    fn = getattr(skimage.data, name, None)
    if fn is None:
        raise WorkloadError(f"workload.images='skimage:{name}': no such scikit-image image")
    try:
        pixels = fn()
    except Exception as exc:  # skimage raises various errors when an image needs a download
        raise WorkloadError(f"workload.images='skimage:{name}': not available offline ({type(exc).__name__})") from None
    return SourceImage(f"skimage:{name}", _rgb(pixels))


def _file(path: Path) -> SourceImage:
    import skimage.io

    try:
        return SourceImage(str(path), _rgb(skimage.io.imread(path)))
    except Exception as exc:  # decoders raise many types (OSError, ValueError, struct.error, ...) on bad files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkloadError(f"workload.images={str(path)!r}: cannot read image ({first})") from None


def load_sources(specs: list[str], base_dir: Path) -> list[SourceImage]:
    """Every photo named by the scenario's ``workload.images`` entries, in order."""
    out: list[SourceImage] = []
    for spec in specs:
        if spec == "skimage":
            for name in SKIMAGE_PHOTOS:
                try:
                    out.append(_skimage(name))
                except WorkloadError:
                    continue
        elif spec.startswith("skimage:"):
            out.append(_skimage(spec.partition(":")[2]))
        else:
            p = Path(spec).expanduser()
            p = p if p.is_absolute() else base_dir / p
            if p.is_dir():
                files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
                if not files:
                    raise WorkloadError(f"workload.images={spec!r}: folder holds no images")
                out.extend(_file(f) for f in files)
            elif p.is_file():
                out.append(_file(p))
            else:
                raise WorkloadError(f"workload.images={spec!r}: file or folder not found")
    if not out:
        raise WorkloadError("workload.images: no usable images")
    return out


def imagenet_resize(pixels: np.ndarray, height: int, width: int):
    """The ImageNet recipe's resize of H×W×3 pixels: shorter side to height·256/224 (antialiased),
    never below height×width; returns (1×3×nh×nw float tensor, the shorter side in pixels)."""
    import torch
    import torch.nn.functional as F

    h, w = pixels.shape[:2]
    short = round(max(height, width) * 256 / 224)
    scale = short / min(h, w)
    nh, nw = max(height, round(h * scale)), max(width, round(w * scale))
    t = torch.from_numpy(pixels).permute(2, 0, 1)[None].float()
    return F.interpolate(t, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False), short


def classifier_input(src: SourceImage, height: int, width: int) -> InputImage:
    """ImageNet preprocessing: shorter side resized to height·256/224, centre crop height×width."""
    h, w = src.pixels.shape[:2]
    t, short = imagenet_resize(src.pixels, height, width)
    nh, nw = t.shape[2], t.shape[3]
    top, left = (nh - height) // 2, (nw - width) // 2
    crop = t[0, :, top : top + height, left : left + width].round().clamp(0, 255).byte()
    return InputImage(
        crop.permute(1, 2, 0).contiguous().numpy(),
        f"{src.name} {w}×{h}: resize shorter side to {short}, centre crop {width}×{height}",
    )


def dense_input(sources: list[SourceImage], height: int, width: int, rng: np.random.Generator) -> InputImage:
    """A native-resolution crop if one image covers height×width, else a mosaic of native crops."""
    big = [s for s in sources if s.pixels.shape[0] >= height and s.pixels.shape[1] >= width]
    if big:
        src = big[rng.integers(len(big))]
        h, w = src.pixels.shape[:2]
        top, left = int(rng.integers(h - height + 1)), int(rng.integers(w - width + 1))
        return InputImage(
            np.ascontiguousarray(src.pixels[top : top + height, left : left + width]),
            f"native crop {width}×{height} at ({left},{top}) of {src.name}",
        )
    th, tw = min(MOSAIC_TILE, height), min(MOSAIC_TILE, width)
    usable = [s for s in sources if s.pixels.shape[0] >= th and s.pixels.shape[1] >= tw]
    if not usable:
        raise WorkloadError(
            f"workload.images: no image is at least {tw}×{th} pixels, needed for a {width}×{height} mosaic"
        )
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    used: list[str] = []
    for top in range(0, height, th):
        for left in range(0, width, tw):
            hh, ww = min(th, height - top), min(tw, width - left)
            src = usable[rng.integers(len(usable))]
            sh, sw = src.pixels.shape[:2]
            y, x = int(rng.integers(sh - hh + 1)), int(rng.integers(sw - ww + 1))
            canvas[top : top + hh, left : left + ww] = src.pixels[y : y + hh, x : x + ww]
            used.append(src.name.removeprefix("skimage:"))
    rows, cols = -(-height // th), -(-width // tw)
    names = ", ".join(sorted(set(used)))
    return InputImage(canvas, f"mosaic {cols}×{rows} of native {tw}×{th} crops from {names}")


def make_inputs(
    specs: list[str], base_dir: Path, frames: int, height: int, width: int, classifier: bool, seed: int
) -> list[InputImage]:
    """One input per frame; the same arguments always give the same pixels."""
    sources = load_sources(specs, base_dir)
    if classifier:
        return [classifier_input(sources[i % len(sources)], height, width) for i in range(frames)]
    rng = np.random.default_rng(seed)
    return [dense_input(sources, height, width, rng) for _ in range(frames)]


def sources_identity(specs: list[str], base_dir: Path) -> list[str]:
    """Cheap identity of the scenario's image sources (for cache keys), without decoding them."""
    ident: list[str] = []
    for spec in specs:
        if spec == "skimage" or spec.startswith("skimage:"):
            import skimage

            ident.append(f"{spec}@scikit-image-{skimage.__version__}")
            continue
        p = Path(spec).expanduser()
        p = p if p.is_absolute() else base_dir / p
        if not p.exists():
            raise WorkloadError(f"workload.images={spec!r}: file or folder not found")
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) if p.is_dir() else [p]
        for f in files:
            ident.append(f"{f.name}:{_file_sha256(f)}")
    return ident


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
