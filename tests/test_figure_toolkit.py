"""The figure toolkit: one style, shared plot helpers, one import line per figure
module."""

import ast
from pathlib import Path

import numpy as np

from dlfoundations.figures import _build
from dlfoundations.figures.toolkit import (
    filled_contours,
    iterates,
    mark_minimum,
    new_figure,
)

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "src" / "dlfoundations" / "figures"


def chapter_files() -> list[Path]:
    return [
        FIGURES / Path(*chapter.split(".")).with_suffix(".py")
        for chapter in _build.chapter_modules(ROOT / "src")
    ]


# --- one style, one import -------------------------------------------------------


def bare_font_sizes(tree: ast.AST) -> list[int]:
    """Lines that set a size of text with a number instead of the style or a name."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg == "fontsize"]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "set_fontsize":
            values += node.args
        found += [v.lineno for v in values if isinstance(v, ast.Constant)]
    return found


def test_no_figure_sets_a_bare_font_size():
    """Sizes of text come from the style; a figure that needs another names it
    (``SMALL_SIZE``, ``LARGE_SIZE``)."""
    bare = {
        path.relative_to(ROOT).as_posix(): lines
        for path in sorted(FIGURES.rglob("*.py"))
        if (lines := bare_font_sizes(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not bare, f"font sizes given as numbers (file: lines): {bare}"


def test_bare_font_size_check_catches_one():
    assert bare_font_sizes(ast.parse("ax.legend(fontsize=8)\nt.set_fontsize(9)")) == [
        1,
        2,
    ]
    assert bare_font_sizes(ast.parse("ax.text(0, 0, 'a', fontsize=SMALL_SIZE)")) == []


def test_every_figure_module_imports_the_toolkit_in_one_line():
    """A figure module imports the toolkit, in one line, and nothing else of the
    figures package but other chapters' figure modules."""
    chapters = {
        f"{_build.FIGURES_PACKAGE}.{c}" for c in _build.chapter_modules(ROOT / "src")
    }
    for path in chapter_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            alias.name if isinstance(node, ast.Import) else node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [node])
        ]
        toolkit = [
            name
            for name in imported
            if (name or "").startswith(_build.FIGURES_PACKAGE) and name not in chapters
        ]
        assert toolkit == [f"{_build.FIGURES_PACKAGE}.toolkit"], (path.name, toolkit)


# --- shared plot helpers ---------------------------------------------------------


def test_filled_contours_draws_a_landscape_in_the_book_look():
    fig, ax = new_figure()
    contours = filled_contours(
        ax, lambda p: 1 + p[0] ** 2 + 4 * p[1] ** 2, (-2, 1), (-1, 1), 6
    )
    np.testing.assert_allclose(contours.levels, np.geomspace(1, 9, 6), rtol=1e-3)
    assert contours.get_rasterized() and ax.get_aspect() == 1.0
    assert ax.get_xlim() == (-2, 1) and ax.get_ylim() == (-1, 1)
    assert not any(line.get_visible() for line in ax.get_xgridlines())
    mark_minimum(ax, (0, 0), label="minimum")
    (path,) = iterates(ax, np.array([[-2.0, 1.0], [-1.0, 0.5], [0.0, 0.0]]), "C3")
    assert path.get_marker() == "o" and path.get_color() == "C3"
    assert [t.get_text() for t in ax.legend().get_texts()] == ["minimum"]
