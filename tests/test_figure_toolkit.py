"""The figure toolkit: one style, shared plot helpers, one import line per figure
module, and the dark variant of every figure (its colours, and how pages show it)."""

import ast
import base64
import io
import re
import sys
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pytest

from dlfoundations.figures import _build
from dlfoundations.figures._dark import INK, PAPER, dark_rgb, dark_svg
from dlfoundations.figures._style import SVG_METADATA
from dlfoundations.figures.toolkit import (
    filled_contours,
    iterates,
    mark_minimum,
    new_figure,
)

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "src" / "dlfoundations" / "figures"
SLATE = np.array([30, 32, 41]) / 255  # Material's slate background, hsl(225 15% 14%)


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


# --- the dark variant ------------------------------------------------------------


def lightness(rgb) -> float:
    rgb = np.asarray(rgb, dtype=float)
    return (rgb.max() + rgb.min()) / 2


def contrast(a, b) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb):
        rgb = np.asarray(rgb, dtype=float)
        linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return linear @ [0.2126, 0.7152, 0.0722]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_dark_mapping_turns_paper_and_ink_over():
    assert lightness(dark_rgb([1.0, 1.0, 1.0])) == pytest.approx(PAPER, abs=0.01)
    assert lightness(dark_rgb([0.0, 0.0, 0.0])) == pytest.approx(INK, abs=0.01)
    greys = dark_rgb(np.linspace(0, 1, 11)[:, None].repeat(3, axis=1))
    assert np.all(np.diff(greys[:, 0]) < 0), "greys keep their order, turned over"


@pytest.mark.parametrize("colour", [f"C{i}" for i in range(10)] + ["gold", "gray"])
def test_palette_colours_stay_readable_on_the_dark_page(colour):
    rgb = mcolors.to_rgb(colour)
    assert contrast(dark_rgb(rgb), SLATE) >= 3.0, mcolors.to_hex(dark_rgb(rgb))


@pytest.mark.parametrize("colour", ["#e8eaf6", "#c6dbef", "#fde0dc", "#fde3c8"])
def test_pale_fills_become_dark_tints_of_the_same_hue(colour):
    rgb = np.array(mcolors.to_rgb(colour))
    dark = dark_rgb(rgb)
    assert lightness(dark) < 0.35
    assert np.argmax(dark) == np.argmax(rgb) and np.argmin(dark) == np.argmin(rgb)


def small_figure_svg() -> bytes:
    fig, (left, right) = new_figure(ncols=2)
    left.plot([0, 1], [0, 1], color="C0", label="a line")
    left.text(0.5, 0.5, "black text")
    left.legend()
    right.imshow(np.arange(12.0).reshape(3, 4), cmap="Blues")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def test_dark_svg_maps_every_colour_and_image_and_is_deterministic():
    from PIL import Image

    light = small_figure_svg()
    dark = dark_svg(light)
    assert dark == dark_svg(light) and dark != light
    text = dark.decode()
    assert "#000000" not in text and "#ffffff" not in text
    assert re.search(r'<svg fill="#([0-9a-f]{6})"', text)
    colours = re.findall(r"(?:fill|stroke): #([0-9a-f]{6})", text)
    darkest = min(
        lightness([int(c[i : i + 2], 16) / 255 for i in (0, 2, 4)]) for c in colours
    )
    assert darkest >= PAPER - 0.01, "nothing is darker than the dark page's paper"

    def image(svg: bytes):
        encoded = re.search(rb'base64,([^"]*)"', svg)[1]
        return Image.open(io.BytesIO(base64.b64decode(b"".join(encoded.split()))))

    before, after = image(light), image(dark)
    assert before.size == after.size and before.mode == after.mode
    assert np.asarray(before).tobytes() != np.asarray(after).tobytes()


# --- pages show the variant of the reader's scheme -------------------------------


def build_hooks():
    """The build hook module, imported as MkDocs imports it (hooks/ on sys.path)."""
    hooks = str(ROOT / "hooks")
    sys.path.insert(0, hooks)
    try:
        import build_hooks
    finally:
        sys.path.remove(hooks)
    return build_hooks


def test_a_figure_image_becomes_its_light_and_dark_variant():
    hooks = build_hooks()
    html = (
        '<p><img alt="A curve &gt; 0" src="../../figures/a/b/c-d.svg" /></p>'
        '<img alt="x" src="../x.png"><img alt="y" src="figures/p/q/r.svg" width="50%">'
    )
    shown = hooks.figure_variants(html)
    assert shown == (
        '<p><img alt="A curve &gt; 0" src="../../figures/a/b/c-d.svg#only-light"'
        ' loading="lazy" />'
        '<img alt="A curve &gt; 0" src="../../figures/a/b/c-d.dark.svg#only-dark"'
        ' loading="lazy" /></p>'
        '<img alt="x" src="../x.png">'
        '<img alt="y" src="figures/p/q/r.svg#only-light" width="50%"'
        ' loading="lazy">'
        '<img alt="y" src="figures/p/q/r.dark.svg#only-dark" width="50%"'
        ' loading="lazy">'
    )
    assert hooks.figure_variants(shown) == shown, "a variant is left as it is"
