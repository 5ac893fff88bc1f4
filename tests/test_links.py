"""Every internal link and anchor of the built site resolves, notebook pages included.

MkDocs validates links between Markdown pages only. The session's strict build
(conftest.py) runs with mkdocs-htmlproofer-plugin switched on (``DLF_CHECK_LINKS=true``,
see mkdocs.yml): it checks every link of every rendered page, notebook pages and
navigation included, and fails the build on a broken one. htmlproofer checks anchors
only on Markdown targets, so anchors that point into notebook pages are checked here,
with htmlproofer's own anchor reader.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import MKDOCS, ROOT, built_pages, mkdocs_env

pytestmark = pytest.mark.site


def mkdocs_config(**env):
    from mkdocs.config import load_config

    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        return load_config(str(ROOT / "mkdocs.yml"))
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_link_checker_is_on_only_when_asked():
    os.environ.pop("DLF_CHECK_LINKS", None)
    assert mkdocs_config().plugins["htmlproofer"].config["enabled"] is False, (
        "the normal build must stay fast"
    )
    checker = mkdocs_config(DLF_CHECK_LINKS="true").plugins["htmlproofer"].config
    assert checker["enabled"] is True
    assert checker["raise_error_after_finish"] or checker["raise_error"], (
        "a broken link must fail the build"
    )
    assert checker["validate_rendered_template"], (
        "links of the whole page (navigation too) are checked"
    )
    assert not checker["validate_external_urls"], "the check runs offline"


@pytest.fixture(scope="module")
def link_checked_site(built_site) -> Path:
    """The real site: the session's strict build runs with the link checker on (see
    conftest.py)."""
    return built_site


def test_every_internal_link_and_anchor_resolves(link_checked_site):
    """htmlproofer passed the build; and it did look at the pages (the sitemap lists
    them)."""
    assert len(built_pages(link_checked_site)) >= 4


class Links:
    """The ``<a href>`` of a page (the part a reader can follow)."""

    def __init__(self, html: str):
        from bs4 import BeautifulSoup

        self.hrefs = [
            a["href"] for a in BeautifulSoup(html, "html.parser").select("a[href]")
        ]


def notebook_anchor_problems(site: Path) -> list[str]:
    """Links with a fragment into a notebook page whose target id does not exist."""
    from htmlproofer.plugin import read_anchors

    notebooks = {
        page.parent.resolve()
        for page in built_pages(site)
        if "jupyter-wrapper" in page.read_text(encoding="utf-8")
    }
    anchors: dict[Path, frozenset] = {}
    problems = []
    for page in built_pages(site):
        page_url = "http://site/" + page.parent.relative_to(site).as_posix() + "/"
        for href in Links(page.read_text(encoding="utf-8")).hrefs:
            target = urlsplit(urljoin(page_url, href))
            if target.netloc != "site" or not target.fragment:
                continue
            folder = (site / unquote(target.path).lstrip("/")).resolve()
            if folder not in notebooks:
                continue
            if folder not in anchors:
                anchors[folder] = read_anchors(
                    (folder / "index.html").read_text(encoding="utf-8")
                )
            if unquote(target.fragment) not in anchors[folder]:
                problems.append(f"{page.relative_to(site)}: {href} (no such anchor)")
    return problems


def test_anchors_into_notebook_pages_resolve(link_checked_site):
    assert not notebook_anchor_problems(link_checked_site)


# --- the checks catch broken links ----------------------------------------------------

NOTEBOOK = """\
# %% [markdown]
# # A notebook
#
# ## Results
#
# Back to [the page]({back}), see [its section]({section}), and [another]({other}).

# %%
print(1 + 1)
"""

PAGE = """\
# Home

## Setup

Open [the notebook](nb.py) and [its results](nb.py#{anchor}).
"""


def htmlproofer_block() -> str:
    """The htmlproofer entry of the project's mkdocs.yml, as it is."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"^  - htmlproofer:\n(?:      .*\n)+", text, re.M)
    assert match, "mkdocs.yml has no htmlproofer plugin"
    return match[0]


def sandbox(
    tmp_path: Path, *, back: str, section: str, other: str, anchor: str
) -> tuple[subprocess.CompletedProcess, Path]:
    """Build a two-page site (a Markdown page and a notebook) with the project's link
    checker."""
    docs = tmp_path / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(PAGE.format(anchor=anchor), encoding="utf-8")
    (docs / "nb.py").write_text(
        NOTEBOOK.format(back=back, section=section, other=other), encoding="utf-8"
    )
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            """\
            site_name: sandbox
            theme:
              name: material
              font: false
            plugins:
              - search
              - mkdocs-jupyter:
                  include: ["*.py"]
                  execute: false
                  ignore_h1_titles: false
            """
        )
        + htmlproofer_block()
        + "nav:\n  - index.md\n  - nb.py\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    result = subprocess.run(
        [
            *MKDOCS,
            "build",
            "--site-dir",
            str(site),
        ],  # not strict: only the link checker may fail it
        cwd=tmp_path,
        env=mkdocs_env(DLF_CHECK_LINKS="true"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, site


def test_a_sandbox_with_good_links_passes(tmp_path):
    result, site = sandbox(
        tmp_path, back="../", section="../#setup", other="../#home", anchor="results"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "invalid url" not in result.stderr
    assert not notebook_anchor_problems(site)


def test_broken_links_out_of_and_into_a_notebook_are_caught(tmp_path):
    result, site = sandbox(
        tmp_path,
        back="../",
        section="../#no-such-section",
        other="../missing-page/",
        anchor="no-such-results",
    )
    assert result.returncode != 0, "the link checker let broken links pass"
    assert (
        "invalid url - ../#no-such-section" in result.stderr
    )  # a broken anchor, out of a notebook
    assert (
        "invalid url - ../missing-page/" in result.stderr
    )  # a missing page, out of a notebook
    # a broken anchor into a notebook (htmlproofer does not look inside notebook pages)
    result_ok, site_ok = sandbox(
        tmp_path / "into",
        back="../",
        section="../#setup",
        other="../",
        anchor="no-such-results",
    )
    assert result_ok.returncode == 0, result_ok.stderr[-3000:]
    assert notebook_anchor_problems(site_ok) == [
        "index.html: nb/#no-such-results (no such anchor)"
    ]
