"""Loss functions and their gradients against torch.nn.functional, torch.autograd and
torch.distributions."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlfoundations.building_blocks.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    cross_entropy,
    cross_entropy_gradient,
    gaussian_negative_log_likelihood,
    laplace_negative_log_likelihood,
    logsumexp,
    mae,
    mae_gradient,
    mse,
    mse_gradient,
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
def test_gaussian_nll_matches_torch_and_is_an_affine_function_of_mse(data, sigma):
    mu, y = data
    expected = (
        -torch.distributions.Normal(torch.tensor(mu), sigma)
        .log_prob(torch.tensor(y))
        .mean()
        .item()
    )
    nll = gaussian_negative_log_likelihood(mu, y, sigma)
    assert nll == pytest.approx(expected, rel=1e-10, abs=1e-10)
    assert nll == pytest.approx(
        np.log(sigma * np.sqrt(2 * np.pi)) + mse(mu, y) / (2 * sigma**2),
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
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian_negative_log_likelihood([1.0], [1.0], sigma=0.0)
    with pytest.raises(ValueError, match="scale must be positive"):
        laplace_negative_log_likelihood([1.0], [1.0], scale=-1.0)
