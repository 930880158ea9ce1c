"""The projector of models/byol (an MLP `fc0 -> bn0 -> relu -> out`) and the online network
(`encoder` + `projector`), named as this package names them."""
import torch.nn as nn
import torch.nn.functional as F


class Mlp(nn.Module):
    def __init__(self, features, hidden, out):
        super().__init__()
        self.fc0 = nn.Linear(features, hidden)
        self.bn0 = nn.BatchNorm1d(hidden, eps=1e-5, momentum=0.1)
        self.out = nn.Linear(hidden, out)

    def forward(self, x):
        return self.out(F.relu(self.bn0(self.fc0(x))))


class Online(nn.Module):
    """BYOL's online (or target) network: its `encoder`'s features through the `projector`."""

    def __init__(self, encoder, hidden, out):
        super().__init__()
        self.encoder = encoder
        self.projector = Mlp(encoder.features, hidden, out)

    def forward(self, x):
        return self.projector(self.encoder(x))
