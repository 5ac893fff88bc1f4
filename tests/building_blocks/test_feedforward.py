"""Feedforward networks: the MLP forward pass against torch.nn.Sequential, piecewise
linearity, linear regions; dataset splits: disjoint, covering, seeded, stratified,
compared with scikit-learn's stratification."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split

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
    split_indices,
    squared_error,
    train_val_test_split,
)

SETTINGS = settings(max_examples=40, deadline=None)


def torch_mlp(weights, biases) -> torch.nn.Sequential:
    """The same network in PyTorch: Linear, ReLU, ..., Linear, with our weights copied
    in."""
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
    assert abs(w1[0].var() - 2 / 400) < 0.05 * (
        2 / 400
    )  # 120000 draws: within 5% of 2 / fan_in


def test_empirical_risk_of_squared_error_matches_torch_mse():
    rng = np.random.default_rng(0)
    weights, biases = init_mlp([3, 8, 2], seed=0)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    ours = empirical_risk(
        lambda inputs: mlp_forward(inputs, weights, biases), squared_error, x, y
    )
    prediction = torch_mlp(weights, biases)(torch.from_numpy(x))
    theirs = (
        torch.nn.functional.mse_loss(
            prediction, torch.from_numpy(y), reduction="sum"
        ).item()
        / 50
    )
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
    # a second difference at x_i uses x_{i-1}, x_i, x_{i+1}: it can only be non-zero if
    # a kink lies between
    step = x[1] - x[0]
    near_a_kink = np.any(np.abs(x[1:-1, None] - kinks[None, :]) < step, axis=1)
    assert np.all(
        np.abs(second_difference[~near_a_kink]) < 1e-12 * (1 + np.abs(f).max())
    )  # round-off only
    # ... and the network does bend at every kink inside the interval, where v_i w_i !=
    # 0
    for kink, slope_change in zip(-b / w, v * np.abs(w)):
        if (
            -3.9 < kink < 3.9
            and abs(slope_change) > 1e-3
            and np.sum(np.abs(kinks - kink) < 4 * step) == 1
        ):
            i = np.argmin(np.abs(x[1:-1] - kink))
            assert (
                np.max(np.abs(second_difference[i - 1 : i + 2]))
                > 0.5 * abs(slope_change) * step
            )


def test_shallow_network_matches_torch_and_its_contributions_sum_up():
    rng = np.random.default_rng(1)
    w, b, v = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    x = np.linspace(-3, 3, 61)
    model = torch_mlp([w[:, None], v[None, :]], [b, np.array([0.25])])
    expected = model(torch.from_numpy(x[:, None])).detach().numpy()[:, 0]
    np.testing.assert_allclose(
        shallow_relu_network(x, w, b, v, 0.25), expected, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        relu_contributions(x, w, b, v).sum(axis=1) + 0.25,
        expected,
        rtol=1e-12,
        atol=1e-12,
    )


def test_kinks_ignore_constant_units():
    assert np.array_equal(
        kink_locations([2.0, 0.0, -1.0], [1.0, 3.0, 2.0]), [-0.5, 2.0]
    )


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
    # the tent map t(u) = 1 - |2u - 1| composed depth times, computed directly as an
    # oracle
    expected = x.copy()
    for _ in range(depth):
        expected = 1 - np.abs(2 * expected - 1)
    np.testing.assert_allclose(
        mlp_forward(x[:, None], weights, biases)[:, 0], expected, atol=1e-9
    )
    assert count_parameters([1] + [2] * depth + [1]) == 6 * depth + 1


@pytest.mark.parametrize("seed", range(5))
def test_zero_biases_leave_a_one_input_network_two_regions(seed):
    """Why init_mlp draws nonzero biases: with zero biases a ReLU network is linear
    on each side of 0; with the default small biases the same weights make more."""
    sizes = [1, 8, 8, 8, 1]
    x = np.linspace(-4, 4, 8000)  # an even count: 0 is not on the grid
    weights, biases = init_mlp(sizes, seed=seed, bias_std=0.0)
    assert count_linear_regions(x, weights, biases) <= 2
    outputs = mlp_forward(x[:, None], weights, biases)[:, 0]
    positive = x > 0
    np.testing.assert_allclose(  # positive homogeneity: f(x) = x f(1) for x > 0
        outputs[positive], x[positive] * mlp_forward([[1.0]], weights, biases)[0, 0]
    )
    with_biases = init_mlp(sizes, seed=seed)
    assert count_linear_regions(x, *with_biases) > 2


def test_activation_patterns_shape_and_meaning():
    weights, biases = (
        [np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])],
        [np.zeros(2), np.zeros(1)],
    )
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
    for sizes in ([3], [3, 0, 1], [3, -2, 1]):
        with pytest.raises(ValueError, match="layer_sizes"):
            init_mlp(sizes)
    with pytest.raises(TypeError, match="layer_sizes"):
        init_mlp([3, 2.5, 1])
    with pytest.raises(ValueError, match="seed"):
        init_mlp([3, 2], seed=-1)
    with pytest.raises(ValueError, match="bias_std"):
        init_mlp([3, 1], bias_std=-1.0)
    with pytest.raises(ValueError, match="w, b and v"):
        shallow_relu_network([0.0, 1.0], [1.0], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="x must be a 1-D"):
        shallow_relu_network(np.zeros((2, 2)), [1.0], [1.0], [1.0])
    with pytest.raises(TypeError, match="c must"):
        shallow_relu_network([0.0], [1.0], [1.0], [1.0], c="1")
    with pytest.raises(
        ValueError, match="x must be a 1-D array of strictly increasing"
    ):
        count_linear_regions(
            np.array([0.0, 2.0, 1.0]), weights[:1] + [np.zeros((1, 3))], biases
        )
    with pytest.raises(ValueError, match="depth"):
        sawtooth_network(0)
    with pytest.raises(ValueError, match="predictions and targets"):
        squared_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="loss must return one value per sample"):
        empirical_risk(
            lambda x: x, lambda p, t: np.mean(p - t), np.zeros(3), np.zeros(3)
        )
    with pytest.raises(TypeError, match="model"):
        empirical_risk(None, squared_error, np.zeros(3), np.zeros(3))


# --- dataset splits -------------------------------------------------------------------

fractions = st.sampled_from([0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.45])


def _labels(data, n_samples: int) -> np.ndarray:
    n_classes = data.draw(st.integers(1, 5))
    labels = data.draw(
        st.lists(st.integers(0, n_classes - 1), min_size=n_samples, max_size=n_samples)
    )
    return np.array(labels)


@SETTINGS
@given(
    n_samples=st.integers(1, 300),
    val=fractions,
    test=fractions,
    seed=st.integers(0, 2**32 - 1),
    stratified=st.booleans(),
    data=st.data(),
)
def test_splits_are_disjoint_and_cover_every_sample(
    n_samples, val, test, seed, stratified, data
):
    stratify = _labels(data, n_samples) if stratified else None
    train_idx, val_idx, test_idx = split_indices(
        n_samples, val, test, seed=seed, stratify=stratify
    )
    together = np.concatenate([train_idx, val_idx, test_idx])
    assert together.size == n_samples  # no sample used twice ...
    assert np.array_equal(
        np.sort(together), np.arange(n_samples)
    )  # ... and none left out
    for a, b in ((train_idx, val_idx), (train_idx, test_idx), (val_idx, test_idx)):
        assert not set(a) & set(b)


@SETTINGS
@given(
    n_samples=st.integers(1, 300),
    val=fractions,
    test=fractions,
    stratified=st.booleans(),
    data=st.data(),
)
def test_stratified_proportions_within_one_sample_per_class(
    n_samples, val, test, stratified, data
):
    labels = _labels(data, n_samples)
    splits = split_indices(
        n_samples, val, test, seed=3, stratify=labels if stratified else None
    )
    groups = np.unique(labels) if stratified else [None]
    for label in groups:
        members = labels == label if stratified else np.ones(n_samples, bool)
        n_class = members.sum()
        for indices, fraction in zip(splits, (1 - val - test, val, test)):
            assert abs(members[indices].sum() - fraction * n_class) <= 1


def test_same_seed_same_split_other_seed_other_split():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    first = split_indices(100, 0.2, 0.2, seed=7, stratify=labels)
    again = split_indices(100, 0.2, 0.2, seed=7, stratify=labels)
    other = split_indices(100, 0.2, 0.2, seed=8, stratify=labels)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    plain = split_indices(100, 0.2, 0.2, seed=7)
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(plain, split_indices(100, 0.2, 0.2, seed=8))
    )


def test_unstratified_split_is_a_shuffle_not_a_slice():
    train, val, test = split_indices(1000, 0.1, 0.1, seed=0)
    assert (train.size, val.size, test.size) == (800, 100, 100)
    assert not np.array_equal(test, np.arange(100))  # shuffled before cutting


@SETTINGS
@given(
    counts=st.lists(st.integers(10, 80), min_size=2, max_size=5),
    test=st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5]),
    seed=st.integers(0, 1000),
)
def test_stratified_test_set_matches_sklearn_per_class_counts(counts, test, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    _, _, ours = split_indices(labels.size, 0.0, test, seed=seed, stratify=labels)
    _, theirs = train_test_split(
        np.arange(labels.size), test_size=test, stratify=labels, random_state=seed
    )
    ours_per_class = np.bincount(labels[ours], minlength=len(counts))
    theirs_per_class = np.bincount(labels[theirs], minlength=len(counts))
    # sklearn rounds the total test size up and then apportions it; each class agrees
    # within one sample
    assert np.all(np.abs(ours_per_class - theirs_per_class) <= 1)
    assert np.all(
        np.abs(ours_per_class / np.array(counts) - test) <= 1 / np.array(counts)
    )


def test_stratification_keeps_a_rare_class_in_every_split():
    labels = np.r_[np.zeros(190, int), np.ones(10, int)]
    for seed in range(5):
        splits = split_indices(200, 0.2, 0.2, seed=seed, stratify=labels)
        assert [int(labels[s].sum()) for s in splits] == [6, 2, 2]


def test_train_val_test_split_keeps_inputs_and_targets_paired():
    x = np.arange(60).reshape(30, 2)
    y = np.arange(30) % 3
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = train_val_test_split(
        x, y, 0.2, 0.2, seed=1, stratify=True
    )
    for xs, ys in ((x_train, y_train), (x_val, y_val), (x_test, y_test)):
        assert np.array_equal(
            xs[:, 0] // 2 % 3, ys
        )  # row i of x is (2i, 2i + 1), and y_i = i % 3
    assert (len(y_train), len(y_val), len(y_test)) == (18, 6, 6)
    assert [np.bincount(ys).tolist() for ys in (y_train, y_val, y_test)] == [
        [6, 6, 6],
        [2, 2, 2],
        [2, 2, 2],
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"val_fraction": -0.1}, "val_fraction"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"test_fraction": float("nan")}, "test_fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction \\+ test_fraction"),
        ({"stratify": np.zeros(3)}, "stratify"),
        ({"stratify": np.array([0.0, np.nan] * 5)}, "stratify"),
        ({"stratify": np.array([0.5, 1.5] * 5)}, "stratify must hold class indices"),
        ({"stratify": np.array([0, -1] * 5)}, "stratify must hold class indices"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_indices(10, **kwargs)


def test_bad_types_and_sizes():
    with pytest.raises(TypeError, match="test_fraction"):
        split_indices(10, test_fraction="0.2")
    with pytest.raises(TypeError, match="seed"):
        split_indices(10, seed=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        split_indices(0)
    with pytest.raises(TypeError, match="n_samples"):
        split_indices(10.0)
    with pytest.raises(ValueError, match="x and y"):
        train_val_test_split(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="x must not be empty"):
        train_val_test_split(np.zeros((0, 2)), np.zeros(0))
