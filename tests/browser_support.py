"""Drive the built site in Debian's headless Chromium, the way a reader meets it.

Shared by ``tests/test_browser.py`` and ``benchmarks/page_budgets.py``:

- :func:`launch_chromium` starts ``/usr/bin/chromium`` through playwright (no browser
  download: ``playwright install`` is never needed);
- :class:`SiteServer` serves a built site on 127.0.0.1 from a background thread;
- :class:`Probe` records every request, failed request and console error of a page;
- :func:`page_problems` runs the per-page checks (hosts, failures, console, math,
  images) and returns what is wrong, so a test can assert the list is empty and a
  sandbox test can assert a planted fault is in it;
- :func:`measure_load` counts the bytes and requests of a page load (Chrome DevTools
  Protocol) and the time KaTeX spent rendering.
"""

from __future__ import annotations

import email.utils
import functools
import gzip
import http.server
import os
import re
import shutil
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path(os.environ.get("DLF_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A page load is over when no request has been pending for this long (playwright's
# networkidle waits 500 ms, twice per page tested: a minute of the suite).
QUIET_MS = 150
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}
PLACEHOLDER_ALT = (
    "No description has been provided for this image"  # nbconvert's default
)

# Wraps KaTeX's auto-render so every call is timed (performance marks, read by
# measure_load).
MATH_TIMING_INIT = """
(() => {
  window.__dlfMath = [];
  let wrapped;
  Object.defineProperty(window, "renderMathInElement", {
    configurable: true,
    get() { return wrapped; },
    set(render) {
      wrapped = function (...args) {
        const start = performance.now();
        try { return render.apply(this, args); }
        finally {
          const end = performance.now();
          window.__dlfMath.push({ start, end });
          performance.measure("dlf-math", { start, end });
        }
      };
    },
  });
})();
"""

# The state of the math of the page: source elements, rendered nodes, errors, raw
# delimiters.
MATH_STATE_JS = r"""
() => {
  const article = document.querySelector("article.md-content__inner") || document.body;
  const arithmatex = [...article.querySelectorAll(".arithmatex")];
  const markdownCells = [...article.querySelectorAll(".jp-RenderedMarkdown")];
  const skip = "code, pre, script, style, .katex, .katex-error, .highlight, "
             + ".highlight-ipynb, .jp-OutputArea-output, .md-search, .md-code__nav, "
             + ".clipboard-copy-txt";  // the last: a copy button's source
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => node.parentElement && node.parentElement.closest(skip)
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (/\\\(|\\\)|\\\[|\\\]|\$\$|\$\\[A-Za-z]/.test(text)) {
      raw.push(text.trim().slice(0, 100));
    }
  }
  const unknown = '.katex-mathml mstyle[mathcolor="#cc0000"]';
  return {
    arithmatex: arithmatex.length,
    unrendered: arithmatex.filter((el) => !el.querySelector(".katex"))
                          .map((el) => el.textContent.trim().slice(0, 80)),
    katex: article.querySelectorAll(".katex").length,
    notebookKatex: markdownCells.reduce(
      (n, cell) => n + cell.querySelectorAll(".katex").length, 0),
    // a parse error becomes .katex-error; an unknown command is drawn in KaTeX's
    // errorColor
    errors: [...document.querySelectorAll(".katex-error")]
              .map((el) => (el.getAttribute("title") || el.textContent).slice(0, 120))
      .concat([...document.querySelectorAll(unknown)]
              .map((el) => "unknown command " + el.textContent.slice(0, 80))),
    raw,
  };
}
"""

# Every image of the article, loaded eagerly, with its natural size and alt text.
IMAGES_JS = """
async () => {
  const article = document.querySelector("article.md-content__inner") || document.body;
  const images = [...article.querySelectorAll("img")];
  await Promise.all(images.map((img) => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise((done) => {
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
      setTimeout(done, 10000);
    });
  }));
  return images.map((img) => ({
    src: (img.getAttribute("src") || "").slice(0, 120),
    alt: img.getAttribute("alt"),
    width: img.naturalWidth,
  }));
}
"""

KATEX_COUNT_JS = "document.querySelectorAll('.katex, .katex-error').length"
HORIZONTAL_OVERFLOW_JS = """
() => {
  const root = document.scrollingElement;
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
}
"""


class BrowserMissing(RuntimeError):
    """Chromium or playwright-python is not installed."""


def launch_chromium(playwright):
    """Start Debian's Chromium headless, with a fresh profile, nothing talking to the
    network."""
    if not CHROMIUM.exists():
        raise BrowserMissing(
            f"{CHROMIUM} not found: run `bash scripts/install-browser.sh` "
            "(apt-get install chromium)"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def start_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise BrowserMissing(
            f"playwright-python is not installed ({error}): "
            "pip install -r requirements.txt"
        ) from error
    return sync_playwright().start()


COMPRESSIBLE = (".html", ".css", ".js", ".svg", ".json", ".xml", ".map", ".txt", ".py")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files as a static host such as GitHub Pages does: text gzipped, 304 when
    unchanged.

    ``sitemap.xml`` is served with the site's ``site_url`` replaced by the server's own
    address, as if the site had been built for it (MkDocs' dev server does the same):
    Material's instant navigation only follows links listed in the sitemap.
    """

    base = ""  # set per server

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - the base class's name
        path = Path(self.translate_path(self.path)).resolve()
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            return super().do_GET()
        modified = int(path.stat().st_mtime)
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                if email.utils.parsedate_to_datetime(since).timestamp() >= modified:
                    self.send_response(304)
                    self.end_headers()
                    return None
            except (TypeError, ValueError):
                pass
        body = path.read_bytes()
        if path.name == "sitemap.xml":
            folder = path.parent.relative_to(Path(self.directory).resolve()).as_posix()
            body = _sitemap_for(
                body, self.base + ("" if folder == "." else folder + "/")
            )
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(modified))
        self.end_headers()
        self.wfile.write(body)
        return None


def _sitemap_for(sitemap: bytes, base: str) -> bytes:
    """The sitemap with its site_url (the shortest <loc>) replaced by ``base``."""
    locs = re.findall(rb"<loc>([^<]+)</loc>", sitemap)
    if not locs:
        return sitemap
    site_url = min(locs, key=len)
    return sitemap.replace(site_url, base.encode())


class SiteServer:
    """Serve a built site on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, site: Path):
        self.site = Path(site)
        handler_class = type("Handler", (_SiteHandler,), {})
        handler = functools.partial(handler_class, directory=str(self.site))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_port}/"
        handler_class.base = self.base
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def page_urls(site: Path) -> list[str]:
    """The URL path (relative to the site root) of every page of a built site, 404
    excluded."""
    site = Path(site)
    pages = [
        p for p in site.rglob("index.html") if "assets" not in p.relative_to(site).parts
    ]
    return sorted(
        p.parent.relative_to(site).as_posix() + "/" if p.parent != site else ""
        for p in pages
    )


def slug(url_path: str) -> str:
    return url_path.strip("/").replace("/", "__") or "index"


@dataclass
class Probe:
    """Everything a page did on the network and the console, recorded as it happened.

    A request belongs to the page that made it until it has finished or failed: the
    checks of a page wait for every request the page started (:meth:`settle`), so none
    is still in flight when the test moves on. Without that, a request the browser
    starts after the ``load`` event (Chromium fetches the favicon then) could be
    aborted by the next test's navigation and reported against the wrong page, at
    random, as ``net::ERR_ABORTED``.
    """

    base: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    pending: dict = field(
        default_factory=dict
    )  # request -> url, started and not yet over
    page: object = field(default=None, repr=False)  # the page attached to

    def attach(self, page) -> Probe:
        page.on("request", self._request)
        page.on("requestfinished", self._over)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.console_errors.append(message.text)
            ),
        )
        page.on(
            "pageerror", lambda error: self.console_errors.append(f"uncaught: {error}")
        )
        self.page = page
        _PROBES[page] = self
        return self

    def _request(self, request) -> None:
        self.requests.append(request.url)
        self.pending[request] = request.url

    def _over(self, request) -> None:
        self.pending.pop(request, None)

    def _failed(self, request) -> None:
        self.pending.pop(request, None)
        self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} (HTTP {response.status})")

    def settle(self, timeout_s: float = 10.0) -> list[str]:
        """Wait until every request the page started is over; the URLs still pending."""
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)  # lets playwright deliver the events
        return sorted(set(self.pending.values()))

    def quiet(self, quiet_ms: float = QUIET_MS, timeout_s: float = 10.0) -> list[str]:
        """Wait until no request is pending and none has started for ``quiet_ms``:
        playwright's ``networkidle`` (which waits 500 ms) on this probe's own
        accounting. The URLs still pending at the timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            seen = len(self.requests)
            if not self.settle(deadline - time.monotonic()):
                self.page.wait_for_timeout(quiet_ms)
                if len(self.requests) == seen and not self.pending:
                    break
        return sorted(set(self.pending.values()))

    def other_hosts(self) -> list[str]:
        """Every request that left 127.0.0.1 (data: and blob: URLs never leave the
        page)."""
        own = urlsplit(self.base).netloc
        return sorted(
            {
                url
                for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).netloc != own
            }
        )

    def problems(self) -> list[str]:
        """What went wrong, once every request of the page is over."""
        found = [f"request never finished: {url}" for url in self.settle()]
        found += [f"request to another host: {url}" for url in self.other_hosts()]
        found += [f"failed request: {failure}" for failure in self.failed]
        found += [f"console error: {message}" for message in self.console_errors]
        return found

    def clear(self) -> None:
        """Start recording a new page load: the previous page's requests must all be
        over."""
        settle(self.page)
        self.requests.clear()
        self.failed.clear()
        self.console_errors.clear()


_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # page -> its Probe


def settle(page) -> None:
    """Before leaving a page: let every request it started finish (see
    :class:`Probe`)."""
    probe = _PROBES.get(page)
    if probe is not None:
        left = probe.settle()
        assert not left, f"requests of {page.url} never finished: {left}"


def math_renders(page) -> int:
    """How many times KaTeX has rendered in this document (counted by
    ``MATH_TIMING_INIT``)."""
    return page.evaluate("(window.__dlfMath || []).length")


# One more render than n, or a page that does not load the math script at all (it
# will never render: waiting for the timeout would only cost the time).
MATH_RENDERED_OR_NEVER_WILL = """(n) =>
    (window.__dlfMath || []).length > n
    || (document.readyState === "complete"
        && !document.querySelector('script[src*="javascripts/katex.js"]'))"""


def wait_for_math(page, renders_before: int = 0, timeout_ms: float = 10000) -> int:
    """Wait until KaTeX has rendered the page shown; return the number of math nodes.

    The site's ``katex.js`` renders once per page shown, on the first load and after
    every instant navigation, and ``MATH_TIMING_INIT`` counts each render: waiting for
    one more render than ``renders_before`` waits for exactly the render of this page,
    however slow the machine (no guess at how long rendering takes). A page without
    the math script returns once loaded; one whose script never runs is given
    ``timeout_ms``. The checks then report its math.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            MATH_RENDERED_OR_NEVER_WILL,
            arg=renders_before,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        pass
    return page.evaluate(KATEX_COUNT_JS)


# --- what the static HTML says the page should show -------------------------------

NOTEBOOK_MATH = re.compile(r"\$\$.+?\$\$|\$[^\s$][^$]*?\$", re.S)


@dataclass
class SourceMath:
    arithmatex: int  # Markdown math elements (pymdownx.arithmatex)
    notebook: int  # $...$ / $$...$$ spans in notebook markdown cells


def source_math(html: str) -> SourceMath:
    """Count the math a page's HTML holds before any script ran."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.md-content__inner") or soup
    arithmatex = len(article.select(".arithmatex"))
    notebook = 0
    for cell in article.select(".jp-RenderedMarkdown"):
        for code in cell.select("code, pre"):
            code.decompose()
        notebook += len(NOTEBOOK_MATH.findall(cell.get_text()))
    return SourceMath(arithmatex, notebook)


def math_problems(state: dict, expected: SourceMath) -> list[str]:
    found = []
    if state["arithmatex"] != expected.arithmatex:
        found.append(
            f"{expected.arithmatex} math elements in the HTML, "
            f"{state['arithmatex']} in the page"
        )
    found += [f"math not rendered: {text}" for text in state["unrendered"]]
    if state["notebookKatex"] < expected.notebook:
        found.append(
            f"notebook math: {expected.notebook} formulas in the cells, "
            f"{state['notebookKatex']} rendered"
        )
    if state["katex"] < expected.arithmatex + expected.notebook:
        found.append(
            f"{expected.arithmatex + expected.notebook} formulas, "
            f"only {state['katex']} rendered"
        )
    found += [f"KaTeX error: {error}" for error in state["errors"]]
    found += [f"raw math delimiters in visible text: {text!r}" for text in state["raw"]]
    return found


def image_problems(images: list[dict]) -> list[str]:
    found = []
    for image in images:
        if not image["width"]:
            found.append(f"image did not load: {image['src']}")
        alt = (image["alt"] or "").strip()
        if not alt:
            found.append(f"image without alt text: {image['src']}")
        elif "figures/" in image["src"] and alt == PLACEHOLDER_ALT:
            found.append(f"figure without a real description: {image['src']}")
    return found


def page_problems(page, probe: Probe, html: str) -> list[str]:
    """Everything wrong with the page now shown, given its static HTML (for the source
    counts).

    Call it once the page is shown and its math rendered (:func:`wait_for_math`).
    """
    found = math_problems(page.evaluate(MATH_STATE_JS), source_math(html))
    found += image_problems(page.evaluate(IMAGES_JS))
    found += probe.problems()
    return found


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    sizes = page.evaluate(HORIZONTAL_OVERFLOW_JS)
    return max(0, sizes["scrollWidth"] - sizes["clientWidth"])


def instant_navigate(page, url: str, timeout_ms: int = 15000) -> bool:
    """Follow a link to ``url`` as a reader clicks it; True when Material swapped the
    page in place."""
    settle(page)
    renders = math_renders(page)
    page.evaluate("window.__dlfNoReload = true")
    page.evaluate(
        """(url) => {
            const article = document.querySelector("article");
            article.setAttribute("data-dlf-left", "");
            const link = document.createElement("a");
            link.href = url;
            article.appendChild(link);
            link.click();
        }""",
        url,
    )
    target = urlsplit(url).path
    page.wait_for_function(
        "(path) => location.pathname === path"
        " && !document.querySelector('[data-dlf-left]')"
        " && document.querySelector('article')",
        arg=target,
        timeout=timeout_ms,
    )
    swapped = bool(page.evaluate("window.__dlfNoReload === true"))
    wait_for_math(page, renders if swapped else 0)
    return swapped


# --- page weight -------------------------------------------------------------------


@dataclass
class LoadMeasure:
    bytes: int = 0
    requests: int = 0
    by_type: dict = field(default_factory=dict)
    math_ms: float = 0.0  # time KaTeX spent rendering
    math_done_ms: float = (
        0.0  # from navigation start to the end of the last math render
    )
    by_url: dict = field(default_factory=dict)  # URL -> (resource type, bytes)

    def add(self, url: str, kind: str, size: int) -> None:
        """Count ``size`` bytes of ``url``, a resource of type ``kind``."""
        self.bytes += size
        self.by_type[kind] = self.by_type.get(kind, 0) + size
        self.by_url[url] = (kind, self.by_url.get(url, (kind, 0))[1] + size)

    def beyond(self, cached) -> LoadMeasure:
        """What this load fetched beyond the URLs ``cached``: the weight of the page
        for a reader whose browser already holds those."""
        measure = LoadMeasure()
        for url, (kind, size) in self.by_url.items():
            if url not in cached:
                measure.requests += 1
                measure.add(url, kind, size)
        return measure


def measure_load(context, url: str) -> LoadMeasure:
    """Load ``url`` in a new tab of ``context``; count bytes on the wire and requests
    (CDP)."""
    page = context.new_page()
    measure = load_measured(page, url)
    page.close()
    return measure


def load_measured(page, url: str) -> LoadMeasure:
    """Load ``url`` in ``page`` until the network is quiet (:meth:`Probe.quiet`),
    counting what came over the wire (Chrome DevTools Protocol) and the time KaTeX
    spent; the page stays open."""
    settle(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    measure = LoadMeasure()
    types: dict[str, str] = {}
    urls: dict[str, str] = {}

    def sent(event):
        measure.requests += 1
        types[event["requestId"]] = event.get("type", "Other")
        urls[event["requestId"]] = event["request"]["url"]

    def finished(event):
        request = event["requestId"]
        size = int(event.get("encodedDataLength", 0))
        measure.add(urls.get(request, ""), types.get(request, "Other"), size)

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    probe = _PROBES.get(page) or Probe(urlsplit(url)._replace(path="").geturl())
    probe = probe if probe.page is page else probe.attach(page)
    page.goto(url, wait_until="load")
    wait_for_math(page)
    left = probe.quiet()
    assert not left, f"requests of {url} never finished: {left}"
    timings = page.evaluate("window.__dlfMath || []")
    measure.math_ms = sum(t["end"] - t["start"] for t in timings)
    measure.math_done_ms = max((t["end"] for t in timings), default=0.0)
    cdp.detach()
    return measure


def fresh_context(browser, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, color_scheme="light", **options)
    context.add_init_script(MATH_TIMING_INIT)
    return context


def copy_site(site: Path, into: Path) -> Path:
    """A private copy of a built site, to plant faults in."""
    target = Path(into) / "site"
    shutil.copytree(site, target, copy_function=os.link)
    return target


def save_screenshot(page, root: Path, *parts: str) -> None:
    """A full-page screenshot to ``screenshots/<parts>.png``, when ``DLF_SCREENSHOTS``
    asks.

    ``DLF_SCREENSHOTS=on`` saves under ``screenshots/`` (ignored by git), any other
    value names the folder. Off by default: screenshots are for people to look at
    (``make screenshots``), no check reads them, and they cost a second a page.
    """
    setting = os.environ.get("DLF_SCREENSHOTS", "off")
    if setting.lower() in ("", "off", "0", "false", "no"):
        return
    folder = (
        Path(root) / "screenshots"
        if setting.lower() in ("on", "1", "true", "yes")
        else Path(setting)
    )
    path = folder.joinpath(*parts).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
