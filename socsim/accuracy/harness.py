"""The accuracy cost of a codec: run the network with decode(encode(x)) on every layer's output and
compare with the uncompressed network on the same real images.

``evaluate`` does, in order:

1. builds the model and its inputs (``socsim.workload``); classifiers take the ImageNet recipe of
   ``make_inputs`` for the first frame of each photo and further *views* of the same photos for
   later frames (corner crops, then mirrored crops; see ``classifier_views``);
2. runs the uncompressed float network once (the reference) and calibrates each layer's 16-bit
   fixed-point format on it: f = ``frac_bits_for(max |x| over all frames)`` — over all evaluation
   inputs rather than the first frame only (``capture``'s rule), so that the ``none`` row measures
   16-bit quantization and not saturation on later frames;
3. for each codec, runs the network again with ``capture``'s ``transform`` on every layer
   (every layer's output goes to DRAM, the network's final output layer included): quantize with
   the calibrated format → ``codec.for_layer(layer)`` encodes each transfer unit on its own →
   decode → dequantize, and the rest of the network uses the result. The final output layer's map
   is round-tripped too (it goes to DRAM like the others; ``raw_output`` stores it as plain 16-bit
   instead) and is what the metrics read. The unit is the whole map by default, so a
   codec's per-unit scale (``dct``'s exponent) is one scale per layer, as in the paper; 'channel'
   units (the scenarios' default) give each channel its own header and scale.

It reports, per codec, against the reference: top-1/top-5 agreement and softmax KL divergence
(classifiers), mIoU of the output labels (dense networks; CRAFT: region score > 0.4, as
EasyOCR's ``low_text``); per layer the SQNR of the codec round trip (int16 map in vs out) and of
the stored map against the layer's float output, the compressed bits (real ``Encoded.nbits``),
the worst case, and the reduction against 16-bit raw. Torch is imported lazily.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from socsim.accuracy import metrics as M
from socsim.codecs.base import Codec, TransferUnit
from socsim.codecs.none import NoneCodec
from socsim.codecs.registry import get_codec, parse_codec_text
from socsim.errors import CodecError, WorkloadError
from socsim.workload.images import imagenet_resize

UNIT_KINDS = ("map", "channel")
TEXT_MOSAIC = "skimage-text"
"""Image spec for text-bearing mosaics (``text_mosaics``): the default inputs of text detectors."""
TEXT_PHOTOS = ("skimage:text", "skimage:page")
"""Bundled scikit-image photos that show printed text."""
TEXT_TILE = (160, 384)
"""Mosaic tile (height, width) of ``text_mosaics``: both text photos cover it at native resolution."""
DEFAULT_IMAGES = {"craft": (TEXT_MOSAIC,)}
"""Image specs per model when none are given (others: ('skimage',))."""
DENSE_LABELS = {"craft": "text where region score (channel 0) > 0.4 (EasyOCR low_text), else background"}
"""How the output map of a dense model becomes per-pixel labels; other dense models: argmax over channels."""


@dataclass
class LayerResult:
    """One layer's compressed size and round-trip quality under one codec, summed over frames."""

    name: str
    kind: str
    shape: tuple[int, int, int]
    """Output map C×H×W (values)."""
    raw_bits: int
    """16 bits per value, summed over frames (bits)."""
    bits: int
    """Encoded size of every transfer unit, summed over frames (bits)."""
    worst_bits: int
    """The codec's worst case for the same units, summed over frames (bits)."""
    codec_sqnr_db: float
    """SQNR of decode(encode(q)) against the int16 map q (dB; inf when exact)."""
    sqnr_db: float
    """SQNR of the dequantized round trip against the layer's float output in this run (dB)."""
    saturated: int
    """Values clamped by the 16-bit format (count, over frames)."""

    @property
    def reduction(self) -> float:
        """Fraction of the raw 16-bit bytes removed (negative when the codec expands the map)."""
        return 1.0 - self.bits / self.raw_bits if self.raw_bits else 0.0


@dataclass
class CodecResult:
    """One codec's accuracy metrics and sizes over the whole network."""

    text: str
    """The codec text as given, e.g. 'dct:keep=21'."""
    key: str
    """The codec's stable key (id and every parameter)."""
    codec_id: str
    lossless: bool
    metrics: dict[str, float]
    """'top1', 'top5', 'kl', 'top1_confident', 'confident_frames' (classifiers) or 'miou',
    'text_iou', 'text_fraction' / 'class_iou_<i>' (dense)."""
    layers: list[LayerResult]
    seconds: float = 0.0

    @property
    def raw_bits(self) -> int:
        return sum(r.raw_bits for r in self.layers)

    @property
    def bits(self) -> int:
        return sum(r.bits for r in self.layers)

    @property
    def worst_bits(self) -> int:
        return sum(r.worst_bits for r in self.layers)

    @property
    def reduction(self) -> float:
        """Fraction of the network's raw 16-bit activation bytes removed, over all frames."""
        return 1.0 - self.bits / self.raw_bits

    @property
    def worst_case_reduction(self) -> float:
        """Reduction the codec guarantees for any input of these shapes (negative: may expand)."""
        return 1.0 - self.worst_bits / self.raw_bits

    @property
    def guaranteed(self) -> bool:
        """Whether the worst case over the whole network is below raw 16-bit for every input."""
        return self.worst_bits < self.raw_bits


@dataclass
class AccuracyReport:
    """Everything ``evaluate`` measured, with what it ran on."""

    model: str
    task: str
    weights: str
    """The weights' one-line note, e.g. 'trained: torchvision MobileNetV2 ImageNet weights'."""
    height: int
    width: int
    unit: str
    inputs: list[str]
    """How each input was made (one line per frame)."""
    label_rule: str
    """How outputs are compared (the classifier label, or the dense labelling rule)."""
    output_layer: str
    raw_output: bool
    """Whether the output layer was stored as plain 16-bit rather than with each codec."""
    results: list[CodecResult]
    seconds: dict[str, float] = field(default_factory=dict)

    def result(self, text: str) -> CodecResult:
        """The result of the codec given as ``text``."""
        for r in self.results:
            if r.text == text:
                return r
        raise KeyError(text)


def split_codec_list(text: str) -> list[str]:
    """Codec texts of a comma-separated list whose codecs may carry comma-separated parameters:
    an item with '=' and no ':' continues the previous codec ('none,dct:n=auto,keep=21,rle' →
    ['none', 'dct:n=auto,keep=21', 'rle']); ';' always separates codecs."""
    out: list[str] = []
    for group in text.split(";"):
        start = len(out)
        for item in (i.strip() for i in group.split(",")):
            if not item:
                continue
            if "=" in item and ":" not in item and len(out) > start and ":" in out[-1]:
                out[-1] += "," + item
            else:
                out.append(item)
    return out


def parse_size(text: str) -> tuple[int, int]:
    """(height, width) from 'HxW' text such as '384x768' (also '×'); raises a one-line WorkloadError."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise WorkloadError(f"input={text!r}: give height x width in pixels, e.g. 224x224")
    return int(parts[0]), int(parts[1])


def parse_ints(text: str, name: str) -> list[int]:
    """Positive integers from a comma-separated list; raises a one-line CodecError naming ``name``."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items or not all(t.isdigit() and int(t) > 0 for t in items):
        raise CodecError(f"{name}={text!r}: give positive integers separated by commas, e.g. 6,10,15,21")
    return [int(t) for t in items]


def parse_codecs(texts: Sequence[str]) -> list[tuple[str, Codec]]:
    """(text, codec) for each codec text, in order without repeats; raises a one-line CodecError."""
    out: list[tuple[str, Codec]] = []
    seen: set[str] = set()
    for text in texts:
        text = text.strip()
        if not text or text in seen:
            continue
        seen.add(text)
        name, params = parse_codec_text(text)
        out.append((text, get_codec(name, params, field=f"codec {text!r}")))
    if not out:
        raise CodecError("codecs: give at least one codec, e.g. 'none,rle,dct:keep=21'")
    return out


def sweep_texts(base: str, ks: Sequence[int]) -> list[str]:
    """Codec texts of a sweep over ``keep``: base 'dct:n=auto' and ks (10, 21) → 'dct:n=auto,keep=10', ...."""
    name, params = parse_codec_text(base)
    params.pop("keep", None)
    head = ",".join(f"{k}={v}" for k, v in params.items())
    return [f"{name}:{head + ',' if head else ''}keep={k}" for k in ks]


def evaluate(
    model_name: str,
    codecs: Sequence[str],
    weights: str = "trained",
    images: Sequence[str] | None = None,
    height: int | None = None,
    width: int | None = None,
    frames: int = 16,
    seed: int = 0,
    unit: str = "map",
    headroom_bits: int = 0,
    raw_output: bool = False,
    base_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AccuracyReport:
    """Accuracy and size of each codec (texts like 'dct:keep=21') on ``frames`` real inputs.

    ``images`` are ``make_inputs`` specs or ['skimage-text'] (``text_mosaics``; the default for
    CRAFT, 'skimage' for the others); ``unit`` is the DMA transfer unit each encode covers ('map'
    or 'channel'); ``raw_output`` stores the final output layer as plain 16-bit (codec 'none')
    instead of with the codec, for when the host reads the output uncompressed;
    ``progress(codec_text, frame, frames)`` is called after each frame of each run.
    """
    import torch

    from socsim.workload.capture import capture, frac_bits_for, layer_graph
    from socsim.workload.images import load_sources, make_inputs
    from socsim.workload.weights import build_model

    if unit not in UNIT_KINDS:
        raise CodecError(f"unit={unit!r}: the accuracy study encodes whole maps or channels ({', '.join(UNIT_KINDS)})")
    if frames < 1:
        raise WorkloadError(f"frames={frames}: must be at least 1")
    chosen = parse_codecs(codecs)
    transfer = TransferUnit(kind=unit)
    for _, codec in chosen:
        codec.check_unit(transfer)
    base_dir = base_dir if base_dir is not None else Path.cwd()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    model, info, winfo = build_model(model_name, weights, seed, base_dir)
    if height is None or width is None:
        if info.input_hw is None:
            raise WorkloadError(f"model={model_name!r}: give the input size (height and width)")
        height, width = height or info.input_hw[0], width or info.input_hw[1]
    classifier = info.task == "classification"
    images = list(images) if images else list(DEFAULT_IMAGES.get(info.name, ("skimage",)))
    if TEXT_MOSAIC in images:
        if images != [TEXT_MOSAIC]:
            raise WorkloadError(f"images={','.join(images)!r}: {TEXT_MOSAIC!r} cannot be mixed with other sources")
        made = text_mosaics(base_dir, height, width, frames, seed)
    else:
        sources = load_sources(images, base_dir)
        count = min(frames, len(sources)) if classifier else frames
        made = [(img.pixels, img.how) for img in make_inputs(images, base_dir, count, height, width, classifier, seed)]
        if classifier and frames > len(made):
            made += classifier_views(sources, height, width, frames - len(made))
    pixels = [p for p, _ in made]
    how = [h for _, h in made]
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    xs = [(torch.from_numpy(p).permute(2, 0, 1)[None].float().div(255.0) - mean) / std for p in pixels]
    graph = layer_graph(model, height, width)
    sinks = [layer.name for layer in graph.layers if not graph.consumers(layer.name)]
    if len(sinks) != 1:
        raise WorkloadError(f"model={model_name!r}: expected one output layer, found {len(sinks)} ({', '.join(sinks)})")
    output = sinks[0]
    shapes = {layer.name: layer.out_shape for layer in graph.layers}
    kinds = {layer.name: layer.kind for layer in graph.layers}
    seconds["setup"] = time.perf_counter() - t0

    # Reference: the float network; per-layer range for calibration and the float output.
    t0 = time.perf_counter()
    peak: dict[str, float] = {}
    ref_out: list[np.ndarray] = []

    def observe(name: str, value: torch.Tensor) -> None:
        low, high = torch.aminmax(value) if value.numel() else (torch.tensor(0.0), torch.tensor(0.0))
        peak[name] = max(peak.get(name, 0.0), -float(low), float(high))
        if name == output:
            ref_out.append(value.detach().reshape(shapes[name]).double().numpy().copy())
        if progress is not None and name == output:
            progress("reference", len(ref_out), len(xs))
        return None

    capture(model, xs, [], transfer, transform=observe)
    frac_bits = {name: frac_bits_for(p, headroom_bits) for name, p in peak.items()}
    seconds["reference"] = time.perf_counter() - t0

    task_rule = DENSE_LABELS.get(info.name, "argmax over output channels") if not classifier else (
        "the uncompressed model's top-1 class"
    )
    results = []
    for text, codec in chosen:
        t0 = time.perf_counter()
        run = _CodecRun(codec, transfer, frac_bits, shapes, output)
        if progress is not None:
            run.on_frame = lambda frame, text=text: progress(text, frame, len(xs))
        if raw_output:
            run.fix_codec(output, NoneCodec())
        capture(model, xs, [], transfer, transform=run.transform)
        if classifier:
            metrics = classifier_metrics(np.stack(ref_out), np.stack(run.outputs))
        else:
            metrics = dense_metrics(ref_out, run.outputs, info.name)
        layers = [
            LayerResult(
                name, kinds[name], shapes[name], acc.raw_bits, acc.bits, acc.worst_bits,
                M.sqnr_db(acc.q_signal, acc.q_noise), M.sqnr_db(acc.x_signal, acc.x_noise), acc.saturated,
            )
            for name, acc in run.layers.items()
        ]
        results.append(CodecResult(text, codec.key, codec.codec_id, codec.lossless, metrics, layers,
                                   time.perf_counter() - t0))
    return AccuracyReport(
        model=info.name, task=info.task, weights=winfo.note, height=height, width=width, unit=unit,
        inputs=how, label_rule=task_rule, output_layer=output, raw_output=raw_output, results=results,
        seconds=seconds,
    )


@dataclass
class _LayerAcc:
    raw_bits: int = 0
    bits: int = 0
    worst_bits: int = 0
    q_signal: float = 0.0
    q_noise: float = 0.0
    x_signal: float = 0.0
    x_noise: float = 0.0
    saturated: int = 0


class _CodecRun:
    """The ``capture`` transform of one codec: quantize, round-trip each unit, dequantize; it keeps
    per-layer sums and the round-tripped output map of every frame."""

    def __init__(self, codec: Codec, unit: TransferUnit, frac_bits: dict[str, int], shapes, output: str):
        self.codec = codec
        self.unit = unit
        self.frac_bits = frac_bits
        self.shapes = shapes
        self.output = output
        self.layers: dict[str, _LayerAcc] = {}
        self.outputs: list[np.ndarray] = []
        self._per_layer: dict[str, Codec] = {}
        self.on_frame: Callable[[int], None] | None = None

    def fix_codec(self, layer: str, codec: Codec) -> None:
        """Use ``codec`` on ``layer`` instead of the study's codec."""
        self._per_layer[layer] = codec

    def transform(self, name: str, value):
        import torch

        from socsim.workload.capture import quantize

        shape = self.shapes[name]
        f = self.frac_bits[name]
        x = value.detach().reshape(shape)
        q, saturated = quantize(x, f)
        codec = self._per_layer.get(name)
        if codec is None:
            codec = self._per_layer[name] = self.codec.for_layer(name)
        decoded, bits, worst = roundtrip(codec, q, self.unit)
        acc = self.layers.setdefault(name, _LayerAcc())
        acc.raw_bits += 16 * q.size
        acc.bits += bits
        acc.worst_bits += worst
        acc.saturated += saturated
        flat = q.reshape(-1)
        acc.q_signal += float(np.einsum("i,i->", flat, flat, dtype=np.float64))
        if not np.array_equal(decoded, q):
            diff = (decoded.astype(np.int32) - q).reshape(-1)
            acc.q_noise += float(np.einsum("i,i->", diff, diff, dtype=np.float64))
        y = torch.from_numpy(decoded).to(value.dtype).mul_(2.0**-f)
        acc.x_signal += float(torch.linalg.vector_norm(x, dtype=torch.float64)) ** 2
        acc.x_noise += float(torch.linalg.vector_norm(x - y, dtype=torch.float64)) ** 2
        if name == self.output:
            self.outputs.append(y.double().numpy())
            if self.on_frame is not None:
                self.on_frame(len(self.outputs))
            return None  # nothing reads the output map inside the network
        return y.reshape(value.shape)


def roundtrip(codec: Codec, q: np.ndarray, unit: TransferUnit) -> tuple[np.ndarray, int, int]:
    """(decode(encode(.)) of a C×H×W int16 map, its encoded bits, its worst-case bits) with each
    transfer unit ('map' or 'channel') encoded on its own; the worst case is the codec's
    ``unit_worst_case_bits``, the bound the simulator's analysis uses."""
    worst = int(codec.unit_worst_case_bits(q.shape, unit).sum())
    if unit.kind == "map":
        enc = codec.encode(q)
        return codec.decode(enc, q.shape), enc.nbits, worst
    out = np.empty_like(q)
    bits = 0
    for i in range(q.shape[0]):
        enc = codec.encode(q[i])
        out[i] = codec.decode(enc, q.shape[1:])
        bits += enc.nbits
    return out, bits, worst


def classifier_metrics(reference: np.ndarray, test: np.ndarray) -> dict[str, float]:
    """top-1 / top-5 agreement and mean softmax KL of logits (frames × C×1×1 or frames × classes),
    and top-1 agreement on the frames where the uncompressed model is confident (top softmax
    probability >= 0.5; photos outside ImageNet's classes give near-ties that any noise flips)."""
    ref = reference.reshape(reference.shape[0], -1)
    tst = test.reshape(test.shape[0], -1)
    k5 = min(5, ref.shape[1])
    sure = M.confident_rows(ref)
    return {
        "top1": M.topk_agreement(ref, tst, 1),
        "top5": M.topk_agreement(ref, tst, k5),
        "kl": M.kl_divergence(ref, tst),
        "top1_confident": M.topk_agreement(ref[sure], tst[sure], 1) if sure.any() else float("nan"),
        "confident_frames": float(np.count_nonzero(sure)),
    }


def dense_labels(output: np.ndarray, model: str) -> tuple[np.ndarray, int]:
    """(per-pixel labels, number of classes) of one C×H×W output map."""
    if model == "craft":
        return M.text_mask(output[0]), 2
    return M.argmax_labels(output), int(output.shape[0])


def dense_metrics(reference: list[np.ndarray], test: list[np.ndarray], model: str) -> dict[str, float]:
    """mIoU (and each class's IoU) of the test labels against the reference labels, all frames."""
    counts = None
    for r, t in zip(reference, test):
        lr, classes = dense_labels(r, model)
        lt, _ = dense_labels(t, model)
        c = M.confusion(lr, lt, classes)
        counts = c if counts is None else counts + c
    iou = M.class_iou(counts)
    out = {"miou": M.mean_iou(counts)}
    if model == "craft":
        out["text_iou"] = float(iou[1])
        out["text_fraction"] = float(counts[1].sum() / counts.sum())
    else:
        out.update({f"class_iou_{i}": float(v) for i, v in enumerate(iou)})
    return out


def text_mosaics(base_dir: Path, height: int, width: int, frames: int, seed: int) -> list[tuple[np.ndarray, str]]:
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
        out.append((canvas, f"text mosaic {cols}×{rows} of native {tw}×{th} crops, text photos on even tiles: "
                            f"{', '.join(used)}"))
    return out


VIEWS = (
    (False, "top-left"), (False, "top-right"), (False, "bottom-left"), (False, "bottom-right"),
    (True, "centre"), (True, "top-left"), (True, "top-right"), (True, "bottom-left"), (True, "bottom-right"),
)
"""Views 1–9 of a photo for classifiers (view 0 is ``make_inputs``'s centre crop): (mirrored, crop)."""


def classifier_views(sources, height: int, width: int, count: int) -> list[tuple[np.ndarray, str]]:
    """``count`` further classifier inputs from the photos: frame P·v + p (P photos, frame p < P being
    the centre crop) is view v of photo p, resized as in ImageNet's recipe (shorter side to
    height·256/224) and cropped as ``VIEWS[v - 1]`` says; returns (H×W×3 uint8 pixels, how)."""
    out: list[tuple[np.ndarray, str]] = []
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
        out.append((
            crop.permute(1, 2, 0).contiguous().numpy(),
            f"{src.name} {w}×{h}: resize shorter side to {short}, {'mirrored, ' if mirrored else ''}"
            f"{where} crop {width}×{height}",
        ))
    return out

