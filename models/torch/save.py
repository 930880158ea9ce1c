"""Saves a module of these files as a safetensors file that `--init-from` reads back.

    import save
    save.save(model.encoder, "encoder.safetensors", input_shape=(28, 28, 1))

Writes the `state_dict` (OIHW kernels, [out, in] linear weights, batch norm's buffers) with the
metadata `byol` that `load.py` builds the module from. json + struct + numpy only: a file saved
with the `safetensors` package (`save_file(model.state_dict(), path)`) loads as well.
"""
import json
import struct

import numpy as np

from heads import Online

DTYPES = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<f2"): "F16",
          np.dtype("<i8"): "I64", np.dtype("<i4"): "I32"}


def write_safetensors(path, tensors, metadata=None):
    """Writes numpy arrays by name (and string metadata), widest dtypes first, data aligned."""
    arrays = {k: np.array(v, dtype=v.dtype.newbyteorder("<"), order="C") for k, v in
              tensors.items()}
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name in order:
        a = arrays[name]
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name in order:
            f.write(arrays[name].tobytes())


def save(module, path, input_shape):
    """Saves an encoder (ConvNet, ResNet) or an Online network for images of `input_shape`
    (height, width, channels)."""
    online = isinstance(module, Online)
    encoder = module.encoder if online else module
    info = {"format": "torch", "part": "online" if online else "encoder",
            "encoder": encoder.config, "inputShape": list(input_shape)}
    if online:
        info["projector"] = {"hidden": module.projector.fc0.out_features,
                             "out": module.projector.out.out_features}
    tensors = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    write_safetensors(path, tensors, {"byol": json.dumps(info)})
