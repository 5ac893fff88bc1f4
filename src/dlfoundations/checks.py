"""Argument checks at the boundary: one mechanism for every public function of the book.

The code a page shows is the math. The checks that turn a reader's list into an array,
or refuse a negative learning rate with a message that names the argument, are
declared once, above the section the page embeds, with :func:`check_arguments`::

    @check_arguments(x=float_array, lr=positive)
    # (here the section marker: the page shows what follows)
    def step(x, lr):
        return x - lr * gradient(x)

A check is a function ``check(value, name)`` that returns the value converted (a
float64 array, a float, an int) or raises ``TypeError`` or ``ValueError`` naming
``name``. A check of several arguments at once (two arrays of one shape) is a function
of the bound arguments, passed first: ``@check_arguments(same_shape("y", "t"), ...)``.
The function the page shows stays reachable as ``step.unchecked``, and
``step.check_call(...)`` checks the arguments of a call without making it (an
experiment checks its arguments so before it looks for a cached result).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np

Check = Callable[[object, str], object]
Relation = Callable[[dict], None]


def check_arguments(*relations: Relation, **checks: Check):
    """Check and convert the named arguments of the decorated function on every call."""

    def decorate(function):
        signature = inspect.signature(function)
        unknown = sorted(set(checks) - set(signature.parameters))
        if unknown:
            raise TypeError(f"{function.__qualname__} has no argument named {unknown}")
        bind = _binder(signature)

        def checked_arguments(args: tuple, kwargs: dict) -> dict:
            arguments = bind(args, kwargs)
            for name, check in checks.items():
                arguments[name] = check(arguments[name], name)
            for relation in relations:
                relation(arguments)
            return arguments

        def check_call(*args, **kwargs) -> inspect.BoundArguments:
            """The call's arguments, checked and converted (defaults included)."""
            return inspect.BoundArguments(signature, checked_arguments(args, kwargs))

        if _keywords_suffice(signature):

            @functools.wraps(function)
            def checked(*args, **kwargs):
                return function(**checked_arguments(args, kwargs))

        else:

            @functools.wraps(function)
            def checked(*args, **kwargs):
                bound = check_call(*args, **kwargs)
                return function(*bound.args, **bound.kwargs)

        checked.unchecked = function
        checked.check_call = check_call
        return checked

    return decorate


_POSITIONAL_OR_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
_KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


def _keywords_suffice(signature: inspect.Signature) -> bool:
    """Every parameter can be passed by name (no ``*args``, ``**kwargs`` or ``/``)."""
    kinds = (_POSITIONAL_OR_KEYWORD, _KEYWORD_ONLY)
    return all(p.kind in kinds for p in signature.parameters.values())


def _binder(signature: inspect.Signature) -> Callable[[tuple, dict], dict]:
    """``bind(args, kwargs)``: the arguments of a call by name, defaults included.

    The same as ``signature.bind`` followed by ``apply_defaults``, several times
    faster for the calls every function receives (a few positional arguments, some
    keywords): the checks run on every call, nested calls included. Anything else
    (an error, ``*args``) goes through ``signature.bind`` and its messages.
    """

    def bind_by_inspect(args: tuple, kwargs: dict) -> dict:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    if not _keywords_suffice(signature):
        return bind_by_inspect
    parameters = signature.parameters.values()
    positional = [p.name for p in parameters if p.kind is _POSITIONAL_OR_KEYWORD]
    names = frozenset(signature.parameters)
    defaults = {p.name: p.default for p in parameters if p.default is not p.empty}

    def bind(args: tuple, kwargs: dict) -> dict:
        if len(args) <= len(positional) and names.issuperset(kwargs):
            arguments = dict(zip(positional, args))
            if arguments.keys().isdisjoint(kwargs):
                arguments.update(kwargs)
                for name, default in defaults.items():
                    arguments.setdefault(name, default)
                if len(arguments) == len(names):
                    return arguments
        return bind_by_inspect(args, kwargs)  # raises inspect's own TypeError

    return bind


# --- numbers --------------------------------------------------------------------------


def real(value, name: str) -> float:
    """A real number (not a bool, not NaN), as a float."""
    if type(value) is float and not math.isnan(value):  # the common case
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return float(value)


def finite(value, name: str) -> float:
    """A finite real number, as a float."""
    value = real(value, name)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def positive(value, name: str) -> float:
    """A finite real number > 0 (a learning rate, a width, a temperature)."""
    value = finite(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def non_negative(value, name: str) -> float:
    """A finite real number >= 0 (a weight decay, a momentum)."""
    value = finite(value, name)
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def probability(value, name: str) -> float:
    """A real number in [0, 1]."""
    value = real(value, name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def fraction(value, name: str) -> float:
    """A real number in [0, 1): a share of a dataset, a decay rate below 1."""
    value = real(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def integer(value, name: str) -> int:
    """An integer (not a bool, not a float), as an int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return int(value)


def count(value, name: str) -> int:
    """An integer >= 1 (a number of steps, samples, units)."""
    value = integer(value, name)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def non_negative_integer(value, name: str) -> int:
    """An integer >= 0 (a seed, an index)."""
    value = integer(value, name)
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def function(value, name: str):
    """Something that can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


# --- arrays ---------------------------------------------------------------------------


def float_array(value, name: str) -> np.ndarray:
    """A non-empty real array (or number) without NaN, as float64; infinities pass."""
    array = _real_array(value, name)
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN")
    return array


def finite_array(value, name: str) -> np.ndarray:
    """A non-empty array of finite real numbers, as float64."""
    array = _real_array(value, name)
    if not np.isfinite(array).all():  # one pass; which fault, only on failure
        if np.isnan(array).any():
            raise ValueError(f"{name} must not contain NaN")
        raise ValueError(f"{name} must be finite, got an infinity")
    return array


def _real_array(value, name: str) -> np.ndarray:
    """A non-empty real array (or number), as a new float64 array (NaN not checked)."""
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case
        if value.size == 0:
            raise ValueError(f"{name} must not be empty")
        return value.astype(np.float64)  # a copy, laid out as the value is
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        message = f"{name} must be a rectangular array of numbers: {error}"
        raise ValueError(message) from None
    numeric = np.issubdtype(array.dtype, np.number) or array.dtype == bool
    if not numeric:
        kind = type(value).__name__
        raise TypeError(f"{name} must be a number or an array of numbers, got {kind}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real-valued, got complex numbers")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    return array.astype(np.float64)


def vector(value, name: str) -> np.ndarray:
    """A non-empty 1-D array of finite real numbers."""
    array = finite_array(value, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    return array


def matrix(value, name: str) -> np.ndarray:
    """A non-empty 2-D array of finite real numbers."""
    array = finite_array(value, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    return array


def labels(value, name: str) -> np.ndarray:
    """A non-empty 1-D array of class indices (integers >= 0), as int64."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(
            f"{name} must be a 1-D array of class indices: {error}"
        ) from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class indices, not {array.dtype}")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, not {array.shape}")
    if (array < 0).any():
        raise ValueError(f"{name} must be non-negative class indices")
    return array.astype(np.int64)


def layer_sizes(value, name: str) -> list[int]:
    """The widths of a network's layers, input first: at least two counts."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a list of layer widths, got {kind}")
    sizes = [count(size, f"{name}[{i}]") for i, size in enumerate(value)]
    if len(sizes) < 2:
        message = f"{name} must list an input and an output width at least, got {sizes}"
        raise ValueError(message)
    return sizes


# --- combinators and relations -------------------------------------------------------


def two_along_first_axis(what: str, values: Check = float_array) -> Check:
    """Two values along the first axis, named by ``what`` (``"two coordinates (x,
    y)"``), each a number or a grid of numbers: a point of a plane, or a grid of
    points. ``values`` checks the array first (``finite_array`` refuses inf)."""

    def check(value, name: str) -> np.ndarray:
        array = values(value, name)
        if array.shape[:1] != (2,):
            message = f"{name} must hold {what} along its first axis"
            raise ValueError(f"{message}, got shape {array.shape}")
        return array

    return check


def two_values(what: str) -> Check:
    """One pair of finite numbers, named by ``what``: a vector of shape (2,)."""

    def check(value, name: str) -> np.ndarray:
        array = vector(value, name)
        if array.shape != (2,):
            raise ValueError(f"{name} must be {what}, got shape {array.shape}")
        return array

    return check


def optional(check: Check) -> Check:
    """``None``, or a value that passes ``check``."""

    def check_optional(value, name: str):
        return None if value is None else check(value, name)

    return check_optional


def one_of(*choices) -> Check:
    """One of a fixed set of values (a mode, a method name)."""

    def check_choice(value, name: str):
        if value not in choices:
            raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
        return value

    return check_choice


def same_shape(first: str, second: str) -> Relation:
    """The two named (already converted) arrays have one shape."""

    def check_shapes(arguments: dict) -> None:
        a, b = np.shape(arguments[first]), np.shape(arguments[second])
        if a != b:
            message = f"{first} and {second} must have the same shape, got {a} and {b}"
            raise ValueError(message)

    return check_shapes


def same_length(first: str, second: str) -> Relation:
    """The two named arrays have as many rows (samples) as each other."""

    def check_lengths(arguments: dict) -> None:
        a, b = len(arguments[first]), len(arguments[second])
        if a != b:
            message = f"{first} and {second} must have the same length, got {a} and {b}"
            raise ValueError(message)

    return check_lengths


# --- switches, sequences, objects -----------------------------------------------------


def boolean(value, name: str) -> bool:
    """``True`` or ``False`` (a switch such as ``nesterov``; NumPy bools too), not 1."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def generator(value, name: str) -> np.random.Generator:
    """A NumPy random generator, as made by ``np.random.default_rng(seed)``."""
    if not isinstance(value, np.random.Generator):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a np.random.Generator, got {kind}")
    return value


def list_of(check: Check) -> Check:
    """A non-empty list, tuple or array whose items pass ``check``, as a list; the
    item ``k`` is named ``name[k]`` in errors."""

    def check_items(value, name: str) -> list:
        scalar = isinstance(value, np.ndarray) and value.ndim == 0
        if not isinstance(value, (list, tuple, np.ndarray)) or scalar:
            kind = type(value).__name__
            raise TypeError(f"{name} must be a list, got {kind}")
        if len(value) == 0:
            raise ValueError(f"{name} must not be empty")
        return [check(item, f"{name}[{k}]") for k, item in enumerate(value)]

    return check_items


def probability_array(value, name: str) -> np.ndarray:
    """A non-empty array of real numbers in [0, 1] (probabilities, 0/1 targets)."""
    array = float_array(value, name)
    outside = (array < 0) | (array > 1)
    if outside.any():
        raise ValueError(f"{name} must lie in [0, 1], got {array[outside].flat[0]}")
    return array


def check_constructor(*relations: Relation, **checks: Check):
    """Class decorator: :func:`check_arguments` for the class's ``__init__``.

    Placed above the section marker, it leaves the class the page shows as it is
    (``check_arguments`` on the class itself would turn it into a function).
    """

    def decorate(cls):
        cls.__init__ = check_arguments(*relations, **checks)(cls.__init__)
        return cls

    return decorate


def instance_of(*classes: type) -> Check:
    """An instance of one of ``classes`` (a model, an optimizer), returned as it is."""
    names = " or ".join(cls.__name__ for cls in classes)

    def check_instance(value, name: str):
        if not isinstance(value, classes):
            raise TypeError(f"{name} must be a {names}, got {type(value).__name__}")
        return value

    return check_instance
