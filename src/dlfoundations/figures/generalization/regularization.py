"""Figures of the chapter Regularization (``docs/generalization/regularization.md``)."""

import numpy as np
import torch

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.measuring_performance import (
    VAL_FRACTION,
    mnist1d_run,
)
from dlfoundations.generalization.mnist1d import mnist1d
from dlfoundations.generalization.regularization import (
    MAX_SHIFT,
    NOISE,
    PATIENCE,
    REGULARIZERS,
    WEIGHT_DECAYS,
    augment,
    chosen_weight_decay,
    early_stopping,
    regularized_run,
    compare_regularizers,
)


@figure
def weight_decay_sweep():
    runs = [mnist1d_run(0, VAL_FRACTION)]  # lambda = 0: AdamW is then Adam
    runs += [regularized_run(weight_decay=wd) for wd in WEIGHT_DECAYS]
    labels = ["0"] + [f"{wd:g}" for wd in WEIGHT_DECAYS]
    train = [1 - run["train_error"][-1] for run in runs]
    val = [1 - run["val_error"][-1] for run in runs]
    positions = np.arange(len(runs))
    fig, ax = new_figure(width=7.0, height=4.2)
    ax.plot(positions, train, "o-", color="C0", label="training accuracy")
    ax.plot(positions, val, "o-", color="C2", label="validation accuracy")
    chosen = 1 + WEIGHT_DECAYS.index(chosen_weight_decay())
    ax.annotate(
        f"chosen: $\\lambda$ = {labels[chosen]}\n(validation {val[chosen]:.1%})",
        xy=(chosen, val[chosen]),
        xytext=(chosen + 0.3, val[chosen] + 0.15),
        arrowprops={"arrowstyle": "->", "color": "gray"},
    )
    ax.set_xticks(positions, labels)
    ax.set(
        xlabel="weight decay $\\lambda$ (AdamW)",
        ylabel="accuracy after the last step",
        ylim=(0, 1.05),
        title="Too little decay overfits, too much underfits",
    )
    ax.legend(loc="lower left")
    return fig


@figure
def early_stopping_curves():
    run = mnist1d_run(0, VAL_FRACTION)
    steps = run["step"]
    fig, axes = new_figure(ncols=2, width=11.0, height=4.2)
    for ax, curve, name in zip(axes, ("val_loss", "val_error"), ("loss", "error")):
        best, stop = early_stopping(run[curve], PATIENCE)
        accuracy = 1 - run["test_error"][best]
        ax.plot(steps, run[curve], color="C2", label=f"validation {name}")
        ax.axvspan(steps[stop], steps[-1], color="gray", alpha=0.15, label="not run")
        ax.plot(steps[best], run[curve][best], "o", color="black", label="kept")
        ax.axvline(steps[stop], color="gray", linestyle="--", linewidth=1)
        ax.set(
            xlabel="training step",
            ylabel=f"validation {name}",
            title=f"On the validation {name}: keep step {steps[best]}, "
            f"stop at {steps[stop]}\ntest accuracy of the kept model {accuracy:.1%}",
        )
        ax.legend(loc="upper right" if name == "loss" else "center right")
    final = 1 - run["test_error"][-1]
    axes[1].annotate(
        f"without stopping: test accuracy {final:.1%}\nafter step {steps[-1]}",
        xy=(0.35, 0.75),
        xycoords="axes fraction",
    )
    return fig


@figure
def augmented_examples():
    data = mnist1d()
    example = torch.as_tensor(data["x"][:1])
    torch.manual_seed(0)
    versions = augment(example.repeat(3, 1), MAX_SHIFT, NOISE)
    positions = np.arange(example.shape[1])
    fig, ax = new_figure(width=7.6, height=3.8)
    ax.plot(positions, example[0], color="black", linewidth=2.5, label="the example")
    for number, version in enumerate(versions):
        ax.plot(positions, version, color=f"C{number}", linewidth=1.2)
    ax.set(
        xlabel="position (of 40)",
        ylabel="value",
        title=f"An example of class {data['y'][0]} and three augmented versions "
        f"(shift up to {MAX_SHIFT}, noise {NOISE:g})",
    )
    ax.legend(loc="upper right")
    return fig


@figure
def regularizer_comparison():
    results = compare_regularizers()
    positions = np.arange(len(REGULARIZERS))
    fig, ax = new_figure(width=9.0, height=4.2)
    for position, name in zip(positions, REGULARIZERS):
        accuracies = results[name]
        ax.plot([position] * len(accuracies), accuracies, "o", color="C0", alpha=0.6)
        mean = np.mean(accuracies)
        ax.plot([position - 0.25, position + 0.25], [mean, mean], color="black")
        ax.annotate(f"{mean:.1%}", xy=(position + 0.28, mean), va="center")
    ax.axhline(np.mean(results["none"]), color="gray", linestyle=":", linewidth=1)
    ax.set_xticks(positions, [name.replace(" (", "\n(") for name in REGULARIZERS])
    ax.set(
        ylabel="test accuracy",
        title="The same MLP on MNIST-1D: one dot per seed, the bar is their mean",
    )
    return fig
