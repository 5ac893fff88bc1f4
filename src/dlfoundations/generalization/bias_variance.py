"""The bias-variance trade-off, measured on a 1-D regression task.

The set-up follows *Understanding Deep Learning* (its bias-variance notebook): a known
function mu(x) = exp(sin(2 pi x)) on [0, 1], training sets of N = 15 noisy points,
and a family of models of growing capacity, shallow ReLU networks whose D hidden units
have fixed joints spread over [0, 1] and whose output layer is fitted by linear least
squares. Fitting every model to many independent training sets measures, at every
test input, how far the average fit is from mu (the bias), how much the fits scatter
around their average (the variance), and the noise no model can remove; the three
add up to the expected test error.
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations.building_blocks.feedforward import shallow_relu_network
from dlfoundations.foundations.functions import relu

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    finite,
    finite_array,
    generator,
    list_of,
    matrix,
    non_negative,
    non_negative_integer,
    same_length,
    same_shape,
    vector,
)
from dlfoundations.experiments import experiment


def _columns_match(predictions: str, values: str):
    """One column of ``predictions`` per entry of ``values``."""

    def check(arguments: dict) -> None:
        columns, n_values = arguments[predictions].shape[1], len(arguments[values])
        if columns != n_values:
            message = f"{predictions} must have one column per entry of {values}"
            raise ValueError(f"{message}: {columns} columns, {n_values} entries")

    return check


def _two_rows_at_least(arguments: dict) -> None:
    """Two fits at least: a standard error needs two samples."""
    if len(arguments["predictions"]) < 2:
        raise ValueError("predictions must hold two rows (fits) at least")


def _training_sets(value, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """A non-empty list of training sets, each a pair (x, y) of 1-D arrays of one
    length."""
    if not isinstance(value, (list, tuple)) or len(value) == 0:
        kind = type(value).__name__
        raise TypeError(f"{name} must be a non-empty list of (x, y) pairs, got {kind}")
    pairs = []
    for k, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{name}[{k}] must be a pair (x, y)")
        x, y = vector(pair[0], f"{name}[{k}][0]"), vector(pair[1], f"{name}[{k}][1]")
        if len(x) != len(y):
            message = f"{name}[{k}] must pair x and y of one length"
            raise ValueError(f"{message}, got {len(x)} and {len(y)}")
        pairs.append((x, y))
    return pairs


@check_arguments(x=finite_array)
# --8<-- [start:true_function]
def true_function(x) -> np.ndarray:
    """mu(x) = exp(sin(2 pi x)): the mean of y given x, what the models try to learn."""
    return np.exp(np.sin(2 * np.pi * x))


# --8<-- [end:true_function]


@check_arguments(n_examples=count, noise_std=non_negative, rng=generator)
# --8<-- [start:sample_dataset]
def sample_dataset(
    n_examples: int, noise_std: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """N examples y_i = mu(x_i) + noise, the noise drawn from N(0, s^2).

    x_i is uniform in the i-th of N equal slices of [0, 1], so that every training
    set covers the interval.
    """
    x = (np.arange(n_examples) + rng.uniform(size=n_examples)) / n_examples
    y = true_function(x) + rng.normal(0.0, noise_std, size=n_examples)
    return x, y


# --8<-- [end:sample_dataset]


@check_arguments(x=vector, n_hidden=count)
# --8<-- [start:hidden_activations]
def hidden_activations(x, n_hidden: int) -> np.ndarray:
    """The D hidden units relu(x - j / D), j = 0, ..., D - 1, one column each.

    Their joints are fixed, evenly spread over [0, 1]: only the output layer learns.
    """
    joints = np.arange(n_hidden) / n_hidden
    return relu(x[:, None] - joints)


# --8<-- [end:hidden_activations]


@check_arguments(same_length("x", "y"), x=vector, y=vector, n_hidden=count)
# --8<-- [start:fit_output_layer]
def fit_output_layer(x, y, n_hidden: int) -> tuple[float, np.ndarray]:
    """The output bias c and weights v of least squared error on (x, y).

    The model is linear in (c, v), so linear least squares finds them exactly; where
    they are not unique (a slice of [0, 1] with no data), lstsq takes the smallest.
    """
    design = np.column_stack([np.ones(len(x)), hidden_activations(x, n_hidden)])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    return coefficients[0], coefficients[1:]


# --8<-- [end:fit_output_layer]


@check_arguments(x=vector, c=finite, v=vector)
# --8<-- [start:predict]
def predict(x, c: float, v) -> np.ndarray:
    """f(x; phi) = c + sum_j v_j relu(x - j / D), with phi = (c, v).

    This is the feedforward chapter's shallow network, input weights 1, biases -j/D.
    """
    joints = np.arange(len(v)) / len(v)
    return shallow_relu_network(x, np.ones(len(v)), -joints, v, c)


# --8<-- [end:predict]


@check_arguments(datasets=_training_sets, x_test=vector, n_hidden=count)
# --8<-- [start:predictions_over_datasets]
def predictions_over_datasets(datasets: list, x_test, n_hidden: int) -> np.ndarray:
    """Fit the model with D hidden units to each training set (x, y) of datasets;
    row s holds the s-th fit's predictions at x_test."""
    rows = []
    for x, y in datasets:
        c, v = fit_output_layer(x, y, n_hidden)
        rows.append(predict(x_test, c, v))
    return np.array(rows)


# --8<-- [end:predictions_over_datasets]


@check_arguments(
    _columns_match("predictions", "mu_test"),
    predictions=matrix,
    mu_test=vector,
    noise_std=non_negative,
)
# --8<-- [start:bias_variance_noise]
def bias_variance_noise(predictions, mu_test, noise_std: float) -> dict[str, float]:
    """The terms of the expected test error, averaged over the test inputs.

    predictions: (S, n_test), one row per training set; mu_test: mu at the test
    inputs; noise_std: s, the standard deviation of the noise on y.
    """
    mean_prediction = predictions.mean(axis=0)  # the average fit, f-bar(x)
    return {
        "bias_squared": np.mean((mean_prediction - mu_test) ** 2),
        "variance": np.mean((predictions - mean_prediction) ** 2),
        "noise": noise_std**2,
        # E over the noise of (f - y)^2 is (f - mu)^2 + s^2, for every fit f
        "expected_error": np.mean((predictions - mu_test) ** 2) + noise_std**2,
    }


# --8<-- [end:bias_variance_noise]


@check_arguments(
    same_shape("predictions", "y_test"),
    _two_rows_at_least,
    predictions=matrix,
    y_test=matrix,
)
# --8<-- [start:measured_test_error]
def measured_test_error(predictions, y_test) -> tuple[float, float]:
    """The mean squared error on noisy test targets, and its standard error.

    y_test[s] is a fresh test set (new noise at the same inputs) for the fit of row
    s; the training sets are independent, so the S per-set errors are too.
    """
    per_set = np.mean((predictions - y_test) ** 2, axis=1)
    return per_set.mean(), per_set.std(ddof=1) / np.sqrt(len(per_set))


# --8<-- [end:measured_test_error]


@experiment
@check_arguments(
    capacities=list_of(count),
    n_examples=count,
    noise_std=non_negative,
    n_datasets=count,
    n_test=count,
    n_shown=count,
    seed=non_negative_integer,
)
# --8<-- [start:bias_variance_sweep]
def bias_variance_sweep(
    capacities: tuple[int, ...] = tuple(range(1, 13)),
    n_examples: int = 15,
    noise_std: float = 0.3,
    n_datasets: int = 1000,
    n_test: int = 101,
    n_shown: int = 20,
    seed: int = 0,
) -> dict:
    """Bias^2, variance, noise and test error for each number of hidden units D.

    Every capacity is fitted to the same n_datasets training sets, and tested at
    n_test inputs evenly spread over [0, 1]; the first n_shown fits are kept.
    """
    rng = np.random.default_rng(seed)
    datasets = [sample_dataset(n_examples, noise_std, rng) for _ in range(n_datasets)]
    x_test = np.linspace(0.0, 1.0, n_test)
    mu_test = true_function(x_test)
    y_test = mu_test + rng.normal(0.0, noise_std, size=(n_datasets, n_test))
    terms = {"bias_squared": [], "variance": [], "noise": [], "expected_error": []}
    measured, errors, shown, means = [], [], [], []
    for n_hidden in capacities:
        predictions = predictions_over_datasets(datasets, x_test, n_hidden)
        for name, value in bias_variance_noise(predictions, mu_test, noise_std).items():
            terms[name].append(value)
        error, standard_error = measured_test_error(predictions, y_test)
        measured.append(error)
        errors.append(standard_error)
        shown.append(predictions[:n_shown])
        means.append(predictions.mean(axis=0))
    results = {**terms, "measured_error": measured, "standard_error": errors}
    results |= {"capacities": capacities}
    results |= {"x_test": x_test, "mu_test": mu_test, "shown_fits": shown}
    results |= {
        "mean_fit": means,
        "first_dataset": datasets[0],
        "n_datasets": n_datasets,
    }
    return {name: np.array(value) for name, value in results.items()}


# --8<-- [end:bias_variance_sweep]
