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

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

from dlfoundations.exercises._checker import (
    Exercise,
    ExerciseFailed,
    check_exercise,
    find,
)

__all__ = ["ExerciseFailed", "check", "names", "reference"]

# The parts in book order. A part's exercises are imported when first needed: checking
# an exercise imports its own part only, not the torch chapters of the others.
PARTS = (
    "foundations",
    "building_blocks",
    "optimization",
    "backpropagation",
    "generalization",
    "architectures",
)


def parts() -> Iterator[list[Exercise]]:
    """The exercises of each part, in book order, importing each part when reached."""
    for part in PARTS:
        yield importlib.import_module(f"dlfoundations.exercises.{part}").EXERCISES


def registry() -> dict[str, Exercise]:
    """Every exercise by its id, in book order."""
    return {exercise.name: exercise for exercises in parts() for exercise in exercises}


def __getattr__(name: str):
    if name == "EXERCISES":  # exercises.EXERCISES, built on first use
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def names() -> list[str]:
    """The id of every implement-and-check exercise, in book order."""
    return list(registry())


def part_declaring(name: str) -> str | None:
    """The part whose module declares the exercise ``name`` (``name="..."``), read
    from its source, so that checking one exercise imports one part."""
    for part in PARTS:
        source = Path(__file__).with_name(f"{part}.py").read_text(encoding="utf-8")
        if f'name="{name}"' in source:
            return part
    return None


def exercise_named(name) -> Exercise:
    """The exercise ``name``, importing only the part that declares it."""
    part = part_declaring(name) if isinstance(name, str) else None
    if part is not None:
        module = importlib.import_module(f"dlfoundations.exercises.{part}")
        for exercise in module.EXERCISES:
            if exercise.name == name:
                return exercise
    return find(registry(), name)  # the clear error, with the close names


def check(name: str, candidate: Callable) -> None:
    """Check the reader's ``candidate`` for the exercise ``name``.

    Returns ``None`` when it agrees with the book's solution on every input tried;
    raises :class:`ExerciseFailed` otherwise.
    """
    exercise = exercise_named(name)
    if not callable(candidate):
        kind = type(candidate).__name__
        raise TypeError(f"candidate must be your function (a callable), got {kind}")
    check_exercise(exercise, candidate)


def reference(name: str) -> Callable:
    """The book's solution to the exercise ``name``."""
    return exercise_named(name).reference
