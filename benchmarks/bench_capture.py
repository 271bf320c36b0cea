"""Capture cost against the bare forward pass: FCN8s with trained:craft-encoder weights on one real frame.

Every mode runs in a fresh subprocess, so each peak RSS (``ru_maxrss`` of the whole process,
target ≤ 4 GB) is its own. ``forward`` is the bare PyTorch forward pass (``torch.inference_mode``,
``model(x)``) and its peak RSS. ``capture:<codec>`` is socsim's capture of the same frame
(calibration, 16-bit quantization, zero/saturation counts, per-channel transfer-unit sizes for that
codec); its peak RSS is read after the first capture, before anything else runs in that process.

Times are paired: each capture process alternates capture and bare forward ``--repeat`` times, and
the ratio (target ≤ 2×) is the median of capture_i / forward_i. Pairing keeps the ratio honest on
a shared machine, where other processes slow both alike; the 1-min load average is printed too.

Usage: python benchmarks/bench_capture.py [--height 1024] [--width 2048] [--repeat 3]
                                          [--codecs none,rle,spm,zvc,dct]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = "fcn8s"
WEIGHTS = "trained:craft-encoder"
WANTED_CODECS = ("none", "rle", "spm", "zvc", "dct")


def _peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (bytes; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(mode: str, height: int, width: int, threads: int, repeat: int) -> dict:
    """Build the model and input, run the mode (paired with bare forwards) and return its figures."""
    import torch

    from socsim.codecs.base import TransferUnit
    from socsim.codecs.registry import get_codec
    from socsim.workload.capture import capture
    from socsim.workload.images import make_inputs
    from socsim.workload.weights import build_model

    torch.set_num_threads(threads)
    model, info, winfo = build_model(MODEL, WEIGHTS, seed=0)
    (image,) = make_inputs(["skimage"], ROOT, 1, height, width, classifier=False, seed=0)
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    x = (torch.from_numpy(image.pixels).permute(2, 0, 1)[None].float().div_(255.0) - mean) / std
    rss_setup = _peak_rss_bytes()

    def forward() -> float:
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model(x)
        del out
        return time.perf_counter() - t0

    if mode == "forward":
        forwards_s = [forward() for _ in range(repeat)]
        return {"mode": mode, "walls_s": forwards_s, "forwards_s": forwards_s, "peak_rss_bytes": _peak_rss_bytes(),
                "rss_setup_bytes": rss_setup, "detail": "model(x) under inference_mode", "weights": winfo.source,
                "input": image.how, "threads": torch.get_num_threads()}
    codec = get_codec(mode.partition(":")[2])
    walls_s, forwards_s, peak_rss = [], [], 0
    for i in range(repeat):
        t0 = time.perf_counter()
        cap = capture(model, [x], [codec], TransferUnit(kind="channel"))
        walls_s.append(time.perf_counter() - t0)
        if i == 0:
            peak_rss = _peak_rss_bytes()
            frame = cap.frames[0]
            elements = sum(s.elements for s in frame.values())
            zeros = sum(s.zeros for s in frame.values())
            bits = sum(int(s.unit_bits[codec.key].sum()) for s in frame.values())
            detail = (f"{len(frame)} layers, {2 * elements / 1e9:.3f} GB raw, {zeros / elements:.1%} zeros, "
                      f"{codec.key} {bits / 8 / 1e9:.3f} GB")
        del cap
        forwards_s.append(forward())
    return {"mode": mode, "walls_s": walls_s, "forwards_s": forwards_s, "peak_rss_bytes": peak_rss,
            "rss_setup_bytes": rss_setup, "detail": detail, "weights": winfo.source, "input": image.how,
            "threads": torch.get_num_threads()}


def _run_child(mode: str, args: argparse.Namespace) -> dict:
    """Run one mode in a fresh interpreter and parse its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--height", str(args.height),
           "--width", str(args.width), "--threads", str(args.threads), "--repeat", str(args.repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{mode}: child failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=1024, help="input height in pixels (multiple of 32)")
    parser.add_argument("--width", type=int, default=2048, help="input width in pixels (multiple of 32)")
    parser.add_argument("--codecs", default=",".join(WANTED_CODECS), help="comma-separated codecs to capture with")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads in every mode")
    parser.add_argument("--repeat", type=int, default=3, help="capture/forward pairs per mode")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.height, args.width, args.threads, args.repeat)))
        return

    from socsim.codecs.registry import available

    registered = available()
    codecs = [c for c in args.codecs.split(",") if c in registered]
    skipped = [c for c in args.codecs.split(",") if c not in registered]
    load_before = os.getloadavg()[0]
    results = [_run_child("forward", args)] + [_run_child(f"capture:{c}", args) for c in codecs]
    load_after = os.getloadavg()[0]
    print(f"{MODEL} {args.width}×{args.height} (W×H), weights {results[0]['weights']}, "
          f"{results[0]['threads']} threads, {args.repeat} runs per mode")
    print(f"input: {results[0]['input']}")
    print(f"1-min load average {load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} CPUs")
    print(f"{'mode':16s} {'min s':>7s} {'median s':>9s} {'paired fwd s':>13s} {'× fwd':>6s} {'peak RSS GB':>12s}  detail")
    for r in results:
        ratios = [c / f for c, f in zip(r["walls_s"], r["forwards_s"])]
        print(f"{r['mode']:16s} {min(r['walls_s']):7.2f} {statistics.median(r['walls_s']):9.2f} "
              f"{statistics.median(r['forwards_s']):13.2f} {statistics.median(ratios):6.2f} "
              f"{r['peak_rss_bytes'] / 1e9:12.2f}  {r['detail']}")
    print(f"(model and input alone: {results[0]['rss_setup_bytes'] / 1e9:.2f} GB RSS)")
    if skipped:
        print(f"codecs not registered, skipped: {', '.join(skipped)}")
    print("targets: capture ≤ 2.0× forward (median of paired ratios), peak RSS ≤ 4 GB (whole process)")


if __name__ == "__main__":
    main()
