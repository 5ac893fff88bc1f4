"""Find the book's figures, decide which are stale, and render them to a cache of SVG
files.

Staleness is decided by reading source code, never by importing it, so a build
with nothing to redraw is fast and never sees stale modules. A figure's cache key
hashes:

- the source of its function and of the helpers and constants of its module that
  it uses (transitively);
- the source of every package module it imports from, and of their package imports,
  transitively;
- the figure package's own modules, shared by every figure: the style, the toolkit of
  plot helpers, the dark variant, this file; and the versions of Python and the plotting
  libraries.

Figures live in chapter modules ``figures/<part>/<chapter>.py``, which mirror the
pages ``docs/<part>/<chapter>.md``. A figure is named ``<part>/<chapter>/<function>``
with dashes for underscores, as on the site: ``fixed_step_descent`` in
``figures/optimization/gradient_descent.py`` is
``optimization/gradient-descent/fixed-step-descent``, served as
``figures/optimization/gradient-descent/fixed-step-descent.svg``.

Every figure comes in two variants, one per colour scheme of the site: the light
one, drawn by the figure's function, and the dark one, derived from it
(:mod:`dlfoundations.figures._dark`), served as ``<function>.dark.svg``. A cached figure
lives at ``<cache>/<part>/<chapter>/<function>.<key>.svg`` and
``<function>.<key>.dark.svg``. Each is written to a temporary file and renamed into
place, so a failed or interrupted render leaves no partial file behind.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import io
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PACKAGE = "dlfoundations"
FIGURES_PACKAGE = f"{PACKAGE}.figures"
KEY_LENGTH = 16
KEYED_LIBRARIES = ("numpy", "matplotlib", "torch", "scikit-learn", "pillow")
# the variants of every figure, and the suffix of each variant's file name
VARIANTS = {"light": ".svg", "dark": ".dark.svg"}


@dataclass(frozen=True)
class FigureSpec:
    """One figure: where its function lives, and the hash of all it depends on."""

    module: str  # chapter module in dlfoundations.figures: "foundations.derivatives"
    function: str  # e.g. "finite_difference_error"
    key: str
    # package modules it depends on, e.g. ("dlfoundations.foundations.derivatives", ...)
    dependencies: tuple[str, ...]

    @property
    def folder(self) -> str:
        """``<part>/<chapter>`` as on the site, e.g. ``building-blocks/feedforward``."""
        return self.module.replace(".", "/").replace("_", "-")

    @property
    def name(self) -> str:
        """Site-relative name without extension, with dashes for underscores, e.g.
        ``foundations/derivatives/finite-difference-error``."""
        return f"{self.folder}/{self.function.replace('_', '-')}"

    def site_path(self, variant: str = "light") -> str:
        """Where the site serves a variant, e.g. ``figures/<name>.dark.svg``."""
        return f"figures/{self.name}{VARIANTS[variant]}"

    def cache_path(self, cache_dir: Path, variant: str = "light") -> Path:
        file_name = f"{self.function.replace('_', '-')}.{self.key}{VARIANTS[variant]}"
        return Path(cache_dir, *self.folder.split("/"), file_name)

    def cache_paths(self, cache_dir: Path) -> dict[str, Path]:
        """The cached file of each variant."""
        return {variant: self.cache_path(cache_dir, variant) for variant in VARIANTS}


# --- reading the source -----------------------------------------------------------


def module_file(src_dir: Path, module: str) -> Path | None:
    """Return the file of ``module`` (a dotted name) under ``src_dir``, or None if it
    is not there."""
    base = Path(src_dir, *module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute module name of a ``from ... import`` written inside ``module``."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    parent = parts[: len(parts) - node.level + (1 if is_package else 0)]
    return ".".join(parent + ([node.module] if node.module else []))


def imported_names(src_dir: Path, module: str, tree: ast.Module) -> dict[str, str]:
    """Map each name imported by ``tree`` (anywhere in it) to the package module it
    comes from."""
    names: dict[str, str] = {}
    path = module_file(src_dir, module)
    is_package = path is not None and path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node, is_package)
            if source.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if module_file(src_dir, submodule) else source
                names[alias.asname or alias.name] = target
    return names


def imports_of_file(src_dir: Path, module: str) -> tuple[str, ...] | None:
    """The package modules ``module`` imports (None when it is no file of the
    package), parsed once per version of its file in this process: the experiment
    layer asks for the same keys again and again (a page reading eight cached runs
    parsed 600 files)."""
    path = module_file(src_dir, module)
    if path is None:
        return None
    stat = path.stat()
    return _parsed_imports(Path(src_dir), module, path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _parsed_imports(
    src_dir: Path, module: str, path: Path, mtime_ns: int, size: int
) -> tuple[str, ...]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return tuple(imported_names(src_dir, module, tree).values())


def module_dependencies(
    src_dir: Path, module: str, imports_of: dict | None = None
) -> set[str]:
    """``module`` and every package module it imports, transitively (read from source).

    ``imports_of`` memoizes the imports of each module file within one discovery, so a
    module shared by many figures is parsed once per build, not once per figure.
    """
    imports_of = {} if imports_of is None else imports_of
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        if current not in imports_of:
            imports_of[current] = imports_of_file(src_dir, current)
        if imports_of[current] is None:
            continue
        seen.add(current)
        todo.extend(imports_of[current])
        # importing a.b.c runs a/__init__ and a/b/__init__ too
        parts = current.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
    return seen


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _top_level_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Top-level functions, classes and assigned constants of a module, by name."""
    definitions: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _names_used(target):
                    definitions[name] = node
    return definitions


def _is_figure(node: ast.AST) -> bool:
    if not isinstance(node, ast.FunctionDef):
        return False
    return any(
        (isinstance(d, ast.Name) and d.id == "figure")
        or (isinstance(d, ast.Attribute) and d.attr == "figure")
        for d in node.decorator_list
    )


def library_versions() -> str:
    versions = [f"python={platform.python_version()}"]
    for library in KEYED_LIBRARIES:
        try:
            versions.append(f"{library}={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{library}=absent")
    return ";".join(versions)


def chapter_modules(src_dir: Path) -> list[str]:
    """The chapter modules of ``dlfoundations.figures``, as ``<part>.<chapter>``.

    A chapter module is a file ``figures/<part>/<chapter>.py``; files and folders
    whose names start with ``_`` (or ``.``) are not parts or chapters.
    """
    folder = Path(src_dir, *FIGURES_PACKAGE.split("."))
    return sorted(
        f"{path.parent.name}.{path.stem}"
        for path in folder.glob("*/*.py")
        if not path.stem.startswith("_") and not path.parent.name.startswith(("_", "."))
    )


# discover()'s last answer, by a digest of every source file it could read: under
# `mkdocs serve`, an edit of a page (not of the package) costs a read of the sources.
_DISCOVERED: dict[str, list] = {}


def discover(src_dir: Path) -> list[FigureSpec]:
    """Every figure of the book with its cache key, read from the source under
    ``src_dir``."""
    src_dir = Path(src_dir)
    sources = hashlib.sha256(Path(__file__).read_bytes() + library_versions().encode())
    for path in sorted(Path(src_dir, PACKAGE).rglob("*.py")):
        sources.update(
            path.relative_to(src_dir).as_posix().encode() + b"\0" + path.read_bytes()
        )
    key = f"{src_dir.resolve()}:{sources.hexdigest()}"
    if key not in _DISCOVERED:
        _DISCOVERED.clear()
        _DISCOVERED[key] = _discover(src_dir)
    return list(_DISCOVERED[key])


def shared_modules(src_dir: Path) -> list[Path]:
    """The figure package's own modules (``figures/*.py``: the style, the toolkit, the
    dark variant, the build): every figure's key includes them, whether its code
    imports them or not, so that editing one redraws every figure."""
    return sorted(Path(src_dir, *FIGURES_PACKAGE.split(".")).glob("*.py"))


def _discover(src_dir: Path) -> list[FigureSpec]:
    shared_text = "".join(
        f"{path.name}\0{path.read_text(encoding='utf-8')}"
        for path in shared_modules(src_dir)
    )
    shared_text += library_versions()
    specs, imports_of = [], {}
    for chapter in chapter_modules(src_dir):
        module = f"{FIGURES_PACKAGE}.{chapter}"
        source = module_file(src_dir, module).read_text(encoding="utf-8")
        tree, lines = ast.parse(source), source.splitlines(keepends=True)
        definitions = _top_level_definitions(tree)
        imports = imported_names(src_dir, module, tree)
        for node in tree.body:
            if _is_figure(node):
                specs.append(
                    _spec(
                        src_dir,
                        chapter,
                        node,
                        lines,
                        definitions,
                        imports,
                        shared_text,
                        imports_of,
                    )
                )
    return specs


def code_digest(
    src_dir, node, lines, definitions, imports, shared: bytes, imports_of=None
) -> tuple[str, set[str]]:
    """Hash a top-level function with the module-level code and the package modules
    it uses (transitively), after ``shared``; return the digest and those modules.
    Figure keys and experiment keys are both made here."""
    local_sources, used_modules = [], set()
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        local_sources.append("".join(lines[current.lineno - 1 : current.end_lineno]))
        for name in sorted(_names_used(current)):
            if name in definitions:
                todo.append(definitions[name])
            elif name in imports:
                used_modules.add(imports[name])
    dependencies = set()
    for module in used_modules:
        dependencies |= module_dependencies(src_dir, module, imports_of)
    digest = hashlib.sha256(shared)
    for text in sorted(local_sources):
        digest.update(text.encode())
    for module in sorted(dependencies):
        digest.update(module.encode() + module_file(src_dir, module).read_bytes())
    return digest.hexdigest(), dependencies


def _spec(
    src_dir, chapter, node, lines, definitions, imports, shared_text, imports_of
) -> FigureSpec:
    """Hash a figure function with the module-level code and package modules it uses."""
    digest, dependencies = code_digest(
        src_dir, node, lines, definitions, imports, shared_text.encode(), imports_of
    )
    return FigureSpec(
        chapter, node.name, digest[:KEY_LENGTH], tuple(sorted(dependencies))
    )


def is_cached(spec: FigureSpec, cache_dir: Path) -> bool:
    """Whether every variant of the figure for its current key is in the cache."""
    return all(path.is_file() for path in spec.cache_paths(cache_dir).values())


def stale(specs: list[FigureSpec], cache_dir: Path) -> list[FigureSpec]:
    """The figures with a variant for the current key missing from the cache."""
    return [spec for spec in specs if not is_cached(spec, cache_dir)]


# --- rendering --------------------------------------------------------------------


class FigureError(RuntimeError):
    """A figure function raised, or did not return a matplotlib Figure."""


def render_svg(spec: FigureSpec) -> bytes:
    """Call the figure function and return its SVG bytes (the light variant)."""
    from matplotlib.figure import Figure

    from ._style import SVG_METADATA, apply_style

    apply_style()
    module = importlib.import_module(f"{FIGURES_PACKAGE}.{spec.module}")
    result = getattr(module, spec.function)()
    if not isinstance(result, Figure):
        raise TypeError(
            f"{spec.function}() must return a matplotlib Figure, "
            f"got {type(result).__name__}"
        )
    buffer = io.BytesIO()
    result.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def render_variants(spec: FigureSpec) -> dict[str, bytes]:
    """Every variant of the figure, by name: the light one drawn, the dark derived."""
    from ._dark import dark_svg

    light = render_svg(spec)
    return {"light": light, "dark": dark_svg(light)}


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file: whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".svg")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(
            temporary, 0o644
        )  # mkstemp makes it private; a web server must be able to read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_older_versions(spec: FigureSpec, cache_dir: Path) -> None:
    """Delete cached SVGs of this figure made for other keys."""
    current = set(spec.cache_paths(cache_dir).values())
    folder = spec.cache_path(cache_dir).parent
    for old in folder.glob(f"{spec.function.replace('_', '-')}.*.svg"):
        if old not in current:
            old.unlink(missing_ok=True)


def _render_or_report(spec: FigureSpec) -> tuple[dict | None, str | None, float]:
    """Render one figure: ``(variants, None, seconds)``, or ``(None, error report,
    seconds)``."""
    started = time.perf_counter()
    try:
        svg = render_variants(spec)
    except Exception:
        return (
            None,
            f"figure {spec.name} failed:\n{traceback.format_exc()}",
            time.perf_counter() - started,
        )
    return svg, None, time.perf_counter() - started


def render_all(
    specs: list[FigureSpec], cache_dir: Path, log=print, jobs: int = 1
) -> list[str]:
    """Render ``specs`` into the cache with ``jobs`` processes; return the error
    reports of failed figures."""
    errors = []
    if jobs > 1 and len(specs) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        pool = ProcessPoolExecutor(
            max_workers=min(jobs, len(specs)), mp_context=get_context("spawn")
        )
        results = pool.map(_render_or_report, specs)
    else:
        pool, results = None, map(_render_or_report, specs)
    try:
        for number, (spec, (variants, error, seconds)) in enumerate(
            zip(specs, results), start=1
        ):
            if error:
                errors.append(error)
                log(f"[{number}/{len(specs)}] {spec.name} FAILED")
                continue
            for variant, svg in variants.items():
                write_atomically(spec.cache_path(cache_dir, variant), svg)
            remove_older_versions(spec, cache_dir)
            log(f"[{number}/{len(specs)}] {spec.name} rendered in {seconds:.2f} s")
    finally:
        if pool is not None:
            pool.shutdown()
    return errors


def default_src_dir() -> Path:
    """The ``src`` folder holding this package."""
    return Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m dlfoundations.figures [--cache-dir DIR] [--all]
    [NAME ...]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m dlfoundations.figures", description=main.__doc__
    )
    parser.add_argument(
        "names", nargs="*", help="figures to render (default: every stale figure)"
    )
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/figures"))
    parser.add_argument(
        "--all", action="store_true", help="render every figure, stale or not"
    )
    parser.add_argument(
        "--list", action="store_true", help="list figures and whether they are cached"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="render in this many processes",
    )
    args = parser.parse_args(argv)

    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(
            variable, "1"
        )  # one thread per figure process: no oversubscribed cores
    specs = discover(default_src_dir())
    if args.list:
        for spec in specs:
            state = "cached" if is_cached(spec, args.cache_dir) else "stale"
            depends = ", ".join(spec.dependencies) or "-"
            print(f"{spec.name:64s} {state:7s} {spec.key}  depends on {depends}")
        return 0
    by_name = {spec.name: spec for spec in specs}
    unknown = [name for name in args.names if name not in by_name]
    if unknown:
        parser.error(f"unknown figure name(s): {', '.join(unknown)}; try --list")
    chosen = [by_name[name] for name in args.names] if args.names else specs
    todo = chosen if args.all or args.names else stale(chosen, args.cache_dir)
    print(
        f"{len(todo)} of {len(specs)} figures to render into {args.cache_dir}",
        flush=True,
    )
    errors = render_all(
        todo, args.cache_dir, log=lambda line: print(line, flush=True), jobs=args.jobs
    )
    for report in errors:
        print(report, file=sys.stderr)
    return 1 if errors else 0
