"""Normalization: batch and layer normalization from scratch against
torch.nn.BatchNorm1d (training mode, running statistics, evaluation mode) and
torch.nn.LayerNorm, outputs and gradients in float64; the backward pass against
finite differences; the networks and the training experiment."""

import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from dlfoundations.backpropagation.pytorch import sequential_mlp
from dlfoundations.generalization.normalization import (
    VARIANTS,
    BatchNorm,
    batch_norm,
    batch_norm_backward,
    build_variant,
    dead_unit_share,
    he_initialize,
    initial_spreads,
    layer_norm,
    layer_norm_backward,
    normalization_sweep,
    normalize,
    normalize_backward,
    normalized_mlp,
    relu_input_spread,
    relu_inputs,
)

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
EPS = st.sampled_from([1e-5, 1e-3, 0.1, 1.0])


@st.composite
def batches(draw, min_rows=2):
    """A batch (B, D) of values from -1000 to 1000, some of its columns constant
    (where eps decides the result), gamma, delta and an upstream gradient."""
    b, d = draw(st.integers(min_rows, 12)), draw(st.integers(1, 7))
    x = draw(arrays(np.float64, (b, d), elements=values))
    constant = draw(st.lists(st.booleans(), min_size=d, max_size=d))
    x[:, constant] = x[0, constant]
    gamma = draw(arrays(np.float64, d, elements=st.floats(-3, 3)))
    delta = draw(arrays(np.float64, d, elements=st.floats(-3, 3)))
    grad_out = draw(arrays(np.float64, (b, d), elements=st.floats(-10, 10)))
    return x, gamma, delta, grad_out


def torch_layer(layer, gamma, delta):
    """A float64 torch normalization layer holding gamma (weight) and delta (bias)."""
    layer = layer.double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(delta))
    return layer


def torch_forward_backward(layer, x, grad_out):
    """The layer's output and the gradients of sum(output * grad_out) with respect
    to x, weight and bias, by autograd."""
    x_t = torch.tensor(x, requires_grad=True)
    out = layer(x_t)
    out.backward(torch.from_numpy(grad_out))
    grads = (x_t.grad, layer.weight.grad, layer.bias.grad)
    return out.detach().numpy(), *(g.numpy() for g in grads)


def assert_close(ours, theirs, scale=1.0):
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9 * scale)


@settings(max_examples=80, deadline=None)
@given(batches(), EPS)
@example(
    (np.full((4, 2), 7.0), np.array([1.5, -2.0]), np.zeros(2), np.ones((4, 2))), 1e-5
)
def test_batch_norm_matches_torch_in_training_mode(batch, eps):
    x, gamma, delta, grad_out = batch
    layer = torch_layer(nn.BatchNorm1d(x.shape[1], eps=eps), gamma, delta)
    out_t, grad_x_t, grad_gamma_t, grad_delta_t = torch_forward_backward(
        layer, x, grad_out
    )
    out, x_hat, inv_std = batch_norm(x, gamma, delta, eps)
    grad_x, grad_gamma, grad_delta = batch_norm_backward(
        grad_out, x_hat, inv_std, gamma
    )
    # rounding in x - mean (about 1e-13 for values of 1000) is multiplied by
    # 1 / sqrt(eps) in the output and by 1 / eps in the gradient
    scale = 1.0 + np.abs(x).max() / math.sqrt(eps)
    assert_close(out, out_t, scale)
    assert_close(grad_x, grad_x_t, scale * 10 / math.sqrt(eps))
    assert_close(grad_gamma, grad_gamma_t, scale * 10)
    assert_close(grad_delta, grad_delta_t)


@settings(max_examples=80, deadline=None)
@given(batches(min_rows=1), EPS)
@example((np.full((3, 4), -2.5), np.ones(4), np.ones(4), np.ones((3, 4))), 1e-5)
def test_layer_norm_matches_torch(batch, eps):
    x, gamma, delta, grad_out = batch
    x[0] = x[0, 0]  # an example whose units are all equal: eps decides
    layer = torch_layer(nn.LayerNorm(x.shape[1], eps=eps), gamma, delta)
    out_t, grad_x_t, grad_gamma_t, grad_delta_t = torch_forward_backward(
        layer, x, grad_out
    )
    out, x_hat, inv_std = layer_norm(x, gamma, delta, eps)
    grad_x, grad_gamma, grad_delta = layer_norm_backward(
        grad_out, x_hat, inv_std, gamma
    )
    scale = 1.0 + np.abs(x).max() / math.sqrt(eps)
    assert_close(out, out_t, scale)
    assert_close(grad_x, grad_x_t, scale * 10 / math.sqrt(eps))
    assert_close(grad_gamma, grad_gamma_t, scale * 10)
    assert_close(grad_delta, grad_delta_t)


def test_constant_inputs_normalize_to_zero_with_a_finite_gradient():
    x = np.full((5, 3), 4.2)
    out, x_hat, inv_std = batch_norm(x, np.full(3, 2.0), np.full(3, 0.5))
    np.testing.assert_allclose(out, 0.5, atol=1e-9)  # the shift alone
    np.testing.assert_allclose(inv_std, 1 / math.sqrt(1e-5), rtol=1e-9)
    grad_out = np.arange(15.0).reshape(5, 3)
    grad_x, _, _ = batch_norm_backward(grad_out, x_hat, inv_std, np.full(3, 2.0))
    # x_hat = 0: the gradient is 2 / sqrt(eps) times grad_out minus its column mean
    expected = 2 / math.sqrt(1e-5) * (grad_out - grad_out.mean(axis=0))
    np.testing.assert_allclose(grad_x, expected, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("axis", [0, 1])
def test_normalize_backward_matches_finite_differences(axis):
    """Independent of torch: central differences of L = sum(w * x_hat(x))."""
    rng = np.random.default_rng(axis)
    x, w = rng.normal(size=(5, 4)) * [1, 3, 0.2, 5], rng.normal(size=(5, 4))

    def loss(x):
        return np.sum(w * normalize(x, axis, eps=1e-3)[0])

    x_hat, inv_std = normalize(x, axis, eps=1e-3)
    analytic = normalize_backward(w, x_hat, inv_std, axis)
    numeric = np.zeros_like(x)
    h = 1e-6
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        numeric[index] = (loss(x + step) - loss(x - step)) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(batches(min_rows=3), st.floats(0.1, 100.0), st.floats(-50.0, 50.0))
def test_normalized_outputs_and_gradients_have_their_properties(batch, a, c):
    """With eps negligible (1e-12 against variances of 1 and more), normalization
    removes a column's shift and scale exactly, and its gradient has no component
    along them."""
    x, gamma, delta, grad_out = batch
    x = x + np.arange(x.size).reshape(x.shape)  # no constant column: a real spread
    ones, zeros = np.ones_like(gamma), np.zeros_like(delta)
    out, x_hat, inv_std = batch_norm(x, ones, zeros, eps=1e-12)
    np.testing.assert_allclose(x_hat.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(x_hat.var(axis=0), 1.0)
    # the output does not change when the input is scaled and shifted
    scaled, _, _ = batch_norm(a * x + c, ones, zeros, eps=1e-12)
    np.testing.assert_allclose(scaled, out, atol=1e-8)
    # the gradient reaching x is orthogonal to a shift of a column (sum 0) and to a
    # scaling of it (sum with x_hat 0)
    grad_x, _, _ = batch_norm_backward(grad_out, x_hat, inv_std, gamma)
    size = 1 + np.abs(grad_out * gamma).max() * inv_std.max() * len(x)
    np.testing.assert_allclose(grad_x.sum(axis=0), 0.0, atol=1e-9 * size)
    np.testing.assert_allclose((grad_x * x_hat).sum(axis=0), 0.0, atol=1e-9 * size)


def test_with_eps_the_variance_is_slightly_below_one():
    x = np.array([[0.0], [0.01], [0.02]])  # variance 6.7e-5, not far above eps
    x_hat, _ = normalize(x, axis=0, eps=1e-5)
    variance = x.var()
    assert x_hat.var() == pytest.approx(variance / (variance + 1e-5))
    assert x_hat.var() < 0.9


def test_batch_norm_layer_follows_torch_through_training_and_evaluation():
    """Running statistics after batches of different sizes (torch updates the
    running variance with the unbiased variance), then evaluation mode."""
    rng = np.random.default_rng(0)
    ours = BatchNorm(3, momentum=0.2, eps=1e-3)
    ours.gamma, ours.delta = np.array([1.0, 2.0, -0.5]), np.array([0.0, 1.0, 3.0])
    theirs = torch_layer(
        nn.BatchNorm1d(3, momentum=0.2, eps=1e-3), ours.gamma, ours.delta
    )
    for size in (4, 7, 2, 16, 5):
        x = rng.normal([5.0, -2.0, 0.0], [3.0, 0.1, 10.0], size=(size, 3))
        grad_out = rng.normal(size=(size, 3))
        out_t, grad_x_t, grad_gamma_t, grad_delta_t = torch_forward_backward(
            theirs, x, grad_out
        )
        theirs.weight.grad, theirs.bias.grad = None, None
        assert_close(ours(x), out_t)
        assert_close(ours.backward(grad_out), grad_x_t, 100)
        assert_close(ours.grad_gamma, grad_gamma_t)
        assert_close(ours.grad_delta, grad_delta_t)
        assert_close(ours.running_mean, theirs.running_mean.numpy())
        assert_close(ours.running_var, theirs.running_var.numpy())
    biased = (1 - 0.2) * theirs.running_var.numpy() + 0.2 * x.var(axis=0)
    assert not np.allclose(ours.running_var, biased)  # the unbiased one is used
    ours.training = False
    theirs.eval()
    x = rng.normal(size=(6, 3))
    assert_close(ours(x), theirs(torch.from_numpy(x)).detach().numpy())
    one = x[:1]  # evaluation needs no batch: one example is normalized alone
    assert_close(ours(one), theirs(torch.from_numpy(one)).detach().numpy())
    np.testing.assert_array_equal(ours(one), ours(x)[:1])


def test_training_mode_needs_two_examples_as_torch_does():
    with pytest.raises(ValueError, match="x"):
        BatchNorm(3)(np.ones((1, 3)))
    with pytest.raises(ValueError):
        nn.BatchNorm1d(3)(torch.ones(1, 3))


def test_backward_needs_a_training_call_and_a_matching_gradient():
    layer = BatchNorm(2)
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((3, 2)))
    layer(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((4, 2)))


def test_normalized_mlp_layers():
    sizes = [40, 16, 16, 10]
    assert [type(m) for m in normalized_mlp(sizes)] == [
        type(m) for m in sequential_mlp(sizes)
    ]
    for name, kind in (("batch", nn.BatchNorm1d), ("layer", nn.LayerNorm)):
        model = normalized_mlp(sizes, name)
        expected = [nn.Linear, kind, nn.ReLU] * 2 + [nn.Linear]
        assert [type(m) for m in model] == expected
        assert model(torch.zeros(5, 40)).shape == (5, 10)


def test_he_initialize():
    torch.manual_seed(0)
    model = he_initialize(normalized_mlp([400, 300, 10]))
    weight = model[0].weight.detach().numpy()
    assert weight.var() == pytest.approx(2 / 400, rel=0.03)
    assert all(torch.all(m.bias == 0) for m in model if isinstance(m, nn.Linear))
    assert set(VARIANTS) == {"plain", "plain, He init", "batch norm", "layer norm"}
    assert isinstance(build_variant("layer norm", [4, 3, 2])[1], nn.LayerNorm)


def test_relu_inputs_and_their_spread():
    torch.manual_seed(0)
    model = normalized_mlp([20, 64, 64, 64, 64, 64, 64, 64, 64, 5])
    x = torch.randn(2000, 20)
    inputs = relu_inputs(model, x)
    assert len(inputs) == 8 and all(h.shape == (2000, 64) for h in inputs)
    torch.testing.assert_close(inputs[0], model[0](x))
    # PyTorch's default weights have variance 1 / (3 fan-in): each ReLU layer
    # multiplies the variance by 1/6, the standard deviation by 1/sqrt(6) = 0.41
    spread = relu_input_spread(model, x)
    ratios = spread[1:] / spread[:-1]
    assert np.all((0.3 < ratios[2:]) & (ratios[2:] < 0.55))
    with_batch_norm = relu_input_spread(normalized_mlp([20, 64, 64, 5], "batch"), x)
    np.testing.assert_allclose(with_batch_norm, 1.0, atol=1e-3)


def test_dead_unit_share():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(50, 3)
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.copy_(torch.tensor([-1.0, -1.0, -1.0, 2.0]))
    assert dead_unit_share(model, x) == 0.75
    with torch.no_grad():
        model[0].bias.fill_(1.0)
    assert dead_unit_share(model, x) == 0.0


@pytest.fixture(scope="module")
def experiment_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLF_EXPERIMENT_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def test_initial_spreads_of_the_four_networks(experiment_cache):
    spreads = initial_spreads(depth=8, width=32)
    assert list(spreads) == list(VARIANTS)
    assert all(len(spread) == 7 for spread in spreads.values())
    # six layers, each multiplying the spread by about 1/sqrt(6) = 0.41: 0.005
    assert spreads["plain"][-1] < 1e-2 * spreads["plain"][0]
    np.testing.assert_allclose(spreads["batch norm"], 1.0, atol=1e-3)
    assert spreads["plain, He init"][-1] > 0.1


def test_sweep_results_and_what_the_page_says(experiment_cache):
    """Small settings, uncached. At learning rate 1 and depth 16, batch
    normalization trains within three epochs; the plain network, its He-initialized
    twin and layer normalization stay at the loss of chance, log 10."""
    results = normalization_sweep.__wrapped__(lrs=[1.0], epochs=3)
    assert list(results["variants"]) == list(VARIANTS)
    assert results["train_loss"].shape == (4, 1, 3)
    assert results["test_accuracy"].shape == results["dead_share"].shape == (4, 1)
    final = dict(zip(VARIANTS, results["train_loss"][:, 0, -1]))
    assert final["batch norm"] < 1.9
    for variant in ("plain", "plain, He init", "layer norm"):
        assert abs(final[variant] - math.log(10)) < 0.02
    dead = dict(zip(VARIANTS, results["dead_share"][:, 0]))
    assert dead["batch norm"] == 0.0 and dead["layer norm"] > 0.2
    again = normalization_sweep.__wrapped__(lrs=[1.0], epochs=3)
    np.testing.assert_array_equal(again["train_loss"], results["train_loss"])


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="x"):
        batch_norm(np.ones((1, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="gamma"):
        batch_norm(np.ones((4, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="eps"):
        layer_norm(np.ones((4, 3)), np.ones(3), np.zeros(3), eps=0.0)
    with pytest.raises(ValueError, match="axis"):
        normalize(np.ones((4, 3)), axis=2)
    x_hat, inv_std = normalize(np.arange(12.0).reshape(4, 3), axis=0)
    with pytest.raises(ValueError, match="inv_std"):
        layer_norm_backward(np.ones((4, 3)), x_hat, inv_std, np.ones(3))
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="normalization"):
        normalized_mlp([3, 4, 2], "group")
    with pytest.raises(ValueError, match="lrs"):
        normalization_sweep(lrs=[0.1, -1.0])
    with pytest.raises(ValueError, match="device"):
        normalization_sweep(device="abc")
