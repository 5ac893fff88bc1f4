"""Convolutional networks: convolution and pooling from scratch, receptive fields,
weight sharing, and a CNN against an MLP on MNIST-1D.

Convolutions follow PyTorch's conventions (``torch.nn.functional.conv1d`` and
``conv2d``): a batch of signals ``x`` of shape (B, D_in, n) (images: (B, D_in, n1,
n2)), a weight of shape (D_out, D_in, m) (images: (D_out, D_in, m1, m2)), one bias
per output channel, and what deep learning calls a convolution is a
cross-correlation: the kernel is not flipped. Each is written twice, as loops over
the output (the definition) and as one matrix product over the windows of the
input (im2col), with its backward pass (the gradients with respect to the input,
the weight and the bias). Arrays are float64.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import get_device
from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.generalization.measuring_performance import (
    BATCH_SIZE,
    EVAL_EVERY,
    LR,
    STEPS,
    train_classifier,
)
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.generalization.measuring_performance import (
    TRAINING_RUN,
    _eval_every_divides_steps,
)
from dlfoundations.checks import (
    check_arguments,
    count,
    finite_array,
    function,
    integer,
    non_negative_integer,
    optional,
    vector,
)
from dlfoundations.experiments import experiment
from dlfoundations.reproductions import reproduces


# --- argument checks ------------------------------------------------------------------


def _array_of_rank(rank: int, shape: str):
    """A finite float64 array with ``rank`` axes, described as ``shape``."""

    def check(value, name: str) -> np.ndarray:
        array = finite_array(value, name)
        if array.ndim != rank:
            raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
        return array

    return check


_signals = _array_of_rank(3, "(B, channels, n)")
_images = _array_of_rank(4, "(B, channels, n1, n2)")
_kernels_1d = _array_of_rank(3, "(out_channels, in_channels, kernel_size)")
_kernels_2d = _array_of_rank(4, "(out_channels, in_channels, m1, m2)")
_windows_1d = _array_of_rank(4, "(B, channels, kernel_size, n_out)")
_windows_2d = _array_of_rank(6, "(B, channels, m1, m2, n1_out, n2_out)")


def _pair(check):
    """One value for both axes, or a pair (first axis, second axis), as a tuple."""

    def check_pair(value, name: str) -> tuple:
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(f"{name} must be a number or a pair, got {value!r}")
            return tuple(check(v, f"{name}[{i}]") for i, v in enumerate(value))
        value = check(value, name)
        return (value, value)

    return check_pair


def _reach(kernel_size: int, dilation: int) -> int:
    """Input positions spanned by a dilated kernel."""
    return dilation * (kernel_size - 1) + 1


def _per_axis(value, axes: int) -> tuple:
    return value if isinstance(value, tuple) else (value,) * axes


def _output_sizes(arguments: dict, sizes: tuple, kernel: tuple) -> tuple:
    """The output size along each spatial axis, refusing a kernel that does not fit."""
    axes = len(sizes)
    stride, padding, dilation = (
        _per_axis(arguments.get(key, default), axes)
        for key, default in (("stride", 1), ("padding", 0), ("dilation", 1))
    )
    outputs = []
    for n, m, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        if _reach(m, d) > n + 2 * p:
            message = f"the kernel of weight (reach {_reach(m, d)} with dilation)"
            raise ValueError(
                f"{message} must fit in x padded by padding ({n} + 2 * {p} positions)"
            )
        outputs.append((n + 2 * p - _reach(m, d)) // s + 1)
    return tuple(outputs)


def _convolution_fits(arguments: dict) -> None:
    """weight reads the channels of x, bias has one entry per output channel, the
    kernel fits in the padded input, grad_z has the output's shape."""
    x, weight = arguments["x"], arguments["weight"]
    if weight.shape[1] != x.shape[1]:
        message = f"weight must read the {x.shape[1]} channels of x"
        raise ValueError(
            f"{message}: shape (D_out, {x.shape[1]}, ...), got {weight.shape}"
        )
    bias = arguments.get("bias")
    if bias is not None and bias.shape != (weight.shape[0],):
        message = "bias must hold one number per output channel of weight"
        raise ValueError(f"{message} ({weight.shape[0]}), got shape {bias.shape}")
    sizes = _output_sizes(arguments, x.shape[2:], weight.shape[2:])
    grad_z = arguments.get("grad_z")
    expected = (x.shape[0], weight.shape[0], *sizes)
    if grad_z is not None and grad_z.shape != expected:
        message = "grad_z must have the shape of the output of x and weight"
        raise ValueError(f"{message}, {expected}, got {grad_z.shape}")


def _windows_fit(arguments: dict) -> None:
    """windows were cut from an input of n positions with these settings."""
    windows, n = arguments["windows"], arguments["n"]
    axes = len(n) if isinstance(n, tuple) else 1
    sizes = n if isinstance(n, tuple) else (n,)
    kernel = windows.shape[2 : 2 + axes]
    try:
        expected = _output_sizes(arguments, sizes, kernel)
    except ValueError:
        expected = None
    if expected != windows.shape[2 + axes :]:
        message = "windows must have been cut from n positions with these settings"
        raise ValueError(f"{message}: got shape {windows.shape} for n = {n}")


def _pool_fits(arguments: dict) -> None:
    """The pooling window fits in x; grad_z has the pooled shape."""
    x, kernel_size = arguments["x"], arguments["kernel_size"]
    if kernel_size > x.shape[2]:
        message = f"kernel_size ({kernel_size}) must fit in the {x.shape[2]} positions"
        raise ValueError(f"{message} of x")
    grad_z = arguments.get("grad_z")
    if grad_z is not None:
        stride = arguments["stride"] or kernel_size
        n_out = (x.shape[2] - kernel_size) // stride + 1
        expected = (*x.shape[:2], n_out)
        if grad_z.shape != expected:
            message = "grad_z must have the shape of the pooled x"
            raise ValueError(f"{message}, {expected}, got {grad_z.shape}")


def _fits_in_n(arguments: dict) -> None:
    """The settings leave at least one output position."""
    n, kernel_size = arguments["n"], arguments["kernel_size"]
    reach = _reach(kernel_size, arguments.get("dilation", 1))
    padding = arguments.get("padding", 0)
    if reach > n + 2 * padding:
        message = f"kernel_size {kernel_size} (reach {reach} with dilation)"
        raise ValueError(f"{message} must fit in n + 2 * padding = {n + 2 * padding}")


def _layers(value, name: str) -> list[tuple[int, int, int]]:
    """A non-empty list of layers, each a triple (kernel_size, stride, dilation)."""
    if not isinstance(value, (list, tuple)) or not value:
        message = f"{name} must be a non-empty list of (kernel_size, stride, dilation)"
        raise TypeError(f"{message}, got {type(value).__name__}")
    layers = []
    for k, layer in enumerate(value):
        if not isinstance(layer, (list, tuple)) or len(layer) != 3:
            message = f"{name}[{k}] must be a triple (kernel_size, stride, dilation)"
            raise ValueError(f"{message}, got {layer!r}")
        layers.append(tuple(count(v, f"{name}[{k}]") for v in layer))
    return layers


def _stack_fits(arguments: dict) -> None:
    """The stack of layers leaves at least one unit on top of n inputs."""
    n = arguments["n"]
    for k, (kernel_size, stride, dilation) in enumerate(arguments["layers"]):
        if _reach(kernel_size, dilation) > n:
            message = f"layers[{k}] does not fit in the {n} units below it"
            raise ValueError(f"{message}: make n larger")
        n = (n - _reach(kernel_size, dilation)) // stride + 1


def _shift_fits(arguments: dict) -> None:
    if arguments["k"] > arguments["x"].shape[-1]:
        message = f"k must be at most the {arguments['x'].shape[-1]} positions of x"
        raise ValueError(f"{message}, got {arguments['k']}")


def _gap_fits(arguments: dict) -> None:
    if arguments["k"] >= arguments["x"].shape[-1]:
        message = f"k must be below the {arguments['x'].shape[-1]} positions of x"
        raise ValueError(f"{message}, got {arguments['k']}")


CONVOLUTION_1D = {
    "x": _signals,
    "weight": _kernels_1d,
    "stride": count,
    "padding": non_negative_integer,
    "dilation": count,
}
CONVOLUTION_2D = {
    "x": _images,
    "weight": _kernels_2d,
    "stride": _pair(count),
    "padding": _pair(non_negative_integer),
    "dilation": _pair(count),
}


# --- 1-D convolution ------------------------------------------------------------------


@check_arguments(
    _fits_in_n,
    n=count,
    kernel_size=count,
    stride=count,
    padding=non_negative_integer,
    dilation=count,
)
# --8<-- [start:output_length]
def output_length(
    n: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output positions of a convolution of n positions: the places where the
    kernel, spread over d (m - 1) + 1 positions by the dilation d, fits in the
    padded input, one every stride."""
    reach = dilation * (kernel_size - 1) + 1
    return (n + 2 * padding - reach) // stride + 1


# --8<-- [end:output_length]


@check_arguments(
    u=non_negative_integer, kernel_size=count, stride=count, dilation=count
)
# --8<-- [start:window]
def window(u: int, kernel_size: int, stride: int, dilation: int) -> slice:
    """The padded input positions s u + d j, j = 0, ..., m - 1, that output
    position u reads."""
    start = u * stride
    return slice(start, start + dilation * (kernel_size - 1) + 1, dilation)


# --8<-- [end:window]


@check_arguments(_convolution_fits, **CONVOLUTION_1D, bias=vector)
# --8<-- [start:conv1d_loop]
def conv1d_loop(x, weight, bias, stride=1, padding=0, dilation=1) -> np.ndarray:
    """1-D convolution by its definition: for every output channel o and output
    position u, z[:, o, u] = bias[o] + the sum over input channels c and kernel
    taps j of weight[o, c, j] * x[:, c, s u + d j - p]."""
    batch, _, n = x.shape
    out_channels, _, kernel_size = weight.shape
    n_out = output_length(n, kernel_size, stride, padding, dilation)
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))  # p zeros at each end
    z = np.zeros((batch, out_channels, n_out))
    for o in range(out_channels):
        for u in range(n_out):
            seen = x[:, :, window(u, kernel_size, stride, dilation)]  # (B, D_in, m)
            z[:, o, u] = bias[o] + np.sum(seen * weight[o], axis=(1, 2))
    return z


# --8<-- [end:conv1d_loop]


@check_arguments(_convolution_fits, **CONVOLUTION_1D, grad_z=_signals)
# --8<-- [start:conv1d_loop_backward]
def conv1d_loop_backward(x, weight, grad_z, stride=1, padding=0, dilation=1):
    """Gradients of a loss with respect to x, weight and bias, given grad_z, its
    gradient with respect to the output of conv1d_loop.

    Each product weight[o, c, j] * x[:, c, t] of the forward sum sends grad_z[:, o, u]
    times the other factor to each of its two factors.
    """
    n = x.shape[2]
    out_channels, _, kernel_size = weight.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    grad_x, grad_weight = np.zeros_like(x), np.zeros_like(weight)
    for o in range(out_channels):
        for u in range(grad_z.shape[2]):
            seen = window(u, kernel_size, stride, dilation)
            g = grad_z[:, o, u, None, None]  # one number per example, (B, 1, 1)
            grad_weight[o] += np.sum(g * x[:, :, seen], axis=0)
            grad_x[:, :, seen] += g * weight[o]
    grad_bias = grad_z.sum(axis=(0, 2))
    return grad_x[:, :, padding : padding + n], grad_weight, grad_bias  # unpadded


# --8<-- [end:conv1d_loop_backward]


@check_arguments(_fits_in_n, n=count, kernel_size=count, stride=count, dilation=count)
# --8<-- [start:window_positions]
def window_positions(
    n: int, kernel_size: int, stride: int = 1, dilation: int = 1
) -> np.ndarray:
    """Every window of n (padded) positions at once: the entry [j, u] is s u + d j,
    the position that tap j of the kernel reads for output position u."""
    n_out = output_length(n, kernel_size, stride, 0, dilation)
    taps = dilation * np.arange(kernel_size)
    return taps[:, None] + stride * np.arange(n_out)  # shape (m, n_out)


# --8<-- [end:window_positions]


def _n_of_x(arguments: dict) -> None:
    """The kernel fits in the padded positions of x."""
    x, kernel_size = arguments["x"], arguments["kernel_size"]
    reach = _reach(kernel_size, arguments["dilation"])
    padded = x.shape[2] + 2 * arguments["padding"]
    if reach > padded:
        message = f"kernel_size {kernel_size} (reach {reach} with dilation)"
        raise ValueError(f"{message} must fit in x padded by padding ({padded})")


@check_arguments(
    _n_of_x,
    x=_signals,
    kernel_size=count,
    stride=count,
    padding=non_negative_integer,
    dilation=count,
)
# --8<-- [start:windows_1d]
def windows_1d(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Every window of the padded x, shape (B, D_in, m, n_out): the entry
    [:, c, j, u] is x[:, c, s u + d j - p]. Windows overlap, so values repeat."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    return x[:, :, window_positions(x.shape[2], kernel_size, stride, dilation)]


# --8<-- [end:windows_1d]


@check_arguments(_convolution_fits, **CONVOLUTION_1D, bias=vector)
# --8<-- [start:conv1d]
def conv1d(x, weight, bias, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The same convolution as one matrix product (im2col): the windows become
    the columns of a (D_in m, n_out) matrix per example, the kernels the rows of a
    (D_out, D_in m) matrix, and z = W columns + bias."""
    out_channels, in_channels, kernel_size = weight.shape
    windows = windows_1d(x, kernel_size, stride, padding, dilation)
    batch, _, _, n_out = windows.shape
    columns = windows.reshape(batch, in_channels * kernel_size, n_out)
    return weight.reshape(out_channels, -1) @ columns + bias[:, None]


# --8<-- [end:conv1d]


@check_arguments(
    _windows_fit,
    windows=_windows_1d,
    n=count,
    stride=count,
    padding=non_negative_integer,
    dilation=count,
)
# --8<-- [start:add_windows_back]
def add_windows_back(windows, n, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The adjoint of windows_1d (col2im): every entry of the windows is added
    back onto the position of x it was read from, so a position read by several
    windows collects the sum. Returns shape (B, D, n)."""
    batch, channels, kernel_size, _ = windows.shape
    positions = window_positions(n + 2 * padding, kernel_size, stride, dilation)
    grad = np.zeros((batch, channels, n + 2 * padding))
    for j in range(kernel_size):  # one tap: its positions s u + d j are all distinct
        grad[:, :, positions[j]] += windows[:, :, j]
    return grad[:, :, padding : padding + n]


# --8<-- [end:add_windows_back]


@check_arguments(_convolution_fits, **CONVOLUTION_1D, grad_z=_signals)
# --8<-- [start:conv1d_backward]
def conv1d_backward(x, weight, grad_z, stride=1, padding=0, dilation=1):
    """conv1d_loop_backward as matrix products: z = W columns + b gives
    dL/dW = sum over the batch of grad_z columns^T, dL/dcolumns = W^T grad_z
    (added back onto x by add_windows_back), dL/db = grad_z summed."""
    out_channels, in_channels, kernel_size = weight.shape
    windows = windows_1d(x, kernel_size, stride, padding, dilation)
    batch, _, _, n_out = windows.shape
    columns = windows.reshape(batch, in_channels * kernel_size, n_out)
    grad_weight = np.sum(grad_z @ columns.transpose(0, 2, 1), axis=0)
    grad_columns = weight.reshape(out_channels, -1).T @ grad_z
    grad_windows = grad_columns.reshape(windows.shape)
    grad_x = add_windows_back(grad_windows, x.shape[2], stride, padding, dilation)
    return grad_x, grad_weight.reshape(weight.shape), grad_z.sum(axis=(0, 2))


# --8<-- [end:conv1d_backward]


# --- 2-D convolution ------------------------------------------------------------------


@check_arguments(value=_pair(integer))
# --8<-- [start:pair]
def pair(value) -> tuple:
    """One number for both axes of an image, or a pair (first axis, second axis)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


# --8<-- [end:pair]


@check_arguments(_convolution_fits, **CONVOLUTION_2D, bias=vector)
# --8<-- [start:conv2d_loop]
def conv2d_loop(x, weight, bias, stride=1, padding=0, dilation=1) -> np.ndarray:
    """2-D convolution by its definition: the 1-D sum over one more axis. x is
    (B, D_in, n1, n2), weight (D_out, D_in, m1, m2); stride, padding and dilation
    are pairs, one number per axis, or a single number for both."""
    batch, _, n1, n2 = x.shape
    out_channels, _, m1, m2 = weight.shape
    (s1, s2), (p1, p2), (d1, d2) = pair(stride), pair(padding), pair(dilation)
    n1_out = output_length(n1, m1, s1, p1, d1)
    n2_out = output_length(n2, m2, s2, p2, d2)
    x = np.pad(x, ((0, 0), (0, 0), (p1, p1), (p2, p2)))
    z = np.zeros((batch, out_channels, n1_out, n2_out))
    for o in range(out_channels):
        for u1 in range(n1_out):
            for u2 in range(n2_out):
                rows, columns = window(u1, m1, s1, d1), window(u2, m2, s2, d2)
                seen = x[:, :, rows, columns]  # (B, D_in, m1, m2)
                z[:, o, u1, u2] = bias[o] + np.sum(seen * weight[o], axis=(1, 2, 3))
    return z


# --8<-- [end:conv2d_loop]


@check_arguments(_convolution_fits, **CONVOLUTION_2D, grad_z=_images)
# --8<-- [start:conv2d_loop_backward]
def conv2d_loop_backward(x, weight, grad_z, stride=1, padding=0, dilation=1):
    """conv1d_loop_backward over two axes: the gradients of a loss with respect
    to x, weight and bias, given grad_z, its gradient with respect to the output."""
    _, _, n1, n2 = x.shape
    out_channels, _, m1, m2 = weight.shape
    (s1, s2), (p1, p2), (d1, d2) = pair(stride), pair(padding), pair(dilation)
    x = np.pad(x, ((0, 0), (0, 0), (p1, p1), (p2, p2)))
    grad_x, grad_weight = np.zeros_like(x), np.zeros_like(weight)
    for o in range(out_channels):
        for u1 in range(grad_z.shape[2]):
            for u2 in range(grad_z.shape[3]):
                rows, columns = window(u1, m1, s1, d1), window(u2, m2, s2, d2)
                g = grad_z[:, o, u1, u2, None, None, None]  # (B, 1, 1, 1)
                grad_weight[o] += np.sum(g * x[:, :, rows, columns], axis=0)
                grad_x[:, :, rows, columns] += g * weight[o]
    grad_bias = grad_z.sum(axis=(0, 2, 3))
    return grad_x[:, :, p1 : p1 + n1, p2 : p2 + n2], grad_weight, grad_bias


# --8<-- [end:conv2d_loop_backward]


def _image_fits_kernel(arguments: dict) -> None:
    """The kernel fits in the padded image along both axes."""
    x, kernel_size = arguments["x"], arguments["kernel_size"]
    _output_sizes(arguments, x.shape[2:], kernel_size)


@check_arguments(
    _image_fits_kernel,
    x=_images,
    kernel_size=_pair(count),
    stride=_pair(count),
    padding=_pair(non_negative_integer),
    dilation=_pair(count),
)
# --8<-- [start:windows_2d]
def windows_2d(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Every window of the padded images, shape (B, D_in, m1, m2, n1_out, n2_out):
    window_positions along each axis, combined by broadcasting."""
    (m1, m2), (s1, s2) = pair(kernel_size), pair(stride)
    (p1, p2), (d1, d2) = pair(padding), pair(dilation)
    x = np.pad(x, ((0, 0), (0, 0), (p1, p1), (p2, p2)))
    rows = window_positions(x.shape[2], m1, s1, d1)  # (m1, n1_out)
    columns = window_positions(x.shape[3], m2, s2, d2)  # (m2, n2_out)
    return x[:, :, rows[:, None, :, None], columns[None, :, None, :]]


# --8<-- [end:windows_2d]


@check_arguments(_convolution_fits, **CONVOLUTION_2D, bias=vector)
# --8<-- [start:conv2d]
def conv2d(x, weight, bias, stride=1, padding=0, dilation=1) -> np.ndarray:
    """2-D convolution as one matrix product (im2col): (D_out, D_in m1 m2) kernels
    times (D_in m1 m2, n1_out n2_out) columns per example."""
    out_channels, in_channels, m1, m2 = weight.shape
    windows = windows_2d(x, (m1, m2), stride, padding, dilation)
    batch, _, _, _, n1_out, n2_out = windows.shape
    columns = windows.reshape(batch, in_channels * m1 * m2, n1_out * n2_out)
    z = weight.reshape(out_channels, -1) @ columns + bias[:, None]
    return z.reshape(batch, out_channels, n1_out, n2_out)


# --8<-- [end:conv2d]


@check_arguments(
    _windows_fit,
    windows=_windows_2d,
    n=_pair(count),
    stride=_pair(count),
    padding=_pair(non_negative_integer),
    dilation=_pair(count),
)
# --8<-- [start:add_windows_back_2d]
def add_windows_back_2d(windows, n, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The adjoint of windows_2d: each tap (j1, j2) adds its entries back onto the
    positions of the image it was read from. n = (n1, n2) is the image's size."""
    batch, channels, m1, m2, _, _ = windows.shape
    (n1, n2), (s1, s2) = pair(n), pair(stride)
    (p1, p2), (d1, d2) = pair(padding), pair(dilation)
    rows = window_positions(n1 + 2 * p1, m1, s1, d1)
    columns = window_positions(n2 + 2 * p2, m2, s2, d2)
    grad = np.zeros((batch, channels, n1 + 2 * p1, n2 + 2 * p2))
    for j1 in range(m1):
        for j2 in range(m2):
            grad[:, :, rows[j1, :, None], columns[j2]] += windows[:, :, j1, j2]
    return grad[:, :, p1 : p1 + n1, p2 : p2 + n2]


# --8<-- [end:add_windows_back_2d]


@check_arguments(_convolution_fits, **CONVOLUTION_2D, grad_z=_images)
# --8<-- [start:conv2d_backward]
def conv2d_backward(x, weight, grad_z, stride=1, padding=0, dilation=1):
    """conv1d_backward for images: the output positions flattened into one axis."""
    out_channels, in_channels, m1, m2 = weight.shape
    windows = windows_2d(x, (m1, m2), stride, padding, dilation)
    batch = x.shape[0]
    columns = windows.reshape(batch, in_channels * m1 * m2, -1)
    g = grad_z.reshape(batch, out_channels, -1)  # (B, D_out, n1_out n2_out)
    grad_weight = np.sum(g @ columns.transpose(0, 2, 1), axis=0)
    grad_windows = (weight.reshape(out_channels, -1).T @ g).reshape(windows.shape)
    grad_x = add_windows_back_2d(grad_windows, x.shape[2:], stride, padding, dilation)
    return grad_x, grad_weight.reshape(weight.shape), grad_z.sum(axis=(0, 2, 3))


# --8<-- [end:conv2d_backward]


# --- pooling --------------------------------------------------------------------------

POOL = {"x": _signals, "kernel_size": count, "stride": optional(count)}


@check_arguments(_pool_fits, **POOL)
# --8<-- [start:max_pool1d]
def max_pool1d(x, kernel_size, stride=None) -> np.ndarray:
    """The largest value of every window of m positions, a window every stride
    positions (every m by default, as in PyTorch): shape (B, D, n_out)."""
    stride = stride or kernel_size
    return windows_1d(x, kernel_size, stride).max(axis=2)


# --8<-- [end:max_pool1d]


@check_arguments(_pool_fits, **POOL)
# --8<-- [start:avg_pool1d]
def avg_pool1d(x, kernel_size, stride=None) -> np.ndarray:
    """The mean of every window: a convolution with the kernel (1/m, ..., 1/m),
    applied to each channel on its own."""
    stride = stride or kernel_size
    return windows_1d(x, kernel_size, stride).mean(axis=2)


# --8<-- [end:avg_pool1d]


@check_arguments(_pool_fits, **POOL, grad_z=_signals)
# --8<-- [start:max_pool1d_backward]
def max_pool1d_backward(x, grad_z, kernel_size, stride=None) -> np.ndarray:
    """The gradient of each window's output goes to the position of its maximum
    (the first one on a tie, as in PyTorch); the others in the window get none."""
    stride = stride or kernel_size
    windows = windows_1d(x, kernel_size, stride)  # (B, D, m, n_out)
    winner = windows.argmax(axis=2)  # the tap j of each window's maximum
    is_winner = np.arange(kernel_size)[:, None] == winner[:, :, None, :]
    grad_windows = is_winner * grad_z[:, :, None, :]
    return add_windows_back(grad_windows, x.shape[2], stride)


# --8<-- [end:max_pool1d_backward]


@check_arguments(_pool_fits, **POOL, grad_z=_signals)
# --8<-- [start:avg_pool1d_backward]
def avg_pool1d_backward(x, grad_z, kernel_size, stride=None) -> np.ndarray:
    """Each window's gradient is shared equally by its m positions."""
    stride = stride or kernel_size
    grad_windows = np.repeat(grad_z[:, :, None, :] / kernel_size, kernel_size, axis=2)
    return add_windows_back(grad_windows, x.shape[2], stride)


# --8<-- [end:avg_pool1d_backward]


# --- receptive fields -----------------------------------------------------------------


@check_arguments(layers=_layers)
# --8<-- [start:receptive_field]
def receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """The number of input positions that one unit of the top layer depends on,
    for a stack of layers (kernel_size, stride, dilation), input side first.

    jump is the distance, in input positions, between neighbouring units of the
    layer reached so far; a layer of kernel m and dilation d adds d (m - 1) jumps.
    """
    size, jump = 1, 1
    for kernel_size, stride, dilation in layers:
        size += dilation * (kernel_size - 1) * jump
        jump *= stride
    return size


# --8<-- [end:receptive_field]


@check_arguments(_stack_fits, layers=_layers, n=count)
# --8<-- [start:unit_gradients]
def unit_gradients(layers: list[tuple[int, int, int]], n: int) -> list[np.ndarray]:
    """The gradient of the middle unit of the top layer with respect to every
    layer below it, input first, for a stack of one-channel convolutions (kernels
    of ones, no padding) on n inputs: nonzero exactly where the unit looks."""
    signals = [np.ones((1, 1, n))]
    for kernel_size, stride, dilation in layers:
        ones = np.ones((1, 1, kernel_size))
        signals.append(conv1d(signals[-1], ones, np.zeros(1), stride, 0, dilation))
    grad = np.zeros_like(signals[-1])
    grad[0, 0, grad.shape[2] // 2] = 1.0  # d(unit)/d(unit)
    gradients = [grad]
    for (kernel_size, stride, dilation), below in zip(layers[::-1], signals[-2::-1]):
        ones = np.ones((1, 1, kernel_size))
        grad, _, _ = conv1d_backward(below, ones, grad, stride, 0, dilation)
        gradients.append(grad)
    return [g[0, 0] for g in gradients[::-1]]


# --8<-- [end:unit_gradients]


@check_arguments(_stack_fits, layers=_layers, n=count)
# --8<-- [start:measured_receptive_field]
def measured_receptive_field(layers: list[tuple[int, int, int]], n: int) -> int:
    """The span of input positions where the middle top unit's gradient is
    nonzero: its receptive field, measured by backpropagation."""
    looked_at = np.flatnonzero(unit_gradients(layers, n)[0])
    return int(looked_at[-1] - looked_at[0] + 1)


# --8<-- [end:measured_receptive_field]


# --- weight sharing -------------------------------------------------------------------


@check_arguments(_shift_fits, x=finite_array, k=non_negative_integer)
# --8<-- [start:shift]
def shift(x, k: int) -> np.ndarray:
    """x moved k positions to the right along its last axis: zeros come in at the
    start, the last k values fall off the end."""
    shifted = np.zeros_like(x)
    shifted[..., k:] = x[..., : x.shape[-1] - k]
    return shifted


# --8<-- [end:shift]


@check_arguments(_gap_fits, layer=function, x=finite_array, k=non_negative_integer)
# --8<-- [start:equivariance_gap]
def equivariance_gap(layer, x, k: int) -> float:
    """The largest difference between layer(shift(x, k)) and shift(layer(x), k)
    from output position k on (before it, shift brings in zeros): 0 when shifting
    the input shifts the output by as much."""
    difference = layer(shift(x, k)) - shift(layer(x), k)
    return float(np.abs(difference[..., k:]).max())


# --8<-- [end:equivariance_gap]


@check_arguments(in_channels=count, out_channels=count, kernel_size=count)
# --8<-- [start:conv_parameter_count]
def conv_parameter_count(in_channels: int, out_channels: int, kernel_size: int) -> int:
    """Weights and biases of a 1-D convolution: D_out (D_in m + 1), whatever the
    length of its input."""
    return out_channels * (in_channels * kernel_size + 1)


# --8<-- [end:conv_parameter_count]

# --8<-- [start:mnist1d_convolutions]
# (kernel_size, stride, padding) of the three convolutions of the MNIST-1D CNN
MNIST1D_CONVOLUTIONS = [(5, 2, 1), (3, 2, 1), (3, 2, 1)]
# --8<-- [end:mnist1d_convolutions]


def _cnn_fits(arguments: dict) -> None:
    """The three convolutions of the MNIST-1D CNN fit in n positions."""
    n = arguments["n"]
    for kernel_size, stride, padding in MNIST1D_CONVOLUTIONS:
        if kernel_size > n + 2 * padding:
            message = f"n must leave room for the three convolutions, got {n}"
            raise ValueError(f"{message}: at least 7 positions")
        n = (n + 2 * padding - kernel_size) // stride + 1


@check_arguments(_cnn_fits, channels=count, n=count, n_classes=count)
# --8<-- [start:parameter_table]
def parameter_table(channels: int = 25, n: int = 40, n_classes: int = 10) -> list:
    """For each layer of the MNIST-1D CNN: its name, its output shape, its number
    of parameters, and the number of a dense layer with the same inputs and
    outputs (the feedforward chapter's count_parameters)."""
    rows, in_channels = [], 1
    for kernel_size, stride, padding in MNIST1D_CONVOLUTIONS:
        n_out = output_length(n, kernel_size, stride, padding)
        shared = conv_parameter_count(in_channels, channels, kernel_size)
        dense = count_parameters([in_channels * n, channels * n_out])
        name = f"conv m={kernel_size} s={stride}"
        rows.append((name, (channels, n_out), shared, dense))
        in_channels, n = channels, n_out
    linear = count_parameters([channels * n, n_classes])
    rows.append(("linear", (n_classes,), linear, linear))
    return rows


# --8<-- [end:parameter_table]


# --- a CNN against an MLP on MNIST-1D -------------------------------------------------


@check_arguments(_cnn_fits, channels=count, n=count, n_classes=count)
# --8<-- [start:mnist1d_cnn]
def mnist1d_cnn(channels: int = 25, n: int = 40, n_classes: int = 10) -> nn.Sequential:
    """The CNN of the MNIST-1D repository: three convolutions of `channels`
    channels, stride 2 and a ReLU each, then a linear layer on all the features."""
    layers, in_channels = [nn.Unflatten(1, (1, n))], 1  # (B, n) -> (B, 1, n)
    for kernel_size, stride, padding in MNIST1D_CONVOLUTIONS:
        conv = nn.Conv1d(in_channels, channels, kernel_size, stride, padding)
        layers += [conv, nn.ReLU()]
        in_channels, n = channels, output_length(n, kernel_size, stride, padding)
    layers += [nn.Flatten(), nn.Linear(channels * n, n_classes)]
    return nn.Sequential(*layers)


# --8<-- [end:mnist1d_cnn]


@experiment
@check_arguments(_eval_every_divides_steps, **TRAINING_RUN)
# --8<-- [start:mnist1d_cnn_run]
def mnist1d_cnn_run(
    shuffle_positions: bool = False,
    seed: int = 0,
    steps: int = STEPS,
    eval_every: int = EVAL_EVERY,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """The MNIST-1D CNN trained on MNIST-1D (its positions shuffled or not) as the
    measuring chapter trains its MLP: Adam, learning rate 0.01, batches of 100,
    with that chapter's train_classifier. Returns the loss and the error on the
    training and the test set every eval_every steps."""
    device = device or get_device()
    torch.manual_seed(seed)  # the initial weights
    model = mnist1d_cnn().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    data = mnist1d(shuffle_positions=shuffle_positions)
    sets = {}
    for name, inputs, labels in (("train", "x", "y"), ("test", "x_test", "y_test")):
        x = torch.as_tensor(data[inputs], device=device)
        sets[name] = (x, torch.as_tensor(data[labels], device=device))
    history = train_classifier(
        model, optimizer, sets["train"], sets, steps, BATCH_SIZE, eval_every, seed
    )
    return {key: np.array(values) for key, values in history.items()}


# --8<-- [end:mnist1d_cnn_run]


@reproduces(
    id="mnist1d-cnn-test-accuracy",
    claim=(
        "The MNIST-1D repository's CNN (three stride-2 convolutions of 25 channels, "
        "5,210 parameters) reaches about 94% test accuracy on MNIST-1D"
    ),
    source="Greydanus, MNIST-1D (2020), table of test accuracies",
    published=0.94,
    tolerance=0.05,
)
def cnn_test_accuracy() -> float:
    """The CNN's test accuracy after its last step, from the cached experiment."""
    return float(1 - mnist1d_cnn_run()["test_error"][-1])


@reproduces(
    id="mnist1d-cnn-shuffled-test-accuracy",
    claim=(
        "With the 40 positions of every MNIST-1D sequence shuffled by one fixed "
        "permutation, the same CNN falls to about 56% test accuracy"
    ),
    source="Greydanus, MNIST-1D (2020), table of test accuracies",
    published=0.56,
    tolerance=0.05,
)
def cnn_shuffled_test_accuracy() -> float:
    """The CNN's test accuracy after its last step on shuffled positions, from the
    cached experiment."""
    return float(1 - mnist1d_cnn_run(shuffle_positions=True)["test_error"][-1])
