"""Chapters 8 and 9: gradient descent with a fixed step or a line search, and its
stochastic and mini-batch versions.

A gradient function here takes the parameters (a 1-D array) and returns an array of
the same shape. For stochastic gradient descent it also takes the batch of data:
``gradient(phi, x_batch, y_batch)`` is the gradient of the loss summed over that batch.
"""

# --8<-- [start:imports]
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_positive, check_real
from dlfoundations.optimization.line_search import line_search

# --8<-- [end:imports]


# --8<-- [start:checks]
def check_learning_rate(learning_rate, name: str = "learning_rate") -> float:
    """Return ``learning_rate`` as a float if it is > 0; else raise ``ValueError`` as torch.optim does."""
    learning_rate = check_real(learning_rate, name)
    if not learning_rate > 0:
        raise ValueError(f"Invalid learning rate: {name} must be positive, got {learning_rate}")
    return learning_rate


def _check_count(value, name: str, minimum: int = 0) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_start(start) -> np.ndarray:
    """The starting parameters as a 1-D float array."""
    start = as_float_array(start, "start")
    if start.ndim != 1:
        raise ValueError(f"start must be a 1-D array of parameters, got shape {start.shape}")
    return start


def _checked_gradient(gradient: Callable, phi: np.ndarray, *data) -> np.ndarray:
    """Call ``gradient(phi, *data)`` and check that it has the shape of ``phi``."""
    g = np.asarray(gradient(phi, *data), dtype=np.float64)
    if g.shape != phi.shape:
        raise ValueError(f"gradient must return an array of the parameters' shape {phi.shape}, got {g.shape}")
    return g


# --8<-- [end:checks]


# --8<-- [start:gradient_descent]
def gradient_descent(gradient: Callable, start, learning_rate: float, n_steps: int) -> np.ndarray:
    """Take ``n_steps`` steps phi <- phi - learning_rate * gradient(phi) from ``start``.

    Returns the path: an array of shape (n_steps + 1, n_parameters), starting at ``start``.
    """
    check_callable(gradient, "gradient")
    phi = _check_start(start)
    learning_rate = check_learning_rate(learning_rate)
    n_steps = _check_count(n_steps, "n_steps")
    path = [phi]
    for _ in range(n_steps):
        phi = phi - learning_rate * _checked_gradient(gradient, phi)
        path.append(phi)
    return np.array(path)


# --8<-- [end:gradient_descent]


# --8<-- [start:gradient_descent_line_search]
def gradient_descent_line_search(
    loss: Callable, gradient: Callable, start, n_steps: int, tol: float = 1e-10, gradient_tol: float = 1e-6
) -> np.ndarray:
    """Gradient descent whose step length is chosen by a line search at every step.

    At phi, with g = gradient(phi), find the t >= 0 that minimises loss(phi - t g), then
    move there. Stops early once the gradient's norm is below ``gradient_tol``.
    Returns the path, of shape (steps taken + 1, n_parameters).
    """
    check_callable(loss, "loss")
    check_callable(gradient, "gradient")
    phi = _check_start(start)
    n_steps = _check_count(n_steps, "n_steps")
    tol = check_positive(tol, "tol")
    gradient_tol = check_positive(gradient_tol, "gradient_tol")
    path = [phi]
    for _ in range(n_steps):
        g = _checked_gradient(gradient, phi)
        if np.linalg.norm(g) <= gradient_tol:
            break
        along_line = lambda t: loss(phi - t * g)  # noqa: E731 (the loss along the ray)
        t = line_search(along_line, start=0.0, step=1.0, tol=tol).x
        phi = phi - t * g
        path.append(phi)
    return np.array(path)


# --8<-- [end:gradient_descent_line_search]


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
