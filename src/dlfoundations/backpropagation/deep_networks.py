"""Backpropagation in deep networks: the forward and backward pass of a ReLU MLP in
matrix form.

Notation of Understanding Deep Learning, chapter 7: layer k computes the pre-activation
f_k = beta_k + Omega_k h_k from the activation h_k (h_0 = x is the input), and
h_{k+1} = ReLU(f_k). The last pre-activation f_K is the network's output. Weight
matrices have shape (out, in), as in PyTorch; a batch holds one example per row.
"""

# --8<-- [start:imports]
from collections.abc import Sequence

import numpy as np

from dlfoundations._validation import as_float_array
from dlfoundations.foundations.derivatives import relu_derivative
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]


# --8<-- [start:network]
def check_network(weights: Sequence, biases: Sequence) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return the weights and biases as float arrays, or raise if their shapes do not chain."""
    if len(weights) == 0:
        raise ValueError("weights must hold at least one matrix")
    if len(weights) != len(biases):
        raise ValueError(f"weights and biases must have the same length, got {len(weights)} and {len(biases)}")
    weights = [as_float_array(w, f"weights[{k}]") for k, w in enumerate(weights)]
    biases = [as_float_array(b, f"biases[{k}]") for k, b in enumerate(biases)]
    for k, (w, b) in enumerate(zip(weights, biases)):
        if w.ndim != 2:
            raise ValueError(f"weights[{k}] must be a matrix of shape (out, in), got shape {w.shape}")
        if b.shape != (w.shape[0],):
            raise ValueError(f"biases[{k}] must have shape ({w.shape[0]},) to match weights[{k}], got {b.shape}")
        if k > 0 and w.shape[1] != weights[k - 1].shape[0]:
            raise ValueError(
                f"weights[{k}] takes {w.shape[1]} inputs but weights[{k - 1}] gives {weights[k - 1].shape[0]} outputs"
            )
    return weights, biases


def random_network(widths: Sequence[int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights N(0, 2 / fan_in) and biases N(0, 0.1^2) for layer widths [D_in, D_1, ..., D_out]."""
    if len(widths) < 2:
        raise ValueError(f"widths must list at least an input and an output width, got {list(widths)}")
    for width in widths:
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width <= 0:
            raise ValueError(f"widths must be positive integers, got {list(widths)}")
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, np.sqrt(2.0 / d_in), size=(d_out, d_in)) for d_in, d_out in zip(widths, widths[1:])]
    biases = [rng.normal(0.0, 0.1, size=d_out) for d_out in widths[1:]]
    return weights, biases


# --8<-- [end:network]


# --8<-- [start:forward]
def forward_pass(x, weights: Sequence, biases: Sequence) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run a batch x of shape (N, D_in) through the network, keeping every intermediate.

    Returns ``(fs, hs)``: the pre-activations f_0..f_K and the activations h_0 = x, h_1..h_K.
    Row by row, f_k = beta_k + Omega_k h_k; for the whole batch F_k = H_k Omega_k^T + beta_k.
    """
    weights, biases = check_network(weights, biases)
    x = as_float_array(x, "x")
    if x.ndim != 2 or x.shape[1] != weights[0].shape[1]:
        raise ValueError(f"x must have shape (N, {weights[0].shape[1]}), one example per row, got {x.shape}")
    fs, hs = [], [x]
    for k, (omega, beta) in enumerate(zip(weights, biases)):
        fs.append(hs[k] @ omega.T + beta)
        if k < len(weights) - 1:  # no ReLU after the last layer
            hs.append(relu(fs[k]))
    return fs, hs


def least_squares_loss(output, y) -> float:
    """L = (1/N) sum_i ||f(x_i) - y_i||^2: squared error summed over outputs, averaged over examples."""
    output = as_float_array(output, "output")
    y = as_float_array(y, "y")
    if output.shape != y.shape:
        raise ValueError(f"y must have the shape of the output {output.shape}, got {y.shape}")
    return float(np.sum((output - y) ** 2) / output.shape[0])


# --8<-- [end:forward]


# --8<-- [start:backward]
def backward_pass(y, weights: Sequence, fs: list[np.ndarray], hs: list[np.ndarray]):
    """Gradients of the least-squares loss for every weight and bias, from the last layer to the first.

    Returns ``(weight_gradients, bias_gradients)``, shaped like ``weights`` and ``biases``.
    """
    y = as_float_array(y, "y")
    if len(fs) != len(weights) or len(hs) != len(weights):
        raise ValueError("fs and hs must come from forward_pass with the same weights")
    if y.shape != fs[-1].shape:
        raise ValueError(f"y must have the shape of the output {fs[-1].shape}, got {y.shape}")
    n = y.shape[0]
    weight_gradients, bias_gradients = [], []
    dl_df = 2 * (fs[-1] - y) / n  # dL/df_K, one row per example
    for k in reversed(range(len(weights))):
        weight_gradients.insert(0, dl_df.T @ hs[k])  # dL/dOmega_k = sum over examples of dl_df h_k^T
        bias_gradients.insert(0, dl_df.sum(axis=0))  # dL/dbeta_k = sum over examples of dl_df
        if k > 0:
            dl_dh = dl_df @ weights[k]  # dL/dh_k = Omega_k^T dl_df, for each row
            dl_df = relu_derivative(fs[k - 1]) * dl_dh  # h_k = ReLU(f_{k-1})
    return weight_gradients, bias_gradients


def network_gradients(x, y, weights: Sequence, biases: Sequence):
    """Loss and parameter gradients of the network: a forward pass, then a backward pass."""
    weights, biases = check_network(weights, biases)
    fs, hs = forward_pass(x, weights, biases)
    loss = least_squares_loss(fs[-1], y)
    weight_gradients, bias_gradients = backward_pass(y, weights, fs, hs)
    return loss, weight_gradients, bias_gradients


# --8<-- [end:backward]
