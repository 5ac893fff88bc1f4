"""The tensor engine (Tensor) against torch.autograd in float64, over random shapes;
micrograd's demo with it: MLP([2, 16, 16, 1]) fits 100 two-moons points."""

import time

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

from dlfoundations.backpropagation.tensor_autodiff import (
    MLP,
    Linear,
    Tensor,
    cross_entropy,
    hinge_loss,
    moons,
    sgd_step,
    train_moons,
    unbroadcast,
)

SETTINGS = settings(max_examples=40, deadline=None)


def torch_leaf(array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def check_against_torch(f, arrays, rtol=1e-10):
    """Compare f's value and the gradients of sum(f(...) * upstream) in both engines.

    A random upstream gradient (not all ones) exercises the vector-Jacobian products
    fully.
    """
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*ours)
    upstream = np.random.default_rng(0).normal(size=out.shape)
    (out * upstream).sum().backward()
    theirs = [torch_leaf(a) for a in arrays]
    t_out = f(*theirs)
    (t_out * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=rtol, atol=1e-12)
    for mine, reference in zip(ours, theirs):
        assert mine.grad.shape == mine.shape
        np.testing.assert_allclose(
            mine.grad, reference.grad.numpy(), rtol=rtol, atol=1e-12
        )


def arrays_for(shapes, seed, positive=()):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=shape) for shape in shapes]
    for i in positive:  # away from 0, for dividing by it
        arrays[i] = np.sign(arrays[i] + 1e-9) * (0.5 + np.abs(arrays[i]))
    return arrays


@pytest.mark.parametrize(
    "op",
    [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b],
    ids=["add", "sub", "mul", "div"],
)
@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4),
    seed=st.integers(0, 1000),
)
def test_broadcasting_arithmetic_matches_torch(op, shapes, seed):
    check_against_torch(op, arrays_for(shapes.input_shapes, seed, positive=(1,)))


@SETTINGS
@given(
    m=st.integers(1, 5),
    k=st.integers(1, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_matmul_and_transpose_match_torch(m, k, n, seed):
    a, b = arrays_for([(m, k), (k, n)], seed)
    check_against_torch(lambda x, y: x @ y, [a, b])
    check_against_torch(lambda x, y: (y.T @ x.T).T, [a, b])


@SETTINGS
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 1000))
def test_transpose_matches_torch(m, n, seed):
    (a,) = arrays_for([(m, n)], seed)
    check_against_torch(lambda t: t.T, [a])


@SETTINGS
@given(
    batch=st.integers(1, 6),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_linear_layer_matches_torch_linear(batch, n_in, n_out, seed):
    """Linear stores W as (n_out, n_in), as nn.Linear does, and computes x @ W.T + b:
    torch.nn.functional.linear with the same arrays gives the same values and
    gradients."""
    layer = Linear(n_in, n_out, np.random.default_rng(seed))
    assert layer.weight.shape == (n_out, n_in) and layer.bias.shape == (n_out,)
    (x,) = arrays_for([(batch, n_in)], seed + 1)

    def forward(x, weight, bias):
        if isinstance(x, Tensor):  # our layer, holding the leaves of the check
            layer.weight, layer.bias = weight, bias
            return layer(x)
        return torch.nn.functional.linear(x, weight, bias)

    check_against_torch(forward, [x, layer.weight.data, layer.bias.data])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_sum_and_mean_over_any_axes_match_torch(shape, data):
    ndim = len(shape)
    axis = data.draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(
                st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True
            ).map(tuple),
        )
    )
    keepdims = data.draw(st.booleans())
    (x,) = arrays_for([shape], data.draw(st.integers(0, 1000)))
    dim = tuple(range(ndim)) if axis is None else axis
    check_against_torch(
        lambda t: (
            t.sum(axis, keepdims=keepdims)
            if isinstance(t, Tensor)
            else t.sum(dim, keepdim=keepdims)
        ),
        [x],
    )
    check_against_torch(
        lambda t: (
            t.mean(axis, keepdims=keepdims)
            if isinstance(t, Tensor)
            else t.mean(dim, keepdim=keepdims)
        ),
        [x],
    )


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        ("relu", lambda t: t.relu(), torch.relu),
        ("exp", lambda t: t.exp(), torch.exp),
        ("log", lambda t: (t * t + 0.1).log(), lambda t: torch.log(t * t + 0.1)),
        ("tanh", lambda t: t.tanh(), torch.tanh),
        ("neg", lambda t: -t, lambda t: -t),
        ("pow", lambda t: (t * t + 0.5) ** -1.5, lambda t: (t * t + 0.5) ** -1.5),
        (
            "reflected",
            lambda t: (2.0 - t) * 3.0 / (1.0 + t * t) + 1.0,
            lambda t: (2.0 - t) * 3.0 / (1.0 + t * t) + 1.0,
        ),
    ],
)
@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=st.integers(0, 1000)
)
def test_elementwise_functions_match_torch(name, ours, theirs, shape, seed):
    check_against_torch(
        lambda t: ours(t) if isinstance(t, Tensor) else theirs(t),
        arrays_for([shape], seed),
    )


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=5), data=st.data())
def test_log_softmax_matches_torch_on_any_axis(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    scale = data.draw(st.sampled_from([1.0, 1000.0]))  # 1000: naive exp would overflow
    (x,) = arrays_for([shape], data.draw(st.integers(0, 1000)))
    x = x * scale
    check_against_torch(
        lambda t: (
            t.log_softmax(axis) if isinstance(t, Tensor) else torch.log_softmax(t, axis)
        ),
        [x],
    )


def test_log_softmax_is_finite_for_extreme_logits():
    logits = Tensor(
        [[1000.0, -1000.0, 0.0], [-800.0, -800.0, -800.0]], requires_grad=True
    )
    out = logits.log_softmax(axis=1)
    assert np.all(np.isfinite(out.data))
    np.testing.assert_allclose(out.data[1], np.log(1 / 3))


# --- extreme values: 0, -0.0, subnormals, 1e-300, 1e300, +-inf -----------------------

EPS = np.finfo(np.float64).eps  # 2.2e-16: one ulp (unit in the last place) near 1
# Below the smallest normal number, 2.2e-308, torch may flush to 0: it computes
# x^(-2) as 1 / (x * x), which is 1 / inf = 0 for x = 1e160 instead of 1e-320.
TINY = np.finfo(np.float64).tiny
POWERS = [0.0, 1.0, 2.0, 3.0, -1.0, 0.5, 2.5]
# every float64 but NaN (Tensor refuses it): subnormals, -0.0, 1e308 and +-inf
any_float_but_nan = st.floats(allow_nan=False, allow_subnormal=True)
EXTREME_X = [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, -1e-300]
EXTREME_X += [1e-160, -1e-160, 1e154, -1e154, 1e160, -1e160, 1e300, -1e300]
EXTREME_X += [1.7e308, -1.7e308, np.inf, -np.inf, 2.0, -2.0]


def assert_same_floats(ours: np.ndarray, reference: np.ndarray) -> None:
    """NaN and +-inf in the same places; finite values within 4 eps (2 to 4 ulps)."""
    np.testing.assert_allclose(ours, reference, rtol=4 * EPS, atol=TINY, equal_nan=True)


def check_power_against_torch(x: np.ndarray, p: float) -> None:
    """x ** p and the gradient of sum(x ** p) in both engines, element by element."""
    ours = Tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):  # 0 ** -1 = inf, (-2) ** 0.5 = NaN, as in torch
        out = ours**p
        out.sum().backward()
    theirs = torch_leaf(x)
    (theirs**p).sum().backward()
    assert_same_floats(out.data, (torch.tensor(x) ** p).numpy())
    compared = np.ones(x.shape, dtype=bool)
    if p == 0.5:
        # torch computes this gradient as 0.5 * rsqrt(x): 1 / sqrt(-0.0) = -inf at
        # x = -0.0, and NaN at x = -inf. We use n x^(n-1), and C's pow gives
        # (-0.0)^(-0.5) = +inf, the slope of sqrt at 0, and (-inf)^(-0.5) = 0.
        quirk = np.signbit(x) & ((x == 0) | np.isinf(x))
        ours_at_quirk = np.where(x[quirk] == 0, np.inf, 0.0)
        np.testing.assert_array_equal(ours.grad[quirk], ours_at_quirk)
        compared = ~quirk
    assert_same_floats(ours.grad[compared], theirs.grad.numpy()[compared])


@pytest.mark.parametrize("p", POWERS)
def test_power_gradient_matches_torch_at_extreme_values(p):
    check_power_against_torch(np.array(EXTREME_X), p)


@settings(max_examples=100, deadline=None)
@given(
    p=st.sampled_from(POWERS),
    x=arrays(np.float64, st.integers(1, 8), elements=any_float_but_nan),
)
@example(p=0.0, x=np.array([0.0, -0.0]))  # d/dx x^0 = 0, not 0 * 0^(-1) = NaN
def test_power_gradient_matches_torch_for_any_floats(p, x):
    check_power_against_torch(x, p)


def test_gradient_of_x_to_the_zero_is_zero_at_zero():
    x = Tensor([0.0, -0.0, 5e-324, 2.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 0.0])


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        array_shapes(min_dims=2, max_dims=2, max_side=4),
        elements=st.one_of(st.sampled_from([-np.inf, np.inf]), st.floats(-1e3, 1e3)),
    )
)
@example(np.array([[-np.inf, -np.inf], [1.0, np.inf], [-np.inf, 2.0], [3.0, 4.0]]))
def test_log_softmax_matches_torch_for_rows_with_infinities(z):
    """torch.log_softmax: a row of only -inf, or one holding +inf, is NaN (value and
    gradient); an entry -inf in an otherwise finite row is -inf, with gradient as usual.
    """
    upstream = np.random.default_rng(0).normal(size=z.shape)
    ours = Tensor(z, requires_grad=True)
    with np.errstate(all="ignore"):  # inf - inf = NaN, as in torch
        out = ours.log_softmax(axis=1)
        (out * upstream).sum().backward()
    theirs = torch_leaf(z)
    t_out = torch.log_softmax(theirs, dim=1)
    (t_out * torch.tensor(upstream)).sum().backward()
    tolerances = dict(rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), **tolerances)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), **tolerances)


@SETTINGS
@given(batch=st.integers(1, 8), n_classes=st.integers(2, 5), seed=st.integers(0, 1000))
def test_mlp_with_cross_entropy_matches_torch(batch, n_classes, seed):
    rng = np.random.default_rng(seed)
    x, targets = rng.normal(size=(batch, 3)), rng.integers(0, n_classes, size=batch)
    model = MLP([3, 5, n_classes], seed=seed)
    loss = cross_entropy(model(x), targets)
    loss.backward()
    (w1, b1), (w2, b2) = [
        [torch_leaf(p.data) for p in layer.parameters()] for layer in model.layers
    ]
    linear = torch.nn.functional.linear  # x @ W.T + b, W of shape (out, in)
    logits = linear(torch.relu(linear(torch.tensor(x), w1, b1)), w2, b2)
    t_loss = torch.nn.functional.cross_entropy(logits, torch.tensor(targets))
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    for p, t in zip(model.parameters(), [w1, b1, w2, b2]):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_hinge_loss_matches_torch():
    scores = np.array([[0.3], [-2.0], [1.5], [0.9]])
    labels = np.array([[1.0], [-1.0], [-1.0], [1.0]])
    s = Tensor(scores, requires_grad=True)
    loss = hinge_loss(s, labels)
    loss.backward()
    t = torch_leaf(scores)
    t_loss = torch.relu(1 - t * torch.tensor(labels)).mean()
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item())
    np.testing.assert_allclose(s.grad, t.grad.numpy())


def test_sgd_step_moves_against_the_gradient():
    w = Tensor([1.0, -2.0], requires_grad=True)
    ((w * w).sum()).backward()
    sgd_step([w], lr=0.25)
    np.testing.assert_allclose(w.data, [0.5, -1.0])  # w - 0.25 * 2w


def test_unbroadcast_sums_over_added_and_stretched_axes():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(
        unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None]
    )
    np.testing.assert_allclose(unbroadcast(grad, (4,)), grad.sum(axis=(0, 1)))
    assert unbroadcast(grad, (2, 3, 4)) is grad


# --- the known failures of small engines ----------------------------------------------


def test_reused_node_and_backward_twice():
    a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = a + a
    c = (b * b).sum()
    c.backward()
    np.testing.assert_allclose(a.grad, 8 * a.data)
    first = a.grad.copy()
    c.backward()
    np.testing.assert_allclose(a.grad, first)  # overwritten, not accumulated


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0])


def test_inputs_without_requires_grad_get_no_gradient():
    x = Tensor(np.ones((2, 3)))
    w = Tensor(np.ones((3, 1)), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, [[2.0], [2.0], [2.0]])


# --- bad input ------------------------------------------------------------------------


def test_bad_inputs_raise_errors_naming_the_argument():
    with pytest.raises(TypeError, match="data"):
        Tensor("abc")
    with pytest.raises(TypeError, match="data"):
        Tensor([object()])
    with pytest.raises(ValueError, match="data"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([1.0], requires_grad=1)
    with pytest.raises(TypeError, match="other"):
        Tensor([1.0]) + "x"
    with pytest.raises(TypeError, match="exponent"):
        Tensor([1.0]) ** Tensor([2.0])
    with pytest.raises(ValueError, match="log"):
        Tensor([1.0, -1.0]).log()


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and other \(2, 3\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        Tensor(np.ones(3)) @ Tensor(np.ones((3, 2)))


def test_backward_needs_a_scalar_output_that_requires_grad():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="one-element"):
        (w * 2.0).backward()
    with pytest.raises(ValueError, match="requires_grad"):
        Tensor([1.0]).sum().backward()


def test_losses_and_model_reject_bad_arguments():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="targets"):
        cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(TypeError, match="targets"):
        cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="labels"):
        hinge_loss(Tensor(np.zeros((2, 1))), np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match="x must have shape"):
        MLP([3, 2])(np.ones((4, 2)))
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([3])
    with pytest.raises(ValueError, match="lr"):
        sgd_step([], lr=-1.0)


# --- micrograd's demo: the two moons --------------------------------------------------


def test_moons_data_has_two_balanced_classes_with_labels_minus_one_and_one():
    x, y = moons()
    assert x.shape == (100, 2)
    assert sorted(np.unique(y)) == [-1.0, 1.0]
    assert np.sum(y > 0) == 50


def test_mlp_reaches_100_percent_training_accuracy_on_the_moons():
    start = time.perf_counter()
    model, losses, accuracies = train_moons(steps=100, seed=0)
    x, y = moons()
    predictions = np.sign(model(x).data[:, 0])
    assert np.mean(predictions == y) == 1.0
    assert len(losses) == 100 and losses[-1] < 0.1 * losses[0]
    assert accuracies[0] < 1.0  # it was learned, not given
    assert time.perf_counter() - start < 30


def test_first_training_step_matches_torch():
    x, y = moons()
    model = MLP([2, 16, 16, 1], seed=0, init_bound=1.0)
    params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    l2 = sum((p * p).sum() for p in model.parameters())
    loss = hinge_loss(model(x), y[:, None]) + 1e-4 * l2
    loss.backward()

    w1, b1, w2, b2, w3, b3 = params
    linear = torch.nn.functional.linear  # x @ W.T + b, W of shape (out, in)
    h = torch.relu(linear(torch.relu(linear(torch.tensor(x), w1, b1)), w2, b2))
    scores = linear(h, w3, b3)[:, 0]
    t_loss = torch.relu(1 - torch.tensor(y) * scores).mean() + 1e-4 * sum(
        (p * p).sum() for p in params
    )
    t_loss.backward()
    assert abs(loss.item() - t_loss.item()) < 1e-12
    for p, t in zip(model.parameters(), params):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert isinstance(loss, Tensor)


def test_bad_values_the_probe_found_are_refused():
    with pytest.raises(ValueError, match="grad"):
        unbroadcast(np.ones((4, 3)), (2,))
    with pytest.raises(ValueError, match="parameters"):
        sgd_step([Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="rng"):
        Linear(2, 3, rng="abc")
    with pytest.raises(ValueError, match="init_bound"):
        MLP([2, 3], init_bound=0.0)
    with pytest.raises(ValueError, match="n_samples"):
        moons(n_samples=0)
    with pytest.raises(ValueError, match="steps"):
        train_moons(steps=0)
    with pytest.raises(TypeError, match="scores"):
        hinge_loss(np.zeros((2, 1)), np.ones((2, 1)))


def test_operations_name_their_bad_arguments():
    t = Tensor(np.ones((4, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="other"):
        t + np.ones(2)  # shapes that do not broadcast
    with pytest.raises(TypeError, match="axis"):
        t.log_softmax(axis=None)
    with pytest.raises(TypeError, match="axis"):
        t.sum(axis=True)
    with pytest.raises(ValueError, match="axis"):
        t.mean(axis=2)
    with pytest.raises(TypeError, match="keepdims"):
        t.sum(keepdims="yes")
    with pytest.raises(ValueError, match="x"):
        Linear(2, 3, np.random.default_rng(0))(np.ones((4, 3)))
    with pytest.raises(ValueError, match="targets"):
        cross_entropy(Tensor(np.zeros((2, 3))), [[0, 1], [2]])
    np.testing.assert_allclose(t.sum(axis=(0, 1)).data, 12.0)  # a tuple of axes is fine
