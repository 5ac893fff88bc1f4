"""Functions: the elementwise functions neural networks are built from.

Every function takes a number or a NumPy array and applies itself to each element.
The argument checks are declared above each function (``@check_arguments``); the
page shows the function below them.
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    float_array,
    function,
    non_negative,
    list_of,
)


@check_arguments(x=float_array)
# --8<-- [start:square]
def square(x) -> np.ndarray:
    """Square each element: f(x) = x^2."""
    return x * x


# --8<-- [end:square]


@check_arguments(x=float_array)
# --8<-- [start:relu]
def relu(x) -> np.ndarray:
    """Rectified linear unit: f(x) = max(x, 0)."""
    return np.maximum(x, 0.0)


# --8<-- [end:relu]


@check_arguments(x=float_array, negative_slope=non_negative)
# --8<-- [start:leaky_relu]
def leaky_relu(x, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: f(x) = x for x > 0 and negative_slope * x otherwise."""
    return np.where(x > 0, x, negative_slope * x)


# --8<-- [end:leaky_relu]


@check_arguments(x=float_array)
# --8<-- [start:sigmoid]
def sigmoid(x) -> np.ndarray:
    """Logistic sigmoid: f(x) = 1 / (1 + e^(-x)), computed without overflow.

    For x < 0 the equal form e^x / (1 + e^x) is used, so e^(-x) never overflows.
    """
    exp_of_minus_abs = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    positive_branch = 1.0 / (1.0 + exp_of_minus_abs)
    negative_branch = exp_of_minus_abs / (1.0 + exp_of_minus_abs)
    return np.where(x >= 0, positive_branch, negative_branch)


# --8<-- [end:sigmoid]


@check_arguments(x=float_array)
# --8<-- [start:tanh]
def tanh(x) -> np.ndarray:
    """Hyperbolic tangent: f(x) = (e^x - e^(-x)) / (e^x + e^(-x)), computed stably.

    The equal form sign(x) (1 - e^(-2|x|)) / (1 + e^(-2|x|)) only evaluates
    e^(-2|x|) <= 1, so nothing overflows, and ``np.expm1(t)`` computes e^t - 1
    without cancellation, so tiny x keep all their digits: tanh(1e-12) = 1e-12.
    """
    with np.errstate(over="ignore"):  # 2|x| = inf for |x| > 9e307, and e^(-inf) = 0
        exponent = -2.0 * np.abs(x)
    magnitude = -np.expm1(exponent) / (1.0 + np.exp(exponent))
    return np.copysign(magnitude, x)  # the sign of x, also for -0.0


# --8<-- [end:tanh]


@check_arguments(functions=list_of(function))
# --8<-- [start:compose]
def compose(*functions: Callable) -> Callable:
    """Chain functions: compose(f, g, h)(x) = h(g(f(x))), applied left to right."""

    def chain(x):
        for f in functions:
            x = f(x)
        return x

    return chain


# --8<-- [end:compose]
