"""Test problems shared by the optimization chapters.

Other modules and chapters may import these; they are small, exact and seeded:

- :func:`two_minima` and :func:`two_minima_derivative`: a 1-D quartic with two local
  minima (near x = -1.48 and x = 1.33) and a local maximum between them (near x = 0.15).
- :func:`regression_data`: a seeded 1-D linear-regression dataset ``(x, y)``.
- :func:`least_squares_loss` and :func:`least_squares_gradient`: the sum of squared
  errors of the line ``y = phi0 + phi1 * x`` and its exact gradient. The loss also
  takes a grid of parameters (for contour plots); the gradient works on any subset
  ``(x[batch], y[batch])``, which is what stochastic gradient descent needs.
- :func:`least_squares_solution`: the exact minimiser, from ``np.linalg.lstsq``.
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations._validation import as_float_array, check_same_shape

# --8<-- [end:imports]


# --8<-- [start:two_minima]
def two_minima(x) -> np.ndarray:
    """A 1-D function with two local minima: f(x) = x^4 / 4 - x^2 + 0.3 x."""
    x = as_float_array(x, "x")
    return x**4 / 4 - x**2 + 0.3 * x


def two_minima_derivative(x) -> np.ndarray:
    """f'(x) = x^3 - 2x + 0.3, zero at both minima and at the maximum between them."""
    x = as_float_array(x, "x")
    return x**3 - 2 * x + 0.3


# --8<-- [end:two_minima]


# --8<-- [start:regression_data]
def regression_data(n_examples: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded dataset for fitting a line: x uniform in [0, 2], y = 0.6 + 0.8 x + noise."""
    if isinstance(n_examples, bool) or not isinstance(n_examples, (int, np.integer)) or n_examples < 2:
        raise ValueError(f"n_examples must be an integer >= 2, got {n_examples!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2.0, size=n_examples)
    y = 0.6 + 0.8 * x + rng.normal(0.0, 0.3, size=n_examples)
    return x, y


# --8<-- [end:regression_data]


# --8<-- [start:least_squares]
def _check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x")
    y = as_float_array(y, "y")
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D array of inputs, got shape {x.shape}")
    check_same_shape(x, y, "x", "y")
    return x, y


def _check_phi(phi) -> np.ndarray:
    phi = as_float_array(phi, "phi")
    if phi.shape[:1] != (2,):
        raise ValueError(f"phi must hold (intercept, slope) along its first axis, got shape {phi.shape}")
    return phi


def least_squares_loss(phi, x, y) -> np.ndarray:
    """Sum of squared errors L(phi) = sum_i (phi0 + phi1 x_i - y_i)^2.

    ``phi`` is ``(phi0, phi1)``; each may be an array (a grid of parameters).
    """
    phi = _check_phi(phi)
    x, y = _check_data(x, y)
    phi0, phi1 = phi[0][..., np.newaxis], phi[1][..., np.newaxis]  # broadcast over examples
    residuals = phi0 + phi1 * x - y
    return np.sum(residuals**2, axis=-1)


def least_squares_gradient(phi, x, y) -> np.ndarray:
    """Gradient of the summed loss: (dL/dphi0, dL/dphi1) = (sum_i 2 r_i, sum_i 2 r_i x_i)."""
    phi = _check_phi(phi)
    x, y = _check_data(x, y)
    if phi.shape != (2,):
        raise ValueError(f"phi must have shape (2,), got {phi.shape}")
    residuals = phi[0] + phi[1] * x - y
    return np.array([np.sum(2 * residuals), np.sum(2 * residuals * x)])


def least_squares_solution(x, y) -> np.ndarray:
    """The minimiser (phi0, phi1) of the loss, by NumPy's least-squares solver."""
    x, y = _check_data(x, y)
    design = np.column_stack([np.ones_like(x), x])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    return solution


# --8<-- [end:least_squares]
