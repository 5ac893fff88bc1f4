"""MNIST-1D is made here, never downloaded: its shapes, labels, the shuffled variant,
and no network access."""

import random
import socket

import numpy as np
import pytest

from dlfoundations.generalization.mnist1d import mnist1d

make_data = mnist1d.__wrapped__  # uncached: these tests check the making itself


@pytest.fixture(scope="module")
def data():
    return make_data()


def test_default_sizes_and_labels(data):
    assert data["x"].shape == (4000, 40) and data["x_test"].shape == (1000, 40)
    assert data["y"].shape == (4000,) and data["y_test"].shape == (1000,)
    assert set(np.unique(data["y"])) == set(range(10))
    # 500 examples of each digit in all, shuffled over the split
    counts = np.bincount(np.concatenate([data["y"], data["y_test"]]))
    assert np.all(counts == 500)
    everything = np.concatenate([data["x"], data["x_test"]])
    assert abs(everything.mean()) < 1e-5 and abs(everything.std() - 1) < 1e-4


def test_shuffled_positions_hold_the_same_values_in_another_order(data):
    shuffled = make_data(shuffle_positions=True)
    np.testing.assert_array_equal(shuffled["y"], data["y"])
    assert not np.allclose(shuffled["x"], data["x"])
    # one permutation for every sequence: find it on the first, check it on all
    first, first_shuffled = data["x"][0], shuffled["x"][0]
    order = [int(np.argmin(np.abs(first - value))) for value in first_shuffled]
    assert sorted(order) == list(range(40))
    np.testing.assert_allclose(shuffled["x"], data["x"][:, order], atol=1e-5)


def test_making_the_data_never_reaches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("MNIST-1D tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    import requests

    monkeypatch.setattr(requests, "get", refuse)
    assert make_data(seed=3)["x"].shape == (4000, 40)


def test_other_code_keeps_its_random_numbers():
    np.random.seed(7)
    random.seed(7)
    expected = (np.random.random(), random.random())
    np.random.seed(7)
    random.seed(7)
    make_data(seed=5)
    assert (np.random.random(), random.random()) == expected


def test_bad_settings_are_refused():
    with pytest.raises(TypeError, match="shuffle_positions"):
        make_data(shuffle_positions=1)
    with pytest.raises(ValueError, match="seed"):
        make_data(seed=-1)
