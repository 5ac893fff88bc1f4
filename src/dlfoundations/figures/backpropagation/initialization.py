"""Figures of the chapter Initialization
(``docs/backpropagation/initialization.md``)."""

import numpy as np

from dlfoundations.backpropagation.initialization import (
    fan_in_and_fan_out,
    kaiming_normal,
    kaiming_uniform,
    signal_variances,
    xavier_normal,
    xavier_uniform,
)
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
