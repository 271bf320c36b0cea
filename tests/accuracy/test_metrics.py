"""Accuracy metrics on hand-made outputs: agreement, KL, text masks, IoU, SQNR."""

import math

import numpy as np
import pytest

from socsim.accuracy import metrics as M


def test_top1_and_top5_agreement_count_the_reference_label_in_the_test_ranking():
    ref = np.array([
        [0.0, 5.0, 1.0, 2.0, 3.0, 4.0, -1.0],  # label 1
        [9.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],  # label 0
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],  # label 6
    ])
    test = np.array([
        [0.0, 5.0, 1.0, 2.0, 3.0, 4.0, -1.0],  # label 1 still first
        [0.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],  # label 0 now 6th of 7
        [0.0, 1.0, 2.0, 3.0, 6.5, 5.0, 6.0],  # label 6 now 2nd
    ])
    assert M.topk_agreement(ref, test, 1) == pytest.approx(1 / 3)
    assert M.topk_agreement(ref, test, 2) == pytest.approx(2 / 3)
    assert M.topk_agreement(ref, test, 5) == pytest.approx(2 / 3)
    assert M.topk_agreement(ref, test, 6) == pytest.approx(1.0)
    assert M.topk_agreement(ref, ref, 1) == 1.0


def test_ties_rank_the_lower_class_first_like_argmax():
    ref = np.array([[0.0, 1.0, 0.0]])  # label 1
    assert M.topk_agreement(ref, np.array([[1.0, 1.0, 0.0]]), 1) == 0.0  # argmax picks class 0
    assert M.topk_agreement(ref, np.array([[0.0, 1.0, 1.0]]), 1) == 1.0


def test_topk_rejects_mismatched_shapes_and_bad_k():
    with pytest.raises(ValueError):
        M.topk_agreement(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError):
        M.topk_agreement(np.zeros((2, 3)), np.zeros((2, 3)), 4)


def test_kl_divergence_of_softmax_outputs():
    a = np.array([[0.0, 0.0]])  # softmax (1/2, 1/2)
    b = np.array([[math.log(3.0), 0.0]])  # softmax (3/4, 1/4)
    expect = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    assert M.kl_divergence(a, b) == pytest.approx(expect)
    assert M.kl_divergence(b, b) == pytest.approx(0.0, abs=1e-15)
    # Mean over rows, and invariant to a constant shift of the logits.
    assert M.kl_divergence(np.vstack([a, b]), np.vstack([b + 7.0, b])) == pytest.approx(expect / 2)


def test_text_mask_is_region_score_strictly_above_low_text():
    score = np.array([[0.39, 0.4, 0.41], [1.0, -0.2, 0.7]])
    assert M.text_mask(score).tolist() == [[0, 0, 1], [1, 0, 1]]
    assert M.text_mask(score, 0.8).tolist() == [[0, 0, 0], [1, 0, 0]]


def test_iou_from_a_confusion_matrix():
    ref = np.array([[1, 1, 0, 0], [1, 1, 0, 0]])
    test = np.array([[1, 0, 0, 0], [1, 1, 1, 0]])
    counts = M.confusion(ref, test, 2)
    assert counts.tolist() == [[3, 1], [1, 3]]  # rows: reference background, text
    # text: 3 / (4 + 4 - 3); background: 3 / 5
    np.testing.assert_allclose(M.class_iou(counts), [0.6, 0.6])
    assert M.mean_iou(counts) == pytest.approx(0.6)
    assert M.mean_iou(M.confusion(ref, ref, 2)) == 1.0


def test_a_class_absent_from_both_maps_is_left_out_of_the_mean():
    zeros = np.zeros((3, 3), dtype=np.int64)
    counts = M.confusion(zeros, zeros, 2)
    iou = M.class_iou(counts)
    assert iou[0] == 1.0 and math.isnan(iou[1])
    assert M.mean_iou(counts) == 1.0
    one_wrong = zeros.copy()
    one_wrong[0, 0] = 1
    assert M.mean_iou(M.confusion(zeros, one_wrong, 2)) == pytest.approx((8 / 9 + 0.0) / 2)


def test_argmax_labels_take_the_largest_channel():
    scores = np.array([[[0.1, 0.9]], [[0.5, 0.2]], [[0.4, 0.0]]])  # 3 classes, 1×2 pixels
    assert M.argmax_labels(scores).tolist() == [[1, 0]]


def test_sqnr_db():
    assert M.sqnr_db(100.0, 1.0) == pytest.approx(20.0)
    assert M.sqnr_db(5.0, 0.0) == math.inf
    assert M.sqnr_db(0.0, 1.0) == -math.inf
