"""Backpropagation's strengths and limits: activation memory counted on the arrays,
checkpointing against network_gradients and torch.utils.checkpoint, gradient norms
through depth against torch.autograd, kinks, minima and saddles, noisy targets."""

import math
import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch.utils.checkpoint import (
    checkpoint,
    checkpoint_sequential,
    set_checkpoint_early_stop,
)

from dlfoundations.backpropagation import deep_networks
from dlfoundations.backpropagation import strengths_and_limits as sal
from dlfoundations.backpropagation.tensor_autodiff import Tensor
from dlfoundations.backpropagation.deep_networks import forward_pass, network_gradients
from dlfoundations.backpropagation.initialization import (
    deep_relu_weights,
    sine_task,
    train_network,
)
from dlfoundations.backpropagation.strengths_and_limits import (
    activation_floats,
    checkpointed_floats,
    checkpointed_forward,
    checkpointed_gradients,
    kink_fraction,
    layer_gradient_norms,
    noisy_sine_task,
    relu_gradient,
    saddle,
    saddle_gradient,
    segment_backward,
    segment_bounds,
    stored_floats,
    tensor_sigmoid,
)
from dlfoundations.building_blocks.feedforward import init_mlp, mlp_forward
from dlfoundations.optimization.gradient_descent import gradient_descent
from dlfoundations.optimization.problems import two_minima, two_minima_derivative

SIZES = st.lists(st.integers(1, 9), min_size=2, max_size=9)


def network_and_batch(sizes, batch_size, seed=0):
    weights, biases = init_mlp(sizes, seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(batch_size, sizes[0]))
    y = rng.normal(size=(batch_size, sizes[-1]))
    return x, y, weights, biases


class LayerCounter:
    """Wraps forward_pass: counts the layers it evaluates and keeps what it returns."""

    def __init__(self):
        self.layers, self.returned = 0, []

    def __call__(self, x, weights, biases):
        self.layers += len(weights)
        fs, hs = forward_pass(x, weights, biases)
        self.returned.append((fs, hs))
        return fs, hs


# --- memory --------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(sizes=SIZES, batch_size=st.integers(1, 6))
def test_activation_floats_counts_the_arrays_forward_pass_keeps(sizes, batch_size):
    x, _, weights, biases = network_and_batch(sizes, batch_size)
    fs, hs = forward_pass(x, weights, biases)
    assert activation_floats(sizes, batch_size) == stored_floats(fs + hs)


def test_activation_memory_grows_linearly_with_depth_and_batch():
    width = 64
    for depth in (1, 10, 50):
        for batch_size in (1, 32, 256):
            floats = activation_floats([width] * (depth + 1), batch_size)
            assert floats == 2 * depth * batch_size * width


def test_stored_floats_counts_every_number():
    assert stored_floats([np.zeros((3, 4)), np.zeros(5), np.zeros((2, 2, 2))]) == 25


# --- checkpointing -------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n_layers=st.integers(1, 40), segment_length=st.integers(1, 45))
def test_segments_cover_every_layer_once_in_order(n_layers, segment_length):
    bounds = segment_bounds(n_layers, segment_length)
    assert bounds[0][0] == 0 and bounds[-1][1] == n_layers
    assert all(end == start for (_, end), (start, _) in zip(bounds, bounds[1:]))
    lengths = [end - start for start, end in bounds]
    assert all(length == segment_length for length in lengths[:-1])
    assert 1 <= lengths[-1] <= segment_length


@settings(max_examples=60, deadline=None)
@given(
    sizes=SIZES,
    batch_size=st.integers(1, 5),
    segment_length=st.integers(1, 10),
    seed=st.integers(0, 100),
)
@example(sizes=[3, 4, 4, 4, 4, 4, 2], batch_size=3, segment_length=2, seed=0)
def test_checkpointed_gradients_equal_network_gradients(
    sizes, batch_size, segment_length, seed
):
    x, y, weights, biases = network_and_batch(sizes, batch_size, seed)
    loss, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    ours = checkpointed_gradients(x, y, weights, biases, segment_length)
    assert ours[0] == pytest.approx(loss, rel=1e-12)
    for mine, reference in zip(ours[1] + ours[2], weight_gradients + bias_gradients):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-14)


def test_checkpointed_forward_keeps_the_inputs_of_the_segments():
    sizes = [3, 5, 5, 5, 5, 5, 5, 2]
    x, _, weights, biases = network_and_batch(sizes, 4)
    checkpoints, output = checkpointed_forward(x, weights, biases, 3)
    _, hs = forward_pass(x, weights, biases)
    assert [c.shape for c in checkpoints] == [(4, 3), (4, 5), (4, 5)]
    for checkpoint_array, start in zip(checkpoints, (0, 3, 6)):
        np.testing.assert_array_equal(checkpoint_array, hs[start])
    np.testing.assert_allclose(output, mlp_forward(x, weights, biases), rtol=1e-13)


def test_segment_backward_gives_the_gradient_at_the_segment_input():
    """dL/dh_start against torch.autograd, for a segment inside the network."""
    x, _, weights, biases = network_and_batch([3, 4, 4, 4], 5)
    dl_dout = np.random.default_rng(3).normal(size=(5, 4))
    _, _, dl_dh = segment_backward(x, weights, biases, dl_dout, is_last=False)
    h = torch.tensor(x, requires_grad=True)
    out = h
    for w, b in zip(weights, biases):
        out = torch.relu(
            torch.nn.functional.linear(out, torch.tensor(w), torch.tensor(b))
        )
    (out * torch.tensor(dl_dout)).sum().backward()
    np.testing.assert_allclose(dl_dh, h.grad.numpy(), rtol=1e-12, atol=1e-14)


def torch_layers(weights, biases, counter):
    """nn.Linear + ReLU modules with our weights; counter[0] counts Linear calls."""
    layers = []
    for k, (w, b) in enumerate(zip(weights, biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(w))
            linear.bias.copy_(torch.tensor(b))
        linear.register_forward_hook(lambda *_: counter.__setitem__(0, counter[0] + 1))
        layers.append(linear)
        if k < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return layers


@pytest.mark.parametrize("segment_length", [1, 2, 3, 4, 12])
def test_checkpointing_matches_torch_utils_checkpoint(segment_length, monkeypatch):
    """Same gradients as torch.utils.checkpoint applied to every segment, and the
    same number of layer evaluations: 2K, one forward pass more than plain."""
    sizes = [3] + [6] * 11 + [2]
    K = len(sizes) - 1
    x, y, weights, biases = network_and_batch(sizes, 4)
    counter = [0]
    layers = torch_layers(weights, biases, counter)
    h = torch.tensor(x)
    # without early stop, torch recomputes whole segments, as we do (with it, a
    # recomputation may stop once it has what the backward pass needs)
    with set_checkpoint_early_stop(False):
        for start, end in segment_bounds(K, segment_length):
            segment = torch.nn.Sequential(*layers[2 * start : 2 * end])
            h = checkpoint(segment, h, use_reentrant=False)
        (((h - torch.tensor(y)) ** 2).sum() / len(x)).backward()

    ours_counter = LayerCounter()
    monkeypatch.setattr(sal, "forward_pass", ours_counter)
    _, weight_gradients, _ = checkpointed_gradients(
        x, y, weights, biases, segment_length
    )
    linears = [layer for layer in layers if isinstance(layer, torch.nn.Linear)]
    for mine, linear in zip(weight_gradients, linears):
        np.testing.assert_allclose(mine, linear.weight.grad.numpy(), rtol=1e-10)
    assert ours_counter.layers == counter[0] == 2 * K


def test_plain_backpropagation_evaluates_each_layer_once(monkeypatch):
    sizes = [3] + [6] * 7 + [2]
    x, y, weights, biases = network_and_batch(sizes, 4)
    counter = LayerCounter()
    monkeypatch.setattr(deep_networks, "forward_pass", counter)
    network_gradients(x, y, weights, biases)
    assert counter.layers == len(weights)


def test_torch_checkpoint_sequential_leaves_the_last_segment_out():
    """What the page says of checkpoint_sequential: the last of its segments is not
    checkpointed, so its layers are evaluated once; the others twice."""
    sizes = [3] + [6] * 11 + [2]
    x, _, weights, biases = network_and_batch(sizes, 4)
    counter = [0]
    modules = torch_layers(weights, biases, counter)  # 23: 12 Linear, 11 ReLU
    with set_checkpoint_early_stop(False):
        out = checkpoint_sequential(
            torch.nn.Sequential(*modules), 4, torch.tensor(x), use_reentrant=False
        )
        out.sum().backward()
    checkpointed = modules[: 3 * (len(modules) // 4)]  # 3 segments of 5 modules
    recomputed = sum(isinstance(m, torch.nn.Linear) for m in checkpointed)
    assert recomputed == 8
    assert counter[0] == len(weights) + recomputed


@settings(max_examples=40, deadline=None)
@given(sizes=SIZES, batch_size=st.integers(1, 4), segment_length=st.integers(1, 10))
def test_checkpointed_floats_is_what_the_backward_pass_holds(
    sizes, batch_size, segment_length
):
    """The count against the arrays: every checkpoint, plus the largest segment
    recomputed by segment_backward (its f's and the h's after its input)."""
    x, y, weights, biases = network_and_batch(sizes, batch_size)
    checkpoints, _ = checkpointed_forward(x, weights, biases, segment_length)
    counter = LayerCounter()
    original = sal.forward_pass
    sal.forward_pass = counter
    try:
        checkpointed_gradients(x, y, weights, biases, segment_length)
    finally:
        sal.forward_pass = original
    recomputed = counter.returned[len(checkpoints) :]  # after the forward pass
    largest = max(stored_floats(fs + hs[1:]) for fs, hs in recomputed)
    expected = stored_floats(checkpoints) + largest
    assert checkpointed_floats(sizes, batch_size, segment_length) == expected


@settings(max_examples=30, deadline=None)
@given(sizes=SIZES, batch_size=st.integers(1, 4))
def test_one_segment_keeps_what_plain_backpropagation_keeps(sizes, batch_size):
    K = len(sizes) - 1
    plain = activation_floats(sizes, batch_size)
    assert checkpointed_floats(sizes, batch_size, K) == plain
    assert checkpointed_floats(sizes, batch_size, K + 5) == plain


@pytest.mark.parametrize("K", [8, 18, 32, 50, 64, 98, 128, 200])
def test_the_best_segment_length_is_near_the_square_root_of_half_the_depth(K):
    """Uniform width: K/S checkpoints + 2S - 1 arrays, smallest near S = sqrt(K/2),
    where it is about 2 sqrt(2K) layers' worth: a square root, not K."""
    kept = {S: checkpointed_floats([1] * (K + 1), 1, S) for S in range(1, K + 1)}
    best = min(kept, key=kept.get)
    assert math.sqrt(K / 2) / 1.5 <= best <= 1.5 * math.sqrt(K / 2)
    assert abs(kept[best] - 2 * math.sqrt(2 * K)) <= 2
    assert kept[best] < kept[1] and kept[best] < kept[K] == 2 * K


def peak_bytes(compute) -> int:
    tracemalloc.start()
    try:
        compute()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpointing_lowers_the_measured_peak_memory():
    """Measured by tracemalloc (NumPy reports its allocations to it): the peak of
    the whole computation, checks and gradients included, for 64 layers."""
    sizes, batch_size = [32] * 65, 256
    x, y, weights, biases = network_and_batch(sizes, batch_size)
    plain = peak_bytes(lambda: network_gradients(x, y, weights, biases))
    checkpointed = peak_bytes(lambda: checkpointed_gradients(x, y, weights, biases, 6))
    assert checkpointed < 0.4 * plain
    # the activations counted are a real part of the plain peak
    assert 8 * activation_floats(sizes, batch_size) < plain


def test_checkpointing_refuses_bad_arguments():
    x, y, weights, biases = network_and_batch([3, 4, 2], 5)
    with pytest.raises(ValueError, match="segment_length"):
        checkpointed_gradients(x, y, weights, biases, 0)
    with pytest.raises(TypeError, match="segment_length"):
        checkpointed_forward(x, weights, biases, 1.5)
    with pytest.raises(ValueError, match="y"):
        checkpointed_gradients(x, y[:, :1], weights, biases, 1)
    with pytest.raises(ValueError, match="dl_dout"):
        segment_backward(x, weights, biases, np.zeros((5, 3)), True)
    with pytest.raises(ValueError, match="h_start"):
        segment_backward(x[:, :2], weights, biases, np.zeros((5, 2)), True)
    with pytest.raises(ValueError, match="batch_size"):
        checkpointed_floats([3, 4, 2], 0, 1)


# --- vanishing and exploding gradients ------------------------------------------------

TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def torch_gradient_norms(activation, weight_variance, depth, width, batch_size, seed):
    """The same network and data as layer_gradient_norms, through torch.autograd."""
    draws = deep_relu_weights(weight_variance, depth, width, seed)
    weights = [torch.tensor(w, requires_grad=True) for w in draws]
    rng = np.random.default_rng(seed + 1)
    h = torch.tensor(rng.standard_normal((batch_size, width)))
    for k, w in enumerate(weights):
        z = h @ w.T
        h = z if k == depth - 1 else TORCH_ACTIVATIONS[activation](z)
    target = torch.tensor(rng.standard_normal((batch_size, width)))
    ((h - target) ** 2).mean().backward()
    return np.array([torch.linalg.norm(w.grad).item() for w in weights])


@pytest.mark.parametrize(
    ("activation", "multiplier"),
    [("sigmoid", 1), ("tanh", 1), ("relu", 2), ("relu", 4)],
)
def test_gradient_norms_match_torch_autograd(activation, multiplier):
    args = (activation, multiplier / 16, 12, 16, 8, 3)
    ours = layer_gradient_norms(*args)
    np.testing.assert_allclose(ours, torch_gradient_norms(*args), rtol=1e-10)


def test_sigmoid_gradients_vanish_and_relu_he_gradients_do_not():
    """The figure's claims, 20 layers of 64 units."""
    sigmoid = layer_gradient_norms("sigmoid", 1 / 64)
    tanh = layer_gradient_norms("tanh", 1 / 64)
    he = layer_gradient_norms("relu", 2 / 64)
    large = layer_gradient_norms("relu", 4 / 64)
    assert sigmoid[0] / sigmoid[-1] < 1e-10  # twelve orders of magnitude
    assert np.all(np.diff(np.log(sigmoid)) > 0)  # shrinking at every layer back
    for norms in (tanh, he, large):  # level: no trend, a spread of a few
        assert 0.1 < norms[0] / norms[-1] < 10
        assert norms.max() / norms.min() < 8
    assert np.all(large > 1e5 * he)  # exploding: every layer, by about 2^20


@settings(max_examples=50, deadline=None)
@given(z=st.lists(st.floats(-30, 30), min_size=1, max_size=8))
def test_tensor_sigmoid_and_its_gradient_match_torch(z):
    ours = Tensor(z, requires_grad=True)
    out = tensor_sigmoid(ours)
    out.sum().backward()
    theirs = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(theirs).sum().backward()
    np.testing.assert_allclose(out.data, torch.sigmoid(theirs).detach(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad, rtol=1e-9, atol=1e-15)


# --- kinks ----------------------------------------------------------------------------


def torch_grad(function, values):
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    function(x).sum().backward()
    return x.grad.numpy()


@settings(max_examples=50, deadline=None)
@given(x=st.lists(st.sampled_from([0.0, -0.0]) | st.floats(-5, 5), min_size=1))
def test_relu_gradient_matches_torch_and_is_zero_at_the_kink(x):
    np.testing.assert_array_equal(relu_gradient(x), torch_grad(torch.relu, x))


def test_the_slope_at_zero_is_a_choice_of_each_implementation():
    """The page's table: max(z, 0) written three ways gets three slopes at 0."""
    assert relu_gradient([0.0])[0] == 0.0
    assert torch_grad(torch.relu, [0.0])[0] == 0.0
    assert torch_grad(lambda z: torch.clamp(z, min=0), [0.0])[0] == 1.0
    zero = torch.zeros(1, dtype=torch.float64)
    assert torch_grad(lambda z: torch.maximum(z, zero), [0.0])[0] == 0.5
    assert torch_grad(torch.abs, [0.0])[0] == 0.0


def test_ties_of_a_maximum_split_or_pick():
    ties = [1.0, 1.0, 0.0]
    np.testing.assert_array_equal(torch_grad(torch.amax, ties), [0.5, 0.5, 0.0])
    picked = torch_grad(lambda z: torch.max(z, dim=0).values, ties)
    assert sorted(picked) == [0.0, 0.0, 1.0] and picked[2] == 0.0


def test_square_root_of_a_square_has_no_gradient_at_zero():
    with np.errstate(divide="ignore", invalid="ignore"):
        x = Tensor([0.0, 2.0], requires_grad=True)
        ((x**2) ** 0.5).sum().backward()
    assert np.isnan(x.grad[0]) and x.grad[1] == 1.0
    reference = torch_grad(lambda z: torch.sqrt(z**2), [0.0, 2.0])
    assert np.isnan(reference[0]) and reference[1] == 1.0


def test_random_inputs_never_land_on_a_kink():
    x, _, weights, biases = network_and_batch([10, 64, 64, 64, 1], 1000)
    assert kink_fraction(x, weights, biases) == 0.0


def test_zero_inputs_and_zero_biases_land_on_every_kink():
    """Then ReLU'(0) = 0 decides: no hidden bias learns from that example."""
    _, _, weights, _ = network_and_batch([10, 64, 64, 64, 1], 4)
    biases = [np.zeros(w.shape[0]) for w in weights]
    x, y = np.zeros((4, 10)), np.ones((4, 1))
    assert kink_fraction(x, weights, biases) == 1.0
    _, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    assert all(not g.any() for g in weight_gradients + bias_gradients[:-1])
    assert bias_gradients[-1][0] == -2.0  # only the output bias: 2 (0 - 1)


def test_kink_fraction_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="weights"):
        kink_fraction(np.ones((2, 3)), [np.ones((1, 3))], [np.ones(1)])


# --- minima and saddles ---------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(point=st.lists(st.floats(-100, 100), min_size=2, max_size=2))
def test_saddle_gradient_matches_torch_autograd(point):
    phi = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    (phi[0] ** 2 - phi[1] ** 2).backward()
    np.testing.assert_allclose(saddle_gradient(point), phi.grad.numpy(), rtol=1e-15)
    assert saddle(np.array(point)) == pytest.approx(point[0] ** 2 - point[1] ** 2)


def test_saddle_takes_a_grid():
    x, y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    np.testing.assert_array_equal(saddle(np.stack([x, y])), x**2 - y**2)


def test_gradient_descent_finds_the_minimum_next_to_its_start():
    left = gradient_descent(two_minima_derivative, [-0.3], lr=0.05, steps=60)[-1, 0]
    right = gradient_descent(two_minima_derivative, [0.6], lr=0.05, steps=60)[-1, 0]
    assert left == pytest.approx(-1.48, abs=0.01)
    assert right == pytest.approx(1.33, abs=0.01)
    assert abs(two_minima_derivative(right)) < 1e-3  # a zero gradient...
    assert two_minima(right) > two_minima(left) + 0.8  # ...and not the best one


def test_gradient_descent_stops_at_a_saddle_that_is_no_minimum():
    end = gradient_descent(saddle_gradient, [1.5, 0.0], lr=0.1, steps=200)[-1]
    assert np.linalg.norm(saddle_gradient(end)) < 1e-15
    assert saddle([end[0], 0.1]) < saddle(end)  # downhill along y


def test_escaping_a_saddle_takes_log_steps():
    """y_t = (1 + 2 lr)^t y_0: |y| > 1 first at t = ceil(log(1/y_0) / log(1.2))."""
    path = gradient_descent(saddle_gradient, [1.5, 0.01], lr=0.1, steps=60)
    first = int(np.argmax(np.abs(path[:, 1]) > 1))
    assert first == math.ceil(math.log(100) / math.log(1.2)) == 26


# --- the data -------------------------------------------------------------------------


def test_noisy_sine_task_adds_noise_to_the_sine_task():
    x, clean, noisy = noisy_sine_task(n_examples=2000, noise=0.3, seed=4)
    expected_x, expected_y = sine_task(2000)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(clean, expected_y)
    assert noisy.shape == (2000, 1)
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.05)
    with pytest.raises(ValueError, match="noise"):
        noisy_sine_task(noise=0.0)


@pytest.fixture(scope="module")
def fits():
    """The page's two runs: the same network on clean and on noisy targets."""
    x, clean, noisy = noisy_sine_task()
    runs = {}
    for name, targets in (("clean", clean), ("noisy", noisy)):
        weights, biases = init_mlp([1, 64, 64, 1], seed=1)
        weights, biases, losses = train_network(x, targets, weights, biases, 0.05, 2000)
        runs[name] = (mlp_forward(x, weights, biases), np.array(losses))
    return x, clean, noisy, runs


def test_the_network_fits_the_noise_it_is_given(fits):
    x, clean, noisy, runs = fits
    noise_variance = np.mean((noisy - clean) ** 2)
    clean_fit, clean_losses = runs["clean"]
    noisy_fit, noisy_losses = runs["noisy"]
    assert len(clean_losses) == len(noisy_losses) == 2000  # neither run diverged
    assert clean_losses[-1] < 1e-3
    assert noisy_losses[-1] < 0.3 * noise_variance  # most of the noise is fitted
    # so the noisy fit ends far from the truth at the very inputs it was trained on
    distance = np.mean((noisy_fit - clean) ** 2)
    assert distance > 0.5 * noise_variance
    assert distance > 50 * np.mean((clean_fit - clean) ** 2)
