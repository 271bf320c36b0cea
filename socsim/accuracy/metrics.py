"""Accuracy metrics that compare a network run with compressed feature maps against the
uncompressed run on the same inputs; plain numpy on the networks' outputs, no torch.

Classifiers: agreement of predictions (the uncompressed model's top-1 class taken as the label)
and the KL divergence of the softmax outputs. Dense networks: IoU of the per-pixel labels, one
confusion count per class accumulated over all frames. Feature maps: SQNR in dB.
"""

from __future__ import annotations

import math

import numpy as np

CRAFT_LOW_TEXT = 0.4
"""EasyOCR's ``low_text``: a pixel is text when its region score exceeds it (``getDetBoxes_core``
thresholds the region map with ``cv2.threshold(textmap, low_text, 1, 0)``, i.e. score > 0.4)."""


def _rows(logits: np.ndarray) -> np.ndarray:
    a = np.asarray(logits, dtype=np.float64)
    return a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)


def topk_agreement(reference: np.ndarray, test: np.ndarray, k: int = 1) -> float:
    """Fraction of rows whose reference top-1 class is among the test's top ``k`` classes.

    ``reference`` and ``test`` are logits (frames × classes). With k = 1 this is top-1 agreement;
    ties among test scores are broken towards the lower class index, as ``argmax`` does.
    """
    ref, tst = _rows(reference), _rows(test)
    if ref.shape != tst.shape:
        raise ValueError(f"logit shapes differ: {ref.shape} vs {tst.shape}")
    if not 1 <= k <= ref.shape[1]:
        raise ValueError(f"k={k}: must be in 1..{ref.shape[1]}")
    label = ref.argmax(axis=1)
    # Rank of the label in the test scores: classes scoring higher, plus equal ones before it.
    score = tst[np.arange(tst.shape[0]), label][:, None]
    idx = np.arange(tst.shape[1])[None, :]
    rank = np.count_nonzero((tst > score) | ((tst == score) & (idx < label[:, None])), axis=1)
    return float(np.mean(rank < k))


def confident_rows(logits: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Boolean mask of the rows whose top softmax probability is at least ``threshold``."""
    return np.exp(log_softmax(logits).max(axis=1)) >= threshold


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64."""
    a = _rows(logits)
    a = a - a.max(axis=1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=1, keepdims=True))


def kl_divergence(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean over rows of KL(softmax(reference) ‖ softmax(test)) in nats (0 when they agree)."""
    lp, lq = log_softmax(reference), log_softmax(test)
    return float(np.mean(np.sum(np.exp(lp) * (lp - lq), axis=1)))


def text_mask(region_score: np.ndarray, low_text: float = CRAFT_LOW_TEXT) -> np.ndarray:
    """Per-pixel labels of a CRAFT region-score map: 1 (text) where score > ``low_text``, else 0."""
    return (np.asarray(region_score) > low_text).astype(np.int64)


def argmax_labels(scores: np.ndarray) -> np.ndarray:
    """Per-pixel labels of a C×H×W score map: the channel with the largest score."""
    return np.asarray(scores).argmax(axis=0)


def confusion(reference: np.ndarray, test: np.ndarray, classes: int) -> np.ndarray:
    """classes × classes pixel counts, row = reference label, column = test label (int64)."""
    ref, tst = np.asarray(reference).reshape(-1), np.asarray(test).reshape(-1)
    if ref.shape != tst.shape:
        raise ValueError(f"label maps differ in size: {np.shape(reference)} vs {np.shape(test)}")
    return np.bincount(ref * classes + tst, minlength=classes * classes).reshape(classes, classes).astype(np.int64)


def class_iou(counts: np.ndarray) -> np.ndarray:
    """IoU of each class from a confusion matrix; NaN for a class absent from both label maps."""
    counts = np.asarray(counts, dtype=np.float64)
    inter = np.diag(counts)
    union = counts.sum(axis=0) + counts.sum(axis=1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, np.nan)


def mean_iou(counts: np.ndarray) -> float:
    """Mean IoU over the classes present in either label map (1.0 if no class is present)."""
    iou = class_iou(counts)
    present = iou[~np.isnan(iou)]
    return float(present.mean()) if present.size else 1.0


def sqnr_db(signal_power: float, noise_power: float) -> float:
    """10·log10(signal / noise) in dB from summed squares; +inf when the noise is zero."""
    if noise_power <= 0.0:
        return math.inf
    if signal_power <= 0.0:
        return -math.inf
    return 10.0 * math.log10(signal_power / noise_power)
