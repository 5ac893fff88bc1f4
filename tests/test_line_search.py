"""Line search (chapter 8): bracketing and golden-section search, checked against known
minima, the roots of the derivative, and scipy.optimize.minimize_scalar."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlfoundations.optimization.gradient_descent import (
    bracket_minimum,
    golden_section_search,
    line_search,
)
from dlfoundations.optimization.problems import two_minima, two_minima_derivative

scipy_optimize = pytest.importorskip("scipy.optimize")

# the stationary points of two_minima: roots of f'(x) = x^3 - 2x + 0.3, found by numpy, not by us
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


@pytest.mark.parametrize("start, step, expected", [(2.4, -0.2, RIGHT_MINIMUM), (-2.4, 0.2, LEFT_MINIMUM), (0.5, 0.1, RIGHT_MINIMUM)])
def test_two_minima_finds_the_local_minimum_of_its_bracket(start, step, expected):
    a, b, c = bracket_minimum(two_minima, start, step)
    result = golden_section_search(two_minima, a, b, c, tol=1e-10)
    assert a <= result.x <= c
    assert result.x == pytest.approx(expected, abs=1e-6)
    assert abs(two_minima_derivative(result.x)) < 1e-5
    # scipy's Brent method started from our bracket agrees
    oracle = scipy_optimize.minimize_scalar(two_minima, bracket=(a, b, c), method="brent", tol=1e-12)
    assert result.x == pytest.approx(oracle.x, abs=1e-6)


def test_starting_from_the_right_misses_the_global_minimum():
    """Line search is local: from x = 2.4 it stops at the right minimum, not the lower left one."""
    result = line_search(two_minima, start=2.4, step=-0.2)
    assert two_minima(LEFT_MINIMUM) < result.value
    assert result.x == pytest.approx(RIGHT_MINIMUM, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(start=st.floats(-3, 3), step=st.sampled_from([-0.5, -0.05, 0.05, 0.5]))
def test_bracket_property_and_scipy_oracle(start, step):
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
    oracle = scipy_optimize.minimize_scalar(f, bounds=(result.x - 0.05, result.x + 0.05), method="bounded",
                                            options={"xatol": 1e-10})
    assert result.x == pytest.approx(oracle.x, abs=1e-5)


def test_brackets_shrink_and_stay_nested():
    result = line_search(two_minima, start=2.4, step=-0.2, tol=1e-6)
    widths = [c - a for a, _, c in result.brackets]
    assert widths[-1] <= 1e-6
    assert all(later <= earlier for earlier, later in zip(widths, widths[1:]))
    for (a0, _, c0), (a1, b1, c1) in zip(result.brackets, result.brackets[1:]):
        assert a0 <= a1 < b1 < c1 <= c0


@pytest.mark.parametrize("f, start, step", [(lambda x: (x - 3) ** 2, 0.0, 1.0), (np.cos, 0.5, 1.0),
                                             (two_minima, 2.4, -0.2)])
def test_each_step_shrinks_a_golden_bracket_by_the_golden_ratio(f, start, step):
    """Bracketing with steps that grow by the golden ratio leaves the bracket in golden
    proportions, and golden-section search then shrinks it by 1/1.618 at every evaluation."""
    result = line_search(f, start, step, tol=1e-6)
    widths = np.array([c - a for a, _, c in result.brackets])
    np.testing.assert_allclose(widths[1:] / widths[:-1], 2 / (1 + np.sqrt(5)), rtol=1e-6)


def test_bad_input():
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
        bracket_minimum(f, 1.0, 0.5)  # starting at the minimum, f rises in both directions
