"""Figures of the chapter Backpropagation in deep networks
(``docs/backpropagation/deep-networks.md``)."""

import numpy as np
from matplotlib.patches import FancyBboxPatch

from dlfoundations.backpropagation.deep_networks import network_gradients
from dlfoundations.building_blocks.feedforward import (
    init_mlp,
    mlp_forward,
    squared_error,
)
from dlfoundations.figures.toolkit import LARGE_SIZE, SMALL_SIZE, figure, new_figure
from dlfoundations.foundations.derivatives import numerical_gradient

WIDTHS = [2, 8, 8, 8, 8, 1]


def _box(ax, x, y, text, color="#e8eaf6"):
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.42, y - 0.3),
            0.84,
            0.6,
            boxstyle="round,pad=0.05",
            fc=color,
            ec="black",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=LARGE_SIZE)


def _arrow(ax, start, end, color):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5},
    )


@figure
def forward_backward_flow():
    fig, ax = new_figure(width=12.0, height=4.6)
    ax.axis("off")
    ax.set(xlim=(-0.7, 10.9), ylim=(-3.1, 1.6))
    nodes = [
        (0, "$h_0 = x$"),
        (2, "$f_0$"),
        (4, "$h_1$"),
        (6, "$f_1$"),
        (8, "$h_2 \\;\\cdots\\; f_{K-1}$"),
        (10, r"$\ell$"),
    ]
    for x, text in nodes:
        _box(ax, x, 0, text)
    forward_ops = [
        r"$\beta_0 + \Omega_0 h_0$",
        "ReLU",
        r"$\beta_1 + \Omega_1 h_1$",
        "ReLU",
        r"$\|f_{K-1} - y\|^2$",
    ]
    backward_ops = [
        r"$\partial \ell/\partial h_0 = \Omega_0^T\, \partial \ell/\partial f_0$",
        r"$\partial \ell/\partial f_0 = \mathbb{I}[f_0 > 0]"
        r" \odot \partial \ell/\partial h_1$",
        r"$\partial \ell/\partial h_1 = \Omega_1^T\, \partial \ell/\partial f_1$",
        r"$\partial \ell/\partial f_1 = \mathbb{I}[f_1 > 0]"
        r" \odot \partial \ell/\partial h_2$",
        r"$\partial \ell/\partial f_{K-1} = 2(f_{K-1} - y)$",
    ]
    for i, (forward, backward) in enumerate(zip(forward_ops, backward_ops)):
        x = 2 * i
        _arrow(ax, (x + 0.5, 0.1), (x + 1.5, 0.1), "C0")
        _arrow(ax, (x + 1.5, -0.1), (x + 0.5, -0.1), "C3")
        ax.text(x + 1, 0.5, forward, ha="center", color="C0")
        ax.text(
            x + 1,
            -0.75 if i % 2 == 0 else -1.15,
            backward,
            ha="center",
            color="C3",
        )
    for k, x in enumerate((2, 6)):
        _box(ax, x, -2.5, f"$\\Omega_{k}, \\beta_{k}$", color="#fde0dc")
        _arrow(ax, (x, -0.38), (x, -2.15), "C3")
        ax.text(
            x + 0.1,
            -1.75,
            f"$\\partial \\ell/\\partial \\Omega_{k}"
            f" = \\partial \\ell/\\partial f_{k}\\; h_{k}^T$",
            color="C3",
        )
        ax.text(
            x + 0.1,
            -2.1,
            f"$\\partial \\ell/\\partial \\beta_{k} = \\partial \\ell/\\partial f_{k}$",
            color="C3",
        )
    ax.text(
        -0.6,
        1.35,
        "forward pass: compute and store every $f_k$ and $h_k$",
        color="C0",
    )
    ax.text(
        -0.6,
        -3.05,
        "backward pass: reuse them, from the loss back to the input",
        color="C3",
    )
    return fig


@figure
def gradient_check():
    weights, biases = init_mlp(WIDTHS, seed=3)
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 2, size=(20, WIDTHS[0]))
    y = np.sin(2 * x[:, :1]) + x[:, 1:]
    _, weight_gradients, bias_gradients = network_gradients(x, y, weights, biases)
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.2)
    largest = 0.0
    for k, (omega, beta) in enumerate(zip(weights, biases)):

        def loss_of_layer(p, k=k, omega=omega):
            trial = list(weights), list(biases)
            trial[0][k], trial[1][k] = (
                p[: omega.size].reshape(omega.shape),
                p[omega.size :],
            )
            return np.mean(squared_error(mlp_forward(x, *trial), y))

        numeric = numerical_gradient(
            loss_of_layer, np.concatenate([omega.ravel(), beta])
        )
        analytic = np.concatenate([weight_gradients[k].ravel(), bias_gradients[k]])
        largest = max(largest, np.max(np.abs(numeric - analytic)))
        left.plot(numeric, analytic, "o", markersize=4, alpha=0.7, label=f"layer {k}")
    limit = np.max(np.abs(left.get_xlim()))
    left.text(
        0.97,
        0.03,
        f"largest difference: {largest:.1e}",
        transform=left.transAxes,
        ha="right",
        fontsize=SMALL_SIZE,
    )
    left.plot([-limit, limit], [-limit, limit], color="gray", linewidth=1, zorder=0)
    left.set(
        xlabel="central difference",
        ylabel="backpropagation",
        title="Every parameter's gradient, two ways",
    )
    left.legend(ncols=2)
    layers = np.arange(len(weights))
    right.bar(
        layers - 0.2,
        [np.linalg.norm(g) for g in weight_gradients],
        0.4,
        label=r"$\|\partial L / \partial \Omega_k\|$",
    )
    right.bar(
        layers + 0.2,
        [np.linalg.norm(g) for g in bias_gradients],
        0.4,
        label=r"$\|\partial L / \partial \beta_k\|$",
    )
    right.set(
        xlabel="layer $k$",
        ylabel="norm of the gradient",
        title="Gradient size per layer",
        xticks=layers,
    )
    right.legend()
    return fig
