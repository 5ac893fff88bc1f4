"""Backpropagation in a toy model: a chain of scalar functions, differentiated by hand.

The model (from Understanding Deep Learning, notebook 7.1) is

    f(x) = beta3 + omega3 * cos(beta2 + omega2 * exp(beta1 + omega1 * sin(beta0
                                                                        + omega0 * x)))

with the least-squares loss l = (f(x) - y)^2.
"""

# --8<-- [start:imports]
import math
from typing import NamedTuple

import numpy as np

from dlfoundations.foundations.derivatives import numerical_gradient

# --8<-- [end:imports]
from dlfoundations.checks import check_arguments, finite, positive


# --8<-- [start:parameters]
class ToyParameters(NamedTuple):
    """The eight parameters of the toy model: four offsets beta, four slopes omega."""

    beta0: float
    beta1: float
    beta2: float
    beta3: float
    omega0: float
    omega1: float
    omega2: float
    omega3: float


# --8<-- [end:parameters]

ToyParameters.__new__ = staticmethod(
    check_arguments(**dict.fromkeys(ToyParameters._fields, finite))(
        ToyParameters.__new__
    )
)


def _toy_parameters(value, name: str) -> ToyParameters:
    """Any sequence of 8 finite numbers, as :class:`ToyParameters`."""
    try:
        values = list(value)
    except TypeError:
        kind = type(value).__name__
        raise TypeError(f"{name} must be a sequence of 8 numbers, got {kind}") from None
    if len(values) != len(ToyParameters._fields):
        message = f"{name} must hold 8 numbers (beta0..beta3, omega0..omega3)"
        raise ValueError(f"{message}, got {len(values)}")
    fields = ToyParameters._fields
    return ToyParameters(*(finite(v, f"{name}.{f}") for f, v in zip(fields, values)))


_INTERMEDIATES = ("f0", "h1", "f1", "h2", "f2", "h3", "f3")


def _intermediates(value, name: str) -> dict[str, float]:
    """A dict of the seven intermediates f0, h1, ..., f3 (values or derivatives)."""
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise TypeError(
            f"{name} must be a dict of the values f0, h1, ..., f3, got {kind}"
        )
    missing = sorted(set(_INTERMEDIATES) - set(value))
    if missing:
        raise ValueError(f"{name} must hold f0, h1, ..., f3; it lacks {missing}")
    return {key: finite(value[key], f"{name}[{key!r}]") for key in _INTERMEDIATES}


@check_arguments(x=finite, params=_toy_parameters)
# --8<-- [start:forward]
def toy_forward(x: float, params: ToyParameters) -> dict[str, float]:
    """Forward pass: every intermediate value of the chain, from f0 to the output f3."""
    p = ToyParameters(*params)
    f0 = p.beta0 + p.omega0 * x
    h1 = math.sin(f0)
    f1 = p.beta1 + p.omega1 * h1
    h2 = math.exp(f1)
    f2 = p.beta2 + p.omega2 * h2
    h3 = math.cos(f2)
    f3 = p.beta3 + p.omega3 * h3
    return {"f0": f0, "h1": h1, "f1": f1, "h2": h2, "f2": f2, "h3": h3, "f3": f3}


# --8<-- [end:forward]


@check_arguments(x=finite, y=finite, params=_toy_parameters)
# --8<-- [start:loss]
def toy_loss(x: float, y: float, params: ToyParameters) -> float:
    """Least-squares loss l = (f(x) - y)^2 of the toy model."""
    return (toy_forward(x, params)["f3"] - y) ** 2


# --8<-- [end:loss]


@check_arguments(y=finite, params=_toy_parameters, forward=_intermediates)
# --8<-- [start:backward]
def toy_backward(y: float, params: ToyParameters, forward: dict) -> dict[str, float]:
    """Backward pass: dl/d(every intermediate), from the output back to f0.

    Each line is one step of the chain rule: the derivative of the loss with respect
    to a value is (derivative of the next value with respect to it) times (the
    derivative of the loss with respect to the next value), which we already have.
    """
    p = ToyParameters(*params)
    dl_df3 = 2 * (forward["f3"] - y)  # l = (f3 - y)^2
    dl_dh3 = p.omega3 * dl_df3  # f3 = beta3 + omega3 * h3
    dl_df2 = -math.sin(forward["f2"]) * dl_dh3  # h3 = cos(f2)
    dl_dh2 = p.omega2 * dl_df2  # f2 = beta2 + omega2 * h2
    dl_df1 = math.exp(forward["f1"]) * dl_dh2  # h2 = exp(f1)
    dl_dh1 = p.omega1 * dl_df1  # f1 = beta1 + omega1 * h1
    dl_df0 = math.cos(forward["f0"]) * dl_dh1  # h1 = sin(f0)
    return {
        "f3": dl_df3,
        "h3": dl_dh3,
        "f2": dl_df2,
        "h2": dl_dh2,
        "f1": dl_df1,
        "h1": dl_dh1,
        "f0": dl_df0,
    }


# --8<-- [end:backward]


@check_arguments(x=finite, forward=_intermediates, backward=_intermediates)
# --8<-- [start:parameter_gradients]
def toy_parameter_gradients(x: float, forward: dict, backward: dict) -> ToyParameters:
    """dl/d(every parameter) from the stored values (forward) and their derivatives
    (backward).

    f_k = beta_k + omega_k * h_k, so dl/dbeta_k = dl/df_k and
    dl/domega_k = h_k * dl/df_k (with h_0 = x, the input).
    """
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


# --8<-- [end:parameter_gradients]


@check_arguments(x=finite, y=finite, params=_toy_parameters)
# --8<-- [start:gradients]
def toy_gradients(x: float, y: float, params: ToyParameters) -> ToyParameters:
    """The gradient of the loss for all eight parameters: forward, then backward."""
    forward = toy_forward(x, params)
    backward = toy_backward(y, params, forward)
    return toy_parameter_gradients(x, forward, backward)


# --8<-- [end:gradients]


@check_arguments(x=finite, y=finite, params=_toy_parameters, h=positive)
# --8<-- [start:numerical]
def toy_numerical_gradients(
    x: float, y: float, params: ToyParameters, h: float = 1e-6
) -> ToyParameters:
    """The same gradient by central differences, one parameter at a time."""
    point = np.array(params, dtype=float)
    gradient = numerical_gradient(lambda p: toy_loss(x, y, ToyParameters(*p)), point, h)
    return ToyParameters(*gradient.tolist())


# --8<-- [end:numerical]
