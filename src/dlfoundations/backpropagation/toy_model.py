"""Backpropagation in a toy model: a chain of scalar functions, differentiated by hand.

The model (from Understanding Deep Learning, notebook 7.1) is

    f(x) = beta3 + omega3 * cos(beta2 + omega2 * exp(beta1 + omega1 * sin(beta0 + omega0 * x)))

with the least-squares loss l = (f(x) - y)^2.
"""

# --8<-- [start:imports]
import math
from typing import NamedTuple

import numpy as np

from dlfoundations._validation import check_positive, check_real
from dlfoundations.foundations.derivatives import numerical_gradient

# --8<-- [end:imports]


# --8<-- [start:parameters]
class ToyParameters(NamedTuple):
    """The eight parameters of the toy model: four offsets (beta) and four slopes (omega)."""

    beta0: float
    beta1: float
    beta2: float
    beta3: float
    omega0: float
    omega1: float
    omega2: float
    omega3: float


def as_toy_parameters(params) -> ToyParameters:
    """Return ``params`` (any sequence of 8 real numbers) as :class:`ToyParameters`, or raise."""
    try:
        values = list(params)
    except TypeError:
        raise TypeError(f"params must be a sequence of 8 numbers, got {type(params).__name__}") from None
    if len(values) != len(ToyParameters._fields):
        raise ValueError(f"params must hold 8 numbers (beta0..beta3, omega0..omega3), got {len(values)}")
    return ToyParameters(*(check_real(v, f"params.{name}") for name, v in zip(ToyParameters._fields, values)))


# --8<-- [end:parameters]


# --8<-- [start:forward]
def toy_forward(x: float, params) -> dict[str, float]:
    """Forward pass: every intermediate value of the chain, from f0 to the output f3."""
    x = check_real(x, "x")
    p = as_toy_parameters(params)
    f0 = p.beta0 + p.omega0 * x
    h1 = math.sin(f0)
    f1 = p.beta1 + p.omega1 * h1
    h2 = math.exp(f1)
    f2 = p.beta2 + p.omega2 * h2
    h3 = math.cos(f2)
    f3 = p.beta3 + p.omega3 * h3
    return {"f0": f0, "h1": h1, "f1": f1, "h2": h2, "f2": f2, "h3": h3, "f3": f3}


def toy_loss(x: float, y: float, params) -> float:
    """Least-squares loss l = (f(x) - y)^2 of the toy model."""
    y = check_real(y, "y")
    return float((toy_forward(x, params)["f3"] - y) ** 2)


# --8<-- [end:forward]


# --8<-- [start:backward]
def toy_backward(y: float, params, forward: dict[str, float]) -> dict[str, float]:
    """Backward pass: dl/d(every intermediate), from the output back to f0.

    Each line is one step of the chain rule: the derivative of the loss with respect
    to a value is (derivative of the next value with respect to it) times (the
    derivative of the loss with respect to the next value), which we already have.
    """
    y = check_real(y, "y")
    p = as_toy_parameters(params)
    missing = {"f0", "f1", "f2", "f3"} - set(forward)
    if missing:
        raise ValueError(f"forward must be the dict returned by toy_forward; it lacks {sorted(missing)}")
    dl_df3 = 2 * (forward["f3"] - y)  # l = (f3 - y)^2
    dl_dh3 = p.omega3 * dl_df3  # f3 = beta3 + omega3 * h3
    dl_df2 = -math.sin(forward["f2"]) * dl_dh3  # h3 = cos(f2)
    dl_dh2 = p.omega2 * dl_df2  # f2 = beta2 + omega2 * h2
    dl_df1 = math.exp(forward["f1"]) * dl_dh2  # h2 = exp(f1)
    dl_dh1 = p.omega1 * dl_df1  # f1 = beta1 + omega1 * h1
    dl_df0 = math.cos(forward["f0"]) * dl_dh1  # h1 = sin(f0)
    return {
        "f3": dl_df3, "h3": dl_dh3, "f2": dl_df2, "h2": dl_dh2,
        "f1": dl_df1, "h1": dl_dh1, "f0": dl_df0,
    }  # fmt: skip


def toy_parameter_gradients(x: float, forward: dict[str, float], backward: dict[str, float]) -> ToyParameters:
    """dl/d(every parameter) from the stored values (forward) and their derivatives (backward).

    f_k = beta_k + omega_k * h_k, so dl/dbeta_k = dl/df_k and dl/domega_k = h_k * dl/df_k
    (with h_0 = x, the input).
    """
    x = check_real(x, "x")
    return ToyParameters(
        beta0=backward["f0"],
        beta1=backward["f1"],
        beta2=backward["f2"],
        beta3=backward["f3"],
        omega0=x * backward["f0"],
        omega1=forward["h1"] * backward["f1"],
        omega2=forward["h2"] * backward["f2"],
        omega3=forward["h3"] * backward["f3"],
    )


def toy_gradients(x: float, y: float, params) -> ToyParameters:
    """The gradient of the loss with respect to all eight parameters: forward, then backward."""
    forward = toy_forward(x, params)
    backward = toy_backward(y, params, forward)
    return toy_parameter_gradients(x, forward, backward)


# --8<-- [end:backward]


# --8<-- [start:numerical]
def toy_numerical_gradients(x: float, y: float, params, h: float = 1e-6) -> ToyParameters:
    """The same gradient by central differences, one parameter at a time."""
    point = np.array(as_toy_parameters(params))
    h = check_positive(h, "h")
    gradient = numerical_gradient(lambda p: toy_loss(x, y, ToyParameters(*p)), point, h)
    return ToyParameters(*gradient.tolist())


# --8<-- [end:numerical]
