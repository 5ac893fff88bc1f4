"""Activation functions: the nonlinearities of a network and their derivatives.

Sigmoid, tanh, ReLU and leaky ReLU come from the functions chapter
(:mod:`dlfoundations.foundations.functions`) and their derivatives from the derivatives
chapter (:mod:`dlfoundations.foundations.derivatives`); this module re-exports them and
adds ELU, GELU and softmax. Every function works elementwise on arrays of any shape,
except softmax, which works along one axis. ``saturated_fraction``,
``sigmoid_chain_gradient`` and ``dead_unit_fraction`` measure how units stop passing
gradients back.

The argument checks are declared above each function (``@check_arguments``); the
page shows the function below them. The new functions refuse infinite input, which
would turn into NaN inside (inf * 0 in GELU, inf - inf in softmax).
"""

# --8<-- [start:imports]
import math

import numpy as np

from dlfoundations.foundations.derivatives import (
    leaky_relu_derivative,
    relu_derivative,
    sigmoid_derivative,
    tanh_derivative,
)
from dlfoundations.foundations.functions import leaky_relu, relu, sigmoid, tanh

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    finite,
    finite_array,
    float_array,
    function,
    matrix,
    positive,
    same_shape,
    vector,
)

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "elu",
    "elu_derivative",
    "gelu",
    "gelu_derivative",
    "gelu_tanh",
    "gelu_tanh_derivative",
    "softmax",
    "softmax_jacobian",
    "softmax_vjp",
    "saturated_fraction",
    "sigmoid_chain_gradient",
    "dead_unit_fraction",
]


def _axis_of(array: str, axis: str):
    """Relation: ``axis`` is an integer naming an axis of the (converted) ``array``."""

    def check_axis(arguments: dict) -> None:
        ndim, value = np.ndim(arguments[array]), arguments[axis]
        if ndim == 0:
            message = "must have at least one axis (a vector or an array)"
            raise ValueError(f"{array} {message}, got a single number")
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)
        ):
            raise TypeError(f"{axis} must be an integer, got {type(value).__name__}")
        if not -ndim <= value < ndim:
            where = f"[{-ndim}, {ndim}) for an array of {ndim} dimensions"
            raise ValueError(f"{axis} must be in {where}, got {value}")
        arguments[axis] = int(value)

    return check_axis


@check_arguments(x=finite_array, alpha=positive)
# --8<-- [start:elu]
def elu(x, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: x for x > 0, alpha * (e^x - 1) otherwise."""
    # expm1 only ever sees x <= 0: e^x cannot overflow in the branch np.where drops
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


# --8<-- [end:elu]


@check_arguments(x=finite_array, alpha=positive)
# --8<-- [start:elu_derivative]
def elu_derivative(x, alpha: float = 1.0) -> np.ndarray:
    """d/dx elu(x) = 1 for x > 0, alpha * e^x otherwise."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


# --8<-- [end:elu_derivative]


# --8<-- [start:normal_distribution]
erf = np.vectorize(math.erf, otypes=[float])  # NumPy has no erf: Python's, elementwise
GELU_C = math.sqrt(2.0 / math.pi)  # used by the tanh approximation below


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = P(Z <= x) for a standard normal Z, via the error function."""
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """Phi'(x) = e^(-x^2 / 2) / sqrt(2 pi), the standard normal density."""
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


# --8<-- [end:normal_distribution]


@check_arguments(x=finite_array)
# --8<-- [start:gelu]
def gelu(x) -> np.ndarray:
    """Gaussian error linear unit: x * Phi(x), with Phi the standard normal CDF."""
    return x * _normal_cdf(x)


# --8<-- [end:gelu]


@check_arguments(x=finite_array)
# --8<-- [start:gelu_derivative]
def gelu_derivative(x) -> np.ndarray:
    """d/dx x Phi(x) = Phi(x) + x Phi'(x), by the product rule."""
    return _normal_cdf(x) + x * _normal_pdf(x)


# --8<-- [end:gelu_derivative]


@check_arguments(x=finite_array)
# --8<-- [start:gelu_tanh]
def gelu_tanh(x) -> np.ndarray:
    """The tanh approximation of GELU: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + tanh(GELU_C * (x + 0.044715 * x**3)))


# --8<-- [end:gelu_tanh]


@check_arguments(x=finite_array)
# --8<-- [start:gelu_tanh_derivative]
def gelu_tanh_derivative(x) -> np.ndarray:
    """Derivative of :func:`gelu_tanh`, by the product and chain rules."""
    t = tanh(GELU_C * (x + 0.044715 * x**3))
    inner_derivative = GELU_C * (1.0 + 3 * 0.044715 * x**2)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * inner_derivative


# --8<-- [end:gelu_tanh_derivative]


@check_arguments(_axis_of("z", "axis"), z=finite_array)
# --8<-- [start:softmax]
def softmax(z, axis: int = -1) -> np.ndarray:
    """softmax(z)_i = e^(z_i) / sum_j e^(z_j), along ``axis``.

    Subtracting the maximum first changes nothing mathematically (the factor e^(-max)
    cancels) but keeps every exponent <= 0, so nothing overflows.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


# --8<-- [end:softmax]


@check_arguments(z=vector)
# --8<-- [start:softmax_jacobian]
def softmax_jacobian(z) -> np.ndarray:
    """Jacobian of softmax at a vector z: J_ij = ds_i/dz_j = s_i (delta_ij - s_j)."""
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


# --8<-- [end:softmax_jacobian]


@check_arguments(
    same_shape("z", "upstream"),
    _axis_of("z", "axis"),
    z=finite_array,
    upstream=finite_array,
)
# --8<-- [start:softmax_vjp]
def softmax_vjp(z, upstream, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product g^T J along ``axis``: s * (g - sum_j g_j s_j).

    This is what backpropagation needs, and it never builds the n-by-n Jacobian.
    """
    s = softmax(z, axis)
    return s * (upstream - np.sum(upstream * s, axis=axis, keepdims=True))


# --8<-- [end:softmax_vjp]


@check_arguments(derivative=function, z=float_array, threshold=positive)
# --8<-- [start:saturated_fraction]
def saturated_fraction(derivative, z, threshold: float = 0.01) -> float:
    """Fraction of pre-activations z where the activation's slope is below threshold.

    A unit in that state passes back almost no gradient: it learns (almost) nothing.
    """
    return float(np.mean(np.abs(derivative(z)) < threshold))


# --8<-- [end:saturated_fraction]


@check_arguments(
    same_shape("weights", "biases"), weights=vector, biases=vector, x=finite
)
# --8<-- [start:sigmoid_chain_gradient]
def sigmoid_chain_gradient(weights, biases, x: float) -> tuple[float, float]:
    """A chain of K one-unit layers h_k = sigmoid(w_k h_(k-1) + b_k), from h_0 = x.

    Returns the product of the K slopes sigmoid'(z_k), at most 4^(-K), and the
    derivative dh_K / dx, which multiplies each slope by its weight w_k.
    """
    h, slopes, gradient = x, 1.0, 1.0
    for w, b in zip(weights, biases):
        z = w * h + b
        slope = sigmoid_derivative(z)
        slopes = slopes * slope
        gradient = gradient * slope * w  # the chain rule: dh_k/dh_(k-1) = slope * w
        h = sigmoid(z)
    return float(slopes), float(gradient)


# --8<-- [end:sigmoid_chain_gradient]


@check_arguments(pre_activations=matrix)
# --8<-- [start:dead_unit_fraction]
def dead_unit_fraction(pre_activations) -> float:
    """Fraction of ReLU units (columns) whose pre-activation is <= 0 for every example.

    Such a unit outputs 0 and has slope 0 on all the data (the rows), so no gradient
    ever reaches its weights: it is dead.
    """
    return float(np.mean(np.all(pre_activations <= 0, axis=0)))


# --8<-- [end:dead_unit_fraction]
