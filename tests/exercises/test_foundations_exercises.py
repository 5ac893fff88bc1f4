"""Part I's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake."""

import numpy as np
import pytest

from conftest import hint_for
from dlfoundations.exercises import ExerciseFailed, check


def naive_tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tanh_with_unscaled_argument(x):
    return 2 * sigmoid(x) - 1


def tanh_without_factor_two(x):
    return sigmoid(2 * x) - 1


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (tanh_with_unscaled_argument, "the argument of the sigmoid must be 2x"),
        (tanh_without_factor_two, "the factor 2 in front"),
        (naive_tanh, "an overflow"),
    ],
)
def test_tanh_from_sigmoid_mistakes(candidate, hint):
    assert hint_for("tanh-from-sigmoid", candidate).startswith(hint)


def second_difference_over_h(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / h


def second_difference_over_2h_squared(f, x, h=1e-4):
    return (f(x + h) + f(x - h) - 2 * f(x)) / (4 * h * h)


def second_difference_forward(f, x, h=1e-4):
    return (f(x) - 2 * f(x + h) + f(x + 2 * h)) / (h * h)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (second_difference_over_h, "the denominator: the second difference is"),
        (second_difference_over_2h_squared, "the denominator: divide by h^2, not"),
        (second_difference_forward, "a one-sided stencil"),
    ],
)
def test_second_difference_mistakes(candidate, hint):
    assert hint_for("second-difference", candidate).startswith(hint)


def vjp_without_derivative(v, x, W, b):
    return W.T @ v


def vjp_with_sigmoid_for_its_derivative(v, x, W, b):
    return W.T @ (v * sigmoid(W @ x + b))


def jacobian_vector_product(v, x, W, b):
    s = sigmoid(W @ x + b)
    return W @ (v * s * (1 - s))


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (vjp_without_derivative, "the derivative of the sigmoid is missing"),
        (vjp_with_sigmoid_for_its_derivative, "sigmoid(z) used where"),
    ],
)
def test_sigmoid_layer_vjp_mistakes(candidate, hint):
    assert hint_for("sigmoid-layer-vjp", candidate).startswith(hint)


def test_a_jacobian_vector_product_fails_on_a_non_square_layer():
    with pytest.raises(ExerciseFailed, match="your function raised ValueError"):
        check("sigmoid-layer-vjp", jacobian_vector_product)


def test_a_readers_correct_answers_pass():
    def second_difference(f, x, h=1e-4):
        return (f(x + h) + f(x - h) - 2 * f(x)) / (h * h)

    def sigmoid_layer_vjp(v, x, W, b):
        s = sigmoid(W @ x + b)
        return W.T @ (v * s * (1 - s))

    check("second-difference", second_difference)
    check("sigmoid-layer-vjp", sigmoid_layer_vjp)
