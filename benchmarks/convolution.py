"""Benchmark: the book's 2-D convolution, loop form and im2col form, against
``torch.nn.functional.conv2d`` on the CPU (not a test).

One realistic small layer: a batch of 8 images of 32 x 32 pixels, 16 channels in,
32 out, a 3 x 3 kernel with padding 1, in float64. For each implementation, the
forward pass and the backward pass (the gradients with respect to the input, the
weight and the bias; torch's through autograd), reported as the median over repeats
and as ratios, in one run.

Run:  python benchmarks/convolution.py [--repeats 5] [--threads 1]

Every implementation gets the same number of threads (PyTorch's intra-op threads and
the BLAS threads NumPy uses), one by default: on a shared machine extra threads spin
and make timings erratic.
"""

import argparse
import statistics
import timeit
from functools import partial

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch.nn import functional as F

from dlfoundations.architectures.convolutional_networks import (
    conv2d,
    conv2d_backward,
    conv2d_loop,
    conv2d_loop_backward,
)

BATCH, IN_CHANNELS, OUT_CHANNELS, SIZE, KERNEL = 8, 16, 32, 32, 3


def median_seconds(call, repeats: int) -> float:
    """Median over ``repeats`` runs of one call."""
    return statistics.median(timeit.repeat(call, number=1, repeat=repeats))


def layer_times(repeats: int, loop_repeats: int) -> dict[str, tuple[float, float]]:
    """(forward, backward) seconds of each implementation on the same layer."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, IN_CHANNELS, SIZE, SIZE))
    weight = rng.normal(size=(OUT_CHANNELS, IN_CHANNELS, KERNEL, KERNEL)) / 12
    bias = rng.normal(size=OUT_CHANNELS)
    grad_z = rng.normal(size=(BATCH, OUT_CHANNELS, SIZE, SIZE))
    times = {}
    for name, forward, backward, count in (
        ("loop", conv2d_loop, conv2d_loop_backward, loop_repeats),
        ("im2col", conv2d, conv2d_backward, repeats),
    ):
        times[name] = (
            median_seconds(partial(forward, x, weight, bias, padding=1), count),
            median_seconds(partial(backward, x, weight, grad_z, padding=1), count),
        )
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    grad_t = torch.tensor(grad_z)

    def torch_forward():
        with torch.no_grad():
            return F.conv2d(*leaves, padding=1)

    def torch_backward():  # the forward pass is needed to build the graph: timed apart
        z = F.conv2d(*leaves, padding=1)
        return torch.autograd.grad(z, leaves, grad_t)

    forward = median_seconds(torch_forward, repeats)
    both = median_seconds(torch_backward, repeats)
    times["torch"] = (forward, max(both - forward, 0.0))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop-repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        times = layer_times(args.repeats, args.loop_repeats)
    print(
        f"conv2d, float64, batch {BATCH}, {IN_CHANNELS} -> {OUT_CHANNELS} channels, "
        f"{SIZE}x{SIZE}, {KERNEL}x{KERNEL} kernel, padding 1, "
        f"{args.threads} thread(s)"
    )
    print(f"{'':8}{'forward':>12}{'backward':>12}")
    for name, (forward, backward) in times.items():
        print(f"{name:8}{forward * 1e3:>10.2f}ms{backward * 1e3:>10.2f}ms")
    for slow, fast in (("loop", "im2col"), ("im2col", "torch"), ("loop", "torch")):
        ratios = [times[slow][k] / times[fast][k] for k in (0, 1)]
        print(f"{slow} / {fast}: forward {ratios[0]:.0f}x, backward {ratios[1]:.0f}x")


if __name__ == "__main__":
    main()
