"""Layers that compute what this package's tfjs layers compute, for the module files here.

TensorFlow's "same" padding puts the odd pixel of padding at the bottom and right (a 3x3 stride-2
conv on 28 px pads 0 above and 1 below), where PyTorch's `padding=1` pads both sides; so the
convolutions and the max-pool here pad explicitly, as tfjs does, for any input size. Batch norm
keeps PyTorch's conventions, which are this package's: eps 1e-5, and PyTorch's momentum 0.1 is
tfjs's decay 0.9 (running = 0.9 running + 0.1 batch); PyTorch's running_var is the unbiased
batch variance, this package's the biased one, a difference of n / (n - 1) only in training.
"""
import torch.nn as nn
import torch.nn.functional as F


def same_padding(size, kernel, stride):
    """(before, after) padding of TensorFlow's "same" along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pad_same(x, kernel, stride, value=0.0):
    top, bottom = same_padding(x.shape[2], kernel, stride)
    left, right = same_padding(x.shape[3], kernel, stride)
    return F.pad(x, (left, right, top, bottom), value=value)


class Conv2dSame(nn.Conv2d):
    """A bias-free k x k convolution with TensorFlow's "same" padding (weight OIHW)."""

    def __init__(self, cin, cout, kernel, stride=1):
        super().__init__(cin, cout, kernel, stride, padding=0, bias=False)

    def forward(self, x):
        return super().forward(pad_same(x, self.kernel_size[0], self.stride[0]))


class MaxPool2dSame(nn.Module):
    """A max-pool with TensorFlow's "same" padding (padded cells never win)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        x = pad_same(x, self.kernel, self.stride, value=float("-inf"))
        return F.max_pool2d(x, self.kernel, self.stride)


class ConvBn(nn.Module):
    """`conv` (bias-free, "same") then `bn`, named as this package names them."""

    def __init__(self, cin, cout, kernel, stride=1):
        super().__init__()
        self.conv = Conv2dSame(cin, cout, kernel, stride)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return self.bn(self.conv(x))
