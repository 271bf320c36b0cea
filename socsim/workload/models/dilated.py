"""The Dilated front-end of Yu & Koltun ("Multi-scale context aggregation by dilated convolutions", 2016).

VGG16 conv1_1–conv4_3 with pool1–pool3; pool4 and pool5 removed; conv5_1–conv5_3 dilated by 2;
fc6 as a 7×7 convolution dilated by 4 (4096 channels), fc7 as a 1×1 convolution (4096), and a
final 1×1 convolution to 19 Cityscapes classes. Caffe's original runs unpadded convolutions on an
input reflection-padded by 186 pixels; here every convolution is padded by its dilation (fc6 by
12), so the output is exactly input/8 (output stride 8) and the model traces with ``torch.fx``.
Dropout is omitted (inference) and so is the final ×8 bilinear upsampling of the paper's
evaluation. 134.3 M parameters. The default input is 512×256 (width × height).
"""

from __future__ import annotations

import torch
from torch import nn

from socsim.workload.models.vgg import init_torchvision, make_layers

DILATED_CFG: tuple[int | str | tuple[int, int], ...] = (
    64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, (512, 2), (512, 2), (512, 2),
)
"""VGG16 with pool4/pool5 removed and conv5 dilated by 2 (see ``vgg.make_layers``)."""


class DilatedFrontEnd(nn.Module):
    """Dilated front-end: class scores at 1/8 of the input resolution."""

    def __init__(self, num_classes: int = 19) -> None:
        super().__init__()
        self.features = make_layers(DILATED_CFG)
        self.fc6 = nn.Conv2d(512, 4096, 7, padding=12, dilation=4)
        self.relu6 = nn.ReLU()
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        self.relu7 = nn.ReLU()
        self.final = nn.Conv2d(4096, num_classes, 1)
        init_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, num_classes, H/8, W/8) of a (N, 3, H, W) image batch, H and W multiples of 8."""
        x = self.features(x)
        return self.final(self.relu7(self.fc7(self.relu6(self.fc6(x)))))


def dilated() -> DilatedFrontEnd:
    """Dilated front-end for 19 Cityscapes classes with random weights."""
    return DilatedFrontEnd()
