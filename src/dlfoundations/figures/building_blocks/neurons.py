"""Figures of the chapter Artificial neurons and perceptrons
(``docs/building-blocks/neurons.md``)."""

import numpy as np

from dlfoundations.building_blocks.neurons import (
    XOR_INPUTS,
    XOR_LABELS,
    neuron,
    separable_data,
    step,
    train_perceptron,
    train_two_layer,
    two_layer_forward,
    weighted_sum,
    xor_network,
)
from dlfoundations.figures.toolkit import LARGE_SIZE, SMALL_SIZE, figure, new_figure
from dlfoundations.foundations.functions import sigmoid

GRID = np.linspace(-1.5, 1.5, 241)
CLASS_COLORS = ("C0", "C3")


def _scatter(ax, x, y, size=30):
    for label, color, marker in ((0, CLASS_COLORS[0], "o"), (1, CLASS_COLORS[1], "s")):
        points = x[y == label]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            c=color,
            marker=marker,
            s=size,
            edgecolors="white",
            linewidths=0.6,
            label=f"class {label}",
            zorder=3,
        )


def _boundary(ax, weights, bias, xs, **style):
    """Draw the line w1 x1 + w2 x2 + b = 0 over the x1-range xs."""
    w1, w2 = weights
    if abs(w2) > 1e-12:
        ax.plot(xs, -(w1 * xs + bias) / w2, **style)
    else:
        ax.axvline(-bias / w1, **style)


@figure
def neuron_as_a_line():
    weights, bias = np.array([1.0, 2.0]), -0.5
    x1, x2 = np.meshgrid(GRID, GRID)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    fig, axes = new_figure(ncols=2, width=9.0, height=4.0)
    for ax, activation, title in (
        (axes[0], step, "step activation"),
        (axes[1], sigmoid, "sigmoid activation"),
    ):
        out = neuron(points, weights, bias, activation).reshape(x1.shape)
        shading = ax.contourf(
            x1, x2, out, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8
        )
        _boundary(ax, weights, bias, GRID, color="black", linewidth=1.5)
        ax.annotate(
            "",
            xy=(0.2 + 0.4 * weights[0], 0.15 + 0.4 * weights[1]),
            xytext=(0.2, 0.15),
            arrowprops={"arrowstyle": "->", "linewidth": 2},
        )
        ax.text(0.55, 0.9, "$w$", fontsize=LARGE_SIZE)
        ax.text(
            -1.4,
            -1.3 * 0.5 + 0.55,
            "$w^\\top x + b = 0$",
            fontsize=SMALL_SIZE,
            rotation=-22,
        )
        ax.set(
            xlim=(-1.5, 1.5),
            ylim=(-1.5, 1.5),
            aspect="equal",
            xlabel="$x_1$",
            ylabel="$x_2$",
            title=f"{title}: $h = a(x_1 + 2x_2 - 0.5)$",
        )
        ax.grid(False)
    fig.colorbar(shading, ax=axes, label="neuron output $h$", shrink=0.85)
    return fig


@figure
def perceptron_epochs():
    x, y = separable_data()
    run = train_perceptron(x, y)
    last = len(run.history)
    shown = sorted({1, 2, 3, last // 2, last})[-5:]
    fig, axes = new_figure(ncols=3, nrows=2, width=10.0, height=6.6)
    xs = np.linspace(0, 2, 2)
    for ax, epoch in zip(axes.flat, shown):
        w, b = run.history[epoch - 1]
        wrong = step(x @ w + b) != y
        _scatter(ax, x, y, size=22)
        ax.scatter(
            x[wrong, 0],
            x[wrong, 1],
            s=70,
            facecolors="none",
            edgecolors="black",
            linewidths=1.2,
            label="misclassified",
            zorder=4,
        )
        _boundary(
            ax,
            np.array([-0.5, 1.0]),
            -0.6,
            xs,
            color="gray",
            linestyle=":",
            linewidth=1.2,
        )  # the true line
        _boundary(ax, w, b, xs, color="black", linewidth=2)
        ax.set(
            xlim=(0, 2),
            ylim=(0, 2),
            aspect="equal",
            xticks=[0, 1, 2],
            yticks=[0, 1, 2],
            title=f"after epoch {epoch}: {wrong.sum()} wrong",
        )
    axes[0, 0].legend(loc="lower right", handletextpad=0.2)
    bars = axes.flat[-1]
    epochs = np.arange(1, last + 1)
    bars.bar(epochs, run.errors, color="C2")
    bars.set(
        xlabel="epoch",
        ylabel="mistakes during the epoch",
        xticks=epochs,
        title=f"Updates stop at epoch {last}",
    )
    return fig


@figure
def xor_perceptron():
    fig, (left, right) = new_figure(
        ncols=2, width=10.0, height=4.0, gridspec_kw={"width_ratios": [1, 1.4]}
    )
    _scatter(left, XOR_INPUTS, XOR_LABELS, size=80)
    xs = np.linspace(-0.5, 1.5, 2)
    attempts = [
        (np.array([1.0, 1.0]), -0.5, "$x_1 + x_2 = 0.5$"),
        (np.array([-1.0, 1.0]), -0.5, "$x_2 - x_1 = 0.5$"),
        (np.array([1.0, 0.0]), -0.5, "$x_1 = 0.5$"),
    ]
    for (w, b, equation), color in zip(attempts, ("C2", "C4", "C1")):
        wrong = int(np.sum(step(weighted_sum(XOR_INPUTS, w, b)) != XOR_LABELS))
        _boundary(
            left,
            w,
            b,
            xs,
            color=color,
            linewidth=1.5,
            linestyle="--",
            label=f"{equation}: {wrong} wrong",
        )
    left.set(
        xlim=(-0.5, 1.5),
        ylim=(-1.2, 1.5),
        aspect="equal",
        xlabel="$x_1$",
        ylabel="$x_2$",
        title="XOR: every line gets a point wrong",
    )
    handles, labels = left.get_legend_handles_labels()
    left.legend(handles[2:], labels[2:], loc="lower center")
    for labels, name, style in (
        ([0, 0, 0, 1], "AND", "o-"),
        ([0, 1, 1, 1], "OR", "s-"),
        (XOR_LABELS, "XOR", "^-"),
    ):
        errors = train_perceptron(XOR_INPUTS, labels, max_epochs=40).errors
        errors = errors + [0] * (
            40 - len(errors)
        )  # a converged run makes no more mistakes
        right.plot(np.arange(1, 41), errors, style, markersize=4, label=name)
    right.set(
        xlabel="epoch",
        ylabel="mistakes in the epoch (of 4)",
        yticks=range(5),
        title="The perceptron learns AND and OR, never XOR",
    )
    right.legend()
    return fig


@figure
def xor_decision_regions():
    x1, x2 = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
    points = np.column_stack([x1.ravel(), x2.ravel()])
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.4)
    by_hand = xor_network(points).reshape(x1.shape)
    left.contourf(
        x1, x2, by_hand, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"]
    )
    xs = np.linspace(-0.5, 1.5, 2)
    left.plot(
        xs,
        0.5 - xs,
        "--",
        color="C2",
        linewidth=1.2,
        label="hidden OR: $x_1 + x_2 = 0.5$",
    )
    left.plot(
        xs,
        1.5 - xs,
        "--",
        color="C4",
        linewidth=1.2,
        label="hidden AND: $x_1 + x_2 = 1.5$",
    )
    left.set(title="Hand-set weights: OR and not AND")
    params = train_two_layer(XOR_INPUTS, XOR_LABELS, seed=0)
    _, p = two_layer_forward(params, points)
    shading = right.contourf(
        x1,
        x2,
        p.reshape(x1.shape),
        levels=np.linspace(0, 1, 11),
        cmap="RdBu_r",
        alpha=0.7,
    )
    right.contour(
        x1, x2, p.reshape(x1.shape), levels=[0.5], colors="black", linewidths=1.5
    )
    fig.colorbar(shading, ax=right, label="predicted $p(y = 1 \\mid x)$")
    right.set(title="Trained: 8 tanh units, gradient descent")
    for ax in (left, right):
        _scatter(ax, XOR_INPUTS, XOR_LABELS, size=90)
        ax.set(
            xlim=(-0.5, 1.5),
            ylim=(-0.5, 1.5),
            aspect="equal",
            xlabel="$x_1$",
            ylabel="$x_2$",
        )
        ax.grid(False)
    left.legend(loc="upper right")
    return fig
