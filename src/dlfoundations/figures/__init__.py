"""Every figure of the book, drawn from the package at build time.

A figure is a function in one of this package's chapter modules (``functions.py``,
``derivatives.py``, ...) decorated with :func:`figure`. It takes no arguments and
returns a matplotlib ``Figure``. The build renders it to
``figures/<module>/<function-name>.svg`` (underscores become dashes), so a page
shows it with ``![alt text](../figures/derivatives/finite-difference-error.svg)``.

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
