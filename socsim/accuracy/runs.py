"""The network runs of an accuracy study, through ``capture``'s ``transform``: the float reference,
which calibrates each layer's 16-bit format, and one run per codec in which every layer's map is
quantized, round-tripped unit by unit through the codec and dequantized before the rest of the
network reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from socsim.accuracy.network import StudyNetwork
from socsim.accuracy.texts import ChosenCodec
from socsim.codecs.base import Codec, TransferUnit
from socsim.codecs.none import NoneCodec

Progress = Callable[[str, int, int], None]
"""``progress(run, frame, frames)``: called after each frame of each run ('reference' or a codec text)."""


@dataclass
class Reference:
    """What the uncompressed float run leaves: each layer's calibrated format and the output maps."""

    frac_bits: dict[str, int]
    """Layer → fraction bits of its 16-bit format, from max |x| over all frames."""
    outputs: list[np.ndarray]
    """Per frame: the output layer's float map (C×H×W, float64)."""


def run_reference(net: StudyNetwork, unit: TransferUnit, headroom_bits: int, progress: Progress | None) -> Reference:
    """Run the float network once; calibrate every layer on its peak over all frames, rather than the
    first frame only (``capture``'s rule), so that 16-bit quantization does not saturate later frames."""
    import torch

    from socsim.workload.capture import capture, frac_bits_for

    peak: dict[str, float] = {}
    outputs: list[np.ndarray] = []

    def observe(name: str, value: torch.Tensor) -> None:
        low, high = torch.aminmax(value) if value.numel() else (torch.tensor(0.0), torch.tensor(0.0))
        peak[name] = max(peak.get(name, 0.0), -float(low), float(high))
        if name == net.output:
            outputs.append(value.detach().reshape(net.shapes[name]).double().numpy().copy())
        if progress is not None and name == net.output:
            progress("reference", len(outputs), len(net.inputs))
        return None

    capture(net.model, net.inputs, [], unit, transform=observe)
    return Reference({name: frac_bits_for(p, headroom_bits) for name, p in peak.items()}, outputs)


@dataclass
class LayerSums:
    """One layer's sizes and signal and noise energies under one codec, summed over frames."""

    raw_bits: int = 0
    bits: int = 0
    worst_bits: int = 0
    q_signal: float = 0.0
    """Σ q² of the int16 map."""
    q_noise: float = 0.0
    """Σ (decoded − q)² of the codec round trip."""
    x_signal: float = 0.0
    """Σ x² of the float map."""
    x_noise: float = 0.0
    """Σ (x − dequantized round trip)²."""
    saturated: int = 0


class RoundTrip(NamedTuple):
    """A map after the codec's round trip, with its sizes."""

    decoded: np.ndarray
    """decode(encode(.)) of the int16 map, same shape."""
    bits: int
    """Encoded size of every transfer unit (bits)."""
    worst_bits: int
    """The codec's ``unit_worst_case_bits`` of the same units (bits)."""


def roundtrip(codec: Codec, q: np.ndarray, unit: TransferUnit) -> RoundTrip:
    """Round-trip a C×H×W int16 map with each transfer unit ('map' or 'channel') encoded on its own;
    the worst case is the codec's ``unit_worst_case_bits``, the bound the simulator's analysis uses."""
    worst = int(codec.unit_worst_case_bits(q.shape, unit).sum())
    if unit.kind == "map":
        enc = codec.encode(q)
        return RoundTrip(codec.decode(enc, q.shape), enc.nbits, worst)
    out = np.empty_like(q)
    bits = 0
    for i in range(q.shape[0]):
        enc = codec.encode(q[i])
        out[i] = codec.decode(enc, q.shape[1:])
        bits += enc.nbits
    return RoundTrip(out, bits, worst)


class CodecRun:
    """The ``capture`` transform of one codec: quantize, round-trip each unit, dequantize; it keeps
    per-layer sums and the round-tripped output map of every frame."""

    def __init__(self, codec: Codec, unit: TransferUnit, frac_bits: dict[str, int], shapes, output: str):
        self.codec = codec
        self.unit = unit
        self.frac_bits = frac_bits
        self.shapes = shapes
        self.output = output
        self.layers: dict[str, LayerSums] = {}
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
        acc = self.layers.setdefault(name, LayerSums())
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


def run_codec(
    net: StudyNetwork, chosen: ChosenCodec, unit: TransferUnit, reference: Reference, raw_output: bool,
    progress: Progress | None,
) -> CodecRun:
    """Run the network with the chosen codec on every layer, the output layer stored as plain 16-bit
    instead when ``raw_output``."""
    from socsim.workload.capture import capture

    run = CodecRun(chosen.codec, unit, reference.frac_bits, net.shapes, net.output)
    if progress is not None:
        run.on_frame = lambda frame: progress(chosen.text, frame, len(net.inputs))
    if raw_output:
        run.fix_codec(net.output, NoneCodec())
    capture(net.model, net.inputs, [], unit, transform=run.transform)
    return run
