"""Figures of the chapter Evaluation metrics (``docs/building-blocks/metrics.md``)."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from dlfoundations.building_blocks.feedforward import split_indices
from dlfoundations.building_blocks.metrics import (
    binary_report,
    confusion_matrix,
    predict_at_threshold,
    roc_auc,
    roc_curve,
)
from dlfoundations.figures.toolkit import SMALL_SIZE, figure, new_figure


def _fitted_logistic_model(weights, seed: int = 0):
    """A logistic regression fitted on the training part of a seeded
    make_classification dataset."""
    x, y = make_classification(
        n_samples=1500,
        n_features=6,
        n_informative=4,
        n_classes=len(weights),
        weights=weights,
        n_clusters_per_class=1,
        class_sep=1.0,
        random_state=seed,
    )
    train, _, test = split_indices(len(y), 0.0, 0.4, seed=seed, stratify=y)
    model = LogisticRegression(max_iter=1000).fit(x[train], y[train])
    return model, x[test], y[test]


def _draw_matrix(ax, matrix, fmt: str, title: str):
    ax.imshow(matrix, cmap="Blues", vmin=0)
    for (i, j), value in np.ndenumerate(matrix):
        colour = "white" if value > 0.6 * matrix.max() else "black"
        ax.text(j, i, format(value, fmt), ha="center", va="center", color=colour)
    ticks = range(matrix.shape[0])
    ax.set_xticks(ticks, [f"{k}" for k in ticks])
    ax.set_yticks(ticks, [f"{k}" for k in ticks])
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    ax.grid(False)


@figure
def confusion_matrix_plot():
    model, x_test, y_test = _fitted_logistic_model(weights=[0.5, 0.3, 0.2])
    matrix = confusion_matrix(y_test, model.predict(x_test), n_classes=3)
    fig, (left, right) = new_figure(ncols=2, width=8.4, height=3.8)
    _draw_matrix(left, matrix, "d", "Counts $M_{cc'}$")
    _draw_matrix(
        right,
        matrix / matrix.sum(axis=1, keepdims=True),
        ".2f",
        "Rows normalised: recall on the diagonal",
    )
    return fig


@figure
def roc_curves():
    rng = np.random.default_rng(0)
    n = 2000
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    negatives = rng.normal(0.0, 1.0, n)
    for separation, colour in ((0.5, "C0"), (1.0, "C1"), (2.0, "C2")):
        positives = rng.normal(separation, 1.0, n)
        y_true = np.r_[np.zeros(n, int), np.ones(n, int)]
        scores = np.r_[negatives, positives]
        fpr, tpr, thresholds = roc_curve(y_true, scores)
        right.plot(
            fpr,
            tpr,
            color=colour,
            label=f"separation {separation}: AUC = {roc_auc(y_true, scores):.3f}",
        )
        if separation == 1.0:
            bins = np.linspace(-4, 5, 46)
            left.hist(
                negatives, bins=bins, alpha=0.5, color="C7", label="scores of negatives"
            )
            left.hist(
                positives,
                bins=bins,
                alpha=0.5,
                color=colour,
                label="scores of positives (separation 1)",
            )
            k = np.searchsorted(
                -thresholds, -0.5
            )  # the first threshold at or below t = 0.5
            left.axvline(
                thresholds[k],
                color="black",
                linestyle="--",
                label=f"threshold $\\tau = {thresholds[k]:.2f}$",
            )
            right.plot(
                fpr[k],
                tpr[k],
                "ko",
                label=(
                    f"$\\tau = {thresholds[k]:.2f}$: FPR {fpr[k]:.2f}, TPR {tpr[k]:.2f}"
                ),
            )
    right.plot(
        [0, 1], [0, 1], color="gray", linestyle=":", label="random scores: AUC = 0.5"
    )
    left.set(
        xlabel="score",
        ylabel="count",
        title="Two score distributions; predict 1 if score $\\geq \\tau$",
    )
    left.set_ylim(0, 1.4 * left.get_ylim()[1])  # room for the legend above the bars
    left.legend(loc="upper left", frameon=True, framealpha=1.0, edgecolor="white")
    right.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        aspect="equal",
        title="ROC curves: every threshold at once",
    )
    right.legend(loc="lower right")
    return fig


@figure
def accuracy_misleads():
    model, x_test, y_test = _fitted_logistic_model(weights=[0.95, 0.05], seed=1)
    always_negative = binary_report(y_test, np.zeros_like(y_test))
    logistic = binary_report(
        y_test, predict_at_threshold(model.predict_proba(x_test)[:, 1], 0.5)
    )
    names = list(always_negative)
    fig, ax = new_figure(width=6.4, height=3.8)
    positions = np.arange(len(names))
    reports = (("always predict 0", always_negative), ("logistic regression", logistic))
    for offset, (label, report) in zip((-0.2, 0.2), reports):
        bars = ax.bar(
            positions + offset, [report[k] for k in names], width=0.4, label=label
        )
        ax.bar_label(bars, fmt="%.2f", fontsize=SMALL_SIZE)
    ax.set_xticks(positions, [name.replace("f1", "F1") for name in names])
    ax.set(
        ylim=(0, 1.12),
        ylabel="score on the test set",
        title=f"{np.mean(y_test == 1):.0%} positives: "
        "accuracy hides a useless classifier",
    )
    ax.legend(loc="upper center", ncols=2)
    return fig
