"""VGG16 (Simonyan & Zisserman 2015) and FCN-8s (Long et al. 2015) on its encoder, as plain modules.

``vgg16`` keeps torchvision's module names (``features.N``, ``classifier.N``) so torchvision's
ImageNet state_dict (``vgg16-397923af.pth``) loads strictly when a user passes it as a file. It has
no ``AdaptiveAvgPool2d(7, 7)``: at the 224×224 input it is built for that pool is an identity, and
leaving it out keeps a no-op layer out of the simulated graph. Parameters: 138.36 M; MACs at
224×224: 15.47 G.

``fcn8s`` is FCN-8s for 19 Cityscapes classes with the same ``features`` encoder, defined so that
it needs no cropping and is traceable by ``torch.fx``:

- conv1_1 pads by 1 (not Caffe's 100) and fc6 is a 7×7 convolution padded by 3, so fc7 and the
  score map are input/32 exactly;
- ``upscore2`` and ``upscore_pool4`` are 4×4 transposed convolutions with stride 2 and padding 1
  (exactly ×2), ``upscore8`` a 16×16 one with stride 8 and padding 4 (exactly ×8), all without
  bias and initialised to bilinear interpolation as in the paper;
- skips: ``score_pool4(pool4) + upscore2``, then ``score_pool3(pool3) + upscore_pool4``
  (elementwise adds, no 0.01/0.0001 scaling of the "at-once" variant), dropout omitted (inference).

Inputs must have sides that are multiples of 32; the output is (N, 19, H, W). This definition has
134.46 M parameters (268.9 MB at 16 bit; Vogel et al. Table I: 268 MB). At 2048×1024 the outputs
of every conv, pool, add and upsampling layer (ReLUs excluded) sum to 689.2 M values = 1.38 GB at
16 bit, against Table I's 1.60 GB. Caffe's original (conv1_1 padded by 100, unpadded fc6,
crops after each upsampling) enlarges every map and sums to about 1.77 GB by the same count;
neither reproduces 1.60 GB exactly. This padded definition is the crop-free variant common in
PyTorch ports, and its maps align exactly with the input.

Random initialisation follows torchvision: convolutions Kaiming-normal (fan-out, ReLU), biases
zero, linear layers N(0, 0.01). ReLUs are not in-place, so a hook on a layer sees its own output.
"""

from __future__ import annotations

import torch
from torch import nn

VGG16_CFG: tuple[int | str, ...] = (
    64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M",
)
"""VGG16 configuration 'D': output channels of each 3×3 convolution, 'M' for a 2×2 max-pool."""

FCN8S_POOL3_INDEX = 16
"""Index of pool3 in ``features`` (the pool3 skip of FCN-8s)."""
FCN8S_POOL4_INDEX = 23
"""Index of pool4 in ``features`` (the pool4 skip of FCN-8s)."""


def make_layers(cfg: tuple[int | str | tuple[int, int], ...], in_channels: int = 3) -> nn.Sequential:
    """Build a VGG feature stack: int = 3×3 conv + ReLU, (channels, dilation) = dilated one, 'M' = 2×2 max-pool."""
    layers: list[nn.Module] = []
    for entry in cfg:
        if entry == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        out_channels, dilation = entry if isinstance(entry, tuple) else (entry, 1)
        layers += [nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation), nn.ReLU()]
        in_channels = out_channels
    return nn.Sequential(*layers)


def init_torchvision(module: nn.Module) -> None:
    """Initialise convs Kaiming-normal (fan-out), BN to identity and linears N(0, 0.01), as torchvision does."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """Weights (channels, channels, k, k) of a per-channel bilinear upsampling transposed convolution."""
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = torch.arange(kernel_size, dtype=torch.float32)
    filt1d = 1 - (og - center).abs() / factor
    filt = filt1d[:, None] * filt1d[None, :]
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = filt
    return weight


class VGG16(nn.Module):
    """VGG16 ImageNet classifier for 224×224 inputs (13 convolutions, 3 fully connected layers)."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = make_layers(VGG16_CFG)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(4096, num_classes),
        )
        init_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, num_classes) of a (N, 3, 224, 224) normalised image batch."""
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


class FCN8s(nn.Module):
    """FCN-8s semantic segmentation on a VGG16 encoder; see the module docstring for the padding choices."""

    def __init__(self, num_classes: int = 19) -> None:
        super().__init__()
        self.features = make_layers(VGG16_CFG)
        self.fc6 = nn.Conv2d(512, 4096, 7, padding=3)
        self.relu6 = nn.ReLU()
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        self.relu7 = nn.ReLU()
        self.score_fr = nn.Conv2d(4096, num_classes, 1)
        self.score_pool4 = nn.Conv2d(512, num_classes, 1)
        self.score_pool3 = nn.Conv2d(256, num_classes, 1)
        self.upscore2 = nn.ConvTranspose2d(num_classes, num_classes, 4, stride=2, padding=1, bias=False)
        self.upscore_pool4 = nn.ConvTranspose2d(num_classes, num_classes, 4, stride=2, padding=1, bias=False)
        self.upscore8 = nn.ConvTranspose2d(num_classes, num_classes, 16, stride=8, padding=4, bias=False)
        init_torchvision(self)
        with torch.no_grad():
            for up in (self.upscore2, self.upscore_pool4, self.upscore8):
                up.weight.copy_(bilinear_kernel(num_classes, up.kernel_size[0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, num_classes, H, W) of a (N, 3, H, W) image batch with H, W multiples of 32."""
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == FCN8S_POOL3_INDEX:
                pool3 = x
            elif i == FCN8S_POOL4_INDEX:
                pool4 = x
        x = self.relu7(self.fc7(self.relu6(self.fc6(x))))
        x = self.upscore2(self.score_fr(x))
        x = self.upscore_pool4(self.score_pool4(pool4) + x)
        return self.upscore8(self.score_pool3(pool3) + x)


def vgg16() -> VGG16:
    """VGG16 for 1000 ImageNet classes with random weights."""
    return VGG16()


def fcn8s() -> FCN8s:
    """FCN-8s for 19 Cityscapes classes with random weights (upsampling bilinear)."""
    return FCN8s()
