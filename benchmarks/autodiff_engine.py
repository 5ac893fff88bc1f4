"""Benchmark: the book's autodiff engines against PyTorch on the CPU (not a test).

1. One training step (forward, backward, SGD update) of MLP([40, 100, 100, 10]) on a
   batch of 100 with cross-entropy: the book's tensor engine against
   the same step in PyTorch, both in float64 on the CPU, in one run. Reported as the
   median over repeats (timeit style) and as a ratio.
2. The scalar engine's throughput: graph nodes per second for building a large graph
   (the forward pass) plus backward().

Run:  python benchmarks/autodiff_engine.py [--repeats 30] [--threads 1]

Both engines get the same number of threads (PyTorch's intra-op threads and the
BLAS threads NumPy uses), one by default: for matrices this small extra threads
do not help, and on a shared machine they spin and make timings erratic.
"""

import argparse
import statistics
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from dlfoundations.backpropagation.scalar_autodiff.engine import (
    Value,
    topological_order,
)
from dlfoundations.backpropagation.tensor_autodiff import MLP
from dlfoundations.backpropagation.pytorch import (
    scratch_step,
    torch_mlp_like,
    torch_step,
)


def median_seconds(step, number: int, repeats: int) -> float:
    """Median over ``repeats`` runs of the mean time of ``number`` calls."""
    times = timeit.repeat(step, number=number, repeat=repeats)
    return statistics.median(times) / number


def training_step_times(repeats: int, number: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(100, 40)), rng.integers(0, 10, size=100)
    scratch = MLP([40, 100, 100, 10], seed=0)
    model = torch_mlp_like(scratch)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)

    def ours():
        scratch_step(scratch, x, y, 0.01)

    def theirs():
        torch_step(model, optimizer, x_t, y_t)

    for _ in range(20):  # warm up both (allocators, caches, lazy imports)
        ours()
        theirs()
    # interleave the repeats so that a busy machine slows both alike
    ours_times, theirs_times = [], []
    for _ in range(repeats):
        ours_times.append(median_seconds(ours, number, 1))
        theirs_times.append(median_seconds(theirs, number, 1))
    t_ours, t_theirs = statistics.median(ours_times), statistics.median(theirs_times)
    return t_ours, t_theirs, t_ours / t_theirs


def scalar_throughput(
    n_inputs: int = 200, rounds: int = 200
) -> tuple[int, float, float]:
    """Build sum_k sum_i tanh(w_i * x_i + k) (about 4 nodes per term), then call
    backward()."""
    xs = [Value(0.01 * i) for i in range(n_inputs)]
    ws = [Value(1.0 - 0.003 * i) for i in range(n_inputs)]

    def forward() -> Value:
        total = Value(0.0)
        for k in range(rounds):
            for x, w in zip(xs, ws):
                total = total + (w * x + 0.001 * k).tanh()
        return total

    start = timeit.default_timer()
    out = forward()
    built = timeit.default_timer()
    out.backward()
    done = timeit.default_timer()
    nodes = len(topological_order(out))
    return nodes, nodes / (built - start), nodes / (done - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--number", type=int, default=10, help="steps per timing")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for PyTorch and for NumPy's BLAS",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        t_ours, t_theirs, ratio = training_step_times(args.repeats, args.number)
    nodes, forward_rate, total_rate = scalar_throughput()

    print(
        f"numpy {np.__version__}, torch {torch.__version__}, "
        f"{args.threads} thread(s) each, float64, CPU"
    )
    print()
    print(
        "One SGD step of MLP([40, 100, 100, 10]), batch 100, cross-entropy "
        "(median of repeats)"
    )
    print(f"| {'engine':<30} | {'time per step':>14} |")
    print(f"|{'-' * 32}|{'-' * 16}|")
    print(f"| {'tensor engine (from scratch)':<30} | {t_ours * 1e6:>11.0f} us |")
    print(f"| {'PyTorch (CPU)':<30} | {t_theirs * 1e6:>11.0f} us |")
    print(f"| {'ratio (ours / PyTorch)':<30} | {ratio:>13.2f}x |")
    print()
    print(f"Scalar engine, a graph of {nodes:,} nodes")
    print(f"| {'forward only':<30} | {forward_rate:>10,.0f} nodes/s |")
    print(f"| {'forward + backward':<30} | {total_rate:>10,.0f} nodes/s |")


if __name__ == "__main__":
    main()
