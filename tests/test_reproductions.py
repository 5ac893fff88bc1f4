"""The registry of reproduced results: declared by the chapters, each with a source,
a published value and a tolerance; the built page and JSON are checked in
tests/test_site_build.py."""

import math

import pytest

from dlfoundations.reproductions import Reproduction, declared, reproduces

REQUIRED = {
    "micrograd-moons-train-accuracy",
    "udl-figure-7-7-he-variance-flat",
}


def test_chapters_declare_the_results_the_book_reproduces():
    results = declared()
    ids = [result.id for result in results]
    assert len(ids) == len(set(ids))
    assert REQUIRED <= set(ids)
    for result in results:
        assert result.claim and result.source, result.id
        assert math.isfinite(result.published) and result.tolerance >= 0, result.id


def measured(value):
    return lambda: value


def test_a_result_holds_within_its_tolerance_and_never_when_not_finite():
    result = Reproduction("x", "claim", "source", 0.68, 0.05, measured(0.7))
    assert result.holds(0.70) and result.holds(0.64) and result.holds(0.72)
    assert not result.holds(0.62) and not result.holds(0.74)
    assert not result.holds(float("nan")) and not result.holds(float("inf"))


def test_an_id_cannot_mean_two_things():
    @reproduces(id="test-only-a", claim="c", source="s", published=1.0, tolerance=0)
    def first() -> float:
        return 1.0

    with pytest.raises(ValueError, match="declared twice"):

        @reproduces(id="test-only-a", claim="c", source="s", published=1.0, tolerance=0)
        def second() -> float:
            return 1.0


def test_a_negative_tolerance_is_refused():
    with pytest.raises(ValueError, match="tolerance"):
        reproduces(
            id="test-only-b", claim="c", source="s", published=1.0, tolerance=-1
        )(measured(1.0))
