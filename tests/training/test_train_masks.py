"""Mask training: the differentiable DCT stand-in, mask selection by one global threshold, and a
short training run on a tiny network."""

import numpy as np
import pytest
import torch
import torch.nn as nn

from socsim.codecs.dct import dct_matrix, zigzag
from socsim.codecs.masks import load_masks, nominal_reduction, triangle_mask
from socsim.codecs.registry import get_codec
from socsim.training.attenuation import DctAttenuation, insert_after_layers
from socsim.training.loop import TrainingOptions, train_attenuation
from socsim.training.masks_file import masks_document, write_masks
from socsim.training.selection import TARGET_TOLERANCE, select_masks
from socsim.workload.capture import layer_graph


class Tiny(nn.Module):
    """conv-relu, conv-relu, pool, conv, fc: five layers of capture's grouping."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.c3 = nn.Conv2d(8, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, classes)

    def forward(self, x):
        y = self.pool(torch.relu(self.c2(torch.relu(self.c1(x)))))
        return self.fc(torch.flatten(self.c3(y), 1))


class Permuted(nn.Module):
    """A dense net whose output map is permuted before it is returned (like CRAFT's)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        return self.c2(torch.relu(self.c1(x))).permute(0, 2, 3, 1)


def smooth_inputs(count: int, size: int = 16, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    coarse = torch.randn(count, 3, size // 4, size // 4, generator=g)
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)


def reference_attenuation(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Slow model: per plane, edge-pad, per tile D T Dᵀ, scale by a, invert, crop."""
    n = a.shape[0]
    d = dct_matrix(n)
    *lead, h, w = x.shape
    th, tw = -(-h // n), -(-w // n)
    planes = x.reshape(-1, h, w)
    out = np.empty_like(planes)
    for k, plane in enumerate(planes):
        p = np.pad(plane, ((0, th * n - h), (0, tw * n - w)), mode="edge")
        for r in range(th):
            for c in range(tw):
                t = p[r * n : r * n + n, c * n : c * n + n]
                p[r * n : r * n + n, c * n : c * n + n] = d.T @ (a * (d @ t @ d.T)) @ d
        out[k] = p[:h, :w]
    return out.reshape(x.shape)


@pytest.mark.parametrize("n", [7, 8])
def test_attenuation_matches_the_slow_reference_and_is_identity_at_one(n):
    x = torch.randn(2, 3, 11, 17, generator=torch.Generator().manual_seed(1))
    att = DctAttenuation(n)
    torch.testing.assert_close(att(x), x, atol=1e-5, rtol=0)
    a = np.random.default_rng(2).random((n, n))
    with torch.no_grad():
        att.a.copy_(torch.tensor(a, dtype=torch.float32))
    want = reference_attenuation(x.double().numpy(), a)
    np.testing.assert_allclose(att(x).detach().numpy(), want, atol=1e-4)
    # Vectors (fc outputs) are 1×1 planes: a constant tile keeps only its DC coefficient.
    v = torch.randn(2, 5)
    torch.testing.assert_close(att(v), v * float(a[0, 0]), atol=1e-5, rtol=0)


def test_insert_after_layers_names_like_capture_and_reaches_permuted_outputs():
    model = Permuted().eval()
    x = smooth_inputs(2)
    gm, inserted = insert_after_layers(model, 16, 16, lambda name: nn.Identity())
    assert list(inserted) == [layer.name for layer in layer_graph(model, 16, 16).layers] == ["c1", "c2"]
    torch.testing.assert_close(gm(x), model(x))
    zeroed, _ = insert_after_layers(model, 16, 16, lambda name: ZeroOut() if name == "c2" else None)
    assert torch.count_nonzero(zeroed(x)) == 0


class ZeroOut(nn.Module):
    def forward(self, x):
        return torch.zeros_like(x)


def test_selection_is_exact_on_hand_made_values():
    # Distinct values falling along anti-diagonal order: keeping the top 21 of each layer is a
    # threshold at the 21st value, and gives exactly 1 − 21/64 whatever the layer sizes.
    a = np.empty(64)
    a[zigzag(8)] = 1.0 - np.arange(64) / 100
    att = {"x": a.reshape(8, 8), "y": a.reshape(8, 8) * 0.999}
    sel = select_masks(att, {"x": 100, "y": 300}, 1 - 21 / 64)
    assert sel.achieved == 1 - 21 / 64
    assert sel.kept == {"x": 21, "y": 21}
    np.testing.assert_array_equal(sel.masks["x"], triangle_mask(8, 21))
    np.testing.assert_array_equal(sel.masks["y"], triangle_mask(8, 21))
    assert sel.threshold == pytest.approx(0.999 * 0.80)
    # Layer y's elements weigh three times layer x's: one coefficient of y is worth 3 of x.
    sel = select_masks({"x": a.reshape(8, 8), "y": a.reshape(8, 8) - 0.7}, {"x": 1, "y": 3}, 1 - (64 + 3) / 256)
    assert sel.kept == {"x": 64, "y": 1}
    assert sel.threshold == a.min()


def test_selection_equals_brute_force_over_every_threshold():
    rng = np.random.default_rng(7)
    att = {f"l{i}": rng.random((8, 8)) for i in range(5)}
    elements = {f"l{i}": int(e) for i, e in enumerate(rng.integers(10, 1000, 5))}
    for target in (0.3, 0.5, 0.6719, 0.8, 0.95):
        sel = select_masks(att, elements, target)
        best = None
        for t in sorted({float(v) for a in att.values() for v in a.ravel()[1:]}):
            masks = {k: (a >= t) | (np.arange(64) == 0).reshape(8, 8) for k, a in att.items()}
            red = nominal_reduction({k: int(m.sum()) for k, m in masks.items()}, elements, 8)
            if red >= target - TARGET_TOLERANCE:
                best = (t, masks, red)
                break
        t, masks, red = best
        assert sel.threshold == t and sel.achieved == pytest.approx(red)
        for k in att:
            np.testing.assert_array_equal(sel.masks[k], masks[k])


def test_dc_is_always_kept():
    a = np.ones((8, 8))
    a[0, 0] = 0.0
    sel = select_masks({"x": a}, {"x": 1}, 1 - 21 / 64)
    assert sel.masks["x"][0, 0] and sel.kept == {"x": 21}


def test_ties_go_to_the_lowest_frequencies():
    ones = {"x": np.ones((8, 8)), "y": np.ones((8, 8))}
    for k in (1, 10, 21, 28, 64):
        sel = select_masks(ones, {"x": 5, "y": 5}, 1 - k / 64)
        np.testing.assert_array_equal(sel.masks["x"], triangle_mask(8, k))
    # A percentage quoted to two decimals (67.19 %) means 1 − 21/64 = 67.1875 %.
    assert select_masks(ones, {"x": 5, "y": 5}, 0.6719).kept == {"x": 21, "y": 21}


def test_unreachable_target_is_refused():
    with pytest.raises(ValueError, match="at most 0.9844 is reachable"):
        select_masks({"x": np.ones((8, 8))}, {"x": 4}, 0.99)


def test_training_lowers_the_loss_and_meets_the_target(tmp_path):
    torch.manual_seed(0)
    model = Tiny().eval()
    x = smooth_inputs(8)
    tr = train_attenuation(model, "classification", x, TrainingOptions(epochs=12, lr=0.05, batch=4, penalty=0.02))
    assert sum(tr.final) < sum(tr.initial)
    assert tr.final[1] < tr.initial[1]  # the penalty fell: A moved away from 1
    assert list(tr.attenuation) == [layer.name for layer in layer_graph(model, 16, 16).layers]
    assert all(((a >= 0) & (a <= 1)).all() for a in tr.attenuation.values())
    sel = select_masks(tr.attenuation, tr.elements, 0.6)
    assert 0.6 - TARGET_TOLERANCE <= sel.achieved < 0.62
    path = tmp_path / "tiny.json"
    write_masks(path, masks_document("tiny", 0.6, sel, "test", 8))
    loaded = load_masks(path)
    assert loaded.meta["achieved_reduction"] == round(sel.achieved, 6)
    codec = get_codec("dct-adaptive", {"masks": str(path)})
    assert {name: codec.for_layer(name).kept_count for name in sel.masks} == sel.kept


def test_dense_training_uses_mse_and_runs_on_permuted_outputs():
    torch.manual_seed(0)
    options = TrainingOptions(epochs=3, lr=0.05, batch=2, penalty=0.02)
    tr = train_attenuation(Permuted().eval(), "dense", smooth_inputs(4), options)
    assert set(tr.attenuation) == {"c1", "c2"}
    assert tr.final[0] > 0 and tr.final[1] < tr.initial[1]
