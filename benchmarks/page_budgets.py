"""Page budgets: what each page of the built site costs a reader, measured in Chromium.

For every page: the size of its HTML, the bytes transferred and requests made on a cold
load (empty cache) and on a warm one (the reader has opened the home page, so the
site's shared CSS, JavaScript, KaTeX and fonts are cached), and the time KaTeX spends
rendering the page's math. The site is served as a static host serves it (text gzipped,
304 for unchanged files).

Budget: a page loads in at most 1.5 MB transferred on a cold cache and at most 300 KB
on a warm one. Prints a table, the heaviest pages with what makes them heavy, and exits
with status 1 when a page is over budget.

    .venv/bin/python benchmarks/page_budgets.py              # build into a temp folder
    .venv/bin/python benchmarks/page_budgets.py --site site  # measure a build
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402 - tests/ is put on the path just above
    DESKTOP,
    SiteServer,
    fresh_context,
    launch_chromium,
    measure_load,
    page_urls,
    start_playwright,
)

COLD_BUDGET = 1_500_000
WARM_BUDGET = 300_000


def build(site: Path) -> None:
    env = {"NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"strict build failed:\n{result.stderr[-4000:]}")


def kb(n: float) -> str:
    return f"{n / 1000:,.0f}"


def heavy_parts(site: Path, url: str, by_type: dict) -> str:
    """What makes a page heavy: the biggest resource types, and the page's largest
    figures."""
    parts = sorted(by_type.items(), key=lambda item: -item[1])[:3]
    text = ", ".join(f"{kind} {kb(size)} KB" for kind, size in parts if size)
    html = (site / url / "index.html").read_text(encoding="utf-8")
    figures = sorted(
        {
            (path.stat().st_size, path.relative_to(site).as_posix())
            for path in (site / "figures").rglob("*.svg")
            if path.relative_to(site).as_posix() in html.replace("../", "")
        },
        reverse=True,
    )[:2]
    if figures:
        text += "; largest figures (uncompressed): " + ", ".join(
            f"{name} {kb(size)} KB" for size, name in figures
        )
    if "jupyter-wrapper" in html:
        text += "; notebook page: inline Jupyter CSS and base64 plots in the HTML"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site",
        type=Path,
        help="an existing build (default: build strictly into a temporary folder)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dlf-budget-") as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            print("building the site (strict) ...", file=sys.stderr)
            build(site)
        playwright = start_playwright()
        browser = launch_chromium(playwright)
        rows = []
        try:
            with SiteServer(site) as server:
                warm_context = fresh_context(browser, DESKTOP)
                measure_load(warm_context, server.base)
                for url in page_urls(site):
                    cold_context = fresh_context(browser, DESKTOP)
                    cold = measure_load(cold_context, server.base + url)
                    cold_context.close()
                    warm = measure_load(warm_context, server.base + url)
                    html_size = (site / url / "index.html").stat().st_size
                    rows.append((url, html_size, cold, warm))
                warm_context.close()
        finally:
            browser.close()
            playwright.stop()

        return report(site, rows)


def report(site: Path, rows: list) -> int:
    """Print the table and the heaviest pages; return 1 if a page is over budget."""
    header = (
        f"{'page':<42} {'HTML KB':>8} {'cold KB':>8} {'cold req':>8} {'warm KB':>8} "
        f"{'warm req':>8} {'math ms':>8} {'math done ms':>12}"
    )
    print(header)
    print("-" * len(header))
    over = []
    for url, html_size, cold, warm in rows:
        flag = ""
        if cold.bytes > COLD_BUDGET or warm.bytes > WARM_BUDGET:
            flag = "  OVER BUDGET"
            over.append(url)
        print(
            f"/{url:<41} {kb(html_size):>8} {kb(cold.bytes):>8} {cold.requests:>8} "
            f"{kb(warm.bytes):>8} "
            f"{warm.requests:>8} {cold.math_ms:>8.0f} {cold.math_done_ms:>12.0f}{flag}"
        )
    print(
        f"\nbudget: cold <= {kb(COLD_BUDGET)} KB, warm <= {kb(WARM_BUDGET)} KB "
        "(bytes on the wire, gzip as a static host serves)"
    )
    print("\nheaviest pages (cold):")
    for url, _, cold, _ in sorted(rows, key=lambda row: -row[2].bytes)[:5]:
        print(f"  /{url}: {kb(cold.bytes)} KB: {heavy_parts(site, url, cold.by_type)}")
    if over:
        print(
            f"\n{len(over)} page(s) over budget: "
            + ", ".join("/" + url for url in over)
        )
        return 1
    print("\nevery page is within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
