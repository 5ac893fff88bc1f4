"""Functions: the elementwise functions neural networks are built from.

Every function takes a number or a NumPy array and applies itself to each element.
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_non_negative

# --8<-- [end:imports]


# --8<-- [start:square]
def square(x) -> np.ndarray:
    """Square each element: f(x) = x^2."""
    x = as_float_array(x, "x")
    return x * x


# --8<-- [end:square]


# --8<-- [start:relu]
def relu(x) -> np.ndarray:
    """Rectified linear unit: f(x) = max(x, 0)."""
    x = as_float_array(x, "x")
    return np.maximum(x, 0.0)


# --8<-- [end:relu]


# --8<-- [start:leaky_relu]
def leaky_relu(x, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: f(x) = x for x > 0 and negative_slope * x otherwise."""
    x = as_float_array(x, "x")
    negative_slope = check_non_negative(negative_slope, "negative_slope")
    return np.where(x > 0, x, negative_slope * x)


# --8<-- [end:leaky_relu]


# --8<-- [start:sigmoid]
def sigmoid(x) -> np.ndarray:
    """Logistic sigmoid: f(x) = 1 / (1 + e^(-x)), computed without overflow.

    For x < 0 the equal form e^x / (1 + e^x) is used, so e^(-x) never overflows.
    """
    x = as_float_array(x, "x")
    exp_of_minus_abs = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + exp_of_minus_abs), exp_of_minus_abs / (1.0 + exp_of_minus_abs))


# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(x) -> np.ndarray:
    """Hyperbolic tangent: f(x) = (e^x - e^(-x)) / (e^x + e^(-x)), computed stably.

    The equal form sign(x) (1 - e^(-2|x|)) / (1 + e^(-2|x|)) only evaluates
    e^(-2|x|) <= 1, so nothing overflows, and ``np.expm1(t)`` computes e^t - 1
    without cancellation, so tiny x keep all their digits: tanh(1e-12) = 1e-12.
    """
    x = as_float_array(x, "x")
    with np.errstate(over="ignore"):  # 2|x| = inf for |x| > 9e307, and e^(-inf) = 0
        exponent = -2.0 * np.abs(x)
    magnitude = -np.expm1(exponent) / (1.0 + np.exp(exponent))
    return np.copysign(magnitude, x)  # the sign of x, also for -0.0


# --8<-- [end:tanh]


# --8<-- [start:compose]
def compose(*functions: Callable) -> Callable:
    """Chain functions: compose(f, g, h)(x) = h(g(f(x))), applied left to right."""
    if not functions:
        raise ValueError("functions must contain at least one function")
    for position, function in enumerate(functions):
        check_callable(function, f"functions[{position}]")

    def chain(x):
        for function in functions:
            x = function(x)
        return x

    return chain


# --8<-- [end:compose]
