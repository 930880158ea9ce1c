"""The plain conv net of models/convnet.ts in PyTorch: `layer0, layer1, ...` each a 3x3
bias-free conv ("same" padding as tfjs) -> batch norm -> relu, then the last map averaged to
`pool_grid x pool_grid` cells. Takes NCHW images; its features are the tfjs encoder's, in the
same order: a grid's cells are flattened as tfjs's NHWC map is (row, column, channel), so a
linear layer on top keeps its weights.
"""
import torch.nn as nn
import torch.nn.functional as F

from layers import ConvBn


class ConvNet(nn.Module):
    def __init__(self, channels, strides, pool_grid=1, in_channels=1):
        super().__init__()
        self.config = {"arch": "convnet", "channels": list(channels), "strides": list(strides),
                       "poolGrid": pool_grid}
        self.pool_grid = pool_grid
        cin = in_channels
        for i, (cout, stride) in enumerate(zip(channels, strides)):
            self.add_module(f"layer{i}", ConvBn(cin, cout, 3, stride))
            cin = cout
        self.features = cin * pool_grid * pool_grid

    def forward(self, x):
        for layer in self.children():
            x = F.relu(layer(x))
        if self.pool_grid == 1:
            return x.mean(dim=(2, 3))
        x = F.adaptive_avg_pool2d(x, self.pool_grid)
        return x.permute(0, 2, 3, 1).flatten(1)
