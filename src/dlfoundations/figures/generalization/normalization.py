"""Figures of the chapter Normalization (``docs/generalization/normalization.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.normalization import (
    batch_norm,
    initial_spreads,
    layer_norm,
    normalization_sweep,
)

COLORS = {
    "plain": "C7",
    "plain, He init": "C2",
    "batch norm": "C0",
    "layer norm": "C3",
}


def _example_batch() -> np.ndarray:
    """8 examples of 6 units, each unit with its own offset and scale."""
    rng = np.random.default_rng(1)
    offsets, scales = np.array([-4, 0, 3, 8, 1, -2]), np.array([1, 3, 0.5, 2, 6, 1])
    return offsets + scales * rng.standard_normal((8, 6))


@figure
def what_is_normalized():
    x = _example_batch()
    ones, zeros = np.ones(6), np.zeros(6)
    batch_out, _, _ = batch_norm(x, ones, zeros)
    layer_out, _, _ = layer_norm(x, ones, zeros)
    fig, axes = new_figure(ncols=3, width=12.5, height=3.8)
    column_means = np.abs(batch_out.mean(axis=0)).max()
    column_stds = batch_out.std(axis=0)
    row_means = np.abs(layer_out.mean(axis=1)).max()
    row_stds = layer_out.std(axis=1)
    panels = (
        (x, 10, "The batch x: 8 examples, 6 units"),
        (
            batch_out,
            2.5,
            f"Batch norm: each column (unit)\nmean 0 (largest {column_means:.0e}), "
            f"std {column_stds.min():.3f} to {column_stds.max():.3f}",
        ),
        (
            layer_out,
            2.5,
            f"Layer norm: each row (example)\nmean 0 (largest {row_means:.0e}), "
            f"std {row_stds.min():.3f} to {row_stds.max():.3f}",
        ),
    )
    for ax, (values, limit, title) in zip(axes, panels):
        image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        ax.set(xlabel="unit", ylabel="example", title=title)
        ax.set_xticks(range(6))
        ax.set_yticks(range(8))
        ax.grid(False)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


@figure
def spread_at_initialization():
    spreads = initial_spreads()
    fig, ax = new_figure(width=7.0, height=4.2)
    for variant, spread in spreads.items():
        layers = np.arange(1, len(spread) + 1)
        ax.semilogy(
            layers,
            spread,
            "o-",
            markersize=3,
            color=COLORS[variant],
            label=f"{variant}: {spread[-1]:.2g} at layer {len(spread)}",
        )
    ax.set(
        xlabel="hidden layer $k$",
        ylabel="std over examples of the ReLU input",
        title="Before training: how much each layer's input varies across examples",
    )
    ax.legend()
    return fig


def _final(losses: np.ndarray) -> np.ndarray:
    """The last epoch's loss, or NaN for a run that diverged."""
    return np.where(np.isfinite(losses[..., -1]), losses[..., -1], np.nan)


@figure
def training_with_normalization():
    results = normalization_sweep()
    variants, lrs = list(results["variants"]), np.asarray(results["lrs"])
    shown = int(np.argmin(np.abs(lrs - 0.1)))
    fig, (curve_ax, lr_ax, dead_ax) = new_figure(ncols=3, width=13.5, height=4.4)
    epochs = np.arange(1, results["train_loss"].shape[-1] + 1)
    for i, variant in enumerate(variants):
        color = COLORS[variant]
        curve_ax.plot(
            epochs, results["train_loss"][i, shown], color=color, label=variant
        )
        curve_ax.plot(
            epochs, results["test_loss"][i, shown], ":", color=color, linewidth=1.2
        )
        final = _final(results["train_loss"][i])
        lr_ax.semilogx(lrs, final, "o-", color=color, label=variant)
        diverged = ~np.isfinite(final)
        lr_ax.semilogx(
            lrs[diverged], np.full(diverged.sum(), 2.45), "x", color=color, markersize=9
        )
        dead_ax.semilogx(
            lrs, 100 * results["dead_share"][i], "o-", color=color, label=variant
        )
    curve_ax.set(
        xlabel="epoch",
        ylabel="cross-entropy loss",
        title=f"lr {lrs[shown]:g}: training (solid), test (dotted)",
    )
    lr_ax.axhline(np.log(10), color="gray", linestyle=":", linewidth=1)
    lr_ax.annotate(
        "log 10: chance",
        xy=(lrs[0], np.log(10)),
        xytext=(0, -12),
        textcoords="offset points",
        color="gray",
    )
    lr_ax.set(
        xlabel="learning rate $\\eta$",
        ylabel=f"training loss after {len(epochs)} epochs",
        ylim=(1.0, 2.5),
        title="Which learning rates train",
    )
    dead_ax.set(
        xlabel="learning rate $\\eta$",
        ylabel="dead hidden units (%)",
        title="After training: units with ReLU input <= 0\nfor every test example",
    )
    fig.legend(*lr_ax.get_legend_handles_labels(), loc="outside lower center", ncols=4)
    return fig
