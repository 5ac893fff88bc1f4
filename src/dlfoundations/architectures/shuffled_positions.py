"""Shuffled positions: what one fixed permutation of the 40 positions of MNIST-1D
does to logistic regression, the MLP, the CNN and the GRU (Greydanus, MNIST-1D).

The permutation is the MNIST-1D package's own (``mnist1d(shuffle_positions=True)``,
the data every shuffled run of the book trains on): one permutation, drawn once,
applied to every training and test sequence. A model that reads its input as an
unordered vector loses nothing; one built to read neighbours together does.
"""

# --8<-- [start:imports]
import copy

import numpy as np
import torch
from torch import nn

from dlfoundations.architectures.convolutional_networks import mnist1d_cnn_run
from dlfoundations.architectures.recurrent_networks import mnist1d_gru
from dlfoundations.generalization.measuring_performance import (
    EVAL_EVERY,
    LR,
    STEPS,
    mnist1d_run,
    train_on_mnist1d,
)
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.generalization.measuring_performance import (
    TRAINING_RUN,
    _eval_every_divides_steps,
)
from dlfoundations.checks import (
    check_arguments,
    instance_of,
    matrix,
)
from dlfoundations.experiments import experiment
from dlfoundations.reproductions import reproduces

SOURCE = "Greydanus, MNIST-1D (2020), table of test accuracies"


def _same_shape(arguments: dict) -> None:
    x, x_shuffled = arguments["x"], arguments["x_shuffled"]
    if x.shape != x_shuffled.shape:
        message = "x_shuffled must have the shape of x"
        raise ValueError(f"{message}, {x.shape}, got {x_shuffled.shape}")


def _permutation(value, name: str) -> np.ndarray:
    """A permutation of 0, ..., n - 1, as an integer array."""
    try:
        array = np.asarray(value)
    except ValueError:
        raise TypeError(f"{name} must be a 1-D array of integers") from None
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a 1-D array of integers")
    if not np.array_equal(np.sort(array), np.arange(len(array))):
        message = f"{name} must hold each of 0, ..., {len(array) - 1} once"
        raise ValueError(message)
    return array


def _permutation_fits_model(arguments: dict) -> None:
    first = _first_linear(arguments["model"])
    if first is None:
        raise ValueError("model must start with an nn.Linear layer")
    if len(arguments["permutation"]) != first.in_features:
        message = f"permutation must reorder the {first.in_features} inputs of model"
        raise ValueError(f"{message}, got {len(arguments['permutation'])} positions")


def _first_linear(model: nn.Module) -> nn.Linear | None:
    return next((m for m in model.modules() if isinstance(m, nn.Linear)), None)


def _at_least_two_positions(value, name: str) -> np.ndarray:
    array = matrix(value, name)
    if array.shape[1] < 2:
        raise ValueError(f"{name} must have at least two positions (columns)")
    return array


# --8<-- [start:published]
# test accuracy in the MNIST-1D paper's table: (ordered positions, shuffled)
PUBLISHED = {
    "logistic regression": (0.32, 0.32),
    "MLP": (0.68, 0.68),
    "CNN": (0.94, 0.56),
    "GRU": (0.91, 0.57),
}
# --8<-- [end:published]


@experiment
@check_arguments(_eval_every_divides_steps, **TRAINING_RUN)
# --8<-- [start:mnist1d_logistic_run]
def mnist1d_logistic_run(
    shuffle_positions: bool = False,
    seed: int = 0,
    steps: int = STEPS,
    eval_every: int = EVAL_EVERY,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """Logistic regression on MNIST-1D: one linear layer, 40 values in, 10 logits
    out, trained exactly as the measuring chapter trains its MLP (Adam, learning
    rate 0.01, batches of 100, the cross-entropy of the softmax of the logits)."""
    torch.manual_seed(seed)  # the initial weights
    model = nn.Linear(40, 10)  # softmax(W x + b): logistic regression
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    return train_on_mnist1d(
        model,
        optimizer,
        seed,
        steps=steps,
        eval_every=eval_every,
        shuffle_positions=shuffle_positions,
        device=device,
    )


# --8<-- [end:mnist1d_logistic_run]


@check_arguments(_same_shape, x=matrix, x_shuffled=matrix)
# --8<-- [start:recover_permutation]
def recover_permutation(x, x_shuffled) -> np.ndarray:
    """The permutation pi of the positions with x_shuffled[:, j] = x[:, pi[j]]:
    for each column of x_shuffled, the column of x nearest to it (the same one,
    when x_shuffled is x with its columns reordered)."""
    distances = np.abs(x_shuffled[:, :, None] - x[:, None, :]).max(axis=0)
    return np.argmin(distances, axis=1)  # distances[j, i]: column j against i


# --8<-- [end:recover_permutation]


# --8<-- [start:mnist1d_permutation]
def mnist1d_permutation() -> np.ndarray:
    """The permutation of the 40 positions that mnist1d(shuffle_positions=True)
    applied, recovered from its training sequences and the ordered ones."""
    return recover_permutation(mnist1d()["x"], mnist1d(shuffle_positions=True)["x"])


# --8<-- [end:mnist1d_permutation]


@check_arguments(
    _permutation_fits_model, model=instance_of(nn.Module), permutation=_permutation
)
# --8<-- [start:permute_first_layer]
def permute_first_layer(model: nn.Module, permutation: np.ndarray) -> nn.Module:
    """A copy of the model whose first linear layer reads shuffled inputs: its
    column j is the original's column pi[j], so that W' x[pi] = W x."""
    permuted = copy.deepcopy(model)
    first = next(m for m in permuted.modules() if isinstance(m, nn.Linear))
    with torch.no_grad():  # rearranging weights, not a computation to differentiate
        first.weight.copy_(first.weight[:, torch.as_tensor(permutation)])
    return permuted


# --8<-- [end:permute_first_layer]


@check_arguments(x=_at_least_two_positions)
# --8<-- [start:neighbour_correlation]
def neighbour_correlation(x) -> float:
    """The mean correlation, over the examples, between the values at positions
    t and t + 1, averaged over t: how much a value says about its neighbour."""
    left, right = x[:, :-1], x[:, 1:]
    left, right = left - left.mean(axis=0), right - right.mean(axis=0)
    correlations = (left * right).sum(axis=0) / np.sqrt(
        (left**2).sum(axis=0) * (right**2).sum(axis=0)
    )
    return float(correlations.mean())


# --8<-- [end:neighbour_correlation]


# --8<-- [start:final_test_accuracies]
def final_test_accuracies() -> dict[str, tuple[float, float]]:
    """Each model's test accuracy after its last step, (ordered positions,
    shuffled), as PUBLISHED holds the paper's: read from the cached experiments
    (the first call trains them)."""

    def final(run: dict) -> float:
        return float(1 - run["test_error"][-1])

    orders = (False, True)
    return {
        "logistic regression": tuple(final(mnist1d_logistic_run(s)) for s in orders),
        "MLP": tuple(final(mnist1d_run(shuffle_positions=s)) for s in orders),
        "CNN": tuple(final(mnist1d_cnn_run(s)) for s in orders),
        "GRU": tuple(float(mnist1d_gru(s)["test_accuracy"]) for s in orders),
    }


# --8<-- [end:final_test_accuracies]


@reproduces(
    id="mnist1d-logistic-test-accuracy",
    claim="Logistic regression (one linear layer, 410 parameters) reaches about "
    "32% test accuracy on MNIST-1D",
    source=SOURCE,
    published=PUBLISHED["logistic regression"][0],
    tolerance=0.05,
)
def logistic_test_accuracy() -> float:
    """Logistic regression's test accuracy after its last step, from the cache."""
    return float(1 - mnist1d_logistic_run()["test_error"][-1])


@reproduces(
    id="mnist1d-logistic-shuffled-test-accuracy",
    claim="With the 40 positions of every MNIST-1D sequence shuffled by one fixed "
    "permutation, logistic regression keeps its 32% test accuracy",
    source=SOURCE,
    published=PUBLISHED["logistic regression"][1],
    tolerance=0.05,
)
def logistic_shuffled_test_accuracy() -> float:
    """The same on shuffled positions."""
    return float(1 - mnist1d_logistic_run(True)["test_error"][-1])


@reproduces(
    id="mnist1d-mlp-shuffled-test-accuracy",
    claim="With the positions shuffled by one fixed permutation, the MLP keeps its "
    "68% test accuracy",
    source=SOURCE,
    published=PUBLISHED["MLP"][1],
    tolerance=0.05,
)
def mlp_shuffled_test_accuracy() -> float:
    """The measuring chapter's MLP on shuffled positions, from its cached run."""
    return float(1 - mnist1d_run(shuffle_positions=True)["test_error"][-1])
