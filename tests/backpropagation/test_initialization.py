"""Initialization: initializers against torch.nn.init, signal variances through a
50-layer ReLU network, symmetry of a constant initialization, and training a deep
network at three weight variances."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from dlfoundations.backpropagation.deep_networks import forward_pass
from dlfoundations.backpropagation.initialization import (
    backpropagate_to_layers,
    constant_init,
    deep_relu_weights,
    deep_training_losses,
    fan_in_and_fan_out,
    kaiming_fan,
    kaiming_normal,
    hidden_unit_spread,
    kaiming_uniform,
    scaled_he_init,
    signal_variances,
    sine_task,
    train_network,
    xavier_normal,
    xavier_uniform,
)
from dlfoundations.building_blocks.feedforward import init_mlp

DEPTH, WIDTH = 50, 80


def torch_sample(init, shape, seed, **kwargs) -> np.ndarray:
    torch.manual_seed(seed)
    weight = torch.empty(shape, dtype=torch.float64)
    init(weight, **kwargs)
    return weight.numpy().ravel()


@settings(max_examples=50, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert fan_in_and_fan_out(shape) == expected


# (ours, torch's, keyword arguments for ours, keyword arguments for torch, shape)
CASES = [
    (xavier_uniform, torch.nn.init.xavier_uniform_, {}, {}, (300, 200)),
    (
        xavier_uniform,
        torch.nn.init.xavier_uniform_,
        {"gain": 5 / 3},
        {"gain": 5 / 3},
        (64, 32, 3, 3),
    ),
    (xavier_normal, torch.nn.init.xavier_normal_, {}, {}, (300, 200)),
    (
        xavier_normal,
        torch.nn.init.xavier_normal_,
        {"gain": 0.5},
        {"gain": 0.5},
        (100, 600),
    ),
    (
        kaiming_uniform,
        torch.nn.init.kaiming_uniform_,
        {},
        {"nonlinearity": "relu"},
        (300, 200),
    ),
    (
        kaiming_uniform,
        torch.nn.init.kaiming_uniform_,
        {"mode": "fan_out"},
        {"mode": "fan_out", "nonlinearity": "relu"},
        (64, 32, 3, 3),
    ),  # noqa: E501
    (
        kaiming_uniform,
        torch.nn.init.kaiming_uniform_,
        {"negative_slope": 0.2},
        {"a": 0.2},
        (300, 200),
    ),
    (
        kaiming_normal,
        torch.nn.init.kaiming_normal_,
        {},
        {"nonlinearity": "relu"},
        (300, 200),
    ),
    (
        kaiming_normal,
        torch.nn.init.kaiming_normal_,
        {"mode": "fan_out"},
        {"mode": "fan_out", "nonlinearity": "relu"},
        (100, 600),
    ),  # noqa: E501
    (
        kaiming_normal,
        torch.nn.init.kaiming_normal_,
        {"negative_slope": 0.2},
        {"a": 0.2},
        (64, 32, 3, 3),
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "our_kwargs", "their_kwargs", "shape"), CASES
)
def test_initializers_match_torch_in_distribution(
    ours, theirs, our_kwargs, their_kwargs, shape
):
    sample = ours(shape, rng=0, **our_kwargs)
    reference = torch_sample(theirs, shape, seed=0, **their_kwargs)
    assert sample.shape == shape
    n = sample.size
    # the same variance within 5 standard errors (the variance of a sample variance is
    # about 2 var^2 / n,
    # or 0.8 var^2 / n for a uniform), the same mean within 5 standard errors
    variance = reference.var()
    assert abs(sample.var() - variance) < 5 * math.sqrt(
        2 * variance**2 / n
    ) * math.sqrt(2)
    assert abs(sample.mean()) < 5 * math.sqrt(variance / n)
    # and the same shape of distribution: a two-sample Kolmogorov-Smirnov test does not
    # tell them apart
    assert ks_2samp(sample.ravel(), reference).pvalue > 1e-3


@pytest.mark.parametrize(
    ("ours", "theirs", "their_kwargs"),
    [
        (xavier_uniform, torch.nn.init.xavier_uniform_, {}),
        (kaiming_uniform, torch.nn.init.kaiming_uniform_, {}),
    ],
)
def test_uniform_initializers_share_torch_bounds(ours, theirs, their_kwargs):
    shape = (400, 250)
    sample, reference = (
        ours(shape, rng=1),
        torch_sample(theirs, shape, seed=1, **their_kwargs),
    )
    bound = np.max(np.abs(reference))
    assert np.max(np.abs(sample)) <= bound * (1 + 1e-3)
    assert np.max(np.abs(sample)) >= bound * (1 - 1e-3)


def test_the_distribution_test_can_fail():
    """A variance off by a factor 2 (1/fan_in instead of 2/fan_in) is caught by the same
    KS test."""
    shape = (300, 200)
    wrong = np.random.default_rng(0).normal(0.0, math.sqrt(1 / 200), size=shape)
    reference = torch_sample(
        torch.nn.init.kaiming_normal_, shape, seed=0, nonlinearity="relu"
    )
    assert ks_2samp(wrong.ravel(), reference).pvalue < 1e-6
    assert (
        ks_2samp(
            xavier_uniform(shape, rng=0).ravel(),
            torch_sample(torch.nn.init.xavier_normal_, shape, 0),
        ).pvalue
        < 1e-6
    )


def test_initializers_are_reproducible_from_a_seed():
    np.testing.assert_array_equal(
        kaiming_normal((5, 4), rng=3), kaiming_normal((5, 4), rng=3)
    )
    generator = np.random.default_rng(3)
    assert not np.array_equal(
        xavier_normal((5, 4), rng=generator), xavier_normal((5, 4), rng=generator)
    )


def test_layer_gradients_match_torch_autograd():
    weights = deep_relu_weights(2 / 16, depth=6, width=16, seed=2)
    rng = np.random.default_rng(3)
    x, output_gradient = rng.normal(size=(20, 16)), rng.normal(size=(20, 16))
    fs, _ = forward_pass(x, weights, [np.zeros(16)] * 6)
    ours = backpropagate_to_layers(weights, fs, output_gradient)
    h, stored = torch.tensor(x, requires_grad=True), []
    for w in weights:
        f = h @ torch.tensor(w).T
        f.retain_grad()
        stored.append(f)
        h = torch.relu(f)
    (
        stored[-1] * torch.tensor(output_gradient)
    ).sum().backward()  # a loss whose gradient at the output is given
    for mine, f in zip(ours, stored):
        np.testing.assert_allclose(mine, f.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.fixture(scope="module")
def variances():
    return {
        c: [
            signal_variances(c / WIDTH, DEPTH, WIDTH, n_examples=300, seed=s)
            for s in range(3)
        ]
        for c in (1, 2, 4)
    }


def log10_ratio(values):
    """How many orders of magnitude the variance changes from layer 1 to layer 50."""
    return math.log10(values[-1] / values[0])


def test_he_variance_keeps_both_passes_flat(variances):
    for forward, backward in variances[2]:
        assert abs(log10_ratio(forward)) < 2
        assert abs(log10_ratio(backward)) < 2
        assert np.all(np.abs(np.log10(forward / forward[0])) < 2.5)


def test_smaller_variance_vanishes_and_larger_explodes(variances):
    # theory: each layer multiplies the variance by sigma^2 D / 2, so 49 layers give
    # 2^(+-49), 14.8 orders
    for forward, backward in variances[1]:
        assert log10_ratio(forward) < -12  # forward signal vanishes towards the output
        assert (
            log10_ratio(backward) > 12
        )  # gradients vanish towards the input (layer 1)
    for forward, backward in variances[4]:
        assert log10_ratio(forward) > 12
        assert log10_ratio(backward) < -12


def test_one_layer_scales_the_variance_by_half_of_sigma_squared_times_width():
    # averaged over 12 random networks: a single width-200 layer varies by about 10
    # percent
    runs = [
        signal_variances(3 / 200, depth=2, width=200, n_examples=500, seed=s)
        for s in range(12)
    ]
    assert np.mean([forward[1] / forward[0] for forward, _ in runs]) == pytest.approx(
        1.5, rel=0.08
    )
    assert np.mean(
        [backward[0] / backward[1] for _, backward in runs]
    ) == pytest.approx(1.5, rel=0.08)


def torch_gradient_descent(x, y, weights, biases, lr, steps):
    """The same training in torch: nn.Linear layers with ReLU between them, the mean
    over examples of the summed squared error, torch.optim.SGD."""
    layers = [torch.nn.Linear(w.shape[1], w.shape[0]).double() for w in weights]
    with torch.no_grad():
        for layer, w, b in zip(layers, weights, biases):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    parameters = [p for layer in layers for p in layer.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=lr)
    inputs, targets, losses = torch.from_numpy(x), torch.from_numpy(y), []
    for _ in range(steps):
        h = inputs
        for layer in layers[:-1]:
            h = torch.relu(layer(h))
        loss = ((layers[-1](h) - targets) ** 2).sum(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return [layer.weight.detach().numpy() for layer in layers], losses


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    n_examples=st.integers(1, 12),
    lr=st.floats(0.001, 0.05),
    steps=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_train_network_takes_the_steps_of_torch_sgd(sizes, n_examples, lr, steps, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_examples, sizes[0]))
    y = rng.normal(size=(n_examples, sizes[-1]))
    weights, biases = init_mlp(sizes, seed=seed)
    ours, _, our_losses = train_network(x, y, weights, biases, lr, steps)
    theirs, their_losses = torch_gradient_descent(x, y, weights, biases, lr, steps)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)


def test_train_network_stops_a_diverging_run_and_only_that():
    x, y = sine_task()
    start = scaled_he_init([1, 8, 8, 8, 1], 9.0)
    _, _, losses = train_network(x, y, *start, lr=0.05, steps=50)
    assert len(losses) == 2  # a millionfold at the first step
    assert losses[-1] > 1000 * losses[0]
    # a spike of a few hundredfold is not a divergence: the run goes on and recovers
    start = scaled_he_init([1, 8, 8, 8, 1], 4.0)
    _, _, losses = train_network(x, y, *start, lr=0.1, steps=50)
    assert len(losses) == 50
    assert max(losses) > 100 * losses[0]
    assert losses[-1] < losses[0]


def test_sine_task_is_sin_3x_on_a_grid():
    x, y = sine_task(5)
    np.testing.assert_allclose(x[:, 0], [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(y, np.sin(3 * x))
    assert x.shape == y.shape == (5, 1)


def test_hidden_unit_spread_is_the_largest_difference_between_two_units():
    weights, biases = init_mlp([3, 5, 4, 2], seed=1)
    spreads = hidden_unit_spread(weights, biases)
    assert len(spreads) == 2  # one per hidden layer, none for the output
    for spread, w, b in zip(spreads, weights, biases):
        units = [np.append(w[i], b[i]) for i in range(len(b))]
        by_pairs = max(np.abs(u - v).max() for u in units for v in units)
        assert spread == pytest.approx(by_pairs)


def test_constant_init_has_the_shapes_of_init_mlp():
    weights, biases = constant_init([3, 5, 2], 0.7)
    random_weights, random_biases = init_mlp([3, 5, 2])
    assert [w.shape for w in weights] == [w.shape for w in random_weights]
    assert [b.shape for b in biases] == [b.shape for b in random_biases]
    assert all(np.all(w == 0.7) for w in weights)
    assert all(np.all(b == 0.0) for b in biases)


def trained(weights, biases, steps=300):
    """Gradient descent on the sine task."""
    x, y = sine_task()
    return train_network(x, y, weights, biases, lr=0.05, steps=steps)


def test_equal_weights_keep_the_hidden_units_identical_through_training():
    start, _ = constant_init([1, 8, 8, 1], 0.3)
    weights, biases, losses = trained(*constant_init([1, 8, 8, 1], 0.3))
    # equal up to round-off (a matrix product may add equal columns in another order)
    assert max(hidden_unit_spread(weights, biases)) < 1e-12
    # not because nothing moved: the weights and the loss changed
    assert all(np.abs(w - w0).max() > 1e-3 for w, w0 in zip(weights, start))
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_weights_break_the_symmetry_and_fit_better(seed):
    start = init_mlp([1, 8, 8, 1], seed=seed, bias_std=0.0)
    weights, biases, random_losses = trained(*start)
    assert min(hidden_unit_spread(weights, biases)) > 0.1
    _, _, constant_losses = trained(*constant_init([1, 8, 8, 1], 0.3))
    # the constant start trains a network of one unit per layer: a worse fit
    assert random_losses[-1] < 0.5 * constant_losses[-1]


def test_zero_weights_never_move_the_hidden_layers():
    start, _ = constant_init([2, 6, 5, 1], 0.0)
    x = np.random.default_rng(0).uniform(-1, 1, size=(40, 2))
    y = 1.0 + x[:, :1] * x[:, 1:]
    weights, biases, _ = train_network(
        x, y, *constant_init([2, 6, 5, 1], 0.0), 0.05, 20
    )
    for w, w0 in zip(weights, start):  # every ReLU sees 0: no gradient reaches them
        np.testing.assert_array_equal(w, w0)
    assert biases[-1][0] != 0.0  # only the output bias learns (the mean of y)


def test_scaled_he_init_scales_the_weights_of_init_mlp():
    he_weights, _ = init_mlp([4, 6, 3], seed=5, bias_std=0.0)
    weights, biases = scaled_he_init([4, 6, 3], 9.0, seed=5)
    for w, he in zip(weights, he_weights):
        np.testing.assert_allclose(w, 3.0 * he)
    assert all(np.all(b == 0.0) for b in biases)


@pytest.fixture(scope="module")
def deep_losses():
    return {
        c: [deep_training_losses(c, seed=s) for s in range(3)] for c in (0.25, 1.0, 4.0)
    }


def test_he_trains_a_deep_network_that_smaller_variance_cannot(deep_losses):
    predict_zero = np.mean(sine_task()[1] ** 2)
    for he, small in zip(deep_losses[1.0], deep_losses[0.25]):
        assert he[-1] < 0.2 * predict_zero
        assert he[-1] < 0.2 * small[-1]
        # the vanishing signal: the output is a constant near 0, the loss stays
        assert small[-1] > 0.95 * predict_zero


def test_larger_variance_diverges_at_the_learning_rate_that_trains_he(deep_losses):
    for large in deep_losses[4.0]:
        assert len(large) < 200
        assert large[0] > 1000 * np.mean(sine_task()[1] ** 2)  # exploding outputs
    slow = deep_training_losses(4.0, lr=1e-7)
    assert len(slow) == 200  # a tiny learning rate keeps it from diverging
    assert slow[-1] > 10 * deep_losses[1.0][0][-1]  # but it is far behind He


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: fan_in_and_fan_out((5,)), ValueError, "shape"),
        (lambda: fan_in_and_fan_out((5, 0)), ValueError, "shape"),
        (lambda: fan_in_and_fan_out((5, -2, 3)), ValueError, "shape"),
        (lambda: xavier_uniform((4, 3), gain=0.0), ValueError, "gain"),
        (lambda: xavier_normal((4, 3), gain=-1.0), ValueError, "gain"),
        (lambda: kaiming_normal((4, 3), mode="fan_sideways"), ValueError, "mode"),
        (lambda: kaiming_fan((4, 3), "both"), ValueError, "mode"),
        (
            lambda: kaiming_uniform((4, 3), negative_slope=-0.1),
            ValueError,
            "negative_slope",
        ),
        (lambda: kaiming_uniform((4, 3), rng="seed"), TypeError, "rng"),
        (lambda: deep_relu_weights(0.0), ValueError, "weight_variance"),
        (lambda: deep_relu_weights(-1.0), ValueError, "weight_variance"),
        (lambda: deep_relu_weights(0.1, depth=0), ValueError, "depth"),
        (lambda: deep_relu_weights(0.1, width=-3), ValueError, "width"),
        (lambda: signal_variances(0.1, n_examples=0), ValueError, "n_examples"),
        (lambda: sine_task(0), ValueError, "n_examples"),
        (lambda: constant_init([2, 0, 1], 0.5), ValueError, "layer_sizes"),
        (lambda: constant_init([2, 3, 1], float("inf")), ValueError, "value"),
        (lambda: scaled_he_init([2, 3, 1], 0.0), ValueError, "multiplier"),
        (lambda: deep_training_losses(1.0, depth=0), ValueError, "depth"),
        (lambda: deep_training_losses(1.0, lr=-0.1), ValueError, "lr"),
        (
            lambda: train_network(
                np.ones((3, 2)),
                np.ones((3, 1)),
                [np.ones((1, 2))],
                [np.ones(1)],
                0.1,
                0,
            ),
            ValueError,
            "steps",
        ),
        (
            lambda: hidden_unit_spread([np.ones((3, 2))], [np.ones(2)]),
            ValueError,
            "biases",
        ),
        (
            lambda: backpropagate_to_layers(
                [np.eye(2)], [np.ones((3, 2))], np.ones((3, 3))
            ),
            ValueError,
            "output_gradient",
        ),
        (
            lambda: backpropagate_to_layers(
                [np.eye(2)] * 2, [np.ones((3, 2))], np.ones((3, 2))
            ),
            ValueError,
            "fs",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: fan_in_and_fan_out("ab"), TypeError, "shape"),
        (lambda: fan_in_and_fan_out((4, 2.5)), TypeError, "shape"),
        (lambda: xavier_uniform((4, 3), rng=-1), ValueError, "rng"),
        (lambda: xavier_normal((4, 3), gain=float("nan")), ValueError, "gain"),
        (
            lambda: kaiming_normal((4, 3), negative_slope=float("inf")),
            ValueError,
            "negative_slope",
        ),
        (lambda: deep_relu_weights(0.1, seed=-1), ValueError, "seed"),
        (lambda: signal_variances(0.1, depth=2, width=True), TypeError, "width"),
        (
            lambda: backpropagate_to_layers(
                [np.eye(2)], [np.ones((3, 2))], np.full((3, 2), np.nan)
            ),
            ValueError,
            "output_gradient",
        ),
    ],
)
def test_bad_values_the_probe_found_are_refused(call, error, name):
    with pytest.raises(error, match=name):
        call()
