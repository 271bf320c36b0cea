"""The accuracy cost of a codec: run the network with decode(encode(x)) on every layer's output and
compare with the uncompressed network on the same real images.

``run_study`` (of a ``StudySpec``) does, in order:

1. builds the model and its inputs (``network``, images from ``inputs``); classifiers take the
   ImageNet recipe of ``make_inputs`` for the first frame of each photo and further *views* of the
   same photos for later frames (corner crops, then mirrored crops; see ``classifier_views``);
2. runs the uncompressed float network once (the reference, ``runs.run_reference``) and calibrates
   each layer's 16-bit fixed-point format on it: f = ``frac_bits_for(max |x| over all frames)`` —
   over all evaluation inputs rather than the first frame only (``capture``'s rule), so that the
   ``none`` row measures 16-bit quantization and not saturation on later frames;
3. for each codec, runs the network again with ``capture``'s ``transform`` on every layer
   (``runs.run_codec``; every layer's output goes to DRAM, the network's final output layer
   included): quantize with the calibrated format → ``codec.for_layer(layer)`` encodes each
   transfer unit on its own → decode → dequantize, and the rest of the network uses the result.
   The final output layer's map is round-tripped too (it goes to DRAM like the others;
   ``raw_output`` stores it as plain 16-bit instead) and is what the metrics read. The unit is the
   whole map by default, so a codec's per-unit scale (``dct``'s exponent) is one scale per layer,
   as in the paper; 'channel' units (the scenarios' default) give each channel its own header and
   scale.

It reports (``aggregate``, into the records of ``results``), per codec, against the reference:
top-1/top-5 agreement and softmax KL divergence (classifiers), mIoU of the output labels (dense
networks; CRAFT: region score > 0.4, as EasyOCR's ``low_text``); per layer the SQNR of the codec
round trip (int16 map in vs out) and of the stored map against the layer's float output, the
compressed bits (real ``Encoded.nbits``), the worst case, and the reduction against 16-bit raw.
Torch is imported lazily. The command line's list parsing lives in ``texts`` and is re-exported here.
"""

from __future__ import annotations

import time

from socsim.accuracy.aggregate import label_rule, layer_results, task_metrics
from socsim.accuracy.network import StudyNetwork, prepare_network
from socsim.accuracy.results import AccuracyReport, CodecResult
from socsim.accuracy.runs import Progress, Reference, run_codec, run_reference
from socsim.accuracy.spec import UNIT_KINDS, StudySpec
from socsim.accuracy.texts import ChosenCodec, parse_codecs, parse_ints, parse_size, split_codec_list, sweep_texts
from socsim.codecs.base import TransferUnit
from socsim.errors import CodecError, WorkloadError

__all__ = [
    "StudySpec", "run_study", "parse_ints", "parse_size", "split_codec_list", "sweep_texts",
]


def run_study(spec: StudySpec, progress: Progress | None = None) -> AccuracyReport:
    """Accuracy and size of each of ``spec``'s codecs (see the module docstring); user errors raise a
    one-line CodecError or WorkloadError before the model is built where they can."""
    if spec.unit not in UNIT_KINDS:
        raise CodecError(
            f"unit={spec.unit!r}: the accuracy study encodes whole maps or channels ({', '.join(UNIT_KINDS)})"
        )
    if spec.frames < 1:
        raise WorkloadError(f"frames={spec.frames}: must be at least 1")
    chosen = parse_codecs(spec.codecs)
    transfer = TransferUnit(kind=spec.unit)
    for c in chosen:
        c.codec.check_unit(transfer)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    net = prepare_network(spec)
    seconds["setup"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = run_reference(net, transfer, spec.headroom_bits, progress)
    seconds["reference"] = time.perf_counter() - t0
    results = [_codec_result(net, c, transfer, reference, spec.raw_output, progress) for c in chosen]
    return AccuracyReport(
        model=net.name, task=net.task, weights=net.weights_note, height=net.height, width=net.width,
        unit=spec.unit, inputs=net.how, label_rule=label_rule(net.name, net.classifier), output_layer=net.output,
        raw_output=spec.raw_output, results=results, seconds=seconds,
    )


def _codec_result(
    net: StudyNetwork, chosen: ChosenCodec, unit: TransferUnit, reference: Reference, raw_output: bool,
    progress: Progress | None,
) -> CodecResult:
    """One codec's run and its figures; ``seconds`` is the wall time of both."""
    t0 = time.perf_counter()
    run = run_codec(net, chosen, unit, reference, raw_output, progress)
    codec = chosen.codec
    return CodecResult(
        text=chosen.text, key=codec.key, codec_id=codec.codec_id, lossless=codec.lossless,
        metrics=task_metrics(net.name, net.classifier, reference.outputs, run.outputs),
        layers=layer_results(run.layers, net.kinds, net.shapes), seconds=time.perf_counter() - t0,
    )
