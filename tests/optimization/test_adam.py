"""AdaGrad, RMSProp and Adam (with L2 weight decay, AdaGrad's learning-rate decay and
Adam's AMSGrad), checked step for step against torch.optim.Adagrad, torch.optim.RMSprop
and torch.optim.Adam."""

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.adam import (
    Adagrad,
    Adam,
    RMSprop,
    adagrad_update,
    adam_update,
    bias_correct,
    moving_average,
    rmsprop_update,
)
from dlfoundations.optimization.momentum import ill_conditioned_gradient, trajectory
from test_momentum import (
    least_squares_problem,
    printed_numbers,
    run_both,
    worked_example,
)

# Adam's step m_hat / sqrt(v_hat) stays bounded when beta1 < sqrt(beta2) (beta1 =
# fraction * sqrt(beta2)).
# With beta1 > sqrt(beta2) it is unbounded: a small gradient after large ones makes a
# huge jump, and the
# trajectory turns chaotic, so ANY two implementations drift apart from rounding
# differences of 1e-16.
# Those settings are checked one step at a time, from the same state (the second test
# below).
stable_betas = st.builds(
    lambda beta2, fraction: (fraction * beta2**0.5, beta2),
    st.sampled_from([0.0, 0.999]) | st.floats(0.0, 0.9999),
    st.sampled_from([0.0, 0.9 / 0.999**0.5]) | st.floats(0.0, 0.99),
)
any_betas = st.tuples(st.floats(0.0, 0.999), st.floats(0.0, 0.9999))


def adam_hyperparameters(betas):
    """Strategy for the keyword arguments of Adam, with the given strategy for
    ``betas``."""
    return st.fixed_dictionaries(
        {
            "lr": st.floats(0.0, 0.1),
            "betas": betas,
            "eps": st.sampled_from([1e-8, 1e-3]) | st.floats(1e-10, 1e-2),
            "weight_decay": st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.5),
            "amsgrad": st.booleans(),
        }
    )


@settings(max_examples=50, deadline=None)
@example(
    hyperparameters={
        "lr": 0.09375,
        "betas": (0.0, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.5,
        "amsgrad": False,
    },
    seed=0,
    n_in=1,
    n_out=3,
)
@given(
    hyperparameters=adam_hyperparameters(stable_betas),
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
)
def test_adam_matches_torch_step_for_step(hyperparameters, seed, n_in, n_out):
    # Near the optimum some settings make Adam's path chaotic: torch against itself,
    # started 1e-15 away,
    # drifts apart by more than the tolerance. No implementation can match such a path;
    # skip those draws.
    assume(torch_self_sensitivity(seed, n_in, n_out, hyperparameters) < 1e-8)
    worst, ours, theirs, torch_params = run_both(
        Adam, torch.optim.Adam, seed, n_in, n_out, **hyperparameters
    )
    assert worst < 1e-6
    for i, tp in enumerate(torch_params):  # the moment estimates agree too
        state = theirs.state[tp]
        assert ours.steps == int(state["step"])
        np.testing.assert_allclose(
            ours.m[i], state["exp_avg"].numpy(), atol=1e-6, rtol=0
        )
        np.testing.assert_allclose(
            ours.v[i], state["exp_avg_sq"].numpy(), atol=1e-6, rtol=1e-9
        )
        if hyperparameters["amsgrad"]:
            np.testing.assert_allclose(
                ours.v_max[i], state["max_exp_avg_sq"].numpy(), atol=1e-6, rtol=1e-9
            )


def torch_self_sensitivity(
    seed, n_in, n_out, hyperparameters, steps=100, nudge=1e-15, torch_class=None
) -> float:
    """Largest gap over ``steps`` between torch's Adam path and the same path nudged
    by a relative ``nudge`` at the start and after every step, as rounding differs at
    every step between two implementations (a nudge at the start alone misses paths that
    amplify per-step rounding: found by hypothesis, betas (0, 0.999), weight decay
    0.5). ``torch_class`` is ``torch.optim.Adam`` unless given."""
    torch_class = torch_class or torch.optim.Adam
    params, _, torch_loss = least_squares_problem(seed, n_in, n_out)
    paths = []
    for offset in (0.0, nudge):
        torch_params = [torch.tensor(p + offset, requires_grad=True) for p in params]
        optimizer = torch_class(torch_params, **hyperparameters)
        path = []
        for _ in range(steps):
            optimizer.zero_grad()
            torch_loss(*torch_params).backward()
            optimizer.step()
            if offset:
                with torch.no_grad():
                    for tp in torch_params:
                        tp.mul_(1 + nudge)
            path.append(
                np.concatenate([tp.detach().numpy().ravel() for tp in torch_params])
            )
        paths.append(np.array(path))
    return float(np.max(np.abs(paths[0] - paths[1])))


@settings(max_examples=40, deadline=None)
@given(
    hyperparameters=adam_hyperparameters(any_betas),
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
)
def test_adam_update_matches_torch_from_the_same_state(hyperparameters, seed, n_in):
    """For every hyperparameter setting, each of 100 steps taken from torch's own state
    gives torch's result."""
    params, _, torch_loss = least_squares_problem(seed, n_in, 2)
    torch_params = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch.optim.Adam(torch_params, **hyperparameters)
    beta1, beta2 = hyperparameters["betas"]
    for step in range(1, 101):
        optimizer.zero_grad()
        torch_loss(*torch_params).backward()
        inputs = []
        for tp in torch_params:
            state = optimizer.state[tp]
            zeros = np.zeros(tuple(tp.shape))
            m = state["exp_avg"].numpy().copy() if state else zeros
            v = state["exp_avg_sq"].numpy().copy() if state else zeros
            v_max = (
                (state["max_exp_avg_sq"].numpy().copy() if state else zeros)
                if hyperparameters["amsgrad"]
                else None
            )
            inputs.append(
                (tp.detach().numpy().copy(), tp.grad.numpy().copy(), m, v, v_max)
            )
        optimizer.step()
        for tp, (param, grad, m, v, v_max) in zip(torch_params, inputs):
            new_param, m, v, v_max = adam_update(
                param,
                grad,
                m,
                v,
                v_max,
                step,
                lr=hyperparameters["lr"],
                beta1=beta1,
                beta2=beta2,
                eps=hyperparameters["eps"],
                weight_decay=hyperparameters["weight_decay"],
            )
            np.testing.assert_allclose(
                new_param, tp.detach().numpy(), rtol=1e-9, atol=1e-12
            )
            np.testing.assert_allclose(
                m, optimizer.state[tp]["exp_avg"].numpy(), rtol=1e-9, atol=1e-12
            )
            np.testing.assert_allclose(
                v, optimizer.state[tp]["exp_avg_sq"].numpy(), rtol=1e-9, atol=1e-12
            )


def test_bias_correction_recovers_a_constant_gradient_exactly():
    g, beta = np.array([0.3, -2.0]), 0.9
    m = np.zeros(2)
    for step in range(1, 30):
        m = moving_average(m, g, beta)
        np.testing.assert_allclose(
            m, (1 - beta**step) * g
        )  # raw average: biased towards 0
        np.testing.assert_allclose(
            bias_correct(m, beta, step), g
        )  # corrected: the gradient itself


def test_first_adam_step_has_size_lr_per_coordinate():
    """With bias correction, m_hat = g and v_hat = g^2 on step 1, so every coordinate
    moves by lr (eps = 0)."""
    param, grad = np.array([1.0, 1.0, 1.0]), np.array([1e-4, 2.0, -300.0])
    new_param, m, v, v_max = adam_update(
        param, grad, np.zeros(3), np.zeros(3), None, 1, lr=0.01, eps=0.0
    )
    np.testing.assert_allclose(new_param, param - 0.01 * np.sign(grad))
    assert v_max is None


def test_adam_with_zero_betas_is_normalized_gradient_descent():
    """betas = (0, 0): m = g, v = g^2, so each step is lr * g / (|g| + eps), a sign
    step."""
    path = trajectory(
        Adam,
        ill_conditioned_gradient,
        [-3.0, 2.0],
        20,
        lr=0.1,
        betas=(0.0, 0.0),
        eps=0.0,
    )
    steps = np.diff(path, axis=0)
    expected = -0.1 * np.sign([ill_conditioned_gradient(p) for p in path[:-1]])
    np.testing.assert_allclose(steps, expected, atol=1e-12)


def test_amsgrad_keeps_the_running_maximum():
    param = np.zeros(1)
    optimizer = Adam([param], lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    for g in (4.0, 1.0, 1.0):
        optimizer.step([np.array([g])])
    # v = g^2 averaged with beta2 = 0.5: 8, 4.5, 2.75; the maximum stays at the first
    # value
    np.testing.assert_allclose(optimizer.v[0], [2.75])
    np.testing.assert_allclose(optimizer.v_max[0], [8.0])


# --- AdaGrad and RMSProp ------------------------------------------------------------

adagrad_hyperparameters = st.fixed_dictionaries(
    {
        "lr": st.floats(0.0, 0.5),
        "lr_decay": st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.5),
        "weight_decay": st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.5),
        "initial_accumulator_value": st.sampled_from([0.0, 0.1]) | st.floats(0.0, 2.0),
        "eps": st.sampled_from([1e-10, 1e-3]) | st.floats(1e-12, 1e-2),
    }
)
# torch's names: RMSprop's decay of the squared-gradient average is its ``alpha``
rmsprop_hyperparameters = st.fixed_dictionaries(
    {
        "lr": st.floats(0.0, 0.1),
        "alpha": st.sampled_from([0.0, 0.9, 0.99]) | st.floats(0.0, 0.9999),
        "eps": st.sampled_from([1e-8, 1e-3]) | st.floats(1e-10, 1e-2),
        "weight_decay": st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.5),
    }
)


def rmsprop_with_torch_names(params, alpha, **hyperparameters) -> RMSprop:
    """Our RMSprop, called with torch's keyword ``alpha`` for our ``beta``."""
    return RMSprop(params, beta=alpha, **hyperparameters)


@settings(max_examples=40, deadline=None)
@given(
    hyperparameters=adagrad_hyperparameters,
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
)
def test_adagrad_matches_torch_step_for_step(hyperparameters, seed, n_in, n_out):
    worst, ours, theirs, torch_params = run_both(
        Adagrad, torch.optim.Adagrad, seed, n_in, n_out, **hyperparameters
    )
    assert worst < 1e-6
    for i, tp in enumerate(torch_params):  # the sums of squared gradients agree too
        assert ours.steps == int(theirs.state[tp]["step"])
        np.testing.assert_allclose(
            ours.sums[i], theirs.state[tp]["sum"].numpy(), atol=1e-6, rtol=1e-9
        )


@settings(max_examples=40, deadline=None)
@given(
    hyperparameters=rmsprop_hyperparameters,
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
)
def test_rmsprop_matches_torch_step_for_step(hyperparameters, seed, n_in, n_out):
    # as for Adam: skip the rare draws whose path torch itself cannot reproduce when
    # nudged by rounding (see torch_self_sensitivity)
    sensitivity = torch_self_sensitivity(
        seed, n_in, n_out, hyperparameters, torch_class=torch.optim.RMSprop
    )
    assume(sensitivity < 1e-8)
    worst, ours, theirs, torch_params = run_both(
        rmsprop_with_torch_names,
        torch.optim.RMSprop,
        seed,
        n_in,
        n_out,
        **hyperparameters,
    )
    assert worst < 1e-6
    for i, tp in enumerate(torch_params):  # the averages of squared gradients agree
        np.testing.assert_allclose(
            ours.v[i], theirs.state[tp]["square_avg"].numpy(), atol=1e-6, rtol=1e-9
        )


def torch_states_and_steps(torch_optimizer, torch_params, torch_loss, steps, names):
    """Run torch's optimizer; before each step, record every parameter's value,
    gradient and the state entries ``names`` (None before the first step); after it,
    the parameter's new value. Yields (step, [(param, grad, states, new_param)])."""
    for step in range(1, steps + 1):
        torch_optimizer.zero_grad()
        torch_loss(*torch_params).backward()
        before = []
        for tp in torch_params:
            state = torch_optimizer.state[tp]
            states = [state[n].numpy().copy() if state else None for n in names]
            before.append((tp.detach().numpy().copy(), tp.grad.numpy().copy(), states))
        torch_optimizer.step()
        yield (
            step,
            [(*b, tp.detach().numpy().copy()) for b, tp in zip(before, torch_params)],
        )


@settings(max_examples=30, deadline=None)
@given(
    hyperparameters=adagrad_hyperparameters,
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
)
def test_adagrad_update_matches_torch_from_the_same_state(hyperparameters, seed, n_in):
    params, _, torch_loss = least_squares_problem(seed, n_in, 2)
    torch_params = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch.optim.Adagrad(torch_params, **hyperparameters)
    start = hyperparameters.pop("initial_accumulator_value")
    for step, records in torch_states_and_steps(
        optimizer, torch_params, torch_loss, 100, ["sum"]
    ):
        for param, grad, (sums,), torch_new_param in records:
            sums = np.full_like(param, start) if sums is None else sums
            new_param, _ = adagrad_update(param, grad, sums, step, **hyperparameters)
            np.testing.assert_allclose(
                new_param, torch_new_param, rtol=1e-9, atol=1e-12
            )


@settings(max_examples=30, deadline=None)
@given(
    hyperparameters=rmsprop_hyperparameters,
    seed=st.integers(0, 2**31),
    n_in=st.integers(1, 4),
)
def test_rmsprop_update_matches_torch_from_the_same_state(hyperparameters, seed, n_in):
    """For every setting, each of 100 steps taken from torch's own state gives
    torch's result, chaotic paths included."""
    params, _, torch_loss = least_squares_problem(seed, n_in, 2)
    torch_params = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch.optim.RMSprop(torch_params, **hyperparameters)
    beta = hyperparameters.pop("alpha")
    for _, records in torch_states_and_steps(
        optimizer, torch_params, torch_loss, 100, ["square_avg"]
    ):
        for param, grad, (v,), torch_new_param in records:
            v = np.zeros_like(param) if v is None else v
            new_param, _ = rmsprop_update(param, grad, v, beta=beta, **hyperparameters)
            np.testing.assert_allclose(
                new_param, torch_new_param, rtol=1e-9, atol=1e-12
            )


def test_adagrad_steps_shrink_like_one_over_root_t():
    """A constant gradient g: after t steps the sum is t g^2, so step t has length
    lr / sqrt(t) in every coordinate, whatever the size of g."""
    path = trajectory(
        Adagrad, lambda p: np.array([3.0, -0.01]), [0.0, 0.0], 50, lr=0.1, eps=0.0
    )
    t = np.arange(1, 51)[:, np.newaxis]
    np.testing.assert_allclose(
        np.diff(path, axis=0), 0.1 / np.sqrt(t) * np.array([-1.0, 1.0]), rtol=1e-12
    )


def test_rmsprop_first_step_is_not_bias_corrected():
    """v starts at 0, so v_1 = (1 - beta) g^2 and the first step has length
    lr / sqrt(1 - beta): ten times lr for beta = 0.99 (torch does the same)."""
    param, grad = np.array([1.0, 1.0]), np.array([5.0, -0.2])
    new_param, v = rmsprop_update(param, grad, np.zeros(2), lr=0.01, eps=0.0)
    np.testing.assert_allclose(new_param, param - 0.1 * np.sign(grad), rtol=1e-12)
    torch_param = torch.tensor(param, requires_grad=True)
    torch_rmsprop = torch.optim.RMSprop([torch_param], lr=0.01, eps=0.0)
    torch_param.grad = torch.tensor(grad)
    torch_rmsprop.step()
    np.testing.assert_allclose(new_param, torch_param.detach().numpy(), rtol=1e-12)


def test_rmsprop_and_adam_with_zero_averaging_are_sign_descent():
    """beta = 0 keeps only the last squared gradient: RMSProp becomes normalised
    gradient descent, as Adam does with betas = (0, 0)."""
    start = [-3.0, 2.0]
    rmsprop = trajectory(
        RMSprop, ill_conditioned_gradient, start, 20, lr=0.1, beta=0.0, eps=0.0
    )
    adam = trajectory(
        Adam, ill_conditioned_gradient, start, 20, lr=0.1, betas=(0.0, 0.0), eps=0.0
    )
    np.testing.assert_allclose(rmsprop, adam, atol=1e-12)


@pytest.mark.parametrize(
    "optimizer, torch_optimizer, kwargs, name",
    [
        (Adagrad, torch.optim.Adagrad, {"lr": -0.1}, "lr"),
        (Adagrad, torch.optim.Adagrad, {"lr_decay": -0.1}, "lr_decay"),
        (Adagrad, torch.optim.Adagrad, {"weight_decay": -0.1}, "weight_decay"),
        (
            Adagrad,
            torch.optim.Adagrad,
            {"initial_accumulator_value": -1.0},
            "initial_accumulator_value",
        ),
        (Adagrad, torch.optim.Adagrad, {"eps": -1e-10}, "eps"),
        (rmsprop_with_torch_names, torch.optim.RMSprop, {"lr": -0.1}, "lr"),
        (rmsprop_with_torch_names, torch.optim.RMSprop, {"eps": -1e-8}, "eps"),
        (
            rmsprop_with_torch_names,
            torch.optim.RMSprop,
            {"weight_decay": -0.1},
            "weight_decay",
        ),
        (rmsprop_with_torch_names, torch.optim.RMSprop, {"alpha": -0.5}, "beta"),
    ],
)
def test_adagrad_and_rmsprop_refuse_what_torch_refuses(
    optimizer, torch_optimizer, kwargs, name
):
    if optimizer is rmsprop_with_torch_names:
        kwargs = {"alpha": 0.99, **kwargs}
    with pytest.raises(ValueError):
        torch_optimizer(
            [torch.zeros(2, dtype=torch.float64, requires_grad=True)], **kwargs
        )
    with pytest.raises(ValueError, match=rf"(?<!\w){name}(?!\w)"):
        optimizer([np.zeros(2)], **kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"lr": -1e-3}, "lr"),
        ({"eps": -1e-8}, "eps"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"betas": (1.0, 0.999)}, r"betas\[0\]"),
        ({"betas": (-0.1, 0.999)}, r"betas\[0\]"),
        ({"betas": (0.9, 1.0)}, r"betas\[1\]"),
        ({"betas": (0.9, -0.5)}, r"betas\[1\]"),
        ({"betas": (0.9, 1.5)}, r"betas\[1\]"),
    ],
)
def test_invalid_hyperparameters_raise_value_error_like_torch(kwargs, name):
    with pytest.raises(ValueError):
        torch.optim.Adam(
            [torch.zeros(2, dtype=torch.float64, requires_grad=True)], **kwargs
        )
    with pytest.raises(ValueError, match=name):
        Adam([np.zeros(2)], **kwargs)


def test_bad_arguments():
    with pytest.raises(TypeError, match="betas"):
        Adam([np.zeros(2)], betas=0.9)
    with pytest.raises(TypeError, match="amsgrad"):
        Adam([np.zeros(2)], amsgrad=1)
    with pytest.raises(ValueError, match="params"):
        Adam([])
    with pytest.raises(TypeError, match=r"params\[0\]"):
        Adam([np.zeros(2, dtype=int)])
    optimizer = Adam([np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        optimizer.step([np.zeros(3)])
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        optimizer.step([np.array([np.nan, 0.0])])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: moving_average(np.zeros(2), np.zeros(3), 0.9), "average"),
        (lambda: moving_average(np.zeros(2), np.zeros(2), 1.0), "beta"),
        (lambda: bias_correct(np.ones(2), 0.9, 0), "step"),
        (lambda: bias_correct(np.ones(2), np.nan, 1), "beta"),
        (
            lambda: adam_update(
                np.zeros(2), np.zeros(2), np.zeros(3), np.zeros(2), None, 1, lr=0.1
            ),
            "m",
        ),
        (
            lambda: adam_update(
                np.zeros(2),
                np.zeros(2),
                np.zeros(2),
                np.zeros(2),
                np.zeros(1),
                1,
                lr=0.1,
            ),
            "v_max",
        ),
        (
            lambda: adam_update(
                np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), None, 0, lr=0.1
            ),
            "step",
        ),
        (
            lambda: adam_update(
                np.zeros(2),
                np.zeros(2),
                np.zeros(2),
                np.zeros(2),
                None,
                1,
                lr=0.1,
                eps=-1.0,
            ),
            "eps",
        ),
        (lambda: Adam([np.zeros(2)], betas=(0.9, np.nan)), r"betas\[1\]"),
        (lambda: Adam([np.zeros(2)], lr=np.inf), "lr"),
        (lambda: Adam([np.zeros(2)]).step("grads"), "grads"),
        (lambda: Adagrad([np.zeros(2)]).step([np.zeros(3)]), r"grads\[0\]"),
        (lambda: Adagrad([np.zeros(2)], eps=np.nan), "eps"),
        (lambda: RMSprop([np.zeros(2)], beta=1.0), "beta"),
        (lambda: RMSprop([]), "params"),
        (
            lambda: adagrad_update(np.zeros(2), np.zeros(2), np.zeros(3), 1, lr=0.1),
            "sum_of_squares",
        ),
        (
            lambda: adagrad_update(np.zeros(2), np.zeros(2), np.zeros(2), 0, lr=0.1),
            "step",
        ),
        (
            lambda: rmsprop_update(np.zeros(2), np.zeros(2), np.ones(3), lr=0.1),
            "v",
        ),
        (
            lambda: rmsprop_update(np.zeros(2), [np.nan, 0.0], np.ones(2), lr=0.1),
            "grad",
        ),
    ],
)
def test_every_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"(?<!\w){name}(?!\w)"):
        call()


def test_worked_adam_step_is_what_the_code_prints():
    """The page's table of one Adam step holds exactly the numbers its block prints
    with adam_update and bias_correct, and that step is torch's from the same state."""
    table, block = worked_example("adam.md")
    namespace = {"np": np, "adam_update": adam_update, "bias_correct": bias_correct}
    assert len(table) == 11 and all(len(row) == 2 for row in table)
    assert table == printed_numbers(block, namespace)
    # torch, from a first step with g_1 = (0.5, 4) as the page says, then the second
    first_gradient = torch.tensor([0.5, 4.0], dtype=torch.float64)
    phi = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([phi], lr=0.1)
    phi.grad = first_gradient
    optimizer.step()
    state = optimizer.state[phi]
    np.testing.assert_allclose(state["exp_avg"].numpy(), table[2], rtol=1e-12)
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), table[3], rtol=1e-12)
    with torch.no_grad():
        phi.copy_(torch.tensor(table[0], dtype=torch.float64))
    phi.grad = torch.tensor(table[1], dtype=torch.float64)
    optimizer.step()
    np.testing.assert_allclose(phi.detach().numpy(), table[-1], rtol=1e-5)
