"""Part V's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake."""

import math

import numpy as np
import pytest
import torch

from conftest import hint_for
from dlfoundations.exercises import ExerciseFailed, check, generalization


# --- measuring performance ----------------------------------------------------------


def log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def mean_loss(logits, y):
    return -np.mean(log_softmax(logits)[np.arange(len(y)), y])


def loss_and_accuracy(logits, y):
    return mean_loss(logits, y), np.mean(logits.argmax(axis=1) == y)


def summed_loss_and_error(logits, y):
    loss = -np.sum(log_softmax(logits)[np.arange(len(y)), y])
    return loss, np.mean(logits.argmax(axis=1) != y)


def loss_and_error_with_argmin(logits, y):
    return mean_loss(logits, y), np.mean(logits.argmin(axis=1) != y)


def loss_and_error_without_max(logits, y):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y])), np.mean(logits.argmax(1) != y)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (loss_and_accuracy, "the accuracy where the error rate belongs"),
        (summed_loss_and_error, "a missing 1/N"),
        (loss_and_error_with_argmin, "the class with the smallest logit"),
        (loss_and_error_without_max, "an overflow"),
    ],
)
def test_loss_and_error_of_logits_mistakes(candidate, hint):
    assert hint_for("loss-and-error-of-logits", candidate).startswith(hint)


# --- bias and variance --------------------------------------------------------------


def bias_variance_unbiased(predictions, mu_test):
    mean = predictions.mean(axis=0)
    return (mean - mu_test) ** 2, predictions.std(axis=0, ddof=1) ** 2


def bias_variance_signed(predictions, mu_test):
    mean = np.mean(predictions, axis=0)
    return mean - mu_test, np.mean((predictions - mean) ** 2, axis=0)


def bias_as_mean_squared_error(predictions, mu_test):
    bias_squared = ((predictions - mu_test) ** 2).mean(axis=0)
    return bias_squared, predictions.var(axis=0)


def bias_variance_by_moments(predictions, mu_test):
    mean = predictions.mean(axis=0)
    return (mean - mu_test) ** 2, (predictions**2).mean(axis=0) - mean**2


def bias_variance_over_the_wrong_axis(predictions, mu_test):
    mean = predictions.mean(axis=1)
    return (mean - mu_test.mean()) ** 2, predictions.var(axis=1)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (bias_variance_unbiased, "the variance divides by S - 1"),
        (bias_variance_signed, "the bias is not squared"),
        (bias_as_mean_squared_error, "that bias^2 is the mean squared distance"),
        (bias_variance_by_moments, "the variance as mean(f^2) - mean(f)^2"),
        (bias_variance_over_the_wrong_axis, "the shape: it returned shape"),
    ],
)
def test_pointwise_bias_variance_mistakes(candidate, hint):
    assert hint_for("pointwise-bias-variance", candidate).startswith(hint)


# --- double descent -----------------------------------------------------------------


def width_without_biases(n_train, n_in, n_out):
    width = 1
    while n_in * width + width * width + width * n_out < n_train:
        width += 1
    return width


def width_rounded_down(n_train, n_in, n_out):
    # D^2 + (n_in + n_out + 2) D + n_out = N, solved and rounded down
    a = n_in + n_out + 2
    return max(1, math.floor((-a + math.sqrt(a * a - 4 * (n_out - n_train))) / 2))


def width_of_one_hidden_layer(n_train, n_in, n_out):
    width = 1
    while (n_in + 1) * width + (width + 1) * n_out < n_train:
        width += 1
    return width


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (width_without_biases, "the biases are left out"),
        (width_rounded_down, "the width just below the threshold"),
        (width_of_one_hidden_layer, "one hidden layer"),
    ],
)
def test_threshold_width_mistakes(candidate, hint):
    assert hint_for("threshold-width", candidate).startswith(hint)


# --- high-dimensional spaces --------------------------------------------------------


def volume_with_radius_for_segment(dimension, radius=0.5):
    if dimension == 1:
        return radius
    if dimension == 2:
        return math.pi * radius**2
    return (
        2
        * math.pi
        * radius**2
        / dimension
        * volume_with_radius_for_segment(dimension - 2, radius)
    )


def volume_with_unsquared_radius(dimension, radius=0.5):
    volume = 2 * radius if dimension % 2 else math.pi * radius**2
    for d in range(3 if dimension % 2 else 4, dimension + 1, 2):
        volume *= 2 * math.pi * radius / d
    return volume


def volume_dividing_by_d_minus_two(dimension, radius=0.5):
    volume = 2 * radius if dimension % 2 else math.pi * radius**2
    for d in range(3 if dimension % 2 else 4, dimension + 1, 2):
        volume *= 2 * math.pi * radius**2 / (d - 2)
    return volume


def volume_from_gamma(dimension, radius=0.5):
    return (
        math.pi ** (dimension / 2) * radius**dimension / math.gamma(dimension / 2 + 1)
    )


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (volume_with_radius_for_segment, "the one-dimensional ball is a segment"),
        (volume_with_unsquared_radius, "the factor is 2 pi r^2 / D"),
        (volume_dividing_by_d_minus_two, "the factor divides by D"),
    ],
)
def test_ball_volume_recursion_mistakes(candidate, hint):
    assert hint_for("ball-volume-recursion", candidate).startswith(hint)


def test_the_solution_shown_passes():
    check("ball-volume-recursion", generalization.ball_volume_recursion)


def test_the_gamma_formula_fails_where_gamma_overflows():
    with pytest.raises(ExerciseFailed, match="raised OverflowError"):
        check("ball-volume-recursion", volume_from_gamma)


# --- regularization -----------------------------------------------------------------


def dropout_backward_unscaled(grad_out, keep, p):
    return grad_out * keep.to(grad_out.dtype)


def dropout_backward_over_p(grad_out, keep, p):
    return torch.where(keep, grad_out / p, torch.zeros_like(grad_out))


def dropout_backward_times_keep_probability(grad_out, keep, p):
    return grad_out * keep * (1 - p)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (dropout_backward_unscaled, "the scale 1 / (1 - p) is missing"),
        (dropout_backward_over_p, "the kept units are scaled by 1 / (1 - p)"),
        (dropout_backward_times_keep_probability, "multiplied by 1 - p"),
    ],
)
def test_dropout_backward_mistakes(candidate, hint):
    assert hint_for("dropout-backward", candidate).startswith(hint)


# --- normalization ------------------------------------------------------------------


def fold_without_eps(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var)
    return W * scale[:, None], (b - running_mean) * scale + delta


def fold_over_variance(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    scale = gamma / (running_var + eps)
    return W * scale[:, None], (b - running_mean) * scale + delta


def fold_mean_unscaled(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale[:, None], b * scale - running_mean + delta


def fold_columns(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean) * scale + delta


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (fold_without_eps, "eps is missing"),
        (fold_over_variance, "divided by the variance"),
        (fold_mean_unscaled, "the running mean must be scaled too"),
        (fold_columns, "the columns of W are scaled"),
    ],
)
def test_fold_batch_norm_mistakes(candidate, hint):
    assert hint_for("fold-batch-norm", candidate).startswith(hint)


# --- a reader's correct answers -----------------------------------------------------


def test_a_readers_correct_answers_pass():
    def loss_and_error_of_logits(logits, y):
        return mean_loss(logits, y), np.mean(logits.argmax(axis=1) != y)

    def pointwise_bias_variance(predictions, mu_test):
        mean = predictions.mean(axis=0)
        return (mean - mu_test) ** 2, predictions.var(axis=0)

    def threshold_width(n_train, n_in, n_out):
        a = n_in + n_out + 2
        root = (-a + math.sqrt(a * a - 4 * (n_out - n_train))) / 2
        width = max(1, math.ceil(root - 1e-9))
        return width

    def ball_volume_recursion(dimension, radius=0.5):
        volume = 2 * radius if dimension % 2 else math.pi * radius**2
        for d in range(3 if dimension % 2 else 4, dimension + 1, 2):
            volume *= 2 * math.pi * radius**2 / d
        return volume

    def dropout_backward(grad_out, keep, p):
        return torch.where(keep, grad_out / (1 - p), torch.zeros_like(grad_out))

    def fold_batch_norm(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
        scale = gamma / np.sqrt(running_var + eps)
        return np.diag(scale) @ W, delta + scale * (b - running_mean)

    check("loss-and-error-of-logits", loss_and_error_of_logits)
    check("pointwise-bias-variance", pointwise_bias_variance)
    check("threshold-width", threshold_width)
    check("ball-volume-recursion", ball_volume_recursion)
    check("dropout-backward", dropout_backward)
    check("fold-batch-norm", fold_batch_norm)
