"""The typed result of an accuracy study: per codec its metrics and, per layer, its compressed
size and round-trip quality, with what the study ran on."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """Everything ``run_study`` measured, with what it ran on."""

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
