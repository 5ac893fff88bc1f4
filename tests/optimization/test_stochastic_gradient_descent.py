"""Stochastic and mini-batch gradient descent, checked against torch.optim.SGD (with
StepLR) and np.linalg.lstsq; learning-rate schedules, checked epoch by epoch against
torch.optim.lr_scheduler."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.gradient_descent import gradient_descent
from dlfoundations.optimization.problems import least_squares_gradient, regression_data
from dlfoundations.optimization.stochastic_gradient_descent import (
    SGDRun,
    cosine_annealing,
    exponential_decay,
    minibatch_gradient_descent,
    minibatches,
    seconds_per_epoch,
    step_decay,
    stochastic_gradient,
)

X, Y = regression_data()
OPTIMUM = np.linalg.lstsq(np.column_stack([np.ones_like(X), X]), Y, rcond=None)[0]
START = np.array([-1.0, 3.0])


def gradient(phi):
    return least_squares_gradient(phi, X, Y)


def torch_loss(phi: torch.Tensor, x, y) -> torch.Tensor:
    """The mean squared error of the line, by torch's own mse_loss (mean reduction)."""
    x, y = (
        torch.as_tensor(x, dtype=torch.float64),
        torch.as_tensor(y, dtype=torch.float64),
    )
    return torch.nn.functional.mse_loss(phi[0] + phi[1] * x, y)


# --- stochastic and mini-batch --------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    n_examples=st.integers(1, 60),
    batch_size=st.integers(1, 70),
    seed=st.integers(0, 10_000),
)
def test_minibatches_visit_every_example_once(n_examples, batch_size, seed):
    batches = minibatches(n_examples, batch_size, np.random.default_rng(seed))
    np.testing.assert_array_equal(
        np.sort(np.concatenate(batches)), np.arange(n_examples)
    )
    assert len(batches) == -(-n_examples // batch_size)  # ceil
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_stochastic_gradient_is_unbiased(batch_size):
    """Averaged over every possible batch, the estimate (1/B) sum_{i in batch} grad
    loss_i is the full gradient."""
    x, y = regression_data(7, seed=1)
    phi = np.array([0.3, -0.7])
    estimates = [
        stochastic_gradient(least_squares_gradient, phi, x, y, np.array(b))
        for b in itertools.combinations(range(7), batch_size)
    ]
    np.testing.assert_allclose(
        np.mean(estimates, axis=0), least_squares_gradient(phi, x, y), rtol=1e-12
    )
    if (
        batch_size > 1
    ):  # and single estimates do differ from it: it is an estimate, not the gradient
        assert np.ptp(np.array(estimates)[:, 0]) > 1e-3


def test_each_epoch_visits_every_example_once():
    seen = []

    def recording_gradient(phi, x_batch, y_batch):
        seen.append(x_batch.copy())
        return least_squares_gradient(phi, x_batch, y_batch)

    run = minibatch_gradient_descent(
        recording_gradient, START, X, Y, batch_size=7, epochs=3, lr=0.04
    )
    batches_per_epoch = -(-len(X) // 7)
    assert len(seen) == 3 * batches_per_epoch == len(run.path) - 1
    for epoch in range(3):
        visited = np.concatenate(
            seen[epoch * batches_per_epoch : (epoch + 1) * batches_per_epoch]
        )
        np.testing.assert_array_equal(np.sort(visited), np.sort(X))
    assert run.examples_seen[-1] == 3 * len(X)
    assert np.all(np.diff(run.examples_seen) >= 1)


def test_full_batch_is_plain_gradient_descent():
    run = minibatch_gradient_descent(
        least_squares_gradient, START, X, Y, batch_size=len(X), epochs=40, lr=0.32
    )
    np.testing.assert_allclose(
        run.path, gradient_descent(gradient, START, 0.32, 40), rtol=1e-10, atol=1e-12
    )


def test_minibatch_matches_torch_sgd_with_steplr():
    """Same batches, same schedule: our loop and torch.optim.SGD + StepLR take the same
    steps."""
    schedule = lambda epoch: step_decay(epoch, 0.16, step_size=3, gamma=0.5)  # noqa: E731
    run = minibatch_gradient_descent(
        least_squares_gradient,
        START,
        X,
        Y,
        batch_size=8,
        epochs=10,
        lr=schedule,
        seed=5,
    )
    phi = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([phi], lr=0.16)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    rng = np.random.default_rng(5)  # replay the same permutations
    expected = [START]
    for _ in range(10):
        for batch in minibatches(len(X), 8, rng):
            optimizer.zero_grad()
            torch_loss(phi, X[batch], Y[batch]).backward()
            optimizer.step()
            expected.append(phi.detach().clone().numpy())
        scheduler.step()
    np.testing.assert_allclose(run.path, np.array(expected), rtol=1e-9, atol=1e-12)


def test_minibatch_with_decaying_schedule_reaches_least_squares():
    schedule = lambda epoch: step_decay(epoch, 0.16, step_size=20, gamma=0.5)  # noqa: E731
    run = minibatch_gradient_descent(
        least_squares_gradient,
        START,
        X,
        Y,
        batch_size=8,
        epochs=200,
        lr=schedule,
        seed=0,
    )
    np.testing.assert_allclose(run.path[-1], OPTIMUM, atol=1e-3)
    constant = minibatch_gradient_descent(
        least_squares_gradient, START, X, Y, batch_size=8, epochs=200, lr=0.16, seed=0
    )
    # without the decay, the noise keeps it further away
    assert np.linalg.norm(constant.path[-1] - OPTIMUM) > 10 * np.linalg.norm(
        run.path[-1] - OPTIMUM
    )


def test_constant_rate_sgd_converges_under_interpolation():
    """When the line fits every example exactly, each example's gradient vanishes at
    the optimum and SGD with a constant learning rate converges; with noisy targets
    the same run keeps wandering."""
    exact_y = 0.6 + 0.8 * X  # no noise: the line (0.6, 0.8) interpolates the data
    exact = minibatch_gradient_descent(
        least_squares_gradient, START, X, exact_y, 1, 50, lr=0.04
    )
    np.testing.assert_allclose(exact.path[-1], [0.6, 0.8], atol=1e-9)
    noisy = minibatch_gradient_descent(
        least_squares_gradient, START, X, Y, 1, 50, lr=0.04
    )
    assert np.linalg.norm(noisy.path[-1] - OPTIMUM) > 1e-3


@pytest.mark.parametrize("batch_size", [1, 8, 40])
def test_seconds_per_epoch_times_whole_epochs(batch_size):
    """Not the speed (it varies): that it runs `repeats` epochs of N / B steps and
    returns a positive number of seconds."""
    calls = []

    def counting_gradient(phi, x_batch, y_batch):
        calls.append(len(x_batch))
        return least_squares_gradient(phi, x_batch, y_batch)

    seconds = seconds_per_epoch(
        counting_gradient, START, X, Y, batch_size, lr=0.04, repeats=2
    )
    assert isinstance(seconds, float) and seconds > 0
    assert len(calls) == 2 * -(-len(X) // batch_size)  # ceil(N / B) steps, twice
    assert sum(calls) == 2 * len(X)  # every example, once per epoch


def test_seeded_runs_are_reproducible():
    def run(seed):
        return minibatch_gradient_descent(
            least_squares_gradient, START, X, Y, 4, 5, 0.08, seed=seed
        ).path

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.allclose(run(3), run(4))


# --- learning-rate schedules ----------------------------------------------------------

N_EPOCHS = 120


def torch_rates(
    make_scheduler, initial_lr: float, epochs: int = N_EPOCHS
) -> list[float]:
    """The learning rate torch uses in each epoch, stepping its scheduler once per
    epoch."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=initial_lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@settings(max_examples=30, deadline=None)
@given(
    initial_lr=st.floats(1e-4, 1.0),
    step_size=st.integers(1, 40),
    gamma=st.floats(0.05, 0.99),
)
def test_step_decay_matches_steplr(initial_lr, step_size, gamma):
    expected = torch_rates(
        lambda opt: torch.optim.lr_scheduler.StepLR(
            opt, step_size=step_size, gamma=gamma
        ),
        initial_lr,
    )
    ours = [
        step_decay(epoch, initial_lr, step_size, gamma) for epoch in range(N_EPOCHS)
    ]
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-300)


@settings(max_examples=30, deadline=None)
@given(initial_lr=st.floats(1e-4, 1.0), gamma=st.floats(0.8, 0.999))
def test_exponential_decay_matches_exponentiallr(initial_lr, gamma):
    expected = torch_rates(
        lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma), initial_lr
    )
    ours = [exponential_decay(epoch, initial_lr, gamma) for epoch in range(N_EPOCHS)]
    np.testing.assert_allclose(ours, expected, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    initial_lr=st.floats(1e-3, 1.0),
    t_max=st.integers(1, 60),
    min_fraction=st.floats(0.0, 0.5),
)
def test_cosine_annealing_matches_cosineannealinglr(initial_lr, t_max, min_fraction):
    min_lr = min_fraction * initial_lr
    expected = torch_rates(
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
            opt, T_max=t_max, eta_min=min_lr
        ),
        initial_lr,
    )
    ours = [
        cosine_annealing(epoch, initial_lr, t_max, min_lr) for epoch in range(N_EPOCHS)
    ]
    # torch updates the rate recursively, so allow for its accumulated rounding
    np.testing.assert_allclose(ours, expected, rtol=1e-7, atol=1e-12 * initial_lr)


def test_schedules_at_a_glance():
    assert [step_decay(e, 1.0, step_size=2, gamma=0.5) for e in range(6)] == [
        1,
        1,
        0.5,
        0.5,
        0.25,
        0.25,
    ]
    assert exponential_decay(3, 2.0, gamma=0.5) == pytest.approx(0.25)
    assert cosine_annealing(0, 0.1, t_max=10) == pytest.approx(0.1)
    assert cosine_annealing(5, 0.1, t_max=10) == pytest.approx(0.05)
    assert cosine_annealing(10, 0.1, t_max=10, min_lr=0.01) == pytest.approx(0.01)


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.1, -1e-9])
def test_negative_learning_rate_is_invalid_like_torch(rate):
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=rate)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        minibatch_gradient_descent(
            least_squares_gradient, START, X, Y, 4, 1, lambda epoch: rate
        )


def test_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, 0, 1, 0.01)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_descent(
            least_squares_gradient, START, X, Y, len(X) + 1, 1, 0.01
        )
    with pytest.raises(ValueError, match="epochs"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y, 4, -2, 0.01)
    with pytest.raises(ValueError, match="x and y"):
        minibatch_gradient_descent(least_squares_gradient, START, X, Y[:-1], 4, 1, 0.01)
    with pytest.raises(ValueError, match="batch"):
        stochastic_gradient(
            least_squares_gradient, START, X, Y, np.array([], dtype=int)
        )


def test_schedule_bad_input():
    with pytest.raises(ValueError, match="Invalid learning rate: initial_lr"):
        step_decay(0, -0.1, step_size=5)
    with pytest.raises(ValueError, match="initial_lr"):
        exponential_decay(0, 0.0, gamma=0.9)
    with pytest.raises(ValueError, match="epoch"):
        step_decay(-1, 0.1, step_size=5)
    with pytest.raises(TypeError, match="epoch"):
        cosine_annealing(1.5, 0.1, t_max=5)
    with pytest.raises(ValueError, match="step_size"):
        step_decay(0, 0.1, step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        exponential_decay(0, 0.1, gamma=-0.5)
    with pytest.raises(ValueError, match="t_max"):
        cosine_annealing(0, 0.1, t_max=0)
    with pytest.raises(ValueError, match="min_lr"):
        cosine_annealing(0, 0.1, t_max=5, min_lr=-0.01)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: minibatches(10, 4, "rng"), "rng"),
        (lambda: minibatches(10, 0, np.random.default_rng(0)), "batch_size"),
        (lambda: minibatches(0, 4, np.random.default_rng(0)), "n_examples"),
        (
            lambda: stochastic_gradient(least_squares_gradient, START, X, Y, [0, 99]),
            "batch",
        ),
        (
            lambda: stochastic_gradient(least_squares_gradient, START, X, Y, [0.5]),
            "batch",
        ),
        (
            lambda: stochastic_gradient(least_squares_gradient, START, X, Y[:-1], [0]),
            "x",
        ),
        (lambda: stochastic_gradient("g", START, X, Y, [0]), "gradient"),
        (
            lambda: stochastic_gradient(
                least_squares_gradient, [np.nan, 0.0], X, Y, [0]
            ),
            "phi",
        ),
        (
            lambda: minibatch_gradient_descent(
                gradient_of_batch, START, X, Y, 4, 1, 0.01, seed=-1
            ),
            "seed",
        ),
        (
            lambda: minibatch_gradient_descent(
                gradient_of_batch, START, X, Y, 4, 1, np.inf
            ),
            "lr",
        ),
        (
            lambda: minibatch_gradient_descent(
                gradient_of_batch, START, X, Y, 4, 1, "fast"
            ),
            "lr",
        ),
        (
            lambda: minibatch_gradient_descent(wrong_shape, START, X, Y, 4, 1, 0.01),
            "gradient",
        ),
        (lambda: step_decay(0, 0.1, step_size=5, gamma=np.nan), "gamma"),
        (lambda: exponential_decay(True, 0.1, gamma=0.9), "epoch"),
        (lambda: cosine_annealing(0, np.inf, t_max=5), "initial_lr"),
        (
            lambda: stochastic_gradient(
                least_squares_gradient, START, X, Y, [[0], [1, 2]]
            ),
            "batch",
        ),
        (lambda: SGDRun(path=None, examples_seen=[0]), "path"),
        (lambda: SGDRun(path=np.zeros((2, 3, 1)), examples_seen=[0, 1]), "path"),
        (lambda: SGDRun(path=np.zeros((3, 2)), examples_seen=[0, 1]), "path"),
        (
            lambda: SGDRun(path=np.zeros((2, 2)), examples_seen=[0.0, 1.5]),
            "examples_seen",
        ),
        (lambda: SGDRun(path=np.zeros((2, 2)), examples_seen=[0, -1]), "examples_seen"),
        (
            lambda: seconds_per_epoch(gradient_of_batch, START, X, Y, 4, 0.01, 0),
            "repeats",
        ),
        (
            lambda: seconds_per_epoch(gradient_of_batch, START, X, Y, 99, 0.01),
            "batch_size",
        ),
        (lambda: seconds_per_epoch(gradient_of_batch, START, X, Y, 4, -0.1), "lr"),
    ],
)
def test_every_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"(?<!\w){name}(?!\w)"):
        call()


def gradient_of_batch(phi, x, y):
    return least_squares_gradient(phi, x, y)


def wrong_shape(phi, x, y):
    return np.zeros(3)
