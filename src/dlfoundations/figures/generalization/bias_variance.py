"""Figures of the chapter The bias-variance trade-off
(``docs/generalization/bias-variance.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.bias_variance import bias_variance_sweep

SHOWN_CAPACITIES = (2, 4, 12)  # too few hidden units, the best number, too many


@figure
def terms_against_capacity():
    sweep = bias_variance_sweep()
    capacities = sweep["capacities"]
    fig, ax = new_figure(width=7.0, height=4.4)
    ax.plot(capacities, sweep["bias_squared"], "o-", color="C3", label="bias$^2$")
    ax.plot(capacities, sweep["variance"], "o-", color="C0", label="variance")
    ax.plot(capacities, sweep["noise"], "--", color="gray", label="noise $s^2$")
    ax.plot(
        capacities,
        sweep["bias_squared"] + sweep["variance"] + sweep["noise"],
        color="black",
        label="bias$^2$ + variance + noise",
    )
    ax.plot(
        capacities,
        sweep["measured_error"],
        "x",
        color="C2",
        markersize=9,
        markeredgewidth=2,
        label="test error on noisy targets",
    )
    best = int(np.argmin(sweep["expected_error"]))
    ax.annotate(
        f"lowest expected error {sweep['expected_error'][best]:.3f}\n"
        f"at D = {capacities[best]}",
        xy=(capacities[best], sweep["expected_error"][best]),
        xytext=(capacities[best] + 1.2, 0.24),
        arrowprops={"arrowstyle": "->", "color": "black"},
    )
    ax.set(
        xlabel="capacity: number of hidden units $D$",
        ylabel="squared error (mean over test inputs)",
        xticks=capacities,
        ylim=(0, max(sweep["expected_error"]) * 1.1),
        title=f"Each model fitted to the same {sweep['n_datasets']} training sets "
        f"of {len(sweep['first_dataset'][0])} points",
    )
    ax.legend(loc="upper center")
    return fig


@figure
def fits_and_their_mean():
    sweep = bias_variance_sweep()
    x_test, mu_test = sweep["x_test"], sweep["mu_test"]
    x_first, y_first = sweep["first_dataset"]
    fig, axes = new_figure(ncols=3, width=12.0, height=3.8, sharey=True)
    for ax, n_hidden in zip(axes, SHOWN_CAPACITIES):
        k = list(sweep["capacities"]).index(n_hidden)
        fits = sweep["shown_fits"][k]
        for fit in fits:
            ax.plot(x_test, fit, color="C0", linewidth=0.6, alpha=0.5)
        ax.plot(x_test, sweep["mean_fit"][k], color="C3", label="average fit")
        ax.plot(x_test, mu_test, "--", color="black", label="true function $\\mu(x)$")
        ax.plot(x_first, y_first, "o", color="C1", markersize=4, label="one data set")
        ax.set(
            xlabel="$x$",
            ylim=(-0.5, 3.5),
            title=f"D = {n_hidden}: bias$^2$ {sweep['bias_squared'][k]:.3f}, "
            f"variance {sweep['variance'][k]:.3f}",
        )
    axes[0].plot([], [], color="C0", linewidth=0.6, label=f"{len(fits)} fits")
    axes[0].set(ylabel="$y$")
    axes[0].legend(loc="lower left")
    return fig
