"""Evaluation metrics: accuracy, precision, recall, F1, confusion matrix, ROC and AUC.

Class labels are the integers 0, 1, ..., K - 1; for binary problems 1 is the positive
class. Every function checks its inputs and raises an error naming the argument.
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations._validation import as_float_array, check_real

# --8<-- [end:imports]

# --8<-- [start:checks]
def check_labels(labels, name: str) -> np.ndarray:
    """Return ``labels`` as a 1-D int array of class indices 0, 1, 2, ..., or raise naming ``name``."""
    values = as_float_array(labels, name)
    if values.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {values.shape}")
    if np.any(values < 0) or np.any(values != np.round(values)):
        raise ValueError(f"{name} must hold class indices 0, 1, 2, ... (non-negative integers)")
    return values.astype(np.int64)


def check_label_pair(y_true, y_pred, n_classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Check true and predicted labels together; return them and the number of classes K."""
    y_true, y_pred = check_labels(y_true, "y_true"), check_labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}")
    if n_classes is None:
        return y_true, y_pred, int(max(y_true.max(), y_pred.max())) + 1
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.max() >= n_classes:
            raise ValueError(f"{name} holds label {labels.max()}, outside 0..{n_classes - 1} (n_classes={n_classes})")
    return y_true, y_pred, int(n_classes)


def _check_scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    """Binary labels with both classes present, and one finite score per label."""
    y_true = check_labels(y_true, "y_true")
    if y_true.max() > 1:
        raise ValueError("y_true must hold binary labels 0 and 1")
    if y_true.min() == y_true.max():
        raise ValueError("y_true must contain both classes 0 and 1 for an ROC curve")
    scores = as_float_array(scores, "scores")
    if scores.shape != y_true.shape:
        raise ValueError(f"scores and y_true must have the same length, got {scores.size} and {y_true.size}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite")
    return y_true, scores


# --8<-- [end:checks]


# --8<-- [start:accuracy]
def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions: (1/N) sum_i [y_pred_i == y_true_i]."""
    y_true, y_pred, _ = check_label_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


# --8<-- [end:accuracy]


# --8<-- [start:confusion_matrix]
def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as class j (rows: truth, columns: prediction)."""
    y_true, y_pred, n_classes = check_label_pair(y_true, y_pred, n_classes)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)  # one count per sample
    return matrix


# --8<-- [end:confusion_matrix]


# --8<-- [start:precision_recall_f1]
AVERAGES = (None, "binary", "micro", "macro", "weighted")


def _ratio(numerator, denominator, zero_division: float) -> np.ndarray:
    """numerator / denominator, or ``zero_division`` where the denominator is 0."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    return np.where(denominator > 0, numerator / np.maximum(denominator, 1.0), zero_division)


def precision_recall_f1(y_true, y_pred, average: str | None = "macro", n_classes: int | None = None,
                        zero_division: float = 0.0):
    """Precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2TP/(2TP+FP+FN), per class from the confusion matrix.

    ``average``: None (one value per class), "binary" (class 1 of labels {0, 1}),
    "micro" (pool the counts of all classes), "macro" (plain mean over classes) or
    "weighted" (mean weighted by each class's number of true samples, its support).
    A ratio whose denominator is 0 (e.g. precision of a class never predicted) is
    ``zero_division``, 0.0 or 1.0, as in scikit-learn (whose default "warn" gives 0.0).
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    if check_real(zero_division, "zero_division") not in (0.0, 1.0):
        raise ValueError(f"zero_division must be 0.0 or 1.0, got {zero_division}")
    if average == "binary":
        if n_classes not in (None, 2):
            raise ValueError(f"n_classes must be 2 with average='binary', got {n_classes}")
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
    return tuple(float(np.average(score, weights=weights)) for score in (precision, recall, f1))


# --8<-- [end:precision_recall_f1]


# --8<-- [start:binary_report]
def binary_report(y_true, y_pred) -> dict[str, float]:
    """Accuracy, and precision, recall and F1 of the positive class 1, for labels in {0, 1}."""
    precision, recall, f1 = precision_recall_f1(y_true, y_pred, average="binary")
    return {"accuracy": accuracy(y_true, y_pred), "precision": precision, "recall": recall, "f1": f1}


# --8<-- [end:binary_report]


# --8<-- [start:threshold]
def predict_at_threshold(probabilities, threshold: float = 0.5) -> np.ndarray:
    """Turn probabilities of the positive class into labels: 1 where p >= threshold, else 0."""
    probabilities = as_float_array(probabilities, "probabilities")
    if np.any((probabilities < 0) | (probabilities > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    threshold = check_real(threshold, "threshold")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    return (probabilities >= threshold).astype(np.int64)


# --8<-- [end:threshold]


# --8<-- [start:roc_curve]
def roc_curve(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates of the rule "predict 1 if score >= t", for every distinct score t.

    Thresholds run from +inf (nothing predicted positive, the point (0, 0)) down to the
    lowest score (everything positive, the point (1, 1)). Samples with tied scores cross
    the threshold together, so a tie makes one diagonal step. Scores may be any real numbers.
    """
    y_true, scores = _check_scores(y_true, scores)
    order = np.argsort(-scores, kind="stable")  # highest score first
    scores, y_true = scores[order], y_true[order]
    last_of_each_score = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    true_positives = np.cumsum(y_true)[last_of_each_score]
    false_positives = last_of_each_score + 1 - true_positives  # predicted 1 so far, minus the right ones
    tpr = np.r_[0, true_positives] / true_positives[-1]
    fpr = np.r_[0, false_positives] / false_positives[-1]
    thresholds = np.r_[np.inf, scores[last_of_each_score]]
    return fpr, tpr, thresholds


# --8<-- [end:roc_curve]


# --8<-- [start:auc]
def auc(fpr, tpr) -> float:
    """Area under a curve through the points (fpr_k, tpr_k), by the trapezoid rule."""
    fpr, tpr = as_float_array(fpr, "fpr"), as_float_array(tpr, "tpr")
    if fpr.ndim != 1 or fpr.shape != tpr.shape or fpr.size < 2:
        raise ValueError(f"fpr and tpr must be 1-D of the same length >= 2, got {fpr.shape} and {tpr.shape}")
    if np.any(np.diff(fpr) < 0):
        raise ValueError("fpr must be non-decreasing")
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve: 1 for a perfect ranking, 0.5 for random scores."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return auc(fpr, tpr)


def auc_by_ranking(y_true, scores) -> float:
    """The same area, as a probability: P(score of a positive > score of a negative), ties counting 1/2.

    Compares every positive with every negative, so it costs memory P * N: for small data.
    """
    y_true, scores = _check_scores(y_true, scores)
    positive, negative = scores[y_true == 1][:, None], scores[y_true == 0][None, :]
    return float(np.mean((positive > negative) + 0.5 * (positive == negative)))


# --8<-- [end:auc]
