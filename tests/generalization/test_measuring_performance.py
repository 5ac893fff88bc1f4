"""Measuring performance on MNIST-1D: the evaluation against NumPy's cross-entropy and
scikit-learn's error rate, the training loop's batches and records, the splits, a
short run, the standard error against simulation, and the declared reproduction."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import zero_one_loss

import dlfoundations.generalization.measuring_performance as chapter
from dlfoundations.backpropagation.pytorch import sequential_mlp, torch_step
from dlfoundations.building_blocks.losses import cross_entropy
from dlfoundations.building_blocks.metrics import accuracy
from dlfoundations.generalization.measuring_performance import (
    LAYER_SIZES,
    VAL_FRACTION,
    chosen_on_validation,
    endless_batches,
    loss_and_error,
    mnist1d_run,
    mnist1d_splits,
    standard_error,
    train_classifier,
)
from dlfoundations.reproductions import declared


pytestmark = pytest.mark.usefixtures("experiment_cache", "one_thread")


def _task(n_examples: int, n_features: int, n_classes: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_examples, n_features, generator=generator)
    y = torch.randint(0, n_classes, (n_examples,), generator=generator)
    torch.manual_seed(seed)
    return sequential_mlp([n_features, 8, n_classes]), x, y


# --- evaluation ----------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    n_examples=st.integers(1, 40),
    n_features=st.integers(1, 6),
    n_classes=st.integers(2, 7),
    seed=st.integers(0, 1000),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
)
def test_loss_and_error_match_numpy_cross_entropy_and_sklearn(
    n_examples, n_features, n_classes, seed, scale
):
    model, x, y = _task(n_examples, n_features, n_classes, seed)
    x = x * scale  # tiny and huge logits: the loss stays finite and exact
    loss, error = loss_and_error(model, x, y)
    with torch.no_grad():
        logits = model(x).double().numpy()
    predictions = logits.argmax(axis=1)
    assert loss == pytest.approx(cross_entropy(logits, y.numpy()), rel=1e-5, abs=1e-6)
    assert error == pytest.approx(zero_one_loss(y.numpy(), predictions))
    assert error == pytest.approx(1 - accuracy(y.numpy(), predictions))


def test_loss_and_error_measure_without_changing_the_model():
    model, x, y = _task(30, 4, 3, seed=1)
    before = copy.deepcopy(model.state_dict())
    model.train()
    loss_and_error(model, x, y)
    assert not model.training  # evaluation mode (dropout off)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name])
    assert all(p.grad is None for p in model.parameters())


# --- batches and the training loop ---------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n_examples=st.integers(1, 60), batch_size=st.integers(1, 25))
def test_every_epoch_of_batches_is_a_permutation(n_examples, batch_size):
    batches = endless_batches(n_examples, batch_size, np.random.default_rng(0))
    per_epoch = -(-n_examples // batch_size)  # ceil
    epochs = []
    for _ in range(3):
        epoch = [next(batches) for _ in range(per_epoch)]
        assert all(len(batch) <= batch_size for batch in epoch)
        indices = np.concatenate(epoch)
        np.testing.assert_array_equal(np.sort(indices), np.arange(n_examples))
        epochs.append(indices)
    if n_examples > 3:  # a new random order each epoch
        assert any(not np.array_equal(epochs[0], other) for other in epochs[1:])


def test_training_loop_records_every_set_at_the_right_steps():
    model, x, y = _task(50, 4, 3, seed=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    initial = loss_and_error(model, x, y)
    sets = {"train": (x, y), "other": (x[:10], y[:10])}
    history = train_classifier(model, optimizer, (x, y), sets, 12, 8, 4, seed=0)
    assert history["step"] == [0, 4, 8, 12]
    assert sorted(history) == sorted(
        ["step", "train_loss", "train_error", "other_loss", "other_error"]
    )
    assert (history["train_loss"][0], history["train_error"][0]) == initial
    final = loss_and_error(model, x, y)
    assert (history["train_loss"][-1], history["train_error"][-1]) == final
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_a_full_batch_step_is_the_pytorch_chapters_step():
    model, x, y = _task(20, 3, 4, seed=3)
    twin = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    train_classifier(model, optimizer, (x, y), {"train": (x, y)}, 1, 20, 1, seed=0)
    torch_step(twin, torch.optim.SGD(twin.parameters(), lr=0.5), x, y)
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


def test_augment_changes_the_training_batches_and_never_the_measured_sets():
    model, x, y = _task(24, 4, 3, seed=4)
    seen = []

    def flip(batch):
        seen.append(batch)
        return -batch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    sets = {"train": (x, y)}
    history = train_classifier(model, optimizer, (x, y), sets, 6, 8, 3, augment=flip)
    assert len(seen) == 6 and all(len(batch) == 8 for batch in seen)
    rows = {tuple(row.tolist()) for batch in seen[:3] for row in batch}
    assert rows == {tuple(row.tolist()) for row in x}  # one epoch: every example
    assert history["train_loss"][-1] == loss_and_error(model, x, y)[0]


def test_training_is_deterministic_given_the_seeds():
    histories = []
    for _ in range(2):
        model, x, y = _task(40, 4, 3, seed=5)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        sets = {"train": (x, y)}
        histories.append(train_classifier(model, optimizer, (x, y), sets, 10, 7, 5))
    assert histories[0] == histories[1]


# --- the data and the runs -----------------------------------------------------------


def test_splits_hold_out_a_stratified_validation_set():
    splits = mnist1d_splits(VAL_FRACTION)
    (x_train, y_train), (x_val, y_val) = splits["train"], splits["val"]
    assert (len(y_train), len(y_val), len(splits["test"][1])) == (3400, 600, 1000)
    original, labels = mnist1d_splits()["train"]
    per_class = np.bincount(labels)  # near 400 each, not exactly
    expected = np.floor(VAL_FRACTION * per_class + 0.5)  # each class's own share
    np.testing.assert_array_equal(np.bincount(y_val), expected)
    everything = np.concatenate([x_train, x_val])
    assert len(original) == 4000 and "val" not in mnist1d_splits()
    np.testing.assert_array_equal(
        np.unique(everything, axis=0), np.unique(original, axis=0)
    )


def test_shuffled_splits_hold_the_same_sequences_with_their_positions_permuted():
    (x, y), (x_shuffled, y_shuffled) = (
        mnist1d_splits(shuffle_positions=shuffled)["train"]
        for shuffled in (False, True)
    )
    np.testing.assert_array_equal(y_shuffled, y)
    assert not np.array_equal(x_shuffled, x)  # the order of the values changed...
    np.testing.assert_array_equal(np.sort(x_shuffled), np.sort(x))  # ...not them


def test_the_default_run_is_on_ordered_positions_and_the_option_changes_it():
    settings = {"seed": 0, "steps": 100, "eval_every": 100}
    default = mnist1d_run.__wrapped__(**settings)
    ordered = mnist1d_run.__wrapped__(shuffle_positions=False, **settings)
    shuffled = mnist1d_run.__wrapped__(shuffle_positions=True, **settings)
    np.testing.assert_array_equal(default["test_loss"], ordered["test_loss"])
    assert not np.array_equal(shuffled["test_loss"], ordered["test_loss"])


def test_a_short_run_has_curves_for_every_split():
    run = mnist1d_run.__wrapped__(seed=0, val_fraction=VAL_FRACTION, steps=200)
    np.testing.assert_array_equal(run["step"], [0, 100, 200])
    for name in ("train", "val", "test"):
        assert run[f"{name}_loss"].shape == (3,)
        assert np.all((run[f"{name}_error"] >= 0) & (run[f"{name}_error"] <= 1))
    assert run["train_loss"][-1] < run["train_loss"][0]
    assert run["test_error"][-1] < 0.8  # far better than chance (0.9) already
    again = mnist1d_run.__wrapped__(seed=0, val_fraction=VAL_FRACTION, steps=200)
    for key, value in run.items():
        np.testing.assert_array_equal(value, again[key])


def test_the_run_trains_the_layer_sizes_of_the_mnist1d_mlp():
    assert LAYER_SIZES == [40, 100, 100, 10]
    model = sequential_mlp(LAYER_SIZES)
    assert sum(p.numel() for p in model.parameters()) == 15210  # as in MNIST-1D


# --- reporting -----------------------------------------------------------------------


@pytest.mark.parametrize("error, n_examples", [(0.34, 1000), (0.05, 200), (0.5, 30)])
def test_standard_error_matches_the_spread_of_simulated_test_sets(error, n_examples):
    rng = np.random.default_rng(0)
    rates = rng.binomial(n_examples, error, size=200_000) / n_examples
    assert standard_error(error, n_examples) == pytest.approx(rates.std(), rel=0.01)


def test_standard_error_of_a_certain_outcome_is_zero():
    assert standard_error(0.0, 10) == 0.0 and standard_error(1.0, 10) == 0.0
    assert standard_error(0.5, 100) == pytest.approx(0.05)


def test_the_choice_on_validation_is_the_first_lowest_error():
    run = {"val_error": np.array([0.5, 0.3, 0.4, 0.3, 0.35])}
    assert chosen_on_validation(run) == 1


def test_the_reproduction_is_declared_with_the_published_number():
    (result,) = [r for r in declared() if r.id == "mnist1d-mlp-test-accuracy"]
    assert result.published == 0.68 and 0 < result.tolerance <= 0.05
    assert result.measure is chapter.mnist1d_mlp_test_accuracy


def test_the_reproduction_reads_the_final_test_accuracy_of_the_full_run(monkeypatch):
    calls = []

    def fake_run(seed=0, val_fraction=0.0):
        calls.append((seed, val_fraction))
        return {"test_error": np.array([0.9, 0.5, 0.34])}

    monkeypatch.setattr(chapter, "mnist1d_run", fake_run)
    assert chapter.mnist1d_mlp_test_accuracy() == pytest.approx(0.66)
    assert calls == [(0, 0.0)]  # seed 0, trained on all 4000 examples


# --- bad inputs ----------------------------------------------------------------------


def test_bad_inputs_are_named():
    model, x, y = _task(10, 4, 3, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="x"):
        loss_and_error(model, x[:, :3], y)
    with pytest.raises(ValueError, match="y must hold labels below 3"):
        loss_and_error(model, x, y + 3)
    with pytest.raises(ValueError, match="eval_every"):
        train_classifier(model, optimizer, (x, y), {"train": (x, y)}, 10, 4, 3)
    with pytest.raises(TypeError, match="sets"):
        train_classifier(model, optimizer, (x, y), [(x, y)], 10, 4, 5)
    with pytest.raises(TypeError, match="train"):
        train_classifier(model, optimizer, (x.numpy(), y), {"t": (x, y)}, 10, 4, 5)
    with pytest.raises(ValueError, match="val_fraction"):
        mnist1d_splits(1.0)
    with pytest.raises(TypeError, match="shuffle_positions"):
        mnist1d_run.__wrapped__(shuffle_positions="yes")
    with pytest.raises(ValueError, match="error"):
        standard_error(1.5, 10)
    with pytest.raises(TypeError, match="run"):
        chosen_on_validation({"test_error": [0.1]})
    with pytest.raises(ValueError, match="device"):
        mnist1d_run.__wrapped__(device="no such device")
