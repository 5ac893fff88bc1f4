"""High-dimensional spaces: random points are all about equally far apart, the
unit-diameter ball holds almost none of its cube's volume, and the volume of a ball
lives in a thin outer shell. What that means for nearest neighbours and for data.

Everything here is NumPy and takes well under a second: no experiment is needed.
"""

# --8<-- [start:imports]
import math

import numpy as np

from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.checks import (
    check_arguments,
    count,
    labels,
    list_of,
    matrix,
    non_negative_integer,
    positive,
    probability,
    same_length,
)
from dlfoundations.reproductions import reproduces


def _same_width(first: str, second: str):
    """The two named batches of points live in the same space (as many columns)."""

    def check_widths(arguments: dict) -> None:
        a, b = arguments[first].shape[1], arguments[second].shape[1]
        if a != b:
            message = f"{first} and {second} must have as many columns (dimensions)"
            raise ValueError(f"{message}, got {a} and {b}")

    return check_widths


def _several_points(value, name: str) -> np.ndarray:
    """A matrix of at least two points (rows), so that there is a pair."""
    points = matrix(value, name)
    if len(points) < 2:
        raise ValueError(f"{name} must hold at least two points (rows), got 1")
    return points


def _labels(value, name: str) -> np.ndarray:
    """Class labels (integers >= 0), one per point; a ragged list is refused."""
    try:
        value = np.asarray(value)
    except ValueError:  # a ragged nested list
        raise ValueError(f"{name} must be a 1-D array of class labels") from None
    return labels(value, name)


@check_arguments(_same_width("a", "b"), a=matrix, b=matrix)
# --8<-- [start:distances]
def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between every row of a (N_a, D) and every row of b
    (N_b, D), shape (N_a, N_b), from ||u - v||^2 = ||u||^2 + ||v||^2 - 2 u.v."""
    squared_norms_a = np.sum(a**2, axis=1)
    squared_norms_b = np.sum(b**2, axis=1)
    squared = squared_norms_a[:, None] + squared_norms_b[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))  # rounding can leave a tiny -1e-13


# --8<-- [end:distances]


@check_arguments(x=_several_points)
# --8<-- [start:pair_distances]
def distinct_pair_distances(x: np.ndarray) -> np.ndarray:
    """The N (N - 1) / 2 distances between distinct rows i < j of x (N, D)."""
    upper = np.triu_indices(len(x), k=1)  # each pair once, no point with itself
    return pairwise_distances(x, x)[upper]


# --8<-- [end:pair_distances]


@check_arguments(x=_several_points)
# --8<-- [start:distance_ratio]
def distance_ratio(x: np.ndarray) -> float:
    """Largest over smallest distance between two distinct points (rows) of x."""
    distances = distinct_pair_distances(x)
    return float(distances.max() / distances.min())


# --8<-- [end:distance_ratio]


@check_arguments(dimensions=list_of(count), n_points=count, seed=non_negative_integer)
# --8<-- [start:gaussian_ratios]
def gaussian_distance_ratios(
    dimensions: list[int], n_points: int = 1000, seed: int = 0
) -> np.ndarray:
    """distance_ratio of n_points standard normal points, in each dimension D."""
    rng = np.random.default_rng(seed)
    ratios = [distance_ratio(rng.standard_normal((n_points, d))) for d in dimensions]
    return np.array(ratios)


# --8<-- [end:gaussian_ratios]


@check_arguments(dimension=count, radius=positive)
# --8<-- [start:ball_volume]
def ball_volume(dimension: int, radius: float = 0.5) -> float:
    """Volume of a ball of the given radius in D = dimension dimensions,

        V_D(r) = pi^(D/2) r^D / Gamma(D/2 + 1),

    computed through its logarithm (lgamma): Gamma alone overflows beyond D = 340.
    """
    d = dimension
    log_volume = d / 2 * math.log(math.pi) + d * math.log(radius)
    log_volume -= math.lgamma(d / 2 + 1)
    return float(np.exp(log_volume))


# --8<-- [end:ball_volume]


@check_arguments(dimension=count, n_samples=count, seed=non_negative_integer)
# --8<-- [start:monte_carlo_volume]
def monte_carlo_ball_volume(
    dimension: int, n_samples: int = 100_000, seed: int = 0
) -> tuple[float, float]:
    """Estimate the volume of the unit-diameter ball by sampling its cube.

    The cube [-1/2, 1/2]^D has volume 1, so the share of uniform points of the
    cube that land within 1/2 of its centre estimates the ball's volume. Returns the
    estimate and its standard error sqrt(p (1 - p) / n).
    """
    rng = np.random.default_rng(seed)
    points = rng.uniform(-0.5, 0.5, size=(n_samples, dimension))
    inside = np.linalg.norm(points, axis=1) <= 0.5
    share = inside.mean()
    return float(share), float(np.sqrt(share * (1 - share) / n_samples))


# --8<-- [end:monte_carlo_volume]


@check_arguments(
    n_points=count, dimension=count, radius=positive, seed=non_negative_integer
)
# --8<-- [start:uniform_in_ball]
def uniform_in_ball(
    n_points: int, dimension: int, radius: float = 1.0, seed: int = 0
) -> np.ndarray:
    """n_points drawn uniformly from the ball of the given radius, shape (N, D).

    A direction: a standard normal vector divided by its length (the normal
    distribution looks the same in every direction). A distance from the centre:
    the share of the volume within rho is (rho / r)^D, so rho = r U^(1/D) with U
    uniform in [0, 1] has exactly that distribution.
    """
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((n_points, dimension))
    directions = normal / np.linalg.norm(normal, axis=1, keepdims=True)
    rho = radius * rng.uniform(size=(n_points, 1)) ** (1 / dimension)
    return rho * directions


# --8<-- [end:uniform_in_ball]


@check_arguments(dimension=count, thickness=probability)
# --8<-- [start:shell_fraction]
def shell_fraction(dimension: int, thickness: float) -> float:
    """Share of a ball's volume in its outer shell, between (1 - thickness) r and r:
    1 - V_D((1 - thickness) r) / V_D(r) = 1 - (1 - thickness)^D."""
    return 1 - (1 - thickness) ** dimension


# --8<-- [end:shell_fraction]


@check_arguments(points=matrix, thickness=probability, radius=positive)
# --8<-- [start:measured_shell]
def fraction_in_shell(
    points: np.ndarray, thickness: float, radius: float = 1.0
) -> float:
    """Share of the points (rows) farther than (1 - thickness) r from the origin."""
    rho = np.linalg.norm(points, axis=1)
    return float(np.mean(rho > (1 - thickness) * radius))


# --8<-- [end:measured_shell]


@check_arguments(_same_width("queries", "points"), queries=matrix, points=matrix)
# --8<-- [start:relative_contrast]
def relative_contrast(queries: np.ndarray, points: np.ndarray) -> float:
    """How much farther the farthest point is than the nearest, for each query
    (row of queries): (farthest - nearest) / nearest, averaged over the queries."""
    distances = pairwise_distances(queries, points)
    nearest, farthest = distances.min(axis=1), distances.max(axis=1)
    return float(np.mean((farthest - nearest) / nearest))


# --8<-- [end:relative_contrast]


@check_arguments(
    same_length("x_train", "y_train"),
    _same_width("x_train", "x_query"),
    x_train=matrix,
    y_train=_labels,
    x_query=matrix,
)
# --8<-- [start:nearest_neighbour]
def nearest_neighbour_predict(
    x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray
) -> np.ndarray:
    """Predict for each query the label of its nearest training point (1-NN)."""
    distances = pairwise_distances(x_query, x_train)
    return y_train[distances.argmin(axis=1)]


# --8<-- [end:nearest_neighbour]


@check_arguments(x=_several_points)
# --8<-- [start:explained_variance]
def explained_variance_ratio(x: np.ndarray) -> np.ndarray:
    """Share of the variance of the data x (N, D) along each principal direction,
    largest first: the eigenvalues of its covariance matrix, divided by their sum."""
    centred = x - x.mean(axis=0)
    covariance = centred.T @ centred / (len(x) - 1)
    eigenvalues = np.linalg.eigvalsh(covariance)[::-1]  # eigvalsh sorts ascending
    eigenvalues = np.maximum(eigenvalues, 0.0)  # rounding: -1e-17 for a zero
    return eigenvalues / eigenvalues.sum()


# --8<-- [end:explained_variance]


@check_arguments(x=_several_points, share=probability)
# --8<-- [start:directions_for_share]
def directions_for_share(x: np.ndarray, share: float = 0.9) -> int:
    """How many principal directions hold the given share of the variance of x."""
    cumulative = np.cumsum(explained_variance_ratio(x))
    below = int(np.sum(cumulative < share))  # directions that are not enough yet
    return min(below + 1, len(cumulative))  # (rounding can leave the sum at 0.999..)


# --8<-- [end:directions_for_share]


@check_arguments(seed=non_negative_integer)
# --8<-- [start:mnist1d_and_noise]
def mnist1d_and_noise(seed: int = 0) -> dict:
    """MNIST-1D's 4000 training and 1000 test sequences of 40 values with their
    labels, and as many standard normal points in the same 40 dimensions (MNIST-1D's
    values have mean about 0 and standard deviation about 1 too)."""
    data = mnist1d()
    rng = np.random.default_rng(seed)
    return {
        "x": data["x"].astype(np.float64),
        "y": data["y"],
        "x_test": data["x_test"].astype(np.float64),
        "y_test": data["y_test"],
        "noise": rng.standard_normal(data["x"].shape),
        "noise_test": rng.standard_normal(data["x_test"].shape),
    }


# --8<-- [end:mnist1d_and_noise]


@reproduces(
    id="high-dim-ball-volume-d10",
    claim="the volume of the unit-diameter ball in 10 dimensions",
    source=(
        "Understanding Deep Learning, section 8.4.1 / notebook on high-dimensional "
        "spaces (closed form)"
    ),
    # pi^5 / (5! 2^10), evaluated by hand with 40-digit decimals
    published=0.00249039457019272016,
    tolerance=1e-12,
)
def unit_diameter_ball_volume_in_ten_dimensions() -> float:
    """The package's closed form at D = 10, r = 1/2."""
    return ball_volume(10, radius=0.5)
