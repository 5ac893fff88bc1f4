"""Initialization: initializers against torch.nn.init, and signal variances through a
50-layer ReLU network."""

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
    deep_relu_weights,
    fan_in_and_fan_out,
    kaiming_fan,
    kaiming_normal,
    kaiming_uniform,
    signal_variances,
    xavier_normal,
    xavier_uniform,
)

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
