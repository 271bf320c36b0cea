"""Zeros in the 16-bit quantized layer outputs: trained against random weights, on the same real images.

For each model the same inputs (``images.make_inputs`` over scikit-image's bundled photos, seed 0)
go through the model twice, once with trained and once with random weights (seed 0), captured by
``socsim.workload.capture.capture`` with no codec. A value counts as zero when it quantizes to 0 in
its layer's 16-bit format (calibrated on frame 0, see ``capture``), so tiny values count too.
Prints the element-weighted zero fraction over all layers and frames (and its range over frames),
then per layer. Models: mobilenet_v2 at 224×224 (ImageNet centre crops of astronaut, coffee,
chelsea), craft and fcn8s at a reduced resolution (default 1024×512, W×H). The dense models' inputs
are mosaics of native 256×256 crops, like the 2048×1024 scenario's frames: the default sources
leave out 'retina', the one photo large enough to be cropped whole at 1024×512, whose black
surround would otherwise fill every frame.

Usage: python benchmarks/sparsity.py [--height 512] [--width 1024] [--frames 3] [--models ...]
                                     [--images skimage:coffee,...] [--no-layers]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "mobilenet_v2": "trained:torchvision-imagenet",
    "craft": "trained:easyocr-craft",
    "fcn8s": "trained:craft-encoder",
}
"""Model → its trained weight source, compared with 'random' (seed 0)."""


def _zeros(model_name: str, weights: str, images, seed: int) -> tuple[str, list[str], list[dict[str, tuple[int, int]]]]:
    """(weights source, layer names, per frame: layer → (zeros, elements)) of one capture."""
    import torch

    from socsim.codecs.base import TransferUnit
    from socsim.workload.capture import capture
    from socsim.workload.weights import build_model

    model, info, winfo = build_model(model_name, weights, seed)
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    xs = ((torch.from_numpy(img.pixels).permute(2, 0, 1)[None].float().div_(255.0) - mean) / std for img in images)
    cap = capture(model, xs, [], TransferUnit())
    frames = [{name: (s.zeros, s.elements) for name, s in frame.items()} for frame in cap.frames]
    return winfo.source, [layer.name for layer in cap.graph.layers], frames


def _fraction(pairs) -> float:
    """Zeros / elements summed over (zeros, elements) pairs."""
    pairs = list(pairs)
    zeros = sum(z for z, _ in pairs)
    elements = sum(n for _, n in pairs)
    return zeros / elements if elements else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=512, help="input height of the dense models (pixels)")
    parser.add_argument("--width", type=int, default=1024, help="input width of the dense models (pixels)")
    parser.add_argument("--frames", type=int, default=3, help="real images per model")
    parser.add_argument("--models", default=",".join(CASES), help="comma-separated subset of " + ",".join(CASES))
    parser.add_argument("--images", default=None, help="comma-separated workload.images specs of the dense models")
    parser.add_argument("--no-layers", action="store_true", help="print only the per-model summary")
    args = parser.parse_args()

    import torch

    from socsim.workload.images import SKIMAGE_PHOTOS, make_inputs
    from socsim.workload.models import MODELS

    import skimage.data

    bundled = [f"skimage:{p}" for p in SKIMAGE_PHOTOS if p != "retina" and hasattr(skimage.data, p)]
    dense_images = args.images.split(",") if args.images else bundled

    torch.set_num_threads(2)
    summary: list[str] = []
    for name in args.models.split(","):
        info = MODELS[name]
        classifier = info.task == "classification"
        h, w = info.input_hw if classifier else (args.height, args.width)
        images = make_inputs(["skimage"] if classifier else dense_images, ROOT, args.frames, h, w, classifier, seed=0)
        t0 = time.perf_counter()
        trained_src, layers, trained = _zeros(name, CASES[name], images, seed=0)
        random_src, _, random = _zeros(name, "random", images, seed=0)
        seconds = time.perf_counter() - t0
        print(f"== {name} at {w}×{h} (W×H), {args.frames} frames ({seconds:.0f} s)")
        for i, img in enumerate(images):
            print(f"   input {i}: {img.how}")
        rows = []
        for src, frames in ((trained_src, trained), (random_src, random)):
            total = _fraction(p for f in frames for p in f.values())
            per_frame = [_fraction(f.values()) for f in frames]
            rows.append(total)
            summary.append(f"{name:13s} {f'{w}×{h}':11s} {src:30s} {total:7.1%}   {min(per_frame):6.1%} – {max(per_frame):6.1%}")
        if not args.no_layers:
            print(f"   {'layer':28s} {'elements':>12s} {'trained':>8s} {'random':>8s}")
            for layer in layers:
                n = trained[0][layer][1]
                tz = _fraction(f[layer] for f in trained)
                rz = _fraction(f[layer] for f in random)
                print(f"   {layer:28s} {n:12,d} {tz:8.1%} {rz:8.1%}")
        print(f"   all layers (element-weighted): trained {rows[0]:.1%}, random {rows[1]:.1%}")
    print()
    print("zeros in 16-bit quantized layer outputs (element-weighted over all layers and frames)")
    print(f"{'model':13s} {'W×H':11s} {'weights':30s} {'zeros':>7s}   {'range over frames':>17s}")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
