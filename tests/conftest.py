"""Shared fixtures: one strict build of the whole site per test session."""

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# The same examples on every run: a property test that fails must fail every time, or
# it blocks landings at random. To search further, HYPOTHESIS_PROFILE=explore draws
# new examples on each run (and more of them where a test does not set its own).
settings.register_profile("book", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))

ROOT = Path(__file__).resolve().parents[1]
# The experiments' cache of the project, which the build fills (hooks/
# reproductions_hook.py): the pages' blocks, run by the copy-paste test in a folder
# of their own, read cached results there instead of training again.
os.environ.setdefault("DLF_EXPERIMENT_CACHE", str(ROOT / ".cache" / "experiments"))
MKDOCS = [sys.executable, "-m", "mkdocs"]


def mkdocs_env(**extra) -> dict:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg", **extra)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """Build the real site strictly (warnings are errors), links and anchors checked.

    One build per test run, shared by the pytest-xdist workers: the first worker to
    get here builds under a file lock, the others wait and reuse its site (or its
    failure). Without xdist (``worker_id == "master"``) the folder is this run's own.
    """
    from filelock import FileLock

    run_dir = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        run_dir = run_dir.parent  # shared by the workers of this run only
    site, outcome = run_dir / "built-site", run_dir / "built-site.json"
    with FileLock(run_dir / "built-site.lock"):
        if not outcome.is_file():
            outcome.write_text(json.dumps(strict_build(site)), encoding="utf-8")
    result = json.loads(outcome.read_text(encoding="utf-8"))
    assert result["returncode"] == 0, (
        f"strict build failed:\n{result['stderr'][-6000:]}"
    )
    mkdocs_warnings = [
        line
        for line in result["stderr"].splitlines()
        if re.match(r"(\x1b\[\d+m)?WARNING\s+-", line)
    ]
    assert not mkdocs_warnings, "\n".join(mkdocs_warnings)
    return site


def strict_build(site: Path, **env) -> dict:
    """``mkdocs build --strict`` of the project into ``site``, link checker on: its exit
    and log."""
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=mkdocs_env(DLF_CHECK_LINKS="true", **env),
        capture_output=True,
        text=True,
    )
    return {"returncode": result.returncode, "stderr": result.stderr}


def docs_pages() -> list[str]:
    """The URL of every page built from ``docs/`` (Markdown pages and labs)."""
    docs, urls = ROOT / "docs", []
    for path in sorted(docs.rglob("*.md")):
        relative = path.relative_to(docs).with_suffix("")
        if relative.name in ("index", "README"):
            urls.append(
                "" if relative.parent == Path(".") else relative.parent.as_posix() + "/"
            )
        else:
            urls.append(relative.as_posix() + "/")
    urls += [f"labs/{path.stem}/" for path in sorted((docs / "labs").glob("*.py"))]
    return sorted(urls)


def built_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site, except the 404 page."""
    return sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)


# --- browser tests (tests/test_browser.py, tests/test_links.py) -----------------------


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (Debian's /usr/bin/chromium) for the session.

    A missing browser fails the run in CI (CI=true) and skips the browser tests
    elsewhere.
    """
    from browser_support import BrowserMissing, launch_chromium, start_playwright

    playwright = None
    try:
        playwright = start_playwright()
        browser = launch_chromium(playwright)
    except BrowserMissing as missing:
        if playwright is not None:
            playwright.stop()
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def site_server(built_site):
    """The strict build served on 127.0.0.1 (a free port) from a background thread."""
    from browser_support import SiteServer

    with SiteServer(built_site) as server:
        yield server


def site_files(site: Path) -> dict[str, Path]:
    return {
        p.relative_to(site).as_posix(): p
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def differing_files(
    site: Path, other: Path, normalize=lambda name, data: data
) -> list[str]:
    """The files that only one of two built sites has, or whose bytes differ.

    Sitemaps are compared without their ``<lastmod>`` dates (two builds on either side
    of midnight differ there), after ``normalize(name, data)``.
    """
    ours, theirs = site_files(site), site_files(other)
    only = sorted(set(ours) ^ set(theirs))

    def comparable(name: str, path: Path) -> bytes:
        data = path.read_bytes()
        if name.endswith("sitemap.xml.gz"):
            data = gzip.decompress(data)
        if "sitemap.xml" in name:
            data = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", data)
        return normalize(name, data)

    changed = [
        name
        for name in sorted(set(ours) & set(theirs))
        if comparable(name, ours[name]) != comparable(name, theirs[name])
    ]
    return only + changed


# --- fixtures for the chapters that train on MNIST-1D ---------------------------------
# A module asks for them with
# ``pytestmark = pytest.mark.usefixtures("experiment_cache", "one_thread")``.


@pytest.fixture(scope="module")
def experiment_cache(tmp_path_factory):
    """The runs read MNIST-1D through its cached experiment: cache it apart."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLF_EXPERIMENT_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models: one thread is fastest, and extra threads spin on a busy CPU. The
    experiments' own limit (torch and BLAS), the caller's threads given back after."""
    import torch  # noqa: F401 - one_thread limits torch once it is loaded

    from dlfoundations.experiments._cache import one_thread

    with one_thread():
        yield


# --- exercises (tests/test_exercises.py, tests/exercises/) ----------------------------


def hint_for(name: str, candidate) -> str:
    """The likely mistake that ``check(name, candidate)`` names when it rejects the
    candidate (the test fails if it accepts it, or names none)."""
    from dlfoundations.exercises import ExerciseFailed, check

    with pytest.raises(ExerciseFailed) as failure:
        check(name, candidate)
    message = str(failure.value)
    assert "likely mistake: " in message, message
    return message.split("likely mistake: ")[1]
