"""The implement-and-check exercises of Part V, generalization, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import math

import numpy as np
import torch

from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.building_blocks.losses import cross_entropy
from dlfoundations.exercises._checker import Case, Exercise, Mistake
from dlfoundations.generalization.high_dimensional_spaces import ball_volume
from dlfoundations.generalization.regularization import dropout


# --8<-- [start:loss_and_error_of_logits]
def loss_and_error_of_logits(logits, y) -> tuple[float, float]:
    """The mean cross-entropy and the error rate of logits (N, C) for labels y (N,):
    the losses chapter's cross_entropy, and the share of rows whose largest logit is
    not their class."""
    error = np.mean(np.argmax(logits, axis=1) != y)
    return cross_entropy(logits, y), float(error)


# --8<-- [end:loss_and_error_of_logits]


# --8<-- [start:pointwise_bias_variance]
def pointwise_bias_variance(predictions, mu_test) -> tuple[np.ndarray, np.ndarray]:
    """Bias^2 and variance at each test input, not averaged: predictions (S, n_test)
    holds one row per training set, mu_test the true function at the test inputs."""
    mean_prediction = predictions.mean(axis=0)  # the average fit, f-bar(x)
    bias_squared = (mean_prediction - mu_test) ** 2
    variance = np.mean((predictions - mean_prediction) ** 2, axis=0)
    return bias_squared, variance


# --8<-- [end:pointwise_bias_variance]


# --8<-- [start:threshold_width]
def threshold_width(n_train: int, n_in: int, n_out: int) -> int:
    """The smallest width D at which the MLP [n_in, D, D, n_out] has at least as many
    parameters as there are training examples."""
    width = 1
    while count_parameters([n_in, width, width, n_out]) < n_train:
        width += 1
    return width


# --8<-- [end:threshold_width]


# --8<-- [start:ball_volume_recursion]
def ball_volume_recursion(dimension: int, radius: float = 0.5) -> float:
    """V_D(r) from V_1 = 2r, V_2 = pi r^2 and V_D = (2 pi r^2 / D) V_(D-2), without
    the Gamma function: a product of small factors, which never overflows."""
    volume = 2 * radius if dimension % 2 else math.pi * radius**2
    for d in range(3 if dimension % 2 else 4, dimension + 1, 2):
        volume *= 2 * math.pi * radius**2 / d  # from V_(d-2) to V_d
    return volume


# --8<-- [end:ball_volume_recursion]


# --8<-- [start:dropout_backward]
def dropout_backward(grad_out, keep, p: float):
    """The gradient with respect to h of dropout(h, keep, p), from the gradient with
    respect to its output: the output is h times a constant (keep / (1 - p)), so the
    gradient is multiplied by the same constant, which is dropout itself."""
    return dropout(grad_out, keep, p)


# --8<-- [end:dropout_backward]


# --8<-- [start:fold_batch_norm]
def fold_batch_norm(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    """The weights (out, in) and bias of one linear layer that computes the linear
    layer (W, b) followed by batch normalization in evaluation mode."""
    scale = gamma / np.sqrt(running_var + eps)  # one factor per output unit
    return scale[:, None] * W, scale * (b - running_mean) + delta


# --8<-- [end:fold_batch_norm]


def logits_cases(rng: np.random.Generator) -> list[Case]:
    def labelled(logits):
        return (logits, rng.integers(0, logits.shape[1], len(logits)))

    return [
        Case("random", labelled(3 * rng.standard_normal((20, 10)))),
        Case("edge: huge logits", labelled(1000 * rng.standard_normal((8, 5)))),
        Case("edge: tiny logits", labelled(1e-3 * rng.standard_normal((8, 5)))),
        Case("edge: one example", labelled(rng.standard_normal((1, 3)))),
    ]


def bias_variance_cases(rng: np.random.Generator) -> list[Case]:
    mu = rng.standard_normal(7)
    far = 1e6 + rng.standard_normal((40, 3))
    return [
        Case("random", (mu + 0.5 * rng.standard_normal((50, 7)) + 0.3, mu)),
        Case("edge: one training set", (rng.standard_normal((1, 4)), np.zeros(4))),
        Case("edge: fits far from zero", (far, np.full(3, 1e6))),
    ]


def width_cases(rng: np.random.Generator) -> list[Case]:
    random = [
        (int(rng.integers(100, 100_000)), int(rng.integers(1, 100)), int(n_out))
        for n_out in rng.integers(1, 20, size=4)
    ]
    edges = [
        Case("edge: MNIST-1D, N = 4000", (4000, 40, 10)),
        Case("edge: a parameter count hit exactly", (3958, 40, 10)),
        Case("edge: one unit is enough", (1, 5, 2)),
    ]
    return [Case("random", arguments) for arguments in random] + edges


def volume_cases(rng: np.random.Generator) -> list[Case]:
    random = [
        Case("random", (int(d), float(r)))
        for d, r in zip(rng.integers(3, 40, size=6), rng.uniform(0.2, 2.0, size=6))
    ]
    edges = [
        Case("edge: a segment", (1, 0.5)),
        Case("edge: a disc", (2, 1.0)),
        Case("edge: D = 400, where Gamma(D/2 + 1) overflows", (400, 1.0)),
    ]
    return random + edges


def dropout_cases(rng: np.random.Generator) -> list[Case]:
    def case(label, shape, p):
        grad_out = torch.from_numpy(rng.standard_normal(shape))
        keep = torch.from_numpy(rng.random(shape) >= p)
        return Case(label, (grad_out, keep, p))

    nothing_kept = torch.from_numpy(rng.standard_normal((2, 3)))
    return [
        case("random", (4, 6), float(rng.uniform(0.1, 0.9))),
        case("random", (3, 5), 0.5),
        case("edge: no dropout", (2, 3), 0.0),
        Case("edge: every unit dropped", (nothing_kept, torch.zeros(2, 3) > 0, 0.3)),
    ]


def folding_cases(rng: np.random.Generator) -> list[Case]:
    def case(label, n_out, n_in, variance_scale=1.0):
        return Case(
            label,
            (
                rng.standard_normal((n_out, n_in)),
                rng.standard_normal(n_out),
                rng.uniform(0.5, 2.0, n_out),
                rng.standard_normal(n_out),
                rng.standard_normal(n_out),
                variance_scale * rng.uniform(0.5, 2.0, n_out),
                1e-5,
            ),
        )

    return [
        case("random", 4, 4),
        case("random", 5, 3),
        case("edge: running variances below eps", 3, 2, variance_scale=1e-7),
    ]


EXERCISES = [
    Exercise(
        name="loss-and-error-of-logits",
        page="generalization/measuring-performance",
        reference=loss_and_error_of_logits,
        cases=logits_cases,
        mistakes=(
            Mistake(
                "the accuracy where the error rate belongs: the error is the share of "
                "examples whose largest logit is NOT their class",
                lambda logits, y: (
                    cross_entropy(logits, y),
                    np.mean(np.argmax(logits, axis=1) == y),
                ),
            ),
            Mistake(
                "a missing 1/N: the loss is the mean of the examples' losses, not "
                "their sum",
                lambda logits, y: (
                    len(y) * cross_entropy(logits, y),
                    np.mean(np.argmax(logits, axis=1) != y),
                ),
            ),
            Mistake(
                "the class with the smallest logit: the prediction is the argmax",
                lambda logits, y: (
                    cross_entropy(logits, y),
                    np.mean(np.argmin(logits, axis=1) != y),
                ),
            ),
        ),
        rtol=1e-9,
        atol=1e-12,
    ),
    Exercise(
        name="pointwise-bias-variance",
        page="generalization/bias-variance",
        reference=pointwise_bias_variance,
        cases=bias_variance_cases,
        mistakes=(
            Mistake(
                "the variance divides by S - 1: here the average fit is the mean of "
                "these S fits, and the variance divides by S, as in the chapter",
                lambda predictions, mu_test: (
                    (predictions.mean(axis=0) - mu_test) ** 2,
                    predictions.var(axis=0, ddof=1),
                ),
            ),
            Mistake(
                "the bias is not squared: bias^2 is (f-bar(x) - mu(x))^2",
                lambda predictions, mu_test: (
                    predictions.mean(axis=0) - mu_test,
                    predictions.var(axis=0),
                ),
            ),
            Mistake(
                "that bias^2 is the mean squared distance of the fits to mu, which is "
                "bias^2 + variance: square the distance of the AVERAGE fit to mu",
                lambda predictions, mu_test: (
                    np.mean((predictions - mu_test) ** 2, axis=0),
                    predictions.var(axis=0),
                ),
            ),
            Mistake(
                "the variance as mean(f^2) - mean(f)^2, which loses every digit when "
                "the fits are far from zero: average the squared deviations instead",
                lambda predictions, mu_test: (
                    (predictions.mean(axis=0) - mu_test) ** 2,
                    np.mean(predictions**2, axis=0) - predictions.mean(axis=0) ** 2,
                ),
            ),
        ),
        rtol=1e-8,
        atol=1e-12,
    ),
    Exercise(
        name="threshold-width",
        page="generalization/double-descent",
        reference=threshold_width,
        cases=width_cases,
        mistakes=(
            Mistake(
                "the biases are left out: each layer has n_out biases besides its "
                "n_in * n_out weights",
                lambda n_train, n_in, n_out: next(
                    d
                    for d in range(1, n_train + 2)
                    if d * (n_in + d + n_out) >= n_train
                ),
            ),
            Mistake(
                "the width just below the threshold: take the smallest D with at "
                "least N parameters (round the root of the quadratic up, not down)",
                lambda n_train, n_in, n_out: next(
                    d
                    for d in range(1, n_train + 2)
                    if count_parameters([n_in, d + 1, d + 1, n_out]) > n_train
                ),
            ),
            Mistake(
                "one hidden layer: the networks of the chapter have two hidden layers "
                "of width D, [n_in, D, D, n_out]",
                lambda n_train, n_in, n_out: next(
                    d
                    for d in range(1, n_train + 2)
                    if count_parameters([n_in, d, n_out]) >= n_train
                ),
            ),
        ),
        atol=0.0,
    ),
    Exercise(
        name="ball-volume-recursion",
        page="generalization/high-dimensional-spaces",
        reference=ball_volume,
        cases=volume_cases,
        mistakes=(
            Mistake(
                "the one-dimensional ball is a segment of length 2r, its diameter, "
                "not r",
                lambda dimension, radius: (
                    ball_volume(dimension, radius) / (2 if dimension % 2 else 1)
                ),
            ),
            Mistake(
                "the factor is 2 pi r^2 / D: the radius is squared, since two "
                "dimensions are added",
                lambda dimension, radius: (
                    ball_volume(dimension, radius) / radius ** ((dimension - 1) // 2)
                ),
            ),
            Mistake(
                "the factor divides by D, the dimension reached, not by D - 2",
                lambda dimension, radius: (
                    ball_volume(dimension, radius)
                    * math.prod(d / (d - 2) for d in range(dimension, 2, -2))
                ),
            ),
        ),
        rtol=1e-10,
        atol=0.0,
    ),
    Exercise(
        name="dropout-backward",
        page="generalization/regularization",
        reference=dropout_backward,
        cases=dropout_cases,
        mistakes=(
            Mistake(
                "the scale 1 / (1 - p) is missing: the forward pass multiplied the "
                "kept units by it, so their gradients are multiplied by it too",
                lambda grad_out, keep, p: grad_out * keep,
            ),
            Mistake(
                "the kept units are scaled by 1 / (1 - p), the keep probability's "
                "inverse, not by 1 / p",
                lambda grad_out, keep, p: grad_out * keep / p,
            ),
            Mistake(
                "multiplied by 1 - p where the forward pass divides by it",
                lambda grad_out, keep, p: grad_out * keep * (1 - p),
            ),
        ),
        rtol=1e-12,
        atol=1e-15,
    ),
    Exercise(
        name="fold-batch-norm",
        page="generalization/normalization",
        reference=fold_batch_norm,
        cases=folding_cases,
        mistakes=(
            Mistake(
                "eps is missing: evaluation mode divides by sqrt(running_var + eps)",
                lambda W, b, gamma, delta, mean, var, eps: fold_batch_norm(
                    W, b, gamma, delta, mean, var, 0.0
                ),
            ),
            Mistake(
                "divided by the variance: divide by the standard deviation, "
                "sqrt(running_var + eps)",
                lambda W, b, gamma, delta, mean, var, eps: fold_batch_norm(
                    W, b, gamma, delta, mean, (var + eps) ** 2 - eps, eps
                ),
            ),
            Mistake(
                "the running mean must be scaled too: subtract it before multiplying "
                "by gamma / sqrt(running_var + eps)",
                lambda W, b, gamma, delta, mean, var, eps: (
                    fold_batch_norm(W, b, gamma, delta, mean, var, eps)[0],
                    gamma / np.sqrt(var + eps) * b - mean + delta,
                ),
            ),
            Mistake(
                "the columns of W are scaled: each output unit (a row of W) has its "
                "own factor gamma_j / sqrt(running_var_j + eps)",
                lambda W, b, gamma, delta, mean, var, eps: (
                    W * (gamma / np.sqrt(var + eps))[None, :],
                    fold_batch_norm(W, b, gamma, delta, mean, var, eps)[1],
                ),
            ),
        ),
        rtol=1e-10,
        atol=1e-12,
    ),
]
