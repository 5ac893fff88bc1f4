"""MkDocs hooks: a thin adapter between MkDocs and the package's build logic.

- figures: ask :mod:`dlfoundations.figures` which figures are stale (read from source,
  nothing imported), render those in a fresh subprocess (so an edited module is never
  stale under ``mkdocs serve``), and add every SVG from the cache to the site with
  ``File.generated``, both variants of each (``<name>.svg`` and ``<name>.dark.svg``);
  nothing is written into ``docs/``. A page shows a figure as usual,
  ``![alt](../figures/<part>/<chapter>/<name>.svg)``; the build turns that image into
  the light variant (``#only-light``) and the dark one (``#only-dark``), and Material
  shows the one of the reader's colour scheme.
- math: serve KaTeX from the site itself (installed by npm into ``node_modules/``).
- notebooks: key mkdocs-jupyter's cache on the package source too, and strip the
  CDN scripts its template adds, since the site loads nothing from other hosts.

Set ``DLF_FIGURES=off`` to skip figure generation (used to measure its cost).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

import build_memo  # beside this file: MkDocs puts hooks/ on sys.path to load hooks

log = logging.getLogger("mkdocs.hooks.dlfoundations")

KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")
NOTEBOOK_CDN_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc=["'](?:https?:)?//[^"']*["'][^>]*>\s*</script>""", re.I
)
NOTEBOOK_MATHJAX_CONFIG = re.compile(
    r"""<script type="text/x-mathjax-config">.*?</script>""", re.I | re.S
)
MERMAID_MODULE = re.compile(
    r"""<script type="module">[^<]*?mermaid[^<]*?</script>""", re.I | re.S
)
INLINE_STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style>", re.I | re.S)
NBCONVERT_ALT = 'alt="No description has been provided for this image"'
NOTEBOOK_PLOT_ALT = 'alt="Plot drawn by the code cell above when the book was built"'
# An image of a generated figure, as Markdown renders ![alt](../figures/.../name.svg)
FIGURE_IMAGE = re.compile(
    r'<img\b(?P<before>[^>]*?)\bsrc="(?P<path>(?:\.\./)*figures/[^"#?]+?)\.svg"'
    r"(?P<after>[^>]*?)(?P<end>\s*/?>)"
)


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _src(config) -> Path:
    return _root(config) / "src"


def _import_build(config):
    """Import the figure build logic from this project's ``src`` (reading only,
    nothing stale matters)."""
    sys.path.insert(0, str(_src(config)))
    try:
        from dlfoundations.figures import _build
    finally:
        sys.path.pop(0)
    return _build


def on_config(config):
    """Memoize the pure steps of a build, and key the notebook cache on the package
    source: a lab must re-run when ``src/`` changes."""
    if build_memo.enabled():
        build_memo.install(_root(config) / ".cache" / "build-memo")
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None:
        # The lab kernels inherit this environment: a non-interactive backend such as
        # Agg (set for tests and figures) would make every plt.show() in a lab draw
        # nothing.
        os.environ.pop("MPLBACKEND", None)
        digest = hashlib.sha256()
        for path in sorted(_src(config).rglob("*.py")):
            digest.update(
                path.relative_to(_src(config)).as_posix().encode() + path.read_bytes()
            )
        base, key = _root(config) / ".cache" / "mkdocs-jupyter", digest.hexdigest()[:16]
        jupyter.config["cache_dir"] = str(base / key)
        for old in base.glob("*"):  # results for older versions of the package
            if old.is_dir() and old.name != key:
                shutil.rmtree(old, ignore_errors=True)
    return config


def on_env(env, config, files):
    """Compile the theme's templates once, not on every build (Jinja's own bytecode
    cache)."""
    if build_memo.enabled():
        from jinja2 import FileSystemBytecodeCache

        folder = _root(config) / ".cache" / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    return env


def on_post_build(config):
    """Keep what this build memoized for the next one."""
    if build_memo.enabled() and build_memo.MEMO is not None:
        build_memo.MEMO.save()


def _render_stale(config, stale_specs, cache_dir: Path) -> None:
    """Render the stale figures in a fresh interpreter; fail the build with their
    tracebacks."""
    names = [spec.name for spec in stale_specs]
    log.info("figures: rendering %d stale figure(s): %s", len(names), ", ".join(names))
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(_src(config)), os.environ.get("PYTHONPATH", "")]
        ),
    )
    env.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlfoundations.figures",
            "--cache-dir",
            str(cache_dir),
            *names,
        ],
        cwd=_root(config),
        env=env,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        log.info("figures: %s", line)
    if result.returncode != 0:
        raise PluginError(
            f"Figure generation failed:\n{result.stderr or result.stdout}"
        )
    log.info(
        "figures: rendered %d in %.1f s", len(names), time.perf_counter() - started
    )


def _add_figures(files: Files, config) -> None:
    build = _import_build(config)
    cache_dir = _root(config) / ".cache" / "figures"
    specs = build.discover(_src(config))
    stale_specs = build.stale(specs, cache_dir)
    if stale_specs:
        _render_stale(config, stale_specs, cache_dir)
    else:
        log.info("figures: all %d figures cached", len(specs))
    for spec in specs:
        for variant, path in spec.cache_paths(cache_dir).items():
            if not path.is_file():
                raise PluginError(f"figure {spec.name} was not rendered into {path}")
            files.append(
                File.generated(config, spec.site_path(variant), abs_src_path=str(path))
            )


def _add_katex(files: Files, config) -> None:
    dist = _root(config) / "node_modules" / "katex" / "dist"
    if not dist.is_dir():
        raise PluginError(
            f"KaTeX is not installed in {dist}: run `make setup` (or `npm ci`) first"
        )
    for name in KATEX_FILES:
        files.append(
            File.generated(
                config, f"assets/katex/{name}", abs_src_path=str(dist / name)
            )
        )
    for font in sorted((dist / "fonts").iterdir()):
        files.append(
            File.generated(
                config, f"assets/katex/fonts/{font.name}", abs_src_path=str(font)
            )
        )


@event_priority(50)  # before plugins (the link checker must see the generated files)
def on_files(files: Files, config) -> Files:
    _add_katex(files, config)
    if os.environ.get("DLF_FIGURES", "on").lower() in ("off", "0", "false", "no"):
        log.warning(
            "figures: generation switched off (DLF_FIGURES=off); "
            "figure links will be broken"
        )
        return files
    _add_figures(files, config)
    return files


def figure_variants(html: str) -> str:
    """Show each generated figure of a page in the reader's colour scheme: its image
    becomes two, the light variant (``#only-light``) and the dark one
    (``<name>.dark.svg#only-dark``), with the same alt text and attributes. Material
    hides the one of the other scheme; loaded lazily, the hidden one is not fetched."""

    def variants(image: re.Match) -> str:
        before, after = image["before"], image["after"]
        if "loading=" not in before + after:
            after += ' loading="lazy"'
        path, end = image["path"], image["end"]
        light = f'<img{before}src="{path}.svg#only-light"{after}{end}'
        dark = f'<img{before}src="{path}.dark.svg#only-dark"{after}{end}'
        return light + dark

    return FIGURE_IMAGE.sub(variants, html)


def on_page_content(html: str, page, config, files) -> str:
    """Show each figure in the reader's colour scheme (:func:`figure_variants`). Remove
    the CDN scripts mkdocs-jupyter adds to notebook pages (math is rendered by KaTeX),
    give the plots of a notebook an alt text that says what they are, and move its
    inline stylesheets into shared files."""
    html = figure_variants(html)
    if page.file.src_uri.endswith((".py", ".ipynb")):
        html = html.replace(NBCONVERT_ALT, NOTEBOOK_PLOT_ALT)
        html = NOTEBOOK_CDN_SCRIPT.sub("", html)
        html = NOTEBOOK_MATHJAX_CONFIG.sub("", html)
        html = MERMAID_MODULE.sub("", html)
        html = INLINE_STYLE.sub(
            lambda style: _shared_stylesheet(style, page, config), html
        )
    return html


def _shared_stylesheet(style: re.Match, page, config) -> str:
    """Write an inline ``<style>`` to ``assets/jupyter/<hash>.css``; a ``<link>`` to it.

    mkdocs-jupyter inlines about 590 KB of the same Jupyter CSS into every lab. As a
    file named by its content, a reader downloads it once for all labs, and the search
    index and link checker no longer parse it on every page of every build. A link in
    place of the style keeps the cascade order.
    """
    css = style.group("css").encode("utf-8")
    name = f"assets/jupyter/{hashlib.sha256(css).hexdigest()[:16]}.css"
    target = Path(config.site_dir) / name
    if not target.is_file() or target.read_bytes() != css:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".tmp-{os.getpid()}-{target.name}")
        temporary.write_bytes(css)
        os.replace(temporary, target)
    return f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">'


class ExternalAssetFinder(HTMLParser):
    """Collect the URLs on other hosts that a browser would fetch to load a page."""

    NAVIGATION_ONLY = {
        "canonical",
        "alternate",
        "next",
        "prev",
        "author",
        "license",
        "external",
        "noopener",
    }

    def __init__(self):
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            return  # a link is followed only if the reader clicks it
        if (
            tag == "link"
            and set((attrs.get("rel") or "").split()) <= self.NAVIGATION_ONLY
        ):
            return
        for name in ("src", "href", "srcset", "poster", "data"):
            url = (attrs.get(name) or "").strip()
            if url.startswith(("http://", "https://", "//")):
                self.external.append(f"<{tag} {name}={url}>")


# An attribute whose value starts with an address on another host, wherever it stands.
EXTERNAL_ATTRIBUTE = re.compile(
    r"""\b(?:src|href|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I
)


def external_assets(html: str) -> list[str]:
    """The assets on other hosts that a browser would fetch while loading ``html``.

    Only the tags around an attribute that names another host are parsed (a page has a
    handful, out of tens of thousands of tags), so the guard costs next to nothing on
    every build. Scanning the raw text also finds such tags inside inline scripts and
    comments, which the parser alone would skip: stricter, never looser.
    """
    finder = ExternalAssetFinder()
    for match in EXTERNAL_ATTRIBUTE.finditer(html):
        start = html.rfind("<", 0, match.start())
        end = html.find(">", match.end())
        if start != -1 and end != -1:
            finder.feed(html[start : end + 1])
            finder.reset()
    return list(dict.fromkeys(finder.external))


def on_post_page(output: str, page, config) -> str:
    """Fail the build if a page would load anything from another host."""
    external = external_assets(output)
    if external:
        raise PluginError(
            f"{page.file.src_uri} loads assets from other hosts: {', '.join(external)}"
        )
    return output
