"""Accuracy cost of the codecs on trained MobileNetV2 (224×224, real photos) and trained CRAFT
(text mosaics): prints the tables, the best guaranteed-4× configuration, whether the paper's
qualitative findings hold, and the dct-bits allocation; writes CSV and PNG per model.

    .venv/bin/python benchmarks/accuracy_sweep.py [--mnv2-frames 64] [--craft-input 384x768]
        [--craft-frames 3] [--threads 1] [--out results/accuracy_sweep]

About 8 minutes on 2 cores. MobileNetV2 inputs: the 16 scikit-image photos that ship offline
(ImageNet recipe), then corner and mirrored views of the same photos when --mnv2-frames > 16.
CRAFT inputs: mosaics of native 384×160 crops, text photos (skimage text, page) on alternate tiles.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

KS = (6, 10, 15, 21, 28, 36)
MNV2_CODECS = [
    "none", "rle", "spm", "zvc",
    *(f"dct:n=auto,keep={k}" for k in KS),
    "dct:n=auto,keep=13",
    "hybrid:n=auto,keep=13", "hybrid:n=auto,keep=21",
    *(f"dct-bits:n=auto,bits={p}" for p in ("4x", "3.5x", "paper", "2.5x", "2x")),
]
CRAFT_CODECS = ["none", *(f"dct:keep={k}" for k in (10, 15, 21, 28)), "hybrid:keep=21", "dct-bits:bits=paper"]
CRAFT_RAW_OUTPUT = ["dct:keep=21", "hybrid:keep=21", "dct-bits:bits=paper"]


def table(report) -> None:
    """Print one line per codec: reduction, worst case, metrics, minimum layer SQNR, time."""
    from socsim.accuracy.report import summary_rows

    keys = ("top1", "top5", "kl", "top1_confident") if report.task == "classification" else ("miou", "text_iou")
    if report.task == "classification":
        sure = int(report.results[0].metrics["confident_frames"])
        print(f"(top1conf: top-1 agreement on the {sure} inputs where the uncompressed model's top "
              "softmax probability is >= 0.5)")
    titles = " ".join(f"{k.replace('_confident', 'conf'):>8s}" for k in keys)
    print(f"{'codec':28s} {'saved%':>7s} {'worst%':>7s} {'guar':>4s} {titles} {'minSQNR':>8s} {'s':>6s}")
    for row in summary_rows(report):
        metrics = " ".join(f"{100 * row[k]:8.2f}" if k != "kl" else f"{row[k]:8.4f}" for k in keys)
        sq = row["min_codec_sqnr_db"]
        print(f"{row['codec']:28s} {row['reduction_pct']:7.2f} {row['worst_case_reduction_pct']:7.2f} "
              f"{'yes' if row['guaranteed'] else 'no':>4s} {metrics} {'exact' if sq is None else f'{sq:8.1f}':>8s} "
              f"{row['seconds']:6.1f}")


def paper_findings(report) -> None:
    """RLE expands some early layers; SPM beats RLE overall; DCT removes more per layer than both."""
    rle, spm = report.result("rle"), report.result("spm")
    dct = report.result("dct:n=auto,keep=21")
    expanded = [layer.name for layer in rle.layers if layer.reduction < 0]
    print(f"RLE expands {len(expanded)} of {len(rle.layers)} layers: {', '.join(expanded[:8])}"
          f"{' ...' if len(expanded) > 8 else ''}")
    first = [layer.reduction for layer in rle.layers[:4]]
    print(f"  RLE on the first four layers: {', '.join(f'{100 * f:.1f} %' for f in first)}")
    print(f"SPM {100 * spm.reduction:.2f} % vs RLE {100 * rle.reduction:.2f} % overall: "
          f"{'holds' if spm.reduction > rle.reduction else 'does NOT hold'}")
    more = [d.reduction > max(r.reduction, s.reduction) for d, r, s in zip(dct.layers, rle.layers, spm.layers)]
    spatial = [m for m, layer in zip(more, dct.layers) if layer.shape[1] > 1]
    print(f"DCT k=21 (n=auto) removes more than RLE and SPM on {sum(more)} of {len(more)} layers "
          f"({sum(spatial)} of {len(spatial)} with H > 1; 1x1 maps pad to a whole tile)")


def best_guaranteed(report, target: float = 0.75) -> None:
    """The guaranteed configuration at >= target reduction with the highest top-1 agreement."""
    ok = [r for r in report.results if not r.lossless and r.worst_case_reduction >= target]
    if not ok:
        print(f"no configuration reaches a guaranteed {100 * target:.0f} %")
        return
    best = max(ok, key=lambda r: (r.metrics["top1"], -r.metrics["kl"]))
    loss = 1.0 - best.metrics["top1"]
    frames = len(report.inputs)
    print(f"best guaranteed >= {100 * target:.0f} %: {best.text} (guaranteed {100 * best.worst_case_reduction:.2f} %, "
          f"achieved {100 * best.reduction:.2f} %): top-1 agreement {100 * best.metrics['top1']:.2f} % "
          f"= loss {100 * loss:.2f} % over {frames} inputs ({100 * best.metrics['top1_confident']:.2f} % on the "
          f"confident ones); target <= 1 %: {'MET' if loss <= 0.01 else 'NOT met'}")
    for r in sorted(ok, key=lambda r: -r.metrics["top1"]):
        print(f"  {r.text:28s} guaranteed {100 * r.worst_case_reduction:6.2f} %  top-1 {100 * r.metrics['top1']:6.2f} %"
              f"  KL {r.metrics['kl']:.4f}")


def allocation(frames: int) -> None:
    """Reverse water-filling widths from the coefficient spread of trained MobileNetV2 maps."""
    from pathlib import Path as P

    import torch

    from socsim.accuracy.bitalloc import allocate, coefficient_rms
    from socsim.codecs.base import TransferUnit
    from socsim.codecs.dct_bits import PROFILES, tile_widths
    from socsim.workload.capture import capture
    from socsim.workload.images import make_inputs
    from socsim.workload.weights import build_model

    model, info, _ = build_model("mobilenet_v2", "trained", 0)
    imgs = make_inputs(["skimage"], P.cwd(), frames, 224, 224, True, 0)
    mean, std = torch.tensor(info.mean).view(1, 3, 1, 1), torch.tensor(info.std).view(1, 3, 1, 1)
    xs = [(torch.from_numpy(i.pixels).permute(2, 0, 1)[None].float() / 255 - mean) / std for i in imgs]
    cap = capture(model, xs, [], TransferUnit(), keep_maps=True)
    maps = [m for frame in cap.maps for m in frame.values()]
    for n in (8, 7):
        rms = coefficient_rms(maps, n)
        print(f"{n}x{n} coefficient RMS (dB re DC, zig-zag): "
              + " ".join(f"{20 * math.log10(r / rms[0]):.0f}" for r in rms[:16]) + " ...")
        for name in sorted(PROFILES, key=lambda p: sum(tile_widths(p, n))):
            widths = tile_widths(name, n)
            derived = allocate(rms, sum(widths))
            same = "same as" if tuple(derived) == widths else "differs from"
            print(f"  budget {sum(widths):3d}: {'/'.join(map(str, derived))} ({same} profile {name!r})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnv2-frames", type=int, default=64)
    ap.add_argument("--craft-input", default="384x768")
    ap.add_argument("--craft-frames", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: immune to a busy second core)")
    ap.add_argument("--skip-craft", action="store_true")
    ap.add_argument("--skip-mnv2", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("results/accuracy_sweep"))
    args = ap.parse_args()

    import torch

    from socsim.accuracy.harness import StudySpec, parse_size, run_study
    from socsim.accuracy.report import write_outputs

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    if not args.skip_mnv2:
        print(f"== mobilenet_v2 224x224, trained, {args.mnv2_frames} inputs, map units, output layer compressed")
        mnv2 = run_study(StudySpec("mobilenet_v2", MNV2_CODECS, frames=args.mnv2_frames))
        print("inputs: " + "; ".join(mnv2.inputs[:16]) + ("; + views" if len(mnv2.inputs) > 16 else ""))
        table(mnv2)
        write_outputs(mnv2, args.out / "mobilenet_v2", ["rle", "spm", "zvc", "dct:n=auto,keep=21",
                                                      "dct-bits:n=auto,bits=paper", "hybrid:n=auto,keep=21"])
        print()
        paper_findings(mnv2)
        print()
        best_guaranteed(mnv2)
        print()
        allocation(4)
        print(f"(mobilenet_v2 part: {time.perf_counter() - t0:.0f} s)")
    if args.skip_craft:
        return
    h, w = parse_size(args.craft_input)
    t1 = time.perf_counter()
    print(f"\n== craft {h}x{w}, trained, {args.craft_frames} text mosaics, map units, output layer compressed")
    craft = run_study(StudySpec("craft", CRAFT_CODECS, height=h, width=w, frames=args.craft_frames))
    for how in craft.inputs:
        print(f"input: {how}")
    print(f"text pixels (reference): {100 * craft.result('none').metrics['text_fraction']:.2f} %")
    table(craft)
    write_outputs(craft, args.out / "craft", CRAFT_CODECS[1:])
    print(f"\n== craft {h}x{w}, output layer (score map) stored raw 16-bit")
    raw = run_study(StudySpec("craft", CRAFT_RAW_OUTPUT, height=h, width=w, frames=args.craft_frames, raw_output=True))
    table(raw)
    print(f"(craft part: {time.perf_counter() - t1:.0f} s; total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
