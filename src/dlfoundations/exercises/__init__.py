"""Exercises that check themselves.

Every chapter ends with exercises; those that ask for code are checked here, against
the book's own solution, on random and edge inputs::

    from dlfoundations.exercises import check

    check("sigmoid-derivative", sigmoid_derivative)  # None when right

- :func:`names` lists the implement-and-check exercises in book order;
- :func:`check` returns ``None`` when a candidate agrees with the solution and raises
  :class:`ExerciseFailed` (an ``AssertionError``) when it does not, naming the input,
  the expected and the returned values, and the likely mistake when it is recognised;
  an exception raised by the candidate is reported the same way;
- :func:`reference` returns the book's solution.

The exercises of each part are declared in the module of that part
(``exercises/foundations.py``, ...), in the order of its chapters.
"""

from collections.abc import Callable

from dlfoundations.exercises import (
    architectures,
    backpropagation,
    building_blocks,
    foundations,
    generalization,
    optimization,
)
from dlfoundations.exercises._checker import (
    Exercise,
    ExerciseFailed,
    check_exercise,
    find,
)

__all__ = ["ExerciseFailed", "check", "names", "reference"]

PARTS = (
    foundations,
    building_blocks,
    optimization,
    backpropagation,
    generalization,
    architectures,
)
EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise for part in PARTS for exercise in part.EXERCISES
}


def names() -> list[str]:
    """The id of every implement-and-check exercise, in book order."""
    return list(EXERCISES)


def check(name: str, candidate: Callable) -> None:
    """Check the reader's ``candidate`` for the exercise ``name``.

    Returns ``None`` when it agrees with the book's solution on every input tried;
    raises :class:`ExerciseFailed` otherwise.
    """
    exercise = find(EXERCISES, name)
    if not callable(candidate):
        kind = type(candidate).__name__
        raise TypeError(f"candidate must be your function (a callable), got {kind}")
    check_exercise(exercise, candidate)


def reference(name: str) -> Callable:
    """The book's solution to the exercise ``name``."""
    return find(EXERCISES, name).reference
