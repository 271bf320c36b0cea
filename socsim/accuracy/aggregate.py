"""From a study's runs to its figures: the task metrics of each codec against the reference
outputs (top-1/top-5 agreement and softmax KL for classifiers, mIoU of the output labels for dense
networks) and each layer's sizes and SQNR."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from socsim.accuracy import metrics as M
from socsim.accuracy.results import LayerResult
from socsim.accuracy.runs import LayerSums

DENSE_LABELS = {"craft": "text where region score (channel 0) > 0.4 (EasyOCR low_text), else background"}
"""How the output map of a dense model becomes per-pixel labels; other dense models: argmax over channels."""
CLASSIFIER_LABEL = "the uncompressed model's top-1 class"
"""The label classifiers are compared on."""


def label_rule(model: str, classifier: bool) -> str:
    """How the outputs of ``model`` are compared, in words."""
    return DENSE_LABELS.get(model, "argmax over output channels") if not classifier else CLASSIFIER_LABEL


def task_metrics(model: str, classifier: bool, reference: list[np.ndarray], test: list[np.ndarray]) -> dict[str, float]:
    """The metrics of the test output maps (one per frame) against the reference ones."""
    if classifier:
        return classifier_metrics(np.stack(reference), np.stack(test))
    return dense_metrics(reference, test, model)


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


class DenseLabels(NamedTuple):
    """Per-pixel labels of one output map."""

    labels: np.ndarray
    """H×W class indices."""
    classes: int
    """Number of classes the labels range over (count)."""


def dense_labels(output: np.ndarray, model: str) -> DenseLabels:
    """The per-pixel labels of one C×H×W output map."""
    if model == "craft":
        return DenseLabels(M.text_mask(output[0]), 2)
    return DenseLabels(M.argmax_labels(output), int(output.shape[0]))


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


def layer_results(
    sums: dict[str, LayerSums], kinds: dict[str, str], shapes: dict[str, tuple[int, int, int]]
) -> list[LayerResult]:
    """Each layer's sizes and SQNRs from its sums, in the order the layers ran."""
    return [
        LayerResult(
            name=name, kind=kinds[name], shape=shapes[name], raw_bits=acc.raw_bits, bits=acc.bits,
            worst_bits=acc.worst_bits, codec_sqnr_db=M.sqnr_db(acc.q_signal, acc.q_noise),
            sqnr_db=M.sqnr_db(acc.x_signal, acc.x_noise), saturated=acc.saturated,
        )
        for name, acc in sums.items()
    ]
