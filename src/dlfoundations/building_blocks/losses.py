"""Loss functions: MSE, MAE and cross-entropies, each with its gradient.

Every loss is the mean over the examples, and each ``*_gradient`` returns the
derivative of that mean with respect to the loss's first argument, in its shape.
The ``*_negative_log_likelihood`` functions show where each loss comes from.
"""

# --8<-- [start:imports]
import math

import numpy as np

from dlfoundations._validation import as_float_array, check_positive, check_same_shape
from dlfoundations.building_blocks.activations import sigmoid, softmax

# --8<-- [end:imports]


# --8<-- [start:checks]
def check_pair(prediction, target, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Both arguments as finite float arrays of the same shape; errors name the argument."""
    arrays = []
    for value, name in zip((prediction, target), names):
        array = as_float_array(value, name)
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite, got infinity")
        arrays.append(array)
    check_same_shape(*arrays, *names)
    return arrays[0], arrays[1]


def check_unit_interval(values: np.ndarray, name: str) -> None:
    """Raise ValueError naming ``name`` unless every value lies in [0, 1]."""
    if np.any(values < 0) or np.any(values > 1):
        bad = values[(values < 0) | (values > 1)].flat[0]
        raise ValueError(f"{name} must lie in [0, 1], got {bad}")


# --8<-- [end:checks]


# --8<-- [start:mse]
def mse(prediction, target) -> float:
    """Mean squared error: (1/n) sum_i (prediction_i - target_i)^2."""
    prediction, target = check_pair(prediction, target, ("prediction", "target"))
    return float(np.mean((prediction - target) ** 2))


def mse_gradient(prediction, target) -> np.ndarray:
    """d MSE / d prediction_i = 2 (prediction_i - target_i) / n."""
    prediction, target = check_pair(prediction, target, ("prediction", "target"))
    return 2.0 * (prediction - target) / prediction.size


# --8<-- [end:mse]


# --8<-- [start:mae]
def mae(prediction, target) -> float:
    """Mean absolute error: (1/n) sum_i |prediction_i - target_i|."""
    prediction, target = check_pair(prediction, target, ("prediction", "target"))
    return float(np.mean(np.abs(prediction - target)))


def mae_gradient(prediction, target) -> np.ndarray:
    """d MAE / d prediction_i = sign(prediction_i - target_i) / n (0 where they are equal)."""
    prediction, target = check_pair(prediction, target, ("prediction", "target"))
    return np.sign(prediction - target) / prediction.size


# --8<-- [end:mae]


# --8<-- [start:bce]
LOG_FLOOR = -100.0  # log(p) is clipped here, as PyTorch does, so p = 0 costs 100, not infinity


def clipped_log(p: np.ndarray) -> np.ndarray:
    """max(log(p), -100), computed without ever taking log(0)."""
    return np.log(np.maximum(p, math.exp(LOG_FLOOR)))


def binary_cross_entropy(probabilities, targets) -> float:
    """-(1/n) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)], from probabilities p in [0, 1]."""
    p, y = check_pair(probabilities, targets, ("probabilities", "targets"))
    check_unit_interval(p, "probabilities")
    check_unit_interval(y, "targets")
    return float(-np.mean(y * clipped_log(p) + (1 - y) * clipped_log(1 - p)))


def binary_cross_entropy_gradient(probabilities, targets) -> np.ndarray:
    """d BCE / d p_i = (p_i - y_i) / (p_i (1 - p_i)) / n; the denominator is kept >= 1e-12."""
    p, y = check_pair(probabilities, targets, ("probabilities", "targets"))
    check_unit_interval(p, "probabilities")
    check_unit_interval(y, "targets")
    return (p - y) / np.maximum(p * (1 - p), 1e-12) / p.size


# --8<-- [end:bce]


# --8<-- [start:bce_logits]
def binary_cross_entropy_with_logits(logits, targets) -> float:
    """BCE of p = sigmoid(z), computed from z directly: mean of max(z, 0) - z y + log(1 + e^(-|z|)).

    No exponent is ever positive, so no logit is too large: z = 1000 gives a finite loss.
    """
    z, y = check_pair(logits, targets, ("logits", "targets"))
    check_unit_interval(y, "targets")
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_gradient(logits, targets) -> np.ndarray:
    """d BCE / d z_i = (sigmoid(z_i) - y_i) / n: prediction minus target."""
    z, y = check_pair(logits, targets, ("logits", "targets"))
    check_unit_interval(y, "targets")
    return (sigmoid(z) - y) / z.size


# --8<-- [end:bce_logits]


# --8<-- [start:cross_entropy]
def check_logits_and_labels(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    """Logits as an (n, k) float array and labels as n integer class indices in [0, k)."""
    z = as_float_array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must be 2-D (examples, classes), got shape {z.shape}")
    if not np.isfinite(z).all():
        raise ValueError("logits must be finite, got infinity")
    labels = np.asarray(labels)
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.shape != (z.shape[0],):
        raise ValueError(f"labels must have shape ({z.shape[0]},), one per row of logits, got {labels.shape}")
    if np.any(labels < 0) or np.any(labels >= z.shape[1]):
        raise ValueError(f"labels must be class indices in [0, {z.shape[1]}), got {labels.min()} to {labels.max()}")
    return z, labels


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log sum_j e^(z_j) = m + log sum_j e^(z_j - m) with m = max_j z_j: no overflow.

    An infinite maximum (every z_j = -inf, or some z_j = +inf) is replaced by m = 0,
    as PyTorch does: z - m would give inf - inf = NaN, while the unshifted sum is
    exactly 0 or inf, and its log is the right answer.
    """
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    # Unshifted, e^(z_j) may overflow to inf, and a row of -inf gives log(0) = -inf:
    # both are the right answers, so NumPy need not warn about them.
    with np.errstate(over="ignore", divide="ignore"):
        return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))


def cross_entropy(logits, labels) -> float:
    """Categorical cross-entropy from logits: (1/n) sum_i [logsumexp(z_i) - z_i[y_i]]."""
    z, labels = check_logits_and_labels(logits, labels)
    n = z.shape[0]
    return float(np.mean(logsumexp(z, axis=1) - z[np.arange(n), labels]))


def cross_entropy_gradient(logits, labels) -> np.ndarray:
    """d CE / d z_ij = (softmax(z_i)_j - [j == y_i]) / n: predicted minus one-hot target."""
    z, labels = check_logits_and_labels(logits, labels)
    n, k = z.shape
    one_hot = np.eye(k)[labels]
    return (softmax(z, axis=1) - one_hot) / n


# --8<-- [end:cross_entropy]


# --8<-- [start:likelihoods]
def gaussian_negative_log_likelihood(prediction, target, sigma: float = 1.0) -> float:
    """Mean of -log N(y | mu, sigma^2) = log(sigma sqrt(2 pi)) + (y - mu)^2 / (2 sigma^2)."""
    mu, y = check_pair(prediction, target, ("prediction", "target"))
    sigma = check_positive(sigma, "sigma")
    return float(np.mean(math.log(sigma * math.sqrt(2 * math.pi)) + (y - mu) ** 2 / (2 * sigma**2)))


def laplace_negative_log_likelihood(prediction, target, scale: float = 1.0) -> float:
    """Mean of -log Laplace(y | mu, b) = log(2 b) + |y - mu| / b."""
    mu, y = check_pair(prediction, target, ("prediction", "target"))
    scale = check_positive(scale, "scale")
    return float(np.mean(math.log(2 * scale) + np.abs(y - mu) / scale))


# --8<-- [end:likelihoods]
