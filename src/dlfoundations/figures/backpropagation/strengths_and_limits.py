"""Figures of the chapter Backpropagation: strengths and limits
(``docs/backpropagation/strengths-and-limits.md``)."""

import numpy as np

from dlfoundations.backpropagation.deep_networks import forward_pass
from dlfoundations.backpropagation.initialization import train_network
from dlfoundations.backpropagation.strengths_and_limits import (
    activation_floats,
    checkpointed_floats,
    layer_gradient_norms,
    noisy_sine_task,
    saddle,
    saddle_gradient,
    stored_floats,
)
from dlfoundations.building_blocks.feedforward import init_mlp, mlp_forward
from dlfoundations.figures.toolkit import figure, filled_contours, iterates, new_figure
from dlfoundations.optimization.gradient_descent import gradient_descent
from dlfoundations.optimization.problems import two_minima, two_minima_derivative

WIDTH = 64


@figure
def activation_memory():
    depths = np.arange(1, 65)
    fig, ax = new_figure(width=6.6, height=4.2)
    for batch_size, color in ((16, "C0"), (64, "C1"), (256, "C3")):
        counts = [activation_floats([WIDTH] * (K + 1), batch_size) for K in depths]
        ax.plot(
            depths, np.array(counts) / 1e6, color=color, label=f"batch {batch_size}"
        )
    rng = np.random.default_rng(0)
    for K in (8, 24, 40, 56):  # the same numbers, counted on forward_pass's arrays
        weights, biases = init_mlp([WIDTH] * (K + 1), seed=K)
        fs, hs = forward_pass(rng.normal(size=(256, WIDTH)), weights, biases)
        measured = stored_floats(fs + hs) / 1e6
        ax.plot(K, measured, "o", color="C3", label="counted" if K == 8 else None)
    parameters = depths * WIDTH * (WIDTH + 1)
    ax.plot(depths, parameters / 1e6, "k--", linewidth=1.2, label="parameters")
    ax.set(
        xlabel="number of layers $K$",
        ylabel="millions of floats",
        title=f"Activations kept for the backward pass, width {WIDTH}",
    )
    ax.legend()
    return fig


def _layers_worth(K: int, segment_length: int) -> float:
    """Activations kept with checkpointing, in units of one layer's B x D floats."""
    return checkpointed_floats([WIDTH] * (K + 1), 1, segment_length) / WIDTH


@figure
def checkpointing_memory():
    fig, (left, right) = new_figure(ncols=2, width=11.0, height=4.2)
    K = 64
    lengths = np.arange(1, K + 1)
    kept = [_layers_worth(K, S) for S in lengths]
    left.plot(lengths, kept, "o-", color="C0", markersize=3, label="checkpointing")
    left.axhline(2 * K, color="C3", linestyle="--", label="plain backpropagation")
    best = np.sqrt(K / 2)
    left.axvline(best, color="gray", linestyle=":", label=r"$S = \sqrt{K/2}$")
    left.set(
        xscale="log",
        xlabel="segment length $S$ (layers between checkpoints)",
        ylabel="activations kept, in layers ($B D$ floats each)",
        title=f"$K = {K}$ layers: memory against segment length",
    )
    left.set_xticks(
        [1, 2, 4, 8, 16, 32, 64], labels=["1", "2", "4", "8", "16", "32", "64"]
    )
    left.legend(loc="upper left", bbox_to_anchor=(0.1, 0.88))
    depths = np.arange(2, 129)
    smallest = [min(_layers_worth(K, S) for S in range(1, K + 1)) for K in depths]
    right.plot(depths, 2 * depths, color="C3", label="plain: $2K$")
    right.plot(depths, smallest, color="C0", label="checkpointing, best $S$")
    theory = 2 * np.sqrt(2 * depths)
    right.plot(depths, theory, "k--", linewidth=1.0, label=r"$2\sqrt{2K}$")
    right.set(
        xlabel="number of layers $K$",
        ylabel="activations kept, in layers",
        title="Linear against square-root growth",
    )
    right.legend()
    return fig


@figure
def gradient_norms_through_depth():
    depth = 20
    cases = [
        ("sigmoid", 1.0, "C0", r"sigmoid, Xavier ($\sigma^2 = 1/D$)"),
        ("tanh", 1.0, "C1", r"tanh, Xavier ($\sigma^2 = 1/D$)"),
        ("relu", 2.0, "C2", r"ReLU, He ($\sigma^2 = 2/D$)"),
        ("relu", 4.0, "C3", r"ReLU, $\sigma^2 = 4/D$"),
    ]
    fig, ax = new_figure(width=6.8, height=4.4)
    layers = np.arange(1, depth + 1)
    for activation, multiplier, color, label in cases:
        norms = layer_gradient_norms(activation, multiplier / WIDTH, depth, WIDTH)
        ax.semilogy(layers, norms, "o-", color=color, markersize=3, label=label)
    ax.set(
        xlabel="layer $k$ (1 = next to the input)",
        ylabel=r"$\| \partial L / \partial W_k \|$",
        title=f"Gradient norm of each layer, {depth} layers of {WIDTH} units",
        xticks=[1, 5, 10, 15, 20],
    )
    ax.legend()
    return fig


def _saddle_panel(ax) -> None:
    filled_contours(ax, saddle, (-1.6, 1.6), (-1.6, 1.6), 15, log=False)
    arrows = np.linspace(-1.4, 1.4, 8)
    ax_, ay_ = np.meshgrid(arrows, arrows)
    gradients = np.array([saddle_gradient([a, b]) for a, b in zip(ax_.flat, ay_.flat)])
    ax.quiver(ax_, ay_, -gradients[:, 0], -gradients[:, 1], color="0.6", width=0.004)
    for start, color, label in (
        ([1.5, 0.0], "C3", "start $(1.5, 0)$: stops at the saddle"),
        ([1.5, 0.01], "C0", "start $(1.5, 0.01)$: escapes"),
    ):
        path = gradient_descent(saddle_gradient, start, lr=0.1, steps=40)
        path = path[np.abs(path[:, 1]) < 1.6]
        iterates(ax, path, color, label=label)
    ax.plot(0, 0, "k*", markersize=10, zorder=5)
    ax.set(
        xlabel=r"$\phi_1$",
        ylabel=r"$\phi_2$",
        title=r"$L = \phi_1^2 - \phi_2^2$: zero gradient at a saddle",
    )
    ax.legend(loc="lower left")


@figure
def minima_and_saddle():
    fig, (left, right) = new_figure(ncols=2, width=11.0, height=4.6)
    grid = np.linspace(-2.1, 2.1, 300)
    left.plot(grid, two_minima(grid), color="black", linewidth=1.5)
    for start, color in ((-0.3, "C0"), (0.6, "C3")):
        path = gradient_descent(two_minima_derivative, [start], lr=0.05, steps=60)
        end = path[-1, 0]
        label = f"from {start:+.1f}: ends at {end:+.2f}, $L = {two_minima(end):.2f}$"
        left.plot(path[:, 0], two_minima(path[:, 0]), "o-", color=color, label=label)
    left.set(
        xlabel=r"$\phi$",
        ylabel=r"$L(\phi)$",
        title=r"$L = \phi^4/4 - \phi^2 + 0.3\phi$: two minima",
    )
    left.legend(loc="upper left", bbox_to_anchor=(0.1, 0.88))
    _saddle_panel(right)
    return fig


@figure
def noisy_targets():
    x, clean, noisy = noisy_sine_task()
    grid = np.linspace(-1.0, 1.0, 201)[:, None]
    fig, (left, right) = new_figure(ncols=2, width=11.0, height=4.2)
    left.plot(grid, np.sin(3 * grid), "k:", linewidth=1.2, label=r"true $\sin 3x$")
    left.plot(x, noisy, "o", color="C3", label="noisy targets")
    for targets, color, label in ((clean, "C0", "clean"), (noisy, "C3", "noisy")):
        weights, biases = init_mlp([1, 64, 64, 1], seed=1)
        weights, biases, losses = train_network(x, targets, weights, biases, 0.05, 2000)
        fit = mlp_forward(grid, weights, biases)
        left.plot(grid, fit, color=color, label=f"fitted to the {label} targets")
        right.semilogy(losses, color=color, label=f"{label} targets")
    noise_variance = np.mean((noisy - clean) ** 2)
    right.axhline(noise_variance, color="gray", linestyle="--", label="noise variance")
    left.set(xlabel="$x$", ylabel="$y$", title="Fits of a 1-64-64-1 ReLU network")
    right.set(
        xlabel="step $t$",
        ylabel="training loss $L$",
        title="Gradient descent fits the noise too",
    )
    left.legend()
    right.legend()
    return fig
