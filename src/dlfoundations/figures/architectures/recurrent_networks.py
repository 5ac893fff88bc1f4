"""Figures of the chapter Recurrent networks
(``docs/architectures/recurrent-networks.md``)."""

import numpy as np

from dlfoundations.architectures.recurrent_networks import (
    PUBLISHED_ACCURACY,
    gru_gradient_norms,
    mnist1d_gru,
    rnn_gradient_norms,
)
from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.mnist1d import mnist1d

RADII = ((0.8, "C0"), (1.0, "C2"), (1.25, "C1"), (1.5, "C3"))
UPDATE_BIASES = ((0.0, "C0"), (2.0, "C2"), (4.0, "C1"))


def _plot_norms(ax, norms, color, label):
    """The median over the sequences, and the band from the smallest to the largest."""
    steps_back = np.arange(len(norms))
    ax.semilogy(steps_back, np.median(norms, axis=1), color=color, label=label)
    ax.fill_between(
        steps_back, norms.min(axis=1), norms.max(axis=1), color=color, alpha=0.15
    )


@figure
def gradient_norms_through_time():
    fig, (rnn_ax, gru_ax) = new_figure(ncols=2, width=11.0, height=4.2, sharey=True)
    for radius, color in RADII:
        label = rf"$\rho(W_h) = {radius:g}$"
        _plot_norms(rnn_ax, rnn_gradient_norms(radius), color, label)
    for bias, color in UPDATE_BIASES:
        label = f"$b_z$ + {bias:g}" + (" (PyTorch's init)" if bias == 0 else "")
        _plot_norms(gru_ax, gru_gradient_norms(bias), color, label)
    rnn_ax.set(
        xlabel="steps back, $T - t$",
        ylabel=r"$\| \partial h_T / \partial h_t \|$",
        title="RNN, 32 tanh units: spectral radius of $W_h$",
    )
    gru_ax.set(
        xlabel="steps back, $T - t$",
        title="GRU, 32 units: bias of the update gate $z$",
    )
    rnn_ax.legend(loc="lower left")
    gru_ax.legend(loc="lower left")
    return fig


@figure
def mnist1d_gru_accuracy():
    fig, ax = new_figure(width=7.0, height=4.4)
    cases = (("ordered", False, "C0"), ("shuffled", True, "C3"))
    for name, shuffled, color in cases:
        result = mnist1d_gru(shuffle_positions=shuffled)
        steps = result["steps"]
        test = result["test_accuracy"]
        ax.plot(steps, result["train_accuracies"], "--", color=color, linewidth=1.2)
        ax.plot(
            steps,
            result["test_accuracies"],
            color=color,
            label=f"{name} positions: test {test:.3f}",
        )
        ax.axhline(
            PUBLISHED_ACCURACY[name],
            color=color,
            linestyle=":",
            linewidth=1.2,
            label=f"published, {name}: {PUBLISHED_ACCURACY[name]:.2f}",
        )
    ax.plot([], [], "k--", linewidth=1.2, label="training accuracy")
    ax.set(
        xlabel="training step",
        ylabel="accuracy",
        ylim=(0, 1),
        title="Bidirectional GRU (6 units) on MNIST-1D",
    )
    ax.legend(loc="lower right", ncols=2)
    return fig


@figure
def gru_hidden_states():
    data = mnist1d()
    states = mnist1d_gru()["example_states"]  # (T, 2 D): forwards, then backwards
    hidden_size = states.shape[1] // 2
    fig, (x_ax, state_ax) = new_figure(nrows=2, width=8.0, height=5.0, sharex=True)
    steps = np.arange(1, len(states) + 1)
    x_ax.plot(steps, data["x_test"][0], "o-", color="black", markersize=3)
    x_ax.set(ylabel="$x_t$", title=f"A test sequence (digit {data['y_test'][0]})")
    image = state_ax.imshow(
        states.T,
        aspect="auto",
        cmap="RdBu_r",
        vmin=-1,
        vmax=1,
        extent=(0.5, len(states) + 0.5, len(states.T) + 0.5, 0.5),
        interpolation="nearest",
    )
    state_ax.axhline(hidden_size + 0.5, color="black", linewidth=1)
    state_ax.set(
        xlabel="position $t$",
        ylabel="unit: forwards | backwards",
        title="Hidden states of the trained GRU",
    )
    state_ax.grid(False)
    fig.colorbar(image, ax=state_ax, label="$h_t$")
    return fig
