"""Figures of the chapter Loss functions (``docs/building-blocks/losses.md``)."""

import numpy as np

from dlfoundations.building_blocks.activations import sigmoid
from dlfoundations.building_blocks.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    gaussian_negative_log_likelihood,
    hinge_loss,
    laplace_negative_log_likelihood,
    mae,
    mae_gradient,
    mse,
    mse_gradient,
    sigmoid_mse_gradient,
)
from dlfoundations.figures.toolkit import figure, new_figure


def _per_example(loss, predictions, target: float) -> np.ndarray:
    """The loss of each single prediction against one target."""
    return np.array([loss([p], [target]) for p in predictions])


@figure
def regression_losses():
    predictions = np.linspace(-3, 3, 601)
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.8)
    left.plot(
        predictions,
        _per_example(mse, predictions, 0.0),
        label="squared error $(\\hat y - y)^2$",
    )
    left.plot(
        predictions,
        _per_example(mae, predictions, 0.0),
        label="absolute error $|\\hat y - y|$",
    )
    left.set(
        xlabel="prediction $\\hat y$ (target $y = 0$)",
        ylabel="loss",
        ylim=(-0.2, 5),
        title="Loss of one prediction",
    )
    left.legend()
    right.plot(
        predictions,
        _per_example(mse_gradient, predictions, 0.0),
        label="squared error: $2(\\hat y - y)$",
    )
    right.plot(
        predictions,
        _per_example(mae_gradient, predictions, 0.0),
        label="absolute error: sign$(\\hat y - y)$",
    )
    right.set(
        xlabel="prediction $\\hat y$ (target $y = 0$)",
        ylabel="gradient",
        title="Its gradient: proportional to the error, or constant",
    )
    right.legend()
    return fig


@figure
def classification_losses():
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.8)
    p = np.linspace(0, 1, 501)
    left.plot(
        p,
        _per_example(binary_cross_entropy, p, 1.0),
        label="target $y = 1$: $-\\log p$",
    )
    left.plot(
        p,
        _per_example(binary_cross_entropy, p, 0.0),
        label="target $y = 0$: $-\\log(1 - p)$",
    )
    left.set(
        xlabel="predicted probability $p$ of class 1",
        ylabel="binary cross-entropy",
        ylim=(-0.2, 6),
        title="Confident and wrong costs without bound",
    )
    left.legend(loc="upper center")
    z = np.linspace(-8, 8, 801)
    right.plot(
        z,
        _per_example(binary_cross_entropy_with_logits, z, 1.0),
        label="loss, $y = 1$: $\\log(1 + e^{-z})$",
    )
    right.plot(
        z,
        _per_example(binary_cross_entropy_with_logits_gradient, z, 1.0),
        "--",
        label="gradient $\\sigma(z) - y$",
    )
    right.set(
        xlabel="logit $z$ (the input of the sigmoid)",
        ylim=(-1.2, 6),
        title="From logits: nearly linear when wrong, gradient $\\leq 1$",
    )
    right.legend()
    return fig


@figure
def bce_gradient_explodes():
    p = np.linspace(0.001, 0.999, 500)
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.semilogy(
        p,
        np.abs(_per_example(binary_cross_entropy_gradient, p, 1.0)),
        label="w.r.t. probability $p$",
    )
    z = np.log(p / (1 - p))  # the logit giving each p
    ax.semilogy(
        p,
        np.abs(_per_example(binary_cross_entropy_with_logits_gradient, z, 1.0)),
        label="w.r.t. logit $z$",
    )
    ax.set(
        xlabel="predicted probability $p$ (target $y = 1$)",
        ylabel="|gradient|",
        title="The same loss, two parametrizations: $1/p$ vs $1 - p$",
    )
    ax.legend()
    return fig


def _descend_one_logit(gradient, start: float, lr: float, steps: int) -> np.ndarray:
    """Gradient descent on a single logit z with target 1: z_0, z_1, ..., z_steps."""
    z, target = np.array([start]), np.array([1.0])
    path = [start]
    for _ in range(steps):
        z = z - lr * gradient(z, target)
        path.append(float(z[0]))
    return np.array(path)


@figure
def sigmoid_mse_gradient_vanishes():
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.8)
    z = np.linspace(-10, 6, 801)
    left.plot(
        z,
        -_per_example(binary_cross_entropy_with_logits_gradient, z, 1.0),
        label="cross-entropy: $1 - p$",
    )
    left.plot(
        z,
        -_per_example(sigmoid_mse_gradient, z, 1.0),
        label="squared error: $2p\\,(1 - p)^2$",
    )
    left.axvspan(-10, -4, color="gray", alpha=0.15, label="saturated, wrong side")
    left.set(
        xlabel="logit $z$, $p = \\sigma(z)$ (target $y = 1$)",
        ylabel="size of the gradient $|\\partial\\ell / \\partial z|$",
        ylim=(-0.05, 1.1),
        title="Confidently wrong: squared error's push vanishes",
    )
    left.legend(loc="center left")
    steps = np.arange(31)
    for gradient, name in (
        (binary_cross_entropy_with_logits_gradient, "cross-entropy"),
        (sigmoid_mse_gradient, "squared error"),
    ):
        path = _descend_one_logit(gradient, start=-8.0, lr=1.0, steps=30)
        right.plot(steps, sigmoid(path), marker=".", label=name)
    right.set(
        xlabel="step $t$ of gradient descent ($\\eta = 1$, $z_0 = -8$)",
        ylabel="predicted probability $p_t$ of the target",
        ylim=(-0.05, 1.05),
        title="Learning one logit from a wrong start",
    )
    right.legend(loc="center right")
    return fig


@figure
def margin_losses():
    margins = np.linspace(-3, 3, 601)  # y f(x); scores with label +1 have margin f(x)
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.plot(
        margins,
        _per_example(hinge_loss, margins, 1.0),
        label="hinge: $\\max(0, 1 - y f)$",
    )
    ax.plot(
        margins,
        _per_example(binary_cross_entropy_with_logits, margins, 1.0),
        label="cross-entropy from logits: $\\log(1 + e^{-y f})$",
    )
    ax.plot(
        margins,
        (margins <= 0).astype(float),
        color="black",
        linewidth=1.2,
        linestyle=":",
        label="mistake: $[\\,y f \\leq 0\\,]$",
    )
    ax.set(
        xlabel="margin $y\\, f(x)$ (labels $y = \\pm 1$)",
        ylabel="loss of one example",
        ylim=(-0.1, 4),
        title="Losses of the margin: the hinge is 0 beyond margin 1",
    )
    ax.legend()
    return fig


@figure
def likelihood_view():
    rng = np.random.default_rng(3)
    data = np.append(
        rng.normal(1.0, 0.5, size=9), 6.0
    )  # nine typical points and one outlier
    mus = np.linspace(-1, 5, 601)
    gaussian = [
        gaussian_negative_log_likelihood(np.full_like(data, mu), data) for mu in mus
    ]
    laplace = [
        laplace_negative_log_likelihood(np.full_like(data, mu), data) for mu in mus
    ]
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.9)
    grid = np.linspace(-2, 7, 500)
    best_gaussian, best_laplace = mus[np.argmin(gaussian)], mus[np.argmin(laplace)]
    for nll, mu, name in (
        (gaussian_negative_log_likelihood, best_gaussian, "Gaussian"),
        (laplace_negative_log_likelihood, best_laplace, "Laplace"),
    ):
        density = np.exp(
            -np.array([nll([mu], [y]) for y in grid])
        )  # likelihood = e^(-NLL)
        left.plot(grid, density, label=f"{name}, $\\mu = {mu:.2f}$")
    left.plot(
        data,
        np.zeros_like(data),
        "k|",
        markersize=18,
        markeredgewidth=2,
        label="data (one outlier at 6)",
    )
    left.set(xlabel="$y$", ylabel="density", title="The best-fitting noise models")
    left.legend()
    right.plot(mus, gaussian, label="Gaussian NLL $= \\frac{1}{2}$MSE + const")
    right.plot(mus, laplace, label="Laplace NLL $=$ MAE + const")
    right.axvline(
        np.mean(data),
        color="C0",
        linestyle=":",
        linewidth=1.2,
        label=f"mean {np.mean(data):.2f}",
    )
    right.axvline(
        np.median(data),
        color="C1",
        linestyle=":",
        linewidth=1.2,
        label=f"median {np.median(data):.2f}",
    )
    right.set(
        xlabel="predicted $\\mu$ (the same for every point)",
        ylabel="negative log-likelihood per point",
        ylim=(0, 12),
        title="MSE is minimised by the mean, MAE by the median",
    )
    right.legend()
    return fig
