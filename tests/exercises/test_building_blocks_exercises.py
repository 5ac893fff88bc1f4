"""Part II's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake."""

import numpy as np
import pytest

from conftest import hint_for
from dlfoundations.exercises import check


def sigmoid(x):
    """The two-branch sigmoid, which never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax_rows(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- neurons ------------------------------------------------------------------------


def neuron_gradient_summed(x, y, weights, bias):
    error = sigmoid(x @ weights + bias) - y
    return error @ x, error.sum()


def neuron_gradient_through_the_slope(x, y, weights, bias):
    p = sigmoid(x @ weights + bias)
    error = (p - y) * p * (1 - p)
    return x.T @ error / len(y), error.mean()


def neuron_gradient_with_a_step(x, y, weights, bias):
    error = ((x @ weights + bias) > 0) - y
    return x.T @ error / len(y), error.mean()


def neuron_gradient_upside_down(x, y, weights, bias):
    error = y - sigmoid(x @ weights + bias)
    return x.T @ error / len(y), error.mean()


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (neuron_gradient_summed, "a missing 1/N"),
        (neuron_gradient_through_the_slope, "the sigmoid's slope p (1 - p)"),
        (neuron_gradient_with_a_step, "the step function in place of the sigmoid"),
        (neuron_gradient_upside_down, "a flipped sign"),
    ],
)
def test_logistic_neuron_gradient_mistakes(candidate, hint):
    assert hint_for("logistic-neuron-gradient", candidate).startswith(hint)


# --- activations --------------------------------------------------------------------


def silu_derivative_first_factor_only(x):
    return sigmoid(x)


def silu_derivative_second_term_only(x):
    s = sigmoid(x)
    return x * s * (1 - s)


def silu_derivative_with_sigmoid_for_slope(x):
    return sigmoid(x) * (1 + x)


def silu_derivative_naive(x):
    s = 1 / (1 + np.exp(-x))
    return s + x * np.exp(-x) / (1 + np.exp(-x)) ** 2


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (silu_derivative_first_factor_only, "the product rule: the term x sigmoid'"),
        (silu_derivative_second_term_only, "the product rule: x sigmoid(x) has"),
        (silu_derivative_with_sigmoid_for_slope, "sigmoid(x) used where"),
        (silu_derivative_naive, "an overflow"),
    ],
)
def test_silu_derivative_mistakes(candidate, hint):
    assert hint_for("silu-derivative", candidate).startswith(hint)


# --- losses -------------------------------------------------------------------------


def soft_gradient_summed(logits, targets):
    return softmax_rows(logits) - targets


def soft_gradient_over_entries(logits, targets):
    return (softmax_rows(logits) - targets) / logits.size


def soft_gradient_over_examples_axis(logits, targets):
    return (softmax_rows(logits, axis=0) - targets) / logits.shape[0]


def soft_gradient_without_max(logits, targets):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - targets) / len(logits)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (soft_gradient_summed, "a missing 1/N"),
        (soft_gradient_over_entries, "divided by N C"),
        (soft_gradient_over_examples_axis, "the softmax taken over the examples"),
        (soft_gradient_without_max, "an overflow"),
    ],
)
def test_soft_cross_entropy_gradient_mistakes(candidate, hint):
    assert hint_for("soft-cross-entropy-gradient", candidate).startswith(hint)


# --- feedforward --------------------------------------------------------------------


def slope_without_inner_derivative(x, w, b, v):
    on = (x[:, None] * w + b) > 0
    return on @ v


def slope_with_relu_for_its_derivative(x, w, b, v):
    return np.maximum(x[:, None] * w + b, 0) @ (v * w)


def slope_of_every_unit(x, w, b, v):
    return np.ones_like(x) * (v @ w)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (slope_without_inner_derivative, "the inner derivative w_j is missing"),
        (slope_with_relu_for_its_derivative, "relu(z) used where its derivative"),
        (slope_of_every_unit, "every unit counted as on"),
    ],
)
def test_shallow_relu_slope_mistakes(candidate, hint):
    assert hint_for("shallow-relu-slope", candidate).startswith(hint)


# --- metrics ------------------------------------------------------------------------


def confusion(y_true, y_pred):
    n = max(y_true.max(), y_pred.max()) + 1
    matrix = np.zeros((n, n))
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix


def balanced_accuracy_as_accuracy(y_true, y_pred):
    return np.mean(y_true == y_pred)


def balanced_accuracy_by_columns(y_true, y_pred):
    matrix = confusion(y_true, y_pred)
    predicted = matrix.sum(axis=0)
    return np.mean(np.diag(matrix) / np.where(predicted > 0, predicted, 1))


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (balanced_accuracy_as_accuracy, "the plain accuracy"),
        (balanced_accuracy_by_columns, "the mean precision"),
    ],
)
def test_balanced_accuracy_mistakes(candidate, hint):
    assert hint_for("balanced-accuracy", candidate).startswith(hint)


# --- a reader's correct answers -----------------------------------------------------


def test_a_readers_correct_answers_pass():
    def logistic_neuron_gradient(x, y, weights, bias):
        p = sigmoid(x @ weights + bias)
        return x.T @ (p - y) / len(y), np.mean(p - y)

    def silu_derivative(x):
        s = sigmoid(x)
        return s * (1 + x * (1 - s))

    def soft_cross_entropy_gradient(logits, targets):
        return (softmax_rows(logits) - targets) / logits.shape[0]

    def shallow_relu_slope(x, w, b, v):
        slopes = np.zeros_like(x)
        for wj, bj, vj in zip(w, b, v):
            slopes += np.where(wj * x + bj > 0, vj * wj, 0.0)
        return slopes

    def balanced_accuracy(y_true, y_pred):
        classes = np.unique(y_true)
        return np.mean([np.mean(y_pred[y_true == c] == c) for c in classes])

    check("logistic-neuron-gradient", logistic_neuron_gradient)
    check("silu-derivative", silu_derivative)
    check("soft-cross-entropy-gradient", soft_cross_entropy_gradient)
    check("shallow-relu-slope", shallow_relu_slope)
    check("balanced-accuracy", balanced_accuracy)
