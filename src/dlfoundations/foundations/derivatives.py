"""Derivatives: finite differences, analytic derivatives, the chain rule, gradients,
Jacobians and vector-Jacobian products.

The argument checks are declared above each function (``@check_arguments``); the
page shows the function below them.
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

from dlfoundations.foundations.functions import sigmoid, tanh

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    finite,
    finite_array,
    float_array,
    function,
    matrix,
    non_negative,
    positive,
    same_shape,
    two_along_first_axis,
    vector,
)


def _positive_steps(value, name: str) -> np.ndarray:
    """Step sizes h: a non-empty array of numbers > 0."""
    steps = float_array(value, name)
    if np.any(steps <= 0):
        raise ValueError(f"{name} must all be positive, got {steps.min()}")
    return steps


_xy_point = two_along_first_axis("two coordinates (x, y)")


def _layer_shapes(arguments: dict) -> None:
    """W maps the input x to the output of b: W has shape (len(b), len(x))."""
    x, W, b = arguments["x"], arguments["W"], arguments["b"]
    if W.shape != (b.size, x.size):
        expected = (b.size, x.size)
        message = f"W must have shape (len(b), len(x)) = {expected} to map x to b"
        raise ValueError(f"{message}, got {W.shape}")


def _one_entry_per_output(arguments: dict) -> None:
    """v holds one entry per output of the layer, as b does."""
    v, b = arguments["v"], arguments["b"]
    if v.shape != b.shape:
        message = "v must have one entry per output of the layer, the shape of b"
        raise ValueError(f"{message} {b.shape}, got {v.shape}")


@check_arguments(f=function, x=float_array, h=positive)
# --8<-- [start:forward_difference]
def forward_difference(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Approximate f'(x) by (f(x + h) - f(x)) / h. The error shrinks like h."""
    return (f(x + h) - f(x)) / h


# --8<-- [end:forward_difference]


@check_arguments(f=function, x=float_array, h=positive)
# --8<-- [start:central_difference]
def central_difference(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Approximate f'(x) by (f(x + h) - f(x - h)) / (2h). The error shrinks like h^2."""
    return (f(x + h) - f(x - h)) / (2 * h)


# --8<-- [end:central_difference]


@check_arguments(x=float_array)
# --8<-- [start:square_derivative]
def square_derivative(x) -> np.ndarray:
    """d/dx x^2 = 2x."""
    return 2 * x


# --8<-- [end:square_derivative]


@check_arguments(x=float_array)
# --8<-- [start:relu_derivative]
def relu_derivative(x) -> np.ndarray:
    """d/dx max(x, 0) = 1 for x > 0, else 0 (0 at the kink x = 0, as PyTorch)."""
    return (x > 0).astype(np.float64)


# --8<-- [end:relu_derivative]


@check_arguments(x=float_array, negative_slope=non_negative)
# --8<-- [start:leaky_relu_derivative]
def leaky_relu_derivative(x, negative_slope: float = 0.01) -> np.ndarray:
    """d/dx leaky_relu(x) = 1 for x > 0, else negative_slope."""
    return np.where(x > 0, 1.0, negative_slope)


# --8<-- [end:leaky_relu_derivative]


# --8<-- [start:sigmoid_tanh_derivatives]
def sigmoid_derivative(x) -> np.ndarray:
    """d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh_derivative(x) -> np.ndarray:
    """d/dx tanh(x) = 1 - tanh(x)^2."""
    return 1 - tanh(x) ** 2


# --8<-- [end:sigmoid_tanh_derivatives]


@check_arguments(f=function, df=function, x=finite, step_sizes=_positive_steps)
# --8<-- [start:finite_difference_errors]
def finite_difference_errors(
    f: Callable, df: Callable, x: float, step_sizes
) -> tuple[np.ndarray, np.ndarray]:
    """Absolute errors of the forward and central differences of f at x, per step h.

    ``df`` is the exact derivative. Returns ``(forward_errors, central_errors)``.
    """
    exact = df(x)
    forward = np.array([abs(forward_difference(f, x, h) - exact) for h in step_sizes])
    central = np.array([abs(central_difference(f, x, h) - exact) for h in step_sizes])
    return forward, central


# --8<-- [end:finite_difference_errors]


@check_arguments(f_prime=function, g=function, g_prime=function)
# --8<-- [start:chain_rule]
def chain_rule(f_prime: Callable, g: Callable, g_prime: Callable) -> Callable:
    """Derivative of the composition f(g(x)): (f o g)'(x) = f'(g(x)) * g'(x)."""

    def derivative(x):
        return f_prime(g(x)) * g_prime(x)

    return derivative


# --8<-- [end:chain_rule]


@check_arguments(f=function, point=finite_array, h=positive)
# --8<-- [start:gradient]
def numerical_gradient(f: Callable, point: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of a scalar function of a vector by central differences.

    One coordinate at a time: the i-th partial derivative is
    (f(p + h e_i) - f(p - h e_i)) / (2h), where e_i is the i-th unit vector.
    """
    gradient = np.zeros_like(point)
    for i in range(point.size):
        step = np.zeros_like(point)
        step.flat[i] = h
        gradient.flat[i] = (f(point + step) - f(point - step)) / (2 * h)
    return gradient


# --8<-- [end:gradient]


@check_arguments(point=_xy_point)
# --8<-- [start:bowl]
def bowl(point) -> np.ndarray:
    """An example function of two variables: f(x, y) = x^2 + 2y^2 + xy / 2 + sin(2x).

    ``point`` is ``(x, y)``; x and y may be arrays of the same shape (a grid).
    """
    x, y = point
    return x**2 + 2 * y**2 + x * y / 2 + np.sin(2 * x)


# --8<-- [end:bowl]


@check_arguments(point=_xy_point)
# --8<-- [start:bowl_gradient]
def bowl_gradient(point) -> np.ndarray:
    """The exact gradient of :func:`bowl`: (2x + y/2 + 2cos(2x), 4y + x/2)."""
    x, y = point
    return np.array([2 * x + y / 2 + 2 * np.cos(2 * x), 4 * y + x / 2])


# --8<-- [end:bowl_gradient]


@check_arguments(f=function, df=function, x=float_array, h=positive)
# --8<-- [start:gradient_check]
def gradient_check(f: Callable, df: Callable, x, h: float = 1e-5) -> float:
    """Largest absolute difference between an analytic derivative ``df``
    and the central differences of ``f``."""
    analytic = np.asarray(df(x), dtype=np.float64)
    numeric = central_difference(f, x, h)
    if analytic.shape != numeric.shape:
        message = f"df(x) must have the shape of f's central difference {numeric.shape}"
        raise ValueError(f"{message}, got {analytic.shape}")
    return float(np.max(np.abs(analytic - numeric)))


# --8<-- [end:gradient_check]


@check_arguments(
    same_shape("point", "direction"),
    f=function,
    point=vector,
    direction=vector,
    h=positive,
)
# --8<-- [start:directional_derivative]
def directional_derivative(
    f: Callable, point, direction, h: float = 1e-5
) -> np.ndarray:
    """How fast f(point) changes when the point moves along ``direction``:
    the derivative of t -> f(point + t * direction) at t = 0, by central difference.
    """
    return central_difference(lambda t: f(point + t * direction), 0.0, h)


# --8<-- [end:directional_derivative]


@check_arguments(f=function, point=vector, h=positive)
# --8<-- [start:jacobian]
def numerical_jacobian(f: Callable, point, h: float = 1e-5) -> np.ndarray:
    """Jacobian J[i, j] = d f_i / d x_j of a vector function f at a point.

    Column j is the directional derivative along the j-th unit vector e_j: how
    every output moves when the input x_j alone moves.
    """
    unit_vectors = np.eye(point.size)
    columns = [directional_derivative(f, point, e_j, h) for e_j in unit_vectors]
    return np.column_stack(columns)


# --8<-- [end:jacobian]


@check_arguments(_layer_shapes, x=vector, W=matrix, b=vector)
# --8<-- [start:tanh_layer]
def tanh_layer(x, W, b) -> np.ndarray:
    """One layer of a network, for one input vector: h = tanh(W x + b)."""
    return tanh(W @ x + b)


# --8<-- [end:tanh_layer]


@check_arguments(_layer_shapes, x=vector, W=matrix, b=vector)
# --8<-- [start:tanh_layer_jacobian]
def tanh_layer_jacobian(x, W, b) -> np.ndarray:
    """Jacobian of h = tanh(z), z = W x + b, by the chain rule: the Jacobian of
    tanh (diagonal, tanh'(z) on the diagonal) times the Jacobian of z (W)."""
    z = W @ x + b
    return np.diag(tanh_derivative(z)) @ W


# --8<-- [end:tanh_layer_jacobian]


@check_arguments(
    _one_entry_per_output, _layer_shapes, v=vector, x=vector, W=matrix, b=vector
)
# --8<-- [start:tanh_layer_vjp]
def tanh_layer_vjp(v, x, W, b) -> np.ndarray:
    """The vector-Jacobian product v^T J of h = tanh(W x + b), without forming J:
    multiply v by tanh'(z) entry by entry (the diagonal), then by W."""
    z = W @ x + b
    return (v * tanh_derivative(z)) @ W


# --8<-- [end:tanh_layer_vjp]


@check_arguments(x=float_array)
# --8<-- [start:silu]
def silu(x) -> np.ndarray:
    """y = x * sigmoid(x): x reaches y by two paths, y = u * v with u = x and
    v = sigmoid(x)."""
    return x * sigmoid(x)


# --8<-- [end:silu]


@check_arguments(x=float_array)
# --8<-- [start:silu_derivative]
def silu_derivative(x) -> np.ndarray:
    """dy/dx = dy/du * du/dx + dy/dv * dv/dx: one term per path, added."""
    u, v = x, sigmoid(x)
    through_u = v * 1.0  # dy/du = v and du/dx = 1
    through_v = u * sigmoid_derivative(x)  # dy/dv = u and dv/dx = sigmoid'(x)
    return through_u + through_v


# --8<-- [end:silu_derivative]
