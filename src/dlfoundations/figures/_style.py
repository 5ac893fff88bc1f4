"""One look for every figure, and the settings that make SVG output byte-for-byte
reproducible.

Every size of text is set here, once: titles, axis labels, ticks and legends follow
the style, so a figure passes no ``fontsize``. Text that must differ from the style
(the notes and symbols of a diagram) names one of the sizes below, never a number.

The figure and its axes have no background of their own: the page shows through, white
in the light scheme (``docs/stylesheets/extra.css``) and slate in the dark one, where
the build shows the figure's dark variant (:mod:`dlfoundations.figures._dark`).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

FONT_SIZE = 10  # titles, axis labels, and text drawn on a plot
TICK_SIZE = 9  # tick labels
SMALL_SIZE = 8  # legends, bar labels, small notes beside the data
LARGE_SIZE = 12  # the symbols in the boxes of a diagram

STYLE = {
    # fixed ids for clip paths: identical bytes on every build
    "svg.hashsalt": "dlfoundations",
    "svg.fonttype": "path",  # glyphs as paths: no font needs to be served
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "figure.facecolor": "none",  # the page shows through (see above)
    "axes.facecolor": "none",
    "legend.facecolor": "white",  # a framed legend hides what lies under it
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "figure.titlesize": FONT_SIZE + 1,
    "xtick.labelsize": TICK_SIZE,
    "ytick.labelsize": TICK_SIZE,
    "legend.fontsize": SMALL_SIZE,
    "legend.title_fontsize": SMALL_SIZE,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
}

SVG_METADATA = {"Date": None}  # no timestamp in the file


def apply_style() -> None:
    """Apply the book's plotting style to matplotlib's global settings."""
    plt.rcParams.update(STYLE)


def new_figure(
    ncols: int = 1, nrows: int = 1, width: float = 6.4, height: float = 4.0, **kwargs
):
    """Return ``(figure, axes)`` in the book's style; the figure is not registered
    with pyplot."""
    from matplotlib.figure import Figure

    apply_style()
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes
