"""Figures of the chapter Functions (``docs/foundations/functions.md``): each function
drawn from the package code."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.foundations.functions import (
    compose,
    leaky_relu,
    relu,
    sigmoid,
    square,
    tanh,
)

X = np.linspace(-3, 3, 601)


def _plot_function(function, title: str, formula: str):
    fig, ax = new_figure(width=4.8, height=3.2)
    ax.plot(X, function(X), label=formula)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set(title=title, xlabel="$x$", ylabel="$f(x)$")
    ax.legend(loc="upper left")
    return fig


@figure
def square_plot():
    return _plot_function(square, "Square", r"$f(x) = x^2$")


@figure
def relu_plot():
    return _plot_function(relu, "ReLU", r"$f(x) = \max(x, 0)$")


@figure
def leaky_relu_plot():
    return _plot_function(
        lambda x: leaky_relu(x, negative_slope=0.1),
        "Leaky ReLU",
        r"$f(x) = \max(x, 0.1x)$",
    )


@figure
def sigmoid_plot():
    return _plot_function(sigmoid, "Sigmoid", r"$\sigma(x) = 1 / (1 + e^{-x})$")


@figure
def tanh_plot():
    return _plot_function(tanh, "Tanh", r"$\tanh(x)$")


@figure
def composition_plot():
    fig, axes = new_figure(ncols=3, width=9.6, height=3.0, sharey=False)
    stages = [
        (square, r"$f(x) = x^2$"),
        (sigmoid, r"$g(u) = \sigma(u)$"),
        (compose(square, sigmoid), r"$g(f(x)) = \sigma(x^2)$"),
    ]
    for ax, (function, label) in zip(axes, stages):
        ax.plot(X, function(X))
        ax.set(title=label, xlabel="$x$" if ax is not axes[1] else "$u$")
    return fig
