"""PyTorch peer of the BYOL training step, for side-by-side timing (bench/byol_step.ts).

Same architecture (ResNet with the `small`, `strided` or `imagenet` stem and a width multiplier,
or the plain conv net of models/convnet.ts with its grid pooling; projector/predictor MLPs
Linear-BN-ReLU-Linear), same batch, same step: two augmented views (random resized crop + flip
+ brightness/contrast jitter + solarize on view 2 when asked), online and
target forward passes with per-view batch-norm, the symmetrised 2 - 2 cos loss, backward, the
optimizer (AdamW or LARS) and the EMA of the target. Grayscale input only (the bench's 28x28x1).

Run with Debian's python3-torch: /usr/bin/python3 bench/peers/byol_step.py --steps 5
Prints one JSON line: {"ms": [per-step milliseconds...], ...}.
"""
import argparse
import contextlib
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.a = conv_bn(cin, width, 3, stride)
        self.b = conv_bn(width, width, 3, 1)
        self.short = conv_bn(cin, width, 1, stride) if stride != 1 or cin != width else None

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        return F.relu(y + (self.short(x) if self.short is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        out = width * 4
        self.a = conv_bn(cin, width, 1, 1)
        self.b = conv_bn(width, width, 3, stride)
        self.c = conv_bn(width, out, 1, 1)
        self.short = conv_bn(cin, out, 1, stride) if stride != 1 or cin != out else None

    def forward(self, x):
        y = self.c(F.relu(self.b(F.relu(self.a(x)))))
        return F.relu(y + (self.short(x) if self.short is not None else x))


LAYOUTS = {18: (Basic, [2, 2, 2, 2]), 34: (Basic, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3])}


class ResNet(nn.Module):
    def __init__(self, depth, width, stem, channels):
        super().__init__()
        block, counts = LAYOUTS[depth]
        c = max(1, round(64 * width))
        if stem in ("small", "strided"):
            self.stem = nn.Sequential(conv_bn(channels, c, 3, 2 if stem == "strided" else 1), nn.ReLU())
        else:
            self.stem = nn.Sequential(conv_bn(channels, c, 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], c
        for i, n in enumerate(counts):
            w = max(1, round(64 * 2**i * width))
            for j in range(n):
                layers.append(block(cin, w, 2 if (j == 0 and i > 0) else 1))
                cin = w * block.expansion
        self.layers = nn.Sequential(*layers)
        self.features = cin

    def forward(self, x):
        return self.layers(self.stem(x)).mean(dim=(2, 3))


class ConvNet(nn.Module):
    """models/convnet.ts: 3x3 conv-BN-ReLU layers, then an average pool to a grid x grid map."""

    def __init__(self, channels, strides, grid, cin):
        super().__init__()
        layers = []
        for c, s in zip(channels, strides):
            layers += [conv_bn(cin, c, 3, s), nn.ReLU()]
            cin = c
        self.layers = nn.Sequential(*layers)
        self.grid = grid
        self.features = cin * grid * grid

    def forward(self, x):
        # NCHW here: put channels last before flattening, as the NHWC original does.
        y = F.adaptive_avg_pool2d(self.layers(x), self.grid)
        return y.permute(0, 2, 3, 1).flatten(1)


def mlp(cin, hidden, out):
    return nn.Sequential(nn.Linear(cin, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out))


def augment(x, gen, min_scale, solarize_p, jitter=0.4, jitter_p=0.8):
    n = x.shape[0]
    u = lambda *s: torch.rand(*s, generator=gen)
    area = min_scale + (1 - min_scale) * u(n)
    log_ratio = math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * u(n)
    ratio = torch.exp(log_ratio)
    w = torch.sqrt(area * ratio).clamp(max=1)
    h = torch.sqrt(area / ratio).clamp(max=1)
    cx = (u(n) * 2 - 1) * (1 - w)
    cy = (u(n) * 2 - 1) * (1 - h)
    flip = torch.where(u(n) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    jittering = (u(n) < jitter_p).float().view(n, 1, 1, 1)
    b = (1 - jitter + 2 * jitter * u(n)).view(n, 1, 1, 1)
    c = (1 - jitter + 2 * jitter * u(n)).view(n, 1, 1, 1)
    bright = (y * b).clamp(0, 1)
    mean = bright.mean(dim=(1, 2, 3), keepdim=True)
    jittered = ((bright - mean) * c + mean).clamp(0, 1)
    y = jittering * jittered + (1 - jittering) * y
    if solarize_p > 0:
        sol = (u(n) < solarize_p).view(n, 1, 1, 1)
        y = torch.where(sol & (y >= 0.5), 1 - y, y)
    return y


def parser():
    """The peer's flags (bench/peers/byol_profile.py takes the same ones)."""
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet", choices=["resnet", "convnet"])
    p.add_argument("--channels", default="32,64,64,128,128", help="convnet: channels per layer")
    p.add_argument("--strides", default="1,2,1,2,1", help="convnet: stride per layer")
    p.add_argument("--pool-grid", type=int, default=1, help="convnet: side of the pooled grid")
    p.add_argument("--solarize", type=float, default=0.2, help="view 2's solarize probability")
    p.add_argument("--depth", type=int, default=18)
    p.add_argument("--width", type=float, default=0.5)
    p.add_argument("--stem", default="small")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--proj", type=int, default=128)
    p.add_argument("--optimizer", default="adamw", choices=["adamw", "lars"])
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--min-scale", type=float, default=0.3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    return p


def no_label(_name):
    return contextlib.nullcontext()


def byol_step(a, label=no_label):
    """The BYOL step of the flags `a`, as a function of the step number; `label(name)` wraps its
    views, optimizer and target-update phases (e.g. torch.profiler's record_function)."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)

    def make_encoder():
        if a.arch == "convnet":
            ints = lambda text: [int(v) for v in text.split(",")]
            return ConvNet(ints(a.channels), ints(a.strides), a.pool_grid, 1)
        return ResNet(a.depth, a.width, a.stem, 1)

    encoder = make_encoder()
    online = nn.Sequential(encoder, mlp(encoder.features, a.hidden, a.proj))
    predictor = mlp(a.proj, a.hidden, a.proj)
    target = nn.Sequential(make_encoder(), mlp(encoder.features, a.hidden, a.proj))
    target.load_state_dict(online.state_dict())
    for q in target.parameters():
        q.requires_grad_(False)
    params = list(online.parameters()) + list(predictor.parameters())
    if a.optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay)
    else:
        # LARS as in BYOL: SGD momentum with trust-ratio-scaled, decayed updates (biases/BN excluded).
        opt = torch.optim.SGD(params, lr=0.2 * a.batch / 256, momentum=0.9)
    images = torch.rand(a.batch, 1, a.size, a.size, generator=gen)

    def lars_scale():
        with torch.no_grad():
            for q in params:
                if q.grad is None or q.ndim == 1:
                    continue
                q.grad.add_(q, alpha=1.5e-6)
                pn, gn = q.norm(), q.grad.norm()
                if pn > 0 and gn > 0:
                    q.grad.mul_(1e-3 * pn / gn)

    def loss_fn(pred, z):
        return 2 - 2 * F.cosine_similarity(pred, z.detach(), dim=-1).mean()

    def step(k):
        with label("views"):
            v1 = augment(images, gen, a.min_scale, 0.0)
            v2 = augment(images, gen, a.min_scale, a.solarize)
        p1, p2 = predictor(online(v1)), predictor(online(v2))
        with torch.no_grad():
            z1, z2 = target(v1), target(v2)
        loss = loss_fn(p1, z2) + loss_fn(p2, z1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        with label("optimizer"):
            if a.optimizer == "lars":
                lars_scale()
            opt.step()
        tau = 1 - (1 - 0.99) * (math.cos(math.pi * k / 1000) + 1) / 2
        with label("target update"), torch.no_grad():
            for t, o in zip(target.parameters(), online.parameters()):
                t.mul_(tau).add_(o, alpha=1 - tau)
        return loss.item()

    return step


def main():
    a = parser().parse_args()
    step = byol_step(a)
    for k in range(a.warmup):
        step(k)
    ms = []
    for k in range(a.steps):
        t0 = time.perf_counter()
        step(a.warmup + k)
        ms.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
                      "ms": ms, "config": vars(a)}))


if __name__ == "__main__":
    main()
