"""Figures of the chapter Shuffled positions
(``docs/architectures/shuffled-positions.md``)."""

import numpy as np

from dlfoundations.architectures.shuffled_positions import (
    PUBLISHED,
    final_test_accuracies,
    mnist1d_permutation,
    neighbour_correlation,
)
from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.mnist1d import mnist1d

CASES = (("ordered positions", False, "C0"), ("shuffled positions", True, "C3"))


@figure
def one_sequence_shuffled():
    ordered, shuffled = mnist1d(), mnist1d(shuffle_positions=True)
    permutation = mnist1d_permutation()
    fig, axes = new_figure(nrows=2, width=8.0, height=5.2, sharex=True)
    for ax, data, (name, _, color) in zip(axes, (ordered, shuffled), CASES):
        correlation = neighbour_correlation(data["x"])
        ax.plot(data["x"][0], "o-", color=color, markersize=3)
        ax.set(
            ylabel="x",
            title=f"{name}: neighbours correlate by {correlation:.2f} on average",
        )
    axes[0].set_title(f"digit {ordered['y'][0]}, " + axes[0].get_title(), loc="center")
    axes[1].set(xlabel="position")
    for j in (0, 1, 2):  # where the first shuffled values came from
        axes[1].annotate(
            f"from {permutation[j]}",
            (j, shuffled["x"][0, j]),
            textcoords="offset points",
            xytext=(4, 8),
        )
    return fig


@figure
def accuracy_ordered_and_shuffled():
    measured = final_test_accuracies()
    models = list(PUBLISHED)
    positions = np.arange(len(models))
    width = 0.38
    fig, ax = new_figure(width=8.0, height=4.6)
    for k, (name, _, color) in enumerate(CASES):
        left = positions + (k - 0.5) * width
        heights = [measured[model][k] for model in models]
        ax.bar(left, heights, width, color=color, alpha=0.8, label=f"{name}: here")
        published = [PUBLISHED[model][k] for model in models]
        ax.plot(
            left,
            published,
            "D",
            color="black",
            markerfacecolor=color,
            label=f"{name}: published",
        )
        for x, height in zip(left, heights):
            ax.annotate(f"{height:.2f}", (x, 0.02), ha="center", color="white")
    ax.axhline(0.1, color="gray", linestyle=":", linewidth=1.0, label="chance")
    ax.set_xticks(positions, models)
    ax.set(
        ylabel="test accuracy",
        ylim=(0, 1.25),
        yticks=np.linspace(0, 1, 6),
        title="MNIST-1D, the positions in their order and shuffled",
    )
    ax.legend(loc="upper center", ncols=3)
    return fig
