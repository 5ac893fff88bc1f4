"""Figures of the chapter Activation functions
(``docs/building-blocks/activations.md``)."""

import numpy as np

from dlfoundations.building_blocks.activations import (
    dead_unit_fraction,
    elu,
    elu_derivative,
    gelu,
    gelu_derivative,
    gelu_tanh,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    saturated_fraction,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from dlfoundations.figures.toolkit import SMALL_SIZE, figure, new_figure

X = np.linspace(-4, 4, 801)


@figure
def activations_and_derivatives():
    panels = [
        ("sigmoid", sigmoid, sigmoid_derivative),
        ("tanh", tanh, tanh_derivative),
        ("ReLU", relu, relu_derivative),
        (
            "leaky ReLU (slope 0.1)",
            lambda x: leaky_relu(x, 0.1),
            lambda x: leaky_relu_derivative(x, 0.1),
        ),
        ("ELU ($\\alpha = 1$)", elu, elu_derivative),
        ("GELU", gelu, gelu_derivative),
    ]
    fig, axes = new_figure(ncols=3, nrows=2, width=10.0, height=5.6, sharex=True)
    for ax, (title, f, df) in zip(axes.flat, panels):
        ax.axhline(0, color="gray", linewidth=0.6)
        ax.plot(X, f(X), label="$a(x)$")
        ax.plot(X, df(X), linestyle="--", label="$a'(x)$")
        ax.set(title=title, ylim=(-1.3, 2.3))
    axes[1, 2].plot(
        X, gelu_tanh(X), ":", color="black", linewidth=1.2, label="tanh approximation"
    )
    axes[0, 0].legend(loc="upper left")
    axes[1, 2].legend(loc="upper left")
    for ax in axes[1]:
        ax.set_xlabel("$x$")
    return fig


@figure
def sigmoid_saturation():
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.9)
    z = np.linspace(-8, 8, 801)
    left.plot(z, sigmoid(z), label="$\\sigma(z)$")
    left.plot(
        z, sigmoid_derivative(z), label="$\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$"
    )
    saturated = sigmoid_derivative(z) < 0.01
    left.fill_between(
        z,
        0,
        1,
        where=saturated,
        color="gray",
        alpha=0.2,
        label="$\\sigma'(z) < 0.01$: saturated",
    )
    left.axhline(0.25, color="C1", linestyle=":", linewidth=1)
    left.text(-7.8, 0.28, "largest slope: 0.25", fontsize=SMALL_SIZE, color="C1")
    left.set(
        xlabel="pre-activation $z$",
        title="Sigmoid: flat at both ends",
        ylim=(-0.05, 1.05),
    )
    left.legend(loc="center left", bbox_to_anchor=(0.0, 0.62))
    # pre-activations z ~ N(0, s^2): larger weights (or inputs) mean a larger spread s
    rng = np.random.default_rng(0)
    standard = rng.standard_normal(20_000)
    scales = np.linspace(0.05, 10, 100)
    for name, derivative in (
        ("sigmoid", sigmoid_derivative),
        ("tanh", tanh_derivative),
    ):
        right.plot(
            scales,
            [saturated_fraction(derivative, s * standard) for s in scales],
            label=name,
        )
    relu_flat = [saturated_fraction(relu_derivative, s * standard) for s in scales]
    right.plot(scales, relu_flat, label="ReLU (slope 0 for $z < 0$)")
    right.set(
        xlabel="spread of the pre-activations (standard deviation of $z$)",
        ylabel="fraction with slope < 0.01",
        title="Large weights push units into saturation",
        ylim=(-0.02, 1.02),
    )
    right.legend()
    return fig


@figure
def dead_relus():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((500, 20))  # 500 examples, 20 features
    weights = rng.normal(
        0, 1 / np.sqrt(20), size=(20, 200)
    )  # 200 ReLU units, each z ~ N(b, 1)
    shifts = np.linspace(-5, 1, 61)
    z_without_bias = x @ weights
    dead = [dead_unit_fraction(z_without_bias + shift) for shift in shifts]
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.8)
    for shift, color in ((0.0, "C0"), (-3.5, "C3")):
        z = z_without_bias[:, 0] + shift
        left.hist(
            z,
            bins=40,
            alpha=0.6,
            color=color,
            label=f"bias {shift:+.1f}: active on {np.mean(z > 0):.0%}",
        )
    left.axvline(0, color="black", linewidth=1)
    left.set(
        xlabel="pre-activation $z$ of one unit over 500 examples",
        ylabel="count",
        title="A large negative bias switches a ReLU off",
    )
    left.legend()
    right.plot(shifts, dead, color="C3")
    right.set(
        xlabel="bias $b$ of every unit",
        ylabel="fraction of dead units",
        title="Units that output 0 on all 500 examples",
    )
    return fig


@figure
def softmax_temperature():
    logits = np.array([2.0, 1.0, 0.2, -1.0])
    fig, ax = new_figure(width=7.0, height=3.6)
    positions = np.arange(len(logits))
    temperatures = (4.0, 1.0, 0.25)
    for i, temperature in enumerate(temperatures):
        ax.bar(
            positions + (i - 1) * 0.26,
            softmax(logits / temperature),
            width=0.26,
            label=f"softmax$(z / {temperature:g})$",
        )
    ax.set(
        xticks=positions,
        xticklabels=[f"class {k}\n$z = {v:g}$" for k, v in enumerate(logits)],
        ylabel="probability",
        title="Softmax of $z / \\tau$: a low temperature sharpens, a high one flattens",
    )
    ax.legend()
    return fig
