"""The layout mirrors the book: a chapter's code, figures and tests carry its page's
name.

A page ``docs/<part>/<chapter>.md`` is backed by
``src/dlfoundations/<part>/<chapter>.py`` (or a chapter package of that name), drawn by
``figures/<part>/<chapter>.py`` and tested by ``tests/<part>/test_<chapter>.py`` (or a
folder of that name), with ``_`` where the page has ``-``.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dlfoundations"
NOT_PARTS = {"labs", "javascripts", "stylesheets"}


def python_name(slug: str) -> str:
    return slug.replace("-", "_")


def chapter_pages() -> list[tuple[str, str]]:
    """``(part, chapter)`` of every chapter page, as written in ``docs/``."""
    return sorted(
        (page.parent.name, page.stem)
        for page in (ROOT / "docs").glob("*/*.md")
        if page.parent.name not in NOT_PARTS
    )


def test_there_are_chapter_pages():
    assert len(chapter_pages()) >= 16


def test_every_chapter_has_its_module_and_its_tests():
    missing = []
    for part, chapter in chapter_pages():
        part, chapter = python_name(part), python_name(chapter)
        module = PACKAGE / part / chapter
        is_package = (module / "__init__.py").is_file()
        if not (module.with_suffix(".py").is_file() or is_package):
            missing.append(f"src/dlfoundations/{part}/{chapter}.py")
        tests = ROOT / "tests" / part
        if not ((tests / f"test_{chapter}.py").is_file() or (tests / chapter).is_dir()):
            missing.append(f"tests/{part}/test_{chapter}.py")
    assert not missing, f"chapters without their module or tests: {missing}"


def test_every_figure_module_mirrors_a_page():
    pages = set(chapter_pages())
    strays = []
    for path in (PACKAGE / "figures").glob("*/**/*.py"):  # not the toolkit beside them
        page = (path.parent.name.replace("_", "-"), path.stem.replace("_", "-"))
        if not path.name.startswith("_") and page not in pages:
            strays.append(path.relative_to(ROOT).as_posix())
    assert not strays, f"figure modules that no page is named like: {strays}"


def test_part_packages_import_nothing():
    """A part's __init__ that imported its chapters would make every figure of the part
    depend on every chapter of it (the figure cache keys follow imports)."""
    for part in sorted({python_name(part) for part, _ in chapter_pages()}):
        for folder in (PACKAGE / part, PACKAGE / "figures" / part):
            init = folder / "__init__.py"
            name = init.relative_to(ROOT)
            tree = ast.parse(init.read_text(encoding="utf-8"))
            imports = (ast.Import, ast.ImportFrom)
            imported = [node for node in ast.walk(tree) if isinstance(node, imports)]
            assert not imported, f"{name} imports {len(imported)} module(s)"
            assert ast.get_docstring(tree), f"{name} has no docstring"


def test_test_file_names_are_unique():
    """Without __init__.py files pytest imports test modules by their file name."""
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
