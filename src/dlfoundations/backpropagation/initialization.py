"""Initialization: how the variance of the weights decides whether signals survive
depth.

Xavier (Glorot) and He (Kaiming) initializers from scratch, with PyTorch's conventions:
a weight of shape (out, in, *kernel) has fan_in = in * kernel size and
fan_out = out * kernel size. Then the variance of the activations (forward) and of the
gradients (backward) measured through a deep ReLU network, and what a bad
initialization does to training: equal weights that never become different (the
symmetry that random weights break), and deep networks that do not learn or diverge.
"""

# --8<-- [start:imports]
import math
from collections.abc import Sequence

import numpy as np

from dlfoundations.backpropagation.deep_networks import forward_pass, network_gradients
from dlfoundations.building_blocks.feedforward import init_mlp

# --8<-- [end:imports]
from dlfoundations.building_blocks.feedforward import LAYERS, layers_chain
from dlfoundations.checks import (
    check_arguments,
    count,
    finite,
    layer_sizes,
    list_of,
    matrix,
    non_negative,
    non_negative_integer,
    one_of,
    positive,
)


def _weight_shape(value, name: str) -> tuple[int, ...]:
    """The shape (out, in, *kernel) of a weight: at least two sizes >= 1."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a tuple of sizes (out, in, ...), got {kind}")
    shape = tuple(count(size, f"{name}[{i}]") for i, size in enumerate(value))
    if len(shape) < 2:
        message = f"{name} must have at least two dimensions (out, in)"
        raise ValueError(f"{message}, got {shape}")
    return shape


def _rng(value, name: str) -> np.random.Generator | int | None:
    """A NumPy random generator, an integer seed >= 0 or None (a fresh seed)."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        kind = type(value).__name__
        message = f"{name} must be a numpy Generator, an integer seed or None"
        raise TypeError(f"{message}, got {kind}")
    return non_negative_integer(value, name)


def _layer_shapes(arguments: dict) -> None:
    """One pre-activation per layer, each (N, width of that layer's output), and an
    output gradient shaped like the last one."""
    weights, fs = arguments["weights"], arguments["fs"]
    gradient = arguments["output_gradient"]
    if len(fs) != len(weights):
        message = (
            f"fs must hold one pre-activation per layer of weights ({len(weights)})"
        )
        raise ValueError(f"{message}, got {len(fs)}")
    if gradient.shape != fs[-1].shape:
        message = (
            f"output_gradient must have the shape of the output fs[-1] {fs[-1].shape}"
        )
        raise ValueError(f"{message}, got {gradient.shape}")
    n = gradient.shape[0]
    for k, (w, f) in enumerate(zip(weights, fs)):
        inputs = fs[k - 1].shape[1] if k > 0 else w.shape[1]
        if f.shape != (n, w.shape[0]) or w.shape[1] != inputs:
            message = f"fs[{k}] must have shape (N, {w.shape[0]}) to fit weights[{k}]"
            raise ValueError(
                f"{message}, and weights[{k}] {inputs} inputs; got {f.shape}"
            )


@check_arguments(n_examples=count)
# --8<-- [start:sine_task]
def sine_task(n_examples: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A small regression task: x evenly spaced in [-1, 1], y = sin(3x), both as
    columns of shape (n_examples, 1)."""
    x = np.linspace(-1.0, 1.0, n_examples).reshape(-1, 1)
    return x, np.sin(3.0 * x)


# --8<-- [end:sine_task]


@check_arguments(layers_chain, x=matrix, y=matrix, **LAYERS, lr=positive, steps=count)
# --8<-- [start:train_network]
def train_network(x, y, weights: list, biases: list, lr: float, steps: int):
    """Full-batch gradient descent on the loss of the deep networks chapter.

    Returns the trained weights and biases and the loss before each step. A run whose
    loss grows a thousandfold has diverged: it stops there.
    """
    losses = []
    for _ in range(steps):
        loss, weight_grads, bias_grads = network_gradients(x, y, weights, biases)
        losses.append(loss)
        if loss > 1000 * losses[0]:  # diverged: the next step would overflow
            break
        weights = [w - lr * g for w, g in zip(weights, weight_grads)]
        biases = [b - lr * g for b, g in zip(biases, bias_grads)]
    return weights, biases, losses


# --8<-- [end:train_network]


@check_arguments(layer_sizes=layer_sizes, value=finite)
# --8<-- [start:constant_init]
def constant_init(layer_sizes: list[int], value: float) -> tuple[list, list]:
    """Every weight equal to ``value``, every bias zero: the shapes of init_mlp
    without its randomness."""
    weights, biases = init_mlp(layer_sizes, bias_std=0.0)
    return [np.full_like(w, value) for w in weights], biases


# --8<-- [end:constant_init]


@check_arguments(layers_chain, **LAYERS)
# --8<-- [start:unit_spread]
def hidden_unit_spread(weights: list, biases: list) -> list[float]:
    """For each hidden layer, the largest difference between the incoming weights
    and biases of two of its units: zero when the units are copies of one another."""
    spreads = []
    for w, b in zip(weights[:-1], biases[:-1]):
        units = np.column_stack([w, b])  # one row per unit: its weights, its bias
        spreads.append(float(np.ptp(units, axis=0).max()))
    return spreads


# --8<-- [end:unit_spread]


@check_arguments(shape=_weight_shape)
# --8<-- [start:fans]
def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of shape (out, in, *kernel), as torch.nn.init
    computes them."""
    receptive_field = math.prod(shape[2:])  # 1 for a matrix
    return shape[1] * receptive_field, shape[0] * receptive_field


# --8<-- [end:fans]

_XAVIER = {"shape": _weight_shape, "gain": positive, "rng": _rng}


@check_arguments(**_XAVIER)
# --8<-- [start:xavier_uniform]
def xavier_uniform(shape: Sequence[int], gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    # variance a^2 / 3 = gain^2 * 2 / (fan_in + fan_out)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).uniform(-bound, bound, size=tuple(shape))


# --8<-- [end:xavier_uniform]


@check_arguments(**_XAVIER)
# --8<-- [start:xavier_normal]
def xavier_normal(shape: Sequence[int], gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot/Xavier normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).normal(0.0, std, size=tuple(shape))


# --8<-- [end:xavier_normal]

_MODE = one_of("fan_in", "fan_out")
_KAIMING = {"shape": _weight_shape, "mode": _MODE, "negative_slope": non_negative}


@check_arguments(shape=_weight_shape, mode=_MODE)
# --8<-- [start:kaiming_fan]
def kaiming_fan(shape: Sequence[int], mode: str) -> int:
    """The fan that He initialization preserves: fan_in (forward pass) or fan_out
    (backward pass)."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


# --8<-- [end:kaiming_fan]


@check_arguments(**_KAIMING, rng=_rng)
# --8<-- [start:kaiming_normal]
def kaiming_normal(
    shape: Sequence[int], mode: str = "fan_in", negative_slope: float = 0.0, rng=None
) -> np.ndarray:
    """He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan) and
    gain = sqrt(2 / (1 + negative_slope^2)).

    With negative_slope = 0 (ReLU) the variance is 2 / fan: the factor 2 makes up
    for the half of the signal that ReLU sets to zero.
    """
    fan = kaiming_fan(shape, mode)
    gain = math.sqrt(2.0 / (1.0 + negative_slope**2))
    std = gain / math.sqrt(fan)
    return np.random.default_rng(rng).normal(0.0, std, size=tuple(shape))


# --8<-- [end:kaiming_normal]


@check_arguments(**_KAIMING, rng=_rng)
# --8<-- [start:kaiming_uniform]
def kaiming_uniform(
    shape: Sequence[int], mode: str = "fan_in", negative_slope: float = 0.0, rng=None
) -> np.ndarray:
    """He/Kaiming uniform: U(-a, a) with a = gain * sqrt(3 / fan), the variance of
    kaiming_normal."""
    fan = kaiming_fan(shape, mode)
    gain = math.sqrt(2.0 / (1.0 + negative_slope**2))
    bound = gain * math.sqrt(3.0 / fan)
    return np.random.default_rng(rng).uniform(-bound, bound, size=tuple(shape))


# --8<-- [end:kaiming_uniform]

_DEEP = {"weight_variance": positive, "depth": count, "width": count}


@check_arguments(**_DEEP, seed=non_negative_integer)
# --8<-- [start:deep_weights]
def deep_relu_weights(
    weight_variance: float, depth: int = 50, width: int = 80, seed: int = 0
) -> list[np.ndarray]:
    """``depth`` square weight matrices (width x width) with entries drawn from
    N(0, weight_variance)."""
    rng = np.random.default_rng(seed)
    std = math.sqrt(weight_variance)
    return [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]


# --8<-- [end:deep_weights]


@check_arguments(
    _layer_shapes,
    weights=list_of(matrix),
    fs=list_of(matrix),
    output_gradient=matrix,
)
# --8<-- [start:backpropagate]
def backpropagate_to_layers(weights: Sequence, fs: Sequence, output_gradient) -> list:
    """dL/df_k for every layer k, from the gradient at the output and the stored
    pre-activations fs.

    Going back one layer: dL/dh_k = Omega_k^T dL/df_k, then
    dL/df_{k-1} = ReLU'(f_{k-1}) * dL/dh_k.
    """
    dl_df = output_gradient
    gradients = [dl_df]
    for k in reversed(range(1, len(weights))):
        dl_dh = dl_df @ weights[k]
        dl_df = (fs[k - 1] > 0) * dl_dh
        gradients.insert(0, dl_df)
    return gradients


# --8<-- [end:backpropagate]


@check_arguments(**_DEEP, n_examples=count, seed=non_negative_integer)
# --8<-- [start:variances]
def signal_variances(
    weight_variance: float,
    depth: int = 50,
    width: int = 80,
    n_examples: int = 1000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Variance of the pre-activations f_k (forward) and of dL/df_k (backward) at
    every layer.

    The network has ``depth`` ReLU layers of ``width`` units, weights
    N(0, weight_variance) and zero biases; inputs and the gradient arriving at the
    output are standard normal.
    """
    weights = deep_relu_weights(weight_variance, depth, width, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n_examples, width))
    fs, _ = forward_pass(x, weights, [np.zeros(width)] * depth)
    output_gradient = rng.standard_normal((n_examples, width))
    gradients = backpropagate_to_layers(weights, fs, output_gradient)
    return np.array([f.var() for f in fs]), np.array([g.var() for g in gradients])


# --8<-- [end:variances]


@check_arguments(
    layer_sizes=layer_sizes, multiplier=positive, seed=non_negative_integer
)
# --8<-- [start:scaled_he]
def scaled_he_init(
    layer_sizes: list[int], multiplier: float, seed: int = 0
) -> tuple[list, list]:
    """init_mlp's He weights, N(0, 2/D), scaled to variance multiplier * 2/D; zero
    biases. multiplier = 1 is He initialization."""
    weights, biases = init_mlp(layer_sizes, seed, bias_std=0.0)
    return [math.sqrt(multiplier) * w for w in weights], biases


# --8<-- [end:scaled_he]


@check_arguments(
    multiplier=positive,
    depth=count,
    width=count,
    lr=positive,
    steps=count,
    seed=non_negative_integer,
)
# --8<-- [start:deep_training]
def deep_training_losses(
    multiplier: float,
    depth: int = 12,
    width: int = 16,
    lr: float = 0.01,
    steps: int = 200,
    seed: int = 0,
) -> list[float]:
    """Train a ReLU MLP of ``depth`` layers (``width`` units each, one input, one
    output) on the sine task from weights of variance multiplier * 2/D; return the
    loss before each step."""
    x, y = sine_task()
    layer_sizes = [1] + [width] * (depth - 1) + [1]
    weights, biases = scaled_he_init(layer_sizes, multiplier, seed)
    _, _, losses = train_network(x, y, weights, biases, lr, steps)
    return losses


# --8<-- [end:deep_training]
