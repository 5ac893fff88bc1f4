"""Backpropagation in deep networks: the forward and backward pass of a ReLU MLP in
matrix form.

Notation of Understanding Deep Learning, chapter 7, with layers counted from 0: layer
k computes the pre-activation f_k = beta_k + Omega_k h_k from the activation h_k
(h_0 = x is the input), and h_{k+1} = ReLU(f_k). In the book's notation Omega_k is
W_{k+1}, beta_k is b_{k+1} and f_k is z_{k+1}. A network of K layers ends with the
pre-activation f_{K-1}, its output. Weight matrices have shape (out, in), as in
PyTorch; a batch holds one example per row.

The network is the feedforward chapter's: its parameters come from
:func:`~dlfoundations.building_blocks.feedforward.init_mlp`, :func:`forward_pass` is
:func:`~dlfoundations.building_blocks.feedforward.mlp_forward` keeping its
intermediates, and the loss is the mean over the examples of that chapter's
:func:`~dlfoundations.building_blocks.feedforward.squared_error`.
"""

# --8<-- [start:imports]
from collections.abc import Sequence

import numpy as np

from dlfoundations.building_blocks.feedforward import squared_error
from dlfoundations.foundations.derivatives import relu_derivative
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    float_array,
    layer_sizes,
    list_of,
    matrix,
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


@check_arguments(layers_chain, x=matrix, **LAYERS)
# --8<-- [start:forward]
def forward_pass(
    x, weights: Sequence, biases: Sequence
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The feedforward chapter's mlp_forward, keeping every intermediate for the
    backward pass: fs[-1] is mlp_forward(x, weights, biases).

    Returns ``(fs, hs)``: the pre-activations f_0..f_{K-1} and the activations
    h_0 = x, h_1..h_{K-1}. Row by row, f_k = beta_k + Omega_k h_k; for the whole batch
    F_k = H_k Omega_k^T + beta_k.
    """
    fs, hs = [], [x]
    for k, (omega, beta) in enumerate(zip(weights, biases)):
        fs.append(hs[k] @ omega.T + beta)
        if k < len(weights) - 1:  # no ReLU after the last layer
            hs.append(relu(fs[k]))
    return fs, hs


# --8<-- [end:forward]


@check_arguments(
    _from_forward_pass,
    y=matrix,
    weights=list_of(matrix),
    fs=list_of(float_array),
    hs=list_of(float_array),
)
# --8<-- [start:backward]
def backward_pass(y, weights: Sequence, fs: list[np.ndarray], hs: list[np.ndarray]):
    """Gradients of the loss L = mean squared_error(f_{K-1}, y) for every weight and
    bias, from the last layer to the first.

    Returns ``(weight_gradients, bias_gradients)``, shaped like the parameters.
    """
    n = y.shape[0]
    weight_gradients, bias_gradients = [], []
    dl_df = 2 * (fs[-1] - y) / n  # dL/df_{K-1}, one row per example
    for k in reversed(range(len(weights))):
        # dL/dOmega_k and dL/dbeta_k: sums over the examples of dl_df h_k^T and dl_df
        weight_gradients.insert(0, dl_df.T @ hs[k])
        bias_gradients.insert(0, dl_df.sum(axis=0))
        if k > 0:
            dl_dh = dl_df @ weights[k]  # dL/dh_k = Omega_k^T dl_df, for each row
            dl_df = relu_derivative(fs[k - 1]) * dl_dh  # h_k = ReLU(f_{k-1})
    return weight_gradients, bias_gradients


# --8<-- [end:backward]


def _one_target_per_output(arguments: dict) -> None:
    """y has one row per example of x and one column per output of the network."""
    x, y, weights = arguments["x"], arguments["y"], arguments["weights"]
    expected = (x.shape[0], weights[-1].shape[0])
    if y.shape != expected:
        message = "one row per example of x, one column per output of weights[-1]"
        raise ValueError(f"y must have shape {expected}, {message}; got {y.shape}")


@check_arguments(layers_chain, _one_target_per_output, x=matrix, y=matrix, **LAYERS)
# --8<-- [start:gradients]
def network_gradients(x, y, weights: Sequence, biases: Sequence):
    """Loss and parameter gradients of the network: a forward, then a backward pass."""
    fs, hs = forward_pass(x, weights, biases)
    loss = float(np.mean(squared_error(fs[-1], y)))  # L = mean of ||f_{K-1} - y||^2
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
