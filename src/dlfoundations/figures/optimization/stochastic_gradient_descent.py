"""Figures of the chapter Stochastic and mini-batch gradient descent
(``docs/optimization/stochastic-gradient-descent.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.figures.optimization.gradient_descent import (
    START,
    X,
    Y,
    loss_contour,
)
from dlfoundations.optimization.problems import (
    least_squares_gradient,
    least_squares_loss,
    least_squares_solution,
)
from dlfoundations.optimization.stochastic_gradient_descent import (
    cosine_annealing,
    exponential_decay,
    minibatch_gradient_descent,
    step_decay,
    stochastic_gradient,
)

N_EPOCHS = 50
BEST = float(least_squares_loss(least_squares_solution(X, Y), X, Y))


def _halving(initial_lr: float):
    """The step-decay schedule of this chapter: halve the learning rate every 10
    epochs."""
    return lambda epoch: step_decay(epoch, initial_lr, step_size=10, gamma=0.5)


# (label, batch size, learning rate or schedule, colour): the runs of this chapter
RUNS = (
    ("full batch ($B = 40$), $\\eta = 0.32$", 40, 0.32, "C0"),
    (
        "mini-batch ($B = 8$), $\\eta_0 = 0.16$, halved every 10",
        8,
        _halving(0.16),
        "C1",
    ),
    (
        "stochastic ($B = 1$), $\\eta_0 = 0.04$, halved every 10",
        1,
        _halving(0.04),
        "C3",
    ),
)


def _run(batch_size, lr, epochs=N_EPOCHS, seed=0):
    return minibatch_gradient_descent(
        least_squares_gradient, START, X, Y, batch_size, epochs, lr, seed
    )


def _excess_loss(path):
    """L(phi) - L(phi*) along a path: how far above the minimum each point is."""
    return least_squares_loss(path.T, X, Y) - BEST


@figure
def gradient_estimates():
    phi = np.array([0.0, 1.6])
    full = least_squares_gradient(phi, X, Y)
    rng = np.random.default_rng(0)
    fig, axes = new_figure(ncols=2, width=9.0, height=4.2, sharex=True, sharey=True)
    for ax, batch_size in zip(axes, (1, 8)):
        batches = [
            rng.choice(len(X), size=batch_size, replace=False) for _ in range(400)
        ]
        estimates = np.array(
            [stochastic_gradient(least_squares_gradient, phi, X, Y, b) for b in batches]
        )
        spread = np.std(estimates - full, axis=0).mean()
        ax.plot(
            estimates[:, 0],
            estimates[:, 1],
            ".",
            color="C0",
            alpha=0.3,
            label=f"estimates from batches of {batch_size}",
        )
        ax.plot(
            *estimates.mean(axis=0),
            "o",
            color="C1",
            markersize=9,
            label="their average",
        )
        ax.plot(
            *full,
            "*",
            color="C3",
            markersize=14,
            markeredgecolor="black",
            label="full gradient",
        )
        ax.set(
            title=f"$B = {batch_size}$: spread {spread:.2f}",
            xlabel=r"$\partial L / \partial \phi_0$",
        )
        ax.legend(loc="upper left")
    axes[0].set(ylabel=r"$\partial L / \partial \phi_1$")
    return fig


@figure
def batch_size_paths():
    fig, axes = new_figure(ncols=3, width=12.0, height=4.4)
    for ax, (label, batch_size, rate, color) in zip(axes, RUNS):
        run = _run(batch_size, rate)
        loss_contour(ax)
        ax.plot(run.path[:, 0], run.path[:, 1], "-", color=color, linewidth=0.8)
        ax.plot(*run.path[-1], "o", color=color, markeredgecolor="black")
        ax.set(title=f"{label}\n{len(run.path) - 1} steps in {N_EPOCHS} epochs")
    return fig


@figure
def loss_curves():
    fig, (by_epoch, by_example) = new_figure(
        ncols=2, width=10.0, height=4.2, sharey=True
    )
    for label, batch_size, rate, color in RUNS:
        run = _run(batch_size, rate)
        excess = _excess_loss(run.path)
        epochs = run.examples_seen / len(X)
        at_epoch_end = run.examples_seen % len(X) == 0
        by_epoch.semilogy(
            epochs[at_epoch_end], excess[at_epoch_end], "-", color=color, label=label
        )
        by_example.semilogy(
            run.examples_seen,
            excess,
            "-",
            color=color,
            linewidth=0.8,
            alpha=0.8,
            label=label,
        )
    by_epoch.set(
        xlabel="epoch",
        ylabel=r"$L(\phi) - L(\phi^*)$",
        title="Loss at the end of each epoch",
    )
    by_example.set(
        xscale="log",
        xlabel="gradient evaluations (examples processed)",
        title="Loss after every step, against work done",
    )
    by_epoch.set(ylim=(2.5e-7, 7.5))
    by_epoch.legend()
    return fig


@figure
def learning_rate_schedules():
    schedules = {
        "constant": lambda epoch: 0.04,
        "step decay (halve every 10)": _halving(0.04),
        "exponential ($\\gamma = 0.933$)": lambda epoch: exponential_decay(
            epoch, 0.04, gamma=0.5**0.1
        ),
        "cosine ($T = 50$)": lambda epoch: cosine_annealing(
            epoch, 0.04, t_max=N_EPOCHS
        ),
    }
    fig, (rates, losses) = new_figure(ncols=2, width=10.0, height=4.2)
    epochs = np.arange(N_EPOCHS)
    for (label, schedule), color in zip(schedules.items(), ("gray", "C3", "C2", "C4")):
        rates.plot(epochs, [schedule(e) for e in epochs], color=color, label=label)
        run = _run(1, schedule)
        at_epoch_end = run.examples_seen % len(X) == 0
        losses.semilogy(
            np.arange(N_EPOCHS + 1),
            _excess_loss(run.path[at_epoch_end]),
            color=color,
            label=label,
        )
    rates.set(xlabel="epoch", ylabel=r"learning rate $\eta$", title="Four schedules")
    rates.legend()
    losses.set(
        xlabel="epoch",
        ylabel=r"$L(\phi) - L(\phi^*)$",
        title=r"Stochastic gradient descent ($B = 1$, $\eta_0 = 0.04$)",
    )
    return fig
