"""SGD with momentum, dampening, Nesterov and weight decay, checked step for step
against torch.optim.SGD."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.momentum import (
    SGD,
    heavy_ball_parameters,
    ill_conditioned_gradient,
    ill_conditioned_loss,
    sgd_update,
    trajectory,
)

STEPS = 100
PAGES = Path(__file__).resolve().parents[2] / "docs" / "optimization"


def least_squares_problem(seed: int, n_in: int, n_out: int, n: int = 16):
    """A random least-squares problem: data, initial parameters [W, b], the loss in
    torch, the gradient in numpy."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))
    params = [rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)]

    def numpy_gradients(w, b):
        residuals = x @ w + b - y  # loss = sum of squared residuals / (2n)
        return [x.T @ residuals / n, residuals.sum(axis=0) / n]

    def torch_loss(w, b):
        return (
            0.5 * ((torch.from_numpy(x) @ w + b - torch.from_numpy(y)) ** 2).sum() / n
        )

    return params, numpy_gradients, torch_loss


def run_both(
    optimizer,
    torch_class,
    seed,
    n_in,
    n_out,
    steps=STEPS,
    state_key=None,
    **hyperparameters,
):
    """Run our optimizer (numpy gradients) and torch's (autograd gradients) side by
    side; return the largest gap."""
    params, numpy_gradients, torch_loss = least_squares_problem(seed, n_in, n_out)
    torch_params = [
        torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params
    ]
    ours = optimizer(params, **hyperparameters)
    theirs = torch_class(torch_params, **hyperparameters)
    worst = 0.0
    for _ in range(steps):
        ours.step(numpy_gradients(*params))
        theirs.zero_grad()
        torch_loss(*torch_params).backward()
        theirs.step()
        for p, tp in zip(params, torch_params):
            worst = max(worst, float(np.max(np.abs(p - tp.detach().numpy()))))
    return worst, ours, theirs, torch_params


sgd_hyperparameters = st.fixed_dictionaries(
    {
        "lr": st.floats(0.0, 0.3),
        "momentum": st.sampled_from([0.0, 0.5, 0.9]) | st.floats(0.0, 0.95),
        "dampening": st.sampled_from([0.0, 0.5]) | st.floats(0.0, 1.0),
        "weight_decay": st.sampled_from([0.0, 0.1]) | st.floats(0.0, 0.5),
        "nesterov": st.booleans(),
    }
)


@settings(max_examples=50, deadline=None)
@given(
    hyperparameters=sgd_hyperparameters,
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
)
def test_sgd_matches_torch_step_for_step(hyperparameters, seed, n_in, n_out):
    if hyperparameters["nesterov"] and (
        hyperparameters["momentum"] <= 0 or hyperparameters["dampening"] != 0
    ):
        hyperparameters["dampening"] = 0.0
        hyperparameters["momentum"] = max(hyperparameters["momentum"], 0.5)
    worst, ours, theirs, torch_params = run_both(
        SGD, torch.optim.SGD, seed, n_in, n_out, **hyperparameters
    )
    assert worst < 1e-6
    if hyperparameters["momentum"] != 0:  # the momentum buffers agree too
        for buffer, tp in zip(ours.buffers, torch_params):
            np.testing.assert_allclose(
                buffer, theirs.state[tp]["momentum_buffer"].numpy(), atol=1e-6, rtol=0
            )


def test_first_step_fills_buffer_with_the_gradient_without_dampening():
    param, grad = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    new_param, buffer = sgd_update(
        param, grad, None, lr=0.1, momentum=0.9, dampening=0.5
    )
    np.testing.assert_array_equal(buffer, grad)  # m_1 = g_1: not (1 - dampening) * g_1
    np.testing.assert_allclose(new_param, param - 0.1 * grad)
    torch_param = torch.tensor(param, requires_grad=True)
    torch_sgd = torch.optim.SGD([torch_param], lr=0.1, momentum=0.9, dampening=0.5)
    torch_param.grad = torch.tensor(grad)
    torch_sgd.step()
    np.testing.assert_allclose(new_param, torch_param.detach().numpy(), atol=1e-15)
    # the second step does dampen
    new_param2, buffer2 = sgd_update(
        new_param, grad, buffer, lr=0.1, momentum=0.9, dampening=0.5
    )
    np.testing.assert_allclose(buffer2, 0.9 * grad + 0.5 * grad)


def test_plain_sgd_is_gradient_descent():
    param, grad = np.array([3.0, -1.0]), np.array([2.0, 0.5])
    new_param, buffer = sgd_update(param, grad, None, lr=0.25)
    np.testing.assert_array_equal(new_param, [2.5, -1.125])
    assert buffer is None


def test_heavy_ball_is_sgd_with_momentum():
    """x_{t+1} = x_t - lr g_t + beta (x_t - x_{t-1}), the heavy-ball form, gives the
    same points."""
    lr, beta = 0.05, 0.8
    path = trajectory(
        SGD, ill_conditioned_gradient, [-4.0, 1.0], 40, lr=lr, momentum=beta
    )
    previous, current = path[0], path[0] - lr * ill_conditioned_gradient(path[0])
    for t in range(1, 40):
        np.testing.assert_allclose(path[t], current, atol=1e-12)
        previous, current = (
            current,
            current
            - lr * ill_conditioned_gradient(current)
            + beta * (current - previous),
        )


def test_trajectory_matches_torch_and_has_start_row():
    start = [-4.0, 1.0]
    path = trajectory(
        SGD, ill_conditioned_gradient, start, 30, lr=0.03, momentum=0.9, nesterov=True
    )
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], start)
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([point], lr=0.03, momentum=0.9, nesterov=True)
    for t in range(1, 31):
        optimizer.zero_grad()
        (0.5 * (point[0] ** 2 + 25 * point[1] ** 2)).backward()
        optimizer.step()
        np.testing.assert_allclose(path[t], point.detach().numpy(), atol=1e-12)


def test_ill_conditioned_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    for point in rng.normal(size=(5, 2)):
        h = 1e-6
        numeric = [
            (
                ill_conditioned_loss(point + h * e, 9.0)
                - ill_conditioned_loss(point - h * e, 9.0)
            )
            / (2 * h)
            for e in np.eye(2)
        ]
        np.testing.assert_allclose(
            ill_conditioned_gradient(point, 9.0), numeric, rtol=1e-6
        )


def test_tuned_heavy_ball_beats_tuned_gradient_descent():
    """Polyak's settings shrink the error like ((sqrt(k)-1)/(sqrt(k)+1))^t; tuned GD
    only like ((k-1)/(k+1))^t."""
    kappa, steps = 100.0, 100
    lr, beta = heavy_ball_parameters(1.0, kappa)
    assert lr == pytest.approx(4 / 121) and beta == pytest.approx((9 / 11) ** 2)

    def gradient(p):
        return ill_conditioned_gradient(p, kappa)

    momentum_path = trajectory(SGD, gradient, [1.0, 1.0], steps, lr=lr, momentum=beta)
    gd_path = trajectory(SGD, gradient, [1.0, 1.0], steps, lr=2 / (1 + kappa))
    momentum_error, gd_error = (
        np.linalg.norm(momentum_path[-1]),
        np.linalg.norm(gd_path[-1]),
    )
    assert gd_error > 0.1  # (99/101)^100 ~ 0.13
    assert (
        momentum_error < 100 * steps * (9 / 11) ** steps
    )  # the rate, up to the polynomial factor of a double root


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"lr": -0.1}, "lr"),
        ({"lr": 0.1, "momentum": -0.5}, "momentum"),
        ({"lr": 0.1, "weight_decay": -1e-4}, "weight_decay"),
        ({"lr": 0.1, "nesterov": True}, "nesterov"),  # Nesterov without momentum
        (
            {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
            "nesterov",
        ),  # with dampening
    ],
)
def test_invalid_hyperparameters_raise_value_error_like_torch(kwargs, name):
    with pytest.raises(ValueError):
        torch.optim.SGD(
            [torch.zeros(2, dtype=torch.float64, requires_grad=True)], **kwargs
        )
    with pytest.raises(ValueError, match=name):
        SGD([np.zeros(2)], **kwargs)


def test_bad_params_and_grads():
    with pytest.raises(ValueError, match="params"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\]"):
        SGD([[1.0, 2.0]], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\]"):
        SGD([np.zeros(2), np.zeros(2, dtype=np.float32)], lr=0.1)
    with pytest.raises(TypeError, match="nesterov"):
        SGD([np.zeros(2)], lr=0.1, momentum=0.9, nesterov="yes")
    optimizer = SGD([np.zeros(2), np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match="grads"):
        optimizer.step([np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        optimizer.step([np.zeros(2), np.zeros(2)])
    with pytest.raises(TypeError, match=r"grads\[0\]"):
        optimizer.step([["a", "b"], np.zeros(3)])
    with pytest.raises(ValueError, match="steps"):
        trajectory(SGD, ill_conditioned_gradient, [1.0, 1.0], -1, lr=0.1)
    with pytest.raises(ValueError, match="point"):
        ill_conditioned_loss([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="kappa"):
        ill_conditioned_gradient([1.0, 2.0], kappa=0.0)
    with pytest.raises(ValueError, match="mu_min must not exceed mu_max"):
        heavy_ball_parameters(10.0, 1.0)


def test_step_updates_the_given_arrays_in_place():
    w = np.array([1.0, 2.0])
    optimizer = SGD([w], lr=0.5)
    optimizer.step([np.array([2.0, 2.0])])
    np.testing.assert_array_equal(w, [0.0, 1.0])
    assert optimizer.params[0] is w


def test_nesterov_is_sutskever_look_ahead_in_shifted_variables():
    """Classical Nesterov: u <- beta u - lr grad(psi + beta u), psi <- psi + u. Its
    look-ahead point phi = psi + beta u follows torch's (and our) Nesterov update
    exactly."""
    lr, beta, start = 0.02, 0.85, np.array([-4.0, 1.0])
    path = trajectory(
        SGD, ill_conditioned_gradient, start, 50, lr=lr, momentum=beta, nesterov=True
    )
    psi, u = start.copy(), np.zeros(2)
    for t in range(1, 51):
        u = beta * u - lr * ill_conditioned_gradient(psi + beta * u)
        psi = psi + u
        np.testing.assert_allclose(path[t], psi + beta * u, atol=1e-12)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: SGD([np.array([np.nan, 1.0])], lr=0.1), r"params\[0\]"),
        (lambda: SGD(None, lr=0.1), "params"),
        (lambda: SGD(np.zeros(2), lr=0.1), "params"),
        (lambda: SGD([np.zeros(2)], lr=np.nan), "lr"),
        (lambda: SGD([np.zeros(2)], lr=0.1, dampening=np.inf), "dampening"),
        (lambda: SGD([np.zeros(2)], lr=0.1).step(None), "grads"),
        (lambda: sgd_update(np.zeros(2), np.zeros(3), None, lr=0.1), "param"),
        (
            lambda: sgd_update(
                np.zeros(2), np.zeros(2), np.zeros(3), lr=0.1, momentum=0.9
            ),
            "buffer",
        ),
        (lambda: sgd_update(np.zeros(2), np.zeros(2), None, lr=-0.1), "lr"),
        (lambda: sgd_update(np.zeros(2), [np.nan, 0.0], None, lr=0.1), "grad"),
        (
            lambda: sgd_update(np.zeros(2), np.zeros(2), None, lr=0.1, nesterov=True),
            "nesterov",
        ),
        (
            lambda: trajectory(SGD, ill_conditioned_gradient, [np.nan, 1.0], 5, lr=0.1),
            "start",
        ),
        (lambda: trajectory(SGD, "gradient", [1.0, 1.0], 5, lr=0.1), "gradient"),
        (
            lambda: trajectory(None, ill_conditioned_gradient, [1.0, 1.0], 5),
            "optimizer_class",
        ),
        (lambda: ill_conditioned_loss([1.0, np.nan]), "point"),
        (lambda: ill_conditioned_gradient([1.0, 2.0], kappa=np.inf), "kappa"),
        (lambda: heavy_ball_parameters(np.nan, 1.0), "mu_min"),
        (lambda: heavy_ball_parameters(1.0, np.inf), "mu_max"),
    ],
)
def test_every_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"(?<!\w){name}(?!\w)"):
        call()


# --- the worked example of the page --------------------------------------------------


def trailing_numbers(cells: list[str]) -> list[float]:
    """The numbers at the end of a row of cells or words (before them: names)."""
    numbers = []
    for cell in reversed(cells):
        try:
            numbers.insert(0, float(cell))
        except ValueError:
            break
    return numbers


def worked_example(page: str) -> tuple[list[list[float]], str]:
    """The numbers of each row of the table in the section "One step by hand" of
    ``page``, and the Python block of that section."""
    text = (PAGES / page).read_text(encoding="utf-8")
    section = text.split("### One step by hand", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    rows = [line.strip().strip("|").split("|") for line in table[2:]]  # no header
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    return [trailing_numbers([c.strip() for c in row]) for row in rows], block


def printed_numbers(block: str, namespace: dict) -> list[list[float]]:
    """Run the page's block (its names given in ``namespace``); the numbers of each
    line it prints."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(block, dict(namespace))
    return [trailing_numbers(line.split()) for line in output.getvalue().splitlines()]


def test_worked_momentum_step_is_what_the_code_prints():
    """The page's table of one heavy-ball and one Nesterov step holds exactly the
    numbers its block prints with sgd_update."""
    table, block = worked_example("momentum.md")
    printed = printed_numbers(block, {"np": np, "sgd_update": sgd_update})
    assert len(table) == 7 and all(len(row) == 2 for row in table)
    assert table == printed
