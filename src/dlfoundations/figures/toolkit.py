"""The figure toolkit: what every figure module uses, imported in one line,

    from dlfoundations.figures.toolkit import figure, filled_contours, new_figure

- :func:`figure` marks a function as a figure of the book;
- :func:`new_figure` makes a figure and its axes in the book's style
  (:mod:`dlfoundations.figures._style`, where every size of text is set);
- ``SMALL_SIZE`` and ``LARGE_SIZE`` name the sizes of text that must differ from the
  style's, such as the notes and symbols of a diagram;
- :func:`filled_contours`, :func:`iterates` and :func:`mark_minimum` draw what several
  figures show, the same way everywhere: a function of two variables, a path of
  iterates on it, and its minimum.

Every figure's cache key includes this module (and every other module of the figures
package): editing a helper redraws every figure.
"""

from collections.abc import Callable

import numpy as np

from dlfoundations.figures import figure
from dlfoundations.figures._style import LARGE_SIZE, SMALL_SIZE, new_figure

__all__ = [
    "LARGE_SIZE",
    "SMALL_SIZE",
    "figure",
    "filled_contours",
    "iterates",
    "mark_minimum",
    "new_figure",
]

CONTOUR_MAP = "Blues"  # the colour map of a loss landscape
CONTOUR_LINES = "gray"


def filled_contours(
    ax,
    function: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    levels=24,
    *,
    lowest: float | None = None,
    log: bool = True,
    samples: int = 201,
    cmap: str = CONTOUR_MAP,
    alpha: float = 0.8,
    lines: str = CONTOUR_LINES,
):
    """Draw the filled contours of ``function`` over the rectangle ``xlim`` by ``ylim``
    on ``ax``, with thin contour lines, equal scales on both axes and no grid.

    ``function`` takes the points of the plane stacked as one array ``(2, ...)`` (the
    ``x`` and ``y`` of every point), as the package's losses do. ``levels`` is a number
    of levels, log-spaced from ``lowest`` (by default the smallest value) to the largest
    value, so that rings show near the minimum too; ``log=False`` leaves the levels to
    matplotlib; an array gives them. The fill is one embedded image, a small file.
    Return the filled contour set (for a colour bar).
    """
    xs, ys = np.meshgrid(np.linspace(*xlim, samples), np.linspace(*ylim, samples))
    values = function(np.stack([xs, ys]))
    if log and np.ndim(levels) == 0:
        bottom = values.min() if lowest is None else lowest
        levels = np.geomspace(bottom, values.max(), levels)
    filled = ax.contourf(xs, ys, values, levels=levels, cmap=cmap, alpha=alpha)
    filled.set_rasterized(True)
    ax.contour(xs, ys, values, levels=filled.levels, colors=lines, linewidths=0.4)
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.grid(False)
    return filled


def iterates(ax, path: np.ndarray, color: str, label: str | None = None, **style):
    """Draw a path of iterates ``(steps, 2)`` on ``ax``: each point, joined in order."""
    style = {"markersize": 3, "linewidth": 1.2} | style
    return ax.plot(path[:, 0], path[:, 1], "o-", color=color, label=label, **style)


def mark_minimum(ax, point, label: str | None = None):
    """Mark the minimum ``point`` ``(x, y)`` with a gold star, above everything else."""
    return ax.plot(
        [point[0]],
        [point[1]],
        linestyle="none",
        marker="*",
        color="gold",
        markersize=14,
        markeredgecolor="black",
        zorder=5,
        label=label,
    )
