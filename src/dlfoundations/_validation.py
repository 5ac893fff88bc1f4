"""Input checks shared by the public functions of the package.

Every public function checks its arguments at the boundary and raises an error
that names the argument and says what was expected.
"""

from numbers import Real

import numpy as np


def as_float_array(x, name: str, *, allow_empty: bool = False, allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a float64 array, or raise an error naming ``name``.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for an empty
    array (unless ``allow_empty``) or NaN values (unless ``allow_nan``).
    """
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be numeric (a number or an array of numbers), got {type(x).__name__}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real-valued, got complex numbers")
    array = array.astype(np.float64)
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not allow_nan and np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN")
    return array


def check_real(value, name: str) -> float:
    """Return ``value`` as a float, or raise ``TypeError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return float(value)


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float if it is a real number > 0, else raise naming ``name``."""
    value = check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def check_non_negative(value, name: str) -> float:
    """Return ``value`` as a float if it is a real number >= 0, else raise naming ``name``."""
    value = check_real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` if two arrays differ in shape, naming both arguments."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def check_callable(f, name: str) -> None:
    """Raise ``TypeError`` unless ``f`` can be called."""
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")
