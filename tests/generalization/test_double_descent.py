"""The double-descent chapter: label noise flipped exactly, seeded networks, training
to interpolation, the error and loss against scikit-learn, the sweep on a tiny
setting, and the declared reproduction."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, log_loss

from dlfoundations.backpropagation.pytorch import sequential_mlp
from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.generalization.double_descent import (
    double_descent_sweep,
    error_and_loss,
    flip_labels,
    peak_parameters_per_example,
    seeded_mlp,
    train_to_interpolation,
)
from dlfoundations.reproductions import declared

sweep = double_descent_sweep.__wrapped__  # uncached


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 300),
    n_classes=st.integers(2, 12),
    fraction=st.floats(0, 0.99),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_exactly_the_fraction_is_flipped_and_never_to_the_same_class(
    n, n_classes, fraction, seed, data
):
    y = np.array(
        data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
    )
    before = y.copy()
    flipped = flip_labels(y, fraction, n_classes, seed)
    np.testing.assert_array_equal(y, before)  # the labels given are left alone
    changed = flipped != y
    assert changed.sum() == round(fraction * n)
    assert flipped.min() >= 0 and flipped.max() < n_classes
    assert flipped.dtype == np.int64
    np.testing.assert_array_equal(flip_labels(y, fraction, n_classes, seed), flipped)


def test_the_new_class_is_uniform_over_the_other_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=50_000)
    flipped = flip_labels(y, 0.9, 10, seed=1)
    moved = flipped != y
    shifts = (flipped[moved] - y[moved]) % 10  # 1 to 9, each about 5000 times
    counts = np.bincount(shifts, minlength=10)
    assert counts[0] == 0
    expected = moved.sum() / 9  # a count's standard deviation is about 67
    assert np.all(np.abs(counts[1:] - expected) < 300)


def test_seeds_choose_the_flips_and_zero_flips_nothing():
    y = np.arange(1000) % 10
    first, other = flip_labels(y, 0.15, 10, seed=0), flip_labels(y, 0.15, 10, seed=1)
    assert (first != y).sum() == (other != y).sum() == 150
    assert not np.array_equal(first != y, other != y)
    np.testing.assert_array_equal(flip_labels(y, 0.0, 10, seed=3), y)


def test_seeded_networks_are_reproducible_and_leave_the_global_state_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = seeded_mlp([40, 8, 8, 10], seed=5)
    after = torch.rand(3)
    np.testing.assert_array_equal(after.numpy(), expected_next.numpy())
    again, other = seeded_mlp([40, 8, 8, 10], seed=5), seeded_mlp([40, 8, 8, 10], 6)
    for a, b, c in zip(first.parameters(), again.parameters(), other.parameters()):
        assert torch.equal(a, b) and not torch.equal(a, c)
    shapes = [tuple(p.shape) for p in sequential_mlp([40, 8, 8, 10]).parameters()]
    assert [tuple(p.shape) for p in first.parameters()] == shapes
    assert sum(p.numel() for p in first.parameters()) == count_parameters(
        [40, 8, 8, 10]
    )


def _blobs(n=60, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n)
    x = rng.normal(size=(n, 4)) + 3.0 * np.eye(4)[y]
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def test_training_stops_as_soon_as_every_label_is_fitted():
    x, y = _blobs()
    model = seeded_mlp([4, 32, 32, 3], seed=0)
    taken = train_to_interpolation(model, x, y, steps=500, lr=0.01)
    assert 0 < taken < 500
    with torch.no_grad():
        assert (model(x).argmax(dim=1) == y).all()
    # a model that already interpolates takes no step and is left unchanged
    weights = [p.detach().clone() for p in model.parameters()]
    assert train_to_interpolation(model, x, y, steps=500, lr=0.01) == 0
    assert all(torch.equal(a, b) for a, b in zip(weights, model.parameters()))


def test_training_runs_every_step_when_the_labels_cannot_all_be_fitted():
    x, y = _blobs()
    x, y = torch.cat([x, x[:1]]), torch.cat([y, (y[:1] + 1) % 3])  # one x, two labels
    model = seeded_mlp([4, 16, 16, 3], seed=0)
    assert train_to_interpolation(model, x, y, steps=50, lr=0.01) == 50


def test_error_and_loss_match_scikit_learn():
    x, y = _blobs(seed=3)
    model = seeded_mlp([4, 5, 5, 3], seed=1)
    error, loss = error_and_loss(model, x, y)
    with torch.no_grad():
        logits = model(x).double()
    probabilities = torch.softmax(logits, dim=1).numpy()
    predicted = probabilities.argmax(axis=1)
    assert error == pytest.approx(1 - accuracy_score(y.numpy(), predicted))
    expected = log_loss(y.numpy(), probabilities, labels=[0, 1, 2])
    assert loss == pytest.approx(expected, rel=1e-5)


@pytest.fixture(scope="module")
def tiny_sweep():
    """Two widths on 300 examples: a few seconds on a CPU."""
    return sweep(widths=[4, 96], n_train=300, steps=400, n_runs=2, device="cpu")


def test_the_tiny_sweep_measures_what_it_should(tiny_sweep):
    assert tiny_sweep["widths"].tolist() == [4, 96]
    assert tiny_sweep["parameters"].tolist() == [
        count_parameters([40, 4, 4, 10]),
        count_parameters([40, 96, 96, 10]),
    ]
    assert tiny_sweep["n_train"] == 300
    for name in ("train_error", "train_loss", "test_error", "test_loss"):
        assert tiny_sweep[name].shape == (2, 2)
    # 14,506 parameters for 300 examples fit every noisy label; 234 cannot
    assert np.all(tiny_sweep["train_error"][:, 1] == 0)
    assert np.all(tiny_sweep["steps_taken"][:, 1] < 400)
    assert np.all(tiny_sweep["train_error"][:, 0] > 0.2)
    assert np.all(tiny_sweep["steps_taken"][:, 0] == 400)
    # the test labels are clean and unseen: the error is far from zero
    assert np.all(tiny_sweep["test_error"] > 0.3)


def test_the_sweep_is_deterministic_on_the_cpu(tiny_sweep):
    again = sweep(widths=[4, 96], n_train=300, steps=400, n_runs=2, device="cpu")
    np.testing.assert_array_equal(again["test_error"], tiny_sweep["test_error"])
    np.testing.assert_array_equal(again["train_loss"], tiny_sweep["train_loss"])


def test_the_peak_is_read_from_the_mean_test_error():
    result = {
        "test_error": np.array([[0.5, 0.7, 0.6], [0.5, 0.5, 0.6]]),
        "parameters": np.array([100, 400, 900]),
        "n_train": 400,
    }
    # means 0.5, 0.6, 0.6: the first of the highest
    assert peak_parameters_per_example(result) == 1.0
    result["test_error"][1, 2] = 0.7
    assert peak_parameters_per_example(result) == 2.25


def test_the_peak_is_declared_as_a_reproduced_result():
    found = [r for r in declared() if r.id == "double-descent-peak-params-per-example"]
    assert len(found) == 1
    result = found[0]
    assert result.published == 1.0 and result.tolerance == 0.5
    assert "section 8.4" in result.source
    assert result.holds(1.28) and result.holds(0.67) and not result.holds(2.23)


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="y must hold class indices below"):
        flip_labels(np.array([0, 1, 5]), 0.5, 3)
    with pytest.raises(ValueError, match="fraction"):
        flip_labels(np.array([0, 1]), 1.0, 2)
    with pytest.raises(ValueError, match="n_classes"):
        flip_labels(np.array([0, 0]), 0.5, 1)
    with pytest.raises(TypeError, match="y"):
        flip_labels(np.array([0.0, 1.0]), 0.5, 2)
    x, y = _blobs()
    model = seeded_mlp([4, 8, 8, 3], seed=0)
    with pytest.raises(ValueError, match="x must have 4 columns"):
        error_and_loss(model, x[:, :3], y)
    with pytest.raises(ValueError, match="lr"):
        train_to_interpolation(model, x, y, steps=5, lr=0.0)
    with pytest.raises(ValueError, match="n_train"):
        sweep(n_train=5000)
    with pytest.raises(ValueError, match="widths"):
        sweep(widths=[8, 0])
    with pytest.raises(ValueError, match="label_noise"):
        double_descent_sweep(label_noise=1.5)  # refused before the cache is read
    with pytest.raises(ValueError, match="sweep"):
        peak_parameters_per_example({"test_error": np.ones((2, 3))})
