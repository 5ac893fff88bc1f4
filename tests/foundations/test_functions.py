"""Functions: the elementwise functions, checked against PyTorch and by their defining
properties."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlfoundations.foundations.functions import (
    compose,
    leaky_relu,
    relu,
    sigmoid,
    square,
    tanh,
)

finite = st.floats(-1e4, 1e4, allow_nan=False, width=64)
float_arrays = arrays(np.float64, array_shapes(max_dims=3, max_side=6), elements=finite)

EPS = np.finfo(np.float64).eps  # 2.2e-16: one ulp (unit in the last place) near 1
SUBNORMAL = np.finfo(np.float64).smallest_subnormal  # 5e-324: the ulp of tiny numbers
# every float64 but NaN (which the functions refuse): subnormals, -0.0, 1e308 and +-inf
any_float = st.floats(allow_nan=False, allow_infinity=True, allow_subnormal=True)


@settings(max_examples=60, deadline=None)
@given(float_arrays)
def test_functions_match_torch(x):
    t = torch.from_numpy(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings, even at |x| = 1e4
        np.testing.assert_allclose(square(x), (t * t).numpy(), rtol=1e-12)
        np.testing.assert_array_equal(relu(x), torch.relu(t).numpy())
        np.testing.assert_allclose(
            leaky_relu(x, 0.2),
            torch.nn.functional.leaky_relu(t, 0.2).numpy(),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            sigmoid(x), torch.sigmoid(t).numpy(), rtol=1e-12, atol=1e-300
        )
        np.testing.assert_allclose(
            tanh(x), torch.tanh(t).numpy(), rtol=1e-9, atol=1e-15
        )


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, array_shapes(max_dims=2, max_side=8), elements=any_float))
@example(np.array([1e-12]))  # 2 sigmoid(2x) - 1 gave 1.0000889e-12
@example(np.array([5e-324, -5e-324, 1e-300]))  # ... and 0 for these
@example(np.array([0.0, -0.0]))
@example(np.array([np.inf, -np.inf, 1e308, -1.7976931348623157e308]))
def test_tanh_is_within_a_few_ulps_of_torch_for_every_float(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings, even at |x| = 1e308
        ours = tanh(x)
    reference = torch.tanh(torch.from_numpy(x)).numpy()
    # relative error at most 4 eps (2 to 4 ulps), or 4 * 5e-324 for subnormal results
    np.testing.assert_allclose(ours, reference, rtol=4 * EPS, atol=4 * SUBNORMAL)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(x))  # tanh(-0.0) = -0.0


def test_tanh_keeps_tiny_inputs_and_the_sign_of_zero():
    assert tanh(1e-12) == 1e-12  # tanh(x) = x - x^3/3 + ... rounds to x for tiny x
    assert tanh(5e-324) == 5e-324  # the smallest subnormal number
    assert tanh(-0.0) == 0.0 and np.signbit(tanh(-0.0))
    saturated = tanh([np.inf, -np.inf, 1e308, 20.0])
    np.testing.assert_array_equal(saturated, [1.0, -1.0, 1.0, 1.0])


@settings(max_examples=60, deadline=None)
@given(float_arrays)
def test_sigmoid_symmetry_and_range(x):
    s = sigmoid(x)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sigmoid(-x), 1 - s, atol=1e-15)


def test_leaky_relu_default_slope_is_torchs():
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    np.testing.assert_allclose(
        leaky_relu(x), torch.nn.functional.leaky_relu(torch.from_numpy(x)).numpy()
    )


def test_functions_accept_scalars_and_lists():
    assert square(3) == 9.0
    np.testing.assert_array_equal(relu([-1, 2]), [0.0, 2.0])


def test_compose_applies_left_to_right():
    h = compose(square, sigmoid)
    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(h(x), sigmoid(square(x)))
    assert compose(relu)(-1.0) == 0.0


@pytest.mark.parametrize("function", [square, relu, leaky_relu, sigmoid, tanh])
def test_non_numeric_input_names_the_argument(function):
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        function("abc")
    with pytest.raises(ValueError, match="x must not contain NaN"):
        function([1.0, np.nan])
    with pytest.raises(ValueError, match="x must not be empty"):
        function([])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="negative_slope"):
        leaky_relu([1.0], negative_slope=-0.1)
    with pytest.raises(TypeError, match="negative_slope"):
        leaky_relu([1.0], negative_slope="0.1")
    with pytest.raises(ValueError, match="functions"):
        compose()
    with pytest.raises(TypeError, match=r"functions\[1\]"):
        compose(square, 3)
