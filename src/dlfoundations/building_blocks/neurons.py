"""Artificial neurons and perceptrons.

A neuron computes a weighted sum of its inputs plus a bias and passes it through an
activation. The perceptron learns the weights of a step-activated neuron from
mistakes; it succeeds exactly when the classes can be split by a line (a hyperplane),
so it fails on XOR, which a network with one hidden layer solves.

The argument checks are declared above each function (``@check_arguments``): inputs
are (examples, features) arrays (one example may be a 1-D vector), labels 0 or 1,
one weight per feature. The page shows the function below them.
"""

# --8<-- [start:imports]
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlfoundations.foundations.functions import sigmoid, tanh

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    finite_array,
    float_array,
    function,
    non_negative_integer,
    optional,
    positive,
    two_values,
    vector,
)


def _inputs(value, name: str) -> np.ndarray:
    """An (n, d) array: n examples, d features (one example may be a 1-D vector)."""
    x = float_array(value, name)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (examples, features), got shape {x.shape}"
        )
    return x


def _pairs(value, name: str) -> np.ndarray:
    """Inputs with two features each, (a, b)."""
    x = _inputs(value, name)
    if x.shape[1] != 2:
        raise ValueError(f"{name} must have two features (a, b), got shape {x.shape}")
    return x


def _binary_labels(value, name: str) -> np.ndarray:
    """A 1-D array of labels, each 0 or 1."""
    y = float_array(value, name)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one label per example, got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{name} must contain only the labels 0 and 1")
    return y


def _one_label_per_example(x: str = "x", y: str = "y"):
    """Relation: as many labels ``y`` as examples (rows) of ``x``."""

    def check_count(arguments: dict) -> None:
        n, labels = arguments[x].shape[0], arguments[y]
        if labels.shape != (n,):
            message = f"must hold one label per example of {x}, shape ({n},)"
            raise ValueError(f"{y} {message}, got {labels.shape}")

    return check_count


def _one_weight_per_feature(arguments: dict) -> None:
    """Relation: ``weights`` (when given) has one entry per feature of ``x``."""
    d, weights = arguments["x"].shape[1], arguments["weights"]
    if weights is not None and weights.shape != (d,):
        message = f"must have shape ({d},), one per feature of x"
        raise ValueError(f"weights {message}, got {weights.shape}")


def _margin_below_one(value, name: str) -> float:
    """A positive margin < 1: no point of the square is farther from the line."""
    value = positive(value, name)
    if value >= 1:
        raise ValueError(f"{name} must be less than 1, got {value}")
    return value


def _single_number(value, name: str) -> float:
    """One finite number (a float, or an array of shape ())."""
    array = finite_array(value, name)
    if array.shape != ():
        raise ValueError(f"{name} must be a single number, got shape {array.shape}")
    return float(array)


_point = two_values("a point (c1, c2)")


PARAMETER_SHAPES = {"W1": 2, "b1": 1, "w2": 1, "b2": 0}


def _two_layer_parameters(value, name: str) -> dict[str, np.ndarray]:
    """The dict W1 (D_1, D_0), b1 (D_1,), w2 (D_1,), b2 () of finite arrays, with
    D_0 inputs and D_1 hidden units: W1 is (out, in)."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict of arrays, got {type(value).__name__}")
    missing = sorted(set(PARAMETER_SHAPES) - set(value))
    if missing:
        raise ValueError(f"{name} must hold W1, b1, w2 and b2, missing {missing}")
    params = {}
    for key, ndim in PARAMETER_SHAPES.items():
        array = float_array(value[key], f"{name}['{key}']")
        if array.ndim != ndim or not np.isfinite(array).all():
            message = f"must be a finite {ndim}-D array, got shape {array.shape}"
            raise ValueError(f"{name}['{key}'] {message}")
        params[key] = array
    hidden = params["W1"].shape[0]
    if params["b1"].shape != (hidden,) or params["w2"].shape != (hidden,):
        shapes = {key: array.shape for key, array in params.items()}
        raise ValueError(f"{name} must have {hidden} hidden units throughout: {shapes}")
    return params


def _inputs_fit_parameters(arguments: dict) -> None:
    """Relation: ``x`` has as many features as ``params['W1']`` has columns."""
    d, width = arguments["x"].shape[1], arguments["params"]["W1"].shape[1]
    if d != width:
        message = f"must have {width} features, the columns of params['W1']"
        raise ValueError(f"x {message}, got shape {arguments['x'].shape}")


@check_arguments(z=float_array)
# --8<-- [start:step]
def step(z) -> np.ndarray:
    """The Heaviside step: 1 where z > 0, else 0. A perceptron's activation."""
    return (z > 0).astype(np.float64)


# --8<-- [end:step]


@check_arguments(
    _one_weight_per_feature, x=_inputs, weights=vector, bias=_single_number
)
# --8<-- [start:weighted_sum]
def weighted_sum(x, weights, bias) -> np.ndarray:
    """The pre-activation z = w^T x + b of each example (row) of x."""
    return x @ weights + bias


# --8<-- [end:weighted_sum]


@check_arguments(activation=function)
# --8<-- [start:neuron]
def neuron(x, weights, bias, activation: Callable = step) -> np.ndarray:
    """An artificial neuron: h = a(w^T x + b), one output per example."""
    return activation(weighted_sum(x, weights, bias))


# --8<-- [end:neuron]


# --8<-- [start:perceptron_run]
@dataclass
class PerceptronRun:
    """What :func:`train_perceptron` learned, and how it got there."""

    weights: np.ndarray
    bias: float
    # the mistakes made in each epoch, and (w, b) after each epoch
    errors: list[int] = field(default_factory=list, init=False)
    history: list[tuple[np.ndarray, float]] = field(default_factory=list, init=False)

    @property
    def converged(self) -> bool:
        """True if the last epoch made no mistake: every example is right."""
        return bool(self.errors) and self.errors[-1] == 0


# --8<-- [end:perceptron_run]

PerceptronRun.__init__ = check_arguments(weights=vector, bias=_single_number)(
    PerceptronRun.__init__
)


@check_arguments(
    _one_label_per_example(),
    _one_weight_per_feature,
    x=_inputs,
    y=_binary_labels,
    lr=positive,
    max_epochs=count,
    weights=optional(vector),
    bias=_single_number,
)
# --8<-- [start:perceptron]
def train_perceptron(
    x, y, lr: float = 1.0, max_epochs: int = 100, weights=None, bias: float = 0.0
):
    """Rosenblatt's perceptron rule, one example at a time, in order.

    For each example: predict y_hat = step(w^T x + b); then
    w <- w + lr * (y - y_hat) * x and b <- b + lr * (y - y_hat), lr the rate eta.
    Nothing changes when the prediction is right. Stops after the first epoch
    with no mistake.
    """
    w = np.zeros(x.shape[1]) if weights is None else weights.copy()
    b = bias
    run = PerceptronRun(weights=w, bias=b)
    for _ in range(max_epochs):
        mistakes = 0
        for xi, yi in zip(x, y):
            error = yi - float(step(xi @ w + b))  # +1, -1, or 0 when it is right
            if error != 0:
                w += lr * error * xi
                b += lr * error
                mistakes += 1
        run.errors.append(mistakes)
        run.history.append((w.copy(), b))
        if mistakes == 0:
            break
    run.weights, run.bias = w, b
    return run


# --8<-- [end:perceptron]


@check_arguments(
    n_samples=count, margin=_margin_below_one, seed=non_negative_integer, center=_point
)
# --8<-- [start:separable_data]
def separable_data(
    n_samples: int = 40, margin: float = 0.15, seed: int = 2, center=(1.0, 1.0)
):
    """n_samples random points in the square center +- 1, labelled 1 above the line
    x2 - c2 = 0.5 (x1 - c1) + 0.1.

    Points closer to the line than ``margin`` are redrawn, so the classes are
    separated by a gap. Returns ``(x, y)``: an (n_samples, 2) array of points and
    their labels.
    """
    rng = np.random.default_rng(seed)
    c1, c2 = center
    points = []
    while len(points) < n_samples:
        u = rng.uniform(-1, 1, size=2)  # a point relative to the center
        height = u[1] - 0.5 * u[0] - 0.1  # above (> 0) or below (< 0) the line
        if abs(height) / np.sqrt(1 + 0.5**2) >= margin:  # distance to the line
            points.append((u[0] + c1, u[1] + c2, float(height > 0)))
    data = np.array(points)
    return data[:, :2], data[:, 2]


XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0.0, 1.0, 1.0, 0.0])


# --8<-- [end:separable_data]


@check_arguments(x=_pairs)
# --8<-- [start:xor_by_hand]
def xor_network(x) -> np.ndarray:
    """XOR from three step neurons: XOR(a, b) = OR(a, b) AND NOT AND(a, b).

    Hidden layer: h_1 = step(W_1 x + b_1) = (OR, AND), from step(a + b - 0.5)
    and step(a + b - 1.5). Output: step(OR - AND - 0.5), which is 1 when OR is on
    and AND is off.
    """
    # row j holds the weights of hidden unit j: shape (out, in)
    hidden_weights = np.array([[1.0, 1.0], [1.0, 1.0]])
    hidden_bias = np.array([-0.5, -1.5])
    h = step(x @ hidden_weights.T + hidden_bias)
    return step(h @ np.array([1.0, -1.0]) - 0.5)


# --8<-- [end:xor_by_hand]


@check_arguments(n_inputs=count, n_hidden=count, seed=non_negative_integer)
# --8<-- [start:init_two_layer]
def init_two_layer(
    n_inputs: int, n_hidden: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """Random weights, N(0, 1), for one tanh hidden layer and one sigmoid output,
    zero biases; W1 has shape (n_hidden, n_inputs): (out, in)."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, 1.0, size=(n_hidden, n_inputs)),
        "b1": np.zeros(n_hidden),
        "w2": rng.normal(0.0, 1.0, size=n_hidden),
        "b2": np.zeros(()),
    }


# --8<-- [end:init_two_layer]


@check_arguments(_inputs_fit_parameters, params=_two_layer_parameters, x=_inputs)
# --8<-- [start:two_layer_forward]
def two_layer_forward(
    params: dict[str, np.ndarray], x
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden activations h_1 = tanh(z_1), z_1 = x W1^T + b1, and output
    probabilities p = sigmoid(z_2), z_2 = h_1 w2 + b2, for a batch x with one
    example per row."""
    h = tanh(x @ params["W1"].T + params["b1"])
    p = sigmoid(h @ params["w2"] + params["b2"])
    return h, p


# --8<-- [end:two_layer_forward]


@check_arguments(
    _inputs_fit_parameters,
    _one_label_per_example(),
    params=_two_layer_parameters,
    x=_inputs,
    y=_binary_labels,
)
# --8<-- [start:two_layer_gradients]
def two_layer_gradients(params: dict[str, np.ndarray], x, y) -> dict[str, np.ndarray]:
    """Gradients of the loss L, the mean binary cross-entropy, with respect to
    every parameter.

    This is backpropagation (Part IV), written out by hand for this one small network.
    """
    h, p = two_layer_forward(params, x)
    dz2 = (p - y) / len(y)  # dL/dz2 at the output logit (see the losses chapter)
    dh = np.outer(dz2, params["w2"])  # back through the output weights
    dz1 = dh * (1 - h**2)  # back through tanh: tanh' = 1 - tanh^2
    return {"W1": dz1.T @ x, "b1": dz1.sum(axis=0), "w2": h.T @ dz2, "b2": dz2.sum()}


# --8<-- [end:two_layer_gradients]


@check_arguments(
    _one_label_per_example(),
    x=_inputs,
    y=_binary_labels,
    n_hidden=count,
    lr=positive,
    epochs=count,
    seed=non_negative_integer,
)
# --8<-- [start:train_two_layer]
def train_two_layer(
    x, y, n_hidden: int = 8, lr: float = 1.0, epochs: int = 2000, seed: int = 0
):
    """Fit the two-layer network by full-batch gradient descent,
    phi <- phi - lr * grad L(phi); return the weights."""
    params = init_two_layer(x.shape[1], n_hidden, seed)
    for _ in range(epochs):
        grads = two_layer_gradients(params, x, y)
        params = {name: value - lr * grads[name] for name, value in params.items()}
    return params


# --8<-- [end:train_two_layer]
