"""Activation functions: the nonlinearities of a network and their derivatives.

Sigmoid, tanh, ReLU and leaky ReLU come from the functions chapter
(:mod:`dlfoundations.foundations.functions`) and their derivatives from the derivatives
chapter (:mod:`dlfoundations.foundations.derivatives`); this module re-exports them and
adds ELU, GELU and softmax. Every function works elementwise on arrays of any shape,
except softmax, which works along one axis.
"""

# --8<-- [start:imports]
import math

import numpy as np

from dlfoundations._validation import as_float_array, check_positive
from dlfoundations.foundations.derivatives import (
    leaky_relu_derivative,
    relu_derivative,
    sigmoid_derivative,
    tanh_derivative,
)
from dlfoundations.foundations.functions import leaky_relu, relu, sigmoid, tanh

# --8<-- [end:imports]

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
    "dead_unit_fraction",
]


# --8<-- [start:finite]
def as_finite_array(x, name: str) -> np.ndarray:
    """``x`` as a float array, refusing NaN and infinity (they would turn into NaN below)."""
    x = as_float_array(x, name)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got infinity")
    return x


# --8<-- [end:finite]


# --8<-- [start:elu]
def elu(x, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: x for x > 0, alpha * (e^x - 1) otherwise."""
    x = as_finite_array(x, "x")
    alpha = check_positive(alpha, "alpha")
    # expm1 only ever sees x <= 0, so e^x cannot overflow in the branch np.where discards
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_derivative(x, alpha: float = 1.0) -> np.ndarray:
    """d/dx elu(x) = 1 for x > 0, alpha * e^x otherwise."""
    x = as_finite_array(x, "x")
    alpha = check_positive(alpha, "alpha")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


# --8<-- [end:elu]


# --8<-- [start:gelu]
erf = np.vectorize(math.erf, otypes=[float])  # NumPy has no erf; apply Python's to each element


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = P(Z <= x) for a standard normal Z, via the error function."""
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = e^(-x^2 / 2) / sqrt(2 pi), the standard normal density."""
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def gelu(x) -> np.ndarray:
    """Gaussian error linear unit: x * Phi(x), with Phi the standard normal CDF."""
    x = as_finite_array(x, "x")
    return x * normal_cdf(x)


def gelu_derivative(x) -> np.ndarray:
    """d/dx x Phi(x) = Phi(x) + x phi(x) (product rule; Phi' = phi)."""
    x = as_finite_array(x, "x")
    return normal_cdf(x) + x * normal_pdf(x)


# --8<-- [end:gelu]


# --8<-- [start:gelu_tanh]
GELU_C = math.sqrt(2.0 / math.pi)


def gelu_tanh(x) -> np.ndarray:
    """The tanh approximation of GELU: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    x = as_finite_array(x, "x")
    return 0.5 * x * (1.0 + tanh(GELU_C * (x + 0.044715 * x**3)))


def gelu_tanh_derivative(x) -> np.ndarray:
    """Derivative of :func:`gelu_tanh`, by the product and chain rules."""
    x = as_finite_array(x, "x")
    t = tanh(GELU_C * (x + 0.044715 * x**3))
    inner_derivative = GELU_C * (1.0 + 3 * 0.044715 * x**2)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * inner_derivative


# --8<-- [end:gelu_tanh]


# --8<-- [start:softmax]
def _check_axis(x: np.ndarray, axis: int) -> int:
    if x.ndim == 0:
        raise ValueError("z must have at least one axis (a vector or an array), got a single number")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be in [{-x.ndim}, {x.ndim}) for an array of {x.ndim} dimensions, got {axis}")
    return int(axis)


def softmax(z, axis: int = -1) -> np.ndarray:
    """softmax(z)_i = e^(z_i) / sum_j e^(z_j), along ``axis``.

    Subtracting the maximum first changes nothing mathematically (the factor e^(-max)
    cancels) but keeps every exponent <= 0, so nothing overflows.
    """
    z = as_finite_array(z, "z")
    axis = _check_axis(z, axis)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


# --8<-- [end:softmax]


# --8<-- [start:softmax_derivative]
def softmax_jacobian(z) -> np.ndarray:
    """The Jacobian of softmax for one vector z: J_ij = ds_i/dz_j = s_i (delta_ij - s_j)."""
    z = as_finite_array(z, "z")
    if z.ndim != 1:
        raise ValueError(f"z must be a 1-D vector, got shape {z.shape}")
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


def softmax_vjp(z, upstream, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product g^T J along ``axis``: s * (g - sum_j g_j s_j).

    This is what backpropagation needs, and it never builds the n-by-n Jacobian.
    """
    s = softmax(z, axis)
    upstream = as_finite_array(upstream, "upstream")
    if upstream.shape != s.shape:
        raise ValueError(f"upstream must have the shape of z {s.shape}, got {upstream.shape}")
    return s * (upstream - np.sum(upstream * s, axis=axis, keepdims=True))


# --8<-- [end:softmax_derivative]


# --8<-- [start:saturation]
def saturated_fraction(derivative, z, threshold: float = 0.01) -> float:
    """Fraction of pre-activations z where the activation's slope is below ``threshold``.

    A unit in that state passes back almost no gradient: it learns (almost) nothing.
    """
    z = as_float_array(z, "z")
    threshold = check_positive(threshold, "threshold")
    return float(np.mean(np.abs(derivative(z)) < threshold))


def dead_unit_fraction(pre_activations) -> float:
    """Fraction of ReLU units (columns) whose pre-activation is <= 0 for every example (row).

    Such a unit outputs 0 and has slope 0 on all the data, so no gradient ever reaches
    its weights: it is dead.
    """
    z = as_float_array(pre_activations, "pre_activations")
    if z.ndim != 2:
        raise ValueError(f"pre_activations must be 2-D (examples, units), got shape {z.shape}")
    return float(np.mean(np.all(z <= 0, axis=0)))


# --8<-- [end:saturation]
