"""Figures of the chapter Double descent (``docs/generalization/double-descent.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.double_descent import (
    double_descent_sweep,
    peak_parameters_per_example,
)


def _threshold(ax, n_train: int) -> None:
    """A dashed line where the parameters are as many as the training examples."""
    ax.axvline(n_train, color="gray", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("parameters of the network (log scale)")


def _runs_and_mean(ax, parameters, values, color, label) -> None:
    """Each run as a faint dot, their mean as a line."""
    for run in values:
        ax.plot(parameters, run, ".", color=color, alpha=0.4, markersize=5)
    ax.plot(parameters, values.mean(axis=0), "o-", color=color, label=label)


@figure
def double_descent_curve():
    sweep = double_descent_sweep()
    parameters, n_train = sweep["parameters"], sweep["n_train"]
    fig, ax = new_figure(width=7.4, height=4.4)
    _runs_and_mean(ax, parameters, sweep["train_error"], "C0", "training error")
    _runs_and_mean(ax, parameters, sweep["test_error"], "C3", "test error")
    _threshold(ax, n_train)
    peak = peak_parameters_per_example(sweep) * n_train
    highest = sweep["test_error"].mean(axis=0).max()
    ax.annotate(
        f"peak: {highest:.1%} at {peak:,.0f} parameters",
        xy=(peak, highest),
        xytext=(parameters[0], highest + 0.08),
        arrowprops={"arrowstyle": "->", "color": "C3"},
        color="C3",
    )
    widest = sweep["test_error"].mean(axis=0)[-1]
    ax.annotate(
        f"{widest:.1%}",
        xy=(parameters[-1], widest),
        xytext=(parameters[-1] * 0.55, widest + 0.07),
        arrowprops={"arrowstyle": "->", "color": "C3"},
        color="C3",
    )
    ax.text(n_train * 1.08, 0.7, f"parameters = N = {n_train:,}", color="gray")
    ax.set(
        ylabel="error rate (share of examples misclassified)",
        ylim=(0, 0.75),
        title=f"MNIST-1D: {n_train:,} training examples, "
        f"{sweep['label_noise']:.0%} of their labels wrong",
    )
    ax.legend(loc="center right")
    return fig


@figure
def loss_against_parameters():
    sweep = double_descent_sweep()
    parameters, n_train = sweep["parameters"], sweep["n_train"]
    fig, ax = new_figure(width=7.4, height=4.4)
    _runs_and_mean(ax, parameters, sweep["train_loss"], "C0", "training loss")
    _runs_and_mean(ax, parameters, sweep["test_loss"], "C3", "test loss")
    _threshold(ax, n_train)
    test_loss = sweep["test_loss"].mean(axis=0)
    peak = int(np.argmax(test_loss))
    ax.annotate(
        f"peak: {test_loss[peak]:.1f} at {parameters[peak]:,} parameters",
        xy=(parameters[peak], test_loss[peak]),
        xytext=(parameters[0], test_loss[peak] * 1.6),
        arrowprops={"arrowstyle": "->", "color": "C3"},
        color="C3",
    )
    ax.set_yscale("log")
    ax.set(
        ylabel="cross-entropy (log scale)",
        ylim=(None, test_loss[peak] * 3),
        title="The test loss peaks where the training labels are first all fitted",
    )
    ax.legend(loc="lower left")
    return fig
