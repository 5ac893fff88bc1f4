"""Derivatives: finite differences, analytic derivatives, the chain rule and
gradients."""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_non_negative, check_positive
from dlfoundations.foundations.functions import sigmoid

# --8<-- [end:imports]


# --8<-- [start:finite_differences]
def forward_difference(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Approximate f'(x) by (f(x + h) - f(x)) / h. The error shrinks like h."""
    check_callable(f, "f")
    x = as_float_array(x, "x")
    h = check_positive(h, "h")
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Approximate f'(x) by (f(x + h) - f(x - h)) / (2h). The error shrinks like h^2."""
    check_callable(f, "f")
    x = as_float_array(x, "x")
    h = check_positive(h, "h")
    return (f(x + h) - f(x - h)) / (2 * h)


# --8<-- [end:finite_differences]


# --8<-- [start:analytic_derivatives]
def square_derivative(x) -> np.ndarray:
    """d/dx x^2 = 2x."""
    x = as_float_array(x, "x")
    return 2 * x


def relu_derivative(x) -> np.ndarray:
    """d/dx max(x, 0) = 1 for x > 0, else 0 (we take 0 at the kink x = 0, as PyTorch does)."""
    x = as_float_array(x, "x")
    return (x > 0).astype(np.float64)


def leaky_relu_derivative(x, negative_slope: float = 0.01) -> np.ndarray:
    """d/dx leaky_relu(x) = 1 for x > 0, else negative_slope."""
    x = as_float_array(x, "x")
    negative_slope = check_non_negative(negative_slope, "negative_slope")
    return np.where(x > 0, 1.0, negative_slope)


def sigmoid_derivative(x) -> np.ndarray:
    """d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh_derivative(x) -> np.ndarray:
    """d/dx tanh(x) = 1 - tanh(x)^2."""
    x = as_float_array(x, "x")
    return 1 - np.tanh(x) ** 2


# --8<-- [end:analytic_derivatives]


# --8<-- [start:finite_difference_errors]
def finite_difference_errors(f: Callable, df: Callable, x: float, steps) -> tuple[np.ndarray, np.ndarray]:
    """Absolute errors of the forward and central differences of f at x, for each step size h.

    ``df`` is the exact derivative. Returns ``(forward_errors, central_errors)``.
    """
    check_callable(df, "df")
    steps = as_float_array(steps, "steps")
    if np.any(steps <= 0):
        raise ValueError("steps must all be positive")
    exact = df(np.float64(x))
    forward = np.array([abs(forward_difference(f, x, h) - exact) for h in steps])
    central = np.array([abs(central_difference(f, x, h) - exact) for h in steps])
    return forward, central


# --8<-- [end:finite_difference_errors]


# --8<-- [start:chain_rule]
def chain_rule(f_prime: Callable, g: Callable, g_prime: Callable) -> Callable:
    """Derivative of the composition f(g(x)): (f o g)'(x) = f'(g(x)) * g'(x)."""
    for name, function in (("f_prime", f_prime), ("g", g), ("g_prime", g_prime)):
        check_callable(function, name)

    def derivative(x):
        x = as_float_array(x, "x")
        return f_prime(g(x)) * g_prime(x)

    return derivative


# --8<-- [end:chain_rule]


# --8<-- [start:gradient]
def numerical_gradient(f: Callable, point, h: float = 1e-5) -> np.ndarray:
    """Gradient of a scalar function of a vector by central differences, one coordinate at a time.

    The i-th partial derivative is (f(p + h e_i) - f(p - h e_i)) / (2h), where e_i is the
    i-th unit vector.
    """
    check_callable(f, "f")
    point = as_float_array(point, "point")
    h = check_positive(h, "h")
    gradient = np.zeros_like(point)
    for i in range(point.size):
        step = np.zeros_like(point)
        step.flat[i] = h
        gradient.flat[i] = (f(point + step) - f(point - step)) / (2 * h)
    return gradient


def _xy(point) -> np.ndarray:
    point = as_float_array(point, "point")
    if point.shape[:1] != (2,):
        raise ValueError(f"point must hold two coordinates (x, y) along its first axis, got shape {point.shape}")
    return point


def bowl(point) -> np.ndarray:
    """An example function of two variables: f(x, y) = x^2 + 2y^2 + xy / 2 + sin(2x).

    ``point`` is ``(x, y)``; x and y may be arrays of the same shape (a grid).
    """
    x, y = _xy(point)
    return x**2 + 2 * y**2 + x * y / 2 + np.sin(2 * x)


def bowl_gradient(point) -> np.ndarray:
    """The exact gradient of :func:`bowl`: (2x + y/2 + 2cos(2x), 4y + x/2)."""
    x, y = _xy(point)
    return np.array([2 * x + y / 2 + 2 * np.cos(2 * x), 4 * y + x / 2])


# --8<-- [end:gradient]


# --8<-- [start:gradient_check]
def gradient_check(f: Callable, df: Callable, x, h: float = 1e-5) -> float:
    """Largest absolute difference between an analytic derivative ``df`` and central differences of ``f``."""
    x = as_float_array(x, "x")
    analytic = np.asarray(df(x), dtype=np.float64)
    numeric = central_difference(f, x, h)
    if analytic.shape != numeric.shape:
        raise ValueError(f"df(x) must have the shape of f's central difference {numeric.shape}, got {analytic.shape}")
    return float(np.max(np.abs(analytic - numeric)))


# --8<-- [end:gradient_check]
