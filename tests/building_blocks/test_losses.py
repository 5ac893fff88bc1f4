"""Loss functions and their gradients against torch.nn.functional, torch.autograd and
torch.distributions; entropy and KL divergence against torch, and their identities."""

import contextlib
import io
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlfoundations.backpropagation.tensor_autodiff import Tensor
from dlfoundations.backpropagation.tensor_autodiff import hinge_loss as tensor_hinge
from dlfoundations.building_blocks.activations import softmax
from dlfoundations.building_blocks.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    cross_entropy,
    cross_entropy_gradient,
    distribution_cross_entropy,
    entropy,
    gaussian_negative_log_likelihood,
    hinge_loss,
    hinge_loss_gradient,
    kl_divergence,
    laplace_negative_log_likelihood,
    logsumexp,
    mae,
    mae_gradient,
    mse,
    mse_gradient,
    sigmoid_mse_gradient,
)


@contextmanager
def strict_floating_point():
    """Overflow, division by zero, invalid operations and warnings become errors
    (underflow to 0 is fine)."""
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


def torch_loss_and_gradient(torch_loss, first: np.ndarray, second, **kwargs):
    """A torch loss (mean reduction) and its gradient with respect to the first
    argument."""
    t = torch.tensor(first, requires_grad=True)
    loss = torch_loss(t, torch.as_tensor(second), **kwargs)
    loss.backward()
    return loss.item(), t.grad.numpy()


VALUES = st.floats(-100, 100)


@st.composite
def pairs(draw, first=VALUES, second=VALUES):
    shape = draw(array_shapes(max_dims=3, max_side=6))
    return draw(arrays(np.float64, shape, elements=first)), draw(
        arrays(np.float64, shape, elements=second)
    )


PROBABILITIES = st.floats(0, 1)
INNER_PROBABILITIES = st.floats(1e-3, 1 - 1e-3)
LOGITS = st.floats(-1000, 1000)


# --- regression losses ----------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(pairs())
def test_mse_and_gradient_match_torch(data):
    prediction, target = data
    loss, grad = torch_loss_and_gradient(F.mse_loss, prediction, target)
    assert mse(prediction, target) == pytest.approx(loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(
        mse_gradient(prediction, target), grad, rtol=1e-10, atol=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(pairs())
def test_mae_and_gradient_match_torch(data):
    prediction, target = data
    prediction[..., 0] = target[..., 0]  # include ties, where the gradient is 0 in both
    loss, grad = torch_loss_and_gradient(F.l1_loss, prediction, target)
    assert mae(prediction, target) == pytest.approx(loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(
        mae_gradient(prediction, target), grad, rtol=1e-10, atol=1e-12
    )


# --- binary cross-entropy -------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(pairs(first=PROBABILITIES, second=PROBABILITIES))
def test_bce_from_probabilities_matches_torch_including_0_and_1(data):
    p, y = data
    p.flat[0], y.flat[0] = (
        0.0,
        1.0,
    )  # the worst prediction: log(0), clipped to -100 by both
    with strict_floating_point():
        ours = binary_cross_entropy(p, y)
    expected = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item()
    assert np.isfinite(ours)
    assert ours == pytest.approx(expected, rel=1e-10, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(pairs(first=INNER_PROBABILITIES, second=PROBABILITIES))
def test_bce_gradient_matches_torch_autograd(data):
    p, y = data
    loss, grad = torch_loss_and_gradient(F.binary_cross_entropy, p, y)
    assert binary_cross_entropy(p, y) == pytest.approx(loss, rel=1e-10)
    np.testing.assert_allclose(
        binary_cross_entropy_gradient(p, y), grad, rtol=1e-9, atol=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(pairs(first=LOGITS, second=PROBABILITIES))
def test_bce_with_logits_matches_torch_even_at_1000(data):
    z, y = data
    z.flat[0] = (
        1000.0 if y.flat[0] < 0.5 else -1000.0
    )  # confidently wrong: a loss near 1000, not inf
    with strict_floating_point():
        ours, ours_grad = (
            binary_cross_entropy_with_logits(z, y),
            binary_cross_entropy_with_logits_gradient(z, y),
        )
    loss, grad = torch_loss_and_gradient(F.binary_cross_entropy_with_logits, z, y)
    assert np.isfinite(ours) and np.isfinite(ours_grad).all()
    assert ours == pytest.approx(loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(ours_grad, grad, rtol=1e-10, atol=1e-12)


def test_bce_with_logits_extremes_by_hand():
    assert binary_cross_entropy_with_logits([1000.0], [0.0]) == pytest.approx(1000.0)
    assert binary_cross_entropy_with_logits([-1000.0], [0.0]) == 0.0
    assert binary_cross_entropy_with_logits([0.0], [1.0]) == pytest.approx(np.log(2))


def test_bce_from_logits_equals_bce_of_sigmoid_where_both_are_accurate():
    z = np.linspace(-10, 10, 41)
    y = (np.arange(41) % 3 == 0).astype(float)
    p = 1 / (1 + np.exp(-z))
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(
        binary_cross_entropy(p, y), rel=1e-9
    )


# --- categorical cross-entropy --------------------------------------------------------


@st.composite
def logits_and_labels(draw, bound=1000.0):
    n, k = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    z = draw(arrays(np.float64, (n, k), elements=st.floats(-bound, bound)))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return z, labels


@settings(max_examples=60, deadline=None)
@given(logits_and_labels())
def test_cross_entropy_and_gradient_match_torch(data):
    z, labels = data
    z[0, labels[0]] = -1000.0  # confidently wrong
    z[0, (labels[0] + 1) % z.shape[1]] = 1000.0
    with strict_floating_point():
        ours, ours_grad = cross_entropy(z, labels), cross_entropy_gradient(z, labels)
    loss, grad = torch_loss_and_gradient(F.cross_entropy, z, torch.tensor(labels))
    assert np.isfinite(ours) and np.isfinite(ours_grad).all()
    assert ours == pytest.approx(loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(ours_grad, grad, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.floats(-1e4, 1e4),
    )
)
def test_logsumexp_matches_torch(z):
    with strict_floating_point():
        ours = logsumexp(z, axis=-1)
    np.testing.assert_allclose(
        ours, torch.logsumexp(torch.tensor(z), dim=-1).numpy(), rtol=1e-12, atol=1e-12
    )


EPS = np.finfo(np.float64).eps  # 2.2e-16: one ulp (unit in the last place) near 1
# any float64, NaN included (logsumexp itself checks nothing), and +-inf often
any_float = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
often_inf = st.one_of(st.sampled_from([-np.inf, np.inf]), any_float)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, array_shapes(max_dims=2, max_side=5), elements=often_inf))
@example(np.array([-np.inf, -np.inf]))  # torch: -inf, the log of 0
@example(np.array([1.0, np.inf]))  # torch: +inf
@example(np.array([[-np.inf, np.inf], [np.nan, np.inf], [1e308, 1e308]]))
def test_logsumexp_matches_torch_for_infinite_and_nan_entries(z):
    """torch.logsumexp shifts by the row maximum, or by 0 where it is +-inf."""
    with strict_floating_point():
        ours = logsumexp(z, axis=-1)
    reference = torch.logsumexp(torch.tensor(z), dim=-1).numpy()
    np.testing.assert_allclose(
        ours, reference, rtol=4 * EPS, atol=4 * EPS, equal_nan=True
    )


def test_logsumexp_of_rows_with_infinities():
    z = np.array([[-np.inf, -np.inf], [1.0, np.inf], [-np.inf, np.inf], [-np.inf, 2.0]])
    np.testing.assert_array_equal(logsumexp(z), [-np.inf, np.inf, np.inf, 2.0])


# --- the likelihood view --------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(pairs(), st.floats(0.1, 10))
def test_gaussian_nll_matches_torch_and_is_an_affine_function_of_mse(data, std):
    mu, y = data
    expected = (
        -torch.distributions.Normal(torch.tensor(mu), std)
        .log_prob(torch.tensor(y))
        .mean()
        .item()
    )
    nll = gaussian_negative_log_likelihood(mu, y, std)
    assert nll == pytest.approx(expected, rel=1e-10, abs=1e-10)
    assert nll == pytest.approx(
        np.log(std * np.sqrt(2 * np.pi)) + mse(mu, y) / (2 * std**2),
        rel=1e-12,
        abs=1e-12,
    )


@settings(max_examples=40, deadline=None)
@given(pairs(), st.floats(0.1, 10))
def test_laplace_nll_matches_torch_and_is_an_affine_function_of_mae(data, scale):
    mu, y = data
    expected = (
        -torch.distributions.Laplace(torch.tensor(mu), scale)
        .log_prob(torch.tensor(y))
        .mean()
        .item()
    )
    nll = laplace_negative_log_likelihood(mu, y, scale)
    assert nll == pytest.approx(expected, rel=1e-10, abs=1e-10)
    assert nll == pytest.approx(
        np.log(2 * scale) + mae(mu, y) / scale, rel=1e-12, abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(pairs(first=st.floats(-50, 50), second=st.sampled_from([0.0, 1.0])))
def test_bce_with_logits_is_the_bernoulli_negative_log_likelihood(data):
    z, y = data
    expected = (
        -torch.distributions.Bernoulli(logits=torch.tensor(z))
        .log_prob(torch.tensor(y))
        .mean()
        .item()
    )
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(
        expected, rel=1e-10, abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(logits_and_labels(bound=50.0))
def test_cross_entropy_is_the_categorical_negative_log_likelihood(data):
    z, labels = data
    expected = (
        -torch.distributions.Categorical(logits=torch.tensor(z))
        .log_prob(torch.tensor(labels))
        .mean()
        .item()
    )
    assert cross_entropy(z, labels) == pytest.approx(expected, rel=1e-10, abs=1e-12)


# --- MSE through a sigmoid ------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(pairs(first=st.floats(-50, 50), second=PROBABILITIES))
def test_sigmoid_mse_gradient_matches_torch_autograd(data):
    z, y = data
    t = torch.tensor(z, requires_grad=True)
    F.mse_loss(torch.sigmoid(t), torch.tensor(y)).backward()
    np.testing.assert_allclose(
        sigmoid_mse_gradient(z, y), t.grad.numpy(), rtol=1e-9, atol=1e-15
    )


def test_sigmoid_mse_gradient_vanishes_when_confidently_wrong_cross_entropy_does_not():
    z = np.array([-30.0, -20.0, -10.0])  # target 1, sigmoid saturated on the wrong side
    y = np.ones(3)
    mse_slopes = np.abs(3 * sigmoid_mse_gradient(z, y))  # per example (times N = 3)
    ce_slopes = np.abs(3 * binary_cross_entropy_with_logits_gradient(z, y))
    assert (mse_slopes < 1e-4).all() and (np.diff(mse_slopes) > 0).all()
    assert (ce_slopes > 0.9999).all()


def test_sigmoid_mse_gradient_never_exceeds_8_over_27():
    """For y = 1, |2 (p - 1) p (1 - p)| peaks at p = 1/3, z = log(1/2), at 8/27."""
    z = np.linspace(-12, 12, 24001)
    per_example = np.abs(sigmoid_mse_gradient(z, np.ones_like(z))) * z.size
    assert per_example.max() == pytest.approx(8 / 27, rel=1e-6)
    assert z[np.argmax(per_example)] == pytest.approx(np.log(0.5), abs=1e-3)


def test_gradient_descent_on_one_logit_stalls_with_mse_and_recovers_with_bce():
    lr, y = 1.0, np.array([1.0])
    z_mse, z_bce = np.array([-8.0]), np.array([-8.0])
    for _ in range(20):
        z_mse = z_mse - lr * sigmoid_mse_gradient(z_mse, y)
        z_bce = z_bce - lr * binary_cross_entropy_with_logits_gradient(z_bce, y)
    assert z_mse[0] < -7.9  # moved by less than 0.1
    assert z_bce[0] > 2.0  # crossed to the right side


def test_sigmoid_mse_gradient_rejects_bad_input():
    with pytest.raises(ValueError, match="logits and targets must have the same shape"):
        sigmoid_mse_gradient([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="targets must lie in \\[0, 1\\], got -1.0"):
        sigmoid_mse_gradient([1.0], [-1.0])


# --- entropy, cross-entropy and KL divergence -----------------------------------------


@st.composite
def distributions(draw, n_classes: int, zeros: bool = True):
    """A probability vector over ``n_classes``, with some zero entries if ``zeros``."""
    entry = st.floats(1e-3, 1.0)
    if zeros:
        entry = st.one_of(st.just(0.0), entry)
    weights = draw(arrays(np.float64, (n_classes,), elements=entry))
    if weights.sum() == 0:
        weights[draw(st.integers(0, n_classes - 1))] = 1.0
    return weights / weights.sum()


@st.composite
def distribution_pairs(draw, q_zeros: bool = False):
    """p (zeros allowed) and q (strictly positive unless ``q_zeros``) over C classes."""
    n_classes = draw(st.integers(1, 8))
    return draw(distributions(n_classes)), draw(distributions(n_classes, q_zeros))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8).flatmap(distributions))
@example(np.array([1.0, 0.0, 0.0]))  # one-hot: no surprise at all
@example(np.full(4, 0.25))  # uniform: the most surprise, log 4
def test_entropy_matches_torch_categorical(p):
    with strict_floating_point():
        ours = entropy(p)
    expected = torch.distributions.Categorical(probs=torch.tensor(p)).entropy().item()
    assert ours == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert 0 <= ours + 1e-12 and ours <= np.log(p.size) + 1e-12


@settings(max_examples=60, deadline=None)
@given(distribution_pairs())
def test_kl_divergence_matches_torch_kl_div(pair):
    p, q = pair
    with strict_floating_point():
        ours = kl_divergence(p, q)
    # F.kl_div(input, target) = sum target (log target - input), input = log q
    expected = F.kl_div(
        torch.log(torch.tensor(q)), torch.tensor(p), reduction="sum"
    ).item()
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(distribution_pairs())
def test_distribution_cross_entropy_matches_torch_with_soft_targets(pair):
    p, q = pair
    # F.cross_entropy with probabilities as targets: -sum p log_softmax(input)
    logits = torch.log(torch.tensor(q))[None]  # log_softmax(log q) = log q
    expected = F.cross_entropy(logits, torch.tensor(p)[None]).item()
    assert distribution_cross_entropy(p, q) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(distribution_pairs(q_zeros=True))
def test_cross_entropy_is_entropy_plus_kl_divergence(pair):
    p, q = pair
    with strict_floating_point():
        h_pq, h_p, kl = (
            distribution_cross_entropy(p, q),
            entropy(p),
            kl_divergence(p, q),
        )
    if np.isinf(kl):  # q = 0 where p > 0: both are infinite
        assert np.isinf(h_pq) and ((q == 0) & (p > 0)).any()
    else:
        assert h_pq == pytest.approx(h_p + kl, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(distribution_pairs())
def test_kl_divergence_is_positive_unless_p_equals_q(pair):
    p, q = pair
    assert kl_divergence(p, p) == 0.0
    # Pinsker's inequality, KL >= (sum_c |p_c - q_c|)^2 / 2: zero only if p = q
    assert kl_divergence(p, q) >= 0.5 * np.sum(np.abs(p - q)) ** 2 - 1e-12


@settings(max_examples=60, deadline=None)
@given(distribution_pairs())
def test_with_p_fixed_cross_entropy_minus_kl_does_not_depend_on_q(pair):
    """So minimising the cross-entropy over q minimises the KL divergence."""
    p, q = pair
    other = softmax(np.log(q) + np.linspace(0.0, 1.0, q.size))  # another q
    gap = distribution_cross_entropy(p, q) - kl_divergence(p, q)
    other_gap = distribution_cross_entropy(p, other) - kl_divergence(p, other)
    assert gap == pytest.approx(other_gap, rel=1e-9, abs=1e-12)
    assert distribution_cross_entropy(p, q) >= distribution_cross_entropy(p, p) - 1e-12


def test_zero_probabilities_are_handled_exactly():
    with strict_floating_point():
        assert entropy([1.0, 0.0, 0.0]) == 0.0
        assert entropy([0.5, 0.5, 0.0]) == pytest.approx(np.log(2), rel=1e-15)
        assert kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(
            np.log(2), rel=1e-15
        )
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf  # q rules out class 1
        assert distribution_cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf


@settings(max_examples=40, deadline=None)
@given(logits_and_labels(bound=30.0))
def test_cross_entropy_loss_is_the_cross_entropy_from_the_one_hot_targets(data):
    """With one-hot targets H(p) = 0: the loss is a cross-entropy, and a KL too."""
    z, labels = data
    one_hot = np.eye(z.shape[1])[labels]
    q = softmax(z, axis=1)
    from_distributions = [distribution_cross_entropy(t, r) for t, r in zip(one_hot, q)]
    kls = [kl_divergence(t, r) for t, r in zip(one_hot, q)]
    assert cross_entropy(z, labels) == pytest.approx(
        np.mean(from_distributions), rel=1e-9, abs=1e-12
    )
    assert np.mean(kls) == pytest.approx(np.mean(from_distributions), rel=1e-9)


@pytest.mark.parametrize(
    "function", [entropy, kl_divergence, distribution_cross_entropy]
)
def test_distributions_reject_bad_input(function):
    def call(p, q=(0.5, 0.5)):
        return function(p) if function is entropy else function(p, q)

    with pytest.raises(ValueError, match="p must sum to 1 \\(a probability"):
        call([0.5, 0.4])
    with pytest.raises(ValueError, match="p must lie in \\[0, 1\\], got 1.5"):
        call([1.5, -0.5])
    with pytest.raises(ValueError, match="p must be 1-D"):
        call([[0.5, 0.5]])
    with pytest.raises(ValueError, match="p must not contain NaN"):
        call([np.nan, 1.0])
    with pytest.raises(ValueError, match="p must not be empty"):
        call([])
    if function is not entropy:
        with pytest.raises(ValueError, match="p and q must have the same shape"):
            function([0.2, 0.3, 0.5], [0.5, 0.5])
        with pytest.raises(ValueError, match="q must sum to 1"):
            function([0.5, 0.5], [0.5, 0.6])


# --- the hinge loss -------------------------------------------------------------------

SIGNS = st.sampled_from([-1.0, 1.0])


@st.composite
def scores_and_signs(draw):
    n = draw(st.integers(1, 12))
    scores = draw(arrays(np.float64, (n,), elements=st.floats(-5, 5)))
    labels = draw(arrays(np.float64, (n,), elements=SIGNS))
    scores[0] = labels[0]  # margin exactly 1: the kink
    return scores, labels


@settings(max_examples=60, deadline=None)
@given(scores_and_signs())
def test_hinge_loss_and_subgradient_match_torch_multi_margin_loss(data):
    """Two classes with scores (0, f): multi-margin loss = max(0, 1 - y f) / 2."""
    f, y = data
    t = torch.tensor(f, requires_grad=True)
    two_scores = torch.stack([torch.zeros_like(t), t], dim=1)
    class_index = torch.tensor((y > 0).astype(np.int64))
    torch_loss = 2 * F.multi_margin_loss(two_scores, class_index)
    torch_loss.backward()
    assert hinge_loss(f, y) == pytest.approx(torch_loss.item(), rel=1e-12, abs=1e-15)
    np.testing.assert_array_equal(hinge_loss_gradient(f, y), t.grad.numpy())


@settings(max_examples=60, deadline=None)
@given(scores_and_signs())
def test_hinge_loss_matches_autograd_of_the_formula_and_the_autodiff_engine(data):
    f, y = data
    t = torch.tensor(f, requires_grad=True)
    torch_loss = torch.relu(1 - torch.tensor(y) * t).mean()
    torch_loss.backward()
    scores = Tensor(f[:, None], requires_grad=True)
    engine_loss = tensor_hinge(scores, y[:, None])
    engine_loss.backward()
    assert hinge_loss(f, y) == pytest.approx(torch_loss.item(), rel=1e-12, abs=1e-15)
    assert hinge_loss(f, y) == pytest.approx(engine_loss.item(), rel=1e-12, abs=1e-15)
    np.testing.assert_array_equal(hinge_loss_gradient(f, y), t.grad.numpy())
    np.testing.assert_array_equal(hinge_loss_gradient(f, y), scores.grad[:, 0])


@settings(max_examples=60, deadline=None)
@given(scores_and_signs(), arrays(np.float64, 12, elements=st.floats(-5, 5)))
def test_hinge_subgradient_bounds_the_loss_from_below_everywhere(data, other):
    """Convexity: L(f') >= L(f) + g . (f' - f) for every f', with g the subgradient,
    also at the kink (where any slope between -y_i / N and 0 would do)."""
    f, y = data
    f_other = other[: f.size]
    g = hinge_loss_gradient(f, y)
    assert hinge_loss(f_other, y) >= hinge_loss(f, y) + g @ (f_other - f) - 1e-12


def test_hinge_loss_by_hand():
    scores, labels = np.array([2.0, 0.5, -0.5, 1.0]), np.array([1.0, 1.0, 1.0, -1.0])
    # margins 2, 0.5, -0.5, -1: losses 0, 0.5, 1.5, 2
    assert hinge_loss(scores, labels) == pytest.approx(4.0 / 4)
    np.testing.assert_array_equal(
        hinge_loss_gradient(scores, labels), [0.0, -0.25, -0.25, 0.25]
    )


def test_hinge_loss_rejects_bad_input():
    for loss in (hinge_loss, hinge_loss_gradient):
        with pytest.raises(ValueError, match="labels must be -1 or \\+1 .*got 0.0"):
            loss([0.3, -0.2], [1, 0])  # 0/1 class labels: the common mistake
        with pytest.raises(
            ValueError, match="scores and labels must have the same shape"
        ):
            loss([0.3, -0.2], [1.0])
        with pytest.raises(ValueError, match="scores must be finite"):
            loss([np.inf], [1.0])
        with pytest.raises(ValueError, match="labels must not contain NaN"):
            loss([1.0], [np.nan])


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [mse, mae, mse_gradient, mae_gradient])
def test_regression_losses_reject_bad_input(loss):
    with pytest.raises(
        ValueError, match="prediction and target must have the same shape"
    ):
        loss([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="prediction must not be empty"):
        loss([], [])
    with pytest.raises(ValueError, match="target must not contain NaN"):
        loss([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="prediction must be finite"):
        loss([np.inf], [1.0])
    with pytest.raises(
        TypeError, match="prediction must be a number or an array of numbers"
    ):
        loss(["a"], [1.0])


@pytest.mark.parametrize("loss", [binary_cross_entropy, binary_cross_entropy_gradient])
def test_bce_from_probabilities_rejects_bad_input(loss):
    with pytest.raises(
        ValueError, match="probabilities must lie in \\[0, 1\\], got 1.5"
    ):
        loss([0.5, 1.5], [0.0, 1.0])
    with pytest.raises(
        ValueError, match="probabilities must lie in \\[0, 1\\], got -0.1"
    ):
        loss([-0.1], [0.0])
    with pytest.raises(ValueError, match="targets must lie in \\[0, 1\\], got 2.0"):
        loss([0.5, 0.5], [0.0, 2.0])
    with pytest.raises(
        ValueError, match="probabilities and targets must have the same shape"
    ):
        loss([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="probabilities must not contain NaN"):
        loss([np.nan], [1.0])
    with pytest.raises(ValueError, match="targets must not be empty"):
        loss([0.5], [])


@pytest.mark.parametrize(
    "loss",
    [binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_gradient],
)
def test_bce_with_logits_rejects_bad_input(loss):
    with pytest.raises(ValueError, match="targets must lie in \\[0, 1\\], got -1.0"):
        loss([3.0, -2.0], [1.0, -1.0])  # labels in {-1, 1} are a common mistake
    with pytest.raises(ValueError, match="logits and targets must have the same shape"):
        loss([3.0, -2.0], [1.0])
    with pytest.raises(ValueError, match="logits must be finite"):
        loss([np.inf], [1.0])
    with pytest.raises(ValueError, match="logits must not contain NaN"):
        loss([np.nan], [1.0])
    with pytest.raises(ValueError, match="logits must not be empty"):
        loss([], [])


@pytest.mark.parametrize("loss", [cross_entropy, cross_entropy_gradient])
def test_cross_entropy_rejects_bad_input(loss):
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match="labels must be class indices in \\[0, 4\\)"):
        loss(z, [0, 1, 4])
    with pytest.raises(ValueError, match="labels must be non-negative class indices"):
        loss(z, [0, -1, 2])
    with pytest.raises(ValueError, match="labels must have shape \\(3,\\)"):
        loss(z, [0, 1])
    with pytest.raises(TypeError, match="labels must hold integer class indices"):
        loss(z, [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="labels must hold integer class indices"):
        loss(z, [0, np.nan, 1])
    with pytest.raises(ValueError, match="logits must be 2-D"):
        loss(np.zeros(4), [1])
    with pytest.raises(ValueError, match="logits must not contain NaN"):
        loss(np.full((3, 4), np.nan), [0, 1, 2])
    with pytest.raises(ValueError, match="logits must be finite"):
        loss(np.full((3, 4), -np.inf), [0, 1, 2])
    with pytest.raises(ValueError, match="logits must not be empty"):
        loss(np.zeros((0, 4)), np.array([], dtype=int))
    with pytest.raises(ValueError, match="labels must be a rectangular array"):
        loss(z, [[0, 1], [2]])
    with pytest.raises(ValueError, match="for the columns of logits"):
        loss(np.zeros((3, 2)), [0, 1, 2])  # logits one class short of the labels


def test_likelihood_scales_must_be_positive():
    with pytest.raises(ValueError, match="std must be positive"):
        gaussian_negative_log_likelihood([1.0], [1.0], std=0.0)
    with pytest.raises(ValueError, match="scale must be positive"):
        laplace_negative_log_likelihood([1.0], [1.0], scale=-1.0)


# --- the softmax cross-entropy gradient worked by hand on the page ------------------

PAGE = Path(__file__).resolve().parents[2] / "docs/building-blocks/losses.md"
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")  # not the 0 of p_0 or z_c
# numbers per row: z, y, e^z, their sum, p, the loss, onehot(y), the gradient
HAND_ROW_SIZES = [3, 1, 3, 1, 3, 1, 3, 3]


def hand_section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("### One gradient by hand")
    return text[start : text.index("\n## ", start)]


def hand_table() -> list[list[float]]:
    """The numbers of the value column (the last) of the section's table, by row."""
    lines = [line for line in hand_section().splitlines() if line.startswith("|")]
    values = [line.rsplit("|", 2)[-2] for line in lines[2:]]  # after the header
    return [[float(n) for n in NUMBER.findall(value)] for value in values]


def printed(value: float) -> float:
    """A number as the page prints it, to 6 significant digits."""
    return float(f"{value:.6g}")


def test_the_hand_worked_table_has_every_number():
    assert [len(row) for row in hand_table()] == HAND_ROW_SIZES


def test_the_hand_worked_table_is_what_the_package_computes():
    z_row, (label,), *_ = hand_table()
    z, y = np.array([z_row]), np.array([int(label)])
    computed = [
        np.exp(z[0]),
        [np.exp(z[0]).sum()],
        softmax(z[0]),
        [cross_entropy(z, y)],
        np.eye(3)[y[0]],
        cross_entropy_gradient(z, y)[0],  # one example: N = 1
    ]
    assert [[printed(v) for v in row] for row in computed] == hand_table()[2:]


def test_the_hand_worked_table_is_what_torch_computes():
    table = hand_table()
    z = torch.tensor([table[0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([int(table[1][0])])
    loss = F.cross_entropy(z, y)
    loss.backward()
    p = torch.softmax(z, dim=1)[0].detach().numpy()
    assert [printed(v) for v in p] == table[4]
    assert printed(loss.item()) == table[5][0]
    assert [printed(v) for v in z.grad[0].numpy()] == table[7]


def test_the_page_block_prints_the_numbers_of_the_table():
    block = re.search(r"```python\n(.*?)```", hand_section(), re.S)[1]
    names = {
        "np": np,
        "softmax": softmax,
        "cross_entropy": cross_entropy,
        "cross_entropy_gradient": cross_entropy_gradient,
    }
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(block, names)  # what the page's earlier blocks define
    rows = []
    for line in out.getvalue().splitlines():
        words, numbers = line.split(), []
        while words and NUMBER.fullmatch(words[-1]):  # the numbers end each line
            numbers.insert(0, float(words.pop()))
        rows.append(numbers)
    assert rows == hand_table()
