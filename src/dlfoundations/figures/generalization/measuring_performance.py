"""Figures of the chapter Measuring performance on MNIST-1D
(``docs/generalization/measuring-performance.md``)."""

import numpy as np

from dlfoundations.figures.toolkit import figure, new_figure
from dlfoundations.generalization.measuring_performance import (
    VAL_FRACTION,
    chosen_on_validation,
    mnist1d_run,
    mnist1d_splits,
)
from dlfoundations.generalization.mnist1d import mnist1d

EXAMPLES_PER_CLASS = 3


@figure
def mnist1d_examples():
    data = mnist1d()
    fig, axes = new_figure(
        ncols=5, nrows=2, width=11.0, height=4.6, sharex=True, sharey=True
    )
    positions = np.arange(data["x"].shape[1])
    for digit, ax in enumerate(axes.flat):
        examples = data["x"][data["y"] == digit][:EXAMPLES_PER_CLASS]
        for number, example in enumerate(examples):
            ax.plot(positions, example, color=f"C{number}", linewidth=1.2)
        ax.set(title=f"class {digit}")
    for ax in axes[1]:
        ax.set(xlabel="position (of 40)")
    for ax in axes[:, 0]:
        ax.set(ylabel="value")
    return fig


@figure
def training_curves():
    run = mnist1d_run()  # seed 0, all 4000 training examples
    steps = run["step"]
    fig, (loss_ax, error_ax) = new_figure(ncols=2, width=11.0, height=4.3)
    loss_ax.semilogy(steps, run["train_loss"], color="C0", label="training")
    loss_ax.semilogy(steps, run["test_loss"], color="C3", label="test")
    lowest = np.argmin(run["test_loss"])
    loss_ax.plot(steps[lowest], run["test_loss"][lowest], "o", color="C3")
    loss_ax.set(
        xlabel="training step",
        ylabel="cross-entropy (mean over the set)",
        title=f"Test loss lowest at step {steps[lowest]} "
        f"({run['test_loss'][lowest]:.2f}), {run['test_loss'][-1]:.2f} at the end",
    )
    error_ax.plot(steps, run["train_error"], color="C0", label="training")
    error_ax.plot(steps, run["test_error"], color="C3", label="test")
    error_ax.set(
        xlabel="training step",
        ylabel="error rate (share misclassified)",
        ylim=(0, 1),
        title=f"Final error: training {run['train_error'][-1]:.1%}, "
        f"test {run['test_error'][-1]:.1%}",
    )
    loss_ax.legend()
    error_ax.legend()
    return fig


@figure
def validation_choice():
    run = mnist1d_run(0, VAL_FRACTION)
    chosen = chosen_on_validation(run)
    steps = run["step"]
    sizes = {name: len(y) for name, (_, y) in mnist1d_splits(VAL_FRACTION).items()}
    fig, ax = new_figure(width=7.6, height=4.3)
    train_label = f"training ({sizes['train']} examples)"
    ax.plot(steps, run["train_error"], color="C0", label=train_label)
    ax.plot(steps, run["val_error"], color="C2", label=f"validation ({sizes['val']})")
    test_label = f"test ({sizes['test']})"
    ax.plot(steps, run["test_error"], color="C3", linewidth=1.2, label=test_label)
    ax.axvline(steps[chosen], color="gray", linestyle="--", linewidth=1)
    val, test = run["val_error"][chosen], run["test_error"][chosen]
    ax.plot(steps[chosen], val, "o", color="C2")
    ax.plot(steps[chosen], test, "o", color="C3")
    ax.annotate(
        f"chosen on validation: step {steps[chosen]}\n"
        f"validation error {val:.1%}, test error {test:.1%}",
        xy=(steps[chosen], val),
        xytext=(0.35, 0.62),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "gray"},
    )
    ax.set(
        xlabel="training step",
        ylabel="error rate",
        ylim=(0, 1),
        title="Choose the checkpoint on validation, report it on test",
    )
    ax.legend(loc="upper right")
    return fig
