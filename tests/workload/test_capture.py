"""Capture: layer grouping, graph edges, exact quantization, streamed statistics."""

import numpy as np
import pytest
import torch
import torch.nn as nn

from socsim.codecs.base import TransferUnit
from socsim.codecs.registry import get_codec
from socsim.workload.capture import capture, frac_bits_for, quantize
from socsim.workload.graph import INPUT


class Skip(nn.Module):
    """conv-bn-relu, a second conv whose output is added to the first (a skip), pool, fc."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(8)
        self.r1 = nn.ReLU()
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2.0)
        self.fc = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        y = self.r1(self.b1(self.c1(x)))
        z = torch.relu(self.c2(y)) + y
        p = self.pool(z)
        u = self.up(p)
        cat = torch.cat([u, z], dim=1)
        return self.fc(torch.flatten(self.pool(cat[:, :8]), 1))


def run_skip(frames=1, keep_maps=True):
    torch.manual_seed(0)
    model = Skip().eval()
    xs = [torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(i)) for i in range(frames)]
    return model, xs, capture(model, xs, [get_codec("none")], TransferUnit(kind="channel"), keep_maps=keep_maps)


def test_layers_and_edges_follow_the_data():
    _, _, cap = run_skip()
    g = cap.graph
    assert [(layer.name, layer.kind) for layer in g.layers] == [
        ("c1", "conv"), ("c2", "conv"), ("add", "add"), ("pool", "pool"), ("up", "upsample"),
        ("cat", "concat"), ("getitem", "other"), ("pool_2", "pool"), ("fc", "fc"),
    ]
    assert g["c1"].fused == ("b1", "r1")
    assert g["add"].inputs == ("c2", "c1")  # the skip connection is an edge c1 → add
    assert set(g.graph.predecessors("cat")) == {"up", "add"}
    assert g["c1"].inputs == (INPUT,)
    assert g["pool_2"].fused == ("flatten",)
    assert g["pool_2"].out_shape == (8, 8, 8)  # the captured map is the 4-D one before flatten


def test_costs():
    _, _, cap = run_skip()
    g = cap.graph
    assert g["c1"].macs == 8 * 16 * 16 * 3 * 9
    assert g["c1"].weight_bytes == 2 * (8 * 3 * 9 + 8)  # conv weights + folded batch-norm bias
    assert g["c2"].weight_bytes == 2 * (8 * 8 * 9 + 8)
    assert g["fc"].macs == 512 * 10
    assert g["add"].ifmap_bytes == 2 * 2 * 8 * 16 * 16
    assert g["cat"].out_shape == (16, 16, 16)


def test_captured_maps_equal_quantized_module_outputs():
    model, xs, cap = run_skip()
    with torch.inference_mode():
        y = model.r1(model.b1(model.c1(xs[0])))
        z = torch.relu(model.c2(y)) + y
    for name, ref in [("c1", y), ("add", z)]:
        f = cap.frac_bits[name]
        expect = np.clip(np.round(ref[0].numpy().astype(np.float64) * 2.0**f), -32768, 32767).astype(np.int16)
        assert np.array_equal(cap.maps[0][name], expect)
        assert cap.frames[0][name].zeros == int((expect == 0).sum())
        assert cap.frames[0][name].unit_bits["none"].tolist() == [16 * 16 * 16] * 8


def test_later_frames_reuse_formats_and_count_saturation():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False)).eval()
    with torch.no_grad():
        model[0].weight.fill_(1.0)
    xs = [torch.full((1, 1, 4, 4), 1.0), torch.full((1, 1, 4, 4), 4.0)]
    cap = capture(model, xs, [], TransferUnit(), keep_maps=True)
    (name,) = cap.frac_bits
    assert cap.frac_bits[name] == 14  # 1.0 · 2^14 = 16384 fits, 2^15 would not
    assert cap.frames[0][name].saturated == 0
    assert cap.frames[1][name].saturated == 16
    assert (cap.maps[1][name] == 32767).all()


def test_quantize_rounding_and_saturation_exact():
    x = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 0.25, 40000.0, -40000.0, 32767.4, -32768.4])
    q, sat = quantize(x, 0)
    assert q.tolist() == [0, 2, 2, 0, -2, 0, 32767, -32768, 32767, -32768]
    assert sat == 2
    q, sat = quantize(torch.tensor([0.125, -0.375, 1.0]), 3)
    assert q.tolist() == [1, -3, 8] and sat == 0


@pytest.mark.parametrize(
    "max_abs,f", [(1.0, 14), (0.999, 15), (32767.0, 0), (65534.0, -1), (0.0, 15), (1e-3, 24), (3.9999, 12)]
)
def test_frac_bits_rule(max_abs, f):
    assert frac_bits_for(max_abs) == f
    assert max_abs * 2.0**f <= 32767.5


def test_every_registry_model_traces_and_sees_all_convs():
    from socsim.workload.models import MODELS

    for name, size in (("vgg16", 224), ("mobilenet_v1", 64), ("mobilenet_v2", 64)):
        torch.manual_seed(0)
        model = MODELS[name].factory().eval()
        cap = capture(model, [torch.randn(1, 3, size, size)], [], TransferUnit())
        n_convs = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
        assert sum(layer.kind in ("conv", "fc") for layer in cap.graph.layers) == n_convs, name


def test_transform_replaces_layer_outputs_downstream():
    torch.manual_seed(0)
    model, xs, _ = run_skip(keep_maps=False)
    zeroed = []

    def zero_c2(name, value):
        if name == "c2":
            zeroed.append(name)
            return torch.zeros_like(value)
        return None

    cap = capture(model, xs, [], TransferUnit(), keep_maps=True, transform=zero_c2)
    assert zeroed == ["c2"]
    # add = relu(c2) + c1 with c2's map replaced by zeros: add's map is c1's output.
    with torch.inference_mode():
        y = model.r1(model.b1(model.c1(xs[0])))
    f = cap.frac_bits["add"]
    expect = np.clip(np.round(y[0].numpy().astype(np.float64) * 2.0**f), -32768, 32767).astype(np.int16)
    assert np.array_equal(cap.maps[0]["add"], expect)
