"""Backpropagation in deep networks: the matrix-form backward pass of a deep ReLU
network against torch.autograd and finite differences, and the page's table of a
2-2-1 network worked by hand."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.backpropagation.deep_networks import (
    backward_pass,
    forward_pass,
    matrix_product_costs,
    network_gradients,
)
from dlfoundations.building_blocks.feedforward import (
    init_mlp,
    mlp_forward,
    squared_error,
)
from dlfoundations.foundations.derivatives import numerical_gradient


def torch_loss_and_gradients(x, y, weights, biases):
    """Loss and parameter gradients of the same network in torch (float64)."""
    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    tb = [torch.tensor(b, requires_grad=True) for b in biases]
    h = torch.tensor(x)
    for k, (w, b) in enumerate(zip(tw, tb)):
        h = torch.nn.functional.linear(h, w, b)
        if k < len(tw) - 1:
            h = torch.relu(h)
    loss = (
        torch.nn.functional.mse_loss(h, torch.tensor(y), reduction="sum") / x.shape[0]
    )
    loss.backward()
    return loss.item(), [w.grad.numpy() for w in tw], [b.grad.numpy() for b in tb]


@st.composite
def networks_and_data(draw):
    widths = draw(st.lists(st.integers(1, 9), min_size=2, max_size=7))
    n = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    weights, biases = init_mlp(widths, seed=seed)
    rng = np.random.default_rng(seed + 1)
    return (
        weights,
        biases,
        rng.normal(size=(n, widths[0])),
        rng.normal(size=(n, widths[-1])),
    )


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@settings(max_examples=60, deadline=None)
@given(case=networks_and_data())
def test_every_gradient_matches_torch_autograd(case):
    weights, biases, x, y = case
    loss, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    torch_loss, torch_weight_gradients, torch_bias_gradients = torch_loss_and_gradients(
        x, y, weights, biases
    )
    assert loss == pytest.approx(torch_loss, rel=1e-12)
    for ours, theirs in zip(
        weight_gradients + bias_gradients, torch_weight_gradients + torch_bias_gradients
    ):
        assert ours.shape == theirs.shape
        if np.any(theirs != 0):
            assert relative_error(ours, theirs) < 1e-10
        else:  # a dead layer: every gradient is exactly zero
            np.testing.assert_array_equal(ours, 0.0)


def test_forward_pass_matches_torch_sequential():
    weights, biases = init_mlp([3, 6, 5, 2], seed=7)
    x = np.random.default_rng(8).normal(size=(10, 3))
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 6),
        torch.nn.ReLU(),
        torch.nn.Linear(6, 5),
        torch.nn.ReLU(),
        torch.nn.Linear(5, 2),
    ).double()
    with torch.no_grad():
        for layer, w, b in zip(model[::2], weights, biases):
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))
        expected = model(torch.tensor(x)).numpy()
    fs, hs = forward_pass(x, weights, biases)
    np.testing.assert_allclose(fs[-1], expected, rtol=1e-12)
    assert [f.shape for f in fs] == [(10, 6), (10, 5), (10, 2)]
    assert [h.shape for h in hs] == [(10, 3), (10, 6), (10, 5)]


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 9), min_size=2, max_size=7),
    n=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_forward_pass_output_is_mlp_forward(widths, n, seed):
    """forward_pass is the feedforward chapter's mlp_forward keeping its
    intermediates: its last pre-activation is mlp_forward's output."""
    weights, biases = init_mlp(widths, seed=seed)
    x = np.random.default_rng(seed + 1).normal(size=(n, widths[0]))
    fs, hs = forward_pass(x, weights, biases)
    np.testing.assert_array_equal(fs[-1], mlp_forward(x, weights, biases))
    assert len(fs) == len(hs) == len(weights)


def test_gradients_match_central_differences():
    weights, biases = init_mlp([2, 5, 4, 1], seed=11)
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    _, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    sizes = [w.size for w in weights] + [b.size for b in biases]
    shapes = [w.shape for w in weights] + [b.shape for b in biases]

    def loss_of(vector):
        arrays = [
            part.reshape(shape)
            for part, shape in zip(np.split(vector, np.cumsum(sizes)[:-1]), shapes)
        ]
        return np.mean(squared_error(mlp_forward(x, arrays[:3], arrays[3:]), y))

    flat = np.concatenate([a.ravel() for a in weights + biases])
    analytic = np.concatenate([g.ravel() for g in weight_gradients + bias_gradients])
    np.testing.assert_allclose(
        analytic, numerical_gradient(loss_of, flat), rtol=1e-6, atol=1e-8
    )


def test_a_missing_relu_derivative_would_be_caught():
    """The check can fail: backpropagating through ReLU as if it were the identity gives
    other gradients."""
    weights, biases = init_mlp([3, 8, 8, 1], seed=5)
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    fs, hs = forward_pass(x, weights, biases)
    linear_fs = [
        np.abs(f) + 1.0 for f in fs
    ]  # every unit "active": the ReLU mask disappears
    wrong, _ = backward_pass(y, weights, linear_fs, hs)
    _, right, _ = torch_loss_and_gradients(x, y, weights, biases)
    assert relative_error(wrong[0], right[0]) > 1e-3


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: forward_pass(np.ones((4, 3)), [], []), "weights"),
        (lambda: forward_pass(np.ones((4, 3)), [np.ones((2, 3))], []), "biases"),
        (
            lambda: forward_pass(
                np.ones((4, 3)),
                [np.ones((2, 3)), np.ones((1, 3))],
                [np.ones(2), np.ones(1)],
            ),
            "weights\\[1\\]",
        ),
        (
            lambda: forward_pass(np.ones((4, 3)), [np.ones(3)], [np.ones(1)]),
            "weights\\[0\\]",
        ),
        (
            lambda: forward_pass(np.ones((4, 3)), [np.ones((2, 3))], [np.ones(3)]),
            "biases\\[0\\]",
        ),
        (lambda: forward_pass(np.ones((4, 2)), [np.ones((2, 3))], [np.ones(2)]), "x"),
        (lambda: forward_pass(np.ones(3), [np.ones((2, 3))], [np.ones(2)]), "x"),
        (
            lambda: network_gradients(
                np.ones((4, 3)), np.ones((4, 3)), [np.ones((2, 3))], [np.ones(2)]
            ),
            "y",
        ),
        (
            lambda: network_gradients(
                np.ones((4, 3)), np.ones((3, 2)), [np.ones((2, 3))], [np.ones(2)]
            ),
            "y",
        ),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_non_numeric_weights_raise_type_error():
    with pytest.raises(TypeError, match="weights\\[0\\]"):
        forward_pass(np.ones((1, 2)), [[["a", "b"]]], [[1.0]])


def test_bad_values_the_probe_found_are_refused():
    weights, biases = init_mlp([3, 4, 2], seed=0)
    x, y = np.ones((5, 3)), np.ones((5, 2))
    fs, hs = forward_pass(x, weights, biases)
    with pytest.raises(ValueError, match="hs"):
        backward_pass(y, weights, fs, [hs[0].T, hs[1]])
    with pytest.raises(ValueError, match="fs"):
        backward_pass(y, weights, fs[:1], hs)
    with pytest.raises(ValueError, match="y"):
        network_gradients(x, np.full((5, 2), np.nan), weights, biases)
    with pytest.raises(ValueError, match="x"):
        network_gradients(np.full((5, 3), np.inf), y, weights, biases)


# --- the cost of backpropagation ------------------------------------------------------


def test_matrix_product_costs_by_hand():
    # [3, 8, 8, 2]: products of 24, 64 and 16 multiply-adds per example
    assert matrix_product_costs([3, 8, 8, 2]) == (104, 2 * 104 - 24)
    # one layer: the weight gradient only, as much as the forward pass
    assert matrix_product_costs([5, 7]) == (35, 35)
    # the page's deeper network: the backward pass costs almost twice the forward
    forward, backward = matrix_product_costs([10, 100, 100, 100, 100, 1])
    assert (forward, backward) == (31100, 61200)
    assert 1.9 < backward / forward < 2


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=2, max_size=6),
    n=st.integers(1, 5),
)
def test_matrix_product_costs_match_torch_flop_counter(sizes, n):
    """PyTorch counts 2 FLOPs (a multiply and an add) per multiply-add of a product,
    and runs the same products: no input gradient for data that needs none."""
    from torch.utils.flop_counter import FlopCounterMode

    weights, biases = init_mlp(sizes, seed=0)
    torch_weights = [torch.tensor(w, requires_grad=True) for w in weights]
    torch_biases = [torch.tensor(b, requires_grad=True) for b in biases]
    with FlopCounterMode(display=False) as forward_counter:
        h = torch.ones(n, sizes[0], dtype=torch.float64)
        for k, (w, b) in enumerate(zip(torch_weights, torch_biases)):
            h = torch.nn.functional.linear(h, w, b)
            if k < len(weights) - 1:
                h = torch.relu(h)
        loss = (h**2).sum() / n
    with FlopCounterMode(display=False) as backward_counter:
        loss.backward()
    forward, backward = matrix_product_costs(sizes)
    assert forward_counter.get_total_flops() == 2 * n * forward
    assert backward_counter.get_total_flops() == 2 * n * backward


def test_matrix_product_costs_refuses_bad_sizes():
    with pytest.raises(ValueError, match="layer_sizes"):
        matrix_product_costs([3])
    with pytest.raises(ValueError, match="layer_sizes"):
        matrix_product_costs([3, 0, 1])


# --- the 2-2-1 network worked by hand on the page -------------------------------------

PAGE = Path(__file__).resolve().parents[2] / "docs/backpropagation/deep-networks.md"
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")  # not the 0 of f_0 or Omega_0
# numbers per row: x, y, Omega_0, beta_0, Omega_1, beta_1, then what the passes compute:
# f_0, h_1, f_1, the loss, g_1, dl/dOmega_1, dl/dh_1, g_0, dl/dOmega_0
ROW_SIZES = [2, 1, 4, 2, 2, 1, 2, 2, 1, 1, 1, 2, 2, 2, 4]


def hand_section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## A small network by hand")
    return text[start : text.index("\n## ", start)]


def table_rows() -> list[list[float]]:
    """The numbers of the value column (the last) of the section's table, by row."""
    lines = [line for line in hand_section().splitlines() if line.startswith("|")]
    values = [line.rsplit("|", 2)[-2] for line in lines[2:]]  # after the header
    return [[float(n) for n in NUMBER.findall(value)] for value in values]


def hand_network():
    """x, y, weights and biases as the table gives them."""
    rows = [np.array(row) for row in table_rows()[:6]]
    x, y, omega0, beta0, omega1, beta1 = rows
    weights = [omega0.reshape(2, 2), omega1.reshape(1, 2)]
    return x.reshape(1, 2), y.reshape(1, 1), weights, [beta0, beta1]


def test_the_table_has_every_number_of_both_passes():
    assert [len(row) for row in table_rows()] == ROW_SIZES


def test_the_hand_worked_table_is_what_the_package_computes():
    x, y, weights, biases = hand_network()
    fs, hs = forward_pass(x, weights, biases)
    loss, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    computed = [fs[0], hs[1], fs[1], loss, bias_gradients[1], weight_gradients[1]]
    computed += [bias_gradients[1] @ weights[1]]  # dl/dh_1 = Omega_1^T g_1
    computed += [bias_gradients[0], weight_gradients[0]]
    assert [np.ravel(v).tolist() for v in computed] == table_rows()[6:]


def test_the_hand_worked_table_is_what_torch_autograd_computes():
    x, y, weights, biases = hand_network()
    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    tb = [torch.tensor(b, requires_grad=True) for b in biases]
    f0 = torch.nn.functional.linear(torch.tensor(x), tw[0], tb[0])
    h1 = torch.relu(f0)
    h1.retain_grad()
    f1 = torch.nn.functional.linear(h1, tw[1], tb[1])
    loss = ((f1 - torch.tensor(y)) ** 2).sum()
    loss.backward()
    computed = [f0, h1, f1, loss, tb[1].grad, tw[1].grad, h1.grad, tb[0].grad]
    computed += [tw[0].grad]
    assert [v.detach().numpy().ravel().tolist() for v in computed] == table_rows()[6:]


def test_the_page_block_prints_the_numbers_of_the_table():
    block = re.search(r"```python\n(.*?)```", hand_section(), re.S)[1]
    names = {"forward_pass": forward_pass, "network_gradients": network_gradients}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(block, {"np": np, **names})  # what the page's earlier blocks define
    printed = [float(n) for n in NUMBER.findall(out.getvalue())]
    assert printed == [v for row in table_rows()[6:] for v in row]
