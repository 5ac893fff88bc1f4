"""Backpropagation: strengths and limits.

What backpropagation costs in memory (the activations it keeps, counted exactly),
how gradient checkpointing trades that memory for one more forward pass, how the
gradient fades through a deep sigmoid network, what the gradient is at a kink, where
a gradient leads (a local minimum, a saddle), and what it cannot know (the noise in
the data).

Everything runs on the networks of the earlier chapters: the ReLU MLP of
:mod:`~dlfoundations.backpropagation.deep_networks` (its ``forward_pass`` and
``network_gradients``), the backward loop of
:mod:`~dlfoundations.backpropagation.initialization` and the tensor engine of
:mod:`~dlfoundations.backpropagation.tensor_autodiff`. Layer sizes are listed input
first (``layer_sizes[0]`` is the input width); a batch holds one example per row.
"""

# --8<-- [start:imports]
from collections.abc import Sequence

import numpy as np

from dlfoundations.backpropagation.tensor_autodiff import Tensor
from dlfoundations.backpropagation.deep_networks import forward_pass
from dlfoundations.backpropagation.initialization import (
    backpropagate_to_layers,
    deep_relu_weights,
    sine_task,
)
from dlfoundations.building_blocks.feedforward import squared_error
from dlfoundations.foundations.derivatives import relu_derivative
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]
from dlfoundations.backpropagation.deep_networks import _one_target_per_output
from dlfoundations.building_blocks.feedforward import LAYERS, layers_chain
from dlfoundations.checks import (
    boolean,
    check_arguments,
    count,
    finite_array,
    float_array,
    layer_sizes,
    list_of,
    matrix,
    non_negative_integer,
    one_of,
    positive,
    two_along_first_axis,
    two_values,
)


def _segment_fits(arguments: dict) -> None:
    """h_start feeds weights[0]; dl_dout has one row per example and one column per
    output of weights[-1]."""
    h_start, weights, dl_dout = (
        arguments[k] for k in ("h_start", "weights", "dl_dout")
    )
    if h_start.shape[1] != weights[0].shape[1]:
        message = f"h_start must have {weights[0].shape[1]} columns, the inputs of"
        raise ValueError(f"{message} weights[0]; got shape {h_start.shape}")
    expected = (h_start.shape[0], weights[-1].shape[0])
    if dl_dout.shape != expected:
        message = "one row per example of h_start, one column per output of weights[-1]"
        raise ValueError(f"dl_dout must have shape {expected}, {message}")


def _has_hidden_layer(arguments: dict) -> None:
    """At least two layers, so that some pre-activations go through a ReLU."""
    if len(arguments["weights"]) < 2:
        message = "weights must hold two layers at least (a hidden layer has kinks)"
        raise ValueError(f"{message}, got {len(arguments['weights'])}")


_point_or_grid = two_along_first_axis("(x, y)", finite_array)
_point = two_values("one point (x, y)")


def _tensor(value, name: str) -> Tensor:
    """A Tensor of the engine."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    return value


# --- memory: the activations backpropagation keeps ------------------------------------


@check_arguments(arrays=list_of(float_array))
# --8<-- [start:stored_floats]
def stored_floats(arrays: Sequence[np.ndarray]) -> int:
    """How many numbers a list of arrays holds: the memory they take, in floats."""
    return sum(array.size for array in arrays)


# --8<-- [end:stored_floats]


@check_arguments(layer_sizes=layer_sizes, batch_size=count)
# --8<-- [start:activation_floats]
def activation_floats(layer_sizes: Sequence[int], batch_size: int) -> int:
    """Floats that forward_pass keeps for the backward pass, for a batch.

    Every layer's input (the data x and each hidden activation h, widths
    layer_sizes[:-1]) and every layer's pre-activation f (widths layer_sizes[1:]),
    one row per example.
    """
    inputs, pre_activations = sum(layer_sizes[:-1]), sum(layer_sizes[1:])
    return batch_size * (inputs + pre_activations)


# --8<-- [end:activation_floats]


# --- checkpointing --------------------------------------------------------------------


@check_arguments(n_layers=count, segment_length=count)
# --8<-- [start:segment_bounds]
def segment_bounds(n_layers: int, segment_length: int) -> list[tuple[int, int]]:
    """Split layers 0 .. n_layers - 1 into runs of segment_length layers (the last
    may be shorter): a list of (start, end), end excluded."""
    starts = range(0, n_layers, segment_length)
    return [(start, min(start + segment_length, n_layers)) for start in starts]


# --8<-- [end:segment_bounds]


@check_arguments(layers_chain, x=matrix, **LAYERS, segment_length=count)
# --8<-- [start:checkpointed_forward]
def checkpointed_forward(x, weights: Sequence, biases: Sequence, segment_length: int):
    """The forward pass, keeping only each segment's input (its checkpoint).

    Returns ``(checkpoints, output)``. Inside a segment, forward_pass keeps its
    intermediates as usual, and they are dropped when the segment ends.
    """
    checkpoints, h = [], x
    for start, end in segment_bounds(len(weights), segment_length):
        checkpoints.append(h)
        fs, _ = forward_pass(h, weights[start:end], biases[start:end])
        h = relu(fs[-1])  # the input of the next segment
    return checkpoints, fs[-1]  # after the last segment, fs[-1] is the output


# --8<-- [end:checkpointed_forward]


@check_arguments(
    layers_chain,
    _segment_fits,
    h_start=matrix,
    **LAYERS,
    dl_dout=matrix,
    is_last=boolean,
)
# --8<-- [start:segment_backward]
def segment_backward(h_start, weights, biases, dl_dout, is_last: bool):
    """Recompute one segment from its checkpoint h_start, then backpropagate through
    it, from dl_dout, the gradient of the loss at the segment's output.

    Returns the segment's weight and bias gradients, and dL/dh_start for the
    segment before it.
    """
    fs, hs = forward_pass(h_start, weights, biases)  # the recomputation
    # inside the network, the segment's output is ReLU(fs[-1]): go through the ReLU
    dl_df = dl_dout if is_last else relu_derivative(fs[-1]) * dl_dout
    dl_dfs = backpropagate_to_layers(weights, fs, dl_df)  # dL/df, layer by layer
    weight_gradients = [g.T @ h for g, h in zip(dl_dfs, hs)]
    bias_gradients = [g.sum(axis=0) for g in dl_dfs]
    return weight_gradients, bias_gradients, dl_dfs[0] @ weights[0]


# --8<-- [end:segment_backward]


@check_arguments(
    layers_chain,
    _one_target_per_output,
    x=matrix,
    y=matrix,
    **LAYERS,
    segment_length=count,
)
# --8<-- [start:checkpointed_gradients]
def checkpointed_gradients(x, y, weights, biases, segment_length: int):
    """network_gradients with checkpointing: the same loss and gradients, keeping
    only the checkpoints and one segment's activations at a time."""
    checkpoints, output = checkpointed_forward(x, weights, biases, segment_length)
    loss = float(np.mean(squared_error(output, y)))
    dl_dout = 2 * (output - y) / len(y)  # dL/df for the last layer, as backward_pass
    weight_gradients, bias_gradients = [], []
    segments = segment_bounds(len(weights), segment_length)
    for (start, end), h_start in reversed(list(zip(segments, checkpoints))):
        w, b = weights[start:end], biases[start:end]
        is_last = end == len(weights)
        dw, db, dl_dout = segment_backward(h_start, w, b, dl_dout, is_last)
        weight_gradients, bias_gradients = dw + weight_gradients, db + bias_gradients
    return loss, weight_gradients, bias_gradients


# --8<-- [end:checkpointed_gradients]


@check_arguments(layer_sizes=layer_sizes, batch_size=count, segment_length=count)
# --8<-- [start:checkpointed_floats]
def checkpointed_floats(
    layer_sizes: Sequence[int], batch_size: int, segment_length: int
) -> int:
    """Most floats of activations that checkpointed_gradients keeps at once: every
    checkpoint, plus the f and h of the largest recomputed segment (its input is
    a checkpoint, already counted)."""
    segments = segment_bounds(len(layer_sizes) - 1, segment_length)
    checkpoints = sum(layer_sizes[start] for start, _ in segments)
    largest_segment = max(
        sum(layer_sizes[start + 1 : end + 1]) + sum(layer_sizes[start + 1 : end])
        for start, end in segments
    )
    return batch_size * (checkpoints + largest_segment)


# --8<-- [end:checkpointed_floats]


# --- vanishing and exploding gradients ------------------------------------------------


@check_arguments(z=_tensor)
# --8<-- [start:tensor_sigmoid]
def tensor_sigmoid(z: Tensor) -> Tensor:
    """The logistic sigmoid 1 / (1 + e^(-z)) from the tensor engine's operations;
    the engine finds its derivative s (1 - s) on its own."""
    return 1.0 / (1.0 + (-z).exp())


ACTIVATIONS = {"sigmoid": tensor_sigmoid, "tanh": Tensor.tanh, "relu": Tensor.relu}
# --8<-- [end:tensor_sigmoid]


@check_arguments(
    activation=one_of(*ACTIVATIONS),
    weight_variance=positive,
    depth=count,
    width=count,
    batch_size=count,
    seed=non_negative_integer,
)
# --8<-- [start:layer_gradient_norms]
def layer_gradient_norms(
    activation: str,
    weight_variance: float,
    depth: int = 20,
    width: int = 64,
    batch_size: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """||dL/dW_k|| for every layer k of a deep network, by the tensor engine.

    ``depth`` square layers of ``width`` units without biases, weights drawn from
    N(0, weight_variance), ``activation`` after every layer but the last; inputs
    and targets standard normal, L the mean squared error.
    """
    draws = deep_relu_weights(weight_variance, depth, width, seed)
    weights = [Tensor(w, requires_grad=True) for w in draws]
    rng = np.random.default_rng(seed + 1)
    h = Tensor(rng.standard_normal((batch_size, width)))
    for k, w in enumerate(weights):
        z = h @ w.T
        h = z if k == depth - 1 else ACTIVATIONS[activation](z)
    loss = ((h - rng.standard_normal((batch_size, width))) ** 2).mean()
    loss.backward()
    return np.array([np.linalg.norm(w.grad) for w in weights])


# --8<-- [end:layer_gradient_norms]


# --- kinks ----------------------------------------------------------------------------


@check_arguments(x=float_array)
# --8<-- [start:relu_gradient]
def relu_gradient(x) -> np.ndarray:
    """d ReLU(x) / dx at every entry of x, as the tensor engine computes it."""
    inputs = Tensor(x, requires_grad=True)
    inputs.relu().sum().backward()
    return inputs.grad


# --8<-- [end:relu_gradient]


@check_arguments(layers_chain, _has_hidden_layer, x=matrix, **LAYERS)
# --8<-- [start:kink_fraction]
def kink_fraction(x, weights: Sequence, biases: Sequence) -> float:
    """The share of the pre-activations entering a ReLU that are exactly 0, where
    the ReLU has no derivative, in the forward pass of x."""
    fs, _ = forward_pass(x, weights, biases)
    entering_relu = fs[:-1]  # the last layer has no ReLU
    zeros = sum(int(np.sum(f == 0.0)) for f in entering_relu)
    return zeros / stored_floats(entering_relu)


# --8<-- [end:kink_fraction]


# --- minima and saddles ---------------------------------------------------------------


@check_arguments(phi=_point_or_grid)
# --8<-- [start:saddle]
def saddle(phi) -> np.ndarray:
    """L(phi) = phi_1^2 - phi_2^2: a minimum along phi_1, a maximum along phi_2,
    a saddle at 0.

    ``phi`` is ``(phi_1, phi_2)``; each may be an array (a grid, for contour plots).
    """
    return phi[0] ** 2 - phi[1] ** 2


# --8<-- [end:saddle]


@check_arguments(phi=_point)
# --8<-- [start:saddle_gradient]
def saddle_gradient(phi) -> np.ndarray:
    """The gradient (2 phi_1, -2 phi_2): zero at the saddle point (0, 0)."""
    return np.array([2 * phi[0], -2 * phi[1]])


# --8<-- [end:saddle_gradient]


# --- the data -------------------------------------------------------------------------


@check_arguments(n_examples=count, noise=positive, seed=non_negative_integer)
# --8<-- [start:noisy_sine_task]
def noisy_sine_task(n_examples: int = 16, noise: float = 0.3, seed: int = 0):
    """The initialization chapter's sine task, x evenly spaced in [-1, 1] and
    y = sin(3x), with a copy of the targets to which Gaussian noise of standard
    deviation ``noise`` is added. Returns ``(x, clean, noisy)``."""
    x, clean = sine_task(n_examples)
    rng = np.random.default_rng(seed)
    return x, clean, clean + rng.normal(0.0, noise, size=clean.shape)


# --8<-- [end:noisy_sine_task]
