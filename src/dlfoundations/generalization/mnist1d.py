"""MNIST-1D: ten one-dimensional "digits", made procedurally (Greydanus, 2020).

Each example is a template of 12 points (one per digit), padded, sheared, scaled,
translated, smoothed and noised into a sequence of 40 values. The ``mnist1d``
package can download a stored copy; the book never asks it to: the data is made
here from ``make_dataset(get_dataset_args())``, with the package's default settings
(5000 sequences: the first 4000 for training, the last 1000 for testing), and cached
as an experiment, so no build and no test reaches the network.
"""

# --8<-- [start:imports]
import random

import numpy as np
from mnist1d.data import get_dataset_args, make_dataset

# --8<-- [end:imports]
from dlfoundations.checks import check_arguments, boolean, non_negative_integer
from dlfoundations.experiments import experiment


@experiment
@check_arguments(shuffle_positions=boolean, seed=non_negative_integer)
# --8<-- [start:mnist1d]
def mnist1d(shuffle_positions: bool = False, seed: int = 42) -> dict:
    """The MNIST-1D train and test sets: ``x`` (4000, 40), ``y`` (4000,),
    ``x_test`` (1000, 40), ``y_test`` (1000,), labels 0 to 9.

    With ``shuffle_positions``, the 40 positions of every sequence are permuted by
    one fixed random permutation: the same information, without its order.
    """
    settings = get_dataset_args()
    settings.shuffle_seq, settings.seed = shuffle_positions, seed
    data = _with_global_rngs_restored(make_dataset, settings)
    return {
        "x": data["x"].astype(np.float32),
        "y": data["y"].astype(np.int64),
        "x_test": data["x_test"].astype(np.float32),
        "y_test": data["y_test"].astype(np.int64),
    }


# --8<-- [end:mnist1d]


def _with_global_rngs_restored(make, *args):
    """``make_dataset`` seeds Python's and NumPy's global generators; put them back
    as they were, so making the data changes no other code's random numbers."""
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        return make(*args)
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
