"""Feedforward networks: the MLP forward pass against torch.nn.Sequential, piecewise linearity, linear regions."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.building_blocks.feedforward import (
    activation_patterns,
    count_linear_regions,
    count_parameters,
    empirical_risk,
    init_mlp,
    kink_locations,
    mlp_forward,
    relu_contributions,
    sawtooth_network,
    shallow_relu_network,
    squared_error,
)

SETTINGS = settings(max_examples=40, deadline=None)


def torch_mlp(weights, biases) -> torch.nn.Sequential:
    """The same network in PyTorch: Linear, ReLU, ..., Linear, with our weights copied in."""
    layers = []
    for k, (w, b) in enumerate(zip(weights, biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if k < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


@SETTINGS
@given(
    layer_sizes=st.lists(st.integers(1, 9), min_size=2, max_size=6),
    n_samples=st.integers(1, 7),
    seed=st.integers(0, 10_000),
)
def test_mlp_forward_matches_torch_sequential(layer_sizes, n_samples, seed):
    weights, biases = init_mlp(layer_sizes, seed=seed, bias_std=0.5)
    x = np.random.default_rng(seed + 1).normal(size=(n_samples, layer_sizes[0]))
    ours = mlp_forward(x, weights, biases)
    theirs = torch_mlp(weights, biases)(torch.from_numpy(x)).detach().numpy()
    assert ours.shape == (n_samples, layer_sizes[-1])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(layer_sizes=st.lists(st.integers(1, 20), min_size=2, max_size=6))
def test_count_parameters_matches_torch(layer_sizes):
    weights, biases = init_mlp(layer_sizes)
    model = torch_mlp(weights, biases)
    assert count_parameters(layer_sizes) == sum(p.numel() for p in model.parameters())


def test_init_mlp_is_seeded_and_has_he_variance():
    w1, _ = init_mlp([400, 300, 1], seed=5)
    w2, _ = init_mlp([400, 300, 1], seed=5)
    w3, _ = init_mlp([400, 300, 1], seed=6)
    assert np.array_equal(w1[0], w2[0]) and not np.array_equal(w1[0], w3[0])
    assert w1[0].shape == (300, 400) and w1[1].shape == (1, 300)
    assert abs(w1[0].var() - 2 / 400) < 0.05 * (2 / 400)  # 120000 draws: within 5% of 2 / fan_in


def test_empirical_risk_of_squared_error_matches_torch_mse():
    rng = np.random.default_rng(0)
    weights, biases = init_mlp([3, 8, 2], seed=0)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    ours = empirical_risk(lambda inputs: mlp_forward(inputs, weights, biases), squared_error, x, y)
    prediction = torch_mlp(weights, biases)(torch.from_numpy(x))
    theirs = torch.nn.functional.mse_loss(prediction, torch.from_numpy(y), reduction="sum").item() / 50
    assert ours == pytest.approx(theirs, rel=1e-12)


@SETTINGS
@given(units=st.integers(1, 8), seed=st.integers(0, 10_000))
def test_shallow_network_is_linear_between_kinks(units, seed):
    rng = np.random.default_rng(seed)
    w, b, v = rng.normal(size=units), rng.normal(size=units), rng.normal(size=units)
    c = float(rng.normal())
    x = np.linspace(-4, 4, 2001)
    f = shallow_relu_network(x, w, b, v, c)
    second_difference = f[2:] - 2 * f[1:-1] + f[:-2]
    kinks = kink_locations(w, b)
    # a second difference at x_i uses x_{i-1}, x_i, x_{i+1}: it can only be non-zero if a kink lies between
    step = x[1] - x[0]
    near_a_kink = np.any(np.abs(x[1:-1, None] - kinks[None, :]) < step, axis=1)
    assert np.all(np.abs(second_difference[~near_a_kink]) < 1e-12 * (1 + np.abs(f).max()))  # round-off only
    # ... and the network does bend at every kink inside the interval, where v_i w_i != 0
    for kink, slope_change in zip(-b / w, v * np.abs(w)):
        if -3.9 < kink < 3.9 and abs(slope_change) > 1e-3 and np.sum(np.abs(kinks - kink) < 4 * step) == 1:
            i = np.argmin(np.abs(x[1:-1] - kink))
            assert np.max(np.abs(second_difference[i - 1 : i + 2])) > 0.5 * abs(slope_change) * step


def test_shallow_network_matches_torch_and_its_contributions_sum_up():
    rng = np.random.default_rng(1)
    w, b, v = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    x = np.linspace(-3, 3, 61)
    model = torch_mlp([w[:, None], v[None, :]], [b, np.array([0.25])])
    expected = model(torch.from_numpy(x[:, None])).detach().numpy()[:, 0]
    np.testing.assert_allclose(shallow_relu_network(x, w, b, v, 0.25), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(relu_contributions(x, w, b, v).sum(axis=1) + 0.25, expected, rtol=1e-12, atol=1e-12)


def test_kinks_ignore_constant_units():
    assert np.array_equal(kink_locations([2.0, 0.0, -1.0], [1.0, 3.0, 2.0]), [-0.5, 2.0])


def test_count_linear_regions_of_a_shallow_network_is_kinks_plus_one():
    rng = np.random.default_rng(2)
    w, b = rng.normal(size=(7, 1)), rng.normal(size=7)
    v = rng.normal(size=(1, 7))
    kinks = kink_locations(w[:, 0], b)
    x = np.linspace(-50, 50, 200_001)
    inside = np.sum((kinks > -50) & (kinks < 50))
    assert count_linear_regions(x, [w, v], [b, np.zeros(1)]) == inside + 1


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_sawtooth_network_has_two_to_the_depth_pieces(depth):
    weights, biases = sawtooth_network(depth)
    x = np.linspace(0, 1, 40_000)[1:-1]  # odd spacing: no input lands exactly on a kink
    assert count_linear_regions(x, weights, biases) == 2**depth
    # the tent map t(u) = 1 - |2u - 1| composed depth times, computed directly as an oracle
    expected = x.copy()
    for _ in range(depth):
        expected = 1 - np.abs(2 * expected - 1)
    np.testing.assert_allclose(mlp_forward(x[:, None], weights, biases)[:, 0], expected, atol=1e-9)
    assert count_parameters([1] + [2] * depth + [1]) == 6 * depth + 1


def test_activation_patterns_shape_and_meaning():
    weights, biases = [np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])], [np.zeros(2), np.zeros(1)]
    patterns = activation_patterns(np.array([[-2.0], [3.0]]), weights, biases)
    assert patterns.tolist() == [[False, True], [True, False]]


def test_bad_inputs_raise_errors_naming_the_argument():
    weights, biases = init_mlp([2, 3, 1])
    with pytest.raises(ValueError, match="x must have shape"):
        mlp_forward(np.zeros((4, 3)), weights, biases)
    with pytest.raises(ValueError, match="x must not contain NaN"):
        mlp_forward(np.array([[np.nan, 0.0]]), weights, biases)
    with pytest.raises(ValueError, match="weights and biases"):
        mlp_forward(np.zeros((4, 2)), weights, biases[:1])
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        mlp_forward(np.zeros((4, 2)), [weights[0], np.zeros((1, 5))], biases)
    with pytest.raises(ValueError, match="layer_sizes"):
        init_mlp([3])
    with pytest.raises(ValueError, match="bias_std"):
        init_mlp([3, 1], bias_std=-1.0)
    with pytest.raises(ValueError, match="w, b and v"):
        shallow_relu_network([0.0, 1.0], [1.0], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="x must be a 1-D"):
        shallow_relu_network(np.zeros((2, 2)), [1.0], [1.0], [1.0])
    with pytest.raises(TypeError, match="c must"):
        shallow_relu_network([0.0], [1.0], [1.0], [1.0], c="1")
    with pytest.raises(ValueError, match="x must be a 1-D array of strictly increasing"):
        count_linear_regions(np.array([0.0, 2.0, 1.0]), weights[:1] + [np.zeros((1, 3))], biases)
    with pytest.raises(ValueError, match="depth"):
        sawtooth_network(0)
    with pytest.raises(ValueError, match="predictions and targets"):
        squared_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="loss must return one value per sample"):
        empirical_risk(lambda x: x, lambda p, t: np.mean(p - t), np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match="model"):
        empirical_risk(None, squared_error, np.zeros(3), np.zeros(3))
