"""Artificial neurons and perceptrons.

A neuron computes a weighted sum of its inputs plus a bias and passes it through an
activation. The perceptron learns the weights of a step-activated neuron from
mistakes; it succeeds exactly when the classes can be split by a line (a hyperplane),
so it fails on XOR, which a network with one hidden layer solves.
"""

# --8<-- [start:imports]
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlfoundations._validation import as_float_array, check_callable, check_positive
from dlfoundations.foundations.functions import sigmoid, tanh

# --8<-- [end:imports]


# --8<-- [start:checks]
def check_inputs(x, name: str = "x") -> np.ndarray:
    """``x`` as an (n, d) float array: n examples, d features (one example may be a 1-D vector)."""
    x = as_float_array(x, name)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (examples, features), got shape {x.shape}")
    return x


def check_binary_labels(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as n labels, each 0 or 1."""
    y = as_float_array(y, name)
    if y.shape != (n,):
        raise ValueError(f"{name} must hold one label per example, shape ({n},), got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{name} must contain only the labels 0 and 1")
    return y


def check_weights(x: np.ndarray, weights, bias) -> tuple[np.ndarray, float]:
    """``weights`` as a vector with one entry per feature of x, ``bias`` as a float."""
    weights = as_float_array(weights, "weights")
    if weights.shape != (x.shape[1],):
        raise ValueError(f"weights must have shape ({x.shape[1]},), one per feature of x, got {weights.shape}")
    bias = as_float_array(bias, "bias")
    if bias.shape != ():
        raise ValueError(f"bias must be a single number, got shape {bias.shape}")
    return weights, float(bias)


# --8<-- [end:checks]


# --8<-- [start:neuron]
def step(z) -> np.ndarray:
    """The Heaviside step: 1 where z > 0, else 0. A perceptron's activation."""
    z = as_float_array(z, "z")
    return (z > 0).astype(np.float64)


def weighted_sum(x, weights, bias) -> np.ndarray:
    """z = x . w + b for each example (row) of x."""
    x = check_inputs(x)
    weights, bias = check_weights(x, weights, bias)
    return x @ weights + bias


def neuron(x, weights, bias, activation: Callable = step) -> np.ndarray:
    """An artificial neuron: activation(x . w + b), one output per example."""
    check_callable(activation, "activation")
    return activation(weighted_sum(x, weights, bias))


# --8<-- [end:neuron]


# --8<-- [start:perceptron]
@dataclass
class PerceptronRun:
    """What :func:`train_perceptron` learned, and how it got there."""

    weights: np.ndarray
    bias: float
    errors: list[int] = field(default_factory=list)  # mistakes made in each epoch
    history: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (w, b) after each epoch

    @property
    def converged(self) -> bool:
        """True if the last epoch made no mistake: every example is classified correctly."""
        return bool(self.errors) and self.errors[-1] == 0


def train_perceptron(x, y, learning_rate: float = 1.0, max_epochs: int = 100, weights=None, bias: float = 0.0):
    """Rosenblatt's perceptron rule, one example at a time, in order.

    For each example: predict y_hat = step(x . w + b); then
    w <- w + learning_rate * (y - y_hat) * x and b <- b + learning_rate * (y - y_hat).
    Nothing changes when the prediction is right. Stops after the first epoch with no mistake.
    """
    x = check_inputs(x)
    y = check_binary_labels(y, x.shape[0])
    learning_rate = check_positive(learning_rate, "learning_rate")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    w, b = check_weights(x, np.zeros(x.shape[1]) if weights is None else weights, bias)
    w = w.copy()
    run = PerceptronRun(weights=w, bias=b)
    for _ in range(max_epochs):
        mistakes = 0
        for xi, yi in zip(x, y):
            error = yi - float(step(xi @ w + b))  # +1, -1, or 0 when the prediction is right
            if error != 0:
                w += learning_rate * error * xi
                b += learning_rate * error
                mistakes += 1
        run.errors.append(mistakes)
        run.history.append((w.copy(), b))
        if mistakes == 0:
            break
    run.weights, run.bias = w, b
    return run


# --8<-- [end:perceptron]


# --8<-- [start:separable_data]
def separable_data(n: int = 40, margin: float = 0.15, seed: int = 2, center=(1.0, 1.0)):
    """n random points in the square center +- 1, labelled 1 above the line x2 - c2 = 0.5 (x1 - c1) + 0.1.

    Points closer to the line than ``margin`` are redrawn, so the classes are separated by a gap.
    Returns ``(x, y)``: an (n, 2) array of points and their n labels.
    """
    if check_positive(margin, "margin") >= 1:  # no point of the square is that far from the line
        raise ValueError(f"margin must be less than 1, got {margin}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    center = as_float_array(center, "center")
    if center.shape != (2,):
        raise ValueError(f"center must be a point (c1, c2), got shape {center.shape}")
    c1, c2 = center
    points = []
    while len(points) < n:
        u = rng.uniform(-1, 1, size=2)  # a point relative to the center
        height = u[1] - 0.5 * u[0] - 0.1  # above (> 0) or below (< 0) the line
        if abs(height) / np.sqrt(1 + 0.5**2) >= margin:  # distance to the line
            points.append((u[0] + c1, u[1] + c2, float(height > 0)))
    data = np.array(points)
    return data[:, :2], data[:, 2]


XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0.0, 1.0, 1.0, 0.0])


# --8<-- [end:separable_data]


# --8<-- [start:xor_by_hand]
def xor_network(x) -> np.ndarray:
    """XOR from three step neurons: XOR(a, b) = OR(a, b) AND NOT AND(a, b).

    Hidden layer: h1 = OR = step(a + b - 0.5), h2 = AND = step(a + b - 1.5).
    Output: step(h1 - h2 - 0.5), which is 1 when OR is on and AND is off.
    """
    x = check_inputs(x)
    hidden_weights = np.array([[1.0, 1.0], [1.0, 1.0]])  # column j holds the weights of hidden unit j
    hidden_bias = np.array([-0.5, -1.5])
    h = step(x @ hidden_weights + hidden_bias)
    return step(h @ np.array([1.0, -1.0]) - 0.5)


# --8<-- [end:xor_by_hand]


# --8<-- [start:two_layer]
def init_two_layer(n_inputs: int, n_hidden: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Small random weights for a network with one tanh hidden layer and one sigmoid output."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, 1.0, size=(n_inputs, n_hidden)),
        "b1": np.zeros(n_hidden),
        "w2": rng.normal(0.0, 1.0, size=n_hidden),
        "b2": np.zeros(()),
    }


def two_layer_forward(params: dict[str, np.ndarray], x) -> tuple[np.ndarray, np.ndarray]:
    """Hidden activations h = tanh(x W1 + b1) and output probabilities p = sigmoid(h . w2 + b2)."""
    x = check_inputs(x)
    h = tanh(x @ params["W1"] + params["b1"])
    p = sigmoid(h @ params["w2"] + params["b2"])
    return h, p


def two_layer_gradients(params: dict[str, np.ndarray], x, y) -> dict[str, np.ndarray]:
    """Gradients of the mean binary cross-entropy with respect to every parameter.

    This is backpropagation (Part IV), written out by hand for this one small network.
    """
    x = check_inputs(x)
    y = check_binary_labels(y, x.shape[0])
    h, p = two_layer_forward(params, x)
    dz2 = (p - y) / len(y)  # d loss / d output logit (see the losses chapter)
    dh = np.outer(dz2, params["w2"])  # back through the output weights
    dz1 = dh * (1 - h**2)  # back through tanh: tanh' = 1 - tanh^2
    return {"W1": x.T @ dz1, "b1": dz1.sum(axis=0), "w2": h.T @ dz2, "b2": dz2.sum()}


def train_two_layer(x, y, n_hidden: int = 8, learning_rate: float = 1.0, epochs: int = 2000, seed: int = 0):
    """Fit the two-layer network by full-batch gradient descent; returns the parameters."""
    x = check_inputs(x)
    learning_rate = check_positive(learning_rate, "learning_rate")
    for value, name in ((n_hidden, "n_hidden"), (epochs, "epochs")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    params = init_two_layer(x.shape[1], n_hidden, seed)
    for _ in range(epochs):
        grads = two_layer_gradients(params, x, y)
        params = {name: value - learning_rate * grads[name] for name, value in params.items()}
    return params


# --8<-- [end:two_layer]
