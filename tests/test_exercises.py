"""The exercises: the checker's interface, every exercise's reference, and the
Exercises section of every chapter page and lab.

The known-wrong versions of each part's exercises, written the way a reader would get
them wrong, are in ``tests/exercises/``.
"""

import importlib
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from dlfoundations import exercises
from dlfoundations.exercises import ExerciseFailed, check, names, reference
from dlfoundations.exercises._checker import Case, Exercise, Mistake, check_exercise

KINDS = ("Pencil and paper", "Predict, then run", "Implement and check")
EXERCISE = re.compile(rf"^\*\*({'|'.join(KINDS)}): [^*]+[.?]\*\*", re.M)
CHECK_CALL = re.compile(r"""^\s*check\("([\w-]+)", """, re.M)


def nav_chapters() -> list[str]:
    """The chapter pages (``part/chapter``) in the order of the site's navigation."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s+- ([\w-]+/[\w-]+)\.md$", nav, re.M)


def page_text(chapter: str) -> str:
    return (ROOT / "docs" / f"{chapter}.md").read_text(encoding="utf-8")


def exercises_section(chapter: str) -> str:
    text = page_text(chapter)
    start = text.find("\n## Exercises\n")
    assert start >= 0, f"{chapter}: no '## Exercises' section"
    rest = text[start + 1 :]
    following = re.search(r"^## ", rest[3:], re.M)
    section = rest if following is None else rest[: following.start() + 3]
    after = rest[len(section) :]
    assert after.startswith("## What to remember"), (
        f"{chapter}: the Exercises section must come right before 'What to remember'"
    )
    return section


# --- the interface ------------------------------------------------------------------


def test_names_are_unique_ids_in_book_order():
    called = [
        name
        for chapter in nav_chapters()
        for name in CHECK_CALL.findall(page_text(chapter))
    ]
    assert names(), "no exercise is declared"
    assert len(set(names())) == len(names())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names())
    assert called == names(), "the pages check the exercises in another order"


def test_each_exercise_is_checked_on_the_page_it_names():
    for name, exercise in exercises.EXERCISES.items():
        assert f'check("{name}", ' in page_text(exercise.page), name


def test_each_exercise_is_found_in_the_part_that_declares_it():
    for part in exercises.PARTS:
        module = importlib.import_module(f"dlfoundations.exercises.{part}")
        for exercise in module.EXERCISES:
            assert exercises.part_declaring(exercise.name) == part, exercise.name
            assert exercises.exercise_named(exercise.name) is exercise


def test_checking_an_exercise_imports_its_part_only():
    script = (
        "import sys\n"
        "from dlfoundations.exercises import check, reference\n"
        "check('tanh-from-sigmoid', reference('tanh-from-sigmoid'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('dlfoundations.ex')))\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    parts = ["exercises", "exercises._checker", "exercises.foundations"]
    expected = [f"dlfoundations.{part}" for part in parts]
    assert result.stdout.split("\n")[:2] == [str(expected), "False"]


@pytest.mark.parametrize("name", names())
def test_the_reference_passes_its_check(name):
    assert check(name, reference(name)) is None


@pytest.mark.parametrize("name", names())
def test_a_candidate_that_raises_is_reported_as_a_failure(name):
    def broken(*arguments):
        raise RuntimeError("not written yet")

    with pytest.raises(ExerciseFailed) as failure:
        check(name, broken)
    message = str(failure.value)
    assert f"check({name!r}) failed" in message
    assert "your function raised RuntimeError: not written yet" in message


@pytest.mark.parametrize("name", names())
def test_each_exercise_recognises_at_least_two_mistakes(name):
    assert len(exercises.EXERCISES[name].mistakes) >= 2


def test_exercise_failed_is_an_assertion_error():
    assert issubclass(ExerciseFailed, AssertionError)


def test_an_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"name must be one of .*tanh-from-sigmoid"):
        check("tanh-from-sigmoids", np.tanh)
    with pytest.raises(TypeError, match="name must be an exercise name"):
        reference(3)


def test_a_candidate_that_is_not_a_function_is_a_clear_error():
    with pytest.raises(TypeError, match="candidate must be your function"):
        check(names()[0], 0.5)


# --- the checker, on an exercise made for the test ----------------------------------


def square_matrix_product(A, B):
    return A @ B


def product_cases(rng):
    return [Case("random", (rng.standard_normal((2, 3)), rng.standard_normal((3, 4))))]


PRODUCT = Exercise(
    name="matrix-product",
    page="",
    reference=square_matrix_product,
    cases=product_cases,
    mistakes=(Mistake("elementwise, not a product", lambda A, B: A[:, :1] * B[0]),),
)


def failure_of(candidate) -> str:
    with pytest.raises(ExerciseFailed) as failure:
        check_exercise(PRODUCT, candidate)
    return str(failure.value)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (lambda A, B: A[:, :1] * B[0], "elementwise, not a product"),
        (lambda A, B: -(A @ B), "a flipped sign"),
        (lambda A, B: (A @ B).T.copy(), "a transposed matrix"),
        (lambda A, B: (A @ B)[:, :3], "the shape: it returned shape (2, 3)"),
        (lambda A, B: 2 * (A @ B), "a factor of two: your output is twice"),
        (lambda A, B: (A @ B) / 2, "a factor of two: your output is half"),
        (lambda A, B: (A @ B) * np.inf, "an overflow"),
        (
            lambda A, B: (A @ B, A),
            "the shape: it returned 2 value(s) where 1 are expected",
        ),
    ],
)
def test_the_checker_recognises_common_mistakes(candidate, hint):
    message = failure_of(candidate)
    assert f"likely mistake: {hint}" in message
    assert "expected:" in message and "your function returned:" in message
    assert "  A = [[" in message, "the failing input is shown"


def test_a_transposed_square_matrix_is_recognised():
    def cases(rng):
        return [Case("random", (rng.standard_normal((3, 3)), np.eye(3)))]

    exercise = Exercise("square", "", square_matrix_product, cases)
    with pytest.raises(ExerciseFailed, match="a transposed matrix"):
        check_exercise(exercise, lambda A, B: (A @ B).T)


def test_a_candidate_that_changes_its_input_is_caught():
    def in_place(A, B):
        A[0, 0] += 1
        return square_matrix_product(A, B)

    assert "changed its input in place" in failure_of(in_place)


def test_an_unrecognised_mistake_gets_no_hint():
    message = failure_of(lambda A, B: A @ B + 1)
    assert "likely mistake" not in message


def test_the_check_is_deterministic():
    def wrong(A, B):
        return A @ B + 1e-3

    assert failure_of(wrong) == failure_of(wrong)


def test_torch_outputs_and_tuples_are_compared():
    torch = pytest.importorskip("torch")
    check_exercise(PRODUCT, lambda A, B: torch.from_numpy(A) @ torch.from_numpy(B))
    with pytest.raises(ExerciseFailed):
        check_exercise(PRODUCT, lambda A, B: torch.from_numpy(A @ B).T)


# --- the pages and the labs ---------------------------------------------------------


@pytest.mark.parametrize("chapter", nav_chapters())
def test_every_chapter_ends_with_exercises(chapter):
    section = exercises_section(chapter)
    found = EXERCISE.findall(section)
    assert len(found) >= 3, f"{chapter}: {len(found)} exercises, at least 3 wanted"
    assert set(found) == set(KINDS), f"{chapter}: kinds {sorted(set(found))}"
    pieces = EXERCISE.split(section)[1:]  # kind, text, kind, text, ...
    for kind, text in zip(pieces[::2], pieces[1::2]):
        if kind == "Implement and check":
            assert CHECK_CALL.search(text), f"{chapter}: an exercise without check()"
        else:
            assert '??? note "Answer"' in text, f"{chapter}: a {kind} without answer"


def lab_of(part: str):
    labs = sorted((ROOT / "docs" / "labs").glob(f"part*_{part.replace('-', '_')}.py"))
    return labs[0] if labs else None


@pytest.mark.parametrize(
    "part",
    sorted({exercise.page.split("/")[0] for exercise in exercises.EXERCISES.values()}),
)
def test_each_lab_has_its_parts_exercises_as_cells(part):
    lab = lab_of(part)
    assert lab is not None, f"part {part} has no lab"
    expected = [n for n, e in exercises.EXERCISES.items() if e.page.startswith(part)]
    assert CHECK_CALL.findall(lab.read_text(encoding="utf-8")) == expected
