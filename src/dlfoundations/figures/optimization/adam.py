"""Figures of the chapter Adam (``docs/optimization/adam.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import (
    figure,
    filled_contours,
    iterates,
    mark_minimum,
    new_figure,
)
from dlfoundations.optimization.adam import (
    Adagrad,
    Adam,
    RMSprop,
    bias_correct,
    moving_average,
)
from dlfoundations.optimization.momentum import (
    SGD,
    ill_conditioned_gradient,
    ill_conditioned_loss,
    trajectory,
)

KAPPA = 50.0
START = (-8.0, 1.5)
STEPS = 60


def _loss(point):
    return ill_conditioned_loss(point, KAPPA)


def _gradient(point):
    return ill_conditioned_gradient(point, KAPPA)


RUNS = [
    (r"gradient descent, $\eta = 0.036$", "C3", SGD, {"lr": 0.036}),
    (
        r"normalised gradient descent, $\eta = 0.3$",
        "C0",
        Adam,
        {"lr": 0.3, "betas": (0.0, 0.0)},
    ),
    (
        r"Adam, $\eta = 0.3$, $(\beta_1, \beta_2) = (0.9, 0.999)$",
        "C2",
        Adam,
        {"lr": 0.3},
    ),
]


@figure
def adam_paths():
    fig, axes = new_figure(ncols=3, width=12.0, height=2.9)
    for ax, (title, color, optimizer, hyperparameters) in zip(axes, RUNS):
        filled_contours(ax, _loss, (-9, 2), (-2, 2), 14, lowest=0.05)
        mark_minimum(ax, (0, 0))
        path = trajectory(optimizer, _gradient, START, STEPS, **hyperparameters)
        iterates(ax, path, color, markersize=2.5)
        loss = ill_conditioned_loss(path[-1], KAPPA)
        ax.set(
            title=f"{title}\nloss after {STEPS} steps: {loss:.1e}", xlabel=r"$\phi_1$"
        )
    axes[0].set_ylabel(r"$\phi_2$")
    fig.suptitle(r"$L(\phi) = (\phi_1^2 + 50 \phi_2^2)/2$ from $(-8, 1.5)$")
    return fig


@figure
def adam_loss_curves():
    fig, ax = new_figure(width=6.4, height=4.0)
    for title, color, optimizer, hyperparameters in RUNS:
        path = trajectory(optimizer, _gradient, START, 4 * STEPS, **hyperparameters)
        ax.semilogy(ill_conditioned_loss(path.T, KAPPA), color=color, label=title)
    ax.set(
        xlabel="iteration $t$",
        ylabel="loss",
        title=r"Loss on $(x^2 + 50 y^2)/2$",
    )
    ax.legend()
    return fig


# the steps from normalised gradients to Adam, all with the learning rate 0.3
ADAPTIVE_RUNS = [
    ("normalised gradient descent", "C0", Adam, {"lr": 0.3, "betas": (0.0, 0.0)}),
    ("AdaGrad", "C1", Adagrad, {"lr": 0.3}),
    (r"RMSProp, $\beta = 0.99$", "C4", RMSprop, {"lr": 0.3}),
    (r"Adam, $(\beta_1, \beta_2) = (0.9, 0.999)$", "C2", Adam, {"lr": 0.3}),
]


@figure
def adaptive_methods():
    fig, ax = new_figure(width=6.4, height=4.0)
    for label, color, optimizer, hyperparameters in ADAPTIVE_RUNS:
        path = trajectory(optimizer, _gradient, START, 4 * STEPS, **hyperparameters)
        ax.semilogy(ill_conditioned_loss(path.T, KAPPA), color=color, label=label)
    ax.set(
        xlabel="iteration $t$",
        ylabel="loss",
        title=r"Loss on $(x^2 + 50y^2)/2$, all with $\eta = 0.3$",
    )
    ax.legend(loc="lower left")
    return fig


@figure
def bias_correction():
    beta1, beta2, steps = 0.9, 0.999, 60
    t = np.arange(1, steps + 1)
    rng = np.random.default_rng(0)
    noisy = 1.0 + 0.5 * rng.standard_normal(steps)  # gradients with mean 1
    fig, axes = new_figure(ncols=3, width=12.0, height=3.4)

    panels = (
        (axes[0], np.ones(steps), "constant gradient $g_t = 1$"),
        (axes[1], noisy, "noisy gradient, mean 1"),
    )
    for ax, gradients, title in panels:
        m, raw, corrected = 0.0, [], []
        for step, g in enumerate(gradients, start=1):
            m = moving_average(m, g, beta1)
            raw.append(m)
            corrected.append(bias_correct(m, beta1, step))
        ax.plot(t, gradients, ".", color="gray", markersize=4, label="gradient $g_t$")
        ax.plot(t, raw, color="C3", label=r"raw average $m_t$")
        ax.plot(
            t,
            corrected,
            color="C2",
            label=r"corrected $\hat m_t = m_t / (1 - \beta_1^t)$",
        )
        ax.set(xlabel="step $t$", ylim=(-0.1, 2.2), title=title)
    axes[0].legend(loc="lower right")

    long_t = np.arange(1, 3001)
    m, v, raw, corrected = (
        0.0,
        0.0,
        [],
        [],
    )  # constant gradient g = 1: the size of each Adam step, in units of lr
    for step in long_t:
        m, v = moving_average(m, 1.0, beta1), moving_average(v, 1.0, beta2)
        raw.append(m / np.sqrt(v))
        corrected.append(
            bias_correct(m, beta1, step) / np.sqrt(bias_correct(v, beta2, step))
        )
    axes[2].semilogx(
        long_t, raw, color="C3", label=r"without correction $m_t / \sqrt{v_t}$"
    )
    axes[2].semilogx(
        long_t,
        corrected,
        color="C2",
        label=r"with correction $\hat m_t / \sqrt{\hat v_t}$",
    )
    axes[2].set(
        xlabel="step $t$",
        ylabel=r"step size / $\eta$",
        ylim=(0, 7.5),
        title="Adam's step, constant gradient $g_t = 1$",
    )
    axes[2].legend(loc="upper right")
    fig.suptitle(r"Bias correction, $\beta_1 = 0.9$, $\beta_2 = 0.999$")
    return fig
