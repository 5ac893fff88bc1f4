"""Chapter 6, Feedforward networks and supervised learning: splitting a dataset.

A dataset is split once, before any training, into a training set (to fit the
parameters), a validation set (to choose hyperparameters) and a test set (to report
the final result). Every sample lands in exactly one of the three.
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations._validation import check_real

# --8<-- [end:imports]


# --8<-- [start:checks]
def _check_fraction(value, name: str) -> float:
    """A fraction of the dataset, in [0, 1)."""
    value = check_real(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_seed(seed) -> int:
    """An integer seed for numpy's random generator."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    return int(seed)


def _check_n_samples(n_samples) -> int:
    """A positive number of samples."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise TypeError(f"n_samples must be an integer, got {type(n_samples).__name__}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    return int(n_samples)


def _check_stratify(stratify, n_samples: int) -> np.ndarray:
    """One class label per sample."""
    stratify = np.asarray(stratify)
    if stratify.ndim != 1 or stratify.shape[0] != n_samples:
        raise ValueError(f"stratify must be a 1-D array of {n_samples} labels, got shape {stratify.shape}")
    if stratify.dtype.kind == "f" and np.isnan(stratify).any():
        raise ValueError("stratify must not contain NaN")
    return stratify


# --8<-- [end:checks]


# --8<-- [start:split_indices]
def split_indices(
    n_samples: int,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    *,
    seed: int = 0,
    stratify=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle ``range(n_samples)`` and cut it into disjoint train, validation and test indices.

    With ``stratify`` (one label per sample) each class is shuffled and cut on its own,
    so every split keeps the class proportions: a class of n_c samples puts
    round(n_c * test_fraction) samples in the test set, within one sample of the exact share.
    """
    n_samples = _check_n_samples(n_samples)
    val_fraction = _check_fraction(val_fraction, "val_fraction")
    test_fraction = _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave a training set, got {val_fraction + test_fraction}"
        )
    rng = np.random.default_rng(_check_seed(seed))
    if stratify is None:
        groups = [np.arange(n_samples)]  # one group: the whole dataset
    else:
        labels = _check_stratify(stratify, n_samples)
        groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]

    train, val, test = [], [], []
    for group in groups:
        group = rng.permutation(group)
        n_test = int(np.floor(len(group) * test_fraction + 0.5))  # round half up
        n_test_or_val = int(np.floor(len(group) * (test_fraction + val_fraction) + 0.5))
        test.append(group[:n_test])
        val.append(group[n_test:n_test_or_val])
        train.append(group[n_test_or_val:])
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))


# --8<-- [end:split_indices]


# --8<-- [start:train_val_test_split]
def train_val_test_split(
    x, y, val_fraction: float = 0.15, test_fraction: float = 0.15, *, seed: int = 0, stratify: bool = False
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Split inputs ``x`` and targets ``y`` into ``(x, y)`` pairs for training, validation and test.

    ``stratify=True`` keeps the class proportions of ``y`` in every split.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same number of samples, got shapes {x.shape} and {y.shape}")
    if x.shape[0] == 0:
        raise ValueError("x and y must not be empty")
    splits = split_indices(
        x.shape[0], val_fraction, test_fraction, seed=seed, stratify=y if stratify else None
    )
    return tuple((x[indices], y[indices]) for indices in splits)


# --8<-- [end:train_val_test_split]
