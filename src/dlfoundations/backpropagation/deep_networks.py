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

from dlfoundations.foundations.derivatives import relu_derivative
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    float_array,
    layer_sizes,
    list_of,
    matrix,
    non_negative_integer,
    same_shape,
)
from dlfoundations.building_blocks.feedforward import LAYERS, layers_chain


def _from_forward_pass(arguments: dict) -> None:
    """fs and hs are what forward_pass returns for these weights, and y fits them."""
    y, weights, fs, hs = (arguments[k] for k in ("y", "weights", "fs", "hs"))
    if len(fs) != len(weights) or len(hs) != len(weights):
        message = "fs and hs must come from forward_pass with the same weights"
        raise ValueError(
            f"{message}: one per layer ({len(weights)}), got {len(fs)}, {len(hs)}"
        )
    if y.shape != fs[-1].shape:
        message = f"y must have the shape of the output fs[-1] {fs[-1].shape}"
        raise ValueError(f"{message}, got {y.shape}")
    n = y.shape[0]
    for k, (w, f, h) in enumerate(zip(weights, fs, hs)):
        if f.shape != (n, w.shape[0]):
            message = (
                f"fs[{k}] must have shape {(n, w.shape[0])} to fit y and weights[{k}]"
            )
            raise ValueError(f"{message}, got {f.shape}")
        if h.shape != (n, w.shape[1]):
            message = (
                f"hs[{k}] must have shape {(n, w.shape[1])} to fit y and weights[{k}]"
            )
            raise ValueError(f"{message}, got {h.shape}")


@check_arguments(layer_sizes=layer_sizes, seed=non_negative_integer)
# --8<-- [start:network]
def random_network(
    layer_sizes: Sequence[int], seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights N(0, 2 / fan_in) and biases N(0, 0.1^2) for the layer widths
    ``layer_sizes`` = [D_in, D_1, ..., D_out]."""
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for d_in, d_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(rng.normal(0.0, np.sqrt(2.0 / d_in), size=(d_out, d_in)))
        biases.append(rng.normal(0.0, 0.1, size=d_out))
    return weights, biases


# --8<-- [end:network]


@check_arguments(layers_chain, x=matrix, **LAYERS)
# --8<-- [start:forward]
def forward_pass(
    x, weights: Sequence, biases: Sequence
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run a batch x of shape (N, D_in) through the network, keeping every
    intermediate.

    Returns ``(fs, hs)``: the pre-activations f_0..f_K and the activations
    h_0 = x, h_1..h_K. Row by row, f_k = beta_k + Omega_k h_k; for the whole batch
    F_k = H_k Omega_k^T + beta_k.
    """
    fs, hs = [], [x]
    for k, (omega, beta) in enumerate(zip(weights, biases)):
        fs.append(hs[k] @ omega.T + beta)
        if k < len(weights) - 1:  # no ReLU after the last layer
            hs.append(relu(fs[k]))
    return fs, hs


# --8<-- [end:forward]


@check_arguments(same_shape("output", "y"), output=matrix, y=matrix)
# --8<-- [start:loss]
def least_squares_loss(output, y) -> float:
    """L = (1/N) sum_i ||f(x_i) - y_i||^2: the squared error summed over the
    outputs, averaged over the examples."""
    return float(np.sum((output - y) ** 2) / output.shape[0])


# --8<-- [end:loss]


@check_arguments(
    _from_forward_pass,
    y=matrix,
    weights=list_of(matrix),
    fs=list_of(float_array),
    hs=list_of(float_array),
)
# --8<-- [start:backward]
def backward_pass(y, weights: Sequence, fs: list[np.ndarray], hs: list[np.ndarray]):
    """Gradients of the least-squares loss for every weight and bias, from the last
    layer to the first.

    Returns ``(weight_gradients, bias_gradients)``, shaped like the parameters.
    """
    n = y.shape[0]
    weight_gradients, bias_gradients = [], []
    dl_df = 2 * (fs[-1] - y) / n  # dL/df_K, one row per example
    for k in reversed(range(len(weights))):
        # dL/dOmega_k and dL/dbeta_k: sums over the examples of dl_df h_k^T and dl_df
        weight_gradients.insert(0, dl_df.T @ hs[k])
        bias_gradients.insert(0, dl_df.sum(axis=0))
        if k > 0:
            dl_dh = dl_df @ weights[k]  # dL/dh_k = Omega_k^T dl_df, for each row
            dl_df = relu_derivative(fs[k - 1]) * dl_dh  # h_k = ReLU(f_{k-1})
    return weight_gradients, bias_gradients


# --8<-- [end:backward]


@check_arguments(layers_chain, x=matrix, y=matrix, **LAYERS)
# --8<-- [start:gradients]
def network_gradients(x, y, weights: Sequence, biases: Sequence):
    """Loss and parameter gradients of the network: a forward, then a backward pass."""
    fs, hs = forward_pass(x, weights, biases)
    loss = least_squares_loss(fs[-1], y)
    weight_gradients, bias_gradients = backward_pass(y, weights, fs, hs)
    return loss, weight_gradients, bias_gradients


# --8<-- [end:gradients]


@check_arguments(layer_sizes=layer_sizes)
# --8<-- [start:cost]
def matrix_product_costs(layer_sizes: Sequence[int]) -> tuple[int, int]:
    """Multiply-adds of the matrix products of a forward and a backward pass, per
    example, for the layer widths ``layer_sizes`` = [D_0, D_1, ..., D_out].

    Layer k (D_k units to D_{k+1}) costs D_k D_{k+1} per product: one forward,
    F_k = H_k Omega_k^T, and two backward, the weight gradient G_k^T H_k and the
    input gradient G_k Omega_k, which the first layer skips (nothing needs the
    gradient of the data). Returns ``(forward, backward)``.
    """
    pairs = zip(layer_sizes[:-1], layer_sizes[1:])
    per_layer = [d_in * d_out for d_in, d_out in pairs]
    forward = sum(per_layer)
    weight_gradients = sum(per_layer)
    input_gradients = sum(per_layer[1:])
    return forward, weight_gradients + input_gradients


# --8<-- [end:cost]
