"""ResNet-18/34/50 of models/resnet.ts in PyTorch: torchvision's layout (bias-free convs before
batch norm, projection shortcuts where the shape changes, bottlenecks with the stride on the 3x3
conv) with this package's names (`stem.conv`, `layer2.block0.main.conv1`,
`layer2.block0.shortcut.conv`) and tfjs's "same" padding, stems `imagenet` (7x7 stride 2 +
3x3 stride-2 max-pool), `small` (3x3 stride 1) or `strided` (3x3 stride 2), and a width
multiplier. Takes NCHW images and gives the globally averaged features.
"""
import math

import torch.nn as nn
import torch.nn.functional as F

from layers import ConvBn, Conv2dSame, MaxPool2dSame

DEPTHS = {"resnet18": (False, [2, 2, 2, 2]), "resnet34": (False, [3, 4, 6, 3]),
          "resnet50": (True, [3, 4, 6, 3])}


def scaled(channels, width):
    """tfjs's Math.max(1, Math.round(c * width)) (halves round up, as JavaScript does)."""
    return max(1, math.floor(channels * width + 0.5))


class Main(nn.Module):
    """A block's main branch: conv1, bn1, conv2, bn2 (and conv3, bn3 for a bottleneck)."""

    def __init__(self, cin, planes, cout, stride, bottleneck):
        super().__init__()
        self.bottleneck = bottleneck
        convs = ([(cin, planes, 1, 1), (planes, planes, 3, stride), (planes, cout, 1, 1)]
                 if bottleneck else [(cin, planes, 3, stride), (planes, cout, 3, 1)])
        for i, (a, b, k, s) in enumerate(convs, start=1):
            self.add_module(f"conv{i}", Conv2dSame(a, b, k, s))
            self.add_module(f"bn{i}", nn.BatchNorm2d(b, eps=1e-5, momentum=0.1))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.bottleneck:
            x = F.relu(self.bn2(self.conv2(x)))
            return self.bn3(self.conv3(x))
        return self.bn2(self.conv2(x))


class Block(nn.Module):
    def __init__(self, cin, planes, cout, stride, bottleneck):
        super().__init__()
        self.main = Main(cin, planes, cout, stride, bottleneck)
        self.shortcut = ConvBn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        return F.relu(self.main(x) + (x if self.shortcut is None else self.shortcut(x)))


class Stem(nn.Module):
    def __init__(self, cin, cout, stem):
        super().__init__()
        kernel, stride = {"imagenet": (7, 2), "small": (3, 1), "strided": (3, 2)}[stem]
        self.conv = Conv2dSame(cin, cout, kernel, stride)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.pool = MaxPool2dSame(3, 2) if stem == "imagenet" else None

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        return x if self.pool is None else self.pool(x)


class ResNet(nn.Module):
    def __init__(self, arch="resnet18", stem="small", width=1.0, in_channels=3):
        super().__init__()
        self.config = {"arch": arch, "stem": stem, "width": width}
        bottleneck, depths = DEPTHS[arch]
        expansion = 4 if bottleneck else 1
        cin = scaled(64, width)
        self.stem = Stem(in_channels, cin, stem)
        for index, depth in enumerate(depths):
            planes = scaled(64 * 2**index, width)
            cout = scaled(64 * 2**index * expansion, width)
            stage = nn.Sequential()
            for i in range(depth):
                stride = 2 if i == 0 and index > 0 else 1
                stage.add_module(f"block{i}", Block(cin, planes, cout, stride, bottleneck))
                cin = cout
            self.add_module(f"layer{index + 1}", stage)
        self.features = cin

    def forward(self, x):
        x = self.stem(x)
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return x.mean(dim=(2, 3))
