"""Double descent: test error against model size on MNIST-1D with noisy labels.

The set-up of *Understanding Deep Learning* (section 8.4 and its double-descent
notebook): networks with two hidden layers of D ReLU units each, trained on MNIST-1D
whose training labels are partly wrong, for widths D whose parameter counts run from
well below the number of training examples N to well above it. The test error falls,
rises to a peak where the network has just enough parameters to fit every (noisy)
training label, the interpolation threshold, then falls again.

Here 15% of the 4000 training labels are moved to another class; each network is
trained by full-batch Adam until it predicts every training label (or for at most
1000 steps), twice from different initial weights.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import get_device, sequential_mlp
from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.experiments import progress
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.backpropagation.pytorch import _device, _tensor
from dlfoundations.checks import (
    check_arguments,
    count,
    fraction,
    instance_of,
    labels,
    layer_sizes,
    list_of,
    non_negative_integer,
    positive,
)
from dlfoundations.experiments import experiment
from dlfoundations.reproductions import reproduces


def _labels_below(arguments: dict) -> None:
    """Every label is a class index below n_classes, and there are two classes at
    least (one to leave, one to go to)."""
    y, n_classes = arguments["y"], arguments["n_classes"]
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    if y.max() >= n_classes:
        raise ValueError(f"y must hold class indices below n_classes = {n_classes}")


def _batch_for(arguments: dict) -> None:
    """x is a batch (N, inputs) of floats for the model, y its N class indices."""
    model, x, y = arguments["model"], arguments["x"], arguments["y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        message = "x must be a batch (N, features) and y its N class indices"
        raise ValueError(f"{message}, got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point numbers, got {x.dtype}")
    if y.is_floating_point() or y.min() < 0:
        raise ValueError(f"y must hold class indices (integers >= 0), got {y.dtype}")
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if linear and x.shape[1] != linear[0].in_features:
        raise ValueError(f"x must have {linear[0].in_features} columns, the model's")
    if linear and y.max() >= linear[-1].out_features:
        raise ValueError(f"y must be class indices below {linear[-1].out_features}")


def _fits_training_set(arguments: dict) -> None:
    """n_train is at most the 4000 training examples of MNIST-1D."""
    if arguments["n_train"] > 4000:
        n_train = arguments["n_train"]
        raise ValueError(f"n_train must be at most 4000 (MNIST-1D), got {n_train}")


def _sweep_results(value, name: str) -> dict:
    """The results of double_descent_sweep: test errors (runs, widths), the
    parameters of each width, and n_train."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be the dict double_descent_sweep returns")
    missing = {"test_error", "parameters", "n_train"} - set(value)
    if missing:
        raise ValueError(f"{name} must hold {sorted(missing)}, as sweeps return")
    errors = np.asarray(value["test_error"])
    if errors.ndim != 2 or errors.shape[1] != len(value["parameters"]):
        message = "test_error must be (runs, widths), one column per width"
        raise ValueError(f"{name}: {message}, got shape {errors.shape}")
    if np.isnan(errors).any():
        raise ValueError(f"{name}: test_error must not contain NaN")
    count(value["n_train"], f"{name}['n_train']")
    return value


@check_arguments(
    _labels_below,
    y=labels,
    fraction=fraction,
    n_classes=count,
    seed=non_negative_integer,
)
# --8<-- [start:flip_labels]
def flip_labels(y, fraction: float, n_classes: int, seed: int = 0) -> np.ndarray:
    """A copy of the labels y in which round(fraction * N) of them, chosen at random,
    are moved to another class, chosen at random among the other C - 1."""
    rng = np.random.default_rng(seed)
    flipped = y.copy()
    chosen = rng.choice(len(y), size=round(fraction * len(y)), replace=False)
    shift = rng.integers(1, n_classes, size=len(chosen))  # 1 to C - 1, never 0
    flipped[chosen] = (y[chosen] + shift) % n_classes
    return flipped


# --8<-- [end:flip_labels]


@check_arguments(layer_sizes=layer_sizes, seed=non_negative_integer)
# --8<-- [start:seeded_mlp]
def seeded_mlp(layer_sizes: list[int], seed: int) -> nn.Sequential:
    """The PyTorch chapter's sequential_mlp, its initial weights drawn after
    torch.manual_seed(seed); the global random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return sequential_mlp(layer_sizes)


# --8<-- [end:seeded_mlp]


@check_arguments(
    _batch_for,
    model=instance_of(nn.Module),
    x=_tensor,
    y=_tensor,
    steps=count,
    lr=positive,
)
# --8<-- [start:train_to_interpolation]
def train_to_interpolation(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float
) -> int:
    """Full-batch Adam on the cross-entropy until the model predicts every training
    label y (it interpolates), or for `steps` steps; returns the steps taken."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for step in range(steps):
        logits = model(x)
        if (logits.argmax(dim=1) == y).all():
            return step
        optimizer.zero_grad()
        nn.functional.cross_entropy(logits, y).backward()
        optimizer.step()
    return steps


# --8<-- [end:train_to_interpolation]


@check_arguments(_batch_for, model=instance_of(nn.Module), x=_tensor, y=_tensor)
# --8<-- [start:error_and_loss]
@torch.no_grad()
def error_and_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple:
    """The error rate (the share of examples whose class is missed) and the mean
    cross-entropy of the model on (x, y)."""
    logits = model(x)
    error = (logits.argmax(dim=1) != y).float().mean().item()
    return error, nn.functional.cross_entropy(logits, y).item()


# --8<-- [end:error_and_loss]


@experiment
@check_arguments(
    _fits_training_set,
    widths=list_of(count),
    n_train=count,
    label_noise=fraction,
    steps=count,
    lr=positive,
    n_runs=count,
    seed=non_negative_integer,
    device=_device,
)
# --8<-- [start:double_descent_sweep]
def double_descent_sweep(
    widths: tuple[int, ...] = (8, 16, 24, 32, 38, 44, 50, 58, 72, 100, 160),
    n_train: int = 4000,
    label_noise: float = 0.15,
    steps: int = 1000,
    lr: float = 0.01,
    n_runs: int = 2,
    seed: int = 0,
    device: torch.device | None = None,
) -> dict:
    """Train [40, D, D, 10] networks of every width D on the first n_train MNIST-1D
    examples, labels flipped, n_runs times from different initial weights; their
    training and test error rates and losses, one row per run."""
    device = device or get_device()
    data = mnist1d()
    y_noisy = flip_labels(data["y"][:n_train], label_noise, 10, seed)
    x, y = torch.tensor(data["x"][:n_train]), torch.tensor(y_noisy)
    x_test, y_test = torch.tensor(data["x_test"]), torch.tensor(data["y_test"])
    x, y, x_test, y_test = (t.to(device) for t in (x, y, x_test, y_test))
    names = ("train_error", "train_loss", "test_error", "test_loss", "steps_taken")
    results = {name: np.zeros((n_runs, len(widths))) for name in names}
    for j, width in enumerate(progress(widths, "double descent")):
        sizes = [40, width, width, 10]  # MNIST-1D: 40 inputs, 10 classes
        for run in range(n_runs):
            model = seeded_mlp(sizes, seed + run).to(device)
            taken = train_to_interpolation(model, x, y, steps, lr)
            train_error, train_loss = error_and_loss(model, x, y)
            test_error, test_loss = error_and_loss(model, x_test, y_test)
            row = (train_error, train_loss, test_error, test_loss, taken)
            for name, value in zip(names, row):
                results[name][run, j] = value
    parameters = [count_parameters([40, w, w, 10]) for w in widths]
    results |= {"widths": np.array(widths), "parameters": np.array(parameters)}
    return {**results, "n_train": n_train, "label_noise": label_noise}


# --8<-- [end:double_descent_sweep]


@check_arguments(sweep=_sweep_results)
# --8<-- [start:peak_parameters_per_example]
def peak_parameters_per_example(sweep: dict) -> float:
    """Parameters of the width with the highest test error (averaged over the runs),
    per training example."""
    peak = np.argmax(sweep["test_error"].mean(axis=0))
    return sweep["parameters"][peak] / sweep["n_train"]


# --8<-- [end:peak_parameters_per_example]


@reproduces(
    id="double-descent-peak-params-per-example",
    claim=(
        "With 15% label noise on MNIST-1D, the test error of a two-hidden-layer "
        "network peaks where its parameters are about as many as the training "
        "examples (the interpolation threshold): parameters at the peak / N"
    ),
    source=(
        "Understanding Deep Learning, section 8.4 (Nakkiran et al. 2019; "
        "Belkin et al. 2019)"
    ),
    published=1.0,
    tolerance=0.5,
)
def double_descent_peak() -> float:
    """The measured peak of the default sweep, in parameters per training example."""
    return peak_parameters_per_example(double_descent_sweep())
