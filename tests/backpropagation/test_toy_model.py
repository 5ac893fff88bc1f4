"""Backpropagation in a toy model: the hand-written backward pass against central
differences and torch.autograd."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.backpropagation.toy_model import (
    ToyParameters,
    toy_backward,
    toy_forward,
    toy_gradients,
    toy_loss,
    toy_numerical_gradients,
    toy_parameter_gradients,
)

PARAMS = ToyParameters(
    beta0=1.0,
    beta1=2.0,
    beta2=1.0,
    beta3=3.0,
    omega0=0.5,
    omega1=0.3,
    omega2=0.5,
    omega3=-0.7,
)

value = st.floats(-2.0, 2.0, allow_nan=False)
parameters = st.builds(ToyParameters, *([value] * 8))


def torch_intermediates(x: float, y: float, params: ToyParameters):
    """The same chain in torch (float64), every intermediate kept so autograd can report
    its gradient."""
    p = {
        name: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for name, v in params._asdict().items()
    }
    values = {"f0": p["beta0"] + p["omega0"] * x}
    values["h1"] = torch.sin(values["f0"])
    values["f1"] = p["beta1"] + p["omega1"] * values["h1"]
    values["h2"] = torch.exp(values["f1"])
    values["f2"] = p["beta2"] + p["omega2"] * values["h2"]
    values["h3"] = torch.cos(values["f2"])
    values["f3"] = p["beta3"] + p["omega3"] * values["h3"]
    for v in values.values():
        v.retain_grad()
    loss = (values["f3"] - y) ** 2
    loss.backward()
    return p, values, loss


def test_forward_matches_the_closed_formula():
    x = 0.75
    closed = PARAMS.beta3 + PARAMS.omega3 * math.cos(
        PARAMS.beta2
        + PARAMS.omega2
        * math.exp(
            PARAMS.beta1 + PARAMS.omega1 * math.sin(PARAMS.beta0 + PARAMS.omega0 * x)
        )
    )
    assert toy_forward(x, PARAMS)["f3"] == pytest.approx(closed, rel=1e-15)
    assert toy_loss(x, 1.5, PARAMS) == pytest.approx((closed - 1.5) ** 2, rel=1e-14)


@settings(max_examples=50, deadline=None)
@given(params=parameters, x=value, y=st.floats(-3.0, 3.0))
def test_every_intermediate_derivative_matches_torch_autograd(params, x, y):
    p, values, loss = torch_intermediates(x, y, params)
    forward = toy_forward(x, params)
    backward = toy_backward(y, params, forward)
    assert toy_loss(x, y, params) == pytest.approx(loss.item(), rel=1e-12, abs=1e-14)
    for name, tensor in values.items():
        assert forward[name] == pytest.approx(tensor.item(), rel=1e-12, abs=1e-14)
        assert backward[name] == pytest.approx(
            tensor.grad.item(), rel=1e-10, abs=1e-12
        ), name
    gradients = toy_parameter_gradients(x, forward, backward)
    for name in ToyParameters._fields:
        assert getattr(gradients, name) == pytest.approx(
            p[name].grad.item(), rel=1e-10, abs=1e-12
        ), name


@settings(max_examples=50, deadline=None)
@given(params=parameters, x=value, y=st.floats(-3.0, 3.0))
def test_gradients_match_central_differences(params, x, y):
    analytic = np.array(toy_gradients(x, y, params))
    numeric = np.array(toy_numerical_gradients(x, y, params))
    scale = max(1.0, np.max(np.abs(analytic)))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale)


def test_a_wrong_local_derivative_would_be_caught():
    """The check can fail: flipping the sign of d cos/df2 changes the gradient of six
    parameters."""
    forward = toy_forward(0.75, PARAMS)
    backward = toy_backward(1.5, PARAMS, forward)
    backward["f2"] = -backward["f2"]
    wrong = np.array(toy_parameter_gradients(0.75, forward, backward))
    assert not np.allclose(
        wrong, np.array(toy_numerical_gradients(0.75, 1.5, PARAMS)), rtol=1e-4
    )


def test_parameters_accept_any_sequence_of_eight_numbers():
    assert toy_forward(0.5, list(PARAMS)) == toy_forward(0.5, PARAMS)
    assert toy_gradients(0.5, 1.0, np.arange(8.0)) == toy_gradients(
        0.5, 1.0, tuple(range(8))
    )


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: toy_forward(0.5, [1.0] * 7), ValueError, "params"),
        (lambda: toy_forward(0.5, 3.0), TypeError, "params"),
        (lambda: toy_forward(0.5, [1.0] * 7 + ["a"]), TypeError, "omega3"),
        (lambda: toy_forward(0.5, [1.0] * 7 + [float("nan")]), ValueError, "omega3"),
        (lambda: toy_forward("x", PARAMS), TypeError, "x"),
        (lambda: toy_forward(float("nan"), PARAMS), ValueError, "x"),
        (lambda: toy_loss(0.5, None, PARAMS), TypeError, "y"),
        (lambda: toy_backward(1.0, PARAMS, {"f0": 1.0}), ValueError, "forward"),
        (lambda: toy_numerical_gradients(0.5, 1.0, PARAMS, h=0.0), ValueError, "h"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: toy_forward(float("inf"), PARAMS), ValueError, "x"),
        (lambda: toy_loss(0.5, float("inf"), PARAMS), ValueError, "y"),
        (
            lambda: toy_backward(
                1.0, PARAMS, {**toy_forward(0.5, PARAMS), "f3": float("nan")}
            ),
            ValueError,
            "forward",
        ),
        (lambda: toy_backward(1.0, PARAMS, None), TypeError, "forward"),
        (
            lambda: toy_parameter_gradients(0.5, toy_forward(0.5, PARAMS), "abc"),
            TypeError,
            "backward",
        ),
        (lambda: toy_gradients(0.5, 1.0, [1.0] * 9), ValueError, "params"),
    ],
)
def test_bad_values_the_probe_found_are_refused(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_toy_parameters_are_finite_numbers():
    with pytest.raises(TypeError, match="beta0"):
        ToyParameters(None, *PARAMS[1:])
    with pytest.raises(ValueError, match="omega3"):
        ToyParameters(*PARAMS[:7], float("inf"))
    assert ToyParameters(*range(8)).omega3 == 7.0
