"""Figures of the chapter Feedforward networks and supervised learning
(``docs/building-blocks/feedforward.md``)."""

import numpy as np

from dlfoundations.building_blocks.feedforward import (
    count_linear_regions,
    count_parameters,
    init_mlp,
    kink_locations,
    mlp_forward,
    relu_contributions,
    sawtooth_network,
    shallow_relu_network,
    split_indices,
)
from dlfoundations.figures.toolkit import figure, new_figure

# a hand-picked shallow network with four hidden units, for the piecewise-linear figure
W = np.array([1.0, -1.5, 2.0, 0.8])
B = np.array([1.0, 0.3, -1.6, -0.4])
V = np.array([0.8, 0.9, -1.1, 0.7])
C = -0.5


@figure
def relu_pieces():
    x = np.linspace(-2.5, 2.5, 1001)
    kinks = kink_locations(W, B)
    fig, (top, bottom) = new_figure(nrows=2, width=6.4, height=6.0, sharex=True)
    contributions = relu_contributions(x, W, B, V)
    for i in range(W.size):
        top.plot(
            x,
            contributions[:, i],
            linewidth=1.5,
            label=f"$v_{i + 1}\\,\\mathrm{{ReLU}}(w_{i + 1} x + b_{i + 1})$, "
            f"kink at $x = {-B[i] / W[i]:.2f}$",
        )
    top.axhline(0, color="black", linewidth=0.6)
    top.set(ylabel="contribution", title="Each hidden unit adds one hinge")
    top.legend(loc="lower left")
    f = shallow_relu_network(x, W, B, V, C)
    bottom.plot(
        x,
        f,
        color="black",
        label=f"$f(x) = {C} + \\sum_j v_j\\,\\mathrm{{ReLU}}(w_j x + b_j)$",
    )
    bottom.plot(
        kinks,
        shallow_relu_network(kinks, W, B, V, C),
        "o",
        color="C3",
        label="kinks $x = -b_j / w_j$",
    )
    for kink in kinks:
        top.axvline(kink, color="gray", linestyle=":", linewidth=0.8)
        bottom.axvline(kink, color="gray", linestyle=":", linewidth=0.8)
    bottom.set(
        xlabel="$x$",
        ylabel="$f(x)$",
        title="Their sum is piecewise linear: 4 units, 5 linear pieces",
    )
    bottom.legend(loc="upper right")
    return fig


@figure
def data_splits():
    n_samples, seed = 60, 4
    labels = np.repeat([0, 1, 2], [42, 12, 6])  # an imbalanced dataset: 70%, 20%, 10%
    fig, axes = new_figure(ncols=2, width=8.0, height=3.6, sharey=True)
    for ax, stratify, title in (
        (axes[0], None, "random split"),
        (axes[1], labels, "stratified split"),
    ):
        splits = split_indices(n_samples, 0.2, 0.2, seed=seed, stratify=stratify)
        bottom = np.zeros(4)
        for label, colour in zip(range(3), ("C0", "C1", "C2")):
            share = [np.mean(labels == label)] + [
                np.mean(labels[s] == label) for s in splits
            ]
            ax.bar(range(4), share, bottom=bottom, color=colour, label=f"class {label}")
            bottom += share
        ax.set_xticks(range(4), ["whole set", "train", "validation", "test"])
        ax.set(title=f"{title} (seed {seed})", ylim=(0, 1))
    axes[0].set_ylabel("class proportions")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper")
    return fig


@figure
def linear_regions_depth_width():
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    x = np.linspace(0, 1, 1999)[1:-1]  # odd spacing: no input lands exactly on a kink
    for depth in (1, 2, 3, 4):
        weights, biases = sawtooth_network(depth)
        left.plot(
            x,
            mlp_forward(x[:, None], weights, biases)[:, 0] + 1.2 * (depth - 1),
            linewidth=1.5,
            label=f"{depth} hidden layer{'s' if depth > 1 else ''}: {2**depth} pieces",
        )
    left.set(
        xlabel="$x$",
        yticks=[],
        title="Tent map composed: each layer doubles the pieces",
    )
    left.legend(loc="upper left", bbox_to_anchor=(0, 1.0))
    left.set_ylim(-0.1, 6.4)

    depths = np.arange(1, 9)
    sawtooth = [count_linear_regions(x, *sawtooth_network(int(d))) for d in depths]
    right.loglog(
        [6 * d + 1 for d in depths],
        sawtooth,
        "o-",
        label="deep, width 2, tent-map weights",
    )
    right.loglog(
        [6 * d + 1 for d in depths],
        2 * depths + 1,
        "s--",
        label="shallow, same parameters: at most $D_1 + 1$",
    )
    grid, seeds = np.linspace(-4, 4, 8000), range(5)
    deep_params, deep_regions, wide_regions = [], [], []
    for depth in range(1, 7):
        sizes = [1] + [8] * depth + [1]
        deep_params.append(count_parameters(sizes))
        deep_regions.append(
            np.mean(
                [count_linear_regions(grid, *init_mlp(sizes, seed=s)) for s in seeds]
            )
        )
        hidden = (
            deep_params[-1] - 1
        ) // 3  # a shallow net with the same number of parameters
        wide_regions.append(
            np.mean(
                [
                    count_linear_regions(grid, *init_mlp([1, hidden, 1], seed=s))
                    for s in seeds
                ]
            )
        )
    right.loglog(
        deep_params, deep_regions, "^-", label="deep, width 8, random (He) weights"
    )
    right.loglog(
        deep_params,
        wide_regions,
        "v-",
        label="shallow, same parameters, random weights",
    )
    right.set(
        xlabel="number of parameters",
        ylabel="linear regions on the input line",
        title="Depth can, but need not, make many more regions",
    )
    right.legend()
    return fig
