"""Shown code: how much of the code the chapter pages show is argument checking.

Reads every chapter page (``docs/**/*.md`` except ``docs/index.md`` and the labs),
expands every Python code fence the way the site build does, and counts, per page:

- **code lines**: shown lines that are not blank, not comments (``#...`` once
  stripped) and not part of a docstring;
- **check lines**: code lines that belong to an argument check (rule below);
- **share**: check lines / code lines, in percent;
- **wide lines**: shown lines wider than 88 characters, counting every line of the
  expanded fences (comments and docstrings too: all of them scroll on the page).

Run:

    python benchmarks/shown_code.py                       # a table per page, totals
    python benchmarks/shown_code.py --max-check-share 8 --max-wide 0   # exit 1 if over
    python benchmarks/shown_code.py --json shown.json     # also write the numbers
    python benchmarks/shown_code.py --annotate losses     # each shown line, marked
    python benchmarks/shown_code.py --show-wide           # every line over 88

Expansion. A fence opens with a line of three or more backticks or tildes followed
by ``python``, ``py`` or ``python3`` (at any indentation, e.g. inside a tab or an
admonition) and closes with a line of at least as many of the same character. The
fence's own indentation is removed from its lines. A line ``--8<-- "path"`` or
``--8<-- "path:section"`` inside the fence is replaced by the file's lines (every
``--8<-- [start:...]``/``[end:...]`` marker line dropped) or by the lines between
``[start:section]`` and ``[end:section]`` (nested markers dropped) dedented with
``textwrap.dedent``, as pymdownx.snippets does with ``dedent_subsections: true``;
line ranges ``path:3:9`` are supported too. Other fence lines are kept as written.
(Checked against pymdownx.snippets' own preprocessor: identical on every page.)

Statements. Each expanded fence is parsed with ``ast``. A statement that is only a
string literal (a module, class or function docstring, or any other bare string)
is a docstring; its lines are not code lines unless another statement shares them.
A fence that does not parse alone falls back to ``tokenize`` (a logical line is a
statement, a STRING token alone on a logical line is a docstring) and, if that fails
too, to physical lines with a triple-quote state machine for docstrings.

Check rule. The check helpers are: every public function of the package's
validation module(s), found by walking ``src/dlfoundations`` with pkgutil for a
module whose last name is ``_validation``, ``validation``, ``checks`` or ``_checks``
(today ``dlfoundations._validation``: ``as_float_array``, ``check_real``, ...), plus
every name matching ``_*check_*`` or ``_*as_*_array`` (e.g. ``check_pair`` in losses,
``_check_layers`` in feedforward, ``as_finite_array`` in activations). A code line is
a check line when it is part of

1. a statement that calls a check helper, by bare name or as an attribute
   (``v.check_positive(...)``); for a compound statement only its header counts
   (``for x in as_float_array(...):``). A definition (``def check_pair(...):``) is
   not a call and does not count;
2. a guard: an ``if``/``elif`` whose body always raises, i.e. ends with ``raise``
   and holds nothing else but simple statements (assignments or expressions, e.g.
   ``bad = values[...]`` building the message). The header and the body count;
3. an import from a validation module, or one that imports only check helpers;
4. a compound statement (``if``/``for``/``while``/``with``/``try``, not ``def`` or
   ``class``) whose every body statement is check code by rules 1-4: all of it
   counts, e.g. a ``for`` loop over the layers that only checks their shapes.

Every physical line of a multi-line statement counts (``raise ValueError(`` and its
message lines). Not counted: ``assert``, a ``raise`` that is not in a guard (e.g.
re-raising in an ``except``), and the other lines of check helpers (their ``def``,
docstring, ``return``). In the fallback modes rule 1 is a regular expression on the
logical line, rule 2 looks at the following code lines at deeper indentation, and
rules 3 and 4 are not applied.

Pages come from ``docs/`` in the order of ``mkdocs.yml``'s nav and the validation
module is found by walking the package, so files may move without editing this.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import io
import json
import pkgutil
import re
import sys
import textwrap
import tokenize
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = "dlfoundations"
WIDTH = 88
VALIDATION_NAMES = {"_validation", "validation", "checks", "_checks"}
CHECK_PATTERN = r"_*check_\w+|_*as_\w+_array"
PYTHON_LANGS = {"python", "py", "python3"}

FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?\.?(?P<lang>[\w+-]*)"
)
SNIPPET_LINE = re.compile(
    r"""^(?P<space>[ \t]*)-+8<-+[ \t]+(?P<q>["'])(?P<target>.+?)(?P=q)\s*$"""
)
SECTION_MARKER = re.compile(
    r"-+8<-+[ \t]+\[[ \t]*(?P<type>start|end)[ \t]*:[ \t]*"
    r"(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]",
    re.IGNORECASE,
)
NAMED_TARGET = re.compile(r"^(?P<path>.*?):(?P<section>[a-zA-Z][-_0-9a-zA-Z]*)$")
RANGE_TARGET = re.compile(
    r"^(?P<path>.*?)(?P<ranges>(?::-?\d*){1,2}(?:,-?\d*(?::-?\d*)?)*)$"
)


# ---------------------------------------------------------------- discovery


def package_dir() -> Path:
    """This checkout's ``src/<package>`` (the pages' snippet paths point into it);
    else wherever the package is installed."""
    if (ROOT / "src" / PACKAGE).is_dir():
        return ROOT / "src" / PACKAGE
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"cannot find the package {PACKAGE}")
    return Path(list(spec.submodule_search_locations)[0])


def iter_module_files(folder: Path, prefix: str) -> list[tuple[str, Path]]:
    """Every module below ``folder`` as (dotted name, file), importing none."""
    found = []
    for info in pkgutil.iter_modules([str(folder)]):
        name = f"{prefix}.{info.name}"
        if info.ispkg:
            found.append((name, folder / info.name / "__init__.py"))
            found.extend(iter_module_files(folder / info.name, name))
        else:
            found.append((name, folder / f"{info.name}.py"))
    return found


def validation_modules() -> dict[str, list[str]]:
    """The package's validation modules and their public function names."""
    modules = {}
    for name, path in iter_module_files(package_dir(), PACKAGE):
        if name.rsplit(".", 1)[-1] not in VALIDATION_NAMES or not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules[name] = sorted(
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not node.name.startswith("_")
        )
    return modules


def load_mkdocs_config(text: str) -> dict:
    """mkdocs.yml as a dict, with its tags (``!ENV``, ``!!python/name``) ignored."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", untagged)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", untagged)
    return yaml.load(text, Loader=Loader) or {}


def nav_order() -> list[str]:
    """The .md pages of mkdocs.yml's nav, in nav order (empty if there is none)."""
    config = ROOT / "mkdocs.yml"
    if not config.is_file():
        return []
    text = config.read_text(encoding="utf-8")
    try:
        nav = load_mkdocs_config(text).get("nav") or []
    except Exception:  # no yaml, or a config it cannot read: every .md in file order
        return re.findall(r"[\w./-]+\.md", text)
    pages: list[str] = []

    def visit(item: object) -> None:
        if isinstance(item, str) and item.endswith(".md"):
            pages.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                visit(value)
        elif isinstance(item, list):
            for value in item:
                visit(value)

    visit(nav)
    return pages


def chapter_pages() -> list[Path]:
    """docs/**/*.md except the home page and the labs, in nav order, then by name."""
    pages = [
        p
        for p in DOCS.rglob("*.md")
        if p != DOCS / "index.md" and "labs" not in p.relative_to(DOCS).parts
    ]
    order = {name: i for i, name in enumerate(nav_order())}

    def position(page: Path) -> tuple[int, Path]:
        return order.get(page.relative_to(DOCS).as_posix(), len(order)), page

    return sorted(pages, key=position)


# ---------------------------------------------------------------- expansion


def section_lines(lines: list[str], section: str | None) -> list[str]:
    """A whole file's lines or one section's, as pymdownx.snippets gives them."""
    if section is None:
        return [line for line in lines if not SECTION_MARKER.search(line)]
    selected, inside, found = [], False, False
    for line in lines:
        marker = SECTION_MARKER.search(line)
        if marker and marker["name"] == section:
            if marker["type"].lower() == "start":
                inside = found = True
                continue
            if inside:
                break
        elif marker:
            continue
        elif inside:
            selected.append(line)
    if not found:
        raise LookupError(f"snippet section {section!r} not found")
    return textwrap.dedent("\n".join(selected)).split("\n")


def line_range_lines(lines: list[str], ranges: str) -> list[str]:
    """Lines selected by ``:3:9`` or ``:3:9,12:14`` (1-based, inclusive), dedented."""
    selected: list[str] = []
    for span in ranges[1:].split(","):
        parts = span.split(":")
        start = int(parts[0]) - 1 if parts[0] else None
        end = int(parts[1]) if len(parts) > 1 and parts[1] else None
        selected.extend(lines[slice(start, end)])
    return textwrap.dedent("\n".join(selected)).split("\n")


def resolve_snippet(target: str) -> list[str]:
    """The lines of a snippet target: ``path``, ``path:section`` or ``path:1:5``."""
    path, section, ranges = target, None, None
    if not (ROOT / target).is_file():
        named, numbered = NAMED_TARGET.match(target), RANGE_TARGET.match(target)
        if named:
            path, section = named["path"], named["section"]
        elif numbered and numbered["ranges"]:
            path, ranges = numbered["path"], numbered["ranges"]
    file = ROOT / path.strip()
    if not file.is_file():
        raise FileNotFoundError(f"snippet file {path!r} not found")
    lines = file.read_text(encoding="utf-8").splitlines()
    if ranges:
        return line_range_lines(lines, ranges)
    return section_lines(lines, section)


@dataclass
class Fence:
    page: str
    start_line: int  # 1-based line of the opening fence in the page
    lines: list[str]


def strip_indent(line: str, indent: str) -> str:
    """Remove the fence's indentation (at most ``len(indent)`` leading blanks)."""
    blanks = len(line) - len(line.lstrip(" \t"))
    return line[min(blanks, len(indent)) :]


def python_fences(page: Path, errors: list[str] | None = None) -> list[Fence]:
    """Every python fence of a page, expanded. A snippet that cannot be resolved is
    kept as written and reported in ``errors``."""
    name = page.relative_to(DOCS).as_posix()
    fences = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body, j = [], i + 1
        while j < len(lines) and not closing.match(lines[j]):
            body.append(strip_indent(lines[j], indent))
            j += 1
        if opening["lang"].lower() in PYTHON_LANGS:
            expanded = []
            for line in body:
                snippet = SNIPPET_LINE.match(line)
                if not snippet:
                    expanded.append(line)
                    continue
                try:
                    included = resolve_snippet(snippet["target"])
                except (LookupError, OSError) as error:
                    if errors is not None:
                        errors.append(f"{name}:{i + 1}: {error}")
                    included = [line.lstrip()]
                expanded.extend(snippet["space"] + s for s in included)
            fences.append(Fence(name, i + 1, expanded))
        i = j + 1
    return fences


# ---------------------------------------------------------------- classification


@dataclass
class Statement:
    lines: set[int]  # 0-based physical lines (of a compound statement: its header)
    docstring: bool = False
    check: bool = False


class Checker:
    """Knows the check helpers: which calls and imports are check code."""

    def __init__(self, validation: dict[str, list[str]]) -> None:
        self.modules = set(validation)
        self.helpers = {name for names in validation.values() for name in names}
        self.pattern = re.compile(rf"^(?:{CHECK_PATTERN})$")
        names = "|".join([*sorted(map(re.escape, self.helpers)), CHECK_PATTERN])
        self.call_re = re.compile(rf"(?<![\w.])(?<!def )(?:\w+\.)*(?:{names})\s*\(")

    def is_helper(self, name: str) -> bool:
        return name in self.helpers or bool(self.pattern.match(name))

    def calls_helper(self, nodes: list[ast.AST]) -> bool:
        """Whether any of ``nodes`` contains a call of a check helper."""
        for root in nodes:
            for node in ast.walk(root):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if isinstance(func, ast.Name):
                    name = func.id
                else:
                    name = getattr(func, "attr", "")
                if self.is_helper(name):
                    return True
        return False

    def is_check_import(self, node: ast.stmt) -> bool:
        if isinstance(node, ast.ImportFrom):
            return (node.module or "") in self.modules or all(
                self.is_helper(alias.name) for alias in node.names
            )
        if isinstance(node, ast.Import):
            return all(alias.name in self.modules for alias in node.names)
        return False


HEADER_FIELDS: dict[type, tuple[str, ...]] = {
    ast.If: ("test",),
    ast.While: ("test",),
    ast.For: ("target", "iter"),
    ast.AsyncFor: ("target", "iter"),
    ast.With: ("items",),
    ast.AsyncWith: ("items",),
    ast.Match: ("subject",),
}
BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
SIMPLE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def header_nodes(node: ast.stmt) -> list[ast.AST]:
    """The expressions of a compound statement's header (what runs before a body)."""
    found: list[ast.AST] = []
    for name in HEADER_FIELDS.get(type(node), ()):
        value = getattr(node, name)
        found.extend(value if isinstance(value, list) else [value])
    return found


def is_guard_body(body: list[ast.stmt]) -> bool:
    """A body that always raises: ``raise``, maybe after assignments building it."""
    return (
        bool(body)
        and isinstance(body[-1], ast.Raise)
        and all(isinstance(child, SIMPLE_STATEMENTS) for child in body[:-1])
    )


def child_statements(node: ast.stmt) -> list[ast.stmt]:
    """The statements of every body of a compound statement, handlers' included."""
    children: list[ast.stmt] = []
    for name in BODY_FIELDS:
        for child in getattr(node, name, None) or []:
            if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                children.extend(child.body)
            else:
                children.append(child)
    return children


def ast_statements(tree: ast.Module, checker: Checker) -> list[Statement]:
    """Every statement of a parsed block, with its lines and its kind."""
    statements: list[Statement] = []

    def visit(node: ast.stmt) -> bool:
        """Record ``node`` and its children; True if it is check code throughout."""
        first = node.lineno - 1
        children = child_statements(node)
        if not children:  # a simple statement: all its lines
            lines = set(range(first, node.end_lineno))
            docstring = (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            )
            check = checker.calls_helper([node]) or checker.is_check_import(node)
            statements.append(Statement(lines, docstring, check))
            return check
        all_check = [visit(child) for child in children]
        body_start = node.body[0].lineno - 1 if node.body else node.end_lineno
        decorators = getattr(node, "decorator_list", [])
        if decorators:
            first = min(first, *(d.lineno - 1 for d in decorators))
        header = set(range(first, max(body_start, node.lineno)))
        whole = set(range(first, node.end_lineno))
        if isinstance(node, DEFINITIONS):
            statements.append(Statement(header))
            return False
        if isinstance(node, ast.If) and is_guard_body(node.body):  # rule 2
            if all(all_check[len(node.body) :]):  # no elif/else, or a checking one
                statements.append(Statement(whole, check=True))
                return True
            guard = set(range(first, node.body[-1].end_lineno))
            statements.append(Statement(guard, check=True))
            return False
        if all(all_check):  # rule 4: `else:`/`except:` lines included
            statements.append(Statement(whole, check=True))
            return True
        check = checker.calls_helper(header_nodes(node))
        statements.append(Statement(header, check=check))
        return False

    for node in tree.body:
        visit(node)
    return statements


def tokenize_statements(source: str, checker: Checker) -> list[Statement] | None:
    """Logical lines as statements, for a block that does not parse alone."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT}
    statements: list[Statement] = []
    current: list[tokenize.TokenInfo] = []
    for token in tokens:
        if token.type not in (tokenize.NEWLINE, tokenize.ENDMARKER):
            current.append(token)
            continue
        meaningful = [t for t in current if t.type not in skip]
        current = []
        if not meaningful:
            continue
        lines = set(range(meaningful[0].start[0] - 1, meaningful[-1].end[0]))
        docstring = len(meaningful) == 1 and meaningful[0].type == tokenize.STRING
        check = bool(checker.call_re.search(" ".join(t.string for t in meaningful)))
        statements.append(Statement(lines, docstring, check))
    mark_guards(statements, source.split("\n"))
    return statements


def state_machine_statements(source: str, checker: Checker) -> list[Statement]:
    """Physical lines as statements; a triple-quoted string opening a line (and
    the lines up to its closing quotes) is a docstring."""
    statements: list[Statement] = []
    quote: str | None = None
    for number, line in enumerate(source.split("\n")):
        stripped = line.strip()
        if quote:
            statements.append(Statement({number}, docstring=True))
            if quote in stripped:
                quote = None
            continue
        opener = re.match(r"^[rRbBuU]?(\"\"\"|''')", stripped)
        if opener:
            if opener[1] not in stripped[opener.end() :]:
                quote = opener[1]
            statements.append(Statement({number}, docstring=True))
            continue
        check = bool(checker.call_re.search(line))
        statements.append(Statement({number}, check=check))
    mark_guards(statements, source.split("\n"))
    return statements


COMPOUND_WORDS = {"if", "elif", "else", "for", "while", "with", "try", "except"}
COMPOUND_WORDS |= {"finally", "def", "class", "return", "match", "case", "async"}


def mark_guards(statements: list[Statement], lines: list[str]) -> None:
    """Fallback rule 2: ``if ...:`` whose deeper-indented code ends in ``raise``."""
    code = [s for s in statements if not s.docstring]

    def indent(statement: Statement) -> int:
        text = lines[min(statement.lines)]
        return len(text) - len(text.lstrip())

    def first_word(statement: Statement) -> str:
        return re.split(r"[\s(:]", lines[min(statement.lines)].strip(), maxsplit=1)[0]

    for i, statement in enumerate(code):
        if first_word(statement) not in ("if", "elif"):
            continue
        body = []
        for follower in code[i + 1 :]:
            if indent(follower) <= indent(statement):
                break
            body.append(follower)
        if not body or first_word(body[-1]) != "raise":
            continue
        if all(first_word(b) not in COMPOUND_WORDS for b in body[:-1]):
            for member in (statement, *body):
                member.check = True


@dataclass
class BlockCount:
    code: int = 0
    check: int = 0
    wide: int = 0
    shown: int = 0
    mode: str = "ast"  # or "tokenize" or "lines": how the block was read
    kinds: list[str] = field(default_factory=list)  # per line: check, code, doc...


def is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def is_wide(line: str) -> bool:
    return len(line.expandtabs(8)) > WIDTH


def count_block(lines: list[str], checker: Checker) -> BlockCount:
    """Code, check and wide lines of one expanded fence."""
    source = textwrap.dedent("\n".join(lines))
    result = BlockCount(shown=len(lines))
    try:
        statements = ast_statements(ast.parse(source), checker)
    except SyntaxError:
        result.mode = "tokenize"
        found = tokenize_statements(source, checker)
        if found is None:
            result.mode = "lines"
            found = state_machine_statements(source, checker)
        statements = found
    docstring_lines = set().union(*(s.lines for s in statements if s.docstring))
    other_lines = set().union(*(s.lines for s in statements if not s.docstring))
    check_lines = set().union(*(s.lines for s in statements if s.check))
    for number, line in enumerate(lines):
        result.wide += is_wide(line)
        if is_comment_or_blank(line):
            result.kinds.append("comment" if line.strip() else "blank")
        elif number in docstring_lines and number not in other_lines:
            result.kinds.append("doc")
        else:
            result.code += 1
            result.check += number in check_lines
            result.kinds.append("check" if number in check_lines else "code")
    return result


# ---------------------------------------------------------------- report


@dataclass
class PageCount:
    page: str
    fences: int = 0
    code: int = 0
    check: int = 0
    wide: int = 0
    shown: int = 0
    fallback_fences: int = 0

    @property
    def share(self) -> float:
        return 100.0 * self.check / self.code if self.code else 0.0

    def add(self, other: PageCount | BlockCount) -> None:
        for name in ("code", "check", "wide", "shown"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def measure(checker: Checker, errors: list[str]) -> list[PageCount]:
    counts = []
    for page in chapter_pages():
        fences = python_fences(page, errors)
        count = PageCount(page.relative_to(DOCS).as_posix(), fences=len(fences))
        for fence in fences:
            block = count_block(fence.lines, checker)
            count.add(block)
            count.fallback_fences += block.mode != "ast"
        counts.append(count)
    return counts


def print_table(counts: list[PageCount], total: PageCount) -> None:
    header = f"{'page':<44} {'code':>6} {'check':>6} {'share':>7} {'> 88':>6}"
    rule = "-" * len(header)
    print(header, rule, sep="\n")
    for c in counts:
        print(f"{c.page:<44} {c.code:>6} {c.check:>6} {c.share:>6.1f}% {c.wide:>6}")
    print(rule)
    c = total
    print(f"{c.page:<44} {c.code:>6} {c.check:>6} {c.share:>6.1f}% {c.wide:>6}")


def annotate(name: str, checker: Checker) -> None:
    """Print the fences of the pages whose path contains ``name``, a mark per line:
    C check, c code, d docstring, # comment; W after it when wider than 88."""
    marks = {"check": "C", "code": "c", "doc": "d", "comment": "#", "blank": " "}
    for page in chapter_pages():
        if name not in page.relative_to(DOCS).as_posix():
            continue
        for fence in python_fences(page):
            block = count_block(fence.lines, checker)
            print(f"\n--- {fence.page}:{fence.start_line} (read by {block.mode})")
            for kind, line in zip(block.kinds, fence.lines):
                print(f"{marks[kind]}{'W' if is_wide(line) else ' '} {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--max-check-share", type=float, help="percent; exit 1 when a page is over"
    )
    parser.add_argument(
        "--max-wide", type=int, help="lines > 88 per page; exit 1 when a page is over"
    )
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument("--show-wide", action="store_true", help="print wide lines")
    parser.add_argument(
        "--annotate", metavar="PAGE", help="print the fences of pages matching PAGE"
    )
    args = parser.parse_args(argv)

    validation = validation_modules()
    checker = Checker(validation)
    errors: list[str] = []
    counts = measure(checker, errors)
    total = PageCount("total")
    for c in counts:
        total.add(c)
        total.fences += c.fences
        total.fallback_fences += c.fallback_fences

    print(f"validation modules: {', '.join(validation) or 'none found'}")
    print(f"check helpers: {', '.join(sorted(checker.helpers))}, {CHECK_PATTERN}\n")
    print_table(counts, total)
    print(
        f"\n{total.fences} python fences, {total.shown} shown lines; "
        f"{total.fallback_fences} fences did not parse alone (tokenize/line fallback)"
    )
    if args.show_wide:
        print()
        for page in chapter_pages():
            for fence in python_fences(page):
                for line in filter(is_wide, fence.lines):
                    print(f"{fence.page}:{fence.start_line}: {len(line)}: {line}")
    if args.annotate:
        annotate(args.annotate, checker)

    over = []
    for c in counts:
        if args.max_check_share is not None and c.share > args.max_check_share:
            limit = args.max_check_share
            over.append(f"{c.page}: check share {c.share:.1f}% > {limit}%")
        if args.max_wide is not None and c.wide > args.max_wide:
            over.append(f"{c.page}: {c.wide} lines > {WIDTH} (max {args.max_wide})")
    if args.json:
        data = {
            "width": WIDTH,
            "validation_modules": validation,
            "check_pattern": CHECK_PATTERN,
            "pages": [{**asdict(c), "share": round(c.share, 2)} for c in counts],
            "total": {**asdict(total), "share": round(total.share, 2)},
            "over": over,
            "snippet_errors": errors,
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if errors:
        print(f"\n{len(errors)} snippets could not be resolved (kept as written):")
        print("\n".join(f"  {line}" for line in errors))
    if over:
        print(f"\n{len(over)} over the limits:")
        print("\n".join(f"  {line}" for line in over))
        return 1
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
