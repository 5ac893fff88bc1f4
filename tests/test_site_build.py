"""The strict site build, and copy-paste safety of every page it contains."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, built_pages, differing_files, docs_pages, strict_build

pytestmark = pytest.mark.site


class PythonBlocks(HTMLParser):
    """Collect the text of the ``language-python`` code blocks of a page, in order."""

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self._div_depth = 0  # depth inside a python block's <div>, 0 when outside
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and self._div_depth:
            self._div_depth += 1
        elif tag == "div" and "language-python" in classes:
            self._div_depth = 1
        elif tag == "code" and self._div_depth:
            self._in_code = True
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False
        elif tag == "div" and self._div_depth:
            self._div_depth -= 1

    def handle_data(self, data):
        if self._in_code:
            self.blocks[-1] += data


def python_blocks(page: Path) -> list[str]:
    parser = PythonBlocks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.blocks


def is_front_matter(url: str) -> bool:
    """The pages at the top of the site (home, introduction, notation) are prose:
    they need no code, figure or summary of their own. Chapters live in a part."""
    return url.strip("/").count("/") == 0


def chapter_pages(site: Path) -> list[Path]:
    """Pages of the chapters, written in Markdown inside a part (notebook pages are
    executed by the build itself)."""
    pages = []
    for page in built_pages(site):
        url = page.parent.relative_to(site).as_posix()
        if "labs" not in page.relative_to(site).parts and not is_front_matter(url):
            pages.append(page)
    return pages


def test_site_has_the_reference_chapters(built_site):
    for page in (
        "foundations/functions",
        "foundations/derivatives",
        "labs/part1_foundations",
    ):
        assert (built_site / page / "index.html").is_file()
    figure = built_site / "figures/foundations/derivatives/finite-difference-error.svg"
    assert figure.stat().st_size > 1000
    assert (built_site / "labs/part1_foundations/part1_foundations.py").is_file(), (
        "lab not downloadable"
    )


def test_labs_are_executed_and_show_their_plots(built_site):
    """Each lab ran in the build: its outputs are on the page, plots included (inline
    backend, not Agg)."""
    labs = sorted((built_site / "labs").glob("*/index.html"))
    assert labs
    for lab in labs:
        html = lab.read_text(encoding="utf-8")
        assert "jp-OutputArea-output" in html, f"{lab.parent.name} has no outputs"
        assert 'alt="Plot drawn by the code cell above' in html, (
            f"{lab.parent.name} shows no plot"
        )
        assert "No description has been provided" not in html


def test_no_generated_file_in_docs():
    docs = Path(__file__).resolve().parents[1] / "docs"
    assert not list(docs.rglob("*.svg")), "figures must not be written into docs/"


def pages_with_code() -> list[str]:
    """Chapters, and the top-level pages whose source has a python block."""
    docs = ROOT / "docs"
    return [
        url
        for url in docs_pages()
        if url
        and not url.startswith("labs/")
        and (
            not is_front_matter(url)
            or "```python" in (docs / f"{url[:-1]}.md").read_text("utf-8")
        )
    ]


@pytest.mark.parametrize("url", pages_with_code())
def test_page_is_copy_paste_safe(built_site, tmp_path, url):
    """The python blocks of the page, run in order in a fresh interpreter, run without
    error. Every chapter shows some; the front matter may show none."""
    blocks = python_blocks(built_site / url / "index.html")
    assert blocks, f"/{url} shows no Python"
    script = tmp_path / "page.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=dict(os.environ, MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"/{url}:\n{result.stderr[-2000:]}"


def test_chapter_pages_show_code_math_and_figures(built_site):
    pages = chapter_pages(built_site)
    assert len(pages) >= 16
    for page in pages:
        relative = page.relative_to(built_site).as_posix()
        html = page.read_text(encoding="utf-8")
        assert python_blocks(page), f"{relative} embeds no tested code"
        assert 'class="arithmatex"' in html, f"{relative} has no formula"
        assert 'src="../../figures/' in html, f"{relative} shows no generated figure"
        assert "What to remember" in html, f"{relative} lacks its summary"


def test_copy_paste_check_catches_a_broken_block(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(
        '<div class="language-python highlight"><pre><span></span><code>'
        '<span class="n">x</span> = <span class="mi">1</span>\n'
        "</code></pre></div>"
        '<div class="language-python highlight">'
        "<pre><code>print(y)\n</code></pre></div>",
        encoding="utf-8",
    )
    blocks = python_blocks(page)
    assert blocks == ["x = 1\n", "print(y)\n"]
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)], capture_output=True, text=True
    )
    assert result.returncode != 0 and "NameError" in result.stderr


def build_sandbox(
    tmp_path: Path, config: str, pages: dict[str, str]
) -> subprocess.CompletedProcess:
    """Strictly build a small site that uses the project's hooks, with the given
    config and pages."""
    root = Path(__file__).resolve().parents[1]
    for name, text in pages.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    (tmp_path / "hooks").symlink_to(root / "hooks")
    (tmp_path / "node_modules").symlink_to(root / "node_modules")
    (tmp_path / "src" / "dlfoundations" / "figures").mkdir(
        parents=True
    )  # a package without figures
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=tmp_path,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
    )


SANDBOX_CONFIG = """\
site_name: Sandbox
theme:
  name: material
  font: false
hooks:
  - hooks/build_hooks.py
"""
LAB_PLUGIN = """\
plugins:
  - mkdocs-jupyter:
      include: ["labs/*.py"]
      execute: true
      allow_errors: false
nav:
  - labs/broken.py
"""


def test_a_lab_that_raises_fails_the_build(tmp_path):
    """mkdocs-jupyter runs labs with allow_errors: false, so an exception in a lab
    stops the build."""
    lab = "# %% [markdown]\n# # A broken lab\n\n# %%\n"
    lab += "raise RuntimeError('this lab is broken')\n"
    result = build_sandbox(
        tmp_path, SANDBOX_CONFIG + LAB_PLUGIN, {"labs/broken.py": lab}
    )
    assert result.returncode != 0
    assert "this lab is broken" in result.stderr


def test_a_page_loading_from_another_host_fails_the_build(tmp_path):
    """The offline guard in hooks/build_hooks.py: a CDN script on a page stops the
    build."""
    page = '# Home\n\n<script src="https://cdn.example.org/library.js"></script>\n'
    result = build_sandbox(tmp_path, SANDBOX_CONFIG, {"index.md": page})
    assert result.returncode != 0
    assert (
        "loads assets from other hosts" in result.stderr
        and "cdn.example.org" in result.stderr
    )


def test_build_memo_changes_no_byte_of_the_site(built_site, tmp_path):
    """hooks/build_memo.py memoizes highlighting and search parsing: a build without it
    (``DLF_BUILD_MEMO=off``) must give the same site, byte for byte."""
    site = tmp_path / "site"
    result = strict_build(site, DLF_BUILD_MEMO="off")
    assert result["returncode"] == 0, result["stderr"][-6000:]
    assert not differing_files(built_site, site)


def offline_guard():
    """The build hook module, imported the way MkDocs imports it (hooks/ on
    sys.path)."""
    hooks = str(Path(__file__).resolve().parents[1] / "hooks")
    sys.path.insert(0, hooks)
    try:
        import build_hooks
    finally:
        sys.path.remove(hooks)
    return build_hooks


PLANTED = {
    '<script src="https://cdn.example.org/a.js"></script>': [
        "<script src=https://cdn.example.org/a.js>"
    ],
    "<img alt='x' srcset='//cdn.example.org/b.png 2x'>": [
        "<img srcset=//cdn.example.org/b.png 2x>"
    ],
    '<link rel="stylesheet" href="https://fonts.example.org/c.css">': [
        "<link href=https://fonts.example.org/c.css>"
    ],
    '<iframe title="t" src = "http://example.org/d"></iframe>': [
        "<iframe src=http://example.org/d>"
    ],
    '<a href="https://example.org/followed-only-on-click">a link</a>': [],
    '<link rel="canonical" href="https://example.org/canonical/">': [],
    '<img data-src="https://example.org/e.png" src="../e.png">': [],
}


def test_offline_guard_finds_what_parsing_the_whole_page_finds(built_site):
    """The guard parses only the tags around an address on another host; on every built
    page, and with planted tags, it finds what a parse of the whole page finds."""
    hooks = offline_guard()

    def whole_page(html: str) -> list[str]:
        finder = hooks.ExternalAssetFinder()
        finder.feed(html)
        return finder.external

    pages = built_pages(built_site)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert hooks.external_assets(html) == whole_page(html) == [], page
    for page in (
        built_site / "foundations/functions/index.html",
        built_site / "labs/part1_foundations/index.html",
    ):
        html = page.read_text(encoding="utf-8")
        for tag, expected in PLANTED.items():
            planted = html.replace("</article>", tag + "</article>", 1)
            assert hooks.external_assets(planted) == whole_page(planted) == expected, (
                page,
                tag,
            )


# the results the issues of the book ask it to reproduce, declared by its chapters
REPRODUCED = {
    "micrograd-moons-train-accuracy",
    "udl-figure-7-7-he-variance-flat",
    "double-descent-peak-params-per-example",
    "high-dim-ball-volume-d10",
    "mnist1d-mlp-test-accuracy",
    "mnist1d-cnn-test-accuracy",
    "mnist1d-cnn-shuffled-test-accuracy",
    "mnist1d-gru-test-accuracy",
    "mnist1d-gru-shuffled-test-accuracy",
    "mnist1d-logistic-test-accuracy",
    "mnist1d-logistic-shuffled-test-accuracy",
    "mnist1d-mlp-shuffled-test-accuracy",
}


def test_reproduced_results_are_published_as_a_page_and_as_data(built_site):
    data = json.loads((built_site / "reproductions.json").read_text("utf-8"))
    rows = data["results"]
    assert REPRODUCED <= {row["id"] for row in rows}
    page = (built_site / "reproductions" / "index.html").read_text("utf-8")
    for row in rows:
        assert set(row) >= {"id", "claim", "source", "published", "measured", "holds"}
        for key in ("published", "measured"):
            assert isinstance(row[key], (int, float)) and not isinstance(row[key], bool)
        assert isinstance(row["holds"], bool)
        assert f"<code>{row['id']}</code>" in page
        assert row["holds"], f"{row['id']}: measured {row['measured']}"
