"""The built site as a reader meets it: every page in headless Chromium, offline.

Pages are discovered when the tests run (from ``docs/``, cross-checked against the
build), so a chapter added later is covered without touching this file. Screenshots of
every page, desktop and mobile, go to ``screenshots/`` (ignored by git) with
``make screenshots`` (``DLF_SCREENSHOTS=on``).
"""

from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import (
    DESKTOP,
    MOBILE,
    Probe,
    copy_site,
    fresh_context,
    horizontal_overflow,
    instant_navigate,
    load_measured,
    measure_load,
    page_problems,
    page_urls,
    save_screenshot,
    settle,
    slug,
    wait_for_math,
)
from browser_support import SiteServer
from conftest import docs_pages

pytestmark = [pytest.mark.browser, pytest.mark.site]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
COLD_BUDGET = 1_500_000  # bytes on the wire, cold cache
WARM_BUDGET = 300_000  # bytes on the wire, the site's shared assets already cached


PAGES = docs_pages()


def html_of(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def load(page, url: str) -> None:
    settle(page)  # what the page now shown started must not be aborted by leaving it
    page.goto(url, wait_until="load")
    wait_for_math(page)


def describe(url: str, problems: list[str]) -> str:
    return f"/{url}:\n  " + "\n  ".join(problems)


def test_every_built_page_is_tested(built_site):
    assert page_urls(built_site) == PAGES, "pages built and pages under test differ"
    for known in (
        "",
        "foundations/functions/",
        "foundations/derivatives/",
        "labs/part1_foundations/",
    ):
        assert known in PAGES


class Tab:
    """A browser tab with a profile of its own (its own cache), and a probe on it."""

    def __init__(self, chromium, base: str, viewport: dict, **options):
        self.context = fresh_context(chromium, viewport, **options)
        self.context.grant_permissions(
            ["clipboard-read", "clipboard-write"], origin=base.rstrip("/")
        )
        self.page = self.context.new_page()
        self.probe = Probe(base).attach(self.page)
        self.base = base
        self.loaded = False

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def mobile_tab(chromium, site_server):
    tab = Tab(chromium, site_server.base, MOBILE, is_mobile=True, has_touch=True)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def desktop_tab(chromium, site_server):
    tab = Tab(chromium, site_server.base, DESKTOP)
    yield tab
    tab.close()


# Pages that, between them, load every asset the site shares: the theme, the search,
# KaTeX and its fonts (a chapter with math), the notebook styles (a lab).
PRIMERS = ("", "foundations/derivatives/", "labs/part1_foundations/")


@pytest.fixture(scope="module")
def shared_assets(chromium, site_server) -> set[str]:
    """What a reader's browser holds once it has opened the home page, a chapter and a
    lab: the URLs those three loads fetched, each in a fresh profile. (That a browser
    does keep them is tested by test_budget_check_counts_the_bytes.)"""
    urls = set()
    for url in PRIMERS:
        context = fresh_context(chromium, DESKTOP)
        urls |= set(measure_load(context, site_server.base + url).by_url)
        context.close()
    return urls


@pytest.mark.parametrize("url", PAGES)
def test_page_in_desktop_browser(chromium, site_server, shared_assets, built_site, url):
    """A first visit on a desktop: no console error, failed request or other host; all
    math and figures; copy buttons on their blocks and exact; at most 1.5 MB on the
    wire with a cold cache, and 300 KB beyond the site's shared assets (what the
    reader's browser holds after a first page: the warm load of
    ``benchmarks/page_budgets.py``)."""
    tab = Tab(chromium, site_server.base, DESKTOP)  # a fresh profile: a cold cache
    try:
        cold = load_measured(tab.page, tab.base + url)
        problems = page_problems(tab.page, tab.probe, html_of(built_site, url))
        tab.probe.clear()  # reported; what follows is recorded afresh
        save_screenshot(tab.page, ROOT, "desktop", slug(url))
        # every button bound to its own block; the first and the last clicked (every
        # button is clicked on the pages of test_copied_snippets_are_the_package_source
        # and test_every_code_block_has_a_copy_button: the same script serves them all)
        problems += misplaced_copy_buttons(tab.page)
        for copied, code in copy_every_snippet(tab.page, first_and_last=True):
            if not copied.strip() or copied.rstrip("\n") != code.rstrip("\n"):
                problems.append(
                    f"copy button copied {copied[:80]!r}, the block shows {code[:80]!r}"
                )
        problems += tab.probe.problems()
    finally:
        tab.close()
    warm = cold.beyond(shared_assets)
    if cold.bytes > COLD_BUDGET:
        problems.append(f"{cold.bytes} bytes cold, over {COLD_BUDGET} ({cold.by_type})")
    if warm.bytes > WARM_BUDGET:
        problems.append(f"{warm.bytes} bytes warm, over {WARM_BUDGET} ({warm.by_type})")
    assert not problems, describe(url, problems)


@pytest.mark.parametrize("url", PAGES)
def test_page_on_mobile_reached_by_a_click(mobile_tab, built_site, url):
    """A 375 px wide phone, reaching the page by a click (Material's instant
    navigation swaps the page in place): math renders again, no horizontal
    scrolling, and the checks of a desktop. Each page is loaded whole by the desktop
    test; here it is swapped in, one page after another in the same tab."""
    tab = mobile_tab
    if not tab.loaded or tab.page.url == tab.base + url:
        load(tab.page, tab.base + (PAGES[1] if url == PAGES[0] else PAGES[0]))
        tab.loaded = True
    tab.probe.clear()
    assert instant_navigate(tab.page, tab.base + url), (
        "the click reloaded the page instead"
    )
    problems = page_problems(tab.page, tab.probe, html_of(built_site, url))
    overflow = horizontal_overflow(tab.page)
    if overflow > 1:
        problems.append(f"wider than a {MOBILE['width']} px screen by {overflow} px")
    save_screenshot(tab.page, ROOT, "mobile", slug(url))
    assert not problems, describe(url, problems)


# --- search ---------------------------------------------------------------------------

SEARCHES = [
    # (query, a page that must be among the results)
    ("ReLU", "foundations/functions/"),
    ("central difference", "foundations/derivatives/"),
    ("chain rule", "foundations/derivatives/"),
    ("sigmoid", "foundations/functions/"),
    ("backpropagation", "backpropagation/toy-model/"),
    ("softmax", "building-blocks/activations/"),
    ("cross-entropy", "building-blocks/losses/"),
    ("perceptron", "building-blocks/neurons/"),
    ("momentum", "optimization/momentum/"),
    ("Adam", "optimization/adam/"),
]


@functools.cache
def article_headings(site: Path) -> dict[str, list[str]]:
    """The headings (h1 to h3 of the article) of every page, lower case; parsed once
    for all the queries."""
    from bs4 import BeautifulSoup

    headings = {}
    for url in page_urls(site):
        soup = BeautifulSoup(html_of(site, url), "html.parser")
        article = soup.select_one("article.md-content__inner")
        found = article.select("h1, h2, h3") if article else []
        headings[url] = [heading.get_text(" ").lower() for heading in found]
    return headings


def pages_with_heading(site: Path, query: str) -> set[str]:
    """The pages with a heading that contains every word of ``query``."""
    words = query.lower().split()
    return {
        url
        for url, headings in article_headings(site).items()
        if any(all(word in text for word in words) for text in headings)
    }


RESULT_LINKS = ".md-search-result__item > a:first-child"


def search(page, query: str) -> list[str]:
    """Ask Material's search box for ``query``; the pages of the results, best first.

    The query is set whole and sent with one key release (the search box reads its
    value on ``keyup``), after the results of the last query have been cleared. So the
    worker answers exactly one query, and the first results shown are its answer:
    nothing depends on how fast the keystrokes or the answers come.
    """
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press("End")
    page.wait_for_function(f"!document.querySelector({RESULT_LINKS!r})")
    box.fill(query)
    box.press("End")
    page.wait_for_selector(RESULT_LINKS, timeout=15000)
    hrefs = page.eval_on_selector_all(RESULT_LINKS, "links => links.map(a => a.href)")
    base_path = urlsplit(page.url).path.removesuffix("/") + "/"
    pages = []
    for href in hrefs:
        path = urlsplit(href).path.removeprefix(base_path)
        if path not in pages:
            pages.append(path)
    return pages


@pytest.fixture(scope="module")
def search_tab(chromium, site_server):
    """The home page, with its search index loaded once for every query."""
    tab = Tab(chromium, site_server.base, DESKTOP)
    load(tab.page, tab.base)
    yield tab
    tab.close()


@pytest.mark.parametrize(
    ("query", "known_page"), SEARCHES, ids=[s[0] for s in SEARCHES]
)
def test_search_finds_the_right_page(search_tab, built_site, query, known_page):
    expected = pages_with_heading(built_site, query)
    assert expected, f"no page has a heading about {query!r}"
    search_tab.probe.clear()
    results = search(search_tab.page, query)
    assert results, f"search for {query!r} found nothing"
    assert results[0] in expected, (
        f"search for {query!r}: first result /{results[0]}, "
        f"expected one of {sorted(expected)}"
    )
    assert known_page in results, (
        f"search for {query!r} misses /{known_page}: {results}"
    )
    problems = search_tab.probe.problems()
    assert not problems, problems


# --- copy buttons ---------------------------------------------------------------------


REVEAL_JS = """(button) => {
    for (let details = button.closest("details"); details;
         details = details.parentElement.closest("details"))
        details.open = true;
    for (let block = button.closest(".tabbed-block"); block;
         block = block.parentElement.closest(".tabbed-block")) {
        const set = block.closest(".tabbed-set");
        const index = [...block.parentElement.children].indexOf(block);
        const radio = set.querySelectorAll(":scope > input")[index];
        if (radio) radio.click();
    }
}"""


# Before a click: show the button's block (open its <details>, select its tab), empty
# the clipboard, and return the text the block shows.
PREPARE_COPY_JS = (
    "async (button) => {\n    ("
    + REVEAL_JS
    + """)(button);
    await navigator.clipboard.writeText("nothing copied");
    const target = button.getAttribute("data-clipboard-target");
    if (target) return document.querySelector(target).textContent;
    const cell = button.closest(".jp-Cell");
    return cell.querySelector(".highlight-ipynb pre, .highlight pre").textContent;
}"""
)
# After a click: what reached the clipboard, once something has.
COPIED_JS = """async () => {
    for (const started = Date.now(); Date.now() - started < 5000; ) {
        const text = await navigator.clipboard.readText();
        if (text !== "nothing copied") return text;
        await new Promise((wake) => setTimeout(wake, 10));
    }
    return null;
}"""


COPY_BUTTONS = "button[data-clipboard-target], clipboard-copy[for]"
# Every copy button whose target is not the code of its own block (none, when each
# button copies the block it sits on).
MISPLACED_COPY_BUTTONS_JS = """(selector) => [...document.querySelectorAll(selector)]
    .filter((button) => {
        const target = button.getAttribute("data-clipboard-target");
        const code = target
            ? document.querySelector(target)
            : document.getElementById(button.getAttribute("for"));
        const block = (element) => element && element.closest(".highlight, .jp-Cell");
        return !code || block(code) !== block(button);
    })
    .map((button) => button.outerHTML.slice(0, 120))"""


def misplaced_copy_buttons(page) -> list[str]:
    found = page.evaluate(MISPLACED_COPY_BUTTONS_JS, COPY_BUTTONS)
    return [f"copy button not on the code it copies: {button}" for button in found]


def copy_every_snippet(page, first_and_last: bool = False) -> list[tuple[str, str]]:
    """Click every copy button of the page (or its first and last): (what reached
    the clipboard, the code block's text)."""
    pairs = []
    # Material's buttons on Markdown code blocks; mkdocs-jupyter's <clipboard-copy> on
    # notebook cells
    buttons = page.locator(COPY_BUTTONS)
    count = buttons.count()
    indices = sorted({0, count - 1}) if first_and_last and count else range(count)
    for index in indices:
        button = buttons.nth(index)
        code = button.evaluate(PREPARE_COPY_JS)
        # A real mouse click at the button (copying needs a user gesture), without
        # playwright's wait for the button to hold still: a button that something
        # covers is still caught, since the click then lands on the cover.
        button.click(force=True)
        copied = page.evaluate(COPIED_JS)
        assert copied is not None, f"copy button {index} put nothing on the clipboard"
        pairs.append((copied, code))
    return pairs


def test_a_copy_button_bound_to_another_block_is_caught(desktop_tab):
    load(desktop_tab.page, desktop_tab.base + "foundations/derivatives/")
    assert misplaced_copy_buttons(desktop_tab.page) == []
    desktop_tab.page.evaluate(
        """() => {
            const buttons = document.querySelectorAll("button[data-clipboard-target]");
            const other = buttons[1].getAttribute("data-clipboard-target");
            buttons[0].setAttribute("data-clipboard-target", other);
        }"""
    )
    assert len(misplaced_copy_buttons(desktop_tab.page)) == 1


def test_every_code_block_has_a_copy_button(desktop_tab):
    load(desktop_tab.page, desktop_tab.base + "labs/part1_foundations/")
    notebook = len(copy_every_snippet(desktop_tab.page))
    load(desktop_tab.page, desktop_tab.base + "foundations/derivatives/")
    markdown = desktop_tab.page.locator("button[data-clipboard-target]").count()
    assert (
        notebook >= 3
        and markdown == desktop_tab.page.locator("article pre > code").count() >= 5
    )


SNIPPET_LINE = re.compile(r'^(\s*)--8<-- "([^":]+)(?::([\w-]+))?"\s*$')


def snippet_section(path: Path, section: str | None) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if section is None:
        return lines
    start = next(
        i
        for i, line in enumerate(lines)
        if line.strip() == f"# --8<-- [start:{section}]"
    )
    end = next(
        i for i, line in enumerate(lines) if line.strip() == f"# --8<-- [end:{section}]"
    )
    return textwrap.dedent("\n".join(lines[start + 1 : end])).split(
        "\n"
    )  # keeps blank lines at the end


def python_fences(markdown: str) -> list[str]:
    """The python code blocks of a Markdown page, snippets expanded from ``src/``; a
    block indented inside an admonition loses its indentation, as on the page."""
    blocks, current, indent = [], None, 0
    for line in markdown.splitlines():
        stripped = line.strip()
        if current is None and stripped.startswith("```python"):
            current, indent = [], len(line) - len(line.lstrip())
        elif current is not None and stripped.startswith("```"):
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            line = line[indent:] if line[:indent].isspace() else line.lstrip()
            match = SNIPPET_LINE.match(line)
            current += snippet_section(ROOT / match[2], match[3]) if match else [line]
    return blocks


@pytest.mark.parametrize(
    "chapter", ["foundations/functions", "foundations/derivatives"]
)
def test_copied_snippets_are_the_package_source(desktop_tab, chapter):
    """What a reader copies is, byte for byte, the section of ``src/`` on the page."""
    expected = python_fences((DOCS / f"{chapter}.md").read_text(encoding="utf-8"))
    load(desktop_tab.page, desktop_tab.base + chapter + "/")
    copied = [text for text, _ in copy_every_snippet(desktop_tab.page)]
    python_copied = copied[: len(expected)] if len(copied) >= len(expected) else copied
    assert len(expected) >= 2 and len(copied) >= len(expected)
    assert [text.rstrip("\n") for text in python_copied] == [
        text.rstrip("\n") for text in expected
    ]


# --- light and dark -------------------------------------------------------------------


def scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def toggle_scheme(page) -> None:
    page.locator("form[data-md-component=palette] label:visible").first.click()


def test_dark_mode_toggle_switches_and_persists(chromium, site_server):
    base = site_server.base
    context = fresh_context(chromium, DESKTOP)
    page = context.new_page()
    probe = Probe(base).attach(page)
    load(page, base + "foundations/derivatives/")
    assert scheme(page) == "default"
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    toggle_scheme(page)
    page.wait_for_function(
        "document.body.getAttribute('data-md-color-scheme') === 'slate'"
    )
    assert (
        page.evaluate("getComputedStyle(document.body).backgroundColor")
        != light_background
    )
    save_screenshot(page, ROOT, "dark", "foundations__derivatives")

    instant_navigate(page, base + "labs/part1_foundations/")
    wait_for_math(page)
    assert scheme(page) == "slate", "dark mode lost after instant navigation"
    save_screenshot(page, ROOT, "dark", "labs__part1_foundations")

    load(page, base + "foundations/functions/")
    assert scheme(page) == "slate", "dark mode lost after a full page load"
    toggle_scheme(page)
    page.wait_for_function(
        "document.body.getAttribute('data-md-color-scheme') === 'default'"
    )
    load(page, base)
    assert scheme(page) == "default", "light mode not kept"
    problems = probe.problems()
    context.close()
    assert not problems, problems


# Every figure image of the article: its variant (from its URL), and whether it shows.
FIGURES_SHOWN_JS = """
() => [...document.querySelectorAll('article img[src*="figures/"]')].map((img) => ({
  variant: (img.getAttribute("src").match(/#only-(light|dark)$/) || [null, null])[1],
  shown: getComputedStyle(img).display !== "none",
}))
"""
# Scroll the first figure shown into view; its natural width once it has loaded.
FIRST_SHOWN_FIGURE_JS = """
async () => {
  const img = [...document.querySelectorAll('article img[src*="figures/"]')]
    .find((img) => getComputedStyle(img).display !== "none");
  img.scrollIntoView();
  for (const started = Date.now(); Date.now() - started < 10000; ) {
    if (img.complete && img.naturalWidth) break;
    await new Promise((wake) => setTimeout(wake, 20));
  }
  return { src: img.getAttribute("src"), width: img.naturalWidth };
}
"""


def test_figures_follow_the_colour_scheme(chromium, site_server):
    """Each figure is on the page twice, light and dark; the reader sees the variant of
    the scheme chosen, and it loads."""
    context = fresh_context(chromium, DESKTOP)
    page = context.new_page()
    probe = Probe(site_server.base).attach(page)
    load(page, site_server.base + "optimization/momentum/")
    for wanted in ("light", "dark"):
        if wanted == "dark":
            toggle_scheme(page)
            page.wait_for_function(
                "document.body.getAttribute('data-md-color-scheme') === 'slate'"
            )
        figures = page.evaluate(FIGURES_SHOWN_JS)
        assert figures and len(figures) % 2 == 0
        assert {f["variant"] for f in figures} == {"light", "dark"}
        assert all(f["shown"] == (f["variant"] == wanted) for f in figures), figures
        first = page.evaluate(FIRST_SHOWN_FIGURE_JS)
        assert first["src"].endswith(f"#only-{wanted}") and first["width"] > 0, first
        if wanted == "dark":
            assert ".dark.svg" in first["src"], first
    problems = probe.problems()
    context.close()
    assert not problems, problems


# --- page weight ----------------------------------------------------------------------


# --- the checks catch what they are meant to catch ------------------------------------

CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
FAULTS = {
    # name: (page, how to break its HTML, what the checks must report)
    "cdn-script": (
        "foundations/derivatives/",
        lambda html: html.replace(
            "</head>", f'<script src="{CDN}"></script></head>', 1
        ),
        ["request to another host: " + CDN, "failed request: " + CDN],
    ),
    "script-loaded-by-script": (
        "labs/part1_foundations/",
        lambda html: html.replace(
            "</body>",
            "<script>const s = document.createElement('link'); s.rel = 'stylesheet';"
            " s.href = 'https://fonts.googleapis.com/css?family=Roboto';"
            " document.head.appendChild(s);</script></body>",
            1,
        ),
        ["request to another host: https://fonts.googleapis.com/css?family=Roboto"],
    ),
    "bad-macro-in-markdown": (
        "foundations/functions/",
        lambda html: re.sub(
            r'(<span class="arithmatex">)\\\(.*?\\\)',
            r"\1\\(\\badmacro{x}\\)",
            html,
            count=1,
        ),
        ["KaTeX error", "badmacro"],
    ),
    "bad-macro-in-notebook": (
        "labs/part1_foundations/",
        lambda html: html.replace("$x = 0$", "$\\badmacro{0}$", 1),
        ["KaTeX error", "badmacro"],
    ),
    "math-script-missing": (
        "",
        lambda html: re.sub(
            r'<script src="[^"]*javascripts/katex\.js"></script>', "", html
        ),
        ["math not rendered", "raw math delimiters"],
    ),
    "missing-figure": (
        "foundations/derivatives/",
        lambda html: re.sub(
            r'src="(\.\./\.\./figures/[^"#]+)\.svg#only-light"',
            r'src="\1-gone.svg#only-light"',
            html,
            count=1,
        ),
        ["image did not load", "HTTP 404"],
    ),
    "figure-without-alt": (
        "foundations/functions/",
        lambda html: re.sub(
            r'<img alt="[^"]*" src="(\.\./\.\./figures/)',
            r'<img alt="" src="\1',
            html,
            count=1,
        ),
        ["image without alt text"],
    ),
    "console-error": (
        "",
        lambda html: html.replace(
            "</body>", "<script>console.error('planted fault')</script></body>", 1
        ),
        ["console error: planted fault"],
    ),
}


@pytest.fixture(scope="module")
def broken_site(built_site, tmp_path_factory):
    """One copy of the built site per fault in FAULTS (hard links, the broken page
    rewritten)."""
    root = tmp_path_factory.mktemp("broken")
    for name, (url, breaks, _) in FAULTS.items():
        site = copy_site(built_site, root / name)
        page = site / url / "index.html"
        html = page.read_text(encoding="utf-8")
        broken = breaks(html)
        assert broken != html, f"fault {name} was not planted"
        page.unlink()  # a hard link to the real build: replace it, never write into it
        page.write_text(broken, encoding="utf-8")
    with SiteServer(root) as server:
        yield root, server


@pytest.mark.parametrize("fault", list(FAULTS))
def test_page_checks_catch_a_planted_fault(chromium, broken_site, fault):
    root, server = broken_site
    url, _, expected = FAULTS[fault]
    context = fresh_context(chromium, DESKTOP)
    page = context.new_page()
    probe = Probe(server.base).attach(page)
    load(page, f"{server.base}{fault}/site/{url}")
    report = "\n".join(page_problems(page, probe, html_of(root / fault / "site", url)))
    context.close()
    for needle in expected:
        assert needle in report, f"{fault}: {needle!r} not reported in:\n{report}"


def test_instant_navigation_check_catches_a_bad_macro(chromium, broken_site):
    root, server = broken_site
    base = f"{server.base}bad-macro-in-markdown/site/"
    url = "foundations/functions/"
    context = fresh_context(chromium, DESKTOP)
    page = context.new_page()
    probe = Probe(server.base).attach(page)
    load(page, base)
    assert instant_navigate(page, base + url)
    report = "\n".join(
        page_problems(
            page, probe, html_of(root / "bad-macro-in-markdown" / "site", url)
        )
    )
    context.close()
    assert "KaTeX error" in report and "badmacro" in report, report


def test_mobile_check_catches_a_page_too_wide(chromium, site_server):
    context = fresh_context(chromium, MOBILE, is_mobile=True, has_touch=True)
    page = context.new_page()
    load(page, site_server.base + "foundations/derivatives/")
    assert horizontal_overflow(page) <= 1
    page.evaluate(
        "document.querySelector('article').insertAdjacentHTML('beforeend',"
        " '<div style=\"width: 900px\">wide</div>')"
    )
    assert horizontal_overflow(page) > 100
    context.close()


def test_budget_check_counts_the_bytes(chromium, site_server, built_site):
    """The byte count is the real transfer: at least the HTML and the KaTeX fonts the
    page uses."""
    context = fresh_context(chromium, DESKTOP)
    cold = measure_load(context, site_server.base + "foundations/derivatives/")
    warm_again = measure_load(context, site_server.base + "foundations/derivatives/")
    context.close()
    html_bytes = (built_site / "foundations/derivatives/index.html").stat().st_size
    assert cold.bytes > html_bytes and cold.by_type.get("Font", 0) > 10_000
    assert cold.requests >= 10 and warm_again.bytes < cold.bytes / 2
    assert cold.math_ms > 0
