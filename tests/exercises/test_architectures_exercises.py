"""Part VI's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake."""

import numpy as np
import pytest
import torch

from conftest import hint_for
from dlfoundations.exercises import check


def correlate_with_flipped_kernel(x, w):
    m = len(w)
    return np.array([x[u : u + m] @ w[::-1] for u in range(len(x) - m + 1)])


def correlate_everywhere(x, w):
    padded = np.pad(x, (len(w) // 2, (len(w) - 1) // 2))
    return np.array([padded[u : u + len(w)] @ w for u in range(len(x))])


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (correlate_with_flipped_kernel, "a flipped kernel"),
        (correlate_everywhere, "the number of positions"),
    ],
)
def test_correlate_mistakes(candidate, hint):
    assert hint_for("correlate", candidate).startswith(hint)


def test_correlate_a_readers_answer_passes_and_torch_agrees():
    def correlate(x, w):
        return np.lib.stride_tricks.sliding_window_view(x, len(w)) @ w

    check("correlate", correlate)
    x, w = np.arange(6.0), np.array([1.0, -2.0, 0.5])
    expected = torch.nn.functional.conv1d(
        torch.tensor(x).view(1, 1, -1), torch.tensor(w).view(1, 1, -1)
    )
    np.testing.assert_allclose(correlate(x, w), expected.view(-1).numpy())


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_parts(x_t, h_prev, phi):
    """The reader's blocks: (x part, h part) of r, z and n."""
    a_x = np.split(x_t @ phi["W_x"].T + phi["b_x"], 3, axis=1)
    a_h = np.split(h_prev @ phi["W_h"].T + phi["b_h"], 3, axis=1)
    return a_x, a_h


def gru_cell(x_t, h_prev, phi, swap=False, reset_first=False, squash=np.tanh):
    (x_r, x_z, x_n), (h_r, h_z, h_n) = gru_parts(x_t, h_prev, phi)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    if reset_first:
        D = h_prev.shape[1]
        h_n = (r * h_prev) @ phi["W_h"][2 * D :].T + phi["b_h"][2 * D :]
        n = squash(x_n + h_n)
    else:
        n = squash(x_n + r * h_n)
    if swap:
        return z * n + (1 - z) * h_prev
    return (1 - z) * n + z * h_prev


@pytest.mark.parametrize(
    ("options", "hint"),
    [
        ({"swap": True}, "the update gate's roles swapped"),
        ({"reset_first": True}, "the reset gate applied to h_(t-1) before W_hn"),
        ({"squash": sigmoid}, "the candidate squashed by a sigmoid"),
    ],
)
def test_gru_cell_mistakes(options, hint):
    def candidate(x_t, h_prev, phi):
        return gru_cell(x_t, h_prev, phi, **options)

    assert hint_for("gru-cell", candidate).startswith(hint)


def test_gru_cell_a_readers_answer_passes_and_matches_torch():
    check("gru-cell", gru_cell)
    rng = np.random.default_rng(3)
    torch_cell = torch.nn.GRUCell(2, 3, dtype=torch.float64)
    phi = {
        "W_x": torch_cell.weight_ih.detach().numpy(),
        "W_h": torch_cell.weight_hh.detach().numpy(),
        "b_x": torch_cell.bias_ih.detach().numpy(),
        "b_h": torch_cell.bias_hh.detach().numpy(),
    }
    x_t, h_prev = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    expected = torch_cell(torch.tensor(x_t), torch.tensor(h_prev)).detach().numpy()
    np.testing.assert_allclose(gru_cell(x_t, h_prev, phi), expected, rtol=1e-12)


def gain_without_pairing(transfer, scratch):
    S = transfer.shape[1]
    error_transfer = transfer.std(axis=1, ddof=1) / np.sqrt(S)
    error_scratch = scratch.std(axis=1, ddof=1) / np.sqrt(S)
    gain = transfer.mean(axis=1) - scratch.mean(axis=1)
    return gain, np.hypot(error_transfer, error_scratch)


def gain_with_numpy_default_deviation(transfer, scratch):
    difference = transfer - scratch
    return difference.mean(axis=1), np.std(difference, axis=1) / np.sqrt(3)


def gain_with_error_over_s(transfer, scratch):
    difference = transfer - scratch
    S = difference.shape[1]
    return difference.mean(axis=1), difference.std(axis=1, ddof=1) / S


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (gain_without_pairing, "the pairing ignored"),
        (gain_with_numpy_default_deviation, "the population deviation"),
        (gain_with_error_over_s, "the standard error divides"),
    ],
)
def test_paired_gain_mistakes(candidate, hint):
    assert hint_for("paired-gain", candidate).startswith(hint)


def test_paired_gain_a_readers_answer_passes_and_scipy_agrees():
    from scipy import stats

    def paired_gain(transfer, scratch):
        difference = transfer - scratch
        return difference.mean(axis=1), stats.sem(difference, axis=1)

    check("paired-gain", paired_gain)


def weights_read_by_inverse(W, permutation):
    inverse = np.empty_like(permutation)
    inverse[permutation] = np.arange(len(permutation))
    return W[:, inverse]


def weights_with_rows_shuffled(W, permutation):
    return W[permutation, :]


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (weights_read_by_inverse, "the inverse permutation"),
        (weights_with_rows_shuffled, "the rows permuted"),
    ],
)
def test_weights_for_shuffled_inputs_mistakes(candidate, hint):
    assert hint_for("weights-for-shuffled-inputs", candidate).startswith(hint)


def test_weights_for_shuffled_inputs_a_readers_answer_computes_the_same():
    def weights_for_shuffled_inputs(W, permutation):
        return np.stack([W[:, i] for i in permutation], axis=1)

    check("weights-for-shuffled-inputs", weights_for_shuffled_inputs)
    rng = np.random.default_rng(0)
    W, x, permutation = rng.normal(size=(3, 6)), rng.normal(size=6), rng.permutation(6)
    shuffled = weights_for_shuffled_inputs(W, permutation)
    np.testing.assert_allclose(shuffled @ x[permutation], W @ x)
