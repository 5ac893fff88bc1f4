"""The boundary checks: conversions, errors that name the argument, the decorator."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlfoundations import checks
from dlfoundations.checks import check_arguments


@check_arguments(
    checks.same_shape("y", "t"),
    y=checks.float_array,
    t=checks.float_array,
    lr=checks.positive,
)
def scaled_error(y, t, lr=0.5):
    return lr * (y - t)


def test_the_decorator_converts_and_calls():
    assert np.allclose(scaled_error([1, 2], [0, 0]), [0.5, 1.0])
    assert np.allclose(scaled_error(y=[1], t=[3], lr=2), [-4.0])
    assert scaled_error.unchecked(np.ones(2), np.zeros(2), 1.0).tolist() == [1.0, 1.0]
    assert scaled_error.__name__ == "scaled_error"


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        (([1, 2], [1, 2], -1.0), ValueError, "lr"),
        (([1, 2], [1, 2], True), TypeError, "lr"),
        (([1, 2], [1, 2], float("nan")), ValueError, "lr"),
        (([1, 2], [1, 2], float("inf")), ValueError, "lr"),
        ((None, [1, 2]), TypeError, "y"),
        (("abc", [1, 2]), TypeError, "y"),
        (([], [1, 2]), ValueError, "y"),
        (([1, float("nan")], [1, 2]), ValueError, "y"),
        (([[1, 2], [3]], [1, 2]), ValueError, "y"),
        (([1, 2], [1, 2, 3]), ValueError, "y and t"),
    ],
)
def test_bad_arguments_get_errors_that_name_them(arguments, error, named):
    with pytest.raises(error, match=named):
        scaled_error(*arguments)


def test_a_check_of_an_argument_that_does_not_exist_is_refused():
    with pytest.raises(TypeError, match="no argument named"):
        check_arguments(z=checks.real)(lambda x: x)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (checks.integer, [3, np.int64(-2)], [2.0, True, "3", None]),
        (checks.count, [1, 7], [0, -1, 1.5, False]),
        (checks.non_negative_integer, [0, 5], [-1, 0.0]),
        (checks.probability, [0, 0.5, 1], [-0.1, 1.1, float("nan")]),
        (checks.fraction, [0, 0.99], [1.0, -0.5]),
        (checks.non_negative, [0, 2.5], [-1e-9, float("inf")]),
        (checks.function, [len, lambda: 0], [3, None]),
        (
            checks.layer_sizes,
            [[2, 3, 1], (4, 1)],
            [[3], [3, -1], [3, 0], [2, 1.5], "21", 3],
        ),
        (
            checks.labels,
            [[0, 2, 1]],
            [[0.0, 1.0], [-1, 0], [[0, 1]], [], [True, False], [[0, 1], [2]]],
        ),
        (checks.vector, [[1.0, 2.0]], [[[1.0]], [np.inf]]),
        (checks.matrix, [[[1.0, 2.0]]], [[1.0, 2.0]]),
        (checks.one_of("sum", "mean"), ["sum"], ["max", None]),
        (checks.optional(checks.count), [None, 2], [0]),
        (checks.boolean, [True, False, np.bool_(True)], [1, 0, "yes", None]),
        (checks.generator, [np.random.default_rng(0)], [0, None, np.random]),
    ],
)
def test_each_check_accepts_the_good_and_names_the_bad(check, good, bad):
    for value in good:
        check(value, "argument")
    for value in bad:
        with pytest.raises((TypeError, ValueError), match="argument"):
            check(value, "argument")


@settings(max_examples=50, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 6),
        elements=st.floats(allow_nan=False, allow_subnormal=True),
    )
)
def test_float_array_keeps_every_value_but_nan(values):
    converted = checks.float_array(values.tolist(), "x")
    assert converted.dtype == np.float64
    np.testing.assert_array_equal(converted, values)
    np.testing.assert_array_equal(np.signbit(converted), np.signbit(values))


# --- switches, sequences, objects


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (checks.boolean, [True, False, np.bool_(True)], [1, 0.0, None, "True"]),
        (
            checks.list_of(checks.count),
            [[1, 2], (3,), np.array([4])],
            [[], [1, 0], 3, "12", None],
        ),
        (
            checks.list_of(checks.matrix),
            [[np.ones((2, 3))]],
            [[np.ones(3)], [], np.float64(1.0)],
        ),
        (checks.instance_of(int, str), [3, "a"], [1.5, None]),
        (checks.probability_array, [[0.0, 0.5, 1.0], 1], [[-0.1], [1.5], [np.nan], []]),
    ],
)
def test_the_checks_of_switches_sequences_and_objects_name_the_bad(check, good, bad):
    for value in good:
        check(value, "argument")
    for value in bad:
        with pytest.raises((TypeError, ValueError), match="argument"):
            check(value, "argument")


def test_list_of_names_the_bad_item():
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        checks.list_of(checks.count)([2, 0], "sizes")
    assert checks.list_of(checks.count)((2, np.int64(3)), "sizes") == [2, 3]


def test_check_constructor_checks_init_and_keeps_the_class():
    @checks.check_constructor(width=checks.count)
    class Layer:
        def __init__(self, width, name="layer"):
            self.width, self.name = width, name

    assert isinstance(Layer(np.int64(3)), Layer)
    assert type(Layer(3).width) is int
    assert Layer.__init__.unchecked is not Layer.__init__
    with pytest.raises(ValueError, match="width"):
        Layer(0)
    with pytest.raises(TypeError, match="width"):
        Layer(width=2.5)


def test_two_along_first_axis_takes_points_and_grids_and_names_what_it_wants():
    point = checks.two_along_first_axis("two coordinates (x, y)")
    np.testing.assert_array_equal(point([1, 2], "p"), [1.0, 2.0])
    assert point(np.zeros((2, 4, 5)), "p").shape == (2, 4, 5)
    assert np.isinf(point([np.inf, 0.0], "p")[0])  # float_array lets inf through
    with pytest.raises(ValueError, match=r"p must hold two coordinates \(x, y\) along"):
        point(np.zeros((3, 4)), "p")
    finite = checks.two_along_first_axis("(x, y)", checks.finite_array)
    with pytest.raises(ValueError, match="p"):
        finite([np.inf, 0.0], "p")


def test_two_values_is_one_pair():
    pair = checks.two_values("one point (x, y)")
    np.testing.assert_array_equal(pair((3, -1), "phi"), [3.0, -1.0])
    for bad in ([1.0, 2.0, 3.0], np.zeros((2, 2))):
        with pytest.raises(ValueError, match="phi must"):
            pair(bad, "phi")


# --- the binding of a call: the same as inspect's, faster -----------------------------


def _shapes(a, b=2, *, c, d=None):
    return a, b, c, d


CALLS = [
    ((1,), {"c": 3}),
    ((1, 2), {"c": 3, "d": 4}),
    ((), {"a": 1, "c": 3}),
    ((), {"b": 5, "a": 1, "c": 3}),
    ((1,), {}),  # c missing
    ((1, 2, 3), {"c": 3}),  # one positional too many
    ((1,), {"a": 1, "c": 3}),  # a twice
    ((1,), {"c": 3, "e": 0}),  # no such argument
    ((), {}),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_binding_a_call_agrees_with_inspect(args, kwargs):
    """Each call form gets inspect's arguments (defaults applied) or its error."""
    import inspect

    signature = inspect.signature(_shapes)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        with pytest.raises(TypeError) as ours:
            checks._binder(signature)(args, kwargs)
        assert str(ours.value) == str(error)
        return
    bound.apply_defaults()
    assert checks._binder(signature)(args, kwargs) == dict(bound.arguments)


@check_arguments(x=checks.float_array)
def _with_star_args(x, *rest, **options):
    return x, rest, options


def test_functions_with_star_arguments_are_bound_by_inspect():
    x, rest, options = _with_star_args([1], 2, 3, scale=4)
    assert x.dtype == np.float64 and rest == (2, 3) and options == {"scale": 4}


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 4)),
        elements=st.floats(allow_nan=False),  # subnormals, -0.0, huge, infinite
    ),
    st.booleans(),
)
def test_a_float64_array_takes_a_shortcut_to_the_same_result(value, fortran):
    """The common case (already float64) gives what the general path gives for the
    same numbers in another type (a list): a new array, laid out as the value is."""
    value = np.asfortranarray(value) if fortran else np.ascontiguousarray(value)
    result = checks.float_array(value, "x")
    assert result is not value and result.flags.f_contiguous == value.flags.f_contiguous
    np.testing.assert_array_equal(result, checks.float_array(value.tolist(), "x"))
    assert np.array_equal(np.signbit(result), np.signbit(value))
    if np.isfinite(value).all():
        np.testing.assert_array_equal(checks.finite_array(value, "x"), value)
    else:
        with pytest.raises(ValueError, match="x must be finite, got an infinity"):
            checks.finite_array(value, "x")


@pytest.mark.parametrize("value", [[1.0, np.nan, np.inf], np.array([np.inf, np.nan])])
def test_nan_is_named_before_infinity(value):
    with pytest.raises(ValueError, match="x must not contain NaN"):
        checks.finite_array(value, "x")
