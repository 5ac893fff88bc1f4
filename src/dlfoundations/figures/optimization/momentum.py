"""Figures of the chapter Momentum and Nesterov (``docs/optimization/momentum.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import (
    figure,
    filled_contours,
    iterates,
    mark_minimum,
    new_figure,
)
from dlfoundations.optimization.momentum import (
    SGD,
    heavy_ball_parameters,
    ill_conditioned_gradient,
    ill_conditioned_loss,
    trajectory,
)

KAPPA = 25.0
START = (-9.0, 1.6)


def _contours(ax, kappa=KAPPA, xlim=(-10, 2.5), ylim=(-2.2, 2.2)):
    filled_contours(
        ax,
        lambda point: ill_conditioned_loss(point, kappa),
        xlim,
        ylim,
        14,
        lowest=0.05,
    )
    mark_minimum(ax, (0, 0))
    ax.set(xlabel=r"$\phi_1$")


def _gradient(point):
    return ill_conditioned_gradient(point, KAPPA)


@figure
def momentum_paths():
    steps = 40
    runs = [
        (
            r"gradient descent, $\eta = 0.07$ (near the limit $2/\mu_{\max} = 0.08$)",
            "C3",
            {"lr": 0.07},
        ),
        (r"gradient descent, $\eta = 0.035$", "C3", {"lr": 0.035}),
        (
            r"heavy ball, $\eta = 0.035$, $\beta = 0.8$",
            "C1",
            {"lr": 0.035, "momentum": 0.8},
        ),
        (
            r"Nesterov, $\eta = 0.035$, $\beta = 0.8$",
            "C2",
            {"lr": 0.035, "momentum": 0.8, "nesterov": True},
        ),
    ]
    fig, axes = new_figure(ncols=2, nrows=2, width=10.0, height=5.2)
    for ax, (title, color, hyperparameters) in zip(axes.flat, runs):
        _contours(ax)
        path = trajectory(SGD, _gradient, START, steps, **hyperparameters)
        iterates(ax, path, color, markersize=2.5)
        loss = ill_conditioned_loss(path[-1], KAPPA)
        ax.set_title(f"{title}\nloss after {steps} steps: {loss:.1e}")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$\phi_2$")
    fig.suptitle(
        r"$L(\phi) = (\phi_1^2 + 25 \phi_2^2)/2$ from $(-9, 1.6)$, 40 steps each"
    )
    return fig


@figure
def momentum_loss_curves():
    steps, mu, L = 80, 1.0, KAPPA
    lr_hb, beta_hb = heavy_ball_parameters(mu, L)
    root_kappa = np.sqrt(L / mu)
    nesterov_beta = (root_kappa - 1) / (root_kappa + 1)
    runs = [
        (
            r"gradient descent, $\eta = 2/(\mu_{\max}+\mu_{\min})$",
            "C3",
            {"lr": 2 / (L + mu)},
        ),
        (
            r"momentum $\beta = 0.9$, $\eta = 1/\mu_{\max}$",
            "C0",
            {"lr": 1 / L, "momentum": 0.9},
        ),
        (
            f"heavy ball, tuned ($\\eta$ = {lr_hb:.3f}, $\\beta$ = {beta_hb:.3f})",
            "C1",
            {"lr": lr_hb, "momentum": beta_hb},
        ),
        (
            f"Nesterov, $\\eta = 1/\\mu_{{\\max}}$, $\\beta$ = {nesterov_beta:.3f}",
            "C2",
            {"lr": 1 / L, "momentum": nesterov_beta, "nesterov": True},
        ),
    ]
    fig, ax = new_figure(width=6.6, height=4.2)
    iterations = np.arange(steps + 1)
    for label, color, hyperparameters in runs:
        path = trajectory(SGD, _gradient, START, steps, **hyperparameters)
        ax.semilogy(
            iterations, ill_conditioned_loss(path.T, KAPPA), color=color, label=label
        )
    loss0 = ill_conditioned_loss(np.array(START), KAPPA)
    gd_rate = (L / mu - 1) / (L / mu + 1)
    hb_rate = (root_kappa - 1) / (root_kappa + 1)
    gd_label = r"$((\kappa-1)/(\kappa+1))^{2t}$"
    hb_label = r"$((\sqrt{\kappa}-1)/(\sqrt{\kappa}+1))^{2t}$"
    ax.semilogy(
        iterations, loss0 * gd_rate ** (2 * iterations), ":", color="C3", label=gd_label
    )
    ax.semilogy(
        iterations, loss0 * hb_rate ** (2 * iterations), ":", color="C1", label=hb_label
    )
    ax.set(
        ylim=(1e-14, 1e3),
        xlabel="iteration $t$",
        ylabel=r"loss $L(\phi_t)$",
        title=r"Loss on $(\phi_1^2 + 25\phi_2^2)/2$, condition number $\kappa = 25$",
    )
    ax.legend(loc="lower left")
    return fig


def _iterations_to(tolerance, hyperparameters, kappa, max_steps=20000):
    """Steps until the loss falls below ``tolerance`` times its starting value."""
    point = np.array([1.0, 1.0])
    start_loss = ill_conditioned_loss(point, kappa)
    optimizer = SGD([point], **hyperparameters)
    for t in range(1, max_steps + 1):
        optimizer.step([ill_conditioned_gradient(point, kappa)])
        if ill_conditioned_loss(point, kappa) < tolerance * start_loss:
            return t
    return np.nan


@figure
def momentum_condition_number():
    kappas = np.geomspace(2, 2000, 9)
    gd, hb, nesterov = [], [], []
    for kappa in kappas:
        lr, beta = heavy_ball_parameters(1.0, kappa)
        root_kappa = np.sqrt(kappa)
        gd.append(_iterations_to(1e-8, {"lr": 2 / (1 + kappa)}, kappa))
        hb.append(_iterations_to(1e-8, {"lr": lr, "momentum": beta}, kappa))
        nesterov_beta = (root_kappa - 1) / (root_kappa + 1)
        nesterov.append(
            _iterations_to(
                1e-8,
                {"lr": 1 / kappa, "momentum": nesterov_beta, "nesterov": True},
                kappa,
            )
        )
    fig, ax = new_figure(width=6.0, height=4.0)
    ax.loglog(kappas, gd, "o-", color="C3", label="gradient descent (tuned)")
    ax.loglog(kappas, hb, "s-", color="C1", label="heavy ball (tuned)")
    ax.loglog(
        kappas, nesterov, "^-", color="C2", label=r"Nesterov ($\eta = 1/\mu_{\max}$)"
    )
    ax.loglog(kappas, 5 * kappas, ":", color="gray", label=r"$\propto \kappa$")
    ax.loglog(
        kappas,
        5 * np.sqrt(kappas),
        "--",
        color="gray",
        label=r"$\propto \sqrt{\kappa}$",
    )
    ax.set(
        xlabel=r"condition number $\kappa = \mu_{\max} / \mu_{\min}$",
        ylabel="iterations to shrink the loss $10^8$-fold",
        title="Momentum turns $\\kappa$ into $\\sqrt{\\kappa}$",
    )
    ax.legend()
    return fig
