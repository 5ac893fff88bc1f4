"""Feedforward networks and supervised learning.

The supervised set-up (a model, a loss, the empirical risk), splitting a dataset, a
shallow ReLU network seen as a piecewise-linear function, the forward pass of a
multilayer perceptron (MLP), and the linear regions that depth and width create.

A dataset is split once, before any training, into a training set (to fit the
parameters), a validation set (to choose hyperparameters) and a test set (to report
the final result). Every sample lands in exactly one of the three.
"""

# --8<-- [start:imports]
from collections.abc import Callable, Sequence

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_non_negative, check_real
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]


# --8<-- [start:empirical_risk]
def squared_error(predictions, targets) -> np.ndarray:
    """Per-sample loss (y_hat - y)^2, summed over output dimensions: one value per sample."""
    predictions = as_float_array(predictions, "predictions")
    targets = as_float_array(targets, "targets")
    if predictions.shape != targets.shape:
        raise ValueError(
            f"predictions and targets must have the same shape, got {predictions.shape} and {targets.shape}"
        )
    errors = (predictions - targets) ** 2
    return errors.reshape(errors.shape[0], -1).sum(axis=1)


def empirical_risk(model: Callable, loss: Callable, x, y) -> float:
    """The average loss over a dataset: R(theta) = (1/N) sum_i loss(model(x_i), y_i)."""
    check_callable(model, "model")
    check_callable(loss, "loss")
    y = as_float_array(y, "y")
    losses = np.asarray(loss(model(x), y), dtype=np.float64)
    if losses.shape != (y.shape[0],):
        raise ValueError(f"loss must return one value per sample, shape ({y.shape[0]},), got {losses.shape}")
    return float(losses.mean())


# --8<-- [end:empirical_risk]


# --8<-- [start:split_checks]
def _check_fraction(value, name: str) -> float:
    """A fraction of the dataset, in [0, 1)."""
    value = check_real(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_seed(seed) -> int:
    """An integer seed for numpy's random generator."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    return int(seed)


def _check_n_samples(n_samples) -> int:
    """A positive number of samples."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise TypeError(f"n_samples must be an integer, got {type(n_samples).__name__}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    return int(n_samples)


def _check_stratify(stratify, n_samples: int) -> np.ndarray:
    """One class label per sample."""
    stratify = np.asarray(stratify)
    if stratify.ndim != 1 or stratify.shape[0] != n_samples:
        raise ValueError(f"stratify must be a 1-D array of {n_samples} labels, got shape {stratify.shape}")
    if stratify.dtype.kind == "f" and np.isnan(stratify).any():
        raise ValueError("stratify must not contain NaN")
    return stratify


# --8<-- [end:split_checks]


# --8<-- [start:split_indices]
def split_indices(
    n_samples: int,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    *,
    seed: int = 0,
    stratify=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle ``range(n_samples)`` and cut it into disjoint train, validation and test indices.

    With ``stratify`` (one label per sample) each class is shuffled and cut on its own,
    so every split keeps the class proportions: a class of n_c samples puts
    round(n_c * test_fraction) samples in the test set, within one sample of the exact share.
    """
    n_samples = _check_n_samples(n_samples)
    val_fraction = _check_fraction(val_fraction, "val_fraction")
    test_fraction = _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave a training set, got {val_fraction + test_fraction}"
        )
    rng = np.random.default_rng(_check_seed(seed))
    if stratify is None:
        groups = [np.arange(n_samples)]  # one group: the whole dataset
    else:
        labels = _check_stratify(stratify, n_samples)
        groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]

    train, val, test = [], [], []
    for group in groups:
        group = rng.permutation(group)
        n_test = int(np.floor(len(group) * test_fraction + 0.5))  # round half up
        n_test_or_val = int(np.floor(len(group) * (test_fraction + val_fraction) + 0.5))
        test.append(group[:n_test])
        val.append(group[n_test:n_test_or_val])
        train.append(group[n_test_or_val:])
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))


# --8<-- [end:split_indices]


# --8<-- [start:train_val_test_split]
def train_val_test_split(
    x, y, val_fraction: float = 0.15, test_fraction: float = 0.15, *, seed: int = 0, stratify: bool = False
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Split inputs ``x`` and targets ``y`` into ``(x, y)`` pairs for training, validation and test.

    ``stratify=True`` keeps the class proportions of ``y`` in every split.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same number of samples, got shapes {x.shape} and {y.shape}")
    if x.shape[0] == 0:
        raise ValueError("x and y must not be empty")
    splits = split_indices(
        x.shape[0], val_fraction, test_fraction, seed=seed, stratify=y if stratify else None
    )
    return tuple((x[indices], y[indices]) for indices in splits)


# --8<-- [end:train_val_test_split]


# --8<-- [start:checks]
def _check_shallow(x, w, b, v) -> tuple[np.ndarray, ...]:
    """Inputs x: 1-D; w, b, v: one entry per hidden unit."""
    x = as_float_array(x, "x")
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D array of inputs, got shape {x.shape}")
    w, b, v = (as_float_array(p, n) for p, n in ((w, "w"), (b, "b"), (v, "v")))
    if w.ndim != 1 or w.shape != b.shape or w.shape != v.shape:
        raise ValueError(f"w, b and v must be 1-D with one entry per hidden unit, got {w.shape}, {b.shape}, {v.shape}")
    return x, w, b, v


def _check_layers(weights: Sequence, biases: Sequence) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Matching lists of weights (out, in) and biases (out,), each layer taking the previous one's outputs."""
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"weights and biases must be non-empty lists of the same length, got {len(weights)} and {len(biases)}"
        )
    weights = [as_float_array(w, f"weights[{k}]") for k, w in enumerate(weights)]
    biases = [as_float_array(b, f"biases[{k}]") for k, b in enumerate(biases)]
    for k, (w, b) in enumerate(zip(weights, biases)):
        if w.ndim != 2 or b.shape != (w.shape[0],):
            raise ValueError(f"weights[{k}] must be (out, in) and biases[{k}] (out,), got {w.shape} and {b.shape}")
        if k > 0 and w.shape[1] != weights[k - 1].shape[0]:
            raise ValueError(
                f"weights[{k}] takes {w.shape[1]} inputs but layer {k - 1} has {weights[k - 1].shape[0]} outputs"
            )
    return weights, biases


def _check_inputs(x, weights: list[np.ndarray]) -> np.ndarray:
    """A batch of inputs, one row per sample, as wide as the first layer's input."""
    x = as_float_array(x, "x")
    if x.ndim != 2 or x.shape[1] != weights[0].shape[1]:
        raise ValueError(f"x must have shape (n_samples, {weights[0].shape[1]}), got {x.shape}")
    return x


# --8<-- [end:checks]


# --8<-- [start:shallow_network]
def relu_contributions(x, w, b, v) -> np.ndarray:
    """Each hidden unit's term v_i * relu(w_i x + b_i), one column per unit: shape (len(x), units)."""
    x, w, b, v = _check_shallow(x, w, b, v)
    pre_activations = np.outer(x, w) + b  # (n, units): w_i x + b_i
    return relu(pre_activations) * v


def shallow_relu_network(x, w, b, v, c: float = 0.0) -> np.ndarray:
    """One input, one hidden ReLU layer, one output: f(x) = c + sum_i v_i relu(w_i x + b_i)."""
    c = check_real(c, "c")
    return c + relu_contributions(x, w, b, v).sum(axis=1)


def kink_locations(w, b) -> np.ndarray:
    """Sorted inputs where a unit switches on or off: w_i x + b_i = 0, so x = -b_i / w_i.

    A unit with w_i = 0 is constant and has no kink.
    """
    w, b = as_float_array(w, "w"), as_float_array(b, "b")
    if w.ndim != 1 or w.shape != b.shape:
        raise ValueError(f"w and b must be 1-D arrays of the same length, got {w.shape} and {b.shape}")
    has_kink = w != 0
    return np.sort(-b[has_kink] / w[has_kink])


# --8<-- [end:shallow_network]


# --8<-- [start:init_mlp]
def init_mlp(layer_sizes: Sequence[int], seed: int = 0, bias_std: float = 0.1) -> tuple[list, list]:
    """Random weights and biases for an MLP with the given layer sizes, e.g. [2, 16, 16, 1].

    Layer k maps layer_sizes[k] inputs to layer_sizes[k + 1] outputs with W_k of shape
    (out, in), drawn from N(0, 2 / in) (He initialisation), and biases from N(0, bias_std^2).
    """
    is_size = [not isinstance(n, bool) and isinstance(n, (int, np.integer)) and n >= 1 for n in layer_sizes]
    if len(layer_sizes) < 2 or not all(is_size):
        raise ValueError(f"layer_sizes must hold at least two positive integers, got {list(layer_sizes)}")
    bias_std = check_non_negative(bias_std, "bias_std")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)))
        biases.append(rng.normal(0.0, bias_std, size=fan_out))
    return weights, biases


def count_parameters(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases: sum over layers of in * out + out."""
    return int(sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])))


# --8<-- [end:init_mlp]


# --8<-- [start:mlp_forward]
def mlp_forward(x, weights: Sequence, biases: Sequence) -> np.ndarray:
    """Forward pass of an MLP on a batch x of shape (n_samples, n_inputs).

    Hidden layers: h_k = relu(h_{k-1} W_k^T + b_k), starting from h_0 = x.
    The last layer is affine, without activation: y = h_{L-1} W_L^T + b_L.
    """
    weights, biases = _check_layers(weights, biases)
    h = _check_inputs(x, weights)
    for w, b in zip(weights[:-1], biases[:-1]):
        h = relu(h @ w.T + b)
    return h @ weights[-1].T + biases[-1]


# --8<-- [end:mlp_forward]


# --8<-- [start:linear_regions]
def activation_patterns(x, weights: Sequence, biases: Sequence) -> np.ndarray:
    """Which hidden units are on (pre-activation > 0) for each input: bool array (n_samples, hidden units)."""
    weights, biases = _check_layers(weights, biases)
    h = _check_inputs(x, weights)
    patterns = []
    for w, b in zip(weights[:-1], biases[:-1]):
        pre_activation = h @ w.T + b
        patterns.append(pre_activation > 0)
        h = relu(pre_activation)
    return np.concatenate(patterns, axis=1) if patterns else np.zeros((h.shape[0], 0), dtype=bool)


def count_linear_regions(x, weights: Sequence, biases: Sequence) -> int:
    """Linear pieces of a one-input network along sorted inputs x (1-D).

    Inside a region the set of active units is fixed, so the network is one affine map;
    we count 1 + the number of neighbouring inputs whose activation patterns differ.
    The grid must be fine enough to put an input in every region, and should avoid
    landing exactly on a kink (such an input would count as a region of its own).
    """
    x = as_float_array(x, "x")
    if x.ndim != 1 or np.any(np.diff(x) <= 0):
        raise ValueError("x must be a 1-D array of strictly increasing inputs")
    patterns = activation_patterns(x[:, None], weights, biases)
    changes = np.any(patterns[1:] != patterns[:-1], axis=1)
    return 1 + int(changes.sum())


def sawtooth_network(depth: int) -> tuple[list, list]:
    """A deep, narrow ReLU network with 2^depth linear pieces on [0, 1].

    Each hidden layer (two units) computes the tent map t(u) = 2 relu(u) - 4 relu(u - 1/2),
    which folds [0, 1] onto itself; composing it depth times doubles the pieces each time.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    fold = np.array([[2.0, -4.0]])  # t(u) from the two units relu(u), relu(u - 1/2)
    split = np.array([[1.0], [1.0]])  # u -> (u, u)
    shift = np.array([0.0, -0.5])
    weights, biases = [split], [shift]
    for _ in range(depth - 1):
        weights.append(split @ fold)  # fold the previous layer, feed t(u) to both units
        biases.append(shift)
    weights.append(fold)
    biases.append(np.zeros(1))
    return weights, biases


# --8<-- [end:linear_regions]
