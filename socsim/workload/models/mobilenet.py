"""MobileNet v1 (Howard et al. 2017) and MobileNet v2 (Sandler et al. 2018) ImageNet classifiers.

``mobilenet_v1`` is width 1.0 at 224×224: a 3×3 stride-2 convolution, 13 depthwise-separable
blocks (depthwise 3×3 + pointwise 1×1, each followed by batch norm and ReLU), global average
pooling and a 1024→1000 linear layer; 4.23 M parameters. No trained weights exist offline.

``mobilenet_v2`` reproduces torchvision's ``MobileNetV2`` module for module (``features.N.conv...``,
``classifier.1``; ReLU6, batch-norm eps 1e-5), so the official ``mobilenet_v2-b0353104.pth``
loads with ``strict=True``; 3.50 M parameters.

Random initialisation follows torchvision (Kaiming-normal fan-out convolutions, identity batch
norm, linear N(0, 0.01)). Activations are not in-place, so a hook on a layer sees its own output.
"""

from __future__ import annotations

import torch
from torch import nn

from socsim.workload.models.vgg import init_torchvision

# (expansion t, output channels c, repeats n, first stride s) of Sandler et al. Table 2.
MOBILENET_V2_SETTING = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)

# (output channels, stride of the depthwise convolution) of the 13 blocks of Howard et al. Table 1.
MOBILENET_V1_BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)


class ConvBNAct(nn.Sequential):
    """Convolution without bias, batch norm and an activation: torchvision's ``Conv2dNormActivation``."""

    def __init__(
        self, in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1, groups: int = 1,
        act: type[nn.Module] = nn.ReLU6,
    ) -> None:
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_ch),
            act(),
        )


class InvertedResidual(nn.Module):
    """MobileNet v2 block: 1×1 expansion, 3×3 depthwise, linear 1×1 projection, residual add when shapes match."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = inp * expand_ratio
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNAct(inp, hidden, kernel_size=1))
        layers += [
            ConvBNAct(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, oup, 1, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Block output; the residual branch is fixed at construction, so tracing sees no branch."""
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNet v2 (width 1.0) with torchvision's module names."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        features: list[nn.Module] = [ConvBNAct(3, 32, stride=2)]
        in_ch = 32
        for t, c, n, s in MOBILENET_V2_SETTING:
            for i in range(n):
                features.append(InvertedResidual(in_ch, c, s if i == 0 else 1, t))
                in_ch = c
        features.append(ConvBNAct(in_ch, 1280, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))
        init_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, num_classes) of a (N, 3, H, W) normalised image batch."""
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class MobileNetV1(nn.Module):
    """MobileNet v1 (width 1.0) with ReLU and batch norm after every convolution."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBNAct(3, 32, stride=2, act=nn.ReLU)]
        in_ch = 32
        for out_ch, stride in MOBILENET_V1_BLOCKS:
            layers.append(
                nn.Sequential(
                    ConvBNAct(in_ch, in_ch, stride=stride, groups=in_ch, act=nn.ReLU),
                    ConvBNAct(in_ch, out_ch, kernel_size=1, act=nn.ReLU),
                )
            )
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(1024, num_classes)
        init_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, num_classes) of a (N, 3, H, W) normalised image batch."""
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def mobilenet_v1() -> MobileNetV1:
    """MobileNet v1 for 1000 ImageNet classes with random weights."""
    return MobileNetV1()


def mobilenet_v2() -> MobileNetV2:
    """MobileNet v2 for 1000 ImageNet classes with random weights."""
    return MobileNetV2()
