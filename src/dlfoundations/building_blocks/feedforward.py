"""Feedforward networks and supervised learning.

The supervised set-up (a model, a loss, the empirical risk), splitting a dataset, a
shallow ReLU network seen as a piecewise-linear function, the forward pass of a
multilayer perceptron (MLP), and the linear regions that depth and width create.

A dataset is split once, before any training, into a training set (to fit the
parameters), a validation set (to choose hyperparameters) and a test set (to report
the final result). Every sample lands in exactly one of the three.

The argument checks are declared above each function (``@check_arguments``), so
that a wrong shape fails with a message naming the argument instead of a
broadcasting error deep inside NumPy. The page shows the function below them.
"""

# --8<-- [start:imports]
from collections.abc import Callable, Sequence

import numpy as np

from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    finite,
    float_array,
    fraction,
    function,
    layer_sizes,
    matrix,
    non_negative,
    non_negative_integer,
    optional,
    same_length,
    same_shape,
    list_of,
    vector,
)


def _samples(value, name: str) -> np.ndarray:
    """A float array with one row (or entry) per sample."""
    array = float_array(value, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must hold one row per sample, got a single number")
    return array


def _dataset(value, name: str) -> np.ndarray:
    """Any non-empty array with one row per sample (numbers, strings...)."""
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {error}") from None
    if array.ndim == 0:
        raise ValueError(f"{name} must hold samples along a first axis, got one value")
    if array.shape[0] == 0:
        raise ValueError(f"{name} must not be empty")
    return array


def _boolean(value, name: str) -> bool:
    """True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _class_per_sample(value, name: str) -> np.ndarray:
    """One class index 0, 1, 2, ... per sample (whole floats allowed), as int64."""
    labels = float_array(value, name)
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of labels, got shape {labels.shape}"
        )
    if np.any(labels < 0) or np.any(labels != np.round(labels)):
        raise ValueError(f"{name} must hold class indices 0, 1, 2, ... (integers >= 0)")
    return labels.astype(np.int64)


def _leaves_training_set(arguments: dict) -> None:
    """Relation: val_fraction + test_fraction < 1."""
    total = arguments["val_fraction"] + arguments["test_fraction"]
    if total >= 1.0:
        message = "must be below 1 to leave a training set"
        raise ValueError(f"val_fraction + test_fraction {message}, got {total}")


def _stratify_per_sample(arguments: dict) -> None:
    """Relation: ``stratify`` (when given) holds n_samples labels."""
    stratify, n_samples = arguments["stratify"], arguments["n_samples"]
    if stratify is not None and stratify.shape != (n_samples,):
        message = f"must be a 1-D array of {n_samples} labels"
        raise ValueError(f"stratify {message}, got shape {stratify.shape}")


def _one_per_hidden_unit(arguments: dict) -> None:
    """Relation: w, b and v (those present) have one entry per hidden unit."""
    shapes = [arguments[name].shape for name in ("w", "b", "v") if name in arguments]
    if len(set(shapes)) != 1:
        names = "w, b and v" if "v" in arguments else "w and b"
        message = "must be 1-D with one entry per hidden unit"
        raise ValueError(f"{names} {message}, got {', '.join(map(str, shapes))}")


def layers_chain(arguments: dict) -> None:
    """Relation: matching weights (out, in) and biases (out,), each layer taking the
    previous one's outputs, and inputs x as wide as the first layer's input."""
    weights, biases = arguments["weights"], arguments["biases"]
    if len(weights) != len(biases):
        message = "must be non-empty lists of the same length"
        raise ValueError(
            f"weights and biases {message}, got {len(weights)} and {len(biases)}"
        )
    for k, (w, b) in enumerate(zip(weights, biases)):
        if b.shape != (w.shape[0],):
            message = f"must be (out, in) and biases[{k}] (out,)"
            raise ValueError(f"weights[{k}] {message}, got {w.shape} and {b.shape}")
        if k > 0 and w.shape[1] != weights[k - 1].shape[0]:
            outputs = weights[k - 1].shape[0]
            message = (
                f"takes {w.shape[1]} inputs but layer {k - 1} has {outputs} outputs"
            )
            raise ValueError(f"weights[{k}] {message}")
    x = arguments.get("x")
    if x is not None and x.ndim == 2 and x.shape[1] != weights[0].shape[1]:
        message = f"must have shape (n_samples, {weights[0].shape[1]})"
        raise ValueError(f"x {message}, got {x.shape}")


def _increasing_grid(value, name: str) -> np.ndarray:
    """A 1-D array of strictly increasing inputs."""
    x = float_array(value, name)
    if x.ndim != 1 or np.any(np.diff(x) <= 0):
        raise ValueError(f"{name} must be a 1-D array of strictly increasing inputs")
    return x


def _one_d(check):
    """``check``, then: the array is 1-D (the shallow network's inputs and units)."""

    def check_one_d(value, name: str) -> np.ndarray:
        array = check(value, name)
        if array.ndim != 1:
            message = "must be a 1-D array" + (" of inputs" if name == "x" else "")
            raise ValueError(f"{name} {message}, got shape {array.shape}")
        return array

    return check_one_d


LAYERS = {"weights": list_of(matrix), "biases": list_of(vector)}
SHALLOW = {"x": _one_d(float_array), "w": _one_d(float_array), "b": _one_d(float_array)}


@check_arguments(
    same_shape("predictions", "targets"), predictions=_samples, targets=_samples
)
# --8<-- [start:squared_error]
def squared_error(predictions, targets) -> np.ndarray:
    """Per-sample loss (y_hat - y)^2, summed over output dimensions: one per sample."""
    errors = (predictions - targets) ** 2
    return errors.reshape(errors.shape[0], -1).sum(axis=1)


# --8<-- [end:squared_error]


@check_arguments(
    same_length("x", "y"), model=function, loss=function, x=_samples, y=_samples
)
# --8<-- [start:empirical_risk]
def empirical_risk(model: Callable, loss: Callable, x, y) -> float:
    """The loss L(phi) = (1/N) sum_i loss(model(x_i), y_i): the mean of the
    per-example losses over a dataset, its empirical risk."""
    losses = np.asarray(loss(model(x), y), dtype=np.float64)
    if losses.shape != (y.shape[0],):
        per_sample = f"one value per sample, shape ({y.shape[0]},)"
        raise ValueError(f"loss must return {per_sample}, got {losses.shape}")
    return float(losses.mean())


# --8<-- [end:empirical_risk]


@check_arguments(
    _leaves_training_set,
    _stratify_per_sample,
    n_samples=count,
    val_fraction=fraction,
    test_fraction=fraction,
    seed=non_negative_integer,
    stratify=optional(_class_per_sample),
)
# --8<-- [start:split_indices]
def split_indices(
    n_samples: int,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    *,
    seed: int = 0,
    stratify=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle ``range(n_samples)``; cut it into disjoint train, validation and test
    indices.

    With ``stratify`` (one label per sample) each class is shuffled and cut on its
    own, so every split keeps the class proportions: a class of n_c samples puts
    round(n_c * test_fraction) samples in the test set, within one sample of the
    exact share.
    """
    rng = np.random.default_rng(seed)
    if stratify is None:
        groups = [np.arange(n_samples)]  # one group: the whole dataset
    else:
        groups = [np.flatnonzero(stratify == label) for label in np.unique(stratify)]

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


@check_arguments(
    same_length("x", "y"),
    _leaves_training_set,
    x=_dataset,
    y=_dataset,
    val_fraction=fraction,
    test_fraction=fraction,
    seed=non_negative_integer,
    stratify=_boolean,
)
# --8<-- [start:train_val_test_split]
def train_val_test_split(
    x,
    y,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    *,
    seed: int = 0,
    stratify: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Split inputs ``x`` and targets ``y`` into ``(x, y)`` pairs for training,
    validation and test.

    ``stratify=True`` keeps the class proportions of ``y`` in every split.
    """
    labels = y if stratify else None
    splits = split_indices(
        len(x), val_fraction, test_fraction, seed=seed, stratify=labels
    )
    return tuple((x[indices], y[indices]) for indices in splits)


# --8<-- [end:train_val_test_split]


@check_arguments(_one_per_hidden_unit, **SHALLOW, v=_one_d(float_array))
# --8<-- [start:relu_contributions]
def relu_contributions(x, w, b, v) -> np.ndarray:
    """Each hidden unit's term v_j * relu(w_j x + b_j), one column per unit:
    shape (len(x), units)."""
    pre_activations = np.outer(x, w) + b  # (n, units): w_j x + b_j
    return relu(pre_activations) * v


# --8<-- [end:relu_contributions]


@check_arguments(_one_per_hidden_unit, **SHALLOW, v=_one_d(float_array), c=finite)
# --8<-- [start:shallow_relu_network]
def shallow_relu_network(x, w, b, v, c: float = 0.0) -> np.ndarray:
    """One input, one hidden ReLU layer, one output:
    f(x) = c + sum_j v_j relu(w_j x + b_j)."""
    return c + relu_contributions(x, w, b, v).sum(axis=1)


# --8<-- [end:shallow_relu_network]


@check_arguments(_one_per_hidden_unit, w=_one_d(float_array), b=_one_d(float_array))
# --8<-- [start:kink_locations]
def kink_locations(w, b) -> np.ndarray:
    """Sorted inputs where a unit switches on or off: w_j x + b_j = 0, x = -b_j / w_j.

    A unit with w_j = 0 is constant and has no kink.
    """
    has_kink = w != 0
    return np.sort(-b[has_kink] / w[has_kink])


# --8<-- [end:kink_locations]


@check_arguments(
    layer_sizes=layer_sizes, seed=non_negative_integer, bias_std=non_negative
)
# --8<-- [start:init_mlp]
def init_mlp(
    layer_sizes: Sequence[int], seed: int = 0, bias_std: float = 0.1
) -> tuple[list, list]:
    """Random weights and biases for an MLP with layer sizes [D_0, D_1, ..., D_K],
    e.g. [2, 16, 1].

    weights[k - 1] is W_k, of shape (D_k, D_{k-1}): (out, in), drawn from
    N(0, 2 / D_{k-1}) (He initialisation); biases[k - 1] is b_k, drawn from
    N(0, bias_std^2).
    """
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)))
        biases.append(rng.normal(0.0, bias_std, size=fan_out))
    return weights, biases


# --8<-- [end:init_mlp]


@check_arguments(layer_sizes=layer_sizes)
# --8<-- [start:count_parameters]
def count_parameters(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases: sum over layers k of D_{k-1} D_k + D_k."""
    layers = zip(layer_sizes[:-1], layer_sizes[1:])
    return int(sum(n_in * n_out + n_out for n_in, n_out in layers))


# --8<-- [end:count_parameters]


@check_arguments(layers_chain, x=matrix, **LAYERS)
# --8<-- [start:mlp_forward]
def mlp_forward(x, weights: Sequence, biases: Sequence) -> np.ndarray:
    """Forward pass of an MLP of K = len(weights) layers on a batch x of shape
    (N, D_0), one example per row.

    Hidden layers: h_k = relu(h_{k-1} W_k^T + b_k), starting from h_0 = x.
    The output layer is affine, without activation: f = h_{K-1} W_K^T + b_K.
    """
    h = x
    for w, b in zip(weights[:-1], biases[:-1]):
        h = relu(h @ w.T + b)
    return h @ weights[-1].T + biases[-1]


# --8<-- [end:mlp_forward]


@check_arguments(layers_chain, x=matrix, **LAYERS)
# --8<-- [start:activation_patterns]
def activation_patterns(x, weights: Sequence, biases: Sequence) -> np.ndarray:
    """Which hidden units are on (pre-activation > 0) for each input:
    a bool array (n_samples, hidden units)."""
    h, patterns = x, [np.zeros((x.shape[0], 0), dtype=bool)]
    for w, b in zip(weights[:-1], biases[:-1]):
        pre_activation = h @ w.T + b
        patterns.append(pre_activation > 0)
        h = relu(pre_activation)
    return np.concatenate(patterns, axis=1)


# --8<-- [end:activation_patterns]


@check_arguments(x=_increasing_grid, **LAYERS)
# --8<-- [start:count_linear_regions]
def count_linear_regions(x, weights: Sequence, biases: Sequence) -> int:
    """Linear pieces of a one-input network along sorted inputs x (1-D).

    Inside a region the set of active units is fixed, so the network is one affine
    map; we count 1 + the number of neighbouring inputs whose activation patterns
    differ. The grid must be fine enough to put an input in every region, and should
    avoid landing exactly on a kink (such an input would count as a region of its
    own).
    """
    patterns = activation_patterns(x[:, None], weights, biases)
    changes = np.any(patterns[1:] != patterns[:-1], axis=1)
    return 1 + int(changes.sum())


# --8<-- [end:count_linear_regions]


@check_arguments(depth=count)
# --8<-- [start:sawtooth_network]
def sawtooth_network(depth: int) -> tuple[list, list]:
    """A deep, narrow ReLU network with 2^depth linear pieces on [0, 1].

    Each hidden layer (two units) computes the tent map
    t(u) = 2 relu(u) - 4 relu(u - 1/2), which folds [0, 1] onto itself; composing it
    depth times doubles the pieces each time.
    """
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


# --8<-- [end:sawtooth_network]
