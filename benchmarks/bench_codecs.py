"""Throughput of the codecs' size paths on a large stand-in feature map, next to a plain copy.

Run: .venv/bin/python benchmarks/bench_codecs.py [--channels 64 --height 1024 --width 2048]

The map is a seeded ReLU of smooth noise (bilinear upsampling of coarse Gaussian noise plus a
little fine noise), about 55 % zeros, in int16. For each codec it prints the GB/s of raw int16
input that ``unit_sizes_bits`` sizes per transfer unit, the GB/s of ``fmap.copy()`` measured right
before it, and their ratio; for dct, whose size depends on the shape only, it also prints the GB/s
of a real ``encode`` (tiling, transform, quantization, bitstream) of the whole map. Best of
``--repeat`` runs; no figure is asserted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from socsim.codecs.base import TransferUnit
from socsim.codecs.registry import get_codec

CODECS = ["rle", "spm", "zvc", "dct"]
UNITS = {
    "channel": TransferUnit(kind="channel"),
    "map": TransferUnit(kind="map"),
    "chunk4096": TransferUnit(kind="chunk", chunk_bytes=4096),
    "rows8": TransferUnit(kind="rows", rows=8),
}


def smooth_relu_map(channels: int, height: int, width: int, seed: int = 0, zero_frac: float = 0.55) -> np.ndarray:
    """A C×H×W int16 map: ReLU of smooth noise, ``zero_frac`` of it zero (seeded, numpy only)."""
    rng = np.random.default_rng(seed)
    coarse_h, coarse_w = height // 16 + 2, width // 16 + 2
    rows = _linear_upsample(coarse_h, height)
    cols = _linear_upsample(coarse_w, width)
    out = np.empty((channels, height, width), dtype=np.int16)
    for c in range(channels):
        smooth = rows @ rng.standard_normal((coarse_h, coarse_w), dtype=np.float32) @ cols.T
        smooth += 0.05 * rng.standard_normal((height, width), dtype=np.float32)
        threshold = np.quantile(smooth[::8, ::8], zero_frac)
        np.clip((smooth - threshold) * 2000.0, 0, 32767, out=smooth)
        out[c] = smooth
    return out


def _linear_upsample(n_in: int, n_out: int) -> np.ndarray:
    """Matrix (n_out, n_in) of linear interpolation from n_in samples onto n_out points."""
    pos = np.linspace(0, n_in - 1.001, n_out)
    lo = np.floor(pos).astype(np.int64)
    frac = (pos - lo).astype(np.float32)
    m = np.zeros((n_out, n_in), dtype=np.float32)
    m[np.arange(n_out), lo] = 1 - frac
    m[np.arange(n_out), lo + 1] = frac
    return m


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls (s)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    t = time.perf_counter()
    fmap = smooth_relu_map(args.channels, args.height, args.width, args.seed)
    gb = fmap.nbytes / 1e9
    print(
        f"map {fmap.shape} int16, {fmap.nbytes / 2**20:.0f} MiB, {np.mean(fmap == 0):.1%} zeros "
        f"(built in {time.perf_counter() - t:.1f} s); best of {args.repeat}"
    )
    header = f"{'codec':6} {'unit':10} {'size/raw':>8} {'s':>7} {'GB/s':>7} {'copy GB/s':>9} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name in CODECS:
        codec = get_codec(name)
        for unit_name, unit in UNITS.items():
            copy_s = best_seconds(fmap.copy, args.repeat)
            sizes = codec.unit_sizes_bits(fmap, unit)
            size_s = best_seconds(lambda: codec.unit_sizes_bits(fmap, unit), args.repeat)
            ratio = sizes.sum() / (16 * fmap.size)
            print(
                f"{name:6} {unit_name:10} {ratio:8.3f} {size_s:7.3f} {gb / size_s:7.2f} "
                f"{gb / copy_s:9.2f} {copy_s / size_s:6.3f}"
            )
        if name == "dct":
            copy_s = best_seconds(fmap.copy, args.repeat)
            enc_s = best_seconds(lambda: codec.encode(fmap), args.repeat)
            print(
                f"{name:6} {'encode':10} {'':8} {enc_s:7.3f} {gb / enc_s:7.2f} {gb / copy_s:9.2f} {copy_s / enc_s:6.3f}"
            )
    print("GB/s: raw int16 input bytes per second (1e9 B/s); ratio: copy time / codec time.")


if __name__ == "__main__":
    main()
