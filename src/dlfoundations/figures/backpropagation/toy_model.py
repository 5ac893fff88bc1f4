"""Figures of the chapter Backpropagation in a toy model
(``docs/backpropagation/toy-model.md``)."""

import numpy as np
from matplotlib.patches import FancyBboxPatch

from dlfoundations.backpropagation.toy_model import (
    ToyParameters,
    toy_backward,
    toy_forward,
    toy_gradients,
    toy_loss,
)
from dlfoundations.figures.toolkit import LARGE_SIZE, figure, new_figure

PARAMS = ToyParameters(
    beta0=1.0,
    beta1=2.0,
    beta2=1.0,
    beta3=3.0,
    omega0=0.5,
    omega1=0.3,
    omega2=0.5,
    omega3=-0.7,
)
X, Y = 0.75, 1.5

# (node name, LaTeX label, operation on the arrow into the next node,
#  local derivative of that arrow)
CHAIN = [
    ("x", "$x$", r"$\beta_0 + \omega_0\,\cdot$", r"$\omega_0$"),
    ("f0", "$f_0$", r"$\sin$", r"$\cos f_0$"),
    ("h1", "$h_1$", r"$\beta_1 + \omega_1\,\cdot$", r"$\omega_1$"),
    ("f1", "$f_1$", r"$\exp$", r"$e^{f_1}$"),
    ("h2", "$h_2$", r"$\beta_2 + \omega_2\,\cdot$", r"$\omega_2$"),
    ("f2", "$f_2$", r"$\cos$", r"$-\sin f_2$"),
    ("h3", "$h_3$", r"$\beta_3 + \omega_3\,\cdot$", r"$\omega_3$"),
    ("f3", "$f_3$", r"$(\cdot - y)^2$", r"$2(f_3 - y)$"),
    ("loss", r"$\ell$", None, None),
]


@figure
def computational_chain():
    forward = toy_forward(X, PARAMS)
    backward = toy_backward(Y, PARAMS, forward)
    values = {"x": X, **forward, "loss": toy_loss(X, Y, PARAMS)}
    derivatives = {**backward, "loss": 1.0}
    fig, ax = new_figure(width=12.0, height=3.2)
    ax.set(xlim=(-0.6, 2 * len(CHAIN) - 1.4), ylim=(-1.9, 1.5))
    ax.axis("off")
    for i, (name, label, operation, local) in enumerate(CHAIN):
        cx = 2 * i
        ax.add_patch(
            FancyBboxPatch(
                (cx - 0.45, -0.35),
                0.9,
                0.7,
                boxstyle="round,pad=0.05",
                fc="#e8eaf6",
                ec="black",
            )
        )
        ax.text(cx, 0.0, label, ha="center", va="center", fontsize=LARGE_SIZE)
        ax.text(cx, 0.62, f"{values[name]:.3f}", ha="center", color="C0")
        if name in derivatives:
            ax.text(
                cx,
                -0.72,
                f"{derivatives[name]:.3f}",
                ha="center",
                color="C3",
            )
        if operation is not None:
            ax.annotate(
                "",
                xy=(cx + 1.5, 0.12),
                xytext=(cx + 0.5, 0.12),
                arrowprops={"arrowstyle": "->", "color": "C0"},
            )
            ax.annotate(
                "",
                xy=(cx + 0.5, -0.12),
                xytext=(cx + 1.5, -0.12),
                arrowprops={"arrowstyle": "->", "color": "C3"},
            )
            ax.text(cx + 1.0, 1.05, operation, ha="center", color="C0")
            ax.text(
                cx + 1.0,
                -1.25,
                r"$\times$ " + local,
                ha="center",
                color="C3",
            )
    ax.text(
        -0.6,
        1.35,
        "forward: values (blue), the operation of each step above it",
        color="C0",
    )
    ax.text(
        -0.6,
        -1.8,
        r"backward: $\partial \ell / \partial(\cdot)$ (red), "
        "each the next one times the local derivative",
        color="C3",
    )
    return fig


@figure
def gradient_tangents():
    gradient = toy_gradients(X, Y, PARAMS)
    fig, axes = new_figure(ncols=4, nrows=2, width=11.0, height=5.0, sharey=True)
    for ax, name in zip(axes.flat, ToyParameters._fields):
        value = getattr(PARAMS, name)
        grid = np.linspace(value - 1.0, value + 1.0, 201)
        losses = [toy_loss(X, Y, PARAMS._replace(**{name: t})) for t in grid]
        slope = getattr(gradient, name)
        ax.plot(grid, losses, color="black", linewidth=1.5, label=r"$\ell$")
        near = np.abs(grid - value) <= 0.3
        ax.plot(
            grid[near],
            toy_loss(X, Y, PARAMS) + slope * (grid[near] - value),
            color="C3",
            label="backprop slope",
        )
        ax.plot([value], [toy_loss(X, Y, PARAMS)], "o", color="C3")
        symbol = "\\" + name[:-1] + "_" + name[-1]
        ax.set_title(f"$\\partial \\ell / \\partial {symbol} = {slope:.3f}$")
        ax.set_xlabel(f"${symbol}$")
    axes[0, 0].set(ylim=(-0.5, 8.0), ylabel="loss")
    axes[1, 0].set_ylabel("loss")
    axes[0, 0].legend(loc="upper left")
    return fig
