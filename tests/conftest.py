"""Shared fixtures: one strict build of the whole site per test session."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]


def mkdocs_env(**extra) -> dict:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg", **extra)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the real site strictly (warnings are errors), with every link and anchor checked."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=mkdocs_env(DLF_CHECK_LINKS="true"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"strict build failed:\n{result.stderr[-6000:]}"
    mkdocs_warnings = [line for line in result.stderr.splitlines() if re.match(r"(\x1b\[\d+m)?WARNING\s+-", line)]
    assert not mkdocs_warnings, "\n".join(mkdocs_warnings)
    return site


def built_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site, except the 404 page."""
    return sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)


# --- browser tests (tests/test_browser.py, tests/test_links.py) -------------------------


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (Debian's /usr/bin/chromium) for the session.

    A missing browser fails the run in CI (CI=true) and skips the browser tests elsewhere.
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
