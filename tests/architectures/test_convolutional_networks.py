"""Convolutional networks: convolution and pooling (loop and im2col forms, forward and
backward) against torch.nn.functional and autograd, receptive fields against the
gradient support measured by torch, weight sharing, parameter counts, and the
MNIST-1D training run on small settings."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from dlfoundations.architectures.convolutional_networks import (
    MNIST1D_CONVOLUTIONS,
    add_windows_back,
    add_windows_back_2d,
    avg_pool1d,
    avg_pool1d_backward,
    cnn_shuffled_test_accuracy,
    cnn_test_accuracy,
    conv1d,
    conv1d_backward,
    conv1d_loop,
    conv1d_loop_backward,
    conv2d,
    conv2d_backward,
    conv2d_loop,
    conv2d_loop_backward,
    conv_parameter_count,
    equivariance_gap,
    max_pool1d,
    max_pool1d_backward,
    measured_receptive_field,
    mnist1d_cnn,
    mnist1d_cnn_run,
    output_length,
    pair,
    parameter_table,
    receptive_field,
    shift,
    unit_gradients,
    window_positions,
    windows_1d,
    windows_2d,
)
from dlfoundations.backpropagation.pytorch import sequential_mlp, torch_step
from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.reproductions import declared

FORMS_1D = [(conv1d_loop, conv1d_loop_backward), (conv1d, conv1d_backward)]
FORMS_2D = [(conv2d_loop, conv2d_loop_backward), (conv2d, conv2d_backward)]


def reach(kernel_size: int, dilation: int) -> int:
    return dilation * (kernel_size - 1) + 1


def torch_reference(function, x, weight, bias, grad_z, **settings):
    """torch's output and its autograd gradients for x, weight and bias, in float64."""
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    z = function(*leaves, **settings)
    z.backward(torch.tensor(grad_z))
    return z.detach().numpy(), *(leaf.grad.numpy() for leaf in leaves)


def assert_close(ours, theirs, scale: float):
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12 * scale)


@st.composite
def settings_1d(draw):
    """A 1-D convolution: shapes and settings, the kernel fitting the padded input."""
    batch, in_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    out_channels, kernel_size = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    stride, padding = draw(st.integers(1, 6)), draw(st.integers(0, 3))
    dilation = draw(st.integers(1, 3))
    shortest = max(1, reach(kernel_size, dilation) - 2 * padding)
    n = draw(st.integers(shortest, shortest + 9))
    scale = draw(st.sampled_from([1e-6, 1.0, 1e6]))
    return {
        "shapes": ((batch, in_channels, n), (out_channels, in_channels, kernel_size)),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "scale": scale,
        "seed": draw(st.integers(0, 2**16)),
    }


def case(shapes, stride=1, padding=0, dilation=1, scale=1.0, seed=0):
    return {
        "shapes": shapes,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "scale": scale,
        "seed": seed,
    }


def draw_arrays(setting, output_shape):
    rng = np.random.default_rng(setting["seed"])
    x_shape, weight_shape = setting["shapes"]
    x = setting["scale"] * rng.normal(size=x_shape)
    weight, bias = rng.normal(size=weight_shape), rng.normal(size=weight_shape[0])
    return x, weight, bias, rng.normal(size=output_shape)


@settings(max_examples=60, deadline=None)
@given(setting=settings_1d())
# the kernel as large as the input, one channel, a batch of one
@example(setting=case(((1, 1, 5), (1, 1, 5))))
@example(setting=case(((1, 1, 9), (2, 1, 3)), dilation=4))  # reach 9 in 9 inputs
@example(setting=case(((2, 3, 12), (4, 3, 2)), stride=5))  # stride > kernel
@example(setting=case(((1, 2, 7), (3, 2, 3)), stride=2, padding=3, dilation=2))
@example(setting=case(((1, 1, 1), (1, 1, 3)), padding=1))  # all but one tap padding
def test_conv1d_matches_torch_forward_and_backward(setting):
    _, weight_shape = setting["shapes"]
    keywords = {k: setting[k] for k in ("stride", "padding", "dilation")}
    x, weight, bias, _ = draw_arrays(setting, (1,))
    expected_shape = F.conv1d(torch.tensor(x), torch.tensor(weight), **keywords).shape
    x, weight, bias, grad_z = draw_arrays(setting, tuple(expected_shape))
    z, grad_x, grad_w, grad_b = torch_reference(
        F.conv1d, x, weight, bias, grad_z, **keywords
    )
    n = setting["shapes"][0][2]
    assert output_length(n, weight_shape[2], **keywords) == z.shape[2]
    scale = setting["scale"]
    for forward, backward in FORMS_1D:
        assert_close(forward(x, weight, bias, **keywords), z, scale)
        ours = backward(x, weight, grad_z, **keywords)
        assert_close(ours[0], grad_x, 1.0)
        assert_close(ours[1], grad_w, scale)
        assert_close(ours[2], grad_b, 1.0)


@st.composite
def settings_2d(draw):
    """A 2-D convolution with its own stride, padding and dilation per axis."""
    batch, in_channels = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    out_channels = draw(st.integers(1, 3))
    kernel = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    stride = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    padding = draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    dilation = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    sizes = []
    for m, p, d in zip(kernel, padding, dilation):
        shortest = max(1, reach(m, d) - 2 * p)
        sizes.append(draw(st.integers(shortest, shortest + 6)))
    return case(
        ((batch, in_channels, *sizes), (out_channels, in_channels, *kernel)),
        stride=stride,
        padding=padding,
        dilation=dilation,
        scale=draw(st.sampled_from([1e-6, 1.0, 1e6])),
        seed=draw(st.integers(0, 2**16)),
    )


@settings(max_examples=40, deadline=None)
@given(setting=settings_2d())
@example(setting=case(((1, 1, 4, 3), (1, 1, 4, 3))))  # the kernel as large as x
@example(setting=case(((2, 2, 9, 8), (3, 2, 2, 3)), stride=(4, 5)))
@example(setting=case(((1, 3, 8, 8), (2, 3, 3, 3)), padding=1, dilation=2))
def test_conv2d_matches_torch_forward_and_backward(setting):
    keywords = {k: setting[k] for k in ("stride", "padding", "dilation")}
    x, weight, bias, _ = draw_arrays(setting, (1,))
    shape = F.conv2d(torch.tensor(x), torch.tensor(weight), **keywords).shape
    x, weight, bias, grad_z = draw_arrays(setting, tuple(shape))
    z, grad_x, grad_w, grad_b = torch_reference(
        F.conv2d, x, weight, bias, grad_z, **keywords
    )
    scale = setting["scale"]
    for forward, backward in FORMS_2D:
        assert_close(forward(x, weight, bias, **keywords), z, scale)
        ours = backward(x, weight, grad_z, **keywords)
        assert_close(ours[0], grad_x, 1.0)
        assert_close(ours[1], grad_w, scale)
        assert_close(ours[2], grad_b, 1.0)


def test_a_single_number_serves_both_axes_of_an_image():
    rng = np.random.default_rng(1)
    x, weight, bias = (
        rng.normal(size=(2, 2, 9, 7)),
        rng.normal(size=(3, 2, 3, 2)),
        [0, 1, 2],
    )
    both = conv2d(x, weight, bias, stride=2, padding=1, dilation=2)
    pairs = conv2d(x, weight, bias, stride=(2, 2), padding=(1, 1), dilation=(2, 2))
    np.testing.assert_array_equal(both, pairs)
    expected = F.conv2d(
        *map(torch.tensor, (x, weight, np.array(bias, float))),
        stride=2,
        padding=1,
        dilation=2,
    )
    np.testing.assert_allclose(both, expected.numpy(), atol=1e-12)


def test_pair_gives_one_number_per_axis():
    assert pair(3) == (3, 3)
    assert pair((2, 1)) == pair([2, 1]) == (2, 1)
    with pytest.raises(ValueError, match="value"):
        pair((1, 2, 3))
    with pytest.raises(TypeError, match="value"):
        pair(1.5)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 20),
    kernel_size=st.integers(1, 5),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    seed=st.integers(0, 100),
)
def test_adding_windows_back_is_the_adjoint_of_cutting_them(
    n, kernel_size, stride, padding, dilation, seed
):
    """<windows(x), w> = <x, add_windows_back(w)> for every x and w: the backward
    pass of the window cut is exactly its transpose."""
    if reach(kernel_size, dilation) > n + 2 * padding:
        return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3, n))
    windows = windows_1d(x, kernel_size, stride, padding, dilation)
    w = rng.normal(size=windows.shape)
    back = add_windows_back(w, n, stride, padding, dilation)
    assert np.isclose(np.sum(windows * w), np.sum(x * back), rtol=1e-10, atol=1e-10)


def test_two_dimensional_windows_and_their_adjoint():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 2, 7, 6))
    settings = {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}
    windows = windows_2d(x, (3, 2), **settings)
    # the same windows as torch's unfold (im2col) cuts
    unfolded = F.unfold(torch.tensor(x), (3, 2), **settings).numpy()
    np.testing.assert_array_equal(windows.reshape(unfolded.shape), unfolded)
    w = rng.normal(size=windows.shape)
    back = add_windows_back_2d(w, (7, 6), **settings)
    assert np.isclose(np.sum(windows * w), np.sum(x * back))


def test_window_positions_are_the_positions_torch_unfold_reads():
    positions = window_positions(10, 3, stride=2, dilation=2)
    assert positions.shape == (3, 3)
    np.testing.assert_array_equal(positions[:, 0], [0, 2, 4])
    np.testing.assert_array_equal(positions[0], [0, 2, 4])
    x = torch.arange(10.0).reshape(1, 1, 10, 1)
    unfolded = F.unfold(x, (3, 1), stride=(2, 1), dilation=(2, 1))[0]
    np.testing.assert_array_equal(unfolded.numpy(), positions)


# --- pooling ---


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 16)),
    kernel_size=st.integers(1, 5),
    stride=st.one_of(st.none(), st.integers(1, 6)),
    scale=st.sampled_from([1e-6, 1.0, 1e6]),
    seed=st.integers(0, 1000),
)
def test_pooling_matches_torch(shape, kernel_size, stride, scale, seed):
    if kernel_size > shape[2]:
        return
    rng = np.random.default_rng(seed)
    x = scale * rng.normal(size=shape)
    pairs = [
        (max_pool1d, max_pool1d_backward, F.max_pool1d),
        (avg_pool1d, avg_pool1d_backward, F.avg_pool1d),
    ]
    for forward, backward, theirs in pairs:
        x_t = torch.tensor(x, requires_grad=True)
        z = theirs(x_t, kernel_size, stride)
        grad_z = rng.normal(size=z.shape)
        z.backward(torch.tensor(grad_z))
        np.testing.assert_allclose(
            forward(x, kernel_size, stride), z.detach(), rtol=1e-12, atol=1e-12 * scale
        )
        np.testing.assert_allclose(
            backward(x, grad_z, kernel_size, stride), x_t.grad, rtol=1e-12, atol=1e-15
        )


def test_max_pooling_sends_a_tied_gradient_to_the_first_maximum_as_torch_does():
    x = np.array([[[1.0, 3.0, 3.0, 0.0, 2.0, 2.0]]])
    grad = max_pool1d_backward(x, np.ones((1, 1, 2)), kernel_size=3)
    np.testing.assert_array_equal(grad[0, 0], [0, 1, 0, 0, 1, 0])
    x_t = torch.tensor(x, requires_grad=True)
    F.max_pool1d(x_t, 3).sum().backward()
    np.testing.assert_array_equal(grad, x_t.grad.numpy())


def test_overlapping_max_windows_add_their_gradients():
    x = np.array([[[0.0, 5.0, 1.0, 2.0]]])  # 5 is the maximum of two windows
    grad = max_pool1d_backward(x, np.array([[[1.0, 10.0, 100.0]]]), 2, stride=1)
    np.testing.assert_array_equal(grad[0, 0], [0, 11, 0, 100])


# --- receptive fields ---

layer = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))


def torch_gradient_support(layers, n):
    """Where the gradient of the middle top unit is nonzero, by torch autograd, for
    one-channel convolutions with kernels of ones."""
    x = torch.ones((1, 1, n), dtype=torch.float64, requires_grad=True)
    h = x
    for kernel_size, stride, dilation in layers:
        ones = torch.ones((1, 1, kernel_size), dtype=torch.float64)
        h = F.conv1d(h, ones, stride=stride, dilation=dilation)
    h[0, 0, h.shape[2] // 2].backward()
    return x.grad[0, 0].numpy()


@settings(max_examples=60, deadline=None)
@given(layers=st.lists(layer, min_size=1, max_size=4))
@example(layers=[(3, 1, 1)] * 3)
@example(layers=[(3, 1, 1), (3, 1, 2), (3, 1, 4)])  # WaveNet-like: 15 inputs
@example(layers=[(2, 2, 1)] * 3)  # three poolings of 2: 8 inputs
def test_receptive_field_formula_matches_the_measured_gradient_support(layers):
    n = 2 * receptive_field(layers) + 40
    support = np.flatnonzero(torch_gradient_support(layers, n))
    torch_span = support[-1] - support[0] + 1
    assert receptive_field(layers) == measured_receptive_field(layers, n) == torch_span
    # the gradients themselves agree with torch's, not only where they are nonzero
    np.testing.assert_allclose(
        unit_gradients(layers, n)[0], torch_gradient_support(layers, n)
    )


def test_known_receptive_fields():
    assert receptive_field([(3, 1, 1)] * 3) == 7
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15
    assert receptive_field([(3, 1, 1), (2, 2, 1)] * 2) == 10
    # a single dilated layer reads 3 positions spread over 5: span 5, with gaps
    gradient = unit_gradients([(3, 1, 2)], 9)[0]
    np.testing.assert_array_equal(np.flatnonzero(gradient), [2, 4, 6])
    # the MNIST-1D CNN: a unit of its last convolution sees 17 of the 40 positions
    layers = [
        (kernel_size, stride, 1) for kernel_size, stride, _ in MNIST1D_CONVOLUTIONS
    ]
    assert receptive_field(layers) == measured_receptive_field(layers, 40) == 17


# --- weight sharing ---


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(12, 30),
    k=st.integers(0, 5),
    kernel_size=st.integers(1, 5),
    dilation=st.integers(1, 2),
    seed=st.integers(0, 1000),
)
def test_shifting_the_input_shifts_the_output(n, k, kernel_size, dilation, seed):
    rng = np.random.default_rng(seed)
    padding = dilation * (kernel_size - 1) // 2
    x = rng.normal(size=(2, 2, n))
    x[..., n - k - padding :] = 0.0  # nothing falls off the end
    weight, bias = rng.normal(size=(3, 2, kernel_size)), rng.normal(size=3)

    def layer(signal):
        return conv1d(signal, weight, bias, padding=padding, dilation=dilation)

    if layer(x).shape[2] != n:  # "same" padding only for odd reaches
        return
    assert equivariance_gap(layer, x, k) < 1e-12
    if k > 0:  # a dense layer mixes positions: no such symmetry
        dense = rng.normal(size=(n, n))
        assert equivariance_gap(lambda s: s @ dense.T, x, k) > 1e-3


def test_a_convolution_is_a_dense_layer_with_one_row_shifted():
    """The matrix of a one-channel convolution (stride 1, no padding) holds the
    kernel on every row, one position further right on each: shared weights."""
    kernel = np.array([[[1.0, -2.0, 3.0]]])
    n = 7
    impulses = np.eye(n).reshape(n, 1, n)  # column j of the matrix: the answer to e_j
    matrix = conv1d(impulses, kernel, np.zeros(1))[:, 0, :].T  # (n_out, n)
    for row in range(matrix.shape[0]):
        expected = np.zeros(n)
        expected[row : row + 3] = kernel[0, 0]
        np.testing.assert_array_equal(matrix[row], expected)


def test_shift():
    x = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(shift(x, 2), [0, 0, 1, 2, 3])
    np.testing.assert_array_equal(shift(x, 0), x)
    np.testing.assert_array_equal(shift(x, 5), np.zeros(5))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 7))
def test_conv_parameter_count_matches_torch(in_channels, out_channels, kernel_size):
    conv = nn.Conv1d(in_channels, out_channels, kernel_size)
    expected = sum(p.numel() for p in conv.parameters())
    assert conv_parameter_count(in_channels, out_channels, kernel_size) == expected


def test_parameter_table_matches_the_torch_model():
    model = mnist1d_cnn()
    table = parameter_table()
    counted = [
        sum(p.numel() for p in m.parameters())
        for m in model
        if isinstance(m, (nn.Conv1d, nn.Linear))
    ]
    assert [row[2] for row in table] == counted
    assert sum(counted) == 5210
    # the output shapes are torch's, and the dense counts those of nn.Linear
    h = torch.zeros(1, 40)
    shapes = []
    for module in model:
        h = module(h)
        if isinstance(module, nn.Conv1d):
            shapes.append(tuple(h.shape[1:]))
    assert [row[1] for row in table[:3]] == shapes == [(25, 19), (25, 10), (25, 5)]
    for (_, (channels, n_out), _, dense), n_in in zip(table, (40, 25 * 19, 25 * 10)):
        linear = nn.Linear(n_in, channels * n_out)
        assert dense == sum(p.numel() for p in linear.parameters())
    assert count_parameters([40, 100, 100, 10]) > 2 * sum(counted)


def test_mnist1d_cnn_maps_sequences_to_logits():
    model = mnist1d_cnn(channels=4)
    assert model(torch.zeros(3, 40)).shape == (3, 10)
    assert mnist1d_cnn(n=64)(torch.zeros(2, 64)).shape == (2, 10)


# --- training on MNIST-1D ---


def test_a_short_run_learns_and_is_deterministic():
    run = mnist1d_cnn_run.__wrapped__(steps=150, eval_every=50, device="cpu")
    np.testing.assert_array_equal(run["step"], [0, 50, 100, 150])
    assert run["test_error"][0] > 0.8  # chance: 0.9
    assert run["test_error"][-1] < 0.6
    again = mnist1d_cnn_run.__wrapped__(steps=150, eval_every=50, device="cpu")
    np.testing.assert_array_equal(again["test_error"], run["test_error"])
    other_seed = mnist1d_cnn_run.__wrapped__(
        steps=150, eval_every=50, seed=1, device="cpu"
    )
    assert not np.array_equal(other_seed["train_loss"], run["train_loss"])
    shuffled = mnist1d_cnn_run.__wrapped__(
        shuffle_positions=True, steps=150, eval_every=50, device="cpu"
    )
    assert not np.array_equal(shuffled["train_loss"], run["train_loss"])


def test_the_shared_training_steps_accept_a_cnn_and_still_check_an_mlp():
    """The pytorch chapter's torch_step reads the input width from the first layer
    only when it is a Linear one: a CNN reads the 40 positions with a convolution."""
    x, y = torch.zeros(4, 40), torch.tensor([0, 1, 2, 3])
    cnn = mnist1d_cnn(channels=2)
    optimizer = torch.optim.SGD(cnn.parameters(), lr=0.1)
    assert np.isfinite(torch_step(cnn, optimizer, x, y))
    with pytest.raises(ValueError, match="y"):
        torch_step(cnn, optimizer, x, torch.tensor([0, 1, 2, 10]))
    mlp = sequential_mlp([30, 10])
    with pytest.raises(ValueError, match="x must have 30 columns"):
        torch_step(mlp, torch.optim.SGD(mlp.parameters(), lr=0.1), x, y)


def test_the_reproductions_are_declared():
    results = {result.id: result for result in declared()}
    cnn = results["mnist1d-cnn-test-accuracy"]
    shuffled = results["mnist1d-cnn-shuffled-test-accuracy"]
    assert (cnn.published, shuffled.published) == (0.94, 0.56)
    assert cnn.measure is cnn_test_accuracy
    assert shuffled.measure is cnn_shuffled_test_accuracy
    assert "mnist1d-mlp-test-accuracy" not in results or (
        results["mnist1d-mlp-test-accuracy"].measure.__module__
        != cnn_test_accuracy.__module__
    )


# --- bad inputs ---


def test_bad_inputs_are_refused_by_name():
    x, weight, bias = np.zeros((1, 2, 8)), np.zeros((3, 2, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="weight"):
        conv1d(x, np.zeros((3, 1, 3)), bias)  # reads 1 channel, x has 2
    with pytest.raises(ValueError, match="bias"):
        conv1d(x, weight, np.zeros(2))
    with pytest.raises(ValueError, match="padding"):
        conv1d(x, np.zeros((3, 2, 9)), bias)  # the kernel does not fit
    with pytest.raises(ValueError, match="x"):
        conv1d(np.zeros((2, 8)), weight, bias)
    with pytest.raises(ValueError, match="stride"):
        conv1d(x, weight, bias, stride=0)
    with pytest.raises(ValueError, match="grad_z"):
        conv1d_backward(x, weight, np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match="dilation"):
        conv2d(np.zeros((1, 2, 8, 8)), np.zeros((3, 2, 3, 3)), bias, dilation=(1, 0))
    with pytest.raises(ValueError, match="padding"):
        conv2d_loop(np.zeros((1, 2, 8, 8)), np.zeros((3, 2, 3, 3)), bias, padding=(1,))
    with pytest.raises(ValueError, match="kernel_size"):
        max_pool1d(x, 9)
    with pytest.raises(ValueError, match="layers"):
        receptive_field([(3, 1)])
    with pytest.raises(ValueError, match="n"):
        measured_receptive_field([(5, 1, 2)], 8)
    with pytest.raises(ValueError, match="k"):
        shift(np.zeros(4), 5)
    with pytest.raises(TypeError, match="shuffle_positions"):
        mnist1d_cnn_run(shuffle_positions=1)
    with pytest.raises(ValueError, match="steps"):
        mnist1d_cnn_run(steps=0)
    with pytest.raises(ValueError, match="eval_every"):
        mnist1d_cnn_run(steps=100, eval_every=30)
