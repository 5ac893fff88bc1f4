"""Derivatives: analytic derivatives against central differences and torch.autograd."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlfoundations.foundations.derivatives import (
    bowl,
    bowl_gradient,
    central_difference,
    chain_rule,
    finite_difference_errors,
    forward_difference,
    gradient_check,
    leaky_relu_derivative,
    numerical_gradient,
    relu_derivative,
    sigmoid_derivative,
    square_derivative,
    tanh_derivative,
)
from dlfoundations.foundations.functions import leaky_relu, relu, sigmoid, square, tanh

# (function, its analytic derivative, the same function in torch)
CASES = {
    "square": (square, square_derivative, lambda t: t * t),
    "relu": (relu, relu_derivative, torch.relu),
    "leaky_relu": (
        lambda x: leaky_relu(x, 0.1),
        lambda x: leaky_relu_derivative(x, 0.1),
        lambda t: torch.nn.functional.leaky_relu(t, 0.1),
    ),
    "sigmoid": (sigmoid, sigmoid_derivative, torch.sigmoid),
    "tanh": (tanh, tanh_derivative, torch.tanh),
}
inputs = arrays(
    np.float64,
    array_shapes(max_dims=2, max_side=8),
    elements=st.floats(-6, 6, width=64),
)


def autograd_derivative(torch_function, x: np.ndarray) -> np.ndarray:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch_function(t).sum().backward()
    return t.grad.numpy()


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=40, deadline=None)
@given(x=inputs)
def test_analytic_derivative_matches_autograd(name, x):
    _, derivative, torch_function = CASES[name]
    np.testing.assert_allclose(
        derivative(x), autograd_derivative(torch_function, x), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=40, deadline=None)
@given(x=inputs)
def test_analytic_derivative_matches_central_difference(name, x):
    function, derivative, _ = CASES[name]
    x = x[np.abs(x) > 1e-3]  # ReLU-like functions have a kink at 0
    if x.size == 0:
        return
    np.testing.assert_allclose(
        central_difference(function, x, 1e-6), derivative(x), rtol=1e-6, atol=1e-8
    )


def test_central_difference_error_falls_as_h_squared_until_round_off():
    steps = np.logspace(-1, -4, 4)  # truncation regime
    forward, central = finite_difference_errors(np.sin, np.cos, 1.0, steps)
    central_slopes = np.diff(np.log10(central)) / np.diff(np.log10(steps))
    forward_slopes = np.diff(np.log10(forward)) / np.diff(np.log10(steps))
    np.testing.assert_allclose(central_slopes, 2.0, atol=0.05)
    np.testing.assert_allclose(forward_slopes, 1.0, atol=0.05)
    # the truncation term h^2/6 |f'''(1)| = h^2/6 cos(1) is the leading error
    np.testing.assert_allclose(central, steps**2 / 6 * np.cos(1.0), rtol=1e-2)
    # far below the optimum (~1e-5) round-off takes over: the error grows again as h
    # shrinks
    tiny = np.logspace(-9, -13, 5)
    _, central_tiny = finite_difference_errors(np.sin, np.cos, 1.0, tiny)
    assert central_tiny[-1] > 100 * central.min()
    assert central_tiny[-1] > central_tiny[0]


def test_forward_difference_is_first_order():
    errors = [abs(forward_difference(np.exp, 0.0, h) - 1.0) for h in (1e-2, 1e-3)]
    assert 8 < errors[0] / errors[1] < 12


@settings(max_examples=40, deadline=None)
@given(x=arrays(np.float64, st.integers(1, 10), elements=st.floats(-3, 3, width=64)))
def test_chain_rule_matches_autograd(x):
    derivative = chain_rule(sigmoid_derivative, square, square_derivative)
    expected = autograd_derivative(lambda t: torch.sigmoid(t * t), x)
    np.testing.assert_allclose(derivative(x), expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2))
def test_gradient_of_bowl_matches_autograd_and_central_differences(x, y):
    point = np.array([x, y])
    t = torch.tensor(point, requires_grad=True)
    value = t[0] ** 2 + 2 * t[1] ** 2 + t[0] * t[1] / 2 + torch.sin(2 * t[0])
    value.backward()
    np.testing.assert_allclose(bowl(point), value.item(), rtol=1e-12)
    np.testing.assert_allclose(
        bowl_gradient(point), t.grad.numpy(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        numerical_gradient(bowl, point), t.grad.numpy(), atol=1e-7
    )


def test_gradient_check_detects_a_wrong_derivative():
    x = np.linspace(-2, 2, 9)
    assert gradient_check(sigmoid, sigmoid_derivative, x) < 1e-9
    assert gradient_check(sigmoid, tanh_derivative, x) > 0.1


@pytest.mark.parametrize("bad_h", [0.0, -1e-3])
def test_non_positive_step_is_rejected(bad_h):
    for method in (forward_difference, central_difference):
        with pytest.raises(ValueError, match="h must be positive"):
            method(np.sin, 1.0, bad_h)
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_gradient(bowl, [0.0, 0.0], bad_h)
    with pytest.raises(ValueError, match="step_sizes must all be positive"):
        finite_difference_errors(np.sin, np.cos, 1.0, [1e-3, bad_h])


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="h must be a real number"):
        central_difference(np.sin, 1.0, "small")
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        central_difference(np.sin, "one")
    with pytest.raises(TypeError, match="f must be callable"):
        central_difference(3.0, 1.0)
    with pytest.raises(ValueError, match="point must hold two coordinates"):
        bowl([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"df\(x\) must have the shape"):
        gradient_check(np.sin, lambda x: np.cos(x)[:-1], np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="g_prime must be callable"):
        chain_rule(np.cos, np.sin, None)
    with pytest.raises(ValueError, match="point must be finite"):
        numerical_gradient(bowl, [np.inf, 0.0])
