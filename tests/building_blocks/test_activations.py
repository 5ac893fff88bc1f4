"""Activations and their derivatives against torch.nn.functional and torch.autograd."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlfoundations.building_blocks.activations import (
    dead_unit_fraction,
    elu,
    elu_derivative,
    gelu,
    gelu_derivative,
    gelu_tanh,
    gelu_tanh_derivative,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    saturated_fraction,
    sigmoid,
    sigmoid_chain_gradient,
    sigmoid_derivative,
    softmax,
    softmax_jacobian,
    softmax_vjp,
    tanh,
    tanh_derivative,
)


def moderate_arrays(bound: float = 30.0):
    return arrays(
        np.float64,
        array_shapes(max_dims=3, max_side=6),
        elements=st.floats(-bound, bound),
    )


EXTREME = arrays(
    np.float64, array_shapes(max_dims=2, max_side=8), elements=st.floats(-1e4, 1e4)
)

# name: (our function, our derivative, the torch function)
ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_derivative, torch.sigmoid),
    "tanh": (tanh, tanh_derivative, torch.tanh),
    "relu": (relu, relu_derivative, F.relu),
    "leaky_relu": (
        leaky_relu,
        leaky_relu_derivative,
        F.leaky_relu,
    ),  # both default to slope 0.01
    "leaky_relu_0.2": (
        lambda x: leaky_relu(x, 0.2),
        lambda x: leaky_relu_derivative(x, 0.2),
        lambda t: F.leaky_relu(t, 0.2),
    ),
    "elu": (elu, elu_derivative, F.elu),
    "elu_0.5": (
        lambda x: elu(x, 0.5),
        lambda x: elu_derivative(x, 0.5),
        lambda t: F.elu(t, 0.5),
    ),
    "gelu": (gelu, gelu_derivative, F.gelu),
    "gelu_tanh": (
        gelu_tanh,
        gelu_tanh_derivative,
        lambda t: F.gelu(t, approximate="tanh"),
    ),
}


def torch_value_and_derivative(torch_function, x: np.ndarray):
    """Value of an elementwise torch function, and its derivative from autograd."""
    t = torch.tensor(x, requires_grad=True)
    y = torch_function(t)
    y.sum().backward()  # d(sum_i f(x_i))/dx_j = f'(x_j) for an elementwise f
    return y.detach().numpy(), t.grad.numpy()


@contextmanager
def strict_floating_point():
    """Turn overflow, division by zero, invalid operations and all warnings into errors.

    Underflow to 0 stays allowed: e^(-10000) rounding to 0.0 is the correctly rounded
    answer.
    """
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=30, deadline=None)
@given(x=moderate_arrays())
def test_value_and_derivative_match_torch(name, x):
    f, df, torch_f = ELEMENTWISE[name]
    value, derivative = torch_value_and_derivative(torch_f, x)
    np.testing.assert_allclose(f(x), value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(df(x), derivative, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=25, deadline=None)
@given(x=EXTREME)
def test_extreme_inputs_stay_finite_and_match_torch(name, x):
    f, df, torch_f = ELEMENTWISE[name]
    x = np.concatenate([x.ravel(), [1e4, -1e4, 745.0, -745.0, 0.0]])
    with strict_floating_point():
        value, derivative = f(x), df(x)
    assert np.isfinite(value).all() and np.isfinite(derivative).all()
    expected_value, expected_derivative = torch_value_and_derivative(torch_f, x)
    np.testing.assert_allclose(value, expected_value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(derivative, expected_derivative, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["elu", "gelu", "gelu_tanh"])
def test_derivatives_agree_with_central_differences(name):
    f, df, _ = ELEMENTWISE[name]
    x = np.linspace(-4, 4, 81) + 0.0123  # avoid the kink of ELU at 0
    h = 1e-6
    np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), atol=1e-8)


def test_gelu_tanh_approximation_is_close_to_exact_gelu():
    x = np.linspace(-6, 6, 1201)
    error = np.max(np.abs(gelu(x) - gelu_tanh(x)))
    assert 1e-5 < error < 1e-3  # close, but not the same function


# --- softmax --------------------------------------------------------------------------


@st.composite
def array_and_axis(draw, bound=50.0):
    x = draw(
        arrays(
            np.float64,
            array_shapes(min_dims=1, max_dims=3, max_side=6),
            elements=st.floats(-bound, bound),
        )
    )
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, axis


@settings(max_examples=50, deadline=None)
@given(array_and_axis())
def test_softmax_matches_torch_along_any_axis(data):
    z, axis = data
    np.testing.assert_allclose(
        softmax(z, axis),
        F.softmax(torch.tensor(z), dim=axis).numpy(),
        rtol=1e-10,
        atol=1e-15,
    )


@settings(max_examples=40, deadline=None)
@given(array_and_axis(bound=1e4))
def test_softmax_of_extreme_inputs_is_finite_and_sums_to_one(data):
    z, axis = data
    with strict_floating_point():
        s = softmax(z, axis)
    assert np.isfinite(s).all() and np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        s, F.softmax(torch.tensor(z), dim=axis).numpy(), rtol=1e-10, atol=1e-15
    )


def test_softmax_is_shift_invariant_and_handles_huge_logits():
    z = np.array([1000.0, 1001.0, 1002.0])
    np.testing.assert_allclose(softmax(z), softmax(z - 1000.0), rtol=1e-15)
    np.testing.assert_allclose(softmax([-1e4, 0.0, 1e4]), [0.0, 0.0, 1.0])


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-20, 20)))
def test_softmax_jacobian_matches_torch_autograd(z):
    expected = torch.autograd.functional.jacobian(
        lambda t: F.softmax(t, dim=0), torch.tensor(z)
    )
    np.testing.assert_allclose(
        softmax_jacobian(z), expected.numpy(), rtol=1e-10, atol=1e-14
    )


@settings(max_examples=40, deadline=None)
@given(array_and_axis(bound=30.0), st.randoms(use_true_random=False))
def test_softmax_vjp_matches_torch_backward(data, random):
    z, axis = data
    upstream = np.random.default_rng(random.randint(0, 2**32 - 1)).normal(size=z.shape)
    t = torch.tensor(z, requires_grad=True)
    F.softmax(t, dim=axis).backward(torch.tensor(upstream))
    np.testing.assert_allclose(
        softmax_vjp(z, upstream, axis), t.grad.numpy(), rtol=1e-9, atol=1e-13
    )


def test_vjp_equals_upstream_times_jacobian():
    z, g = np.array([0.5, -1.0, 2.0, 0.0]), np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(softmax_vjp(z, g), g @ softmax_jacobian(z), rtol=1e-12)


# --- saturation and dead units --------------------------------------------------------


def test_saturated_fraction_counts_small_slopes():
    z = np.array([-10.0, -1.0, 0.0, 1.0, 10.0])
    assert saturated_fraction(sigmoid_derivative, z) == pytest.approx(
        2 / 5
    )  # sigma'(10) ~ 4.5e-5
    assert saturated_fraction(relu_derivative, z) == pytest.approx(
        3 / 5
    )  # ReLU's slope is 0 for z <= 0


@st.composite
def sigmoid_chains(draw):
    """K weights and biases of a chain of one-unit sigmoid layers, and its input."""
    depth = draw(st.integers(1, 12))
    numbers = arrays(np.float64, depth, elements=st.floats(-10, 10))
    return draw(numbers), draw(numbers), draw(st.floats(-5, 5))


@settings(max_examples=60, deadline=None)
@given(sigmoid_chains())
def test_sigmoid_chain_gradient_matches_torch_autograd(chain):
    weights, biases, x = chain
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    h, slopes = t, torch.tensor(1.0, dtype=torch.float64)
    for w, b in zip(weights, biases):
        h = torch.sigmoid(w * h + b)
        slopes = slopes * h * (1 - h)  # sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    h.backward()
    ours_slopes, ours_gradient = sigmoid_chain_gradient(weights, biases, x)
    assert ours_gradient == pytest.approx(t.grad.item(), rel=1e-9, abs=1e-300)
    assert ours_slopes == pytest.approx(slopes.item(), rel=1e-9, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(sigmoid_chains())
def test_only_the_slopes_are_bounded_by_4_to_the_minus_k(chain):
    """The slopes' product is at most 4^-K; the gradient is it times the weights."""
    weights, biases, x = chain
    slopes, gradient = sigmoid_chain_gradient(weights, biases, x)
    assert 0 <= slopes <= 4.0 ** -len(weights)
    assert gradient == pytest.approx(slopes * np.prod(weights), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("depth", [1, 5, 20])
def test_large_weights_make_the_gradient_grow_though_every_slope_is_a_quarter(depth):
    """With w = 8, b = -4 and h_0 = 1/2, every z_k = 0 and h_k = 1/2: each layer
    multiplies the gradient by w sigmoid'(0) = 8 / 4 = 2."""
    slopes, gradient = sigmoid_chain_gradient([8.0] * depth, [-4.0] * depth, x=0.5)
    assert slopes == 4.0**-depth
    assert gradient == 2.0**depth
    slopes, gradient = sigmoid_chain_gradient([1.0] * depth, [-0.5] * depth, x=0.5)
    assert gradient == slopes == 4.0**-depth  # weights 1: the slopes are everything


def test_dead_unit_fraction_against_torch():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(50, 40)) - np.linspace(
        -1, 4, 40
    )  # units further right are pushed negative
    t = torch.tensor(z, requires_grad=True)
    F.relu(t).sum().backward()
    never_gets_gradient = (t.grad == 0).all(dim=0).numpy()
    assert dead_unit_fraction(z) == pytest.approx(never_gets_gradient.mean())
    assert 0 < dead_unit_fraction(z) < 1


# --- bad input ------------------------------------------------------------------------


def test_bad_inputs_raise_errors_naming_the_argument():
    with pytest.raises(ValueError, match="x must not contain NaN"):
        gelu([0.0, np.nan])
    with pytest.raises(ValueError, match="x must not be empty"):
        elu([])
    with pytest.raises(ValueError, match="x must be finite"):
        gelu([-np.inf])
    with pytest.raises(ValueError, match="z must be finite"):
        softmax([np.inf, 0.0])
    with pytest.raises(ValueError, match="z must not contain NaN"):
        softmax([np.nan, 0.0])
    with pytest.raises(ValueError, match="z must not be empty"):
        softmax(np.array([]))
    with pytest.raises(ValueError, match="alpha"):
        elu([1.0], alpha=0.0)
    with pytest.raises(ValueError, match="axis"):
        softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis"):
        softmax(np.ones((2, 3)), axis=1.0)
    with pytest.raises(ValueError, match="z must have at least one axis"):
        softmax(3.0)
    with pytest.raises(ValueError, match="z must be 1-D"):
        softmax_jacobian(np.ones((2, 2)))
    with pytest.raises(ValueError, match="z and upstream must have the same shape"):
        softmax_vjp(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="pre_activations must be 2-D"):
        dead_unit_fraction(np.ones(3))
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        elu("1.0")
    with pytest.raises(ValueError, match="weights and biases must have the same shape"):
        sigmoid_chain_gradient([1.0, 2.0], [0.0], x=0.5)
    with pytest.raises(ValueError, match="weights must be 1-D"):
        sigmoid_chain_gradient([[1.0, 2.0]], [0.0, 0.0], x=0.5)
    with pytest.raises(ValueError, match="x must be finite"):
        sigmoid_chain_gradient([1.0], [0.0], x=np.inf)
    with pytest.raises(ValueError, match="biases must not contain NaN"):
        sigmoid_chain_gradient([1.0], [np.nan], x=0.5)
