"""The figure pipeline: cache keys, warm builds, edits under `mkdocs serve`, failures,
determinism, and the light and dark variant of every figure.

These tests run in a sandbox: a copy of `src/` and `hooks/` with a minimal site, so
they can edit package code without touching the repository.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import MKDOCS, ROOT, built_pages, mkdocs_env
from dlfoundations.figures import _build

pytestmark = pytest.mark.site

RENDERED = re.compile(r"\[\d+/\d+\] (\S+) rendered")
SANDBOX_CONFIG = """\
site_name: Figure pipeline sandbox
theme:
  name: material
  font: false
hooks:
  - hooks/build_hooks.py
watch:
  - src
"""


@pytest.fixture
def sandbox(tmp_path, built_site) -> Path:
    """A minimal project using the real package and hooks, with the (warm) figure
    cache of the real build."""
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    shutil.copytree(
        ROOT / "hooks", project / "hooks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / ".cache" / "figures", project / ".cache" / "figures")
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text(
        "# Sandbox\n\nA page.\n", encoding="utf-8"
    )
    (project / "mkdocs.yml").write_text(SANDBOX_CONFIG, encoding="utf-8")
    return project


def sandbox_env(project: Path) -> dict:
    return mkdocs_env(PYTHONPATH=str(project / "src"))


def build(project: Path, site: str = "site") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", site],
        cwd=project,
        env=sandbox_env(project),
        capture_output=True,
        text=True,
    )


def rendered(log: str) -> set[str]:
    return set(RENDERED.findall(log))


def dependents(project: Path, module: str) -> set[str]:
    return {
        spec.name
        for spec in _build.discover(project / "src")
        if module in spec.dependencies
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass(frozen=True)
class Edit:
    """An edit of a chapter's code that changes what some figures draw."""

    path: str
    module: str
    edit: tuple[str, str]
    figure: str  # one figure that depends on the module

    def of(self, project: Path) -> Path:
        return project / self.path


# The toy model's chapter has two figures: the edit tests redraw two figures, not the
# thirty that depend on a module every part imports (tested by the transitive test).
TOY_MODEL = Edit(
    path="src/dlfoundations/backpropagation/toy_model.py",
    module="dlfoundations.backpropagation.toy_model",
    edit=("h1 = math.sin(f0)", "h1 = math.sin(1.1 * f0)"),
    figure="backpropagation/toy-model/computational-chain",
)


def test_warm_build_regenerates_no_figure(sandbox):
    first = build(sandbox)
    assert first.returncode == 0, first.stderr
    cache = sandbox / ".cache" / "figures"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*.svg")}
    second = build(sandbox)
    assert second.returncode == 0, second.stderr
    assert rendered(second.stderr) == set()
    assert "all" in second.stderr and "figures cached" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.svg")} == before
    specs = _build.discover(sandbox / "src")
    served = {
        p.relative_to(sandbox / "site").as_posix()
        for p in (sandbox / "site" / "figures").rglob("*.svg")
    }
    expected = {
        spec.site_path(variant) for spec in specs for variant in _build.VARIANTS
    }
    assert served == expected and len(served) == 2 * len(specs)


def test_editing_a_function_regenerates_exactly_its_dependents(sandbox):
    assert build(sandbox).returncode == 0
    edit(TOY_MODEL.of(sandbox), *TOY_MODEL.edit)
    expected = dependents(sandbox, TOY_MODEL.module)
    everything = {spec.name for spec in _build.discover(sandbox / "src")}
    assert TOY_MODEL.figure in expected
    assert "foundations/functions/relu-plot" not in expected
    assert expected < everything
    result = build(sandbox)
    assert result.returncode == 0, result.stderr
    assert rendered(result.stderr) == expected


@pytest.mark.parametrize("module", ["toolkit.py", "_style.py", "_dark.py"])
def test_editing_a_shared_figure_module_changes_every_figure_key(tmp_path, module):
    """The toolkit of plot helpers, the style and the dark variant are part of every
    figure's key, whether the figure's code uses them or not: an edit redraws all."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    before = {spec.name: spec.key for spec in _build.discover(src)}
    path = src / "dlfoundations" / "figures" / module
    path.write_text(
        path.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8"
    )
    after = {spec.name: spec.key for spec in _build.discover(src)}
    assert before.keys() == after.keys() and len(before) > 40
    unchanged = [name for name in before if before[name] == after[name]]
    assert not unchanged, f"{module} is not in the key of {unchanged}"


def test_module_dependencies_are_transitive(sandbox):
    derivatives = "dlfoundations.foundations.derivatives"
    deps = _build.module_dependencies(sandbox / "src", derivatives)
    assert {
        "dlfoundations.foundations.derivatives",
        "dlfoundations.foundations.functions",
        "dlfoundations.checks",
    } <= deps
    # the functions chapter's figures depend on functions.py: editing it redraws them
    functions = dependents(sandbox, "dlfoundations.foundations.functions")
    assert "foundations/functions/relu-plot" in functions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mkdocs_serve(
    project: Path, log_path: Path, tries: int = 5
) -> tuple[subprocess.Popen, int]:
    """``mkdocs serve`` on a free port, once it serves. A port found free can be taken
    by another process before the server binds it: then it starts again on another
    port."""
    for _ in range(tries):
        port = free_port()
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [*MKDOCS, "serve", "--livereload", "--dev-addr", f"127.0.0.1:{port}"],
                cwd=project,
                env=sandbox_env(project),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda server=server: (
                "Serving on" in log_path.read_text() or server.poll() is not None
            ),
            120,
            "mkdocs serve to start",
        )
        if server.poll() is None:
            return server, port
        assert "Address already in use" in log_path.read_text(), log_path.read_text()[
            -4000:
        ]
    raise AssertionError(f"no free port for mkdocs serve in {tries} tries")


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_edit_under_mkdocs_serve_redraws_dependents_without_stale_imports(
    sandbox, tmp_path
):
    log_path = tmp_path / "serve.log"
    docs_before = sorted(
        (p.relative_to(sandbox), p.stat().st_mtime_ns)
        for p in (sandbox / "docs").rglob("*")
    )
    server, port = start_mkdocs_serve(sandbox, log_path)
    url = f"http://127.0.0.1:{port}/figures/{TOY_MODEL.figure}.svg"
    try:
        before = urllib.request.urlopen(url).read()
        builds_before = log_path.read_text().count("Documentation built")
        edit(TOY_MODEL.of(sandbox), *TOY_MODEL.edit)
        wait_for(
            lambda: log_path.read_text().count("Documentation built") > builds_before,
            120,
            "the rebuild",
        )
        log = log_path.read_text()
        after = urllib.request.urlopen(url).read()
    finally:
        server.terminate()
        server.wait(timeout=30)
    rebuild_log = (
        log[log.rfind("Building documentation") :]
        if "Building documentation" in log
        else log
    )
    expected = dependents(sandbox, TOY_MODEL.module)
    assert rendered(log.split("Serving on")[-1]) == expected, rebuild_log
    assert after != before, "the served figure did not change: a stale module was used"
    docs_after = sorted(
        (p.relative_to(sandbox), p.stat().st_mtime_ns)
        for p in (sandbox / "docs").rglob("*")
    )
    assert docs_after == docs_before, "the build wrote into docs/"


def test_a_failing_figure_fails_the_build_and_leaves_no_partial_file(sandbox):
    broken = sandbox / "src/dlfoundations/figures/foundations/broken.py"
    broken.write_text(
        "from dlfoundations.figures import figure\n\n\n"
        "@figure\n"
        "def exploding_plot():\n"
        "    raise RuntimeError('the figure code is wrong')\n",
        encoding="utf-8",
    )
    result = build(sandbox)
    assert result.returncode != 0
    assert "foundations/broken/exploding-plot" in result.stderr
    assert (
        "Traceback" in result.stderr
        and "RuntimeError: the figure code is wrong" in result.stderr
    )
    leftovers = list((sandbox / ".cache" / "figures").rglob("*exploding*")) + list(
        (sandbox / ".cache" / "figures").rglob(".tmp-*")
    )
    assert leftovers == []


def test_a_figure_that_returns_no_figure_is_rejected(sandbox):
    (sandbox / "src/dlfoundations/figures/foundations/wrong.py").write_text(
        "from dlfoundations.figures import figure\n\n\n"
        "@figure\ndef not_a_figure():\n    return 42\n",
        encoding="utf-8",
    )
    result = build(sandbox)
    assert result.returncode != 0
    assert "must return a matplotlib Figure" in result.stderr


# Figures found identical in two cold renders, each with the key it had then (its code,
# the package code it uses, library versions: what decides its bytes).
DETERMINISTIC = ROOT / ".cache" / "figures-deterministic.json"


def not_yet_found_deterministic(specs: list, known: dict) -> list:
    """The figures whose present key has not been found identical in two renders."""
    return [spec for spec in specs if known.get(spec.name) != spec.key]


def test_a_figure_is_rendered_again_when_its_key_changes():
    specs = _build.discover(ROOT / "src")[:3]
    known = {spec.name: spec.key for spec in specs}
    assert not_yet_found_deterministic(specs, known) == []
    assert not_yet_found_deterministic(specs, {}) == specs
    known[specs[1].name] = "an older key"
    assert not_yet_found_deterministic(specs, known) == [specs[1]]


def test_two_cold_renders_are_byte_identical(built_site, tmp_path):
    """Render every figure into an empty cache and compare its bytes with the cache the
    session's build used: each of the two was a cold render, in its own processes.

    A figure already found identical under its present key is not rendered again (its
    code and everything it depends on are unchanged): a warm run renders only what
    changed, a fresh clone renders all.
    """
    specs = _build.discover(ROOT / "src")
    known = json.loads(DETERMINISTIC.read_text()) if DETERMINISTIC.is_file() else {}
    todo = not_yet_found_deterministic(specs, known)
    if todo:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "dlfoundations.figures",
                "--cache-dir",
                str(tmp_path / "cold"),
                *(spec.name for spec in todo),
            ],
            env=dict(os.environ, MPLBACKEND="Agg"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stderr
        assert len(list((tmp_path / "cold").rglob("*.svg"))) == 2 * len(todo)
    different = [
        (spec.name, variant)
        for spec in todo
        for variant in _build.VARIANTS
        if spec.cache_path(tmp_path / "cold", variant).read_bytes()
        != spec.cache_path(ROOT / ".cache" / "figures", variant).read_bytes()
    ]
    assert not different, f"figures differ between two cold renders: {different}"
    _build.write_atomically(
        DETERMINISTIC,
        json.dumps({spec.name: spec.key for spec in specs}, indent=1).encode(),
    )


def test_every_figure_has_a_dark_variant_in_light_ink(built_site):
    """The site serves both variants of every figure; the dark one is the light one's
    drawing with other colours: no black left, and light ink for what has no colour
    of its own (text)."""
    from dlfoundations.figures._dark import INK

    for spec in _build.discover(ROOT / "src"):
        light = (built_site / spec.site_path("light")).read_text(encoding="utf-8")
        dark = (built_site / spec.site_path("dark")).read_text(encoding="utf-8")
        assert dark != light, spec.name
        assert dark.count("<path") == light.count("<path"), spec.name
        assert dark.count("<image") == light.count("<image"), spec.name
        assert "#000000" not in dark, f"{spec.name}: black in the dark variant"
        ink = re.search(r'<svg fill="#([0-9a-f]{6})"', dark)
        assert ink, f"{spec.name}: no default ink in the dark variant"
        grey = [int(ink[1][i : i + 2], 16) / 255 for i in (0, 2, 4)]
        assert min(grey) > INK - 0.05, f"{spec.name}: dark ink {ink[1]}"


def test_cli_lists_figures_and_rejects_unknown_names(tmp_path):
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlfoundations.figures",
            "--list",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert listing.returncode == 0
    assert "foundations/derivatives/finite-difference-error" in listing.stdout
    unknown = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlfoundations.figures",
            "no/such-figure",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert unknown.returncode != 0 and "unknown figure name" in unknown.stderr


FIGURE_IMAGE = re.compile(r'<img alt="([^"]*)" src="([^"]*figures/[^"]*)"[^>]*>')


def test_pages_show_every_figure_in_both_variants(built_site):
    """Each figure image of a page is a light and a dark image of the same figure, with
    the same alt text: Material shows the one of the reader's colour scheme."""
    shown = 0
    for page in built_pages(built_site):
        images = FIGURE_IMAGE.findall(page.read_text(encoding="utf-8"))
        assert len(images) % 2 == 0, page
        for (alt, light), (dark_alt, dark) in zip(images[::2], images[1::2]):
            assert light.endswith(".svg#only-light"), (page, light)
            assert dark == light.replace(".svg#only-light", ".dark.svg#only-dark")
            assert alt and alt == dark_alt, page
            for src in (light, dark):
                target = (page.parent / src.split("#")[0]).resolve()
                assert target.is_file(), (page, src)
        shown += len(images) // 2
    assert shown >= len(_build.discover(ROOT / "src"))
