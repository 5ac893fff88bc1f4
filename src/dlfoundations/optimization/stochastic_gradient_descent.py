"""Stochastic and mini-batch gradient descent, and learning-rate schedules.

A gradient function here takes the parameters (a 1-D array) and a batch of data:
``gradient(phi, x_batch, y_batch)`` is the gradient of the loss averaged over that
batch, an array of the parameters' shape. The argument checks are declared above each
function (see :mod:`dlfoundations.checks`); those of learning rates and gradient
functions come from :mod:`dlfoundations.optimization.gradient_descent`.

A schedule gives the learning rate of epoch ``epoch`` (0, 1, 2, ...), with the same
formula as the matching ``torch.optim.lr_scheduler`` class.
"""

# --8<-- [start:imports]
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    float_array,
    generator,
    non_negative,
    non_negative_integer,
    positive,
    same_length,
    vector,
)
from dlfoundations.optimization.gradient_descent import (
    _gradient_function,
    _learning_rate,
)


# The argument checks of this chapter (see dlfoundations.checks).
def _example_indices(value, name: str) -> np.ndarray:
    """A non-empty 1-D array of integer indices (a batch of examples)."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        raise ValueError(f"{name} must be a 1-D array of example indices") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer example indices, not {array.dtype}")
    if array.ndim != 1 or array.size == 0:
        message = f"{name} must be a non-empty 1-D array of example indices"
        raise ValueError(f"{message}, got shape {array.shape}")
    return array


def _path(value, name: str) -> np.ndarray:
    """The parameters after each step, one row per step (NaN if a run diverged)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        message = f"{name} must be an array of numbers, one row per step"
        raise TypeError(message) from None
    if array.ndim != 2 or array.shape[0] == 0:
        message = f"{name} must be a 2-D array (steps + 1, n_parameters)"
        raise ValueError(f"{message}, got shape {array.shape}")
    return array


def _examples_seen(value, name: str) -> np.ndarray:
    """How many examples had been processed after each step: counts from 0."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        raise ValueError(f"{name} must be a 1-D array of counts") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer counts, not {array.dtype}")
    if array.ndim != 1 or array.size == 0 or (array < 0).any():
        raise ValueError(f"{name} must be a non-empty 1-D array of counts >= 0")
    return array


def _batch_within_x(arguments: dict) -> None:
    """Every index of ``batch`` picks an example of ``x``."""
    batch, n_examples = arguments["batch"], len(arguments["x"])
    if batch.min() < 0 or batch.max() >= n_examples:
        message = f"batch must hold indices in [0, {n_examples}) (the examples of x)"
        raise ValueError(f"{message}, got {batch.min()} to {batch.max()}")


def _batch_size_within_x(arguments: dict) -> None:
    """A batch holds at most every example of ``x``."""
    batch_size, n_examples = arguments["batch_size"], len(arguments["x"])
    if batch_size > n_examples:
        message = f"batch_size must be at most the number of examples {n_examples}"
        raise ValueError(f"{message} (the length of x), got {batch_size}")


def _learning_rate_or_schedule(value, name: str):
    """A learning rate, or a schedule whose every rate is checked when it is asked."""
    if not callable(value):
        return _learning_rate(value, name)

    def checked_schedule(epoch: int) -> float:
        return _learning_rate(value(epoch), f"{name}({epoch})")

    return checked_schedule


@check_arguments(n_examples=count, batch_size=count, rng=generator)
# --8<-- [start:minibatches]
def minibatches(
    n_examples: int, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Split a random permutation of 0..n_examples-1 into batches of ``batch_size``.

    One epoch: every example appears in exactly one batch; the last batch is smaller
    when ``batch_size`` does not divide ``n_examples``.
    """
    order = rng.permutation(n_examples)
    return [order[i : i + batch_size] for i in range(0, n_examples, batch_size)]


# --8<-- [end:minibatches]


@check_arguments(
    same_length("x", "y"),
    _batch_within_x,
    gradient=_gradient_function,
    phi=vector,
    x=float_array,
    y=float_array,
    batch=_example_indices,
)
# --8<-- [start:stochastic_gradient]
def stochastic_gradient(gradient: Callable, phi, x, y, batch) -> np.ndarray:
    """Estimate the gradient of the loss, a mean over all N examples, from one batch.

    The estimate is the mean over the batch, (1 / B) * sum_{i in batch} grad loss_i.
    It is unbiased: averaged over the batches, it equals the full gradient.
    """
    return gradient(phi, x[batch], y[batch])


# --8<-- [end:stochastic_gradient]


# --8<-- [start:sgd_run]
@dataclass
class SGDRun:
    """The parameters after every step, and how many examples had been seen by then."""

    path: np.ndarray  # shape (steps + 1, n_parameters)
    examples_seen: np.ndarray  # shape (steps + 1,); examples_seen / N counts epochs


# --8<-- [end:sgd_run]
SGDRun.__init__ = check_arguments(
    same_length("path", "examples_seen"), path=_path, examples_seen=_examples_seen
)(SGDRun.__init__)


@check_arguments(
    same_length("x", "y"),
    _batch_size_within_x,
    gradient=_gradient_function,
    start=vector,
    x=float_array,
    y=float_array,
    batch_size=count,
    epochs=non_negative_integer,
    lr=_learning_rate_or_schedule,
    seed=non_negative_integer,
)
# --8<-- [start:minibatch_gradient_descent]
def minibatch_gradient_descent(
    gradient: Callable,
    start,
    x,
    y,
    batch_size: int,
    epochs: int,
    lr: float | Callable[[int], float],
    seed: int = 0,
) -> SGDRun:
    """Mini-batch gradient descent: each epoch, one step per batch of a new permutation.

    ``batch_size = len(x)`` is full-batch gradient descent, ``batch_size = 1`` is
    stochastic gradient descent. ``lr`` is a number or a schedule: a
    function of the epoch (0, 1, 2, ...) that returns the learning rate for that epoch.
    """
    phi = np.asarray(start, dtype=float)
    rng = np.random.default_rng(seed)
    path, examples_seen = [phi], [0]
    for epoch in range(epochs):
        rate = lr(epoch) if callable(lr) else lr
        for batch in minibatches(len(x), batch_size, rng):
            g = gradient(phi, x[batch], y[batch])  # as stochastic_gradient estimates it
            phi = phi - rate * g
            path.append(phi)
            examples_seen.append(examples_seen[-1] + batch.size)
    return SGDRun(path=np.array(path), examples_seen=np.array(examples_seen))


# --8<-- [end:minibatch_gradient_descent]


@check_arguments(
    same_length("x", "y"),
    _batch_size_within_x,
    gradient=_gradient_function,
    start=vector,
    x=float_array,
    y=float_array,
    batch_size=count,
    lr=_learning_rate,
    repeats=count,
)
# --8<-- [start:seconds_per_epoch]
def seconds_per_epoch(
    gradient: Callable, start, x, y, batch_size: int, lr: float, repeats: int = 3
) -> float:
    """The wall-clock time of one epoch of mini-batch gradient descent, in seconds.

    The fastest of ``repeats`` epochs, timed with ``time.perf_counter``. Timings vary
    from run to run and from machine to machine: measure them, never hard-code them.
    """
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        minibatch_gradient_descent(gradient, start, x, y, batch_size, 1, lr)
        times.append(time.perf_counter() - begin)
    return min(times)


# --8<-- [end:seconds_per_epoch]


@check_arguments(
    epoch=non_negative_integer,
    initial_lr=_learning_rate,
    step_size=count,
    gamma=positive,
)
# --8<-- [start:step_decay]
def step_decay(
    epoch: int, initial_lr: float, step_size: int, gamma: float = 0.1
) -> float:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (StepLR).

    lr(epoch) = initial_lr * gamma ** floor(epoch / step_size)
    """
    return initial_lr * gamma ** (epoch // step_size)


# --8<-- [end:step_decay]


@check_arguments(epoch=non_negative_integer, initial_lr=_learning_rate, gamma=positive)
# --8<-- [start:exponential_decay]
def exponential_decay(epoch: int, initial_lr: float, gamma: float) -> float:
    """Multiply the learning rate by ``gamma`` every epoch (torch's ExponentialLR).

    lr(epoch) = initial_lr * gamma ** epoch
    """
    return initial_lr * gamma**epoch


# --8<-- [end:exponential_decay]


@check_arguments(
    epoch=non_negative_integer,
    initial_lr=_learning_rate,
    t_max=count,
    min_lr=non_negative,
)
# --8<-- [start:cosine_annealing]
def cosine_annealing(
    epoch: int, initial_lr: float, t_max: int, min_lr: float = 0.0
) -> float:
    """Follow half a cosine from ``initial_lr`` down to ``min_lr`` in ``t_max`` epochs.

    As torch's CosineAnnealingLR; past ``t_max`` the cosine climbs back up.

    lr(epoch) = min_lr + (initial_lr - min_lr) * (1 + cos(pi * epoch / t_max)) / 2
    """
    cosine = np.cos(np.pi * epoch / t_max)
    return float(min_lr + (initial_lr - min_lr) * (1 + cosine) / 2)


# --8<-- [end:cosine_annealing]
