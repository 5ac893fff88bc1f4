"""Figures of the chapter Convolutional networks
(``docs/architectures/convolutional-networks.md``)."""

import numpy as np

from dlfoundations.architectures.convolutional_networks import (
    conv1d,
    equivariance_gap,
    measured_receptive_field,
    mnist1d_cnn_run,
    parameter_table,
    receptive_field,
    shift,
    unit_gradients,
    windows_1d,
)
from dlfoundations.building_blocks.feedforward import count_parameters
from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.measuring_performance import (
    LAYER_SIZES,
    mnist1d_run,
)
from dlfoundations.generalization.mnist1d import mnist1d


@figure
def sliding_kernel():
    x = mnist1d()["x"][0].astype(np.float64).reshape(1, 1, -1)
    kernels = {
        "smoothing kernel (1, 1, 1, 1, 1) / 5": np.full((1, 1, 5), 0.2),
        "difference kernel (-1, 0, 1)": np.array([[[-1.0, 0.0, 1.0]]]),
    }
    fig, axes = new_figure(nrows=3, width=8.0, height=6.4, sharex=True)
    positions = np.arange(x.shape[2])
    axes[0].plot(positions, x[0, 0], "o-", color="black", markersize=3)
    u, kernel_size = 12, 5
    axes[0].axvspan(u - 0.5, u + kernel_size - 0.5, color="C1", alpha=0.25)
    axes[0].set(
        ylabel="x",
        title=f"An MNIST-1D sequence (digit {mnist1d()['y'][0]})\nshaded: the five "
        f"positions that output {u + 2} of the smoothing kernel reads",
    )
    axes[1].axvline(u + 2, color="C1", alpha=0.5, linewidth=6)
    for ax, (name, kernel), color in zip(axes[1:], kernels.items(), ("C1", "C2")):
        half = kernel.shape[2] // 2  # padding that keeps the length
        same = conv1d(x, kernel, np.zeros(1), padding=half)[0, 0]
        ax.plot(positions, same, "o-", color=color, markersize=3, label="stride 1")
        strided = conv1d(x, kernel, np.zeros(1), stride=2, padding=half)[0, 0]
        ax.plot(
            positions[::2],
            strided,
            "s",
            color="black",
            markersize=5,
            fillstyle="none",
            label="stride 2: every other output",
        )
        ax.set(ylabel="output z", title=f"{name}, padding {half}")
        ax.legend(loc="upper right")
    axes[2].set(xlabel="position")
    return fig


@figure
def im2col_columns():
    x = np.arange(1.0, 11.0).reshape(1, 1, -1)
    settings = [
        ("m = 3", {"kernel_size": 3}),
        ("m = 3, stride 2", {"kernel_size": 3, "stride": 2}),
        (
            "m = 3, dilation 2, padding 1",
            {"kernel_size": 3, "dilation": 2, "padding": 1},
        ),
    ]
    fig, axes = new_figure(ncols=3, width=11.0, height=2.8)
    for ax, (title, keywords) in zip(axes, settings):
        columns = windows_1d(x, **keywords)[0, 0]  # (m, n_out)
        ax.imshow(columns, cmap="Blues", vmin=-4, vmax=12, aspect="equal")
        for (j, u), value in np.ndenumerate(columns):
            ax.text(u, j, f"{value:g}", ha="center", va="center")
        ax.set(
            title=f"{title}: {columns.shape[1]} columns",
            xlabel="output position u",
            ylabel="tap j",
            xticks=range(columns.shape[1]),
            yticks=range(columns.shape[0]),
            xlim=(-0.5, x.shape[2] - 2.5),  # the same scale in every panel
        )
        ax.grid(False)
    values = ", ".join(f"{v:g}" for v in x[0, 0])
    fig.suptitle(f"The windows of x = ({values}) as columns, one row per tap")
    return fig


STACKS = [
    ("three convolutions, m = 3", [(3, 1, 1)] * 3),
    ("convolution, pooling, convolution, pooling", [(3, 1, 1), (2, 2, 1)] * 2),
    ("dilations 1, 2, 4, m = 3", [(3, 1, 1), (3, 1, 2), (3, 1, 4)]),
]
STACK_INPUTS = 28


def _unit_centres(layers, n: int) -> list[np.ndarray]:
    """The position of every unit of every layer, in input coordinates: the middle
    of the units below that it reads."""
    centres = [np.arange(n, dtype=float)]
    for kernel_size, stride, dilation in layers:
        below = centres[-1]
        reach = dilation * (kernel_size - 1)
        starts = np.arange(0, len(below) - reach, stride)
        centres.append((below[starts] + below[starts + reach]) / 2)
    return centres


@figure
def receptive_fields():
    fig, axes = new_figure(ncols=3, width=12.0, height=4.0, sharey=True)
    for ax, (title, layers) in zip(axes, STACKS):
        centres = _unit_centres(layers, STACK_INPUTS)
        gradients = unit_gradients(layers, STACK_INPUTS)
        for level, (kernel_size, stride, dilation) in enumerate(layers, start=1):
            for u in np.flatnonzero(gradients[level]):
                for j in range(kernel_size):
                    below = stride * u + dilation * j
                    ax.plot(
                        [centres[level][u], centres[level - 1][below]],
                        [level, level - 1],
                        color="C0",
                        linewidth=0.8,
                        alpha=0.6,
                    )
        for level, (where, gradient) in enumerate(zip(centres, gradients)):
            seen = gradient != 0
            ax.plot(where[~seen], [level] * (~seen).sum(), "o", color="lightgray")
            ax.plot(where[seen], [level] * seen.sum(), "o", color="C3")
        measured = measured_receptive_field(layers, STACK_INPUTS)
        ax.set(
            title=f"{title}\nfield {measured} inputs "
            f"(formula: {receptive_field(layers)})",
            xlabel="input position",
            yticks=range(len(layers) + 1),
        )
        ax.grid(False)
    axes[0].set(ylabel="layer (0: the input)")
    return fig


@figure
def translation_equivariance():
    rng = np.random.default_rng(0)
    n, k = 40, 6
    x = np.zeros((1, 1, n))
    x[0, 0, 8:20] = rng.normal(size=12) * np.hanning(12)  # a bump, zeros around it
    weight, bias = rng.normal(size=(1, 1, 5)), rng.normal(size=1)
    dense = rng.normal(size=(n, n)) / np.sqrt(n)

    def convolution(signal):
        return conv1d(signal, weight, bias, padding=2)

    def dense_layer(signal):
        return signal @ dense.T

    fig, axes = new_figure(ncols=3, width=12.0, height=3.6)
    positions = np.arange(n)
    panels = [
        (axes[0], lambda signal: signal, "input x", None),
        (axes[1], convolution, "convolution (m = 5, padding 2)", convolution),
        (axes[2], dense_layer, "dense layer (40 x 40 weights)", dense_layer),
    ]
    for ax, layer, title, gap_of in panels:
        ax.plot(positions, layer(x)[0, 0], color="C0", label="of x")
        ax.plot(
            positions,
            layer(shift(x, k))[0, 0],
            "--",
            color="C3",
            label=f"of x shifted by {k}",
        )
        if gap_of is not None:
            gap = equivariance_gap(gap_of, x, k)
            title += f"\nlargest gap to the shifted output: {gap:.2g}"
        ax.set(title=title, xlabel="position")
    axes[0].legend(loc="lower left")
    return fig


@figure
def cnn_against_mlp():
    data = mnist1d()
    runs = {
        "CNN": (mnist1d_cnn_run(), sum(row[2] for row in parameter_table()), "C0"),
        "MLP": (mnist1d_run(), count_parameters(LAYER_SIZES), "C3"),
    }
    fig, ax = new_figure(width=7.0, height=4.2)
    for name, (run, n_parameters, color) in runs.items():
        label = f"{name} ({n_parameters:,} parameters)"
        test_accuracy = 1 - run["test_error"]
        ax.plot(
            run["step"],
            test_accuracy,
            color=color,
            label=f"{label}: test, final {test_accuracy[-1]:.1%}",
        )
        ax.plot(
            run["step"],
            1 - run["train_error"],
            "--",
            color=color,
            label=f"{label}: training",
        )
    ax.set(
        xlabel="Adam step (batches of 100)",
        ylabel="accuracy",
        ylim=(0.0, 1.02),
        title=f"MNIST-1D: {len(data['x'])} training and {len(data['x_test'])} "
        "test sequences",
    )
    ax.legend(loc="lower right")
    return fig
