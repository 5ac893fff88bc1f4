"""High-dimensional spaces: distances against scipy, the ball's volume against the
Gamma function and its recursion, Monte Carlo against the closed form, uniform points
in a ball against rejection sampling, nearest neighbours and principal directions
against scikit-learn, and what the page says about MNIST-1D."""

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist, pdist
from scipy.stats import ks_2samp
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

from dlfoundations.generalization.high_dimensional_spaces import (
    ball_volume,
    directions_for_share,
    distance_ratio,
    distinct_pair_distances,
    explained_variance_ratio,
    fraction_in_shell,
    gaussian_distance_ratios,
    mnist1d_and_noise,
    monte_carlo_ball_volume,
    nearest_neighbour_predict,
    pairwise_distances,
    relative_contrast,
    shell_fraction,
    uniform_in_ball,
    unit_diameter_ball_volume_in_ten_dimensions,
)
from dlfoundations.reproductions import declared

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def two_batches(draw):
    d = draw(st.integers(1, 12))
    a = draw(arrays(np.float64, (draw(st.integers(1, 8)), d), elements=values))
    b = draw(arrays(np.float64, (draw(st.integers(1, 8)), d), elements=values))
    return a, b


@settings(max_examples=60, deadline=None)
@given(two_batches())
@example((np.array([[1e3, -1e3]]), np.array([[1e3, -1e3], [0.0, 0.0]])))
def test_pairwise_distances_match_scipy(batches):
    a, b = batches
    expected = cdist(a, b)
    # ||u||^2 + ||v||^2 - 2 u.v loses digits when u and v are close: an absolute
    # error of about sqrt(eps) times the norms
    scale = 1.0 + np.abs(a).max() + np.abs(b).max()
    np.testing.assert_allclose(pairwise_distances(a, b), expected, atol=1e-6 * scale)


def test_distinct_pairs_are_scipys_condensed_distances():
    x = np.random.default_rng(0).normal(size=(30, 5))
    distances = distinct_pair_distances(x)
    assert distances.shape == (30 * 29 // 2,)
    np.testing.assert_allclose(distances, pdist(x), rtol=1e-10)


def test_distance_ratio_of_three_points_on_a_line():
    x = np.array([[0.0], [1.0], [3.0]])  # distances 1, 3 and 2
    assert distance_ratio(x) == pytest.approx(3.0)


def test_distances_concentrate_as_the_square_root_says():
    dims = [2, 10, 100, 1000]
    ratios = gaussian_distance_ratios(dims, n_points=500)
    assert np.all(np.diff(ratios) < 0)
    assert ratios[0] > 100 and ratios[-1] < 1.4
    # ratio - 1 shrinks like 1/sqrt(D) once D is large: (ratio - 1) sqrt(D) levels off
    scaled = (ratios - 1) * np.sqrt(dims)
    assert 0.7 < scaled[3] / scaled[2] < 1.1
    # the mean distance is close to sqrt(2D) and its standard deviation close to 1
    x = np.random.default_rng(1).standard_normal((500, 1000))
    distances = distinct_pair_distances(x)
    assert distances.mean() / math.sqrt(2000) == pytest.approx(1.0, abs=0.01)
    assert distances.std() == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("radius", [0.5, 1.0, 2.7])
def test_ball_volume_in_one_two_and_three_dimensions(radius):
    assert ball_volume(1, radius) == pytest.approx(2 * radius, rel=1e-13)
    assert ball_volume(2, radius) == pytest.approx(math.pi * radius**2, rel=1e-13)
    expected = 4 / 3 * math.pi * radius**3
    assert ball_volume(3, radius) == pytest.approx(expected, rel=1e-13)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.floats(0.05, 3.0))
@example(10, 0.5)
def test_ball_volume_matches_the_gamma_function(dimension, radius):
    """The direct formula with math.gamma and with scipy.special.gamma (both fine
    below D = 340, where Gamma(D/2 + 1) still fits in a float)."""
    d = dimension
    with_math = math.pi ** (d / 2) * radius**d / math.gamma(d / 2 + 1)
    with_scipy = np.pi ** (d / 2) * radius**d / scipy.special.gamma(d / 2 + 1)
    assert ball_volume(d, radius) == pytest.approx(with_math, rel=1e-11, abs=1e-300)
    assert ball_volume(d, radius) == pytest.approx(with_scipy, rel=1e-11, abs=1e-300)


def test_ball_volume_follows_its_recursion_and_vanishes():
    """V_D = (2 pi r^2 / D) V_(D-2): the volume of the unit-diameter ball shrinks as
    soon as 2 pi r^2 / D < 1, here for every D > 1."""
    for d in range(3, 60):
        previous = ball_volume(d - 2, 0.5)
        expected = 2 * math.pi * 0.25 / d * previous
        assert ball_volume(d, 0.5) == pytest.approx(expected, rel=1e-12)
    volumes = [ball_volume(d) for d in range(1, 30)]
    assert np.all(np.diff(volumes) < 0)
    assert 0.0 <= ball_volume(2000) < 1e-300  # no overflow in Gamma(1001)
    radius_one = [ball_volume(d, 1.0) for d in range(1, 30)]
    assert int(np.argmax(radius_one)) + 1 == 5  # the unit-radius ball peaks at D = 5


def test_the_reproduced_volume_is_declared_and_holds():
    expected = math.pi**5 / (math.factorial(5) * 2**10)
    assert unit_diameter_ball_volume_in_ten_dimensions() == pytest.approx(
        expected, rel=1e-14
    )
    (result,) = [r for r in declared() if r.id == "high-dim-ball-volume-d10"]
    assert result.published == pytest.approx(expected, rel=1e-15)
    assert result.holds(result.measure())
    assert not result.holds(result.published * 1.001)


@pytest.mark.parametrize("dimension", [1, 2, 3, 5, 8])
def test_monte_carlo_volume_agrees_with_the_closed_form(dimension):
    estimate, error = monte_carlo_ball_volume(dimension, n_samples=50_000, seed=3)
    expected = ball_volume(dimension)
    if dimension == 1:  # the "ball" is the whole interval [-1/2, 1/2]
        assert (estimate, error) == (1.0, 0.0)
    else:
        assert abs(estimate - expected) < 4 * error
        assert error == pytest.approx(
            math.sqrt(expected * (1 - expected) / 50_000), rel=0.05
        )


def test_monte_carlo_volume_sees_a_wrong_volume():
    """The check above can fail: the estimate is far from the unit-radius formula."""
    estimate, error = monte_carlo_ball_volume(3, n_samples=50_000, seed=3)
    assert abs(estimate - ball_volume(3, radius=0.55)) > 10 * error


def rejection_sample_radii(n, dimension, seed):
    """Distances from the centre of points uniform in the unit ball, by rejection
    from the cube [-1, 1]^D: independent of uniform_in_ball's construction."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, size=(40 * n, dimension))
    rho = np.linalg.norm(points, axis=1)
    return rho[rho <= 1][:n]


@pytest.mark.parametrize("dimension", [1, 2, 3, 5])
def test_uniform_in_ball_matches_rejection_sampling(dimension):
    ours = np.linalg.norm(uniform_in_ball(4000, dimension, seed=1), axis=1)
    theirs = rejection_sample_radii(4000, dimension, seed=2)
    assert len(theirs) == 4000
    assert ks_2samp(ours, theirs).pvalue > 0.01
    # and the test can tell a wrong radius law apart: rho = U (not U^(1/D))
    if dimension > 1:
        wrong = np.random.default_rng(3).uniform(size=4000)
        assert ks_2samp(wrong, theirs).pvalue < 1e-6


@pytest.mark.parametrize(("dimension", "radius"), [(3, 1.0), (50, 2.0)])
def test_uniform_in_ball_moments(dimension, radius):
    """Uniform in a ball: inside it, mean 0, covariance r^2 / (D + 2) times I."""
    points = uniform_in_ball(40_000, dimension, radius=radius, seed=0)
    assert points.shape == (40_000, dimension)
    assert np.linalg.norm(points, axis=1).max() <= radius * (1 + 1e-12)
    variance = radius**2 / (dimension + 2)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=0.03 * radius)
    covariance = np.cov(points, rowvar=False)
    np.testing.assert_allclose(np.diag(covariance), variance, rtol=0.06)
    off_diagonal = covariance - np.diag(np.diag(covariance))
    assert np.abs(off_diagonal).max() < 0.05 * variance


def test_shell_fraction_is_one_minus_a_ratio_of_volumes():
    for d in (1, 2, 10, 100, 300):
        for thickness in (0.01, 0.1, 0.5):
            inner = ball_volume(d, 1 - thickness) / ball_volume(d, 1.0)
            assert shell_fraction(d, thickness) == pytest.approx(1 - inner, rel=1e-10)
    assert shell_fraction(300, 0.01) > 0.95 and shell_fraction(2, 0.01) < 0.02
    assert shell_fraction(7, 0.0) == 0.0 and shell_fraction(7, 1.0) == 1.0


@pytest.mark.parametrize("dimension", [2, 10, 100, 300])
def test_sampled_shell_fraction_agrees_with_the_closed_form(dimension):
    n = 20_000
    points = uniform_in_ball(n, dimension, radius=3.0, seed=dimension)
    expected = shell_fraction(dimension, 0.01)
    error = math.sqrt(expected * (1 - expected) / n)
    measured = fraction_in_shell(points, 0.01, radius=3.0)
    assert abs(measured - expected) < 4 * error + 1e-12


def test_relative_contrast_by_hand():
    queries = np.array([[0.0, 0.0], [10.0, 0.0]])
    points = np.array([[1.0, 0.0], [3.0, 0.0]])
    # query 1: nearest 1, farthest 3 -> 2; query 2: nearest 7, farthest 9 -> 2/7
    assert relative_contrast(queries, points) == pytest.approx((2 + 2 / 7) / 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(2, 5))
def test_nearest_neighbour_matches_scikit_learn(seed, dimension, n_classes):
    rng = np.random.default_rng(seed)
    x_train = rng.normal(size=(40, dimension))
    y_train = rng.integers(0, n_classes, size=40)
    x_query = rng.normal(size=(25, dimension))
    reference = KNeighborsClassifier(n_neighbors=1).fit(x_train, y_train)
    np.testing.assert_array_equal(
        nearest_neighbour_predict(x_train, y_train, x_query),
        reference.predict(x_query),
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 8))
def test_explained_variance_matches_scikit_learn_pca(seed, dimension):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(dimension, dimension)) * rng.uniform(0.1, 3, dimension)
    x = rng.normal(size=(200, dimension)) @ mixing
    ratios = explained_variance_ratio(x)
    np.testing.assert_allclose(
        ratios, PCA().fit(x).explained_variance_ratio_, atol=1e-10
    )
    cumulative = np.cumsum(ratios)
    for share in (0.5, 0.9, 0.99):
        k = directions_for_share(x, share)
        assert cumulative[k - 1] >= share - 1e-12
        assert k == 1 or cumulative[k - 2] < share


def test_directions_for_share_by_hand():
    # the corners (+-3, +-1) at height 5: uncorrelated coordinates with variances in
    # the ratio 9 : 1 : 0, so 90% of the variance lies along the first axis
    x = np.array([[3.0, 1.0, 5.0], [3.0, -1.0, 5.0], [-3.0, 1.0, 5.0], [-3.0, -1, 5]])
    np.testing.assert_allclose(explained_variance_ratio(x), [0.9, 0.1, 0.0], atol=1e-12)
    assert directions_for_share(x, 0.85) == 1
    assert directions_for_share(x, 0.95) == 2
    assert directions_for_share(x, 0.999) == 2


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        cache = tmp_path_factory.mktemp("experiments")
        patch.setenv("DLF_EXPERIMENT_CACHE", str(cache))
        yield mnist1d_and_noise()


def test_mnist1d_is_less_concentrated_and_lower_dimensional_than_noise(data):
    """What the page says: MNIST-1D's nearest training point is much nearer than its
    farthest, its nearest neighbour predicts the digit, and few principal directions
    hold most of its variance; for noise in the same 40 dimensions, none of these."""
    for name in ("x", "noise"):
        assert data[name].shape == (4000, 40)
        assert data[f"{name}_test"].shape == (1000, 40)
    mnist_contrast = relative_contrast(data["x_test"], data["x"])
    noise_contrast = relative_contrast(data["noise_test"], data["noise"])
    assert mnist_contrast > 2.5 * noise_contrast
    assert directions_for_share(data["x"], 0.9) < 20
    assert directions_for_share(data["noise"], 0.9) > 30


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="columns"):
        pairwise_distances(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="x"):
        distance_ratio(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="dimension"):
        ball_volume(0)
    with pytest.raises(ValueError, match="radius"):
        ball_volume(3, radius=-1.0)
    with pytest.raises(TypeError, match="dimension"):
        ball_volume(2.5)
    with pytest.raises(ValueError, match="thickness"):
        shell_fraction(3, 1.5)
    with pytest.raises(ValueError, match="dimensions"):
        gaussian_distance_ratios([2, 0])
    with pytest.raises(ValueError, match="y_train"):
        nearest_neighbour_predict(np.zeros((3, 2)), np.array([0, 1]), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="share"):
        directions_for_share(np.eye(3), 1.5)


def test_the_nearest_mnist1d_sequence_often_has_the_same_digit(data):
    predictions = nearest_neighbour_predict(data["x"], data["y"], data["x_test"])
    assert data["y"].dtype == np.int64
    assert 0.5 < np.mean(predictions == data["y_test"]) < 0.7  # chance: 0.1
