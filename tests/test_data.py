"""Dataset splitting: disjoint, covering, seeded, stratified; compared with scikit-learn's stratification."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split

from dlfoundations.building_blocks.feedforward import split_indices, train_val_test_split

SETTINGS = settings(max_examples=40, deadline=None)
fractions = st.sampled_from([0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.45])


def _labels(data, n_samples: int) -> np.ndarray:
    n_classes = data.draw(st.integers(1, 5))
    labels = data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n_samples, max_size=n_samples))
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
def test_splits_are_disjoint_and_cover_every_sample(n_samples, val, test, seed, stratified, data):
    stratify = _labels(data, n_samples) if stratified else None
    train_idx, val_idx, test_idx = split_indices(n_samples, val, test, seed=seed, stratify=stratify)
    together = np.concatenate([train_idx, val_idx, test_idx])
    assert together.size == n_samples  # no sample used twice ...
    assert np.array_equal(np.sort(together), np.arange(n_samples))  # ... and none left out
    for a, b in ((train_idx, val_idx), (train_idx, test_idx), (val_idx, test_idx)):
        assert not set(a) & set(b)


@SETTINGS
@given(n_samples=st.integers(1, 300), val=fractions, test=fractions, stratified=st.booleans(), data=st.data())
def test_stratified_proportions_within_one_sample_per_class(n_samples, val, test, stratified, data):
    labels = _labels(data, n_samples)
    splits = split_indices(n_samples, val, test, seed=3, stratify=labels if stratified else None)
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
    assert not all(np.array_equal(a, b) for a, b in zip(plain, split_indices(100, 0.2, 0.2, seed=8)))


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
    _, theirs = train_test_split(np.arange(labels.size), test_size=test, stratify=labels, random_state=seed)
    ours_per_class = np.bincount(labels[ours], minlength=len(counts))
    theirs_per_class = np.bincount(labels[theirs], minlength=len(counts))
    # sklearn rounds the total test size up and then apportions it; each class agrees within one sample
    assert np.all(np.abs(ours_per_class - theirs_per_class) <= 1)
    assert np.all(np.abs(ours_per_class / np.array(counts) - test) <= 1 / np.array(counts))


def test_stratification_keeps_a_rare_class_in_every_split():
    labels = np.r_[np.zeros(190, int), np.ones(10, int)]
    for seed in range(5):
        splits = split_indices(200, 0.2, 0.2, seed=seed, stratify=labels)
        assert [int(labels[s].sum()) for s in splits] == [6, 2, 2]


def test_train_val_test_split_keeps_inputs_and_targets_paired():
    x = np.arange(60).reshape(30, 2)
    y = np.arange(30) % 3
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = train_val_test_split(x, y, 0.2, 0.2, seed=1, stratify=True)
    for xs, ys in ((x_train, y_train), (x_val, y_val), (x_test, y_test)):
        assert np.array_equal(xs[:, 0] // 2 % 3, ys)  # row i of x is (2i, 2i + 1), and y_i = i % 3
    assert (len(y_train), len(y_val), len(y_test)) == (18, 6, 6)
    assert [np.bincount(ys).tolist() for ys in (y_train, y_val, y_test)] == [[6, 6, 6], [2, 2, 2], [2, 2, 2]]


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
    with pytest.raises(ValueError, match="x and y must not be empty"):
        train_val_test_split(np.zeros((0, 2)), np.zeros(0))
