"""The scalar engine (Value) against torch.autograd in float64."""

import math
import sys

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dlfoundations.backpropagation.scalar_autodiff.engine import (
    MLP,
    Value,
    topological_order,
)

N_LEAVES = 3

# --- random expression trees over a few leaves ----------------------------------------
# A tree is ("leaf", i), ("unary", name, child) or ("binary", name, left, right). The
# "safe" forms keep every operation inside its domain (log of a positive number,
# division by a number away from 0), and the same code runs on Values and on torch
# tensors.

UNARY = [
    "exp",
    "log",
    "tanh",
    "relu",
    "neg",
    "square",
    "cube",
    "sqrt",
    "inverse_sqrt",
    "rsub",
    "rmul",
    "radd",
    "rdiv",
]
BINARY = ["add", "sub", "mul", "div"]


def apply_unary(name, x):
    if name == "exp":
        return x.exp()
    if name == "log":
        return (x * x + 0.5).log()
    if name == "tanh":
        return x.tanh()
    if name == "relu":
        return x.relu()
    if name == "neg":
        return -x
    if name == "square":
        return x**2
    if name == "cube":
        return x**3
    if name == "sqrt":
        return (x * x + 0.25) ** 0.5
    if name == "inverse_sqrt":
        return (x * x + 1.0) ** -1.5
    if name == "rsub":
        return 2.5 - x
    if name == "rmul":
        return 1.5 * x
    if name == "radd":
        return 0.5 + x
    if name == "rdiv":
        return 3.0 / (x * x + 1.0)
    raise AssertionError(name)


def apply_binary(name, x, y):
    if name == "add":
        return x + y
    if name == "sub":
        return x - y
    if name == "mul":
        return x * y
    if name == "div":
        return x / (y * y + 0.5)
    raise AssertionError(name)


trees = st.recursive(
    st.tuples(st.just("leaf"), st.integers(0, N_LEAVES - 1)),
    lambda children: st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(UNARY), children),
        st.tuples(st.just("binary"), st.sampled_from(BINARY), children, children),
    ),
    max_leaves=12,
)


def evaluate(tree, leaves):
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    if kind == "unary":
        return apply_unary(tree[1], evaluate(tree[2], leaves))
    return apply_binary(tree[1], evaluate(tree[2], leaves), evaluate(tree[3], leaves))


def torch_gradients(tree, values):
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = evaluate(tree, leaves)
    if not out.requires_grad:  # the expression was a constant
        return out.item(), [0.0] * len(values)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


@settings(max_examples=60, deadline=None)
@given(
    tree=trees,
    values=st.lists(
        st.floats(-2, 2, allow_nan=False), min_size=N_LEAVES, max_size=N_LEAVES
    ),
)
def test_random_expressions_match_torch(tree, values):
    leaves = [Value(v) for v in values]
    try:
        out = evaluate(tree, leaves)
    except OverflowError:  # exp of a huge number: outside float64, skip
        assume(False)
    expected_value, expected_grads = torch_gradients(tree, values)
    assume(math.isfinite(expected_value) and abs(expected_value) < 1e12)
    out = out if isinstance(out, Value) else Value(out)
    out.backward()
    assert out.data == pytest.approx(expected_value, rel=1e-9, abs=1e-12)
    for leaf, expected in zip(leaves, expected_grads):
        assert leaf.grad == pytest.approx(expected, rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("name", UNARY)
def test_each_unary_operation_matches_torch(name):
    for x in (-1.3, 0.4, 2.0):
        value = Value(x)
        out = apply_unary(name, value)
        out.backward()
        expected_value, (expected_grad,) = torch_gradients(
            ("unary", name, ("leaf", 0)), [x]
        )
        assert out.data == pytest.approx(expected_value, rel=1e-12)
        assert value.grad == pytest.approx(expected_grad, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", BINARY)
def test_each_binary_operation_matches_torch(name):
    a, b = Value(1.7), Value(-0.6)
    out = apply_binary(name, a, b)
    out.backward()
    expected_value, expected_grads = torch_gradients(
        ("binary", name, ("leaf", 0), ("leaf", 1)), [1.7, -0.6]
    )
    assert out.data == pytest.approx(expected_value, rel=1e-12)
    assert [a.grad, b.grad] == pytest.approx(expected_grads, rel=1e-12)


def test_plain_division_and_reflected_operations_against_finite_differences():
    def f(x):
        return (2.0 / x - x / 3.0 + (1.0 - x) * 4.0).tanh()

    x = Value(0.8)
    f(x).backward()
    h = 1e-6
    numeric = (f(Value(0.8 + h)).data - f(Value(0.8 - h)).data) / (2 * h)
    assert x.grad == pytest.approx(numeric, rel=1e-7)


def test_relu_gradient_at_zero_is_zero_like_torch():
    x = Value(0.0)
    x.relu().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    t.relu().backward()
    assert x.grad == t.grad.item() == 0.0


# --- powers at extreme values: 0, -0.0, subnormals, 1e-300, 1e300, +-inf, NaN ---------

EPS = np.finfo(np.float64).eps  # 2.2e-16: one ulp (unit in the last place) near 1
# Below the smallest normal number, 2.2e-308, torch may flush to 0: it computes
# x^(-2) as 1 / (x * x), which is 1 / inf = 0 for x = 1e160 instead of 1e-320.
TINY = np.finfo(np.float64).tiny
POWERS = [0.0, 1.0, 2.0, 3.0, -1.0, 0.5, 2.5]
EXTREME_X = [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, -1e-300]
EXTREME_X += [1e-160, -1e-160, 1e154, -1e154, 1e160, -1e160, 1e300, -1e300]
EXTREME_X += [1.7e308, -1.7e308, math.inf, -math.inf, math.nan]


def torch_power(x: float, p: float) -> tuple[float, float]:
    """x ** p and its derivative, by torch.autograd in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = t**p
    out.backward()
    return out.item(), t.grad.item()


def check_power_against_torch(x: float, p: float) -> None:
    """Value(x) ** p matches torch, or raises an error where torch is not finite."""
    expected_value, expected_grad = torch_power(x, p)
    base = Value(x)
    if x < 0 and not p.is_integer():
        with pytest.raises(ValueError, match="integer exponent"):
            base**p
        assert math.isnan(expected_value) or math.isinf(x)  # torch: NaN if finite
        return
    if x == 0 and p < 1 and p != 0:
        with pytest.raises(ValueError, match="nonzero"):
            base**p
        assert math.isinf(expected_grad)  # torch: an infinite slope
        return
    try:
        out = base**p
        out.backward()
    except OverflowError:  # Python floats raise where torch rounds to +-inf
        assert not (math.isfinite(expected_value) and math.isfinite(expected_grad))
        return
    np.testing.assert_allclose(
        [out.data, base.grad],
        [expected_value, expected_grad],
        rtol=4 * EPS,
        atol=TINY,
        equal_nan=True,
    )


@pytest.mark.parametrize("p", POWERS)
def test_power_matches_torch_at_extreme_values(p):
    for x in EXTREME_X:
        check_power_against_torch(x, p)


@settings(max_examples=100, deadline=None)
@given(p=st.sampled_from(POWERS), x=st.floats(allow_subnormal=True))  # with NaN and inf
@example(p=0.0, x=0.0)  # d/dx x^0 = 0, not 0 * 0^(-1)
@example(p=0.0, x=-0.0)
def test_power_matches_torch_for_any_float(p, x):
    check_power_against_torch(x, p)


# --- the known failures of small engines ----------------------------------------------


def test_deep_chain_does_not_hit_the_recursion_limit():
    depth = 50_000
    assert depth > 10 * sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y.backward()
    assert y.data == pytest.approx(depth + 0.5)
    assert x.grad == 1.0
    assert (
        len(topological_order(y)) == 2 * depth + 1
    )  # x, then a constant and a sum per step


def test_reused_intermediate_node_accumulates_like_torch():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    ta = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    tb = ta + ta
    (tb * tb).backward()
    assert a.grad == ta.grad.item() == 8 * 3.0
    assert b.grad == 2 * b.data


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(1.5), Value(-2.0)
    out = (a * b + a.exp()).tanh() * a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_backward_overwrites_gradients_of_an_earlier_output():
    a = Value(2.0)
    c = a * a
    d = c + a
    c.backward()
    assert a.grad == 4.0
    d.backward()  # the graph's grads are reset: d's gradient only, not c's + d's
    assert a.grad == 5.0


def test_topological_order_lists_each_node_once_after_its_parents():
    x, y = Value(1.0), Value(2.0)
    shared = x * y
    out = (shared + x).relu() * shared - y
    order = topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


# --- an MLP of Values against PyTorch -------------------------------------------------


def test_scalar_mlp_gradients_match_torch():
    model = MLP([3, 4, 4, 1], seed=7)
    inputs = [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]
    loss = sum((model(x)[0] - 1.0) ** 2 for x in inputs)
    loss.backward()

    layers = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(len(layer[0].w), len(layer), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor(
                    [[w.data for w in n.w] for n in layer], dtype=torch.float64
                )
            )
            linear.bias.copy_(
                torch.tensor([n.b.data for n in layer], dtype=torch.float64)
            )
        layers += [linear] + ([torch.nn.ReLU()] if i < len(model.layers) - 1 else [])
    net = torch.nn.Sequential(*layers)
    t_loss = ((net(torch.tensor(inputs, dtype=torch.float64))[:, 0] - 1.0) ** 2).sum()
    t_loss.backward()

    assert loss.data == pytest.approx(t_loss.item(), rel=1e-12)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        grads = np.array([[w.grad for w in n.w] for n in layer])
        np.testing.assert_allclose(
            grads, linear.weight.grad.numpy(), rtol=1e-10, atol=1e-14
        )
        assert [n.b.grad for n in layer] == pytest.approx(
            linear.bias.grad.tolist(), rel=1e-10
        )
    assert len(model.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["2.0", None, [1.0], True, 1 + 2j])
def test_value_rejects_non_numbers(data):
    with pytest.raises(TypeError, match="data"):
        Value(data)


def test_operations_reject_bad_operands():
    with pytest.raises(TypeError, match="other"):
        Value(1.0) + "1"
    with pytest.raises(TypeError, match="other"):
        "1" * Value(1.0)
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="log"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match="nonzero"):
        Value(0.0) ** -1


def test_mlp_rejects_bad_sizes():
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([0, 3])
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([2, 3, -1])


def test_bad_values_the_probe_found_are_refused():
    from dlfoundations.backpropagation.scalar_autodiff.engine import Neuron

    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="root"):
        topological_order(None)
    with pytest.raises(ValueError, match=r"x\[0\]"):
        MLP([1, 1])([float("nan")])
    with pytest.raises(TypeError, match="linear"):
        Neuron(2, linear="yes")
    with pytest.raises(ValueError, match="x"):
        MLP([2, 1])([1.0])


def test_division_by_zero_names_the_divisor():
    with pytest.raises(ValueError, match="other"):
        Value(1.0) / 0.0
    with pytest.raises(ValueError, match="other"):
        Value(1.0) / Value(0.0)
