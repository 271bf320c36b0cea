"""CRAFT text detector (Baek et al. 2019) as shipped by EasyOCR, and FCN-8s initialised from its encoder.

``CRAFT`` matches the state_dict of EasyOCR's ``craft_mlt_25k.pth`` key for key (after stripping
DataParallel's ``module.`` prefix): ``basenet.slice1``–``slice4`` are torchvision's VGG16-BN
``features`` indices 0–38, i.e. conv1_1 … conv5_2 — the upstream comments say "conv5_3" but
index 38 is conv5_2's batch norm, so CRAFT has 12 of VGG16's 13 convolutions. ``slice5`` is a
3×3 stride-1 max-pool, fc6 as a 3×3 convolution dilated by 6 (512→1024) and fc7 as a 1×1
(1024→1024), both without ReLU. The decoder is four U-Net ``double_conv`` blocks (1×1 conv + BN
+ ReLU, 3×3 conv + BN + ReLU), each followed by a bilinear resize to the next skip's size and a
channel concatenation, then ``conv_cls`` (five convolutions) to 2 channels (region and affinity
scores) at half the input resolution.

Upstream's ReLUs are in place, so its skip tensors relu2_2, relu3_2 and relu4_3 are rectified
by the first ReLU of the next slice, while relu5_3 (conv5_2's batch norm) stays unrectified
(slice5 starts with a max-pool). Here the ReLUs are not in place and each slice ends after the
ReLU that follows it (slice1 = 0–12, slice2 = 13–19, slice3 = 20–29, slice4 = 30–38), which
computes the same values without the aliasing; parameter-free modules do not change the keys.

``forward`` returns only the score map ``y.permute(0, 2, 3, 1)`` of shape (N, H/2, W/2, 2), not
upstream's second output (the upconv4 feature, still computed as an intermediate), so the model
has one tensor output and traces with ``torch.fx`` (``F.interpolate`` with ``size=skip.shape[2:]``
traces). Inputs are normalised with the ImageNet mean/std, like EasyOCR's ``normalizeMeanVariance``.

``fcn8s_craft`` builds FCN-8s and copies CRAFT's trained conv1_1 … conv5_2 into its encoder with
each batch norm folded into the convolution. FCN-8s's conv5_3, fc6/fc7 (4096 channels, 7×7 and
1×1; CRAFT's 1024-channel dilated fc6/fc7 do not fit), score layers and upsampling stay as
initialised by the caller's seed (upsampling bilinear): the result is only *partially* trained.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from socsim.workload.models.vgg import FCN8s, VGG16_CFG

BN_EPS = 1e-5
"""Batch-norm epsilon of torchvision's VGG16-BN and of CRAFT's decoder (not stored in the state_dict)."""

CRAFT_ENCODER_CONVS: tuple[str, ...] = (
    "basenet.slice1.0", "basenet.slice1.3", "basenet.slice1.7", "basenet.slice1.10",
    "basenet.slice2.14", "basenet.slice2.17", "basenet.slice3.20", "basenet.slice3.24",
    "basenet.slice3.27", "basenet.slice4.30", "basenet.slice4.34", "basenet.slice4.37",
)
"""CRAFT's encoder convolutions conv1_1 … conv5_2 in order; each is followed by its batch norm at index + 1."""

VGG16_CONV_INDICES: tuple[int, ...] = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
"""Indices of conv1_1 … conv5_3 in the plain VGG16 ``features`` stack (FCN-8s's encoder)."""

# Where each slice of the VGG16-BN features ends (exclusive); see the module docstring.
_SLICE_ENDS = (13, 20, 30, 39)


def _vgg16_bn_layers() -> list[nn.Module]:
    """Torchvision's VGG16-BN ``features`` modules (conv, BN, ReLU; 2×2 max-pools) with ReLUs not in place."""
    layers: list[nn.Module] = []
    in_ch = 3
    for entry in VGG16_CFG:
        if entry == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_ch, entry, 3, padding=1), nn.BatchNorm2d(entry), nn.ReLU()]
            in_ch = entry
    return layers


class VGG16BNBase(nn.Module):
    """CRAFT's encoder: VGG16-BN up to conv5_2 plus a dilated fc6/fc7; returns the five skip tensors."""

    def __init__(self) -> None:
        super().__init__()
        layers = _vgg16_bn_layers()
        starts = (0,) + _SLICE_ENDS[:-1]
        for n, (start, end) in enumerate(zip(starts, _SLICE_ENDS), start=1):
            self.add_module(f"slice{n}", nn.Sequential(OrderedDict((str(i), layers[i]) for i in range(start, end))))
        self.slice5 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.Conv2d(1024, 1024, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(fc7, relu5_3, relu4_3, relu3_2, relu2_2) with upstream's names (see the module docstring)."""
        relu2_2 = self.slice1(x)
        relu3_2 = self.slice2(relu2_2)
        relu4_3 = self.slice3(relu3_2)
        relu5_3 = self.slice4(relu4_3)
        fc7 = self.slice5(relu5_3)
        return fc7, relu5_3, relu4_3, relu3_2, relu2_2


class DoubleConv(nn.Module):
    """U-Net decoder block of CRAFT: 1×1 conv to ``mid_ch``, 3×3 conv to ``out_ch``, each with BN and ReLU."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + mid_ch, mid_ch, kernel_size=1),
            nn.BatchNorm2d(mid_ch),
            nn.ReLU(),
            nn.Conv2d(mid_ch, out_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Block output."""
        return self.conv(x)


class CRAFT(nn.Module):
    """CRAFT: per-pixel region and affinity scores at half the input resolution."""

    def __init__(self) -> None:
        super().__init__()
        self.basenet = VGG16BNBase()
        self.upconv1 = DoubleConv(1024, 512, 256)
        self.upconv2 = DoubleConv(512, 256, 128)
        self.upconv3 = DoubleConv(256, 128, 64)
        self.upconv4 = DoubleConv(128, 64, 32)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 16, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=1), nn.ReLU(),
            nn.Conv2d(16, 2, kernel_size=1),
        )
        _init_craft(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (N, H/2, W/2, 2) of a (N, 3, H, W) normalised image batch, H and W multiples of 32."""
        fc7, relu5_3, relu4_3, relu3_2, relu2_2 = self.basenet(x)
        y = self.upconv1(torch.cat([fc7, relu5_3], dim=1))
        y = F.interpolate(y, size=relu4_3.shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv2(torch.cat([y, relu4_3], dim=1))
        y = F.interpolate(y, size=relu3_2.shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv3(torch.cat([y, relu3_2], dim=1))
        y = F.interpolate(y, size=relu2_2.shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv4(torch.cat([y, relu2_2], dim=1))
        return self.conv_cls(y).permute(0, 2, 3, 1)


def _init_craft(module: nn.Module) -> None:
    """Upstream CRAFT's ``init_weights``: Xavier-uniform convolutions, zero biases, identity batch norm."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def fold_bn(
    state: Mapping[str, torch.Tensor], conv: str, bn: str, eps: float = BN_EPS
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of convolution ``conv`` with the eval-mode batch norm ``bn`` folded in (keys are prefixes)."""
    scale = state[f"{bn}.weight"] / torch.sqrt(state[f"{bn}.running_var"] + eps)
    weight = state[f"{conv}.weight"] * scale[:, None, None, None]
    bias = (state[f"{conv}.bias"] - state[f"{bn}.running_mean"]) * scale + state[f"{bn}.bias"]
    return weight, bias


def load_craft_encoder(model: FCN8s, craft_state: Mapping[str, torch.Tensor]) -> None:
    """Copy CRAFT's conv1_1 … conv5_2 (batch norm folded) into ``model.features``; other layers keep their values."""
    with torch.no_grad():
        for key, index in zip(CRAFT_ENCODER_CONVS, VGG16_CONV_INDICES):
            slice_name, _, bn_index = key.rpartition(".")
            weight, bias = fold_bn(craft_state, key, f"{slice_name}.{int(bn_index) + 1}")
            conv = model.features[index]
            conv.weight.copy_(weight)
            conv.bias.copy_(bias)


def craft() -> CRAFT:
    """CRAFT text detector with random weights (Xavier init as upstream)."""
    return CRAFT()


def fcn8s_craft(craft_state: Mapping[str, torch.Tensor], num_classes: int = 19) -> FCN8s:
    """FCN-8s whose encoder conv1_1 … conv5_2 come from a CRAFT state_dict (no ``module.`` prefix), BN folded."""
    model = FCN8s(num_classes)
    load_craft_encoder(model, craft_state)
    return model
