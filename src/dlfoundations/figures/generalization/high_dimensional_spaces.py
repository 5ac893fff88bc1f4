"""Figures of the chapter High-dimensional spaces
(``docs/generalization/high-dimensional-spaces.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.high_dimensional_spaces import (
    ball_volume,
    distinct_pair_distances,
    explained_variance_ratio,
    fraction_in_shell,
    mnist1d_and_noise,
    monte_carlo_ball_volume,
    pairwise_distances,
    shell_fraction,
    uniform_in_ball,
)

DIMENSIONS = [2, 5, 10, 20, 50, 100, 200, 500, 1000]
N_POINTS = 1000


@figure
def distance_concentration():
    rng = np.random.default_rng(0)
    distances = {
        d: distinct_pair_distances(rng.standard_normal((N_POINTS, d)))
        for d in DIMENSIONS
    }
    fig, (spread_ax, histogram_ax, ratio_ax) = new_figure(
        ncols=3, width=13.0, height=3.9
    )
    dims = np.array(DIMENSIONS)
    means = np.array([distances[d].mean() for d in DIMENSIONS])
    stds = np.array([distances[d].std() for d in DIMENSIONS])
    spread_ax.plot(dims, means, "o", color="C0", label="mean distance")
    spread_ax.fill_between(
        dims,
        means - 3 * stds,
        means + 3 * stds,
        color="C0",
        alpha=0.25,
        label="mean ± 3 standard deviations",
    )
    grid = np.linspace(1, 1000, 400)
    spread_ax.plot(
        grid, np.sqrt(2 * grid), color="black", linewidth=1, label=r"$\sqrt{2D}$"
    )
    spread_ax.set(
        xlabel="dimension $D$",
        ylabel="distance between two points",
        title=f"Standard deviation {stds[0]:.2f} at $D$ = 2, {stds[-1]:.2f} at 1000",
    )
    spread_ax.legend(loc="upper left")
    for d, color in ((2, "C0"), (10, "C1"), (100, "C2"), (1000, "C3")):
        histogram_ax.hist(
            distances[d] / np.sqrt(2 * d),
            bins=120,
            range=(0, 2.5),
            density=True,
            histtype="step",
            color=color,
            linewidth=1.5,
            label=f"$D$ = {d}",
        )
    histogram_ax.set(
        xlabel=r"distance / $\sqrt{2D}$",
        ylabel="density",
        title="All pairs, each dimension",
    )
    histogram_ax.legend()
    ratios = np.array([distances[d].max() / distances[d].min() for d in DIMENSIONS])
    ratio_ax.loglog(dims, ratios - 1, "o-", color="C3", label="measured")
    reference = (ratios[-1] - 1) * np.sqrt(dims[-1] / dims)
    ratio_ax.loglog(
        dims,
        reference,
        "--",
        color="black",
        linewidth=1,
        label=r"$\propto 1/\sqrt{D}$ (through the last point)",
    )
    ratio_ax.set(
        xlabel="dimension $D$",
        ylabel="largest / smallest distance $-$ 1",
        title=f"Ratio {ratios[0]:.0f} at $D$ = 2, {ratios[-1]:.2f} at $D$ = 1000",
    )
    ratio_ax.legend()
    return fig


@figure
def ball_volume_against_dimension():
    dims = np.arange(1, 21)
    fig, ax = new_figure(width=7.0, height=4.2)
    for radius, color, name in ((1.0, "C1", "radius 1"), (0.5, "C0", "diameter 1")):
        volumes = [ball_volume(int(d), radius) for d in dims]
        ax.semilogy(dims, volumes, "-", color=color, label=f"{name}, closed form")
    sampled = dims[dims <= 10]
    estimates = [monte_carlo_ball_volume(int(d), n_samples=200_000) for d in sampled]
    values, errors = np.array(estimates).T
    ax.errorbar(
        sampled,
        values,
        yerr=2 * errors,
        fmt="o",
        color="C0",
        markersize=4,
        label="diameter 1, share of 200 000 points of the unit cube",
    )
    ax.axhline(1.0, color="gray", linestyle=":", label="the unit cube")
    v10 = ball_volume(10)
    ax.annotate(
        f"{v10:.5f} at $D$ = 10",
        xy=(10, v10),
        xytext=(11.5, 2e-2),
        arrowprops={"arrowstyle": "->"},
    )
    ax.set(
        xlabel="dimension $D$",
        ylabel="volume",
        xticks=[1, 5, 10, 15, 20],
        title="Balls of radius 1 and of diameter 1 (radius 1/2)",
    )
    ax.legend(loc="lower left")
    return fig


SHELL_DIMENSIONS = [1, 2, 10, 20, 50, 100, 150, 200, 250, 300]


@figure
def volume_in_the_shell():
    fig, (radius_ax, shell_ax) = new_figure(ncols=2, width=11.0, height=4.0)
    rho_grid = np.linspace(0, 1, 300)
    for d, color in ((2, "C0"), (10, "C1"), (100, "C3")):
        points = uniform_in_ball(20_000, d, seed=d)
        rho = np.linalg.norm(points, axis=1)
        radius_ax.hist(
            rho,
            bins=60,
            range=(0, 1),
            density=True,
            color=color,
            alpha=0.4,
            label=f"$D$ = {d}, sampled",
        )
        radius_ax.plot(rho_grid, d * rho_grid ** (d - 1), color=color, linewidth=1)
    radius_ax.set(
        xlabel=r"distance from the centre $\rho / r$",
        ylabel="density",
        ylim=(0, 12),
        title=r"Where uniform points of a ball lie: $D \rho^{D-1}$",
    )
    radius_ax.legend()
    dims = np.arange(1, 301)
    for thickness, color in ((0.01, "C3"), (0.1, "C0")):
        curve = [shell_fraction(int(d), thickness) for d in dims]
        shell_ax.plot(
            dims,
            curve,
            color=color,
            linewidth=1.2,
            label=f"outer {thickness:.0%}, $1 - {1 - thickness:g}^D$",
        )
        measured = [
            fraction_in_shell(uniform_in_ball(20_000, d, seed=d), thickness)
            for d in SHELL_DIMENSIONS
        ]
        shell_ax.plot(
            SHELL_DIMENSIONS,
            measured,
            "o",
            color=color,
            markersize=4,
            label="share of 20 000 sampled points",
        )
    shell_ax.set(
        xlabel="dimension $D$",
        ylabel="share of the volume",
        title=f"Outer 1% of the radius: {shell_fraction(300, 0.01):.0%} at $D$ = 300",
    )
    shell_ax.legend(loc="lower right")
    return fig


@figure
def mnist1d_against_noise():
    data = mnist1d_and_noise()
    fig, (contrast_ax, variance_ax) = new_figure(ncols=2, width=11.0, height=4.0)
    pairs = (("x", "x_test", "MNIST-1D", "C0"), ("noise", "noise_test", "noise", "C3"))
    for train, test, name, color in pairs:
        distances = pairwise_distances(data[test], data[train])
        ratio = distances.min(axis=1) / distances.max(axis=1)
        contrast_ax.hist(
            ratio,
            bins=50,
            range=(0, 0.8),
            color=color,
            alpha=0.5,
            label=f"{name}, mean {ratio.mean():.2f}",
        )
        shares = np.cumsum(explained_variance_ratio(data[train]))
        needed = int(np.sum(shares < 0.9)) + 1
        variance_ax.plot(
            np.arange(1, 41),
            shares,
            "o-",
            color=color,
            markersize=3,
            label=f"{name}: {needed} directions for 90%",
        )
    contrast_ax.set(
        xlabel="nearest / farthest training point, per test point",
        ylabel="test points",
        title="Distances from each of 1000 test points",
    )
    contrast_ax.legend()
    variance_ax.axhline(0.9, color="gray", linestyle=":")
    variance_ax.set(
        xlabel="principal directions",
        ylabel="share of the variance",
        title="Variance along the first directions",
    )
    variance_ax.legend(loc="lower right")
    return fig
