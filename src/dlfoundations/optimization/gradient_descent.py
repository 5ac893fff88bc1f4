"""Gradient descent with a fixed step or a line search.

A gradient function here takes the parameters (a 1-D array) and returns an array of
the same shape.

A line search finds the minimum of a function of one variable in two steps.
:func:`bracket_minimum` walks downhill with growing steps until the function rises
again, which traps a minimum in a bracket ``a < b < c`` with ``f(b) <= f(a)`` and
``f(b) <= f(c)``. :func:`golden_section_search` then shrinks the bracket, keeping that
property, until it is narrower than a tolerance.
"""

# --8<-- [start:imports]
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_positive, check_real

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


# --8<-- [start:line_search_constants]
GOLDEN = (1 + 5**0.5) / 2  # the golden ratio, 1.618...
MAX_HALVINGS = 40  # shrink a first step that goes uphill at most 2^40 (about 10^12) times

# --8<-- [end:line_search_constants]


# --8<-- [start:bracket]
def _check_max_iter(max_iter) -> int:
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    return int(max_iter)


def bracket_minimum(
    f: Callable[[float], float], start: float = 0.0, step: float = 1.0, max_iter: int = 100
) -> tuple[float, float, float]:
    """Trap a minimum of ``f`` in a bracket, searching from ``start`` in the direction of ``step``.

    Returns ``(a, b, c)`` with ``a < b < c``, ``f(b) <= f(a)`` and ``f(b) <= f(c)``.
    If the first step goes uphill it is halved until it goes downhill; then the steps
    grow by the golden ratio until ``f`` rises again. Raises ``ValueError`` if ``f`` does
    not go down in that direction, or keeps going down for ``max_iter`` steps.
    """
    check_callable(f, "f")
    start, step = check_real(start, "start"), check_real(step, "step")
    if step == 0:
        raise ValueError("step must be non-zero")
    max_iter = _check_max_iter(max_iter)
    f_start = f(start)
    middle, f_middle = start + step, f(start + step)
    # 1. While the first step goes uphill, halve it.
    halved = False
    for _ in range(MAX_HALVINGS):
        if f_middle < f_start:
            break
        step, halved = step / 2, True
        middle, f_middle = start + step, f(start + step)
    else:
        raise ValueError("f does not decrease from start in the direction of step")
    if halved:  # the uphill point of the try before closes the bracket
        return _ordered(start, middle, start + 2 * step)
    # 2. Walk downhill with steps growing by the golden ratio until f rises.
    previous = start
    for _ in range(max_iter):
        end = middle + GOLDEN * (middle - previous)
        f_end = f(end)
        if f_end > f_middle:
            return _ordered(previous, middle, end)
        previous, middle, f_middle = middle, end, f_end
    raise ValueError("f keeps decreasing along step: it may be unbounded below")


def _ordered(end1: float, middle: float, end2: float) -> tuple[float, float, float]:
    """The bracket as (a, b, c) with a < c, whichever way the search walked."""
    return min(end1, end2), middle, max(end1, end2)


# --8<-- [end:bracket]


# --8<-- [start:golden_section]
@dataclass
class LineSearchResult:
    """The minimiser found, its value, and every bracket ``(a, b, c)`` along the way."""

    x: float
    value: float
    brackets: list[tuple[float, float, float]] = field(default_factory=list)


def golden_section_search(
    f: Callable[[float], float], a: float, b: float, c: float, tol: float = 1e-8, max_iter: int = 500
) -> LineSearchResult:
    """Shrink a bracket ``a < b < c`` with ``f(b) <= f(a), f(c)`` until ``c - a <= tol``.

    Each step tries a point in the larger of the two gaps, a fraction 0.382 (that is
    1 - 1/golden ratio) of the way from ``b``. If it is lower than ``f(b)`` it becomes the
    middle point; otherwise it becomes an end. Either way the middle point stays the
    lowest, so the bracket always holds a local minimum.
    """
    check_callable(f, "f")
    a, b, c = (check_real(v, name) for v, name in ((a, "a"), (b, "b"), (c, "c")))
    tol = check_positive(tol, "tol")
    max_iter = _check_max_iter(max_iter)
    if not a < b < c:
        raise ValueError(f"bracket must satisfy a < b < c, got a={a}, b={b}, c={c}")
    f_b = f(b)
    if f_b > f(a) or f_b > f(c):
        raise ValueError("bracket must satisfy f(b) <= f(a) and f(b) <= f(c)")
    fraction = 1 - 1 / GOLDEN  # 0.381966...
    brackets = [(a, b, c)]
    for _ in range(max_iter):
        if c - a <= tol:
            break
        if c - b > b - a:
            x = b + fraction * (c - b)
        else:
            x = b - fraction * (b - a)
        f_x = f(x)
        if f_x < f_b:  # x is the new lowest point: the old middle becomes an end
            a, c = (b, c) if x > b else (a, b)
            b, f_b = x, f_x
        else:  # b stays the lowest point: x becomes an end
            a, c = (a, x) if x > b else (x, c)
        brackets.append((a, b, c))
    return LineSearchResult(x=b, value=float(f_b), brackets=brackets)


# --8<-- [end:golden_section]


# --8<-- [start:line_search]
def line_search(
    f: Callable[[float], float], start: float = 0.0, step: float = 1.0, tol: float = 1e-8
) -> LineSearchResult:
    """Minimise ``f`` along a line: bracket a minimum from ``start``, then shrink the bracket."""
    a, b, c = bracket_minimum(f, start, step)
    return golden_section_search(f, a, b, c, tol=tol)


# --8<-- [end:line_search]


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
