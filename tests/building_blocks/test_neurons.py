"""Neurons and perceptrons, checked against PyTorch, scikit-learn and the perceptron
convergence theorem."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import Perceptron

from dlfoundations.building_blocks.neurons import (
    XOR_INPUTS,
    XOR_LABELS,
    PerceptronRun,
    init_two_layer,
    neuron,
    separable_data,
    step,
    train_perceptron,
    train_two_layer,
    two_layer_forward,
    two_layer_gradients,
    weighted_sum,
    xor_network,
)
from dlfoundations.foundations.functions import sigmoid

FINITE = st.floats(-100, 100, allow_nan=False)


@st.composite
def layer_inputs(draw):
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    x = draw(arrays(np.float64, (n, d), elements=FINITE))
    w = draw(arrays(np.float64, (d,), elements=FINITE))
    b = draw(FINITE)
    return x, w, b


@settings(max_examples=40, deadline=None)
@given(layer_inputs())
def test_neuron_matches_torch_linear_plus_activation(data):
    x, w, b = data
    bias = torch.tensor([b], dtype=torch.float64)
    expected_sum = torch.nn.functional.linear(
        torch.tensor(x), torch.tensor(w)[None, :], bias
    )[:, 0]
    np.testing.assert_allclose(
        weighted_sum(x, w, b), expected_sum.numpy(), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(
        neuron(x, w, b, sigmoid),
        torch.sigmoid(expected_sum).numpy(),
        rtol=1e-9,
        atol=1e-12,
    )


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-5, 5)))
def test_step_matches_torch_heaviside(z):
    z = np.round(z)  # include exact zeros, where the step is 0
    expected = torch.heaviside(torch.tensor(z), torch.tensor(0.0, dtype=torch.float64))
    np.testing.assert_array_equal(step(z), expected.numpy())


def test_a_single_example_is_a_row():
    assert weighted_sum([1.0, 2.0], [3.0, 4.0], 0.5).tolist() == [11.5]


@pytest.mark.parametrize("lr", [1.0, 0.1])
@pytest.mark.parametrize("epochs", [1, 2, 5])
def test_perceptron_matches_sklearn_step_for_step(lr, epochs):
    # with a random start no example ever lies exactly on the boundary, so both rules
    # make the same updates
    x, y = separable_data(n_samples=60, margin=0.02, seed=1)
    rng = np.random.default_rng(7)
    w0, b0 = rng.normal(size=2), float(rng.normal())
    run = train_perceptron(x, y, lr=lr, max_epochs=epochs, weights=w0, bias=b0)
    reference = Perceptron(
        eta0=lr, shuffle=False, tol=None, max_iter=epochs, penalty=None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns that max_iter was reached
        reference.fit(x, y, coef_init=w0[None, :].copy(), intercept_init=np.array([b0]))
    np.testing.assert_allclose(run.weights, reference.coef_[0], rtol=1e-12, atol=1e-12)
    assert run.bias == pytest.approx(reference.intercept_[0], abs=1e-12)


def novikoff_bound(x, y, margin_direction, margin_offset):
    """(R / gamma)^2: the most mistakes the perceptron can make, from a known separator
    (w*, b*)."""
    augmented = np.hstack(
        [x, np.ones((len(x), 1))]
    )  # the bias is a weight on a constant input 1
    u = np.append(margin_direction, margin_offset)
    u = u / np.linalg.norm(u)
    signs = 2 * y - 1
    gamma = np.min(signs * (augmented @ u))
    radius = np.max(np.linalg.norm(augmented, axis=1))
    assert gamma > 0
    return (radius / gamma) ** 2


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("margin", [0.2, 0.05, 0.01])
@pytest.mark.parametrize("center", [(0.0, 0.0), (1.0, 1.0), (2.0, -1.0)])
def test_perceptron_converges_on_separable_data_within_the_bound(seed, margin, center):
    x, y = separable_data(n_samples=100, margin=margin, seed=seed, center=center)
    run = train_perceptron(x, y, max_epochs=100_000)
    assert run.converged
    assert run.errors[-1] == 0
    assert np.array_equal(
        step(weighted_sum(x, run.weights, run.bias)), y
    )  # zero training errors
    c1, c2 = center  # the data was labelled by x2 - c2 = 0.5 (x1 - c1) + 0.1
    bound = novikoff_bound(x, y, np.array([-0.5, 1.0]), -0.1 - c2 + 0.5 * c1)
    assert sum(run.errors) <= bound
    assert (
        len(run.errors) <= bound + 1
    )  # every epoch but the last makes at least one mistake
    assert all(e > 0 for e in run.errors[:-1])


def test_history_records_each_epoch():
    x, y = separable_data()
    run = train_perceptron(x, y)
    assert len(run.history) == len(run.errors) > 1
    final_w, final_b = run.history[-1]
    np.testing.assert_array_equal(final_w, run.weights)
    assert final_b == run.bias
    first_w, _ = run.history[0]
    assert not np.array_equal(first_w, final_w)  # the boundary moved between epochs


@pytest.mark.parametrize("lr", [1.0, 0.3])
def test_perceptron_never_solves_xor(lr):
    run = train_perceptron(XOR_INPUTS, XOR_LABELS, lr=lr, max_epochs=2000)
    assert len(run.errors) == 2000
    assert not run.converged
    assert min(run.errors) > 0
    predictions = step(weighted_sum(XOR_INPUTS, run.weights, run.bias))
    assert np.sum(predictions != XOR_LABELS) >= 1


def test_perceptron_learns_and_and_or():
    for labels in ([0, 0, 0, 1], [0, 1, 1, 1]):
        run = train_perceptron(XOR_INPUTS, labels, max_epochs=100)
        assert run.converged
        assert np.array_equal(
            step(weighted_sum(XOR_INPUTS, run.weights, run.bias)), labels
        )


def test_hand_set_network_computes_xor():
    np.testing.assert_array_equal(xor_network(XOR_INPUTS), XOR_LABELS)
    np.testing.assert_array_equal(xor_network([[1.0, 0.0]]), [1.0])


@pytest.mark.parametrize("seed", range(5))
def test_trained_two_layer_network_classifies_all_four_points(seed):
    params = train_two_layer(XOR_INPUTS, XOR_LABELS, seed=seed)
    _, p = two_layer_forward(params, XOR_INPUTS)
    np.testing.assert_array_equal(p > 0.5, XOR_LABELS == 1)
    assert np.all(np.abs(p - XOR_LABELS) < 0.1)


def test_two_layer_gradients_match_torch_autograd():
    params = init_two_layer(2, 5, seed=3)
    params["b1"] = np.random.default_rng(4).normal(size=5)
    params["b2"] = np.array(0.3)
    grads = two_layer_gradients(params, XOR_INPUTS, XOR_LABELS)
    t = {
        name: torch.tensor(value, requires_grad=True) for name, value in params.items()
    }
    x, y = torch.tensor(XOR_INPUTS), torch.tensor(XOR_LABELS)
    # F.linear(x, W1, b1) = x @ W1.T + b1: W1 of shape (out, in), as in nn.Linear
    hidden = torch.tanh(torch.nn.functional.linear(x, t["W1"], t["b1"]))
    logits = hidden @ t["w2"] + t["b2"]
    torch.nn.functional.binary_cross_entropy_with_logits(logits, y).backward()
    for name in params:
        np.testing.assert_allclose(
            grads[name], t[name].grad.numpy(), rtol=1e-10, atol=1e-12
        )


# --- bad input ------------------------------------------------------------------------


def test_bad_inputs_raise_errors_naming_the_argument():
    x, y = XOR_INPUTS, XOR_LABELS
    with pytest.raises(ValueError, match="y"):
        train_perceptron(x, y[:3])  # one label too few
    with pytest.raises(ValueError, match="y must contain only the labels 0 and 1"):
        train_perceptron(x, [0, 1, 2, 0])
    with pytest.raises(ValueError, match="y must contain only"):
        train_perceptron(x, [-1, 1, 1, -1])
    with pytest.raises(ValueError, match="x must not contain NaN"):
        train_perceptron([[0.0, np.nan]], [1])
    with pytest.raises(ValueError, match="y must not contain NaN"):
        train_perceptron(x, [0, 1, np.nan, 0])
    with pytest.raises(ValueError, match="x must not be empty"):
        train_perceptron(np.empty((0, 2)), [])
    with pytest.raises(ValueError, match="x must be 2-D"):
        weighted_sum(np.ones((2, 2, 2)), [1.0, 1.0], 0.0)
    with pytest.raises(ValueError, match="weights must have shape"):
        weighted_sum(x, [1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match="bias must be a single number"):
        weighted_sum(x, [1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="lr"):
        train_perceptron(x, y, lr=0)
    with pytest.raises(ValueError, match="max_epochs"):
        train_perceptron(x, y, max_epochs=0)
    with pytest.raises(TypeError, match="activation"):
        neuron(x, [1.0, 1.0], 0.0, activation="relu")
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        weighted_sum("ab", [1.0], 0.0)
    with pytest.raises(ValueError, match="n_hidden"):
        train_two_layer(x, y, n_hidden=0)
    with pytest.raises(ValueError, match="center must be a point"):
        separable_data(center=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="margin must be positive"):
        separable_data(margin=-0.1)
    with pytest.raises(ValueError, match="margin must be less than 1"):
        separable_data(margin=2.0)
    with pytest.raises(ValueError, match="n_samples must be at least 1"):
        separable_data(n_samples=0)
    with pytest.raises(ValueError, match="y must hold one label per example"):
        two_layer_gradients(init_two_layer(2, 3), x, y[:2])
    params = init_two_layer(2, 3)
    assert params["W1"].shape == (3, 2)  # (out, in), as nn.Linear stores it
    with pytest.raises(ValueError, match="hidden units throughout"):
        two_layer_forward({**params, "W1": params["W1"].T}, x)  # (in, out)
    with pytest.raises(ValueError, match="columns of params\\['W1'\\]"):
        two_layer_forward(params, np.ones((4, 3)))
    with pytest.raises(ValueError, match="one label per example of x"):
        train_perceptron(x.T, y)  # features and examples swapped
    with pytest.raises(ValueError, match="bias must be finite"):
        weighted_sum(x, [1.0, 2.0], np.inf)
    with pytest.raises(ValueError, match="bias must be finite"):
        PerceptronRun(weights=np.zeros(2), bias=np.inf)
    with pytest.raises(ValueError, match="weights must be 1-D"):
        PerceptronRun(weights=np.zeros((2, 2)), bias=0.0)
