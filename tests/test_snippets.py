"""Snippet sections: well formed, all referenced sections exist, all defined sections
are used."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"--8<-- \[(start|end):([\w-]+)\]")
REFERENCE = re.compile(r"""^\s*(?:;?)--8<--\s+["']([^"':]+)(?::([\w-]+))?["']""", re.M)


def source_files() -> list[Path]:
    return sorted((ROOT / "src").rglob("*.py"))


def sections_in(path: Path) -> set[str]:
    """Check the markers of one file and return its section names."""
    open_sections, names = [], set()
    for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1
    ):
        match = MARKER.search(line)
        if not match:
            continue
        kind, name = match.groups()
        where = f"{path.name}:{number}"
        if kind == "start":
            assert name not in names, f"{where}: section {name!r} defined twice"
            assert name not in open_sections, f"{where}: section {name!r} started twice"
            open_sections.append(name)
            names.add(name)
        else:
            assert name in open_sections, (
                f"{where}: [end:{name}] without [start:{name}]"
            )
            open_sections.remove(name)
    assert not open_sections, f"{path.name}: sections never ended: {open_sections}"
    return names


def page_references() -> set[tuple[str, str | None]]:
    references = set()
    for page in (ROOT / "docs").rglob("*.md"):
        for path, section in REFERENCE.findall(page.read_text(encoding="utf-8")):
            references.add((path, section or None))
    return references


def test_every_start_has_its_end():
    for path in source_files():
        sections_in(path)


def test_every_referenced_section_exists():
    defined = {
        (p.relative_to(ROOT).as_posix(), s)
        for p in source_files()
        for s in sections_in(p)
    }
    for path, section in page_references():
        assert (ROOT / path).is_file(), f"a page includes {path}, which does not exist"
        if section:
            assert (path, section) in defined, (
                f"a page includes {path}:{section}, which is not defined"
            )


def test_every_section_is_used_by_a_page():
    used = page_references()
    unused = [
        f"{p.relative_to(ROOT).as_posix()}:{s}"
        for p in source_files()
        for s in sorted(sections_in(p))
        if (p.relative_to(ROOT).as_posix(), s) not in used
    ]
    assert not unused, f"sections no page uses: {unused}"


def test_pages_use_snippets_not_pasted_code():
    """A page's python blocks are includes or short examples; a pasted `def` means code
    outside src/."""
    for page in (ROOT / "docs").rglob("*.md"):
        blocks = re.findall(
            r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S
        )
        for block in blocks:
            assert not re.search(r"^\s*(def|class) ", block, re.M), (
                f"{page.name} defines code inline:\n{block}"
            )


def test_marker_check_catches_a_missing_end(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("# --8<-- [start:a]\nx = 1\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="never ended"):
        sections_in(broken)


LINTER_PRAGMA = re.compile(r"#\s*(noqa|fmt:\s*(skip|off|on)|type:\s*ignore)")


def shown_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of a source file that lie inside a section (what pages can show)."""
    depth, lines = 0, []
    text = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(text, start=1):
        match = MARKER.search(line)
        if match:
            depth += 1 if match.group(1) == "start" else -1
        elif depth:
            lines.append((number, line))
    return lines


def test_no_shown_line_needs_a_linter_pragma():
    """A reader never sees `# noqa` or `# fmt: skip`: shown code is clean as written."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in source_files()
        for number, line in shown_lines(path)
        if LINTER_PRAGMA.search(line)
    ]
    assert not found, "\n".join(found)


def test_pragma_check_sees_a_pragma(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("# --8<-- [start:a]\nx = 1  # noqa: E501\n# --8<-- [end:a]\n")
    assert [line for _, line in shown_lines(module) if LINTER_PRAGMA.search(line)]
