"""Figures of the chapter Gradient descent and line search
(``docs/optimization/gradient-descent.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import (
    figure,
    filled_contours,
    iterates,
    mark_minimum,
    new_figure,
)
from dlfoundations.optimization.gradient_descent import (
    bracket_minimum,
    golden_section_search,
    gradient_descent,
    gradient_descent_line_search,
)
from dlfoundations.optimization.problems import (
    least_squares_gradient,
    least_squares_loss,
    least_squares_solution,
    regression_data,
    two_minima,
)

X, Y = regression_data()
START = np.array([-1.0, 3.0])
PHI0_RANGE, PHI1_RANGE = (-1.6, 2.6), (-0.8, 3.4)


def loss_contour(ax, x=X, y=Y) -> None:
    """Draw the contours of the least-squares loss over (phi0, phi1), its minimum."""
    filled_contours(
        ax, lambda phi: least_squares_loss(phi, x, y), PHI0_RANGE, PHI1_RANGE
    )
    mark_minimum(ax, least_squares_solution(x, y), label="least squares")
    ax.set(xlabel=r"intercept $\phi_0$", ylabel=r"slope $\phi_1$")


def _loss(phi):
    return least_squares_loss(phi, X, Y)


def _gradient(phi):
    return least_squares_gradient(phi, X, Y)


@figure
def line_search_bracket():
    a, b, c = bracket_minimum(two_minima, start=2.4, step=-0.2)
    result = golden_section_search(two_minima, a, b, c, tol=1e-3)
    fig, (top, bottom) = new_figure(
        nrows=2, width=6.4, height=5.6, sharex=True, height_ratios=[1.2, 1]
    )
    grid = np.linspace(-2.3, 2.5, 400)
    top.plot(
        grid, two_minima(grid), color="black", label=r"$f(x) = x^4/4 - x^2 + 0.3x$"
    )
    top.plot(
        [a, b, c],
        two_minima([a, b, c]),
        "o",
        color="C1",
        label="first bracket $a, b, c$",
    )
    top.plot(
        [result.x],
        [result.value],
        "*",
        color="C3",
        markersize=14,
        label="line-search result",
    )
    top.plot([2.4], two_minima([2.4]), "s", color="gray", label="start")
    top.set(
        ylabel="$f(x)$",
        title="Bracket, then shrink: line search finds the minimum in its bracket",
    )
    top.legend(loc="upper center")
    brackets = result.brackets[:14]
    for k, (a_k, b_k, c_k) in enumerate(brackets):
        bottom.plot([a_k, c_k], [k, k], color="C0", linewidth=1.5)
        bottom.plot([a_k, c_k], [k, k], "|", color="C0", markersize=10)
        bottom.plot([b_k], [k], "o", color="C1", markersize=4)
    bottom.set(
        ylim=(len(brackets) - 0.5, -0.5),
        xlabel="$x$",
        ylabel="iteration",
        title="Bracket $[a, c]$ and its lowest point $b$, step by step",
    )
    return fig


@figure
def fixed_step_descent():
    path = gradient_descent(_gradient, START, lr=0.32, steps=30)
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.4)
    loss_contour(left)
    iterates(left, path, "C3", label="gradient descent")
    left.set(title=r"Fixed step $\eta = 0.32$, 30 steps")
    left.legend(loc="upper right")
    right.plot(X, Y, "k.", label="data")
    grid = np.linspace(0, 2, 2)
    for step, shade in zip((0, 2, 5, 30), (0.25, 0.5, 0.75, 1.0)):
        phi0, phi1 = path[step]
        right.plot(
            grid,
            phi0 + phi1 * grid,
            color="C3",
            alpha=shade,
            label=f"after {step} steps",
        )
    right.set(
        xlabel="$x$",
        ylabel="$y$",
        title=r"The line $y = \phi_0 + \phi_1 x$ as it is fitted",
    )
    right.legend()
    return fig


@figure
def line_search_descent():
    searched = gradient_descent_line_search(_loss, _gradient, START, steps=60)
    fixed = gradient_descent(_gradient, START, lr=0.32, steps=60)
    best = _loss(least_squares_solution(X, Y))
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.4)
    loss_contour(left)
    iterates(left, searched, "C3", label="line search at every step")
    left.set(title="Each step goes to the lowest point along $-\\nabla L$")
    left.legend(loc="upper right")
    right.semilogy(
        _loss(searched.T) - best, "o-", markersize=3, color="C3", label="line search"
    )
    right.semilogy(
        _loss(fixed.T) - best,
        "s-",
        markersize=3,
        color="C0",
        label=r"fixed step $\eta = 0.32$",
    )
    right.set(
        xlabel="step",
        ylabel=r"$L(\phi) - L(\phi^*)$",
        title="Distance to the minimum loss",
    )
    right.legend()
    return fig


@figure
def learning_rates():
    rates = (
        ("too small", 0.04, "C2"),
        ("about right", 0.32, "C0"),
        ("too large", 0.448, "C3"),
    )
    fig, axes = new_figure(ncols=2, nrows=2, width=9.0, height=8.4)
    for ax, (label, rate, color) in zip(axes.flat, rates):
        path = gradient_descent(_gradient, START, lr=rate, steps=20)
        loss_contour(ax)
        iterates(ax, path, color)
        ax.set(title=f"{label}: $\\eta = {rate}$, 20 steps")
        axes[1, 1].semilogy(
            _loss(path.T),
            "o-",
            color=color,
            markersize=3,
            label=f"{label}, $\\eta = {rate}$",
        )
    axes[1, 1].set(
        xlabel="step",
        ylabel=r"loss $L(\phi)$",
        title="Too small crawls, too large diverges",
    )
    axes[1, 1].legend()
    return fig
