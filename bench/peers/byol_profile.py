"""PyTorch peer of bench/profile.ts: the BYOL step of bench/peers/byol_step.py (same model, same
step) under torch.profiler (CPU), its aten ops' self times summed into the classes of the table.

It times `--steps` steps unprofiled (the step's wall time), then as many under the profiler. Ops run
inside the `views`, `optimizer` and `target update` record_function scopes count for those
classes; the others are classed by their outermost aten op's name (conv2d's inner mm is the
conv's). The profiler's own cost lands partly in the ops' self times (their sum exceeds the
unprofiled step), so "outside" is the profiled step's wall time minus the sum of aten self
times: Python, autograd's engine and the profiler itself, an upper bound.

Run: /usr/bin/python3 bench/peers/byol_profile.py --arch convnet --batch 64 --steps 5
Prints one JSON line: {"classes": {...}, "stepMs": ..., "kernelMs": ..., "outsideMs": ...}.
"""
import json
import os
import statistics
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile, record_function

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import byol_step as bs  # noqa: E402

PHASES = {"views": "augmentation (views)", "optimizer": "optimizer", "target update": "target update"}

# aten::convolution_backward computes a convolution's input and filter gradients in one op.
CLASSES = [
    "conv forward", "conv gradients", "batch norm forward", "batch norm backward",
    "relu + element-wise", "reductions", "data movement", "pooling", "matmul",
    "augmentation (views)", "optimizer", "target update",
]

REDUCTIONS = ("sum", "mean", "norm", "max", "min", "prod", "linalg_vector_norm", "var", "std")
MOVEMENT = ("view", "reshape", "permute", "t", "transpose", "contiguous", "copy_", "cat", "stack",
            "expand", "slice", "select", "index", "empty", "empty_like", "empty_strided", "zeros",
            "zeros_like", "ones_like", "fill_", "zero_", "to", "_to_copy", "clone", "flatten",
            "as_strided", "unsqueeze", "squeeze", "detach", "detach_", "alias", "_reshape_alias",
            "resize_", "unbind", "split", "narrow", "numpy_T", "set_")


def op_class(name):
    """The class of an aten op by its name (without the `aten::` prefix)."""
    n = name
    if "convolution_backward" in n or n.startswith("slow_conv2d_backward"):
        return "conv gradients"
    if "conv" in n:
        return "conv forward"
    if "batch_norm" in n:
        return "batch norm backward" if "backward" in n else "batch norm forward"
    if "pool" in n:
        return "pooling"
    if n in ("addmm", "mm", "matmul", "linear", "bmm", "baddbmm"):
        return "matmul"
    if n in REDUCTIONS:
        return "reductions"
    if n in MOVEMENT:
        return "data movement"
    return "relu + element-wise"


def main():
    p = bs.parser()
    p.set_defaults(arch="convnet", batch=64)
    a = p.parse_args()
    step = bs.byol_step(a, record_function)

    for k in range(a.warmup):
        step(k)
    wall, profiled, per_class, sums = [], [], {c: [] for c in CLASSES}, []
    # The unprofiled steps first: right after a profiled step, a step runs slower.
    for k in range(a.steps):
        t0 = time.perf_counter()
        step(a.warmup + k)
        wall.append((time.perf_counter() - t0) * 1000)
    for k in range(a.steps):
        t0 = time.perf_counter()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step(a.warmup + a.steps + k)
        profiled.append((time.perf_counter() - t0) * 1000)
        ms = {c: 0.0 for c in CLASSES}
        for e in prof.events():
            if not e.name.startswith("aten::"):
                continue
            # Classed as its outermost aten op (conv2d's inner mm is the conv's), or its phase.
            phase, outer, parent = None, e.name, e.cpu_parent
            while parent is not None and phase is None:
                phase = PHASES.get(parent.name)
                if parent.name.startswith("aten::"):
                    outer = parent.name
                parent = parent.cpu_parent
            ms[phase or op_class(outer[len("aten::"):])] += e.self_cpu_time_total / 1000
        for c in CLASSES:
            per_class[c].append(ms[c])
        sums.append(sum(ms.values()))
    step_ms = statistics.median(wall)
    kernel_ms = statistics.median(sums)
    print(json.dumps({
        "peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
        "classes": {c: statistics.median(v) for c, v in per_class.items()},
        "stepMs": step_ms, "profiledStepMs": statistics.median(profiled),
        "kernelMs": kernel_ms, "outsideMs": statistics.median(profiled) - kernel_ms,
    }))


if __name__ == "__main__":
    main()
