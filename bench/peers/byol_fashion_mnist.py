"""BYOL on Fashion-MNIST in PyTorch, for trying recipes faster than a full run of ours.

Same networks as bench/peers/byol_step.py (ResNet, or the plain conv net of models/convnet.ts with
its grid pooling), views as the presets draw them (crop + flip + brightness/contrast jitter, solarize
on view 2 when asked), AdamW with warm-up + cosine, cosine tau, and at the end the kNN (k=20 and
200, T=0.1, cosine) and linear probe (Adam 1e-2, cosine, 30 epochs, standardised features) of
lib/eval. It is a scouting tool: its numbers come from PyTorch's initialisation and random
streams, not ours, so a recipe it picks must be confirmed with `deno task train`.

Run with Debian's python3-torch, e.g. (one JSON line per evaluation, the last with "final"):
  /usr/bin/python3 bench/peers/byol_fashion_mnist.py --arch convnet --grid 2 --batch 128 --epochs 3 \
      --solarize 0 --min-scale 0.3
"""
import argparse, gzip, json, math, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from byol_step import ConvNet, ResNet, augment, mlp

def idx(path):
    with gzip.open(path) as f: data = f.read()
    nd = data[3]; dims = [int.from_bytes(data[4+4*i:8+4*i], "big") for i in range(nd)]
    return np.frombuffer(data, np.uint8, offset=4+4*nd).reshape(dims)

D = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist") + "/"
def load():
    xtr = torch.tensor(idx(D+"train-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    ytr = torch.tensor(idx(D+"train-labels-idx1-ubyte.gz")).long()
    xte = torch.tensor(idx(D+"t10k-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    yte = torch.tensor(idx(D+"t10k-labels-idx1-ubyte.gz")).long()
    return xtr, ytr, xte, yte

def encoder_of(a):
    if a.arch == "convnet":
        ints = lambda text: [int(v) for v in text.split(",")]
        return ConvNet(ints(a.channels), ints(a.strides), a.grid, 1)
    return ResNet(18, a.width, a.stem, 1)

@torch.no_grad()
def feats(enc, x):
    enc.eval(); out = torch.cat([enc(x[i:i+1000]) for i in range(0, len(x), 1000)]); enc.train(); return out

@torch.no_grad()
def knn(ftr, ytr, fte, yte, k=20, T=0.1):
    ftr = F.normalize(ftr, dim=1); fte = F.normalize(fte, dim=1); correct = 0
    for i in range(0, len(fte), 500):
        s = fte[i:i+500] @ ftr.T; v, ix = s.topk(k, dim=1)
        votes = torch.zeros(len(v), 10).scatter_add_(1, ytr[ix], torch.exp(v / T))
        correct += (votes.argmax(1) == yte[i:i+500]).sum().item()
    return correct / len(fte)

def linear(ftr, ytr, fte, yte, epochs=30, bs=1024, lr=1e-2):
    m, s = ftr.mean(0), ftr.std(0) + 1e-6; ftr = (ftr-m)/s; fte = (fte-m)/s
    lin = nn.Linear(ftr.shape[1], 10); opt = torch.optim.Adam(lin.parameters(), lr=lr)
    steps = epochs * math.ceil(len(ftr)/bs); sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    g = torch.Generator().manual_seed(0)
    for e in range(epochs):
        perm = torch.randperm(len(ftr), generator=g)
        for i in range(0, len(ftr), bs):
            ix = perm[i:i+bs]; loss = F.cross_entropy(lin(ftr[ix]), ytr[ix])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    with torch.no_grad(): return (lin(fte).argmax(1) == yte).float().mean().item()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet", choices=["resnet", "convnet"]); p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--stem", default="strided")
    p.add_argument("--hidden", type=int, default=512); p.add_argument("--proj", type=int, default=128)
    p.add_argument("--batch", type=int, default=256); p.add_argument("--epochs", type=float, default=3)
    p.add_argument("--lr", type=float, default=2e-3); p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--pred-lr-mult", type=float, default=1.0)
    p.add_argument("--warmup", type=float, default=0.1, help="fraction of steps")
    p.add_argument("--tau", type=float, default=0.99); p.add_argument("--min-scale", type=float, default=0.25)
    p.add_argument("--jitter", type=float, default=0.4); p.add_argument("--jitter-p", type=float, default=0.8)
    p.add_argument("--solarize", type=float, default=0.2); p.add_argument("--eval-every", type=int, default=0)
    p.add_argument("--threads", type=int, default=2); p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bias-wd", action="store_true"); p.add_argument("--channels", default="32,64,64,128,128"); p.add_argument("--strides", default="1,2,1,2,1"); p.add_argument("--grid", type=int, default=1)
    p.add_argument("--baseline", action="store_true", help="also evaluate the encoder at its random initialisation")
    a = p.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    xtr, ytr, xte, yte = load()
    enc = encoder_of(a); online = nn.Sequential(enc, mlp(enc.features, a.hidden, a.proj))
    pred = mlp(a.proj, a.hidden, a.proj)
    tenc = encoder_of(a); target = nn.Sequential(tenc, mlp(enc.features, a.hidden, a.proj))
    target.load_state_dict(online.state_dict())
    for q in target.parameters(): q.requires_grad_(False)
    decay = lambda m: [q for q in m.parameters() if q.ndim > 1 or a.bias_wd]
    nodecay = lambda m: [q for q in m.parameters() if not (q.ndim > 1 or a.bias_wd)]
    groups = [{"params": decay(online), "weight_decay": a.wd}, {"params": nodecay(online), "weight_decay": 0},
              {"params": decay(pred), "weight_decay": a.wd, "m": a.pred_lr_mult}, {"params": nodecay(pred), "weight_decay": 0, "m": a.pred_lr_mult}]
    groups = [g for g in groups if g["params"]]
    opt = torch.optim.AdamW(groups, lr=a.lr)
    spe = len(xtr) // a.batch; total = int(a.epochs * spe); warm = max(1, int(a.warmup * total))
    def lr_at(k): return a.lr * (k+1)/warm if k < warm else a.lr * 0.5*(1+math.cos(math.pi*(k-warm)/max(1,total-warm)))
    if a.baseline:
        ftr, fte = feats(enc, xtr), feats(enc, xte)
        r0 = {"random": {"knn20": knn(ftr, ytr, fte, yte), "knn200": knn(ftr, ytr, fte, yte, k=200), "linear": linear(ftr, ytr, fte, yte)}}
    else:
        r0 = {"knn20": knn(feats(enc, xtr), ytr, feats(enc, xte), yte)} if a.eval_every else {}
    print(json.dumps({"step": 0, **r0}), flush=True)
    t0 = time.time(); k = 0; perm = torch.randperm(len(xtr), generator=gen); pos = 0
    while k < total:
        if pos + a.batch > len(xtr): perm = torch.randperm(len(xtr), generator=gen); pos = 0
        x = xtr[perm[pos:pos+a.batch]]; pos += a.batch
        for g in opt.param_groups: g["lr"] = lr_at(k) * g.get("m", 1.0)
        view = lambda sol: augment(x, gen, a.min_scale, sol, jitter=a.jitter, jitter_p=a.jitter_p)
        v1 = view(0.0); v2 = view(a.solarize)
        p1, p2 = pred(online(v1)), pred(online(v2))
        with torch.no_grad(): z1, z2 = target(v1), target(v2)
        loss = (2-2*F.cosine_similarity(p1, z2, dim=-1).mean()) + (2-2*F.cosine_similarity(p2, z1, dim=-1).mean())
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        tau = 1 - (1-a.tau)*(math.cos(math.pi*k/total)+1)/2
        with torch.no_grad():
            for t, o in zip(target.parameters(), online.parameters()): t.mul_(tau).add_(o, alpha=1-tau)
        k += 1
        if a.eval_every and k % a.eval_every == 0 and k < total:
            print(json.dumps({"step": k, "loss": round(loss.item(), 4), "knn20": knn(feats(enc, xtr), ytr, feats(enc, xte), yte), "s": round(time.time()-t0)}), flush=True)
    train_s = time.time() - t0
    ftr, fte = feats(enc, xtr), feats(enc, xte)
    print(json.dumps({"final": True, "args": {k_: v for k_, v in vars(a).items()}, "steps": total, "train_s": round(train_s), "loss": round(loss.item(), 4),
                      "knn20": knn(ftr, ytr, fte, yte), "knn200": knn(ftr, ytr, fte, yte, k=200), "linear": linear(ftr, ytr, fte, yte)}), flush=True)

if __name__ == "__main__": main()
