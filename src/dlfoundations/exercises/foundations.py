"""The implement-and-check exercises of Part I, foundations, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import numpy as np

from dlfoundations.exercises._checker import Case, Exercise, Mistake
from dlfoundations.foundations.derivatives import sigmoid_derivative
from dlfoundations.foundations.functions import sigmoid


# --8<-- [start:tanh_from_sigmoid]
def tanh_from_sigmoid(x) -> np.ndarray:
    """tanh(x) = 2 sigmoid(2x) - 1: the tanh is a sigmoid stretched to (-1, 1)."""
    return 2 * sigmoid(2 * x) - 1


# --8<-- [end:tanh_from_sigmoid]


# --8<-- [start:second_difference]
def second_difference(f, x, h: float = 1e-4) -> np.ndarray:
    """Approximate f''(x) by (f(x + h) - 2 f(x) + f(x - h)) / h^2: the difference of
    the forward and the backward slope, divided by the h between them."""
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


# --8<-- [end:second_difference]


# --8<-- [start:sigmoid_layer_vjp]
def sigmoid_layer_vjp(v, x, W, b) -> np.ndarray:
    """v^T J for the layer h = sigmoid(W x + b), without forming J."""
    z = W @ x + b
    return (v * sigmoid_derivative(z)) @ W


# --8<-- [end:sigmoid_layer_vjp]


def tanh_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("random", (3 * rng.standard_normal(20),)),
        Case("edge: large |x|", (np.array([-800.0, -40.0, 40.0, 800.0]),)),
        Case("edge: zero", (np.array([0.0, -0.0]),)),
    ]


def difference_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("random", (np.sin, rng.uniform(-3, 3, 10), 1e-4)),
        Case("random", (np.exp, rng.uniform(-2, 2, 10), 1e-3)),
        Case("edge: a cubic with a coarse step", (np.poly1d([1, 0, 0, 0]), 2.0, 0.5)),
    ]


def layer_cases(rng: np.random.Generator) -> list[Case]:
    n_out, n_in = 3, 5
    arguments = (
        rng.standard_normal(n_out),
        rng.standard_normal(n_in),
        rng.standard_normal((n_out, n_in)),
        rng.standard_normal(n_out),
    )
    saturated = (np.ones(2), np.full(2, 10.0), 5 * np.eye(2), np.zeros(2))
    return [Case("random", arguments), Case("edge: saturated units", saturated)]


EXERCISES = [
    Exercise(
        name="tanh-from-sigmoid",
        page="foundations/functions",
        reference=tanh_from_sigmoid,
        cases=tanh_cases,
        mistakes=(
            Mistake(
                "the argument of the sigmoid must be 2x, not x: 2 sigmoid(x) - 1 is "
                "tanh(x / 2)",
                lambda x: 2 * sigmoid(x) - 1,
            ),
            Mistake(
                "the factor 2 in front: sigmoid(2x) - 1 only reaches (-1, 0)",
                lambda x: sigmoid(2 * x) - 1,
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="second-difference",
        page="foundations/derivatives",
        reference=second_difference,
        cases=difference_cases,
        mistakes=(
            Mistake(
                "the denominator: the second difference is divided by h^2, not h",
                lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / h,
            ),
            Mistake(
                "the denominator: divide by h^2, not (2h)^2; the forward and backward "
                "slopes are h apart",
                lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h) ** 2,
            ),
            Mistake(
                "a one-sided stencil, (f(x + 2h) - 2 f(x + h) + f(x)) / h^2: centre it "
                "on x for an error of order h^2",
                lambda f, x, h: (f(x + 2 * h) - 2 * f(x + h) + f(x)) / h**2,
            ),
        ),
        rtol=1e-5,
        atol=1e-6,
    ),
    Exercise(
        name="sigmoid-layer-vjp",
        page="foundations/derivatives",
        reference=sigmoid_layer_vjp,
        cases=layer_cases,
        mistakes=(
            Mistake(
                "the derivative of the sigmoid is missing: multiply v by sigmoid'(z) "
                "entry by entry before multiplying by W",
                lambda v, x, W, b: v @ W,
            ),
            Mistake(
                "sigmoid(z) used where its derivative sigmoid(z) (1 - sigmoid(z)) "
                "belongs",
                lambda v, x, W, b: (v * sigmoid(W @ x + b)) @ W,
            ),
        ),
    ),
]
