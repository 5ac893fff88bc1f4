"""The implement-and-check exercises of Part II, building blocks, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import numpy as np

from dlfoundations.building_blocks.activations import sigmoid, softmax
from dlfoundations.building_blocks.metrics import precision_recall_f1
from dlfoundations.building_blocks.neurons import neuron, step
from dlfoundations.exercises._checker import Case, Exercise, Mistake
from dlfoundations.foundations.derivatives import relu_derivative, sigmoid_derivative
from dlfoundations.foundations.functions import relu


# --8<-- [start:logistic_neuron_gradient]
def logistic_neuron_gradient(x, y, weights, bias) -> tuple[np.ndarray, float]:
    """Gradient (dL/dw, dL/db) of L, the mean binary cross-entropy of the sigmoid
    neuron p = sigmoid(w^T x + b) over the rows of x."""
    p = neuron(x, weights, bias, activation=sigmoid)
    dz = (p - y) / len(y)  # dL/dz_i: prediction minus target, over N
    return x.T @ dz, float(dz.sum())


# --8<-- [end:logistic_neuron_gradient]


# --8<-- [start:silu_derivative]
def silu_derivative(x) -> np.ndarray:
    """d/dx x sigmoid(x) = sigmoid(x) + x sigmoid'(x), by the product rule."""
    return sigmoid(x) + x * sigmoid_derivative(x)


# --8<-- [end:silu_derivative]


# --8<-- [start:soft_cross_entropy_gradient]
def soft_cross_entropy_gradient(logits, targets) -> np.ndarray:
    """d/dz of L = -(1/N) sum_i sum_c q_ic log softmax(z_i)_c, for target
    distributions q (one per row): (softmax(z) - q) / N."""
    return (softmax(logits, axis=1) - targets) / len(logits)


# --8<-- [end:soft_cross_entropy_gradient]


# --8<-- [start:shallow_relu_slope]
def shallow_relu_slope(x, w, b, v) -> np.ndarray:
    """f'(x) of f(x) = c + sum_j v_j relu(w_j x + b_j): the sum of v_j w_j over the
    units that are on at x (w_j x + b_j > 0)."""
    on = relu_derivative(np.outer(x, w) + b)  # (len(x), units): 1 where on, else 0
    return on @ (v * w)


# --8<-- [end:shallow_relu_slope]


# --8<-- [start:balanced_accuracy]
def balanced_accuracy(y_true, y_pred) -> float:
    """The mean over the classes of each class's recall: every class counts equally,
    however rare."""
    _, recall, _ = precision_recall_f1(y_true, y_pred, average="macro")
    return recall


# --8<-- [end:balanced_accuracy]


def with_sigmoid_slope(x, y, w, b):
    z = x @ w + b
    dz = (sigmoid(z) - y) * sigmoid_derivative(z) / len(y)
    return x.T @ dz, float(dz.sum())


def neuron_cases(rng: np.random.Generator) -> list[Case]:
    x = rng.standard_normal((8, 3))
    y = (rng.uniform(size=8) < 0.5).astype(float)
    random = (x, y, rng.standard_normal(3), float(rng.standard_normal()))
    saturated = (
        np.array([[1.0, -1.0], [-1.0, 1.0], [2.0, 0.0]]),
        np.array([1.0, 1.0, 0.0]),
        np.array([50.0, -50.0]),
        0.0,
    )
    one = (np.array([[0.5, -2.0]]), np.array([1.0]), np.array([1.0, 0.0]), -0.5)
    return [
        Case("random", random),
        Case("edge: saturated, some right and some wrong", saturated),
        Case("edge: one example", one),
    ]


def silu_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("random", (3 * rng.standard_normal(20),)),
        Case("edge: large |x|", (np.array([-800.0, -40.0, 40.0, 800.0]),)),
        Case("edge: zero", (np.array([0.0, -0.0]),)),
    ]


def soft_target_cases(rng: np.random.Generator) -> list[Case]:
    logits = 3 * rng.standard_normal((5, 4))
    targets = softmax(rng.standard_normal((5, 4)), axis=1)
    large = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    one_hot = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    uniform = (np.zeros((2, 3)), np.full((2, 3), 1 / 3))
    return [
        Case("random", (logits, targets)),
        Case("edge: large logits, one-hot targets", (large, one_hot)),
        Case("edge: the targets already predicted", uniform),
    ]


def slope_cases(rng: np.random.Generator) -> list[Case]:
    units = 5
    random = (
        rng.uniform(-2, 2, 30),
        rng.standard_normal(units),
        rng.standard_normal(units),
        rng.standard_normal(units),
    )
    # unit 2 is flat (w = 0) and unit 3 is never on in [-1, 1]
    special = (
        np.linspace(-1, 1, 9) + 0.01,
        np.array([1.0, -2.0, 0.0, 1.0]),
        np.array([0.5, 0.5, 1.0, -3.0]),
        np.array([2.0, 1.0, 4.0, 5.0]),
    )
    return [
        Case("random", random),
        Case("edge: a flat unit and a dead one", special),
    ]


def label_cases(rng: np.random.Generator) -> list[Case]:
    y_true = np.r_[np.zeros(14, int), np.ones(4, int), np.full(2, 2)]
    y_pred = np.where(rng.uniform(size=20) < 0.7, y_true, rng.integers(0, 3, 20))
    y_pred[0] = 2  # keep the prediction imperfect, whatever the draw
    rare = np.r_[np.zeros(95, int), np.ones(5, int)]
    return [
        Case("random", (y_true, y_pred)),
        Case("edge: always the majority class", (rare, np.zeros(100, int))),
    ]


EXERCISES = [
    Exercise(
        name="logistic-neuron-gradient",
        page="building-blocks/neurons",
        reference=logistic_neuron_gradient,
        cases=neuron_cases,
        mistakes=(
            Mistake(
                "a missing 1/N: L is the mean of the N examples' losses, so divide "
                "the sums by N",
                lambda x, y, w, b: (
                    x.T @ (sigmoid(x @ w + b) - y),
                    float(np.sum(sigmoid(x @ w + b) - y)),
                ),
            ),
            Mistake(
                "the sigmoid's slope p (1 - p) multiplied in: with the cross-entropy "
                "it cancels, and dL/dz_i is (p_i - y_i) / N",
                with_sigmoid_slope,
            ),
            Mistake(
                "the step function in place of the sigmoid: that is the perceptron's "
                "update, not the gradient of the cross-entropy",
                lambda x, y, w, b: (
                    x.T @ (step(x @ w + b) - y) / len(y),
                    float(np.mean(step(x @ w + b) - y)),
                ),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="silu-derivative",
        page="building-blocks/activations",
        reference=silu_derivative,
        cases=silu_cases,
        mistakes=(
            Mistake(
                "the product rule: x sigmoid(x) has two factors, and the derivative "
                "of x times sigmoid(x) is missing",
                lambda x: x * sigmoid_derivative(x),
            ),
            Mistake(
                "the product rule: the term x sigmoid'(x) is missing; sigmoid(x) is "
                "only the derivative of the first factor",
                lambda x: sigmoid(x),
            ),
            Mistake(
                "sigmoid(x) used where its derivative sigmoid(x) (1 - sigmoid(x)) "
                "belongs",
                lambda x: sigmoid(x) + x * sigmoid(x),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="soft-cross-entropy-gradient",
        page="building-blocks/losses",
        reference=soft_cross_entropy_gradient,
        cases=soft_target_cases,
        mistakes=(
            Mistake(
                "a missing 1/N: L is the mean over the N examples (rows), so the "
                "gradient is divided by N",
                lambda z, q: softmax(z, axis=1) - q,
            ),
            Mistake(
                "divided by N C, the number of entries: L is a mean over the N "
                "examples only, each example's loss a sum over its C classes",
                lambda z, q: (softmax(z, axis=1) - q) / z.size,
            ),
            Mistake(
                "the softmax taken over the examples (axis 0): each row of logits "
                "is one example's distribution, so normalise along axis 1",
                lambda z, q: (softmax(z, axis=0) - q) / len(z),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="shallow-relu-slope",
        page="building-blocks/feedforward",
        reference=shallow_relu_slope,
        cases=slope_cases,
        mistakes=(
            Mistake(
                "the inner derivative w_j is missing: the chain rule multiplies the "
                "slope of v_j relu(z_j) by dz_j/dx = w_j",
                lambda x, w, b, v: relu_derivative(np.outer(x, w) + b) @ v,
            ),
            Mistake(
                "relu(z) used where its derivative, 1 when the unit is on and 0 "
                "otherwise, belongs",
                lambda x, w, b, v: relu(np.outer(x, w) + b) @ (v * w),
            ),
            Mistake(
                "every unit counted as on: only units with w_j x + b_j > 0 "
                "contribute to the slope",
                lambda x, w, b, v: np.full(len(x), np.sum(v * w)),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="balanced-accuracy",
        page="building-blocks/metrics",
        reference=balanced_accuracy,
        cases=label_cases,
        mistakes=(
            Mistake(
                "the plain accuracy: the balanced accuracy averages the recall of "
                "each class, so a rare class counts as much as a common one",
                lambda y_true, y_pred: float(np.mean(y_true == y_pred)),
            ),
            Mistake(
                "the mean precision: recall divides by the true members of a class "
                "(a row of the confusion matrix), precision by the predicted ones",
                lambda y_true, y_pred: precision_recall_f1(
                    y_true, y_pred, average="macro"
                )[0],
            ),
            Mistake(
                "the mean F1 score, not the mean recall",
                lambda y_true, y_pred: precision_recall_f1(
                    y_true, y_pred, average="macro"
                )[2],
            ),
        ),
        atol=1e-12,
    ),
]
