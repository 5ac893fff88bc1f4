"""Learning-rate schedules (chapter 9), checked epoch by epoch against torch.optim.lr_scheduler."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.stochastic_gradient_descent import (
    cosine_annealing,
    exponential_decay,
    step_decay,
)

N_EPOCHS = 120


def torch_rates(make_scheduler, initial_lr: float, n_epochs: int = N_EPOCHS) -> list[float]:
    """The learning rate torch uses in each epoch, stepping its scheduler once per epoch."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=initial_lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(n_epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@settings(max_examples=30, deadline=None)
@given(initial_lr=st.floats(1e-4, 1.0), step_size=st.integers(1, 40), gamma=st.floats(0.05, 0.99))
def test_step_decay_matches_steplr(initial_lr, step_size, gamma):
    expected = torch_rates(lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma),
                           initial_lr)
    ours = [step_decay(epoch, initial_lr, step_size, gamma) for epoch in range(N_EPOCHS)]
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-300)


@settings(max_examples=30, deadline=None)
@given(initial_lr=st.floats(1e-4, 1.0), gamma=st.floats(0.8, 0.999))
def test_exponential_decay_matches_exponentiallr(initial_lr, gamma):
    expected = torch_rates(lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma), initial_lr)
    ours = [exponential_decay(epoch, initial_lr, gamma) for epoch in range(N_EPOCHS)]
    np.testing.assert_allclose(ours, expected, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(initial_lr=st.floats(1e-3, 1.0), t_max=st.integers(1, 60), min_fraction=st.floats(0.0, 0.5))
def test_cosine_annealing_matches_cosineannealinglr(initial_lr, t_max, min_fraction):
    min_lr = min_fraction * initial_lr
    expected = torch_rates(
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=min_lr), initial_lr
    )
    ours = [cosine_annealing(epoch, initial_lr, t_max, min_lr) for epoch in range(N_EPOCHS)]
    # torch updates the rate recursively, so allow for its accumulated rounding
    np.testing.assert_allclose(ours, expected, rtol=1e-7, atol=1e-12 * initial_lr)


def test_schedules_at_a_glance():
    assert [step_decay(e, 1.0, step_size=2, gamma=0.5) for e in range(6)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    assert exponential_decay(3, 2.0, gamma=0.5) == pytest.approx(0.25)
    assert cosine_annealing(0, 0.1, t_max=10) == pytest.approx(0.1)
    assert cosine_annealing(5, 0.1, t_max=10) == pytest.approx(0.05)
    assert cosine_annealing(10, 0.1, t_max=10, min_lr=0.01) == pytest.approx(0.01)


def test_bad_input():
    with pytest.raises(ValueError, match="Invalid learning rate: initial_lr"):
        step_decay(0, -0.1, step_size=5)
    with pytest.raises(ValueError, match="initial_lr"):
        exponential_decay(0, 0.0, gamma=0.9)
    with pytest.raises(ValueError, match="epoch"):
        step_decay(-1, 0.1, step_size=5)
    with pytest.raises(ValueError, match="epoch"):
        cosine_annealing(1.5, 0.1, t_max=5)
    with pytest.raises(ValueError, match="step_size"):
        step_decay(0, 0.1, step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        exponential_decay(0, 0.1, gamma=-0.5)
    with pytest.raises(ValueError, match="t_max"):
        cosine_annealing(0, 0.1, t_max=0)
    with pytest.raises(ValueError, match="min_lr"):
        cosine_annealing(0, 0.1, t_max=5, min_lr=-0.01)
