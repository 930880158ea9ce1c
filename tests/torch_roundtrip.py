"""The PyTorch side of tests/torch_roundtrip_test.ts, run once with the test's folder:

    python3 tests/torch_roundtrip.py DIR

- every `DIR/export/*.safetensors` (deno task export's) is loaded with models/torch/load.py
  (strict) and its outputs for `DIR/images.safetensors` go to `DIR/torch_features.safetensors`,
  named by the file's stem;
- each network of `DIR/made.json` ({name: {"encoder": config, "projector": sizes or null}}) is
  built from the module files, its parameters and batch-norm buffers drawn at random, saved to
  `DIR/made/<name>.safetensors` with models/torch/save.py, and its outputs added as `made/<name>`;
- every checkpoint listed in `DIR/checkpoints.json` is read with json + struct + numpy and its
  tensors written to `DIR/read.json` as {file: {name: {dtype, shape, values}}}.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "torch"))
import load  # noqa: E402
import save  # noqa: E402
from heads import Online  # noqa: E402


def randomized(module, generator):
    """Every parameter and batch-norm buffer drawn at random, so a misplaced one shows."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            noise = torch.rand(t.shape, generator=generator)
            if t.dim() > 1:  # a conv kernel or linear weight, scaled by its fan-in
                t.copy_((2 * noise - 1) * (3 / t[0].numel()) ** 0.5)
            elif name.endswith("running_var") or name.endswith("weight"):
                t.copy_(0.5 + noise)
            else:
                t.copy_(noise - 0.5)
    return module


def main(folder):
    images, _ = load.read_safetensors(os.path.join(folder, "images.safetensors"))
    x = torch.from_numpy(images["images"]).permute(0, 3, 1, 2).contiguous()
    outputs = {}
    export_dir = os.path.join(folder, "export")
    for file in sorted(os.listdir(export_dir)):
        module = load.load(os.path.join(export_dir, file))
        with torch.no_grad():
            outputs[file.removesuffix(".safetensors")] = module(x).numpy()
    with open(os.path.join(folder, "made.json")) as f:
        made = json.load(f)
    os.makedirs(os.path.join(folder, "made"), exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    for name, spec in made.items():
        encoder = load.build_encoder(spec["encoder"], x.shape[1])
        projector = spec["projector"]
        module = Online(encoder, projector["hidden"], projector["out"]) if projector else encoder
        randomized(module, generator).eval()
        save.save(module, os.path.join(folder, "made", f"{name}.safetensors"), images["images"].shape[1:])
        with torch.no_grad():
            outputs[f"made/{name}"] = module(x).numpy()
            if projector:
                outputs[f"made/{name}/encoder"] = module.encoder(x).numpy()
    save.write_safetensors(os.path.join(folder, "torch_features.safetensors"), outputs)
    with open(os.path.join(folder, "checkpoints.json")) as f:
        checkpoints = json.load(f)
    read = {}
    for file in checkpoints:
        tensors, _ = load.read_safetensors(file)
        read[file] = {name: {"dtype": str(t.dtype), "shape": list(t.shape),
                             "values": t.astype(float).ravel().tolist()} for name, t in tensors.items()}
    with open(os.path.join(folder, "read.json"), "w") as f:
        json.dump(read, f)


if __name__ == "__main__":
    main(sys.argv[1])
