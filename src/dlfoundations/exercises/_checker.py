"""The machinery behind :func:`dlfoundations.exercises.check`.

An :class:`Exercise` names the book's solution (``reference``), the inputs a candidate
is tried on (``cases``: random ones and edge ones, drawn from a seeded generator so a
check is deterministic), and the mistakes it recognises (``mistakes``: each a wrong
version of the function and the hint to give when a candidate computes what it
computes). A few mistakes are recognised for every exercise: a flipped sign, a
transposed matrix, a factor of two, a changed input, an overflow.
"""

from __future__ import annotations

import copy
import difflib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

SEED = 20261122


class ExerciseFailed(AssertionError):
    """A candidate computed something other than the book's solution, or raised."""


@dataclass(frozen=True)
class Mistake:
    """A recognisable wrong version of an exercise's function, and its hint."""

    hint: str
    version: Callable


@dataclass(frozen=True)
class Case:
    """One input of a check: what it is (``"random"``, ``"edge: ..."``) and the
    positional arguments."""

    label: str
    arguments: tuple


@dataclass(frozen=True)
class Exercise:
    """An implement-and-check exercise.

    ``cases(rng)`` returns the :class:`Case` list a candidate is tried on; outputs
    (arrays, numbers, tensors, or tuples of them) are compared with ``rtol`` and
    ``atol``, ``nan`` equal to ``nan``.
    """

    name: str
    page: str
    reference: Callable
    cases: Callable[[np.random.Generator], Sequence[Case]]
    mistakes: tuple[Mistake, ...] = field(default=())
    rtol: float = 1e-6
    atol: float = 1e-9


def is_tensor(value) -> bool:
    """A torch tensor, recognised without importing torch (an exercise on NumPy
    arrays should not pay for loading it)."""
    return hasattr(value, "detach") and hasattr(value, "cpu")


def as_arrays(value) -> tuple[np.ndarray, ...]:
    """An output as a tuple of float arrays (tensors detached, tuples flattened)."""
    if isinstance(value, tuple | list):
        return tuple(array for item in value for array in as_arrays(item))
    if is_tensor(value):
        value = value.detach().cpu().numpy()
    return (np.asarray(value, dtype=float),)


def same(got, want, rtol: float, atol: float) -> bool:
    """Whether two outputs agree: same number of arrays, same shapes, close values."""
    try:
        got, want = as_arrays(got), as_arrays(want)
    except (TypeError, ValueError):
        return False
    return len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        for g, w in zip(got, want)
    )


def show(value) -> str:
    """A short printed form of an input or an output."""
    if is_tensor(value):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12, edgeitems=3)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {summary(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple | list):
        inner = ", ".join(show(item) for item in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


def summary(value) -> str:
    """An array by its shape, anything else printed: for the entries of a dict."""
    shape = getattr(value, "shape", None)
    return f"array of shape {tuple(shape)}" if shape is not None else show(value)


def described_arguments(exercise: Exercise, case: Case) -> str:
    """``name = value`` for each argument, named like the reference's parameters."""
    try:
        names = list(inspect.signature(exercise.reference).parameters)
    except (TypeError, ValueError):
        names = []
    names += [f"argument {i}" for i in range(len(names), len(case.arguments))]
    return "\n".join(
        f"  {name} = {indented(show(value), len(name) + 5)}"
        for name, value in zip(names, case.arguments)
    )


def indented(text: str, width: int = 2) -> str:
    """Continuation lines of a printed array, aligned under its first line."""
    return text.replace("\n", "\n" + " " * width)


def scaled_by(got, want, factor: float) -> bool:
    got, want = as_arrays(got), as_arrays(want)
    return len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, factor * w, rtol=1e-6, atol=1e-12)
        for g, w in zip(got, want)
    )


def transposed(got, want) -> bool:
    pairs = list(zip(as_arrays(got), as_arrays(want)))
    return (
        len(as_arrays(got)) == len(pairs)
        and any(w.ndim == 2 and not same(w, w.T, 1e-6, 1e-12) for _, w in pairs)
        and all(g.shape == w.T.shape and np.allclose(g, w.T) for g, w in pairs)
    )


def overflowed(got, want) -> bool:
    return any(
        g.shape == w.shape and bool(np.any(~np.isfinite(g) & np.isfinite(w)))
        for g, w in zip(as_arrays(got), as_arrays(want))
    )


def shape_mismatch(got, want) -> str | None:
    got, want = as_arrays(got), as_arrays(want)
    if len(got) != len(want):
        return f"it returned {len(got)} value(s) where {len(want)} are expected"
    for g, w in zip(got, want):
        if g.shape != w.shape:
            return f"it returned shape {g.shape} where {w.shape} is expected"
    return None


def likely_mistake(exercise: Exercise, case: Case, got, want) -> str | None:
    """The hint for the first recognised mistake the candidate's output matches."""
    for mistake in exercise.mistakes:
        try:
            wrong = mistake.version(*copy.deepcopy(case.arguments))
        except Exception:
            continue
        if same(got, wrong, exercise.rtol, exercise.atol):
            return mistake.hint
    try:
        return common_mistake(got, want)
    except (TypeError, ValueError):  # an output too odd to compare further
        return None


def common_mistake(got, want) -> str | None:
    """Mistakes any exercise can show, recognised from the output alone."""
    if transposed(got, want):
        return "a transposed matrix: your output is the solution's transpose"
    if problem := shape_mismatch(got, want):
        return f"the shape: {problem}"
    if overflowed(got, want):
        return (
            "an overflow: the output has inf or nan where the solution is finite "
            "(an exp of a large number, or a difference of two huge ones?)"
        )
    if not all(np.all(w == 0) for w in as_arrays(want)) and scaled_by(got, want, -1):
        return "a flipped sign: your output is the solution times -1"
    for factor, words in ((2, "twice"), (0.5, "half")):
        if scaled_by(got, want, factor):
            return f"a factor of two: your output is {words} the solution"
    return None


def unchanged(before, after) -> bool:
    """Whether an argument is as it was before the call: arrays entry by entry,
    dicts and sequences item by item."""
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(
            unchanged(before[key], after[key]) for key in before
        )
    if isinstance(before, tuple | list):
        return len(before) == len(after) and all(map(unchanged, before, after))
    if isinstance(before, np.ndarray) or is_tensor(before):
        return same(before, after, 0, 0)
    return callable(before) or before == after


def failure(exercise: Exercise, case: Case, what: str, hint: str | None) -> str:
    lines = [
        f"check({exercise.name!r}) failed on the {case.label} input:",
        described_arguments(exercise, case),
        what,
    ]
    if hint:
        lines.append(f"likely mistake: {hint}")
    return "\n".join(lines)


def run_case(exercise: Exercise, candidate: Callable, case: Case) -> None:
    """Raise :class:`ExerciseFailed` unless the candidate agrees on one input."""
    want = exercise.reference(*copy.deepcopy(case.arguments))
    arguments = copy.deepcopy(case.arguments)
    try:
        with np.errstate(all="ignore"):  # an overflow is reported as a mistake
            got = candidate(*arguments)
    except Exception as error:
        what = f"your function raised {type(error).__name__}: {error}"
        raise ExerciseFailed(failure(exercise, case, what, None)) from error
    if not unchanged(case.arguments, arguments):
        hint = "your function changed its input in place; compute a new array instead"
        what = "the output is not checked: the input was modified"
        raise ExerciseFailed(failure(exercise, case, what, hint))
    if not same(got, want, exercise.rtol, exercise.atol):
        what = (
            f"expected:\n  {indented(show(want))}\n"
            f"your function returned:\n  {indented(show(got))}"
        )
        hint = likely_mistake(exercise, case, got, want)
        raise ExerciseFailed(failure(exercise, case, what, hint))


def check_exercise(exercise: Exercise, candidate: Callable) -> None:
    """Try the candidate on every case of the exercise, in order."""
    for case in exercise.cases(np.random.default_rng(SEED)):
        run_case(exercise, candidate, case)


def find(registry: dict[str, Exercise], name) -> Exercise:
    """The exercise called ``name``, or a clear error listing the close names."""
    if not isinstance(name, str):
        raise TypeError(f"name must be an exercise name (a str), got {name!r}")
    if name not in registry:
        close = difflib.get_close_matches(name, registry, n=3)
        suggestion = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"name must be one of dlfoundations.exercises.names(), got {name!r}"
            f"{suggestion}"
        )
    return registry[name]
