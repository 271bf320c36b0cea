"""Model definitions: layer counts, parameters, MACs, output shapes, fx tracing, CRAFT fidelity."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import pytest
import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from socsim.workload.models import MODELS
from socsim.workload.models.craft import CRAFT, fcn8s_craft, fold_bn
from socsim.workload.models.dilated import dilated
from socsim.workload.models.mobilenet import mobilenet_v1, mobilenet_v2
from socsim.workload.models.vgg import VGG16_CFG, fcn8s, vgg16
from socsim.workload.weights import TRAINED, find_trained_file, load_state_dict_file


def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of one forward pass: conv = out·(Cin/groups)·kh·kw, linear = in·out."""
    total = 0

    def hook(m: nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return total


def n_params(model: nn.Module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in model.parameters())


@pytest.fixture(scope="module")
def craft_state() -> dict[str, torch.Tensor]:
    """EasyOCR's trained CRAFT state_dict, prefix stripped."""
    return load_state_dict_file(find_trained_file("craft", "easyocr-craft", "trained"), "trained")


def test_registry_entries_and_trained_sources():
    assert set(MODELS) == {"vgg16", "mobilenet_v1", "mobilenet_v2", "fcn8s", "dilated", "craft"}
    assert {n: i.trained for n, i in MODELS.items() if i.trained} == {
        "mobilenet_v2": ("torchvision-imagenet",),
        "fcn8s": ("craft-encoder",),
        "craft": ("easyocr-craft",),
    }
    assert {(n, s) for n, i in MODELS.items() for s in i.trained} == set(TRAINED)
    assert {n: i.task for n, i in MODELS.items()} == {
        "vgg16": "classification", "mobilenet_v1": "classification", "mobilenet_v2": "classification",
        "fcn8s": "dense", "dilated": "dense", "craft": "dense",
    }
    assert all(i.mean == (0.485, 0.456, 0.406) and i.std == (0.229, 0.224, 0.225) for i in MODELS.values())


def test_registry_import_does_not_import_torch():
    code = "import sys, socsim.workload.models, socsim.workload.weights; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_vgg16_layers_params_and_macs():
    with torch.device("meta"):
        model = vgg16()
        macs = count_macs(model, torch.empty(1, 3, 224, 224))
    kinds = [type(m).__name__ for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert (kinds.count("Conv2d"), kinds.count("Linear")) == (13, 3)
    assert n_params(model) == pytest.approx(138.36e6, rel=1e-3)
    assert macs == pytest.approx(15.47e9, rel=1e-2)


def test_mobilenet_v1_params_and_macs():
    with torch.device("meta"):
        model = mobilenet_v1()
        macs = count_macs(model, torch.empty(1, 3, 224, 224))
    assert n_params(model) == pytest.approx(4.23e6, rel=2e-3)
    assert macs == pytest.approx(569e6, rel=1e-2)  # Howard et al. Table 1: 569 M mult-adds
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 27 and sum(m.groups > 1 for m in convs) == 13


def test_mobilenet_v2_params_and_keys_match_torchvision_file():
    with torch.device("meta"):
        model = mobilenet_v2()
    assert n_params(model) == 3_504_872
    state = load_state_dict_file(find_trained_file("mobilenet_v2", "torchvision-imagenet", "trained"), "trained")
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == {k: tuple(v.shape) for k, v in state.items()}


def test_fcn8s_output_shape_and_params():
    torch.manual_seed(0)
    model = fcn8s().eval()
    with torch.no_grad():
        y = model(torch.randn(1, 3, 64, 128))
    assert y.shape == (1, 19, 64, 128)
    assert n_params(model) == 134_456_985
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in model.modules()) == 3


def test_fcn8s_upsampling_is_bilinear_and_exact():
    torch.manual_seed(0)
    model = fcn8s()
    ones = torch.ones(1, 19, 4, 6)
    with torch.no_grad():
        up8 = model.upscore8(ones)
        up2 = model.upscore2(ones)
    assert up8.shape == (1, 19, 32, 48) and up2.shape == (1, 19, 8, 12)
    torch.testing.assert_close(up8[..., 8:-8, 8:-8], torch.ones_like(up8[..., 8:-8, 8:-8]))
    torch.testing.assert_close(up2[..., 1:-1, 1:-1], torch.ones_like(up2[..., 1:-1, 1:-1]))


def test_dilated_output_stride_8():
    torch.manual_seed(0)
    model = dilated().eval()
    with torch.no_grad():
        y = model(torch.randn(1, 3, 64, 128))
    assert y.shape == (1, 19, 8, 16)
    dilations = [m.dilation for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert dilations[-6:] == [(2, 2)] * 3 + [(4, 4), (1, 1), (1, 1)]
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 3


@pytest.mark.parametrize("name", sorted(MODELS))
def test_symbolic_trace_every_model(name):
    info = MODELS[name]
    with torch.device("meta"):
        model = info.factory().eval()
        traced = torch.fx.symbolic_trace(model)
        x = torch.empty(1, 3, 64, 96) if info.task == "dense" else torch.empty(1, 3, 224, 224)
        assert traced(x).shape == model(x).shape


class _UpstreamCRAFT(nn.Module):
    """CRAFT as upstream writes it (in-place ReLUs, slices 0-11, 12-18, 19-28, 29-38), to check ours against."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 3
        for v in VGG16_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(in_ch, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                in_ch = v
        bounds = ((0, 12), (12, 19), (19, 29), (29, 39))
        self.basenet = nn.Module()
        for n, (a, b) in enumerate(bounds, start=1):
            setattr(self.basenet, f"slice{n}", nn.Sequential(OrderedDict((str(i), layers[i]) for i in range(a, b))))
        self.basenet.slice5 = nn.Sequential(
            nn.MaxPool2d(3, 1, 1), nn.Conv2d(512, 1024, 3, padding=6, dilation=6), nn.Conv2d(1024, 1024, 1)
        )
        for n, (i, m, o) in enumerate(((1024, 512, 256), (512, 256, 128), (256, 128, 64), (128, 64, 32)), start=1):
            block = nn.Module()
            block.conv = nn.Sequential(
                nn.Conv2d(i + m, m, 1), nn.BatchNorm2d(m), nn.ReLU(inplace=True),
                nn.Conv2d(m, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
            )
            setattr(self, f"upconv{n}", block)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 16, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(16, 16, 1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.basenet
        h = b.slice1(x)
        relu2_2 = h
        h = b.slice2(h)
        relu3_2 = h
        h = b.slice3(h)
        relu4_3 = h
        h = b.slice4(h)
        relu5_3 = h
        fc7 = b.slice5(h)
        y = self.upconv1.conv(torch.cat([fc7, relu5_3], dim=1))
        for up, skip in ((self.upconv2, relu4_3), (self.upconv3, relu3_2), (self.upconv4, relu2_2)):
            y = F.interpolate(y, size=skip.size()[2:], mode="bilinear", align_corners=False)
            y = up.conv(torch.cat([y, skip], dim=1))
        return self.conv_cls(y).permute(0, 2, 3, 1)


def test_craft_loads_strictly_and_matches_upstream(craft_state):
    ours, upstream = CRAFT().eval(), _UpstreamCRAFT().eval()
    ours.load_state_dict(craft_state, strict=True)
    upstream.load_state_dict(craft_state, strict=True)
    x = torch.randn(1, 3, 256, 384, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = ours(x)
        y_ref = upstream(x)
    assert y.shape == (1, 128, 192, 2)
    torch.testing.assert_close(y, y_ref)


def test_fold_bn_equals_conv_then_bn(craft_state):
    conv = nn.Conv2d(3, 64, 3, padding=1)
    bn = nn.BatchNorm2d(64).eval()
    for module, prefix in ((conv, "basenet.slice1.0."), (bn, "basenet.slice1.1.")):
        module.load_state_dict({k.removeprefix(prefix): v for k, v in craft_state.items() if k.startswith(prefix)})
    weight, bias = fold_bn(craft_state, "basenet.slice1.0", "basenet.slice1.1")
    x = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(F.conv2d(x, weight, bias, padding=1), bn(conv(x)), rtol=1e-4, atol=1e-4)


def test_fcn8s_craft_encoder_is_folded_craft(craft_state):
    torch.manual_seed(0)
    model = fcn8s_craft(craft_state).eval()
    torch.manual_seed(0)
    plain = fcn8s()
    craft = CRAFT().eval()
    craft.load_state_dict(craft_state, strict=True)
    x = torch.randn(1, 64, 16, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        # conv5_2 of FCN-8s (features.26) against CRAFT's conv5_2 + BN (slice4.37, .38).
        ref = craft.basenet.slice4[-1](craft.basenet.slice4[-2](torch.cat([x] * 8, dim=1)))
        torch.testing.assert_close(model.features[26](torch.cat([x] * 8, dim=1)), ref, rtol=1e-4, atol=1e-4)
        first = craft.basenet.slice1[1](craft.basenet.slice1[0](x[:, :3]))
        torch.testing.assert_close(model.features[0](x[:, :3]), first, rtol=1e-4, atol=1e-4)
    for name in ("features.28.weight", "fc6.weight", "fc7.weight", "score_fr.weight", "upscore8.weight"):
        assert torch.equal(model.state_dict()[name], plain.state_dict()[name]), name
    assert not torch.equal(model.features[0].weight, plain.features[0].weight)
