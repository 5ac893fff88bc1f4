"""Figures of the chapter Transfer learning
(``docs/architectures/transfer-learning.md``)."""

from dlfoundations.architectures.transfer_learning import (
    mean_and_standard_error,
    transfer_comparison,
)
from dlfoundations.figures.toolkit import figure, new_figure

STYLES = {
    "frozen": ("C2", "s", "frozen features, new head"),
    "fine-tuned": ("C0", "o", "fine-tuned from pretrained"),
    "scratch": ("C3", "^", "trained from scratch"),
}


@figure
def transfer_accuracy():
    results = transfer_comparison()
    sizes = results["sizes"]
    fig, (accuracy_ax, gain_ax) = new_figure(ncols=2, width=11.0, height=4.4)
    for method, (color, marker, label) in STYLES.items():
        mean, error = mean_and_standard_error(results[method])
        accuracy_ax.errorbar(
            sizes, mean, yerr=error, color=color, marker=marker, capsize=3, label=label
        )
    for method in ("frozen", "fine-tuned"):
        color, marker, label = STYLES[method]
        gain, error = mean_and_standard_error(results[method] - results["scratch"])
        gain_ax.errorbar(
            sizes, gain, yerr=error, color=color, marker=marker, capsize=3, label=label
        )
    gain_ax.axhline(0, color="black", linewidth=1)
    accuracy_ax.set(
        xscale="log",
        xlabel="target training examples $N$",
        ylabel="target test accuracy",
        ylim=(0, 1),
        title="Digits 5-9 after pretraining on digits 0-4",
    )
    gain_ax.set(
        xscale="log",
        xlabel="target training examples $N$",
        ylabel="accuracy minus that from scratch",
        title="What pretraining adds",
    )
    for ax in (accuracy_ax, gain_ax):
        ax.set_xticks(sizes, labels=[str(n) for n in sizes])
        ax.minorticks_off()
    accuracy_ax.legend(loc="lower right")
    gain_ax.legend(loc="upper right")
    return fig
