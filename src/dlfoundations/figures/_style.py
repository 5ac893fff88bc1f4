"""One look for every figure, and the settings that make SVG output byte-for-byte reproducible."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "svg.hashsalt": "dlfoundations",  # fixed ids for clip paths: identical bytes on every build
    "svg.fonttype": "path",  # glyphs as paths: no font needs to be served
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "font.size": 10,
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
    """Return ``(figure, axes)`` in the book's style; the figure is not registered with pyplot."""
    from matplotlib.figure import Figure

    apply_style()
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes
