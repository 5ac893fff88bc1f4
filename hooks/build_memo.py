"""Content-addressed memos for the pure steps that MkDocs repeats on every build.

MkDocs rebuilds the whole site on every change under ``mkdocs serve``. Most of that
work gives the same result as last time, because most of the input is the same.
Three steps cost most of a warm build:

- Pygments highlighting every code block (``pymdownx.highlight``);
- Material's search plugin parsing the HTML of every page into sections;
- Jinja compiling the theme's templates (Jinja's own bytecode cache does this one).

The first two are pure functions of their input text and options. Each is memoized
here by a hash of all its inputs, in memory across ``mkdocs serve`` rebuilds and on
disk (``.cache/build-memo/``) across builds. A memo never changes what is built:
the test suite builds the site with and without it (``DLF_BUILD_MEMO=off``) and
compares every byte. The file is keyed by the versions of the libraries patched,
written atomically, and holds only what the last build used, so it never grows.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import tempfile
from importlib import metadata
from pathlib import Path

LIBRARIES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "pygments", "markdown")


def enabled() -> bool:
    return os.environ.get("DLF_BUILD_MEMO", "on").lower() not in (
        "off",
        "0",
        "false",
        "no",
    )


def _versions() -> str:
    return ";".join(f"{name}={metadata.version(name)}" for name in LIBRARIES)


def digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class Memo:
    """A dictionary from input hashes to results, loaded from and saved to one file."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / f"memo-{digest(_versions())[:16]}.pickle"
        self.known: dict[str, object] = {}
        self.used: dict[str, object] = {}
        self.loaded_from: Path | None = None

    def load(self) -> None:
        """Read the file once per process (a damaged or foreign file is ignored)."""
        if self.loaded_from == self.path or not self.path.is_file():
            return
        try:
            self.known = pickle.loads(self.path.read_bytes())
        except Exception:  # a half-written or incompatible file: start afresh
            self.known = {}
        self.loaded_from = self.path

    def get(self, key: str, compute):
        """The stored result for ``key``, or ``compute()`` stored under it."""
        if key not in self.used:
            self.used[key] = self.known[key] if key in self.known else compute()
        return self.used[key]

    def save(self) -> None:
        """Keep what this build used (in memory and on disk); forget the rest."""
        self.known, self.used = self.used, {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for old in self.path.parent.glob("memo-*.pickle"):
            if old != self.path:
                old.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(self.known, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


MEMO: Memo | None = None


def install(folder: Path) -> Memo:
    """Memoize highlighting and search parsing (once per process); the memo in use."""
    global MEMO
    if MEMO is None:
        MEMO = Memo(folder)
        _memoize_highlighting()
        _memoize_search_parsing()
    MEMO.path = Memo(folder).path
    MEMO.load()
    return MEMO


def _memoize_highlighting() -> None:
    from pymdownx.highlight import Highlight

    highlight = Highlight.highlight

    def memoized(self, *args, **kwargs):
        # A title in HTML mode is stored in the page's Markdown stash (a side effect):
        # blocks with titles are always highlighted afresh.
        titled = kwargs.get("title") or self.auto_title
        if MEMO is None or not enabled() or titled:
            return highlight(self, *args, **kwargs)
        # every option of the highlighter, except the Markdown instance it belongs to
        options = sorted(
            (name, repr(value)) for name, value in vars(self).items() if name != "md"
        )
        key = digest("highlight", options, args, sorted(kwargs.items()))
        return MEMO.get(key, lambda: highlight(self, *args, **kwargs))

    Highlight.highlight = memoized


def _memoize_search_parsing() -> None:
    from material.plugins.search import plugin as search

    parser = search.Parser

    class MemoizedParser(parser):
        """Material's parser, run only for HTML it has not parsed before."""

        def feed(self, data):
            self._text = getattr(self, "_text", "") + data

        def close(self):
            def parse():
                parser.feed(self, self._text)
                parser.close(self)
                return self.data

            if MEMO is None or not enabled():
                parse()
                return
            sections = MEMO.get(digest("search", self._text), parse)
            # the index may give a section a title: never let it write into the memo
            self.data = [copy.copy(section) for section in sections]

    search.Parser = MemoizedParser
