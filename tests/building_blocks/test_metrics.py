"""Evaluation metrics against sklearn.metrics, edge cases included (classes never
predicted or absent, ties)."""

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import UndefinedMetricWarning

from dlfoundations.building_blocks.metrics import (
    accuracy,
    auc,
    auc_by_ranking,
    binary_report,
    confusion_matrix,
    precision_recall_f1,
    predict_at_threshold,
    roc_auc,
    roc_curve,
)

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def label_pairs(draw, max_classes: int = 5):
    """Random true and predicted labels; small sizes make absent and never-predicted
    classes common."""
    n_classes = draw(st.integers(1, max_classes))
    n = draw(st.integers(1, 25))
    labels = st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels)), n_classes


def sklearn_prf(y_true, y_pred, labels, average, zero_division):
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # UndefinedMetricWarning when zero_division="warn"
        return skm.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=zero_division
        )[:3]


@SETTINGS
@given(pair=label_pairs())
def test_accuracy_and_confusion_matrix_match_sklearn(pair):
    y_true, y_pred, n_classes = pair
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when only one label occurs
        expected = skm.confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    assert np.array_equal(
        confusion_matrix(y_true, y_pred, n_classes=n_classes), expected
    )


@SETTINGS
@given(
    pair=label_pairs(),
    average=st.sampled_from([None, "micro", "macro", "weighted"]),
    zero_division=st.sampled_from([0.0, 1.0]),
)
def test_precision_recall_f1_match_sklearn(pair, average, zero_division):
    y_true, y_pred, n_classes = pair
    ours = precision_recall_f1(
        y_true,
        y_pred,
        average=average,
        n_classes=n_classes,
        zero_division=zero_division,
    )
    theirs = sklearn_prf(y_true, y_pred, list(range(n_classes)), average, zero_division)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(pair=label_pairs(max_classes=2), zero_division=st.sampled_from([0.0, 1.0]))
def test_binary_average_matches_sklearn(pair, zero_division):
    y_true, y_pred, _ = pair
    ours = precision_recall_f1(
        y_true, y_pred, average="binary", zero_division=zero_division
    )
    theirs = sklearn_prf(y_true, y_pred, [0, 1], "binary", zero_division)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("average", ["binary", "macro", "weighted"])
def test_default_zero_division_behaves_like_sklearns_warn(average):
    y_true, y_pred = (
        np.array([0, 0, 1, 0]),
        np.zeros(4, dtype=int),
    )  # class 1 never predicted
    with pytest.warns(UndefinedMetricWarning):
        theirs = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=[0, 1], average=average
        )[:3]
    np.testing.assert_allclose(
        precision_recall_f1(y_true, y_pred, average=average, n_classes=2), theirs
    )


def test_edge_cases_by_hand():
    # class 2 is never predicted and class 1 never occurs in the truth
    y_true, y_pred = np.array([0, 0, 2, 2]), np.array([0, 1, 0, 0])
    precision, recall, f1 = precision_recall_f1(
        y_true, y_pred, average=None, n_classes=3
    )
    assert precision.tolist() == [1 / 3, 0.0, 0.0]  # class 2: 0/0 -> zero_division = 0
    assert recall.tolist() == [0.5, 0.0, 0.0]  # class 1: 0/0 -> 0
    precision, recall, _ = precision_recall_f1(
        y_true, y_pred, average=None, n_classes=3, zero_division=1.0
    )
    assert precision.tolist() == [1 / 3, 0.0, 1.0] and recall.tolist() == [
        0.5,
        1.0,
        0.0,
    ]


@SETTINGS
@given(
    labels=st.lists(st.integers(0, 1), min_size=2, max_size=40).filter(
        lambda y: 0 < sum(y) < len(y)
    ),
    resolution=st.sampled_from([1, 2, 4, 1000]),  # few distinct values: many ties
    seed=st.integers(0, 10_000),
)
def test_roc_curve_and_auc_match_sklearn_with_ties(labels, resolution, seed):
    y_true = np.array(labels)
    scores = (
        np.round(np.random.default_rng(seed).random(y_true.size) * resolution)
        / resolution
    )
    fpr, tpr, thresholds = roc_curve(y_true, scores)
    ref_fpr, ref_tpr, ref_thresholds = skm.roc_curve(
        y_true, scores, drop_intermediate=False
    )
    np.testing.assert_allclose(fpr, ref_fpr, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tpr, ref_tpr, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(thresholds, ref_thresholds)
    assert (
        thresholds.size == np.unique(scores).size + 1
    )  # +inf, then each distinct score
    expected_auc = skm.roc_auc_score(y_true, scores)
    assert roc_auc(y_true, scores) == pytest.approx(expected_auc, rel=1e-12, abs=1e-12)
    assert auc_by_ranking(y_true, scores) == pytest.approx(
        expected_auc, rel=1e-12, abs=1e-12
    )
    assert auc(fpr, tpr) == pytest.approx(
        skm.auc(ref_fpr, ref_tpr), rel=1e-12, abs=1e-12
    )


@SETTINGS
@given(pair=label_pairs())
def test_micro_scores_and_weighted_recall_equal_the_accuracy(pair):
    """As the page says: with one true and one predicted label per sample, micro
    precision, recall and F1 and the weighted recall are all the accuracy."""
    y_true, y_pred, n_classes = pair
    expected = accuracy(y_true, y_pred)
    micro = precision_recall_f1(y_true, y_pred, "micro", n_classes=n_classes)
    np.testing.assert_allclose(micro, expected, rtol=1e-12, atol=1e-12)
    _, weighted_recall, _ = precision_recall_f1(
        y_true, y_pred, "weighted", n_classes=n_classes
    )
    assert weighted_recall == pytest.approx(expected, rel=1e-12, abs=1e-12)


@SETTINGS
@given(
    labels=st.lists(st.integers(0, 1), min_size=2, max_size=40).filter(
        lambda y: 0 < sum(y) < len(y)
    ),
    seed=st.integers(0, 10_000),
)
def test_auc_depends_only_on_the_order_of_the_scores(labels, seed):
    """A logit and its sigmoid (any increasing map) give the same ROC curve and AUC;
    a decreasing map turns the AUC into 1 - AUC."""
    y_true = np.array(labels)
    logits = np.round(np.random.default_rng(seed).normal(size=y_true.size), 1)
    probabilities = 1 / (1 + np.exp(-logits))
    ours, theirs = roc_curve(y_true, logits), roc_curve(y_true, probabilities)
    for mine, reference in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(mine, reference)
    assert roc_auc(y_true, logits) == pytest.approx(roc_auc(y_true, probabilities))
    assert roc_auc(y_true, -logits) == pytest.approx(1 - roc_auc(y_true, logits))


def test_roc_of_real_valued_scores_and_perfect_and_reversed_rankings():
    y_true = np.array([0, 0, 1, 1])
    assert roc_auc(y_true, [-3.0, -1.0, 2.0, 10.0]) == 1.0
    assert roc_auc(y_true, [10.0, 2.0, -1.0, -3.0]) == 0.0
    assert roc_auc(y_true, [0.5, 0.5, 0.5, 0.5]) == 0.5  # one tie for all: the diagonal


def test_accuracy_misleads_on_imbalanced_data():
    rng = np.random.default_rng(0)
    y_true = (rng.random(2000) < 0.05).astype(int)
    always_negative = np.zeros_like(y_true)
    report = binary_report(y_true, always_negative)
    assert (
        report["accuracy"] == pytest.approx(1 - y_true.mean())
        and report["accuracy"] > 0.94
    )
    assert (
        report["recall"] == report["f1"] == 0.0 == skm.f1_score(y_true, always_negative)
    )
    assert report["accuracy"] == skm.accuracy_score(y_true, always_negative)


def test_predict_at_threshold():
    probabilities = np.array([0.0, 0.2, 0.5, 0.7, 1.0])
    assert predict_at_threshold(probabilities).tolist() == [0, 0, 1, 1, 1]
    assert predict_at_threshold(probabilities, 0.75).tolist() == [0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: accuracy([0, 1, 1], [0, 1]), ValueError, "same length"),
        (lambda: accuracy([], []), ValueError, "y_true must not be empty"),
        (
            lambda: accuracy([0, np.nan], [0, 1]),
            ValueError,
            "y_true must not contain NaN",
        ),
        (
            lambda: accuracy([0, 1], [0, -1]),
            ValueError,
            "y_pred must hold class indices",
        ),
        (
            lambda: accuracy([0, 1.5], [0, 1]),
            ValueError,
            "y_true must hold class indices",
        ),
        (
            lambda: accuracy(["a", "b"], [0, 1]),
            TypeError,
            "y_true must be a number or an array of numbers",
        ),
        (
            lambda: confusion_matrix([0, 3], [0, 1], n_classes=3),
            ValueError,
            "y_true holds label 3",
        ),
        (
            lambda: confusion_matrix([0, 1], [0, 1], n_classes=0),
            ValueError,
            "n_classes",
        ),
        (
            lambda: precision_recall_f1([0, 2], [0, 1], average="binary"),
            ValueError,
            "y_true holds label 2",
        ),
        (
            lambda: precision_recall_f1([0, 1], [0, 1], average="mean"),
            ValueError,
            "average",
        ),
        (
            lambda: precision_recall_f1([0, 1], [0, 1], zero_division=0.5),
            ValueError,
            "zero_division",
        ),
        (
            lambda: precision_recall_f1([0, 1], [0, 1], zero_division="warn"),
            TypeError,
            "zero_division",
        ),
        (
            lambda: roc_curve([0, 1, 2], [0.1, 0.2, 0.3]),
            ValueError,
            "y_true must hold binary",
        ),
        (
            lambda: roc_curve([1, 1], [0.1, 0.2]),
            ValueError,
            "y_true must contain both classes",
        ),
        (lambda: roc_curve([0, 1], [0.1, 0.2, 0.3]), ValueError, "scores and y_true"),
        (
            lambda: roc_curve([0, 1], [0.1, np.nan]),
            ValueError,
            "scores must not contain NaN",
        ),
        (lambda: roc_curve([0, 1], [0.1, np.inf]), ValueError, "scores must be finite"),
        (lambda: roc_curve([], []), ValueError, "y_true must not be empty"),
        (
            lambda: auc([0.0, 1.0, 0.5], [0.0, 1.0, 1.0]),
            ValueError,
            "fpr must be non-decreasing",
        ),
        (lambda: auc([0.0], [0.0]), ValueError, "fpr and tpr"),
        (
            lambda: predict_at_threshold([0.2, 1.2]),
            ValueError,
            "probabilities must lie in",
        ),
        (
            lambda: predict_at_threshold([0.2, -0.1]),
            ValueError,
            "probabilities must lie in",
        ),
        (
            lambda: predict_at_threshold([0.2, 0.4], threshold=2.0),
            ValueError,
            "threshold",
        ),
    ],
)
def test_bad_input_raises_an_error_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
