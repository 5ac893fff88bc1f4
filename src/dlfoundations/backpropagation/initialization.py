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

from dlfoundations._validation import as_float_array, check_non_negative, check_positive
from dlfoundations.backpropagation.deep_networks import forward_pass

# --8<-- [end:imports]


# --8<-- [start:helpers]
def _generator(rng) -> np.random.Generator:
    """A NumPy random generator from a Generator, an integer seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, an integer seed or None, got {type(rng).__name__}")


def _positive_int(value, name: str) -> int:
    """Return ``value`` if it is an integer > 0, else raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# --8<-- [end:helpers]


# --8<-- [start:fans]
def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of shape (out, in, *kernel), as torch.nn.init computes them."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"shape must have at least two dimensions (out, in), got {shape}")
    for size in shape:
        _positive_int(size, "shape")
    receptive_field = math.prod(shape[2:])  # 1 for a matrix
    return shape[1] * receptive_field, shape[0] * receptive_field


# --8<-- [end:fans]


# --8<-- [start:xavier]
def xavier_uniform(shape: Sequence[int], gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    gain = check_positive(gain, "gain")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))  # variance a^2/3 = gain^2 * 2/(fan_in + fan_out)
    return _generator(rng).uniform(-bound, bound, size=tuple(shape))


def xavier_normal(shape: Sequence[int], gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot/Xavier normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    gain = check_positive(gain, "gain")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _generator(rng).normal(0.0, std, size=tuple(shape))


# --8<-- [end:xavier]


# --8<-- [start:kaiming]
def kaiming_fan(shape: Sequence[int], mode: str) -> int:
    """The fan that He initialization preserves: fan_in (forward pass) or fan_out (backward pass)."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def kaiming_normal(shape: Sequence[int], mode: str = "fan_in", negative_slope: float = 0.0, rng=None) -> np.ndarray:
    """He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan), gain = sqrt(2 / (1 + negative_slope^2)).

    With negative_slope = 0 (ReLU) the variance is 2 / fan: the factor 2 makes up for the
    half of the signal that ReLU sets to zero.
    """
    fan = kaiming_fan(shape, mode)
    gain = math.sqrt(2.0 / (1.0 + check_non_negative(negative_slope, "negative_slope") ** 2))
    return _generator(rng).normal(0.0, gain / math.sqrt(fan), size=tuple(shape))


def kaiming_uniform(shape: Sequence[int], mode: str = "fan_in", negative_slope: float = 0.0, rng=None) -> np.ndarray:
    """He/Kaiming uniform: U(-a, a) with a = gain * sqrt(3 / fan), the same variance as kaiming_normal."""
    fan = kaiming_fan(shape, mode)
    gain = math.sqrt(2.0 / (1.0 + check_non_negative(negative_slope, "negative_slope") ** 2))
    bound = gain * math.sqrt(3.0 / fan)
    return _generator(rng).uniform(-bound, bound, size=tuple(shape))


# --8<-- [end:kaiming]


# --8<-- [start:deep_weights]
def deep_relu_weights(weight_variance: float, depth: int = 50, width: int = 80, seed: int = 0) -> list[np.ndarray]:
    """``depth`` square weight matrices (width x width) with entries drawn from N(0, weight_variance)."""
    weight_variance = check_positive(weight_variance, "weight_variance")
    depth = _positive_int(depth, "depth")
    width = _positive_int(width, "width")
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, math.sqrt(weight_variance), size=(width, width)) for _ in range(depth)]


# --8<-- [end:deep_weights]


# --8<-- [start:variances]
def backpropagate_to_layers(weights: Sequence, fs: Sequence, output_gradient) -> list[np.ndarray]:
    """dL/df_k for every layer k, from the gradient at the output and the stored pre-activations fs.

    Going back one layer: dL/dh_k = Omega_k^T dL/df_k, then dL/df_{k-1} = ReLU'(f_{k-1}) * dL/dh_k.
    """
    if len(fs) != len(weights):
        raise ValueError(f"fs must hold one pre-activation per layer ({len(weights)}), got {len(fs)}")
    dl_df = as_float_array(output_gradient, "output_gradient")
    if dl_df.shape != np.shape(fs[-1]):
        raise ValueError(f"output_gradient must have the shape of the output {np.shape(fs[-1])}, got {dl_df.shape}")
    gradients = [dl_df]
    for k in reversed(range(1, len(weights))):
        dl_dh = dl_df @ weights[k]
        dl_df = (fs[k - 1] > 0) * dl_dh
        gradients.insert(0, dl_df)
    return gradients


def signal_variances(
    weight_variance: float, depth: int = 50, width: int = 80, n_examples: int = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Variance of the pre-activations f_k (forward) and of dL/df_k (backward) at every layer.

    The network has ``depth`` ReLU layers of ``width`` units, weights N(0, weight_variance) and
    zero biases; inputs and the gradient arriving at the output are standard normal.
    """
    n_examples = _positive_int(n_examples, "n_examples")
    weights = deep_relu_weights(weight_variance, depth, width, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n_examples, width))
    fs, _ = forward_pass(x, weights, [np.zeros(width)] * depth)
    gradients = backpropagate_to_layers(weights, fs, rng.standard_normal((n_examples, width)))
    return np.array([f.var() for f in fs]), np.array([g.var() for g in gradients])


# --8<-- [end:variances]
