"""Loss functions: MSE, MAE, cross-entropies and the hinge loss, with their gradients.

Every loss is the mean over the N examples, and each ``*_gradient`` returns the
derivative of that mean with respect to the loss's first argument, in its shape.
The ``*_negative_log_likelihood`` functions show where each loss comes from;
``entropy``, ``kl_divergence`` and ``distribution_cross_entropy`` where the name
cross-entropy comes from.

The argument checks are declared above each function (``@check_arguments``): both
arrays non-empty, finite and of one shape, probabilities and binary targets in
[0, 1], labels integer class indices of the logits (or -1 and +1 for the hinge
loss), distributions non-negative and summing to 1. The page shows the function.
"""

# --8<-- [start:imports]
import math

import numpy as np

from dlfoundations.building_blocks.activations import sigmoid, softmax

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    finite_array,
    matrix,
    positive,
    probability_array,
    same_shape,
    vector,
)
from dlfoundations.checks import labels as class_indices


def _finite_probabilities(value, name: str) -> np.ndarray:
    """Finite numbers in [0, 1]."""
    return probability_array(finite_array(value, name), name)


def _real_array(value, name: str) -> np.ndarray:
    """A non-empty real array; NaN and infinities pass (they propagate, as in torch)."""
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {error}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a number or an array of numbers, got {kind}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real-valued, got complex numbers")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    return array.astype(np.float64)


def _class_indices(value, name: str) -> np.ndarray:
    """A non-empty 1-D array of integer class indices >= 0."""
    try:
        np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {error}") from None
    return class_indices(value, name)


def _labels_of(logits: str, labels: str):
    """Relation: one class index per row of ``logits``, each below its width."""

    def check_labels(arguments: dict) -> None:
        z, y = arguments[logits], arguments[labels]
        if y.shape != (z.shape[0],):
            message = f"must have shape ({z.shape[0]},), one per row of {logits}"
            raise ValueError(f"{labels} {message}, got {y.shape}")
        if y.max() >= z.shape[1]:
            span = f"[0, {z.shape[1]}) for the columns of {logits}"
            message = f"must be class indices in {span}, got {y.min()} to {y.max()}"
            raise ValueError(f"{labels} {message}")

    return check_labels


def _distribution(value, name: str) -> np.ndarray:
    """A probability vector over C classes: 1-D, entries in [0, 1], summing to 1."""
    p = probability_array(vector(value, name), name)
    if not math.isclose(p.sum(), 1.0, abs_tol=1e-6):
        message = f"must sum to 1 (a probability distribution), got {p.sum():.6g}"
        raise ValueError(f"{name} {message}")
    return p


def _signs(value, name: str) -> np.ndarray:
    """Binary labels written -1 and +1, as float64."""
    array = finite_array(value, name)
    wrong = (array != 1.0) & (array != -1.0)
    if wrong.any():
        message = f"must be -1 or +1 (not 0 and 1), got {array[wrong].flat[0]}"
        raise ValueError(f"{name} {message}")
    return array


def _axis_of(array: str, axis: str):
    """Relation: ``axis`` is an integer naming an axis of ``array``."""

    def check_axis(arguments: dict) -> None:
        ndim, value = np.ndim(arguments[array]), arguments[axis]
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)
        ):
            raise TypeError(f"{axis} must be an integer, got {type(value).__name__}")
        if not -ndim <= value < max(ndim, 1):
            raise ValueError(f"{axis} must be in [{-ndim}, {ndim}), got {value}")

    return check_axis


PAIR = {"prediction": finite_array, "target": finite_array}
SAME = same_shape("prediction", "target")


@check_arguments(SAME, **PAIR)
# --8<-- [start:mse]
def mse(prediction, target) -> float:
    """Mean squared error: (1/N) sum_i (prediction_i - target_i)^2."""
    return float(np.mean((prediction - target) ** 2))


# --8<-- [end:mse]


@check_arguments(SAME, **PAIR)
# --8<-- [start:mse_gradient]
def mse_gradient(prediction, target) -> np.ndarray:
    """d MSE / d prediction_i = 2 (prediction_i - target_i) / N."""
    return 2.0 * (prediction - target) / prediction.size


# --8<-- [end:mse_gradient]


@check_arguments(SAME, **PAIR)
# --8<-- [start:mae]
def mae(prediction, target) -> float:
    """Mean absolute error: (1/N) sum_i |prediction_i - target_i|."""
    return float(np.mean(np.abs(prediction - target)))


# --8<-- [end:mae]


@check_arguments(SAME, **PAIR)
# --8<-- [start:mae_gradient]
def mae_gradient(prediction, target) -> np.ndarray:
    """d MAE / d prediction_i = sign(prediction_i - target_i) / N (0 where equal)."""
    return np.sign(prediction - target) / prediction.size


# --8<-- [end:mae_gradient]


# --8<-- [start:clipped_log]
LOG_FLOOR = -100.0  # log(p) is clipped here, as PyTorch does: p = 0 costs 100, not inf


def _clipped_log(p: np.ndarray) -> np.ndarray:
    """max(log(p), -100), computed without ever taking log(0)."""
    return np.log(np.maximum(p, math.exp(LOG_FLOOR)))


# --8<-- [end:clipped_log]

BINARY = {"probabilities": _finite_probabilities, "targets": _finite_probabilities}


@check_arguments(same_shape("probabilities", "targets"), **BINARY)
# --8<-- [start:bce]
def binary_cross_entropy(probabilities, targets) -> float:
    """-(1/N) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)], from p in [0, 1]."""
    p, y = probabilities, targets
    return float(-np.mean(y * _clipped_log(p) + (1 - y) * _clipped_log(1 - p)))


# --8<-- [end:bce]


@check_arguments(same_shape("probabilities", "targets"), **BINARY)
# --8<-- [start:bce_gradient]
def binary_cross_entropy_gradient(probabilities, targets) -> np.ndarray:
    """d BCE / d p_i = (p_i - y_i) / (p_i (1 - p_i)) / N, the denominator >= 1e-12."""
    p, y = probabilities, targets
    return (p - y) / np.maximum(p * (1 - p), 1e-12) / p.size


# --8<-- [end:bce_gradient]

LOGITS = {"logits": finite_array, "targets": _finite_probabilities}


@check_arguments(same_shape("logits", "targets"), **LOGITS)
# --8<-- [start:bce_logits]
def binary_cross_entropy_with_logits(logits, targets) -> float:
    """BCE of p = sigmoid(z), computed from z directly:
    the mean of max(z, 0) - z y + log(1 + e^(-|z|)).

    No exponent is ever positive, so no logit is too large: z = 1000 gives a finite
    loss.
    """
    z, y = logits, targets
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


# --8<-- [end:bce_logits]


@check_arguments(same_shape("logits", "targets"), **LOGITS)
# --8<-- [start:bce_logits_gradient]
def binary_cross_entropy_with_logits_gradient(logits, targets) -> np.ndarray:
    """d BCE / d z_i = (sigmoid(z_i) - y_i) / N: prediction minus target."""
    return (sigmoid(logits) - targets) / logits.size


# --8<-- [end:bce_logits_gradient]


@check_arguments(same_shape("logits", "targets"), **LOGITS)
# --8<-- [start:sigmoid_mse_gradient]
def sigmoid_mse_gradient(logits, targets) -> np.ndarray:
    """d/dz_i of MSE(sigmoid(z), y), by the chain rule: 2 (p_i - y_i) p_i (1 - p_i) / N.

    The first factor is MSE's gradient in p_i, the rest the sigmoid's slope at z_i.
    """
    p = sigmoid(logits)
    return 2.0 * (p - targets) * p * (1.0 - p) / p.size


# --8<-- [end:sigmoid_mse_gradient]


@check_arguments(_axis_of("z", "axis"), z=_real_array)
# --8<-- [start:logsumexp]
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


# --8<-- [end:logsumexp]


@check_arguments(_labels_of("logits", "labels"), logits=matrix, labels=_class_indices)
# --8<-- [start:cross_entropy]
def cross_entropy(logits, labels) -> float:
    """Categorical cross-entropy of logits: (1/N) sum_i [logsumexp(z_i) - z_i[y_i]]."""
    n_examples = logits.shape[0]
    picked = logits[np.arange(n_examples), labels]  # each example's own logit z_i[y_i]
    return float(np.mean(logsumexp(logits, axis=1) - picked))


# --8<-- [end:cross_entropy]


@check_arguments(_labels_of("logits", "labels"), logits=matrix, labels=_class_indices)
# --8<-- [start:cross_entropy_gradient]
def cross_entropy_gradient(logits, labels) -> np.ndarray:
    """d CE / d z_ic = (softmax(z_i)_c - [c == y_i]) / N: predicted minus one-hot."""
    n_examples, n_classes = logits.shape
    one_hot = np.eye(n_classes)[labels]
    return (softmax(logits, axis=1) - one_hot) / n_examples


# --8<-- [end:cross_entropy_gradient]


# --8<-- [start:xlogy]
def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y, taken as 0 wherever x = 0 (the limit of x log x as x -> 0)."""
    y_or_one = np.where(x > 0, y, 1.0)  # log 1 = 0 where x = 0: never 0 * log 0
    with np.errstate(divide="ignore"):  # y = 0 where x > 0: log 0 = -inf is right
        return x * np.log(y_or_one)


# --8<-- [end:xlogy]


@check_arguments(p=_distribution)
# --8<-- [start:entropy]
def entropy(p) -> float:
    """H(p) = -sum_c p_c log p_c, in nats (0 log 0 = 0): the mean surprise of p."""
    return float(-np.sum(_xlogy(p, p)))


# --8<-- [end:entropy]


@check_arguments(same_shape("p", "q"), p=_distribution, q=_distribution)
# --8<-- [start:distribution_cross_entropy]
def distribution_cross_entropy(p, q) -> float:
    """H(p, q) = -sum_c p_c log q_c: the mean surprise of q at outcomes drawn from p."""
    return float(-np.sum(_xlogy(p, q)))


# --8<-- [end:distribution_cross_entropy]


@check_arguments(same_shape("p", "q"), p=_distribution, q=_distribution)
# --8<-- [start:kl_divergence]
def kl_divergence(p, q) -> float:
    """KL(p || q) = sum_c p_c (log p_c - log q_c), with 0 log 0 = 0.

    Infinite when q_c = 0 for a class with p_c > 0: q calls impossible what happens.
    """
    return float(np.sum(_xlogy(p, p) - _xlogy(p, q)))


# --8<-- [end:kl_divergence]


HINGE = {"scores": finite_array, "labels": _signs}


@check_arguments(same_shape("scores", "labels"), **HINGE)
# --8<-- [start:hinge_loss]
def hinge_loss(scores, labels) -> float:
    """Mean hinge loss (1/N) sum_i max(0, 1 - y_i f_i), for labels y_i in {-1, +1}."""
    margins = labels * scores  # y_i f_i > 0: the right side; >= 1: with room to spare
    return float(np.mean(np.maximum(0.0, 1.0 - margins)))


# --8<-- [end:hinge_loss]


@check_arguments(same_shape("scores", "labels"), **HINGE)
# --8<-- [start:hinge_loss_gradient]
def hinge_loss_gradient(scores, labels) -> np.ndarray:
    """A subgradient: -y_i / N where the margin y_i f_i < 1, else 0 (0 at the kink)."""
    margins = labels * scores
    return np.where(margins < 1.0, -labels, 0.0) / scores.size


# --8<-- [end:hinge_loss_gradient]


@check_arguments(SAME, **PAIR, std=positive)
# --8<-- [start:gaussian_nll]
def gaussian_negative_log_likelihood(prediction, target, std: float = 1.0) -> float:
    """Mean of -log N(y | mu, s^2) = log(s sqrt(2 pi)) + (y - mu)^2 / (2 s^2),
    where s = ``std``, the standard deviation of the noise."""
    mu, y, s = prediction, target, std
    log_normaliser = math.log(s * math.sqrt(2 * math.pi))
    return float(np.mean(log_normaliser + (y - mu) ** 2 / (2 * s**2)))


# --8<-- [end:gaussian_nll]


@check_arguments(SAME, **PAIR, scale=positive)
# --8<-- [start:laplace_nll]
def laplace_negative_log_likelihood(prediction, target, scale: float = 1.0) -> float:
    """Mean of -log Laplace(y | mu, s) = log(2 s) + |y - mu| / s, s = ``scale``."""
    mu, y = prediction, target
    return float(np.mean(math.log(2 * scale) + np.abs(y - mu) / scale))


# --8<-- [end:laplace_nll]
