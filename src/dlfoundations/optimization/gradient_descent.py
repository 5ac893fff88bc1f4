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
from dataclasses import dataclass

import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    finite,
    finite_array,
    function,
    non_negative_integer,
    positive,
    same_shape,
    vector,
)


# The argument checks of this chapter (see dlfoundations.checks); the stochastic
# gradient descent chapter uses them too.
def _learning_rate(value, name: str = "lr") -> float:
    """A finite learning rate > 0, refused with torch.optim's words otherwise."""
    value = finite(value, name)
    if not value > 0:
        message = f"Invalid learning rate: {name} must be positive, got {value}"
        raise ValueError(message)
    return value


def _gradient_function(value, name: str) -> Callable:
    """A gradient function, wrapped to check that it returns the parameters' shape."""
    value = function(value, name)

    def checked_gradient(phi, *data):
        g = np.asarray(value(phi, *data), dtype=np.float64)
        if g.shape != np.shape(phi):
            message = f"{name} must return an array of the parameters' shape"
            raise ValueError(f"{message} {np.shape(phi)}, got {g.shape}")
        return g

    return checked_gradient


def _non_zero(value, name: str) -> float:
    """A finite real number other than 0 (a direction)."""
    value = finite(value, name)
    if value == 0:
        raise ValueError(f"{name} must be non-zero")
    return value


def _brackets(value, name: str) -> list[tuple[float, float, float]]:
    """A list of brackets, each three numbers (a, b, c)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a list of brackets (a, b, c), got {kind}")
    brackets = list(value)
    if not brackets:
        raise ValueError(f"{name} must hold the first bracket at least")
    for i, bracket in enumerate(brackets):
        if finite_array(bracket, f"{name}[{i}]").shape != (3,):
            message = f"{name}[{i}] must be a bracket (a, b, c)"
            raise ValueError(f"{message}, got {bracket!r}")
    return brackets


def _holds_a_minimum(arguments: dict) -> None:
    """The bracket (a, b, c) of golden_section_search: a < b < c, f(b) lowest."""
    f, a, b, c = (arguments[name] for name in "fabc")
    if not a < b < c:
        message = "the bracket (a, b, c) must satisfy a < b < c"
        raise ValueError(f"{message}, got a={a}, b={b}, c={c}")
    if f(b) > f(a) or f(b) > f(c):
        message = "f(b) must not exceed f(a) and f(c)"
        raise ValueError(f"{message}: the bracket (a, b, c) must trap a minimum")


@check_arguments(
    gradient=_gradient_function,
    start=vector,
    lr=_learning_rate,
    steps=non_negative_integer,
)
# --8<-- [start:gradient_descent]
def gradient_descent(gradient: Callable, start, lr: float, steps: int) -> np.ndarray:
    """Take ``steps`` steps phi <- phi - lr * gradient(phi) from ``start``.

    Returns the path: an array of shape (steps + 1, n_parameters), from ``start``.
    """
    phi = np.asarray(start, dtype=float)
    path = [phi]
    for _ in range(steps):
        phi = phi - lr * gradient(phi)
        path.append(phi)
    return np.array(path)


# --8<-- [end:gradient_descent]


# --8<-- [start:line_search_constants]
GOLDEN = (1 + 5**0.5) / 2  # the golden ratio, 1.618...
MAX_HALVINGS = 40  # halve a first step that goes uphill at most 40 times (2^40 ~ 10^12)

# --8<-- [end:line_search_constants]


@check_arguments(f=function, start=finite, step=_non_zero, max_iter=count)
# --8<-- [start:bracket]
def bracket_minimum(
    f: Callable[[float], float],
    start: float = 0.0,
    step: float = 1.0,
    max_iter: int = 100,
) -> tuple[float, float, float]:
    """Trap a minimum of ``f`` in a bracket, from ``start`` in the direction ``step``.

    Returns ``(a, b, c)`` with ``a < b < c``, ``f(b) <= f(a)`` and ``f(b) <= f(c)``.
    If the first step goes uphill it is halved until it goes downhill; then the steps
    grow by the golden ratio until ``f`` rises again. Raises ``ValueError`` if ``f``
    does not go down in that direction, or keeps going down for ``max_iter`` steps.
    """
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


# --8<-- [start:line_search_result]
@dataclass
class LineSearchResult:
    """The minimiser found, its value, and every bracket ``(a, b, c)`` along the way."""

    x: float
    value: float
    brackets: list[tuple[float, float, float]]


# --8<-- [end:line_search_result]
LineSearchResult.__init__ = check_arguments(x=finite, value=finite, brackets=_brackets)(
    LineSearchResult.__init__
)


@check_arguments(
    _holds_a_minimum,
    f=function,
    a=finite,
    b=finite,
    c=finite,
    tol=positive,
    max_iter=count,
)
# --8<-- [start:golden_section]
def golden_section_search(
    f: Callable[[float], float],
    a: float,
    b: float,
    c: float,
    tol: float = 1e-8,
    max_iter: int = 500,
) -> LineSearchResult:
    """Shrink a bracket ``a < b < c`` with ``f(b) <= f(a), f(c)`` to a width ``tol``.

    Each step tries a point in the larger of the two gaps, a fraction 0.382 (that is
    1 - 1/golden ratio) of the way from ``b``. If it is lower than ``f(b)`` it becomes
    the middle point; otherwise it becomes an end. Either way the middle point stays
    the lowest, so the bracket always holds a local minimum.
    """
    f_b = f(b)
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
    f: Callable[[float], float],
    start: float = 0.0,
    step: float = 1.0,
    tol: float = 1e-8,
) -> LineSearchResult:
    """Minimise ``f`` along a line: bracket a minimum from ``start``, then shrink it."""
    a, b, c = bracket_minimum(f, start, step)
    return golden_section_search(f, a, b, c, tol=tol)


# --8<-- [end:line_search]


@check_arguments(same_shape("phi", "g"), loss=function, phi=vector, g=vector)
# --8<-- [start:loss_along_ray]
def loss_along_ray(loss: Callable, phi: np.ndarray, g: np.ndarray) -> Callable:
    """The loss along the ray from phi in the direction -g, as a function of the
    step's learning rate lr."""
    return lambda lr: loss(phi - lr * g)


# --8<-- [end:loss_along_ray]


@check_arguments(
    loss=function,
    gradient=_gradient_function,
    start=vector,
    steps=non_negative_integer,
    tol=positive,
    gradient_tol=positive,
)
# --8<-- [start:gradient_descent_line_search]
def gradient_descent_line_search(
    loss: Callable,
    gradient: Callable,
    start,
    steps: int,
    tol: float = 1e-10,
    gradient_tol: float = 1e-8,
) -> np.ndarray:
    """Gradient descent whose step length is chosen by a line search at every step.

    At phi, with g = gradient(phi), find the lr >= 0 that minimises loss(phi - lr g),
    then move there. Stops early once the gradient's norm is below ``gradient_tol``.
    Returns the path, of shape (steps taken + 1, n_parameters).
    """
    phi = np.asarray(start, dtype=float)
    path = [phi]
    for _ in range(steps):
        g = gradient(phi)
        if np.linalg.norm(g) <= gradient_tol:
            break
        lr = line_search(loss_along_ray(loss, phi, g), start=0.0, step=1.0, tol=tol).x
        phi = phi - lr * g
        path.append(phi)
    return np.array(path)


# --8<-- [end:gradient_descent_line_search]
