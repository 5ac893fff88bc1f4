"""Derivatives: analytic derivatives, Jacobians and vector-Jacobian products against
central differences and torch.autograd."""

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
    directional_derivative,
    finite_difference_errors,
    forward_difference,
    gradient_check,
    leaky_relu_derivative,
    numerical_gradient,
    numerical_jacobian,
    relu_derivative,
    sigmoid_derivative,
    silu,
    silu_derivative,
    square_derivative,
    tanh_derivative,
    tanh_layer,
    tanh_layer_jacobian,
    tanh_layer_vjp,
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


# --- Jacobians and vector-Jacobian products -------------------------------------------


@st.composite
def layers(draw, max_width=5):
    """A tanh layer (x, W, b) of random widths, weights and input, and a vector v with
    one entry per output."""
    d_in, d_out = draw(st.integers(1, max_width)), draw(st.integers(1, max_width))
    values = st.floats(-2, 2, width=64)
    x = draw(arrays(np.float64, d_in, elements=values))
    W = draw(arrays(np.float64, (d_out, d_in), elements=values))
    b = draw(arrays(np.float64, d_out, elements=values))
    v = draw(arrays(np.float64, d_out, elements=values))
    return x, W, b, v


def torch_tanh_layer(W, b):
    W, b = torch.tensor(W), torch.tensor(b)
    return lambda x: torch.tanh(W @ x + b)


@settings(max_examples=50, deadline=None)
@given(layer=layers())
def test_layer_jacobians_match_torch_jacobian(layer):
    x, W, b, _ = layer
    expected = torch.autograd.functional.jacobian(
        torch_tanh_layer(W, b), torch.tensor(x)
    ).numpy()
    assert expected.shape == (len(b), len(x))
    np.testing.assert_allclose(
        tanh_layer_jacobian(x, W, b), expected, rtol=1e-10, atol=1e-13
    )
    numerical = numerical_jacobian(lambda p: tanh_layer(p, W, b), x)
    np.testing.assert_allclose(numerical, expected, atol=1e-8)


@settings(max_examples=50, deadline=None)
@given(layer=layers())
def test_directional_derivative_is_the_jacobian_times_the_direction(layer):
    x, W, b, _ = layer
    direction = np.linspace(-1.0, 1.0, len(x))
    _, expected = torch.autograd.functional.jvp(
        torch_tanh_layer(W, b), torch.tensor(x), torch.tensor(direction)
    )
    numerical = directional_derivative(lambda p: tanh_layer(p, W, b), x, direction)
    np.testing.assert_allclose(numerical, expected.numpy(), atol=1e-8)


def test_jacobian_of_a_linear_map_is_its_matrix():
    W = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    np.testing.assert_allclose(
        numerical_jacobian(lambda x: W @ x, np.array([0.3, -7.0, 2.0])), W, atol=1e-9
    )


def test_jacobian_of_a_scalar_function_is_the_gradient_as_a_row():
    point = np.array([0.5, -1.0])
    jacobian = numerical_jacobian(bowl, point)
    assert jacobian.shape == (1, 2)
    np.testing.assert_allclose(jacobian[0], bowl_gradient(point), atol=1e-8)
    np.testing.assert_allclose(jacobian[0], numerical_gradient(bowl, point))


@settings(max_examples=50, deadline=None)
@given(layer=layers())
def test_vjp_matches_autograd_and_the_jacobian(layer):
    x, W, b, v = layer
    t = torch.tensor(x, requires_grad=True)
    (expected,) = torch.autograd.grad(
        torch_tanh_layer(W, b)(t), t, grad_outputs=torch.tensor(v)
    )
    vjp = tanh_layer_vjp(v, x, W, b)
    np.testing.assert_allclose(vjp, expected.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(vjp, v @ tanh_layer_jacobian(x, W, b), atol=1e-14)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**16))
def test_vjps_from_the_output_side_give_the_gradient_of_a_chain(d0, d1, d2, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=d0)
    W1, b1 = rng.normal(size=(d1, d0)), rng.normal(size=d1)
    W2, b2 = rng.normal(size=(d2, d1)), rng.normal(size=d2)
    v = rng.normal(size=d2)
    h1 = tanh_layer(x, W1, b1)
    gradient = tanh_layer_vjp(tanh_layer_vjp(v, h1, W2, b2), x, W1, b1)
    t = torch.tensor(x, requires_grad=True)
    output = torch_tanh_layer(W2, b2)(torch_tanh_layer(W1, b1)(t))
    (expected,) = torch.autograd.grad(output, t, grad_outputs=torch.tensor(v))
    np.testing.assert_allclose(gradient, expected.numpy(), rtol=1e-11, atol=1e-14)
    # the chain rule: the Jacobian of the chain is the product of the Jacobians
    jacobian = tanh_layer_jacobian(h1, W2, b2) @ tanh_layer_jacobian(x, W1, b1)
    np.testing.assert_allclose(gradient, v @ jacobian, rtol=1e-11, atol=1e-14)


@settings(max_examples=40, deadline=None)
@given(x=inputs)
def test_silu_and_its_two_path_derivative_match_torch(x):
    t = torch.tensor(x, requires_grad=True)
    y = torch.nn.functional.silu(t)
    y.sum().backward()
    np.testing.assert_allclose(silu(x), y.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        silu_derivative(x), t.grad.numpy(), rtol=1e-12, atol=1e-15
    )


def test_two_paths_worked_example():
    # the page's numbers at x = 2: 0.881 through u plus 0.210 through v
    through_u, through_v = sigmoid(2.0), 2.0 * sigmoid_derivative(2.0)
    np.testing.assert_allclose([through_u, through_v], [0.8808, 0.2100], atol=5e-5)
    np.testing.assert_allclose(silu_derivative(2.0), 1.0908, atol=5e-5)
    np.testing.assert_allclose(central_difference(silu, 2.0), 1.0908, atol=5e-5)
    # one path alone is wrong
    assert abs(silu_derivative(2.0) - through_u) > 0.2


def test_hessian_is_the_jacobian_of_the_gradient():
    point = np.array([-0.5, 0.0])
    hessian = numerical_jacobian(bowl_gradient, point)
    t = torch.tensor(point)
    expected = torch.autograd.functional.hessian(
        lambda p: p[0] ** 2 + 2 * p[1] ** 2 + p[0] * p[1] / 2 + torch.sin(2 * p[0]), t
    ).numpy()
    np.testing.assert_allclose(hessian, expected, atol=1e-8)
    # the page's numbers: 2 + 4 sin(1) on the diagonal, curvatures 3.84 and 5.53
    np.testing.assert_allclose(hessian[0, 0], 2 + 4 * np.sin(1.0), atol=1e-8)
    np.testing.assert_allclose(np.linalg.eigvalsh(hessian), [3.84, 5.53], atol=5e-3)


@pytest.mark.parametrize("factor, converges", [(0.99, True), (1.01, False)])
def test_gradient_descent_on_a_quadratic_needs_a_step_below_two_over_mu_max(
    factor, converges
):
    hessian = numerical_jacobian(bowl_gradient, np.array([-0.5, 0.0]))
    lr = factor * 2 / np.linalg.eigvalsh(hessian).max()
    phi = np.array([1.0, 1.0])  # minimum of 0.5 phi^T H phi at 0, gradient H phi
    for _ in range(2000):
        phi = phi - lr * hessian @ phi
    assert (np.linalg.norm(phi) < 1e-3) == converges


def test_bad_jacobian_inputs_name_the_argument():
    W, b = np.ones((2, 3)), np.zeros(2)
    with pytest.raises(ValueError, match="point must be 1-D"):
        numerical_jacobian(np.sin, np.ones((2, 2)))
    with pytest.raises(ValueError, match="point and direction must have the same"):
        directional_derivative(np.sin, [1.0, 2.0], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"W must have shape \(len\(b\), len\(x\)\)"):
        tanh_layer(np.ones(4), W, b)
    with pytest.raises(ValueError, match="W must have shape"):
        tanh_layer_jacobian(np.ones(3), W, np.zeros(3))
    with pytest.raises(ValueError, match="v must have one entry per output"):
        tanh_layer_vjp(np.ones(3), np.ones(3), W, b)
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_jacobian(np.sin, [1.0], 0.0)
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_jacobian(None, [1.0])
