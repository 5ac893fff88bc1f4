"""The implement-and-check exercises of Part VI, architectures, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import numpy as np

from dlfoundations.architectures.convolutional_networks import conv1d
from dlfoundations.architectures.recurrent_networks import (
    gru_cell,
    gru_gates,
    init_cell,
)
from dlfoundations.architectures.transfer_learning import mean_and_standard_error
from dlfoundations.exercises._checker import Case, Exercise, Mistake
from dlfoundations.foundations.functions import sigmoid


# --8<-- [start:correlate]
def correlate(x, w) -> np.ndarray:
    """One signal x (n values), one kernel w (m taps), stride 1, no padding:
    z[u] = sum over j of w[j] x[u + j], for the n - m + 1 positions u."""
    return conv1d(x[None, None, :], w[None, None, :], np.zeros(1))[0, 0]


# --8<-- [end:correlate]


# --8<-- [start:weights_for_shuffled_inputs]
def weights_for_shuffled_inputs(W, permutation) -> np.ndarray:
    """The first layer's weights for inputs whose positions were shuffled,
    x_shuffled[j] = x[permutation[j]]: column j must be the column that read
    position permutation[j], so that W' x_shuffled = W x."""
    return W[:, permutation]


# --8<-- [end:weights_for_shuffled_inputs]


# --8<-- [start:paired_gain]
def paired_gain(transfer, scratch) -> tuple[np.ndarray, np.ndarray]:
    """The gain of a transfer method over training from scratch, for each N (the
    rows): the mean over the seeds (the columns) of the seed-by-seed differences,
    and its standard error."""
    return mean_and_standard_error(transfer - scratch)


# --8<-- [end:paired_gain]


def correlate_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case("random", (rng.standard_normal(12), rng.standard_normal(3))),
        Case("random", (rng.standard_normal(9), rng.standard_normal(4))),
        Case("edge: a kernel as long as the signal", (np.arange(5.0), np.ones(5))),
        Case("edge: a kernel of one tap", (np.arange(4.0), np.array([-2.0]))),
    ]


def gru_cases(rng: np.random.Generator) -> list[Case]:
    phi = init_cell(input_size=3, hidden_size=4, n_blocks=3, seed=1)
    x_t, h_prev = rng.standard_normal((2, 3)), rng.uniform(-1, 1, (2, 4))
    strong = {name: 4 * value for name, value in phi.items()}
    return [
        Case("random", (x_t, h_prev, phi)),
        Case("edge: saturated gates", (3 * x_t, h_prev, strong)),
    ]


def permutation_cases(rng: np.random.Generator) -> list[Case]:
    cycle = np.array([1, 2, 3, 0])  # its inverse is another permutation
    return [
        Case("random, square", (rng.standard_normal((4, 4)), cycle)),
        Case("random", (rng.standard_normal((3, 8)), rng.permutation(8))),
        Case("edge: no shuffling", (rng.standard_normal((2, 5)), np.arange(5))),
    ]


def gain_cases(rng: np.random.Generator) -> list[Case]:
    scratch = rng.uniform(0.3, 0.9, (5, 3))
    transfer = scratch + rng.normal(0.05, 0.03, (5, 3))
    return [
        Case("random", (transfer, scratch)),
        Case(
            "random, five seeds", (rng.uniform(size=(2, 5)), rng.uniform(size=(2, 5)))
        ),
        Case("edge: no gain at all", (scratch, scratch.copy())),
        Case("edge: two seeds", (np.array([[0.6, 0.7]]), np.array([[0.5, 0.5]]))),
    ]


def unpaired_gain(transfer, scratch):
    (mean_t, error_t), (mean_s, error_s) = map(
        mean_and_standard_error, (transfer, scratch)
    )
    return mean_t - mean_s, np.sqrt(error_t**2 + error_s**2)


def gain_with_population_deviation(transfer, scratch):
    gain = transfer - scratch
    return gain.mean(axis=1), gain.std(axis=1) / np.sqrt(gain.shape[1])


def gain_with_error_over_seeds(transfer, scratch):
    gain = transfer - scratch
    return gain.mean(axis=1), gain.std(axis=1, ddof=1) / gain.shape[1]


def gru_cell_with_gates_swapped(x_t, h_prev, phi):
    r, z, n, _ = _gates(x_t, h_prev, phi)
    return z * n + (1 - z) * h_prev


def gru_cell_resetting_the_state(x_t, h_prev, phi):
    """The reset gate applied to h before W_hn (Cho et al. 2014), not after."""
    hidden = h_prev.shape[1]
    r, z, _, _ = _gates(x_t, h_prev, phi)
    x_n = x_t @ phi["W_x"][2 * hidden :].T + phi["b_x"][2 * hidden :]
    h_n = (r * h_prev) @ phi["W_h"][2 * hidden :].T + phi["b_h"][2 * hidden :]
    n = np.tanh(x_n + h_n)
    return (1 - z) * n + z * h_prev


def gru_cell_with_sigmoid_candidate(x_t, h_prev, phi):
    hidden = h_prev.shape[1]
    r, z, _, h_n = _gates(x_t, h_prev, phi)
    x_n = x_t @ phi["W_x"][2 * hidden :].T + phi["b_x"][2 * hidden :]
    n = sigmoid(x_n + r * h_n)
    return (1 - z) * n + z * h_prev


def _gates(x_t, h_prev, phi):
    a_x = x_t @ phi["W_x"].T + phi["b_x"]
    a_h = h_prev @ phi["W_h"].T + phi["b_h"]
    return gru_gates(a_x, a_h)


EXERCISES = [
    Exercise(
        name="correlate",
        page="architectures/convolutional-networks",
        reference=correlate,
        cases=correlate_cases,
        mistakes=(
            Mistake(
                "a flipped kernel: that is the convolution of signal processing "
                "(np.convolve); a CNN's layer slides w unflipped, a cross-correlation",
                lambda x, w: np.convolve(x, w, mode="valid"),
            ),
            Mistake(
                "the number of positions: a window of m taps fits n - m + 1 times "
                "without padding, not n",
                lambda x, w: np.correlate(x, w, mode="same"),
            ),
        ),
    ),
    Exercise(
        name="gru-cell",
        page="architectures/recurrent-networks",
        reference=gru_cell,
        cases=gru_cases,
        mistakes=(
            Mistake(
                "the update gate's roles swapped: where z is 1 the cell keeps its "
                "old state, h_t = (1 - z) n + z h_(t-1)",
                gru_cell_with_gates_swapped,
            ),
            Mistake(
                "the reset gate applied to h_(t-1) before W_hn (the original GRU of "
                "Cho et al.); PyTorch's, and the chapter's, scales W_hn h + b_hn",
                gru_cell_resetting_the_state,
            ),
            Mistake(
                "the candidate squashed by a sigmoid: n uses tanh, the gates sigmoid",
                gru_cell_with_sigmoid_candidate,
            ),
        ),
    ),
    Exercise(
        name="weights-for-shuffled-inputs",
        page="architectures/shuffled-positions",
        reference=weights_for_shuffled_inputs,
        cases=permutation_cases,
        mistakes=(
            Mistake(
                "the inverse permutation: column j of the new weights is the old "
                "column permutation[j], W[:, permutation], not W[:, argsort(...)]",
                lambda W, permutation: W[:, np.argsort(permutation)],
            ),
            Mistake(
                "the rows permuted: the positions are the inputs, the columns of W "
                "(out, in); its rows are the units",
                lambda W, permutation: W[permutation],
            ),
        ),
    ),
    Exercise(
        name="paired-gain",
        page="architectures/transfer-learning",
        reference=paired_gain,
        cases=gain_cases,
        mistakes=(
            Mistake(
                "the pairing ignored: the error of a difference of two means is not "
                "sqrt(se_1^2 + se_2^2) when both runs of a seed share its examples; "
                "take the differences seed by seed first",
                unpaired_gain,
            ),
            Mistake(
                "the population deviation (ddof=0): over S seeds, the sample standard "
                "deviation divides by S - 1",
                gain_with_population_deviation,
            ),
            Mistake(
                "the standard error divides the deviation by sqrt(S), not by S",
                gain_with_error_over_seeds,
            ),
        ),
    ),
]
