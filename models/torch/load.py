"""Loads a file of `deno task export` into the PyTorch module it describes.

    PYTHONPATH=models/torch python3 -c 'import load; print(load.load("encoder.safetensors"))'

`load(path)` reads the file (with json + struct + numpy: no `safetensors` package needed),
builds the network its metadata `byol` records (the encoder's arch and config, the image
channels, the projector's sizes for an `online` or `target` part) and loads the weights with
`load_state_dict(strict=True)`, in evaluation mode. The module takes NCHW float images (the same
values the tfjs model takes NHWC) and gives the features of `model.encode` (or, for `online`,
the projections).
"""
import json
import struct
import sys

import numpy as np
import torch

from convnet import ConvNet
from heads import Online
from resnet import DEPTHS, ResNet

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}


def read_safetensors(path):
    """(tensors by name as numpy arrays, metadata) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name} has {end - begin} bytes, expected "
                             f"{count * dtype.itemsize}")
        array = np.frombuffer(data, dtype, count, 8 + n + begin)
        tensors[name] = array.reshape(info["shape"]).astype(dtype.newbyteorder("="))
    return tensors, metadata


def build_encoder(config, in_channels):
    arch = config["arch"]
    if arch == "convnet":
        return ConvNet(config["channels"], config["strides"], config["poolGrid"], in_channels)
    if arch in DEPTHS:
        return ResNet(arch, config["stem"], config["width"], in_channels)
    raise ValueError(f"no PyTorch module for encoder {arch!r}: build it, then load_state_dict")


def build(info):
    """The module a file's metadata `byol` (parsed) describes, freshly initialised."""
    encoder = build_encoder(info["encoder"], info["inputShape"][2])
    if info["part"] == "encoder":
        return encoder
    return Online(encoder, info["projector"]["hidden"], info["projector"]["out"])


def load(path):
    """The module of a `deno task export --format torch` file, its weights loaded, in eval mode."""
    tensors, metadata = read_safetensors(path)
    if "byol" not in metadata:
        raise ValueError(f"{path}: no 'byol' metadata: not a file of deno task export")
    info = json.loads(metadata["byol"])
    if info["format"] != "torch":
        raise ValueError(f"{path}: has {info['format']} names; export it with --format torch")
    module = build(info)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return module.eval()


if __name__ == "__main__":
    print(load(sys.argv[1]))
