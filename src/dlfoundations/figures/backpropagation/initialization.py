"""Figures of the chapter Initialization
(``docs/backpropagation/initialization.md``)."""

import numpy as np

from dlfoundations.backpropagation.initialization import (
    constant_init,
    deep_training_losses,
    fan_in_and_fan_out,
    hidden_unit_spread,
    kaiming_normal,
    kaiming_uniform,
    signal_variances,
    sine_task,
    train_network,
    xavier_normal,
    xavier_uniform,
)
from dlfoundations.building_blocks.feedforward import init_mlp, mlp_forward
from dlfoundations.figures.toolkit import figure, new_figure

DEPTH, WIDTH = 50, 80


@figure
def variance_through_depth():
    fig, (forward_ax, backward_ax) = new_figure(
        ncols=2, width=11.0, height=4.2, sharey=True
    )
    layers = np.arange(1, DEPTH + 1)
    for multiplier, color in ((1.0, "C0"), (2.0, "C2"), (4.0, "C3")):
        forward, backward = signal_variances(
            multiplier / WIDTH, DEPTH, WIDTH, n_examples=250, seed=0
        )
        label = f"$\\sigma^2 = {multiplier:g}/D$" + (
            " (He)" if multiplier == 2.0 else ""
        )
        forward_ax.semilogy(layers, forward, color=color, label=label)
        backward_ax.semilogy(layers, backward, color=color, label=label)
    for seed in range(
        1, 5
    ):  # other random networks with the He variance: the spread of a finite width
        forward, backward = signal_variances(
            2.0 / WIDTH, DEPTH, WIDTH, n_examples=250, seed=seed
        )
        forward_ax.semilogy(layers, forward, color="C2", linewidth=0.7, alpha=0.5)
        backward_ax.semilogy(layers, backward, color="C2", linewidth=0.7, alpha=0.5)
    forward_ax.set(
        xlabel="layer",
        ylabel="variance",
        title="Forward: variance of the pre-activations $f_k$",
    )
    backward_ax.set(
        xlabel="layer",
        title=r"Backward: variance of the gradients $\partial L / \partial f_k$",
    )
    forward_ax.legend()
    return fig


@figure
def variance_growth_rate():
    multipliers = np.linspace(1.0, 3.0, 11)
    fig, ax = new_figure(width=6.4, height=4.2)
    for seed in range(2):
        ratios = []
        for c in multipliers:
            forward, _ = signal_variances(
                c / WIDTH, DEPTH, WIDTH, n_examples=100, seed=seed
            )
            ratios.append(forward[-1] / forward[0])
        ax.semilogy(
            multipliers,
            ratios,
            "o",
            markersize=4,
            color="C0",
            alpha=0.7,
            label="measured" if seed == 0 else None,
        )
    ax.semilogy(
        multipliers,
        (multipliers / 2) ** (DEPTH - 1),
        color="black",
        label=r"theory $(\sigma^2 D / 2)^{49}$",
    )
    ax.axvline(
        2.0, color="C2", linestyle="--", linewidth=1, label="He: $\\sigma^2 = 2/D$"
    )
    ax.set(
        xlabel=r"$\sigma^2 D$ (weight variance times width)",
        ylabel="variance at layer 50 / layer 1",
        title="Each layer multiplies the variance by $\\sigma^2 D / 2$",
    )
    ax.legend()
    return fig


@figure
def initializer_distributions():
    shape = (256, 128)
    fan_in, fan_out = fan_in_and_fan_out(shape)
    xavier_bound, he_bound = np.sqrt(6 / (fan_in + fan_out)), np.sqrt(6 / fan_in)
    cases = [
        ("Xavier uniform", xavier_uniform(shape, rng=0), "uniform", xavier_bound),
        (
            "Xavier normal",
            xavier_normal(shape, rng=1),
            "normal",
            np.sqrt(2 / (fan_in + fan_out)),
        ),
        ("He uniform", kaiming_uniform(shape, rng=2), "uniform", he_bound),
        ("He normal", kaiming_normal(shape, rng=3), "normal", np.sqrt(2 / fan_in)),
    ]
    fig, axes = new_figure(ncols=4, width=12.0, height=3.3, sharex=True)
    grid = np.linspace(-0.35, 0.35, 400)
    for ax, (title, sample, kind, scale) in zip(axes, cases):
        ax.hist(
            sample.ravel(),
            bins=60,
            density=True,
            color="C0",
            alpha=0.6,
            label="samples",
        )
        if kind == "uniform":
            density = np.where(np.abs(grid) <= scale, 1 / (2 * scale), 0.0)
        else:
            density = np.exp(-(grid**2) / (2 * scale**2)) / np.sqrt(
                2 * np.pi * scale**2
            )
        ax.plot(grid, density, color="black", linewidth=1.5, label="density")
        expected = scale**2 / 3 if kind == "uniform" else scale**2
        ax.set(
            title=f"{title}\nvariance {sample.var():.5f} (theory {expected:.5f})",
            xlabel="weight",
        )
    axes[0].legend()
    return fig


SYMMETRY_SIZES = [1, 8, 8, 1]


def _first_layer_trajectory(weights, biases, lr, chunks, steps_per_chunk):
    """The first layer's weights (one per unit) after every chunk of steps."""
    x, y = sine_task()
    trajectory = [weights[0][:, 0]]
    for _ in range(chunks):
        weights, biases, _ = train_network(x, y, weights, biases, lr, steps_per_chunk)
        trajectory.append(weights[0][:, 0])
    return np.array(trajectory), weights, biases


@figure
def symmetry_breaking():
    x, y = sine_task()
    starts = {
        "all weights 0.3": constant_init(SYMMETRY_SIZES, 0.3),
        "random (init_mlp)": init_mlp(SYMMETRY_SIZES, seed=0, bias_std=0.0),
    }
    fig, axes = new_figure(ncols=3, width=12.0, height=3.6)
    steps = np.arange(0, 501, 10)
    for ax, (name, (weights, biases)), color in zip(axes, starts.items(), ("C3", "C0")):
        trajectory, weights, biases = _first_layer_trajectory(
            weights, biases, lr=0.05, chunks=50, steps_per_chunk=10
        )
        ax.plot(steps, trajectory, color=color, linewidth=1.2)
        spread = max(hidden_unit_spread(weights, biases))
        ax.set(
            xlabel="gradient descent step",
            ylabel="weight of each first-layer unit",
            title=f"Start: {name}\nlargest difference between units: {spread:.2g}",
        )
        axes[2].plot(x, mlp_forward(x, weights, biases), color=color, label=name)
    axes[2].plot(x, y, "k.", markersize=3, label="data: sin(3x)")
    axes[2].set(xlabel="x", ylabel="output after 500 steps", title="What they learn")
    axes[2].legend()
    return fig


@figure
def training_at_three_variances():
    fig, ax = new_figure(width=7.0, height=4.2)
    settings = ((0.25, "C0"), (1.0, "C2"), (4.0, "C3"))
    for multiplier, color in settings:
        losses = deep_training_losses(multiplier)
        label = f"$\\sigma^2 = {multiplier:g} \\cdot 2/D$" + (
            " (He)" if multiplier == 1.0 else ""
        )
        ax.semilogy(losses, color=color, label=label)
        if len(losses) < 200:  # the run diverged and stopped
            ax.annotate(
                f"diverged: loss {losses[-1]:.1e} at step {len(losses) - 1}",
                xy=(len(losses) - 1, 1e8),
                xytext=(20, 1e7),
                color=color,
                arrowprops={"arrowstyle": "->", "color": color},
            )
    slow = deep_training_losses(4.0, lr=1e-7)
    ax.semilogy(slow, "--", color="C3", label="$4 \\cdot 2/D$, lr $10^{-7}$")
    ax.axhline(
        np.mean(sine_task()[1] ** 2), color="gray", linestyle=":", label="predict 0"
    )
    ax.set(
        xlabel="gradient descent step (lr 0.01 unless noted)",
        ylabel="training loss",
        ylim=(1e-2, 1e8),
        title="A 12-layer ReLU network of width 16 on sin(3x)",
    )
    ax.legend()
    return fig
