"""Test problems shared by the optimization chapters.

Other modules and chapters may import these; they are small, exact and seeded:

- :func:`two_minima` and :func:`two_minima_derivative`: a 1-D quartic with two local
  minima (near x = -1.48 and x = 1.33) and a local maximum between them (near x = 0.15).
- :func:`regression_data`: a seeded 1-D linear-regression dataset ``(x, y)``.
- :func:`least_squares_loss` and :func:`least_squares_gradient`: the mean squared
  error of the line ``y = phi0 + phi1 * x`` and its exact gradient. The loss also
  takes a grid of parameters (for contour plots); the gradient works on any subset
  ``(x[batch], y[batch])``, which is what stochastic gradient descent needs.
- :func:`least_squares_solution`: the exact minimiser, from ``np.linalg.lstsq``.
"""

# --8<-- [start:imports]
import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    finite_array,
    float_array,
    non_negative_integer,
    same_shape,
    two_along_first_axis,
    two_values,
    vector,
)


# The argument checks of the test problems (see dlfoundations.checks).
_line_parameters = two_along_first_axis("(intercept, slope)", finite_array)
_intercept_slope = two_values("one pair (intercept, slope)")


@check_arguments(x=float_array)
# --8<-- [start:two_minima]
def two_minima(x) -> np.ndarray:
    """A 1-D function with two local minima: f(x) = x^4 / 4 - x^2 + 0.3 x."""
    return x**4 / 4 - x**2 + 0.3 * x


# --8<-- [end:two_minima]


@check_arguments(x=float_array)
# --8<-- [start:two_minima_derivative]
def two_minima_derivative(x) -> np.ndarray:
    """f'(x) = x^3 - 2x + 0.3, zero at both minima and at the maximum between them."""
    return x**3 - 2 * x + 0.3


# --8<-- [end:two_minima_derivative]


@check_arguments(n_examples=count, seed=non_negative_integer)
# --8<-- [start:regression_data]
def regression_data(n_examples: int = 40, seed: int = 0) -> tuple[np.ndarray, ...]:
    """A seeded dataset for fitting a line: y = 0.6 + 0.8 x + noise, x in [0, 2].

    Returns ``(x, y)``, two arrays of ``n_examples`` numbers.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2.0, size=n_examples)
    y = 0.6 + 0.8 * x + rng.normal(0.0, 0.3, size=n_examples)
    return x, y


# --8<-- [end:regression_data]


@check_arguments(same_shape("x", "y"), phi=_line_parameters, x=vector, y=vector)
# --8<-- [start:least_squares]
def least_squares_loss(phi, x, y) -> np.ndarray:
    """Mean squared error L(phi) = (1/N) sum_i (phi0 + phi1 x_i - y_i)^2.

    ``phi`` is ``(phi0, phi1)``; each may be an array (a grid of parameters).
    """
    phi = np.asarray(phi, dtype=float)
    phi0, phi1 = phi[0][..., np.newaxis], phi[1][..., np.newaxis]  # over the examples
    residuals = phi0 + phi1 * x - y
    return np.mean(residuals**2, axis=-1)


# --8<-- [end:least_squares]


@check_arguments(same_shape("x", "y"), phi=_intercept_slope, x=vector, y=vector)
# --8<-- [start:least_squares_gradient]
def least_squares_gradient(phi, x, y) -> np.ndarray:
    """The gradient of the loss: (dL/dphi0, dL/dphi1) = (mean 2 r_i, mean 2 r_i x_i)."""
    residuals = phi[0] + phi[1] * x - y
    return np.array([np.mean(2 * residuals), np.mean(2 * residuals * x)])


# --8<-- [end:least_squares_gradient]


@check_arguments(same_shape("x", "y"), x=vector, y=vector)
# --8<-- [start:least_squares_solution]
def least_squares_solution(x, y) -> np.ndarray:
    """The minimiser (phi0, phi1) of the loss, by NumPy's least-squares solver."""
    design = np.column_stack([np.ones_like(x), x])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    return solution


# --8<-- [end:least_squares_solution]
