"""Part IV's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake; a reader's correct
versions pass."""

import math

import numpy as np
import pytest
import torch

from dlfoundations.backpropagation.scalar_autodiff.engine import Value
from conftest import hint_for
from dlfoundations.exercises import ExerciseFailed, check
from dlfoundations.exercises.backpropagation import (
    accumulate_gradients,
    autograd_linear_gradients,
    cross_entropy_gradient,
    random_graph,
)


# --- toy model ------------------------------------------------------------------------


def minus_sin(z):
    return -math.sin(z)


def toy_chain(x, y, p, cos_derivative=minus_sin):
    """dl/df0 of the toy model written out, as a reader would, and the values."""
    f0 = p.beta0 + p.omega0 * x
    f1 = p.beta1 + p.omega1 * math.sin(f0)
    f2 = p.beta2 + p.omega2 * math.exp(f1)
    f3 = p.beta3 + p.omega3 * math.cos(f2)
    dl_df2 = cos_derivative(f2) * p.omega3 * 2 * (f3 - y)
    return math.cos(f0) * p.omega1 * math.exp(f1) * p.omega2 * dl_df2


def input_derivative_without_omega0(x, y, p):
    return toy_chain(x, y, p)


def input_derivative_times_x(x, y, p):
    return x * toy_chain(x, y, p)


def input_derivative_with_cos(x, y, p):
    return p.omega0 * toy_chain(x, y, p, cos_derivative=math.cos)


def input_derivative_with_sin(x, y, p):
    return p.omega0 * toy_chain(x, y, p, cos_derivative=math.sin)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (input_derivative_without_omega0, "the last link is missing"),
        (input_derivative_times_x, "that is dl/domega0"),
        (input_derivative_with_cos, "the derivative of cos is -sin"),
        (input_derivative_with_sin, "a flipped sign"),
    ],
)
def test_toy_input_derivative_mistakes(candidate, hint):
    assert hint_for("toy-input-derivative", candidate).startswith(hint)


# --- deep networks --------------------------------------------------------------------


def linear_backward_transposed_weight(x, W, g):
    return g @ W, x.T @ g, g.sum(axis=0)


def linear_backward_mean_bias(x, W, g):
    return g @ W, g.T @ x, np.mean(g, axis=0)


def linear_backward_divided_again(x, W, g):
    n = x.shape[0]
    return g @ W, (g.T @ x) / n, g.sum(axis=0) / n


def linear_backward_wrong_input_gradient(x, W, g):
    return g @ W.T, g.T @ x, g.sum(axis=0)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (linear_backward_transposed_weight, "dL/dW must have W's shape"),
        (linear_backward_mean_bias, "the bias gradient sums the rows"),
        (linear_backward_divided_again, "a second 1/N"),
    ],
)
def test_linear_backward_mistakes(candidate, hint):
    assert hint_for("linear-backward", candidate).startswith(hint)


def test_a_transposed_weight_in_the_input_gradient_raises_on_a_non_square_layer():
    with pytest.raises(ExerciseFailed, match="your function raised ValueError"):
        check("linear-backward", linear_backward_wrong_input_gradient)


# --- scalar autodiff ------------------------------------------------------------------


def accumulate_with_assignment(parents, local_grads):
    grads = [0.0] * len(parents)
    grads[-1] = 1.0
    for i in range(len(parents) - 1, -1, -1):
        for p, d in zip(parents[i], local_grads[i]):
            grads[p] = d * grads[i]
    return np.array(grads)


def accumulate_in_forward_order(parents, local_grads):
    grads = [0.0] * len(parents)
    grads[-1] = 1.0
    for i in range(len(parents)):
        for p, d in zip(parents[i], local_grads[i]):
            grads[p] += d * grads[i]
    return np.array(grads)


def accumulate_local_derivatives_only(parents, local_grads):
    grads = [0.0] * len(parents)
    grads[-1] = 1.0
    for i in range(len(parents) - 1, -1, -1):
        for p, d in zip(parents[i], local_grads[i]):
            grads[p] += d
    return np.array(grads)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (accumulate_with_assignment, "the gradients are overwritten"),
        (accumulate_in_forward_order, "the nodes must be visited from the output"),
        (accumulate_local_derivatives_only, "the chain rule multiplies"),
    ],
)
def test_accumulate_gradients_mistakes(candidate, hint):
    assert hint_for("accumulate-gradients", candidate).startswith(hint)


def test_accumulate_gradients_agrees_with_the_value_engine():
    parents, local_grads = random_graph(np.random.default_rng(0), 3, 12)
    nodes = [Value(1.0) for _ in range(3)]
    for node_parents, grads in zip(parents[3:], local_grads[3:]):
        operands = tuple(nodes[p] for p in node_parents)
        nodes.append(Value._from_op(0.0, operands, grads, "op"))
    nodes[-1].backward()
    expected = [node.grad for node in nodes]
    assert np.allclose(accumulate_gradients(parents, local_grads), expected)


# --- tensor autodiff ------------------------------------------------------------------


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def stable_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def targets_one_hot(z, targets):
    result = np.zeros_like(z)
    result[np.arange(len(z)), targets] = 1.0
    return result


def cross_entropy_gradient_of_the_sum(logits, targets):
    return stable_softmax(logits) - targets_one_hot(logits, targets)


def cross_entropy_gradient_without_targets(logits, targets):
    return stable_softmax(logits) / len(logits)


def cross_entropy_gradient_reversed(logits, targets):
    return (targets_one_hot(logits, targets) - stable_softmax(logits)) / len(logits)


def cross_entropy_gradient_naive(logits, targets):
    return (naive_softmax(logits) - targets_one_hot(logits, targets)) / len(logits)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (cross_entropy_gradient_of_the_sum, "a missing 1/N"),
        (cross_entropy_gradient_without_targets, "the one-hot targets are not"),
        (cross_entropy_gradient_reversed, "one_hot - softmax"),
        (cross_entropy_gradient_naive, "an overflow"),
    ],
)
def test_cross_entropy_gradient_mistakes(candidate, hint):
    assert hint_for("cross-entropy-gradient", candidate).startswith(hint)


# --- PyTorch --------------------------------------------------------------------------


def torch_gradients(x, y, W, b, loss_of):
    W = torch.tensor(W, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss_of(torch.tensor(x) @ W.T + b, torch.tensor(y)).backward()
    return W.grad, b.grad


def gradients_by_mse_loss(x, y, W, b):
    return torch_gradients(x, y, W, b, torch.nn.functional.mse_loss)


def gradients_of_the_sum(x, y, W, b):
    return torch_gradients(x, y, W, b, lambda f, t: ((f - t) ** 2).sum())


def gradients_over_swapped_axes(x, y, W, b):
    def loss(f, t):
        return ((f - t) ** 2).sum(dim=0).mean()

    return torch_gradients(x, y, W, b, loss)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (gradients_by_mse_loss, "the mean is over the N examples only"),
        (gradients_of_the_sum, "a missing 1/N"),
        (gradients_over_swapped_axes, "the sum and the mean are over the wrong axes"),
    ],
)
def test_autograd_linear_gradients_mistakes(candidate, hint):
    assert hint_for("autograd-linear-gradients", candidate).startswith(hint)


# --- initialization -------------------------------------------------------------------


def std_as_variance(shape, negative_slope=0.0):
    fan_in = math.prod(shape[1:])
    return 2 / (1 + negative_slope**2) / fan_in


def std_from_fan_out(shape, negative_slope=0.0):
    fan_out = shape[0] * math.prod(shape[2:])
    return math.sqrt(2 / (1 + negative_slope**2) / fan_out)


def std_without_receptive_field(shape, negative_slope=0.0):
    return math.sqrt(2 / (1 + negative_slope**2) / shape[1])


def std_with_relu_gain(shape, negative_slope=0.0):
    return math.sqrt(2 / math.prod(shape[1:]))


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (std_as_variance, "that is the variance"),
        (std_from_fan_out, "fan_out used for fan_in"),
        (std_without_receptive_field, "the receptive field is missing"),
        (std_with_relu_gain, "the gain depends on the negative slope"),
    ],
)
def test_kaiming_std_mistakes(candidate, hint):
    assert hint_for("kaiming-std", candidate).startswith(hint)


# --- strengths and limits -------------------------------------------------------------


def clip_each_array(gradients, max_norm):
    clipped = []
    for g in gradients:
        norm = np.linalg.norm(g)
        clipped.append(g * max_norm / norm if norm > max_norm else g)
    return clipped


def clip_to_exactly_max_norm(gradients, max_norm):
    norm = np.sqrt(sum((g**2).sum() for g in gradients))
    return [g * max_norm / norm if norm > 0 else g for g in gradients]


def clip_by_value(gradients, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in gradients]


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (clip_each_array, "each array is clipped by its own norm"),
        (clip_to_exactly_max_norm, "small gradients are scaled up too"),
        (clip_by_value, "clipping by value"),
    ],
)
def test_clip_gradient_norm_mistakes(candidate, hint):
    assert hint_for("clip-gradient-norm", candidate).startswith(hint)


# --- correct answers ------------------------------------------------------------------


def test_the_pages_solutions_pass():
    check("cross-entropy-gradient", cross_entropy_gradient)
    check("autograd-linear-gradients", autograd_linear_gradients)


def accumulate_by_pulling(parents, local_grads):
    """Each node's gradient as the sum over its children, memoised: the pull form
    of the same sum."""
    children = [[] for _ in parents]
    for child, (node_parents, grads) in enumerate(zip(parents, local_grads)):
        for parent, grad in zip(node_parents, grads):
            children[parent].append((child, grad))
    memo = {}

    def gradient(node):
        if node == len(parents) - 1:
            return 1.0
        if node not in memo:
            memo[node] = sum(grad * gradient(child) for child, grad in children[node])
        return memo[node]

    return np.array([gradient(node) for node in range(len(parents))])


def test_a_readers_correct_answers_pass():
    def toy_input_derivative(x, y, p):
        return p.omega0 * toy_chain(x, y, p)

    def linear_backward(x, W, g):
        return np.einsum("no,oi->ni", g, W), np.einsum("no,ni->oi", g, x), g.sum(0)

    def cross_entropy_by_torch(logits, targets):
        z = torch.tensor(logits, requires_grad=True)
        torch.nn.functional.cross_entropy(z, torch.tensor(targets)).backward()
        return z.grad

    def mse_gradients_in_float32(x, y, W, b):
        W = torch.tensor(W, dtype=torch.float32, requires_grad=True)
        b = torch.tensor(b, dtype=torch.float32, requires_grad=True)
        f = torch.tensor(x, dtype=torch.float32) @ W.T + b
        loss = torch.nn.functional.mse_loss(f, torch.tensor(y).float()) * y.shape[1]
        loss.backward()
        return W.grad, b.grad

    def kaiming_std(shape, negative_slope=0.0):
        gain = torch.nn.init.calculate_gain("leaky_relu", negative_slope)
        fan_in = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))[0]
        return gain / math.sqrt(fan_in)

    def clip_gradient_norm(gradients, max_norm):
        total = np.linalg.norm(np.concatenate([g.ravel() for g in gradients]))
        if total <= max_norm:
            return [g.copy() for g in gradients]
        return [g * (max_norm / total) for g in gradients]

    check("toy-input-derivative", toy_input_derivative)
    check("linear-backward", linear_backward)
    check("accumulate-gradients", accumulate_by_pulling)
    check("cross-entropy-gradient", cross_entropy_by_torch)
    check("autograd-linear-gradients", mse_gradients_in_float32)
    check("kaiming-std", kaiming_std)
    check("clip-gradient-norm", clip_gradient_norm)
