"""Every figure of the book, drawn from the package at build time.

A figure is a function decorated with :func:`figure` in a chapter module
``figures/<part>/<chapter>.py``, which mirrors the page ``docs/<part>/<chapter>.md``
(module names hold underscores where page names hold dashes). It takes no arguments
and returns a matplotlib ``Figure``. Its name is ``<part>/<chapter>/<function>``
with dashes for underscores, as on the site, and the build renders it to
``figures/<part>/<chapter>/<function>.svg``: ``finite_difference_error`` in
``figures/foundations/derivatives.py`` becomes
``figures/foundations/derivatives/finite-difference-error.svg``, which the page
``docs/foundations/derivatives.md`` shows with
``![alt text](../figures/foundations/derivatives/finite-difference-error.svg)``
(relative to the page's file), in the light or the dark variant as the reader's colour
scheme asks. ``python -m dlfoundations.figures --list`` lists every figure by name.

A figure module imports what it needs in one line from
:mod:`dlfoundations.figures.toolkit`: this decorator, ``new_figure`` and the shared
plot helpers.

Build every figure outside MkDocs with ``python -m dlfoundations.figures``.
"""

from collections.abc import Callable

FigureFunction = Callable[[], "matplotlib.figure.Figure"]  # noqa: F821 (matplotlib is imported lazily)


def figure(function: FigureFunction) -> FigureFunction:
    """Mark ``function`` as a figure of the book.

    The build finds figures by reading the source for this decorator, so it works
    out which figures are stale without importing (and so without running) any of them.
    """
    function.is_book_figure = True
    return function
