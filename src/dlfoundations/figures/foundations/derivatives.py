"""Figures of the chapter Derivatives (``docs/foundations/derivatives.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, filled_contours, new_figure
from dlfoundations.foundations.derivatives import (
    bowl,
    bowl_gradient,
    central_difference,
    chain_rule,
    finite_difference_errors,
    forward_difference,
    leaky_relu_derivative,
    relu_derivative,
    sigmoid_derivative,
    silu,
    silu_derivative,
    square_derivative,
    tanh_derivative,
)
from dlfoundations.foundations.functions import leaky_relu, relu, sigmoid, square, tanh

X = np.linspace(-3, 3, 601)


@figure
def secant_to_tangent():
    fig, ax = new_figure(width=6.0, height=4.0)
    x0 = 1.0
    ax.plot(X, sigmoid(X), color="black", label=r"$\sigma(x)$")
    for h in (2.0, 1.0, 0.5):
        slope = forward_difference(sigmoid, x0, h)
        ax.plot(
            X,
            sigmoid(x0) + slope * (X - x0),
            linestyle="--",
            linewidth=1.2,
            label=f"secant, $h = {h}$",
        )
    tangent = sigmoid_derivative(x0)
    ax.plot(
        X,
        sigmoid(x0) + tangent * (X - x0),
        color="C3",
        label="tangent (the limit $h \\to 0$)",
    )
    ax.plot([x0], [sigmoid(x0)], "ko")
    ax.set(
        ylim=(-0.3, 1.3),
        xlabel="$x$",
        ylabel="$f(x)$",
        title="Secant slopes approach the derivative",
    )
    ax.legend(loc="upper left")
    return fig


@figure
def functions_and_derivatives():
    pairs = [
        ("$x^2$", square, square_derivative),
        ("ReLU", relu, relu_derivative),
        (
            "leaky ReLU (0.1)",
            lambda x: leaky_relu(x, 0.1),
            lambda x: leaky_relu_derivative(x, 0.1),
        ),
        ("sigmoid", sigmoid, sigmoid_derivative),
        ("tanh", tanh, tanh_derivative),
    ]
    fig, axes = new_figure(ncols=5, width=12.0, height=2.8)
    for ax, (title, f, df) in zip(axes, pairs):
        ax.plot(X, f(X), label="$f$")
        ax.plot(X, df(X), label="$f'$ (analytic)")
        ax.plot(
            X[::40],
            central_difference(f, X[::40] + 1e-3),
            "k.",
            label="central difference",
        )
        ax.set(title=title, xlabel="$x$")
    axes[0].legend(loc="upper center")
    return fig


@figure
def finite_difference_error():
    steps = np.logspace(-15, 0, 61)
    forward, central = finite_difference_errors(np.sin, np.cos, 1.0, steps)
    fig, ax = new_figure(width=6.4, height=4.2)
    ax.loglog(steps, forward, "o-", markersize=3, label="forward difference")
    ax.loglog(steps, central, "s-", markersize=3, label="central difference")
    ax.loglog(steps, 0.5 * steps, ":", color="C0", label="slope 1 ($\\propto h$)")
    ax.loglog(steps, steps**2 / 6, ":", color="C1", label="slope 2 ($\\propto h^2$)")
    ax.loglog(
        steps,
        1e-16 / steps,
        "--",
        color="gray",
        label="round-off ($\\propto \\epsilon_\\mathrm{mach} / h$)",
    )
    ax.set(
        ylim=(1e-17, 10),
        xlabel="step size $h$",
        ylabel="absolute error",
        title=r"Error of $f'(1)$ for $f = \sin$: truncation (right), round-off (left)",
    )
    ax.legend()
    return fig


@figure
def chain_rule_check():
    inner, inner_prime = square, square_derivative
    derivative = chain_rule(sigmoid_derivative, inner, inner_prime)
    fig, ax = new_figure(width=6.0, height=3.6)
    ax.plot(X, sigmoid(square(X)), label=r"$h(x) = \sigma(x^2)$")
    ax.plot(X, derivative(X), label=r"$h'(x) = \sigma'(x^2) \cdot 2x$ (chain rule)")
    points = X[::30]
    ax.plot(
        points,
        central_difference(lambda x: sigmoid(square(x)), points),
        "k.",
        label="central difference",
    )
    ax.set(xlabel="$x$", title="The chain rule agrees with finite differences")
    ax.legend()
    return fig


@figure
def gradient_field():
    fig, ax = new_figure(width=5.6, height=5.0)
    contours = filled_contours(
        ax,
        bowl,
        (-2, 2),
        (-2, 2),
        25,
        log=False,
        cmap="viridis",
        alpha=1.0,
        lines="white",
    )
    fig.colorbar(contours, ax=ax, label="$f(x, y)$")
    ax_, ay_ = np.meshgrid(np.linspace(-1.8, 1.8, 10), np.linspace(-1.8, 1.8, 10))
    gx, gy = bowl_gradient(np.stack([ax_, ay_]))
    ax.quiver(ax_, ay_, -gx, -gy, color="white", angles="xy", label=r"$-\nabla f$")
    ax.set(
        xlabel="$x$",
        ylabel="$y$",
        title=r"Contours of $f$ and the arrows of $-\nabla f$",
    )
    ax.legend(loc="upper right")
    return fig


@figure
def two_paths():
    fig, (left, right) = new_figure(ncols=2, width=9.6, height=3.6)
    left.plot(X, silu(X), color="black", label=r"$y = x\,\sigma(x)$")
    left.plot(X, X, ":", color="C0", label="$u = x$")
    left.plot(X, sigmoid(X), ":", color="C1", label=r"$v = \sigma(x)$")
    left.set(xlabel="$x$", title=r"$y = u v$ with $u = x$, $v = \sigma(x)$")
    left.legend(loc="upper left")
    right.plot(X, sigmoid(X), "--", color="C0", label=r"through $u$: $v \cdot 1$")
    right.plot(
        X,
        X * sigmoid_derivative(X),
        "--",
        color="C1",
        label=r"through $v$: $u \cdot \sigma'(x)$",
    )
    right.plot(X, silu_derivative(X), color="black", label="$dy/dx$, their sum")
    points = X[::30]
    right.plot(
        points, central_difference(silu, points), "k.", label="central difference"
    )
    right.set(xlabel="$x$", title="The derivatives of the two paths add up")
    right.legend(loc="upper left")
    return fig
