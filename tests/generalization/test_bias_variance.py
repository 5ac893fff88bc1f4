"""The bias-variance chapter: the model against PyTorch and scikit-learn, the
decomposition as an identity (exact to rounding) and as a measurement (within its
standard error), and the trade-off on the chapter's own numbers."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error

from dlfoundations.generalization.bias_variance import (
    bias_variance_noise,
    bias_variance_sweep,
    fit_output_layer,
    hidden_activations,
    measured_test_error,
    predict,
    predictions_over_datasets,
    sample_dataset,
    true_function,
)

sweep = bias_variance_sweep.__wrapped__  # uncached


@pytest.fixture(scope="module")
def chapter_sweep():
    """The sweep at the chapter's settings (about three seconds)."""
    return sweep()


def test_true_function_at_quarter_points():
    values = true_function([0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(values, [1, np.e, 1, 1 / np.e, 1], rtol=1e-12)


def test_each_example_lies_in_its_own_slice_and_the_noise_has_its_std():
    rng = np.random.default_rng(0)
    x, y = sample_dataset(15, 0.3, rng)
    assert x.shape == y.shape == (15,)
    np.testing.assert_array_equal(np.floor(x * 15), np.arange(15))
    residuals = []
    for _ in range(200):
        x, y = sample_dataset(50, 0.3, rng)
        residuals.append(y - true_function(x))
    residuals = np.concatenate(residuals)  # 10,000 draws: standard error 0.002
    assert abs(residuals.std() - 0.3) < 0.01 and abs(residuals.mean()) < 0.01
    x, y = sample_dataset(10, 0.0, rng)
    np.testing.assert_array_equal(y, true_function(x))


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 30), elements=st.floats(-2, 3)),
    n_hidden=st.integers(1, 20),
)
def test_hidden_units_match_a_torch_linear_relu_layer(x, n_hidden):
    layer = torch.nn.Linear(1, n_hidden).double()
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.copy_(-torch.arange(n_hidden, dtype=torch.float64) / n_hidden)
    expected = torch.relu(layer(torch.from_numpy(x)[:, None])).detach().numpy()
    np.testing.assert_allclose(hidden_activations(x, n_hidden), expected, atol=1e-12)


def test_predict_is_a_torch_shallow_network():
    rng = np.random.default_rng(1)
    x, c, v = rng.uniform(size=40), 0.7, rng.normal(size=6)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1)
    ).double()
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.copy_(-torch.arange(6, dtype=torch.float64) / 6)
        model[2].weight.copy_(torch.from_numpy(v)[None, :])
        model[2].bias.fill_(c)
    expected = model(torch.from_numpy(x)[:, None]).detach().numpy()[:, 0]
    np.testing.assert_allclose(predict(x, c, v), expected, atol=1e-12)


@pytest.mark.parametrize("n_hidden", [1, 3, 7, 12])
def test_least_squares_fit_matches_scikit_learn(n_hidden):
    x, y = sample_dataset(15, 0.3, np.random.default_rng(n_hidden))
    c, v = fit_output_layer(x, y, n_hidden)
    oracle = LinearRegression().fit(hidden_activations(x, n_hidden), y)
    features = hidden_activations(x, n_hidden)
    np.testing.assert_allclose(predict(x, c, v), oracle.predict(features), atol=1e-9)
    # the smallest squared error: any other output layer does worse
    loss = np.mean((predict(x, c, v) - y) ** 2)
    other = np.mean((predict(x, c + 0.01, v) - y) ** 2)
    assert loss < other


def test_a_function_of_the_model_family_is_recovered_exactly():
    rng = np.random.default_rng(2)
    c, v = 0.5, rng.normal(size=4)
    x = (np.arange(40) + rng.uniform(size=40)) / 40
    fitted_c, fitted_v = fit_output_layer(x, predict(x, c, v), 4)
    np.testing.assert_allclose([fitted_c, *fitted_v], [c, *v], atol=1e-10)


def test_row_s_holds_the_fit_to_training_set_s():
    rng = np.random.default_rng(3)
    datasets = [sample_dataset(15, 0.3, rng) for _ in range(5)]
    x_test = np.linspace(0, 1, 11)
    rows = predictions_over_datasets(datasets, x_test, 4)
    assert rows.shape == (5, 11)
    for (x, y), row in zip(datasets, rows):
        np.testing.assert_array_equal(row, predict(x_test, *fit_output_layer(x, y, 4)))


@settings(max_examples=60, deadline=None)
@given(
    predictions=arrays(
        np.float64,
        st.tuples(st.integers(1, 20), st.integers(1, 15)),
        elements=st.floats(-1e3, 1e3),
    ),
    noise_std=st.floats(0, 10),
    data=st.data(),
)
def test_the_decomposition_is_an_identity(predictions, noise_std, data):
    mu = data.draw(
        arrays(np.float64, predictions.shape[1], elements=st.floats(-1e3, 1e3))
    )
    terms = bias_variance_noise(predictions, mu, noise_std)
    total = terms["bias_squared"] + terms["variance"] + terms["noise"]
    scale = np.mean((predictions - mu) ** 2) + noise_std**2 + 1.0
    assert abs(terms["expected_error"] - total) <= 1e-12 * scale
    # the variance is NumPy's, averaged over the test inputs
    np.testing.assert_allclose(
        terms["variance"], predictions.var(axis=0).mean(), rtol=1e-9, atol=1e-9
    )
    assert terms["noise"] == noise_std**2


def test_no_bias_when_the_average_fit_is_mu_and_no_variance_when_fits_agree():
    mu = np.array([1.0, 2.0, 3.0])
    scattered = mu + np.array([[0.5, -0.5, 1.0], [-0.5, 0.5, -1.0]])
    terms = bias_variance_noise(scattered, mu, 0.0)
    assert terms["bias_squared"] == 0 and terms["variance"] == pytest.approx(0.5)
    agreeing = np.tile(mu + 1.0, (4, 1))
    terms = bias_variance_noise(agreeing, mu, 0.2)
    assert terms["variance"] == 0 and terms["bias_squared"] == pytest.approx(1.0)
    assert terms["expected_error"] == pytest.approx(1.0 + 0.04)


def test_measured_error_is_scikit_learns_mean_squared_error():
    rng = np.random.default_rng(4)
    predictions, targets = rng.normal(size=(6, 9)), rng.normal(size=(6, 9))
    expected = mean_squared_error(targets.ravel(), predictions.ravel())
    error, standard_error = measured_test_error(predictions, targets)
    assert error == pytest.approx(expected)
    per_set = [mean_squared_error(t, p) for t, p in zip(targets, predictions)]
    assert standard_error == pytest.approx(np.std(per_set, ddof=1) / np.sqrt(6))


def test_noisy_test_targets_measure_the_expected_error_within_its_standard_error():
    """On fresh noisy targets the squared error estimates bias^2 + variance + s^2;
    the training sets are independent, so its standard error comes from the
    per-set errors. A wrong noise level is caught by the same test."""
    rng = np.random.default_rng(5)
    datasets = [sample_dataset(15, 0.3, rng) for _ in range(400)]
    x_test = np.linspace(0, 1, 51)
    mu = true_function(x_test)
    predictions = predictions_over_datasets(datasets, x_test, 5)
    y_test = mu + rng.normal(0.0, 0.3, size=predictions.shape)
    measured, standard_error = measured_test_error(predictions, y_test)
    expected = bias_variance_noise(predictions, mu, 0.3)["expected_error"]
    assert abs(measured - expected) < 4 * standard_error
    wrong = bias_variance_noise(predictions, mu, 0.4)["expected_error"]
    assert abs(measured - wrong) > 4 * standard_error


def test_the_sweep_adds_up_to_rounding_on_its_own_numbers(chapter_sweep):
    terms = [chapter_sweep[k] for k in ("bias_squared", "variance", "noise")]
    total = np.sum(terms, axis=0)
    np.testing.assert_allclose(chapter_sweep["expected_error"], total, rtol=1e-13)
    gaps = chapter_sweep["measured_error"] - chapter_sweep["expected_error"]
    assert np.all(np.abs(gaps) < 3 * chapter_sweep["standard_error"])
    assert np.all(np.abs(gaps) < 0.005)


def test_bias_falls_variance_rises_and_the_error_is_u_shaped(chapter_sweep):
    bias, variance = chapter_sweep["bias_squared"], chapter_sweep["variance"]
    error = chapter_sweep["expected_error"]
    assert bias[0] > 100 * bias[-1]
    assert np.all(np.diff(variance) > 0)  # every unit more adds variance
    assert variance[-1] > 10 * variance[0]
    best = int(np.argmin(error))
    assert 0 < best < len(error) - 1
    assert error[0] > 2 * error[best] and error[-1] > 2 * error[best]
    assert chapter_sweep["capacities"][best] == 4


def test_the_sweep_keeps_the_fits_it_shows(chapter_sweep):
    n_capacities = len(chapter_sweep["capacities"])
    assert chapter_sweep["shown_fits"].shape == (n_capacities, 20, 101)
    assert chapter_sweep["mean_fit"].shape == (n_capacities, 101)
    x, y = chapter_sweep["first_dataset"]
    first_fit = predict(chapter_sweep["x_test"], *fit_output_layer(x, y, 1))
    np.testing.assert_allclose(chapter_sweep["shown_fits"][0, 0], first_fit)


def test_the_sweep_is_deterministic_and_small_settings_run():
    small = dict(capacities=[1, 2], n_examples=6, n_datasets=5, n_test=7, n_shown=2)
    first, second = sweep(**small), sweep(**small)
    np.testing.assert_array_equal(first["variance"], second["variance"])
    assert sweep(**small, seed=1)["variance"][0] != first["variance"][0]


def test_bad_inputs_are_refused_by_name():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n_examples"):
        sample_dataset(0, 0.3, rng)
    with pytest.raises(ValueError, match="noise_std"):
        sample_dataset(5, -1.0, rng)
    with pytest.raises(TypeError, match="rng"):
        sample_dataset(5, 0.3, 0)
    with pytest.raises(ValueError, match="x and y"):
        fit_output_layer([0.1, 0.2], [1.0], 2)
    with pytest.raises(ValueError, match="predictions"):
        bias_variance_noise(np.ones((3, 4)), np.ones(5), 0.1)
    with pytest.raises(ValueError, match="predictions and y_test"):
        measured_test_error(np.ones((3, 4)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="two rows"):
        measured_test_error(np.ones((1, 4)), np.ones((1, 4)))
    with pytest.raises(TypeError, match="datasets"):
        predictions_over_datasets([np.ones(3)], np.ones(2), 2)
    with pytest.raises(ValueError, match="capacities"):
        sweep(capacities=[0, 1])
