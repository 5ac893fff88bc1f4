"""Gradient descent (chapters 8 and 9): fixed step, line search, stochastic and mini-batch,
checked against torch.autograd, torch.optim.SGD (with StepLR), np.linalg.lstsq and the
closed-form exact line search of a quadratic."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.gradient_descent import (
    check_learning_rate,
    gradient_descent,
    gradient_descent_line_search,
)
from dlfoundations.optimization.problems import (
    least_squares_gradient,
    least_squares_loss,
    least_squares_solution,
    regression_data,
)
from dlfoundations.optimization.stochastic_gradient_descent import (
    minibatch_gradient_descent,
    minibatches,
    step_decay,
    stochastic_gradient,
)

X, Y = regression_data()
OPTIMUM = np.linalg.lstsq(np.column_stack([np.ones_like(X), X]), Y, rcond=None)[0]
HESSIAN = 2 * np.column_stack([np.ones_like(X), X]).T @ np.column_stack([np.ones_like(X), X])
START = np.array([-1.0, 3.0])


def loss(phi):
    return least_squares_loss(phi, X, Y)


def gradient(phi):
    return least_squares_gradient(phi, X, Y)


def torch_loss(phi: torch.Tensor, x, y) -> torch.Tensor:
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    return torch.sum((phi[0] + phi[1] * x - y) ** 2)


# --- the problem ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(phi0=st.floats(-5, 5), phi1=st.floats(-5, 5), n=st.integers(2, 30), seed=st.integers(0, 1000))
def test_loss_and_gradient_match_torch_autograd(phi0, phi1, n, seed):
    x, y = regression_data(n, seed)
    phi = torch.tensor([phi0, phi1], dtype=torch.float64, requires_grad=True)
    expected = torch_loss(phi, x, y)
    expected.backward()
    assert least_squares_loss([phi0, phi1], x, y) == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(least_squares_gradient(np.array([phi0, phi1]), x, y), phi.grad.numpy(),
                               rtol=1e-10, atol=1e-10)


def test_loss_on_a_grid_matches_pointwise():
    phi0, phi1 = np.meshgrid(np.linspace(-1, 2, 5), np.linspace(0, 3, 4))
    grid = least_squares_loss(np.stack([phi0, phi1]), X, Y)
    assert grid.shape == (4, 5)
    for i, j in itertools.product(range(4), range(5)):
        assert grid[i, j] == pytest.approx(loss([phi0[i, j], phi1[i, j]]), rel=1e-12)


def test_solution_is_the_lstsq_minimiser():
    np.testing.assert_allclose(least_squares_solution(X, Y), OPTIMUM, rtol=1e-12)
    np.testing.assert_allclose(gradient(OPTIMUM), 0.0, atol=1e-10)
    assert regression_data(10, seed=3)[0] == pytest.approx(regression_data(10, seed=3)[0])


# --- fixed step ----------------------------------------------------------------------------


def test_fixed_step_matches_torch_sgd_step_for_step():
    path = gradient_descent(gradient, START, learning_rate=0.005, n_steps=50)
    phi = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([phi], lr=0.005)
    expected = [phi.detach().clone().numpy()]
    for _ in range(50):
        optimizer.zero_grad()
        torch_loss(phi, X, Y).backward()
        optimizer.step()
        expected.append(phi.detach().clone().numpy())
    np.testing.assert_allclose(path, np.array(expected), rtol=1e-10, atol=1e-12)


def test_fixed_step_converges_to_least_squares():
    path = gradient_descent(gradient, START, learning_rate=0.008, n_steps=1000)
    assert path.shape == (1001, 2)
    np.testing.assert_allclose(path[-1], OPTIMUM, atol=1e-8)


def test_learning_rate_above_two_over_largest_eigenvalue_diverges():
    """On a quadratic, fixed-step descent converges iff learning_rate < 2 / largest Hessian eigenvalue."""
    limit = 2 / np.linalg.eigvalsh(HESSIAN).max()
    stable = gradient_descent(gradient, START, learning_rate=0.95 * limit, n_steps=500)
    unstable = gradient_descent(gradient, START, learning_rate=1.05 * limit, n_steps=500)
    np.testing.assert_allclose(stable[-1], OPTIMUM, atol=1e-6)
    assert loss(unstable[-1]) > 1e6 * loss(START)


# --- line search ---------------------------------------------------------------------------


def test_line_search_descent_converges_to_least_squares():
    path = gradient_descent_line_search(loss, gradient, START, n_steps=200)
    np.testing.assert_allclose(path[-1], OPTIMUM, atol=1e-6)
    assert len(path) < 100  # far fewer steps than the fixed step needs
    assert np.all(np.diff(loss(path.T)) <= 1e-12)  # the loss never goes up


def test_line_search_step_is_the_exact_minimiser_along_the_gradient():
    """For a quadratic loss the best step along -g is t = g.g / (g.H.g).

    Near a minimum the loss is flat to second order, so comparing loss values pins the
    step down only to about sqrt(machine epsilon): we ask for a relative 1e-6.
    """
    path = gradient_descent_line_search(loss, gradient, START, n_steps=5)
    for before, after in zip(path, path[1:]):
        g = gradient(before)
        t_exact = g @ g / (g @ HESSIAN @ g)
        t_found = (before - after) @ g / (g @ g)
        assert t_found == pytest.approx(t_exact, rel=1e-6)
        np.testing.assert_allclose(after, before - t_found * g, rtol=1e-12)  # and it moved along -g


def test_exact_line_search_makes_successive_gradients_orthogonal():
    path = gradient_descent_line_search(loss, gradient, START, n_steps=6)
    for a, b in zip(path, path[1:-1]):
        g_a, g_b = gradient(a), gradient(b)
        assert abs(g_a @ g_b) < 1e-5 * np.linalg.norm(g_a) * np.linalg.norm(g_b)


# --- stochastic and mini-batch -------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(n_examples=st.integers(1, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 10_000))
def test_minibatches_visit_every_example_once(n_examples, batch_size, seed):
    batches = minibatches(n_examples, batch_size, np.random.default_rng(seed))
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n_examples))
    assert len(batches) == -(-n_examples // batch_size)  # ceil
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_stochastic_gradient_is_unbiased(batch_size):
    """Averaged over every possible batch, the estimate (N/|B|) sum_B grad loss_i is the full gradient."""
    x, y = regression_data(7, seed=1)
    phi = np.array([0.3, -0.7])
    estimates = [stochastic_gradient(least_squares_gradient, phi, x, y, np.array(b))
                 for b in itertools.combinations(range(7), batch_size)]
    np.testing.assert_allclose(np.mean(estimates, axis=0), least_squares_gradient(phi, x, y), rtol=1e-12)
    if batch_size > 1:  # and single estimates do differ from it: it is an estimate, not the gradient
        assert np.ptp(np.array(estimates)[:, 0]) > 1e-3


def test_each_epoch_visits_every_example_once():
    seen = []

    def recording_gradient(phi, x_batch, y_batch):
        seen.append(x_batch.copy())
        return least_squares_gradient(phi, x_batch, y_batch)

    run = minibatch_gradient_descent(recording_gradient, START, X, Y, batch_size=7, n_epochs=3, learning_rate=0.001)
    batches_per_epoch = -(-len(X) // 7)
    assert len(seen) == 3 * batches_per_epoch == len(run.path) - 1
    for epoch in range(3):
        visited = np.concatenate(seen[epoch * batches_per_epoch : (epoch + 1) * batches_per_epoch])
        np.testing.assert_array_equal(np.sort(visited), np.sort(X))
    assert run.examples_seen[-1] == 3 * len(X)
    assert np.all(np.diff(run.examples_seen) >= 1)


def test_full_batch_is_plain_gradient_descent():
    run = minibatch_gradient_descent(least_squares_gradient, START, X, Y, batch_size=len(X), n_epochs=40,
                                     learning_rate=0.008)
    np.testing.assert_allclose(run.path, gradient_descent(gradient, START, 0.008, 40), rtol=1e-10, atol=1e-12)


def test_minibatch_matches_torch_sgd_with_steplr():
    """Same batches, same schedule: our loop and torch.optim.SGD + StepLR take the same steps."""
    schedule = lambda epoch: step_decay(epoch, 0.004, step_size=3, gamma=0.5)  # noqa: E731
    run = minibatch_gradient_descent(least_squares_gradient, START, X, Y, batch_size=8, n_epochs=10,
                                     learning_rate=schedule, seed=5)
    phi = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([phi], lr=0.004)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    rng = np.random.default_rng(5)  # replay the same permutations
    expected = [START]
    for _ in range(10):
        for batch in minibatches(len(X), 8, rng):
            optimizer.zero_grad()
            (len(X) / len(batch) * torch_loss(phi, X[batch], Y[batch])).backward()
            optimizer.step()
            expected.append(phi.detach().clone().numpy())
        scheduler.step()
    np.testing.assert_allclose(run.path, np.array(expected), rtol=1e-9, atol=1e-12)


def test_minibatch_with_decaying_schedule_reaches_least_squares():
    schedule = lambda epoch: step_decay(epoch, 0.004, step_size=20, gamma=0.5)  # noqa: E731
    run = minibatch_gradient_descent(least_squares_gradient, START, X, Y, batch_size=8, n_epochs=200,
                                     learning_rate=schedule, seed=0)
    np.testing.assert_allclose(run.path[-1], OPTIMUM, atol=1e-3)
    constant = minibatch_gradient_descent(least_squares_gradient, START, X, Y, batch_size=8, n_epochs=200,
                                          learning_rate=0.004, seed=0)
    # without the decay, the noise keeps it further away
    assert np.linalg.norm(constant.path[-1] - OPTIMUM) > 10 * np.linalg.norm(run.path[-1] - OPTIMUM)


def test_seeded_runs_are_reproducible():
    def run(seed):
        return minibatch_gradient_descent(least_squares_gradient, START, X, Y, 4, 5, 0.002, seed=seed).path

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.allclose(run(3), run(4))


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.1, -1e-9])
def test_negative_learning_rate_is_invalid_like_torch(rate):
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=rate)
    with pytest.raises(ValueError, match="Invalid learning rate.*learning_rate"):
        gradient_descent(gradient, START, rate, 5)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, 4, 1, lambda epoch: rate)


def test_bad_input():
    with pytest.raises(ValueError, match="learning_rate"):
        check_learning_rate(0.0)
    with pytest.raises(TypeError, match="learning_rate"):
        check_learning_rate("0.1")
    with pytest.raises(ValueError, match="start"):
        gradient_descent(gradient, np.zeros((2, 2)), 0.01, 5)
    with pytest.raises(ValueError, match="gradient"):
        gradient_descent(lambda phi: np.zeros(3), START, 0.01, 5)
    with pytest.raises(TypeError, match="gradient"):
        gradient_descent(None, START, 0.01, 5)
    with pytest.raises(ValueError, match="n_steps"):
        gradient_descent(gradient, START, 0.01, -1)
    with pytest.raises(ValueError, match="gradient_tol"):
        gradient_descent_line_search(loss, gradient, START, 5, gradient_tol=0.0)
    with pytest.raises(ValueError, match="tol"):
        gradient_descent_line_search(loss, gradient, START, 5, tol=-1.0)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, 0, 1, 0.01)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, len(X) + 1, 1, 0.01)
    with pytest.raises(ValueError, match="n_epochs"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, 4, -2, 0.01)
    with pytest.raises(ValueError, match="x and y"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y[:-1], 4, 1, 0.01)
    with pytest.raises(ValueError, match="batch"):
        stochastic_gradient(least_squares_gradient, START, X, Y, np.array([], dtype=int))
    with pytest.raises(ValueError, match="phi"):
        least_squares_loss([1.0, 2.0, 3.0], X, Y)
    with pytest.raises(ValueError, match="phi"):
        least_squares_gradient(np.zeros((2, 3)), X, Y)
    with pytest.raises(ValueError, match="x and y"):
        least_squares_loss(START, X, Y[:-1])
    with pytest.raises(ValueError, match="n_examples"):
        regression_data(1)
