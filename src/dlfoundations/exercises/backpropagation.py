"""The implement-and-check exercises of Part IV, backpropagation, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import math

import numpy as np
import torch

from dlfoundations.backpropagation.deep_networks import network_gradients
from dlfoundations.backpropagation.initialization import kaiming_fan
from dlfoundations.backpropagation.tensor_autodiff import Tensor, cross_entropy
from dlfoundations.backpropagation.toy_model import (
    ToyParameters,
    toy_backward,
    toy_forward,
)
from dlfoundations.building_blocks.activations import softmax
from dlfoundations.exercises._checker import Case, Exercise, Mistake


# --8<-- [start:toy_input_derivative]
def toy_input_derivative(x: float, y: float, params: ToyParameters) -> float:
    """dl/dx for the toy model: x enters only through f0 = beta0 + omega0 x, so
    dl/dx = omega0 dl/df0, one step past the end of the backward pass."""
    forward = toy_forward(x, params)
    backward = toy_backward(y, params, forward)
    return params.omega0 * backward["f0"]


# --8<-- [end:toy_input_derivative]


# --8<-- [start:linear_backward]
def linear_backward(x, W, g) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward pass of F = x W^T + b, given g = dL/dF (one row per example):
    returns dL/dx, dL/dW and dL/db, shaped like x, W and b."""
    return g @ W, g.T @ x, g.sum(axis=0)


# --8<-- [end:linear_backward]


# --8<-- [start:accumulate_gradients]
def accumulate_gradients(parents, local_grads) -> np.ndarray:
    """Reverse-mode accumulation on a graph given as a table: node i was computed
    from the nodes parents[i] (earlier ones), with the local derivatives
    local_grads[i]; the last node is the output. Returns d(output)/d(node i)."""
    grads = np.zeros(len(parents))
    grads[-1] = 1.0  # d(output)/d(output)
    for node in reversed(range(len(parents))):  # each node is done before its parents
        for parent, local_grad in zip(parents[node], local_grads[node]):
            grads[parent] += local_grad * grads[node]
    return grads


# --8<-- [end:accumulate_gradients]


# --8<-- [start:cross_entropy_gradient]
def cross_entropy_gradient(logits, targets) -> np.ndarray:
    """dL/d(logits) of the mean cross-entropy: (softmax(logits) - one_hot) / N,
    with the activations chapter's softmax (it subtracts the row's maximum)."""
    n, n_classes = logits.shape
    return (softmax(logits, axis=1) - np.eye(n_classes)[targets]) / n


# --8<-- [end:cross_entropy_gradient]


def cross_entropy_by_engine(logits, targets) -> np.ndarray:
    """The same gradient, from the tensor engine's cross_entropy and backward."""
    z = Tensor(logits, requires_grad=True)
    cross_entropy(z, targets).backward()
    return z.grad


# --8<-- [start:autograd_linear_gradients]
def autograd_linear_gradients(x, y, W, b) -> tuple[torch.Tensor, torch.Tensor]:
    """dL/dW and dL/db of L = mean over the examples of ||x W^T + b - y||^2, by
    PyTorch's autograd."""
    W = torch.tensor(W, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    f = torch.from_numpy(x) @ W.T + b
    loss = ((f - torch.from_numpy(y)) ** 2).sum(dim=1).mean()
    loss.backward()
    return W.grad, b.grad


# --8<-- [end:autograd_linear_gradients]


def linear_gradients_by_hand(x, y, W, b) -> tuple[np.ndarray, np.ndarray]:
    """The same gradients, from the deep networks chapter's backward pass."""
    _, (weight_gradient,), (bias_gradient,) = network_gradients(x, y, [W], [b])
    return weight_gradient, bias_gradient


# --8<-- [start:kaiming_std]
def kaiming_std(shape, negative_slope: float = 0.0) -> float:
    """The standard deviation kaiming_normal draws from (mode "fan_in"):
    gain / sqrt(fan_in), with gain = sqrt(2 / (1 + negative_slope^2))."""
    gain = math.sqrt(2.0 / (1.0 + negative_slope**2))
    return gain / math.sqrt(kaiming_fan(shape, "fan_in"))


# --8<-- [end:kaiming_std]


# --8<-- [start:clip_gradient_norm]
def clip_gradient_norm(gradients: list, max_norm: float) -> list:
    """Scale all the gradients by one factor so that their global norm (the norm
    of all their entries together) is at most max_norm; smaller ones unchanged."""
    norm = float(np.sqrt(sum(np.sum(g**2) for g in gradients)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * scale for g in gradients]


# --8<-- [end:clip_gradient_norm]


# --- the inputs each exercise is checked on -------------------------------------------


def random_toy_parameters(rng: np.random.Generator) -> ToyParameters:
    return ToyParameters(*(0.7 * rng.standard_normal(8)).tolist())


def toy_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "random",
            (float(rng.normal()), float(rng.normal()), random_toy_parameters(rng)),
        )
        for _ in range(3)
    ]
    chapter = ToyParameters(1.0, 2.0, 1.0, 3.0, 0.5, 0.3, 0.5, -0.7)
    fit = toy_forward(0.75, chapter)["f3"]
    return cases + [
        Case("edge: the chapter's example", (0.75, 1.5, chapter)),
        Case("edge: x = 0", (0.0, 1.5, chapter)),
        Case("edge: a perfect fit, y = f(x)", (0.75, fit, chapter)),
    ]


def linear_cases(rng: np.random.Generator) -> list[Case]:
    n, n_in, n_out = 5, 4, 3
    random = (
        rng.standard_normal((n, n_in)),
        rng.standard_normal((n_out, n_in)),
        rng.standard_normal((n, n_out)),
    )
    one = (
        rng.standard_normal((1, n_in)),
        rng.standard_normal((n_out, n_in)),
        np.ones((1, n_out)),
    )
    square = (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 3)),
        rng.standard_normal((4, 3)),
    )
    zero = (
        np.zeros((2, n_in)),
        rng.standard_normal((n_out, n_in)),
        rng.standard_normal((2, n_out)),
    )
    return [
        Case("random", random),
        Case("edge: a batch of one example", one),
        Case("edge: a square layer", square),
        Case("edge: zero inputs", zero),
    ]


def random_graph(rng: np.random.Generator, n_leaves: int, n_nodes: int):
    """A graph in table form: leaves first, then nodes computed from the node just
    before them and, for most, one more earlier node (maybe the same one again),
    so that every node after the leaves reaches the output."""
    parents, local_grads = [()] * n_leaves, [()] * n_leaves
    for node in range(n_leaves, n_nodes):
        others = rng.integers(0, node, size=int(rng.integers(0, 2, endpoint=True)))
        parents.append((node - 1, *(int(p) for p in others)))
        local_grads.append(tuple(rng.normal(size=len(parents[-1])).round(2).tolist()))
    return parents, local_grads


def graph_cases(rng: np.random.Generator) -> list[Case]:
    # the chapter's a = 3, b = a + a, c = b * b: dc/da = 24
    chapter = ([(), (0, 0), (1, 1)], [(), (1.0, 1.0), (6.0, 6.0)])
    chain = ([(), (0,), (1,), (2,)], [(), (2.0,), (-3.0,), (0.5,)])
    # node 1 does not reach the output: its gradient stays 0
    dangling = ([(), (0,), (0,), (2, 0)], [(), (4.0,), (2.0,), (3.0, 1.0)])
    return [
        Case("random", random_graph(rng, 3, 10)),
        Case("random", random_graph(rng, 2, 12)),
        Case("edge: a node used twice (the chapter's b = a + a, c = b * b)", chapter),
        Case("edge: a chain", chain),
        Case("edge: a node off the path to the output", dangling),
        Case("edge: a single node", ([()], [()])),
    ]


def logits_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("random", (3 * rng.standard_normal((6, 4)), rng.integers(0, 4, 6))),
        Case("random", (rng.standard_normal((3, 2)), rng.integers(0, 2, 3))),
        Case("edge: one example", (np.array([[2.0, -1.0, 0.5]]), np.array([1]))),
        Case(
            "edge: large logits",
            (
                np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]]),
                np.array([0, 2]),
            ),
        ),
        Case("edge: equal logits", (np.zeros((2, 5)), np.array([0, 4]))),
    ]


def regression_cases(rng: np.random.Generator) -> list[Case]:
    def case(n, n_in, n_out):
        return (
            rng.standard_normal((n, n_in)),
            rng.standard_normal((n, n_out)),
            rng.standard_normal((n_out, n_in)),
            rng.standard_normal(n_out),
        )

    return [
        Case("random", case(8, 4, 3)),
        Case("random", case(5, 2, 2)),
        Case("edge: one example, one output", case(1, 3, 1)),
    ]


def fan_cases(rng: np.random.Generator) -> list[Case]:
    out, width = (int(n) for n in rng.integers(8, 300, size=2))
    return [
        Case("random", ((out, width), 0.0)),
        Case("random", ((width, out), 0.0)),
        Case("edge: a convolution weight (out, in, k, k)", ((64, 3, 5, 5), 0.0)),
        Case("edge: a leaky ReLU", ((40, 90), 0.2)),
        Case("edge: negative slope 1, a linear layer", ((50, 60), 1.0)),
    ]


def clip_cases(rng: np.random.Generator) -> list[Case]:
    def gradients(scale):
        shapes = [(3, 4), (3,), (1, 3)]
        return [scale * rng.standard_normal(shape) for shape in shapes]

    return [
        Case("random: large gradients", (gradients(10.0), 1.0)),
        Case("random: small gradients", (gradients(0.01), 1.0)),
        Case(
            "edge: one huge array among small ones",
            ([np.array([300.0, -400.0]), np.array([0.1, 0.1, 0.1])], 5.0),
        ),
        Case("edge: zero gradients", ([np.zeros(3), np.zeros((2, 2))], 1.0)),
        Case(
            "edge: the norm exactly max_norm", ([np.array([3.0]), np.array([4.0])], 5.0)
        ),
    ]


# --- the recognised mistakes ----------------------------------------------------------


def toy_input_derivative_with_cos(x, y, params):
    forward = toy_forward(x, params)
    p = params
    dl_df2 = math.cos(forward["f2"]) * p.omega3 * 2 * (forward["f3"] - y)
    dl_df0 = (
        math.cos(forward["f0"]) * p.omega1 * math.exp(forward["f1"]) * p.omega2 * dl_df2
    )
    return p.omega0 * dl_df0


def accumulate_overwriting(parents, local_grads):
    grads = np.zeros(len(parents))
    grads[-1] = 1.0
    for node in reversed(range(len(parents))):
        for parent, local_grad in zip(parents[node], local_grads[node]):
            grads[parent] = local_grad * grads[node]
    return grads


def accumulate_forwards(parents, local_grads):
    grads = np.zeros(len(parents))
    grads[-1] = 1.0
    for node in range(len(parents)):
        for parent, local_grad in zip(parents[node], local_grads[node]):
            grads[parent] += local_grad * grads[node]
    return grads


def accumulate_local_only(parents, local_grads):
    grads = np.zeros(len(parents))
    grads[-1] = 1.0
    for node in reversed(range(len(parents))):
        for parent, local_grad in zip(parents[node], local_grads[node]):
            grads[parent] += local_grad
    return grads


def one_hot(logits, targets):
    return np.eye(logits.shape[1])[targets]


def clip_each(gradients, max_norm):
    return [
        g * min(1.0, max_norm / n) if (n := float(np.sqrt(np.sum(g**2)))) > 0 else g
        for g in gradients
    ]


def clip_always(gradients, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in gradients))
    return [g * max_norm / norm if norm > 0 else g for g in gradients]


EXERCISES = [
    Exercise(
        name="toy-input-derivative",
        page="backpropagation/toy-model",
        reference=toy_input_derivative,
        cases=toy_cases,
        mistakes=(
            Mistake(
                "the last link is missing: dl/df0 is dl/dbeta0; x reaches f0 through "
                "the slope omega0, so dl/dx = omega0 dl/df0",
                lambda x, y, p: toy_backward(y, p, toy_forward(x, p))["f0"],
            ),
            Mistake(
                "that is dl/domega0 = x dl/df0: the derivative of f0 = beta0 + "
                "omega0 x with respect to x is omega0, not x",
                lambda x, y, p: x * toy_backward(y, p, toy_forward(x, p))["f0"],
            ),
            Mistake(
                "the derivative of cos is -sin: h3 = cos(f2) has the local "
                "derivative -sin(f2), not cos(f2)",
                toy_input_derivative_with_cos,
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="linear-backward",
        page="backpropagation/deep-networks",
        reference=linear_backward,
        cases=linear_cases,
        mistakes=(
            Mistake(
                "dL/dW must have W's shape (out, in): it is g^T x, not x^T g",
                lambda x, W, g: (g @ W, x.T @ g, g.sum(axis=0)),
            ),
            Mistake(
                "the bias gradient sums the rows of g, not their mean: the 1/N of "
                "the mean loss is already in g",
                lambda x, W, g: (g @ W, g.T @ x, g.mean(axis=0)),
            ),
            Mistake(
                "a second 1/N: g = dL/dF already holds the 1/N of the mean loss, so "
                "the sums over the examples are not divided again",
                lambda x, W, g: (g @ W, g.T @ x / len(x), g.sum(axis=0) / len(x)),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="accumulate-gradients",
        page="backpropagation/scalar-autodiff",
        reference=accumulate_gradients,
        cases=graph_cases,
        mistakes=(
            Mistake(
                "the gradients are overwritten where they must be added: a node used "
                "several times gets the sum over its uses (+=, not =)",
                accumulate_overwriting,
            ),
            Mistake(
                "the nodes must be visited from the output back (reversed order), so "
                "that a node's gradient is complete before it reaches its parents",
                accumulate_forwards,
            ),
            Mistake(
                "the chain rule multiplies the local derivative by the node's own "
                "gradient: grads[parent] += local_grad * grads[node]",
                accumulate_local_only,
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="cross-entropy-gradient",
        page="backpropagation/tensor-autodiff",
        reference=cross_entropy_by_engine,
        cases=logits_cases,
        mistakes=(
            Mistake(
                "a missing 1/N: the loss is the mean over the N examples, so is its "
                "gradient",
                lambda z, t: softmax(z, axis=1) - one_hot(z, t),
            ),
            Mistake(
                "the one-hot targets are not subtracted: the gradient is "
                "(softmax - one_hot) / N",
                lambda z, t: softmax(z, axis=1) / len(z),
            ),
            Mistake(
                "one_hot - softmax is the gradient of the log-likelihood; the loss "
                "is its negative: (softmax - one_hot) / N",
                lambda z, t: (one_hot(z, t) - softmax(z, axis=1)) / len(z),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="autograd-linear-gradients",
        page="backpropagation/pytorch",
        reference=linear_gradients_by_hand,
        cases=regression_cases,
        mistakes=(
            Mistake(
                "the mean is over the N examples only: mse_loss (or .mean() of the "
                "whole matrix) also divides by the number of outputs",
                lambda x, y, W, b: tuple(
                    g / y.shape[1] for g in linear_gradients_by_hand(x, y, W, b)
                ),
            ),
            Mistake(
                "a missing 1/N: the loss is the mean over the examples, not the sum",
                lambda x, y, W, b: tuple(
                    g * len(x) for g in linear_gradients_by_hand(x, y, W, b)
                ),
            ),
            Mistake(
                "the sum and the mean are over the wrong axes: sum over the outputs "
                "(dim=1), then take the mean over the examples",
                lambda x, y, W, b: tuple(
                    g * len(x) / y.shape[1]
                    for g in linear_gradients_by_hand(x, y, W, b)
                ),
            ),
        ),
        rtol=1e-5,
        atol=1e-7,
    ),
    Exercise(
        name="kaiming-std",
        page="backpropagation/initialization",
        reference=kaiming_std,
        cases=fan_cases,
        mistakes=(
            Mistake(
                "that is the variance, gain^2 / fan_in: the standard deviation is "
                "its square root",
                lambda shape, a: kaiming_std(shape, a) ** 2,
            ),
            Mistake(
                "fan_out used for fan_in: for a weight of shape (out, in) fan_in is "
                "in, shape[1]; the forward pass sums over the inputs",
                lambda shape, a: (
                    math.sqrt(2 / (1 + a**2)) / math.sqrt(kaiming_fan(shape, "fan_out"))
                ),
            ),
            Mistake(
                "the receptive field is missing: a weight (out, in, k, k) has fan_in "
                "in * k * k, the inputs summed for one output",
                lambda shape, a: math.sqrt(2 / (1 + a**2)) / math.sqrt(shape[1]),
            ),
            Mistake(
                "the gain depends on the negative slope a: sqrt(2 / (1 + a^2)), "
                "sqrt(2) only for the ReLU",
                lambda shape, a: kaiming_std(shape, 0.0),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="clip-gradient-norm",
        page="backpropagation/strengths-and-limits",
        reference=clip_gradient_norm,
        cases=clip_cases,
        mistakes=(
            Mistake(
                "each array is clipped by its own norm: the global norm of all the "
                "arrays together decides one factor for all of them",
                clip_each,
            ),
            Mistake(
                "small gradients are scaled up too: the factor is min(1, max_norm / "
                "norm), so a gradient below max_norm is left as it is",
                clip_always,
            ),
            Mistake(
                "clipping by value (np.clip of each entry) changes the gradient's "
                "direction: scale all entries by one factor instead",
                lambda gradients, max_norm: [
                    np.clip(g, -max_norm, max_norm) for g in gradients
                ],
            ),
        ),
        atol=1e-12,
    ),
]
