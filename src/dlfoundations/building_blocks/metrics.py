"""Evaluation metrics: accuracy, precision, recall, F1, confusion matrix, ROC and AUC.

Class labels are the integers 0, 1, ..., C - 1; for binary problems 1 is the positive
class. The argument checks are declared above each function (``@check_arguments``):
labels are non-negative integers, true and predicted labels have one length, nothing
is empty or NaN, and every error names the argument. The page shows the function.
"""

# --8<-- [start:imports]
import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    float_array,
    one_of,
    probability,
    probability_array,
    real,
    same_length,
    vector,
)


def _class_labels(value, name: str) -> np.ndarray:
    """A 1-D array of class indices 0, 1, 2, ... (whole floats allowed), as int64."""
    values = float_array(value, name)
    if values.ndim != 1:
        message = "must be a 1-D array of class labels"
        raise ValueError(f"{name} {message}, got shape {values.shape}")
    if np.any(values < 0) or np.any(values != np.round(values)):
        raise ValueError(f"{name} must hold class indices 0, 1, 2, ... (integers >= 0)")
    return values.astype(np.int64)


def _binary_labels(value, name: str) -> np.ndarray:
    """Class labels 0 and 1, both present (an ROC curve needs both)."""
    labels = _class_labels(value, name)
    if labels.max() > 1:
        raise ValueError(f"{name} must hold binary labels 0 and 1")
    if labels.min() == labels.max():
        raise ValueError(f"{name} must contain both classes 0 and 1 for an ROC curve")
    return labels


def _zero_or_one(value, name: str) -> float:
    """The value 0.0 or 1.0."""
    value = real(value, name)
    if value not in (0.0, 1.0):
        raise ValueError(f"{name} must be 0.0 or 1.0, got {value}")
    return value


def _within_classes(*names: str):
    """Relation: with ``n_classes`` given, every label of ``names`` is below it."""

    def check_classes(arguments: dict) -> None:
        n_classes = arguments["n_classes"]
        if arguments.get("average") == "binary" and n_classes not in (None, 2):
            message = f"must be 2 with average='binary', got {n_classes}"
            raise ValueError(f"n_classes {message}")
        if arguments.get("average") == "binary":
            n_classes = 2
        for name in names if n_classes is not None else ():
            highest = arguments[name].max()
            if highest >= n_classes:
                outside = f"outside 0..{n_classes - 1} (n_classes={n_classes})"
                raise ValueError(f"{name} holds label {highest}, {outside}")

    return check_classes


def _curve_points(fpr: str, tpr: str):
    """Relation: at least two points, fpr non-decreasing, one tpr per fpr."""

    def check_points(arguments: dict) -> None:
        x, y = arguments[fpr], arguments[tpr]
        if x.shape != y.shape or x.size < 2:
            message = "must be 1-D of the same length >= 2"
            raise ValueError(f"{fpr} and {tpr} {message}, got {x.shape} and {y.shape}")
        if np.any(np.diff(x) < 0):
            raise ValueError(f"{fpr} must be non-decreasing")

    return check_points


def _count_or_none(value, name: str):
    """None, or a number of classes >= 1."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


LABELS = {"y_true": _class_labels, "y_pred": _class_labels}
SAME = same_length("y_true", "y_pred")
SCORES = {"y_true": _binary_labels, "scores": vector}
AVERAGES = (None, "binary", "micro", "macro", "weighted")


@check_arguments(SAME, **LABELS)
# --8<-- [start:accuracy]
def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions: (1/N) sum_i [y_pred_i == y_true_i]."""
    return float(np.mean(y_true == y_pred))


# --8<-- [end:accuracy]


@check_arguments(
    SAME, _within_classes("y_true", "y_pred"), **LABELS, n_classes=_count_or_none
)
# --8<-- [start:confusion_matrix]
def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """M[c, c'] = number of samples of true class c predicted as class c'.

    Rows are the truth, columns the prediction. Without ``n_classes``, the classes
    are 0 to the largest label seen.
    """
    if n_classes is None:
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)  # one count per sample
    return matrix


# --8<-- [end:confusion_matrix]


@check_arguments(
    SAME,
    _within_classes("y_true", "y_pred"),
    **LABELS,
    average=one_of(*AVERAGES),
    n_classes=_count_or_none,
    zero_division=_zero_or_one,
)
# --8<-- [start:precision_recall_f1]
def precision_recall_f1(
    y_true,
    y_pred,
    average: str | None = "macro",
    n_classes: int | None = None,
    zero_division: float = 0.0,
):
    """Precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2TP/(2TP+FP+FN) per class,
    from the confusion matrix.

    ``average``: None (one value per class), "binary" (class 1 of labels {0, 1}),
    "micro" (pool the counts of all classes), "macro" (plain mean over classes) or
    "weighted" (mean weighted by each class's number of true samples, its support).
    A ratio whose denominator is 0 (e.g. precision of a class never predicted) is
    ``zero_division``, 0.0 or 1.0, as in scikit-learn (whose default "warn" gives 0.0).
    """
    if average == "binary":
        n_classes = 2
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(matrix)
    fp = matrix.sum(axis=0) - tp  # predicted as the class, but of another class
    fn = matrix.sum(axis=1) - tp  # of the class, but predicted as another
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision = _ratio(tp, tp + fp, zero_division)
    recall = _ratio(tp, tp + fn, zero_division)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn, zero_division)
    if average is None:
        return precision, recall, f1
    if average == "micro":
        return float(precision), float(recall), float(f1)
    if average == "binary":
        return float(precision[1]), float(recall[1]), float(f1[1])
    weights = tp + fn if average == "weighted" else np.ones_like(tp)  # support or 1
    scores = (precision, recall, f1)
    return tuple(float(np.average(score, weights=weights)) for score in scores)


def _ratio(numerator, denominator, zero_division: float) -> np.ndarray:
    """numerator / denominator, or ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, float)
    denominator = np.asarray(denominator, float)
    safe = np.maximum(denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, zero_division)


# --8<-- [end:precision_recall_f1]


# --8<-- [start:binary_report]
def binary_report(y_true, y_pred) -> dict[str, float]:
    """Accuracy, and precision, recall and F1 of the positive class 1, for labels 0, 1.

    Its arguments are checked by :func:`precision_recall_f1`, which it calls first.
    """
    precision, recall, f1 = precision_recall_f1(y_true, y_pred, average="binary")
    scores = {"precision": precision, "recall": recall, "f1": f1}
    return {"accuracy": accuracy(y_true, y_pred), **scores}


# --8<-- [end:binary_report]


@check_arguments(probabilities=probability_array, threshold=probability)
# --8<-- [start:threshold]
def predict_at_threshold(probabilities, threshold: float = 0.5) -> np.ndarray:
    """Turn probabilities of the positive class into labels: 1 where p >= threshold."""
    return (probabilities >= threshold).astype(np.int64)


# --8<-- [end:threshold]


@check_arguments(same_length("scores", "y_true"), **SCORES)
# --8<-- [start:roc_curve]
def roc_curve(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates of the rule "predict 1 if score >= tau",
    for every distinct score as the threshold tau.

    Thresholds run from +inf (nothing predicted positive, the point (0, 0)) down to the
    lowest score (everything positive, the point (1, 1)). Samples with tied scores
    cross the threshold together, so a tie makes one diagonal step. Scores may be any
    real numbers.
    """
    order = np.argsort(-scores, kind="stable")  # highest score first
    scores, y_true = scores[order], y_true[order]
    last_of_each_score = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    true_positives = np.cumsum(y_true)[last_of_each_score]
    # predicted 1 so far, minus the right ones
    false_positives = last_of_each_score + 1 - true_positives
    tpr = np.r_[0, true_positives] / true_positives[-1]
    fpr = np.r_[0, false_positives] / false_positives[-1]
    thresholds = np.r_[np.inf, scores[last_of_each_score]]
    return fpr, tpr, thresholds


# --8<-- [end:roc_curve]


@check_arguments(_curve_points("fpr", "tpr"), fpr=vector, tpr=vector)
# --8<-- [start:auc]
def auc(fpr, tpr) -> float:
    """Area under a curve through the points (fpr_k, tpr_k), by the trapezoid rule."""
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve: 1 for a perfect ranking, 0.5 for random scores."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return auc(fpr, tpr)


# --8<-- [end:auc]


@check_arguments(same_length("scores", "y_true"), **SCORES)
# --8<-- [start:auc_by_ranking]
def auc_by_ranking(y_true, scores) -> float:
    """The same area, as a probability: P(score of a positive > score of a negative),
    ties counting 1/2.

    Compares every positive with every negative, so it costs memory N_+ * N_-
    (positives times negatives): for small data.
    """
    positive = scores[y_true == 1][:, None]
    negative = scores[y_true == 0][None, :]
    return float(np.mean((positive > negative) + 0.5 * (positive == negative)))


# --8<-- [end:auc_by_ranking]
