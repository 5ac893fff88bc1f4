"""Shuffled positions: the recovered permutation against the data, the permuted
first layer against the original network (same function, and the same training
trajectory), the neighbour correlation against numpy, logistic regression on small
settings, the table and the declared reproductions."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlfoundations.architectures import shuffled_positions as chapter
from dlfoundations.architectures.shuffled_positions import (
    PUBLISHED,
    final_test_accuracies,
    logistic_shuffled_test_accuracy,
    logistic_test_accuracy,
    mlp_shuffled_test_accuracy,
    mnist1d_logistic_run,
    mnist1d_permutation,
    neighbour_correlation,
    permute_first_layer,
    recover_permutation,
)
from dlfoundations.backpropagation.pytorch import sequential_mlp
from dlfoundations.generalization.measuring_performance import train_classifier
from dlfoundations.generalization.mnist1d import mnist1d
from dlfoundations.reproductions import declared

pytestmark = pytest.mark.usefixtures("experiment_cache", "one_thread")


# --- the permutation -----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30))
def test_recover_permutation_finds_the_permutation_applied(seed, n):
    rng = np.random.default_rng(seed)
    x, permutation = rng.normal(size=(50, n)), rng.permutation(n)
    np.testing.assert_array_equal(
        recover_permutation(x, x[:, permutation]), permutation
    )


def test_the_shuffled_data_is_the_ordered_data_with_one_permutation_of_positions():
    ordered, shuffled = mnist1d(), mnist1d(shuffle_positions=True)
    permutation = mnist1d_permutation()
    assert sorted(permutation) == list(range(40))
    assert not np.array_equal(permutation, np.arange(40))
    for key in ("x", "x_test"):  # the same permutation for training and test
        np.testing.assert_array_equal(ordered[key][:, permutation], shuffled[key])
    np.testing.assert_array_equal(ordered["y"], shuffled["y"])


# --- what a permutation preserves -----------------------------------------------------


def test_a_permuted_first_layer_computes_the_same_function_on_shuffled_inputs():
    torch.manual_seed(0)
    model = sequential_mlp([12, 20, 5])
    permutation = np.random.default_rng(0).permutation(12)
    x = torch.randn(64, 12)
    permuted = permute_first_layer(model, permutation)
    torch.testing.assert_close(permuted(x[:, permutation]), model(x))
    assert not torch.allclose(model(x[:, permutation]), model(x), atol=1e-3)
    original_weight = model[0].weight.detach().clone()
    permute_first_layer(model, permutation)
    torch.testing.assert_close(model[0].weight, original_weight)  # a copy


def test_logistic_regression_is_a_model_with_a_first_linear_layer_too():
    torch.manual_seed(1)
    model = nn.Linear(40, 10)
    permutation = mnist1d_permutation()
    x = torch.as_tensor(mnist1d()["x"][:100])
    permuted = permute_first_layer(model, permutation)
    torch.testing.assert_close(permuted(x[:, permutation]), model(x))


def test_training_on_shuffled_positions_follows_the_permuted_trajectory():
    """Adam updates each weight from its own gradient, and the gradient of a
    permuted column is the permuted gradient: from permuted initial weights, the
    MLP trained on shuffled data stays the permuted copy of the one trained on
    ordered data, step after step. In float64: in float32, the rounding of the
    reordered sums grows over a few hundred steps until the two part."""
    ordered, shuffled = mnist1d(), mnist1d(shuffle_positions=True)
    permutation = mnist1d_permutation()
    torch.manual_seed(0)
    model = sequential_mlp([40, 100, 100, 10]).double()
    twin = permute_first_layer(model, permutation)
    for net, data in ((model, ordered), (twin, shuffled)):
        x, y = torch.as_tensor(data["x"]).double(), torch.as_tensor(data["y"])
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        train_classifier(net, optimizer, (x, y), {"train": (x, y)}, 200, 100, 200)
    with torch.no_grad():
        logits = model(torch.as_tensor(ordered["x_test"]).double())
        twin_logits = twin(torch.as_tensor(shuffled["x_test"]).double())
    assert logits.abs().max() > 10  # trained: far from the initial logits
    torch.testing.assert_close(twin_logits, logits, atol=1e-10, rtol=0)
    unshuffled = twin[0].weight[:, np.argsort(permutation)]
    torch.testing.assert_close(unshuffled, model[0].weight, atol=1e-10, rtol=0)


# --- what it destroys -----------------------------------------------------------------


def test_neighbour_correlation_matches_numpy():
    x = np.random.default_rng(3).normal(size=(200, 6)).cumsum(axis=1)
    expected = np.mean([np.corrcoef(x[:, t], x[:, t + 1])[0, 1] for t in range(5)])
    assert neighbour_correlation(x) == pytest.approx(expected)


def test_shuffling_destroys_the_correlation_of_neighbours_in_mnist1d():
    ordered = neighbour_correlation(mnist1d()["x"])
    shuffled = neighbour_correlation(mnist1d(shuffle_positions=True)["x"])
    assert ordered > 0.7 and abs(shuffled) < 0.2


# --- the runs and the table ---------------------------------------------------------


def test_a_short_logistic_run_learns_is_deterministic_and_reads_shuffled_data():
    settings = {"steps": 200, "eval_every": 100, "device": "cpu"}
    run = mnist1d_logistic_run.__wrapped__(**settings)
    np.testing.assert_array_equal(run["step"], [0, 100, 200])
    assert run["test_error"][0] > 0.75 and run["test_error"][-1] < 0.8
    assert run["train_loss"][-1] < run["train_loss"][0]
    again = mnist1d_logistic_run.__wrapped__(**settings)
    np.testing.assert_array_equal(again["test_loss"], run["test_loss"])
    shuffled = mnist1d_logistic_run.__wrapped__(shuffle_positions=True, **settings)
    assert not np.array_equal(shuffled["test_loss"], run["test_loss"])


def test_the_table_reads_each_model_from_its_experiment(monkeypatch):
    calls = []

    def fake(name, errors):
        def run(*args, **kwargs):
            shuffled = (list(args) + list(kwargs.values()))[0]
            calls.append((name, shuffled))
            error = errors[shuffled]
            return {"test_error": np.array([0.9, error]), "test_accuracy": 1 - error}

        return run

    for name, errors in (
        ("mnist1d_logistic_run", (0.7, 0.6)),
        ("mnist1d_run", (0.3, 0.35)),
        ("mnist1d_cnn_run", (0.1, 0.4)),
        ("mnist1d_gru", (0.15, 0.45)),
    ):
        monkeypatch.setattr(chapter, name, fake(name, errors))
    table = final_test_accuracies()
    assert list(table) == list(PUBLISHED)
    expected = {
        "logistic regression": (0.3, 0.4),
        "MLP": (0.7, 0.65),
        "CNN": (0.9, 0.6),
        "GRU": (0.85, 0.55),
    }
    for name, accuracies in expected.items():
        assert table[name] == pytest.approx(accuracies)
    assert len(calls) == 8 and {shuffled for _, shuffled in calls} == {False, True}


def test_the_reproductions_are_declared():
    results = {result.id: result for result in declared()}
    expected = {
        "mnist1d-logistic-test-accuracy": (0.32, logistic_test_accuracy),
        "mnist1d-logistic-shuffled-test-accuracy": (
            0.32,
            logistic_shuffled_test_accuracy,
        ),
        "mnist1d-mlp-shuffled-test-accuracy": (0.68, mlp_shuffled_test_accuracy),
    }
    for id, (published, measure) in expected.items():
        assert results[id].published == published
        assert results[id].measure is measure
        assert 0 < results[id].tolerance <= 0.05


# --- bad inputs ----------------------------------------------------------------------


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="x_shuffled"):
        recover_permutation(np.zeros((3, 4)), np.zeros((3, 5)))
    with pytest.raises(ValueError, match="permutation"):
        permute_first_layer(nn.Linear(3, 2), np.array([0, 0, 1]))
    with pytest.raises(ValueError, match="permutation"):
        permute_first_layer(nn.Linear(3, 2), np.array([1, 0]))
    with pytest.raises(ValueError, match="model"):
        permute_first_layer(nn.Conv1d(1, 1, 3), np.array([1, 0]))
    with pytest.raises(ValueError, match="x"):
        neighbour_correlation(np.zeros((5, 1)))
    with pytest.raises(TypeError, match="shuffle_positions"):
        mnist1d_logistic_run(shuffle_positions=1)
    with pytest.raises(ValueError, match="eval_every"):
        mnist1d_logistic_run(steps=100, eval_every=30)
