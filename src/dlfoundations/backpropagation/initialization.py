"""Initialization: how the variance of the weights decides whether signals survive
depth.

Xavier (Glorot) and He (Kaiming) initializers from scratch, with PyTorch's conventions:
a weight of shape (out, in, *kernel) has fan_in = in * kernel size and
fan_out = out * kernel size. Then the variance of the activations (forward) and of the
gradients (backward) measured through a deep ReLU network.
"""

# --8<-- [start:imports]
import math
from collections.abc import Sequence

import numpy as np

from dlfoundations.backpropagation.deep_networks import forward_pass

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
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
