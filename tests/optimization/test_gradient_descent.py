"""Gradient descent: a fixed step and line search, checked against torch.autograd,
torch.optim.SGD, np.linalg.lstsq and the closed-form exact line search of a quadratic;
the line search itself (bracketing and golden-section search) against known minima,
the roots of the derivative, and scipy.optimize.minimize_scalar."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.gradient_descent import (
    LineSearchResult,
    bracket_minimum,
    golden_section_search,
    gradient_descent,
    gradient_descent_line_search,
    line_search,
)
from dlfoundations.optimization.problems import (
    least_squares_gradient,
    least_squares_loss,
    least_squares_solution,
    regression_data,
    two_minima,
    two_minima_derivative,
)

X, Y = regression_data()
OPTIMUM = np.linalg.lstsq(np.column_stack([np.ones_like(X), X]), Y, rcond=None)[0]
DESIGN = np.column_stack([np.ones_like(X), X])
HESSIAN = 2 * DESIGN.T @ DESIGN / len(X)  # of the mean squared error
START = np.array([-1.0, 3.0])


def loss(phi):
    return least_squares_loss(phi, X, Y)


def gradient(phi):
    return least_squares_gradient(phi, X, Y)


def torch_loss(phi: torch.Tensor, x, y) -> torch.Tensor:
    """The mean squared error of the line, by torch's own mse_loss (mean reduction)."""
    x, y = (
        torch.as_tensor(x, dtype=torch.float64),
        torch.as_tensor(y, dtype=torch.float64),
    )
    return torch.nn.functional.mse_loss(phi[0] + phi[1] * x, y)


# --- the problem ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    phi0=st.floats(-5, 5),
    phi1=st.floats(-5, 5),
    n=st.integers(2, 30),
    seed=st.integers(0, 1000),
)
def test_loss_and_gradient_match_torch_autograd(phi0, phi1, n, seed):
    x, y = regression_data(n, seed)
    phi = torch.tensor([phi0, phi1], dtype=torch.float64, requires_grad=True)
    expected = torch_loss(phi, x, y)
    expected.backward()
    assert least_squares_loss([phi0, phi1], x, y) == pytest.approx(
        expected.item(), rel=1e-12, abs=1e-12
    )
    np.testing.assert_allclose(
        least_squares_gradient(np.array([phi0, phi1]), x, y),
        phi.grad.numpy(),
        rtol=1e-10,
        atol=1e-10,
    )


def test_loss_is_a_mean_over_the_examples():
    """Every example twice is the same data set: a mean (not a sum) does not change."""
    x2, y2 = np.concatenate([X, X]), np.concatenate([Y, Y])
    assert least_squares_loss(START, x2, y2) == pytest.approx(loss(START), rel=1e-12)
    np.testing.assert_allclose(
        least_squares_gradient(START, x2, y2), gradient(START), rtol=1e-12
    )
    per_example = [
        least_squares_loss(START, X[i : i + 1], Y[i : i + 1]) for i in range(len(X))
    ]
    assert loss(START) == pytest.approx(np.mean(per_example), rel=1e-12)


def test_loss_on_a_grid_matches_pointwise():
    phi0, phi1 = np.meshgrid(np.linspace(-1, 2, 5), np.linspace(0, 3, 4))
    grid = least_squares_loss(np.stack([phi0, phi1]), X, Y)
    assert grid.shape == (4, 5)
    for i, j in itertools.product(range(4), range(5)):
        assert grid[i, j] == pytest.approx(loss([phi0[i, j], phi1[i, j]]), rel=1e-12)


def test_solution_is_the_lstsq_minimiser():
    np.testing.assert_allclose(least_squares_solution(X, Y), OPTIMUM, rtol=1e-12)
    np.testing.assert_allclose(gradient(OPTIMUM), 0.0, atol=1e-10)
    assert regression_data(10, seed=3)[0] == pytest.approx(
        regression_data(10, seed=3)[0]
    )


# --- fixed step -----------------------------------------------------------------------


def test_fixed_step_matches_torch_sgd_step_for_step():
    path = gradient_descent(gradient, START, lr=0.2, steps=50)
    phi = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([phi], lr=0.2)
    expected = [phi.detach().clone().numpy()]
    for _ in range(50):
        optimizer.zero_grad()
        torch_loss(phi, X, Y).backward()
        optimizer.step()
        expected.append(phi.detach().clone().numpy())
    np.testing.assert_allclose(path, np.array(expected), rtol=1e-10, atol=1e-12)


def test_fixed_step_converges_to_least_squares():
    path = gradient_descent(gradient, START, lr=0.32, steps=1000)
    assert path.shape == (1001, 2)
    np.testing.assert_allclose(path[-1], OPTIMUM, atol=1e-8)


def test_learning_rate_above_two_over_largest_eigenvalue_diverges():
    """On a quadratic, fixed-step descent converges iff lr < 2 / the largest Hessian
    eigenvalue (the largest curvature mu_max)."""
    limit = 2 / np.linalg.eigvalsh(HESSIAN).max()
    stable = gradient_descent(gradient, START, lr=0.95 * limit, steps=500)
    unstable = gradient_descent(gradient, START, lr=1.05 * limit, steps=500)
    np.testing.assert_allclose(stable[-1], OPTIMUM, atol=1e-6)
    assert loss(unstable[-1]) > 1e6 * loss(START)


# --- line search ----------------------------------------------------------------------


def test_line_search_descent_converges_to_least_squares():
    path = gradient_descent_line_search(loss, gradient, START, steps=200)
    np.testing.assert_allclose(path[-1], OPTIMUM, atol=1e-6)
    assert len(path) < 100  # far fewer steps than the fixed step needs
    assert np.all(np.diff(loss(path.T)) <= 1e-12)  # the loss never goes up


def test_line_search_step_is_the_exact_minimiser_along_the_gradient():
    """For a quadratic loss the best step along -g is t = g.g / (g.H.g).

    Near a minimum the loss is flat to second order, so comparing loss values pins the
    step down only to about sqrt(machine epsilon): we ask for a relative 1e-6.
    """
    path = gradient_descent_line_search(loss, gradient, START, steps=5)
    for before, after in zip(path, path[1:]):
        g = gradient(before)
        t_exact = g @ g / (g @ HESSIAN @ g)
        t_found = (before - after) @ g / (g @ g)
        assert t_found == pytest.approx(t_exact, rel=1e-6)
        np.testing.assert_allclose(
            after, before - t_found * g, rtol=1e-12
        )  # and it moved along -g


def test_exact_line_search_makes_successive_gradients_orthogonal():
    path = gradient_descent_line_search(loss, gradient, START, steps=6)
    for a, b in zip(path, path[1:-1]):
        g_a, g_b = gradient(a), gradient(b)
        assert abs(g_a @ g_b) < 1e-5 * np.linalg.norm(g_a) * np.linalg.norm(g_b)


# --- bracketing and golden-section search ---------------------------------------------

# the stationary points of two_minima: roots of f'(x) = x^3 - 2x + 0.3, found by
# numpy, not by us
ROOTS = np.sort(np.roots([1.0, 0.0, -2.0, 0.3]).real)
LEFT_MINIMUM, MAXIMUM, RIGHT_MINIMUM = ROOTS


def test_quadratic_with_known_minimum():
    result = line_search(lambda x: (x - 3) ** 2 + 1, start=0.0, step=1.0, tol=1e-10)
    assert result.x == pytest.approx(3.0, abs=1e-8)
    assert result.value == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    center=st.floats(-100, 100),
    curvature=st.floats(0.01, 100),
    start=st.floats(-100, 100),
    step=st.floats(0.001, 10),
)
def test_quadratics_from_anywhere(center, curvature, start, step):
    assume(abs(center - start) > 1e-3)  # the minimum is not (numerically) at the start
    f = lambda x: curvature * (x - center) ** 2 - 7.0  # noqa: E731
    direction = step if center > start else -step
    result = line_search(f, start=start, step=direction, tol=1e-9)
    assert result.x == pytest.approx(center, abs=1e-6)


def test_cosine_minimum_is_pi():
    result = line_search(np.cos, start=0.5, step=1.0, tol=1e-10)
    assert result.x == pytest.approx(np.pi, abs=1e-7)
    assert result.value == pytest.approx(-1.0, abs=1e-12)


@pytest.mark.parametrize(
    "start, step, expected",
    [(2.4, -0.2, RIGHT_MINIMUM), (-2.4, 0.2, LEFT_MINIMUM), (0.5, 0.1, RIGHT_MINIMUM)],
)
def test_two_minima_finds_the_local_minimum_of_its_bracket(start, step, expected):
    scipy_optimize = pytest.importorskip("scipy.optimize")
    a, b, c = bracket_minimum(two_minima, start, step)
    result = golden_section_search(two_minima, a, b, c, tol=1e-10)
    assert a <= result.x <= c
    assert result.x == pytest.approx(expected, abs=1e-6)
    assert abs(two_minima_derivative(result.x)) < 1e-5
    # scipy's Brent method started from our bracket agrees
    oracle = scipy_optimize.minimize_scalar(
        two_minima, bracket=(a, b, c), method="brent", tol=1e-12
    )
    assert result.x == pytest.approx(oracle.x, abs=1e-6)


def test_starting_from_the_right_misses_the_global_minimum():
    """Line search is local: from x = 2.4 it stops at the right minimum, not the
    lower left one."""
    result = line_search(two_minima, start=2.4, step=-0.2)
    assert two_minima(LEFT_MINIMUM) < result.value
    assert result.x == pytest.approx(RIGHT_MINIMUM, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(start=st.floats(-3, 3), step=st.sampled_from([-0.5, -0.05, 0.05, 0.5]))
def test_bracket_property_and_scipy_oracle(start, step):
    scipy_optimize = pytest.importorskip("scipy.optimize")
    f = lambda x: two_minima(x) + 0.1 * np.cos(5 * x)  # noqa: E731 (several minima)
    try:
        a, b, c = bracket_minimum(f, start, step)
    except ValueError:  # f rises from start in this direction: no bracket on that side
        assert f(start + 1e-6 * np.sign(step)) >= f(start) - 1e-9
        return
    assert a < b < c and f(b) <= f(a) and f(b) <= f(c)
    result = golden_section_search(f, a, b, c, tol=1e-9)
    assert a <= result.x <= c
    assert result.value <= f(b)
    # a local minimum: nothing lower close by on either side
    assert f(result.x) <= min(f(result.x - 1e-4), f(result.x + 1e-4))
    oracle = scipy_optimize.minimize_scalar(
        f,
        bounds=(result.x - 0.05, result.x + 0.05),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert result.x == pytest.approx(oracle.x, abs=1e-5)


def test_brackets_shrink_and_stay_nested():
    result = line_search(two_minima, start=2.4, step=-0.2, tol=1e-6)
    widths = [c - a for a, _, c in result.brackets]
    assert widths[-1] <= 1e-6
    assert all(later <= earlier for earlier, later in zip(widths, widths[1:]))
    for (a0, _, c0), (a1, b1, c1) in zip(result.brackets, result.brackets[1:]):
        assert a0 <= a1 < b1 < c1 <= c0


@pytest.mark.parametrize(
    "f, start, step",
    [(lambda x: (x - 3) ** 2, 0.0, 1.0), (np.cos, 0.5, 1.0), (two_minima, 2.4, -0.2)],
)
def test_each_step_shrinks_a_golden_bracket_by_the_golden_ratio(f, start, step):
    """Bracketing with steps that grow by the golden ratio leaves the bracket in golden
    proportions, and golden-section search then shrinks it by 1/1.618 at every
    evaluation."""
    result = line_search(f, start, step, tol=1e-6)
    widths = np.array([c - a for a, _, c in result.brackets])
    np.testing.assert_allclose(
        widths[1:] / widths[:-1], 2 / (1 + np.sqrt(5)), rtol=1e-6
    )


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.1, -1e-9])
def test_negative_learning_rate_is_invalid_like_torch(rate):
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=rate)
    with pytest.raises(ValueError, match="Invalid learning rate.*lr"):
        gradient_descent(gradient, START, rate, 5)


def test_bad_input():
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(gradient, START, 0.0, 5)
    with pytest.raises(TypeError, match="lr"):
        gradient_descent(gradient, START, "0.1", 5)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(gradient, START, np.inf, 5)
    with pytest.raises(ValueError, match="start"):
        gradient_descent(gradient, np.zeros((2, 2)), 0.01, 5)
    with pytest.raises(ValueError, match="gradient"):
        gradient_descent(lambda phi: np.zeros(3), START, 0.01, 5)
    with pytest.raises(TypeError, match="gradient"):
        gradient_descent(None, START, 0.01, 5)
    with pytest.raises(ValueError, match="steps"):
        gradient_descent(gradient, START, 0.01, -1)
    with pytest.raises(ValueError, match="gradient_tol"):
        gradient_descent_line_search(loss, gradient, START, 5, gradient_tol=0.0)
    with pytest.raises(ValueError, match="tol"):
        gradient_descent_line_search(loss, gradient, START, 5, tol=-1.0)
    with pytest.raises(ValueError, match="phi"):
        least_squares_loss([1.0, 2.0, 3.0], X, Y)
    with pytest.raises(ValueError, match="phi"):
        least_squares_gradient(np.zeros((2, 3)), X, Y)
    with pytest.raises(ValueError, match="x and y"):
        least_squares_loss(START, X, Y[:-1])
    with pytest.raises(ValueError, match="n_examples"):
        regression_data(0)


def test_line_search_bad_input():
    f = lambda x: (x - 1.0) ** 2  # noqa: E731
    with pytest.raises(ValueError, match="tol"):
        golden_section_search(f, 0.0, 1.0, 2.0, tol=0.0)
    with pytest.raises(ValueError, match="tol"):
        line_search(f, tol=-1e-3)
    with pytest.raises(ValueError, match="a < b < c"):
        golden_section_search(f, 2.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="f\\(b\\)"):
        golden_section_search(f, 1.5, 2.0, 3.0)  # f(2) > f(1.5): no minimum trapped
    with pytest.raises(ValueError, match="step"):
        bracket_minimum(f, 0.0, 0.0)
    with pytest.raises(TypeError, match="f"):
        bracket_minimum("not a function")
    with pytest.raises(TypeError, match="start"):
        bracket_minimum(f, start="zero")
    with pytest.raises(ValueError, match="max_iter"):
        golden_section_search(f, 0.0, 1.0, 2.0, max_iter=0)
    with pytest.raises(ValueError, match="unbounded below"):
        bracket_minimum(lambda x: -x, 0.0, 1.0)
    with pytest.raises(ValueError, match="does not decrease"):
        bracket_minimum(
            f, 1.0, 0.5
        )  # starting at the minimum, f rises in both directions


def test_checks_live_outside_the_shown_functions():
    """Each public function is checked at the boundary; the page shows the pure one."""
    path = gradient_descent.unchecked(gradient, START, 0.32, 3)
    np.testing.assert_allclose(path, gradient_descent(gradient, START, 0.32, 3))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: gradient_descent(gradient, [np.nan, 1.0], 0.01, 5), "start"),
        (lambda: gradient_descent(gradient, START, 0.01, 2.5), "steps"),
        (lambda: gradient_descent(gradient, START, 0.01, True), "steps"),
        (lambda: bracket_minimum(two_minima, start=np.inf), "start"),
        (lambda: bracket_minimum(two_minima, step=np.nan), "step"),
        (lambda: golden_section_search(two_minima, np.nan, 1.0, 2.0), "a"),
        (lambda: golden_section_search(two_minima, 0.0, 1.0, np.inf), "c"),
        (lambda: golden_section_search(two_minima, 0.0, 1.0, 2.0, tol=np.nan), "tol"),
        (lambda: gradient_descent_line_search(None, gradient, START, 5), "loss"),
        (lambda: gradient_descent_line_search(loss, gradient, START, -1), "steps"),
        (lambda: two_minima("x"), "x"),
        (lambda: two_minima_derivative([]), "x"),
        (lambda: regression_data(seed=-1), "seed"),
        (lambda: regression_data(2.5), "n_examples"),
        (lambda: least_squares_loss([np.nan, 1.0], X, Y), "phi"),
        (lambda: least_squares_gradient(START, X[:, None], Y), "x"),
        (lambda: least_squares_solution(X, Y[:-1]), "x and y"),
        (lambda: least_squares_solution(X, np.full_like(Y, np.nan)), "y"),
        (lambda: LineSearchResult(x=None, value=1.0, brackets=[(0, 1, 2)]), "x"),
        (lambda: LineSearchResult(x=1.0, value=np.nan, brackets=[(0, 1, 2)]), "value"),
        (lambda: LineSearchResult(x=1.0, value=1.0, brackets=[]), "brackets"),
        (lambda: LineSearchResult(x=1.0, value=1.0, brackets="abc"), "brackets"),
        (lambda: LineSearchResult(1.0, 1.0, [(0, np.nan, 2)]), r"brackets\[0\]"),
    ],
)
def test_every_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"(?<!\w){name}(?!\w)"):
        call()
