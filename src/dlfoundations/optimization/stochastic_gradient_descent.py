"""Stochastic and mini-batch gradient descent, and learning-rate schedules.

A gradient function here takes the parameters (a 1-D array) and a batch of data:
``gradient(phi, x_batch, y_batch)`` is the gradient of the loss summed over that batch,
an array of the parameters' shape. The argument checks are those of
:mod:`dlfoundations.optimization.gradient_descent`.

A schedule gives the learning rate of epoch ``epoch`` (0, 1, 2, ...), with the same
formula as the matching ``torch.optim.lr_scheduler`` class.
"""

# --8<-- [start:imports]
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlfoundations._validation import (
    as_float_array,
    check_callable,
    check_non_negative,
    check_positive,
)
from dlfoundations.optimization.gradient_descent import (
    _check_count,
    _check_start,
    _checked_gradient,
    check_learning_rate,
)

# --8<-- [end:imports]


# --8<-- [start:minibatches]
def minibatches(n_examples: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Split a random permutation of 0..n_examples-1 into batches of ``batch_size``.

    One epoch: every example appears in exactly one batch; the last batch is smaller
    when ``batch_size`` does not divide ``n_examples``.
    """
    n_examples = _check_count(n_examples, "n_examples", minimum=1)
    batch_size = _check_count(batch_size, "batch_size", minimum=1)
    order = rng.permutation(n_examples)
    return [order[i : i + batch_size] for i in range(0, n_examples, batch_size)]


# --8<-- [end:minibatches]


# --8<-- [start:stochastic_gradient]
def stochastic_gradient(gradient: Callable, phi, x, y, batch) -> np.ndarray:
    """Estimate the gradient of the loss summed over all N examples from one batch B.

    The estimate (N / |B|) * sum_{i in B} grad loss_i is unbiased: averaged over the
    batches, it equals the full gradient.
    """
    batch = np.asarray(batch)
    if batch.ndim != 1 or batch.size == 0:
        raise ValueError(f"batch must be a non-empty 1-D array of example indices, got shape {batch.shape}")
    n_examples = len(x)
    return n_examples / batch.size * _checked_gradient(gradient, phi, x[batch], y[batch])


# --8<-- [end:stochastic_gradient]


# --8<-- [start:minibatch_gradient_descent]
@dataclass
class SGDRun:
    """The parameters after every step, and how many examples had been processed by then."""

    path: np.ndarray  # shape (n_steps + 1, n_parameters)
    examples_seen: np.ndarray  # shape (n_steps + 1,); examples_seen / N counts epochs


def minibatch_gradient_descent(
    gradient: Callable,
    start,
    x,
    y,
    batch_size: int,
    n_epochs: int,
    learning_rate: float | Callable[[int], float],
    seed: int = 0,
) -> SGDRun:
    """Mini-batch gradient descent: each epoch, one step per batch of a fresh permutation.

    ``batch_size = len(x)`` is full-batch gradient descent, ``batch_size = 1`` is
    stochastic gradient descent. ``learning_rate`` is a number or a schedule: a function
    of the epoch (0, 1, 2, ...) that returns the learning rate for that epoch.
    """
    check_callable(gradient, "gradient")
    phi = _check_start(start)
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    batch_size = _check_count(batch_size, "batch_size", minimum=1)
    if batch_size > len(x):
        raise ValueError(f"batch_size must be at most the number of examples {len(x)}, got {batch_size}")
    n_epochs = _check_count(n_epochs, "n_epochs")
    rng = np.random.default_rng(seed)
    path, examples_seen = [phi], [0]
    for epoch in range(n_epochs):
        rate = learning_rate(epoch) if callable(learning_rate) else learning_rate
        rate = check_learning_rate(rate)
        for batch in minibatches(len(x), batch_size, rng):
            phi = phi - rate * stochastic_gradient(gradient, phi, x, y, batch)
            path.append(phi)
            examples_seen.append(examples_seen[-1] + batch.size)
    return SGDRun(path=np.array(path), examples_seen=np.array(examples_seen))


# --8<-- [end:minibatch_gradient_descent]


# --8<-- [start:checks]
def _check_integer(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# --8<-- [end:checks]


# --8<-- [start:step_decay]
def step_decay(epoch: int, initial_lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (torch's StepLR).

    lr(epoch) = initial_lr * gamma ** floor(epoch / step_size)
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    step_size = _check_integer(step_size, "step_size", 1)
    gamma = check_positive(gamma, "gamma")
    return initial_lr * gamma ** (epoch // step_size)


# --8<-- [end:step_decay]


# --8<-- [start:exponential_decay]
def exponential_decay(epoch: int, initial_lr: float, gamma: float) -> float:
    """Multiply the learning rate by ``gamma`` every epoch (torch's ExponentialLR).

    lr(epoch) = initial_lr * gamma ** epoch
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    gamma = check_positive(gamma, "gamma")
    return initial_lr * gamma**epoch


# --8<-- [end:exponential_decay]


# --8<-- [start:cosine_annealing]
def cosine_annealing(epoch: int, initial_lr: float, t_max: int, min_lr: float = 0.0) -> float:
    """Follow half a cosine from ``initial_lr`` down to ``min_lr`` over ``t_max`` epochs
    (torch's CosineAnnealingLR; past ``t_max`` the cosine climbs back up).

    lr(epoch) = min_lr + (initial_lr - min_lr) * (1 + cos(pi * epoch / t_max)) / 2
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    t_max = _check_integer(t_max, "t_max", 1)
    min_lr = check_non_negative(min_lr, "min_lr")
    return float(min_lr + (initial_lr - min_lr) * (1 + np.cos(np.pi * epoch / t_max)) / 2)


# --8<-- [end:cosine_annealing]
