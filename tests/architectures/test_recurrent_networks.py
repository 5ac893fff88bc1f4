"""The RNN and GRU cells from scratch against torch.nn.RNN and torch.nn.GRU (hidden
states and every gradient, float64), against finite differences, the gradient
norms through time against torch.autograd, and the GRU classifier of MNIST-1D."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.architectures import recurrent_networks as rn
from dlfoundations.architectures.recurrent_networks import (
    GRUClassifier,
    affine_parts,
    affine_parts_backward,
    backpropagate_through_time,
    gru_cell,
    gru_cell_backward,
    gru_gates,
    hidden_gradient_norms,
    init_cell,
    mnist1d_gru,
    rnn_cell,
    rnn_cell_backward,
    run_sequence,
    scaled_orthogonal,
    torch_layer_like,
)
from dlfoundations.reproductions import declared

CELLS = {
    "rnn": (rnn_cell, rnn_cell_backward, 1),
    "gru": (gru_cell, gru_cell_backward, 3),
}
TORCH_NAMES = {
    "W_x": "weight_ih_l0",
    "W_h": "weight_hh_l0",
    "b_x": "bias_ih_l0",
    "b_h": "bias_hh_l0",
}


def torch_run(phi, kind, x, h0, upstream):
    """PyTorch's hidden states and gradients for the loss sum(states * upstream)."""
    layer = torch_layer_like(phi, kind)
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    states, h_last = layer(x_t, h0_t)
    (states * torch.from_numpy(upstream)).sum().backward()
    grads = {name: getattr(layer, t).grad.numpy() for name, t in TORCH_NAMES.items()}
    return states.detach().numpy(), h_last.detach().numpy()[0], grads, x_t, h0_t


def random_problem(kind, batch, length, input_size, hidden_size, scale, seed):
    phi = init_cell(input_size, hidden_size, CELLS[kind][2], seed=seed)
    phi = {name: scale * value for name, value in phi.items()}
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(batch, length, input_size))
    h0 = rng.uniform(-1, 1, size=(batch, hidden_size))
    upstream = rng.normal(size=(batch, length, hidden_size))
    return phi, x, h0, upstream


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["rnn", "gru"]),
    batch=st.integers(1, 3),
    length=st.integers(1, 6),
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 5),
    scale=st.sampled_from([0.1, 1.0, 3.0, 30.0]),  # 30: saturated gates and tanh
    seed=st.integers(0, 10_000),
)
def test_states_and_every_gradient_match_torch(
    kind, batch, length, input_size, hidden_size, scale, seed
):
    cell, cell_backward, _ = CELLS[kind]
    problem = random_problem(kind, batch, length, input_size, hidden_size, scale, seed)
    phi, x, h0, upstream = problem
    hs = run_sequence(cell, x, h0, phi)
    states, h_last, torch_grads, x_t, h0_t = torch_run(phi, kind, x, h0, upstream)
    assert hs.shape == (batch, length + 1, hidden_size)
    np.testing.assert_array_equal(hs[:, 0], h0)
    np.testing.assert_allclose(hs[:, 1:], states, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hs[:, -1], h_last, rtol=1e-12, atol=1e-12)
    grads, dL_dx, dL_dh0 = backpropagate_through_time(
        cell_backward, x, hs, phi, upstream
    )
    tolerance = 1e-10 * max(1.0, scale)
    for name in TORCH_NAMES:
        np.testing.assert_allclose(
            grads[name], torch_grads[name], rtol=1e-10, atol=tolerance
        )
    np.testing.assert_allclose(dL_dx, x_t.grad.numpy(), rtol=1e-10, atol=tolerance)
    np.testing.assert_allclose(dL_dh0, h0_t.grad.numpy()[0], rtol=1e-10, atol=tolerance)


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_one_step_backward_matches_finite_differences(kind):
    """An oracle that knows nothing of torch: central differences of
    sum(cell(x_t, h_prev) * dh) in every parameter and input."""
    cell, cell_backward, n_blocks = CELLS[kind]
    phi = init_cell(3, 4, n_blocks, seed=2)
    rng = np.random.default_rng(3)
    x_t, h_prev, dh = (
        rng.normal(size=(2, 3)),
        rng.normal(size=(2, 4)),
        rng.normal(size=(2, 4)),
    )

    def loss(x_t, h_prev, phi):
        return float(np.sum(cell(x_t, h_prev, phi) * dh))

    def numerical(array, evaluate, step=1e-6):
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + step
            up = evaluate()
            array[index] = saved - step
            down = evaluate()
            array[index] = saved
            gradient[index] = (up - down) / (2 * step)
        return gradient

    grads, dx_t, dh_prev = cell_backward(dh, x_t, h_prev, phi)
    evaluate = lambda: loss(x_t, h_prev, phi)  # noqa: E731 - reads the arrays as they change
    for name in phi:
        np.testing.assert_allclose(
            grads[name], numerical(phi[name], evaluate), atol=1e-8
        )
    np.testing.assert_allclose(dx_t, numerical(x_t, evaluate), atol=1e-8)
    np.testing.assert_allclose(dh_prev, numerical(h_prev, evaluate), atol=1e-8)


def test_gru_gates_follow_torch_gru_cell():
    """r, z and n as torch's documentation writes them, from torch.nn.GRUCell."""
    phi = init_cell(2, 3, 3, seed=4)
    x_t = np.random.default_rng(5).normal(size=(4, 2))
    h_prev = np.random.default_rng(6).uniform(-1, 1, size=(4, 3))
    r, z, n, h_n = gru_gates(*affine_parts(x_t, h_prev, phi))
    w_hn, b_hn = phi["W_h"][6:], phi["b_h"][6:]  # the third block: n's
    np.testing.assert_allclose(h_n, h_prev @ w_hn.T + b_hn)
    assert np.all((0 < r) & (r < 1)) and np.all((0 < z) & (z < 1))
    assert np.all(np.abs(n) < 1)
    cell = torch.nn.GRUCell(2, 3).double()
    with torch.no_grad():
        for name, torch_name in TORCH_NAMES.items():
            getattr(cell, torch_name.removesuffix("_l0")).copy_(
                torch.from_numpy(phi[name])
            )
    expected = cell(torch.from_numpy(x_t), torch.from_numpy(h_prev)).detach().numpy()
    np.testing.assert_allclose((1 - z) * n + z * h_prev, expected, rtol=1e-12)
    np.testing.assert_allclose(gru_cell(x_t, h_prev, phi), expected, rtol=1e-12)


def test_the_affine_backward_sums_over_the_batch():
    phi = init_cell(2, 3, seed=0)
    x_t, h_prev = np.ones((5, 2)), np.ones((5, 3))
    d_a = np.ones((5, 3))
    grads, dx_t, dh_prev = affine_parts_backward(d_a, d_a, x_t, h_prev, phi)
    np.testing.assert_allclose(grads["b_x"], 5.0)
    np.testing.assert_allclose(grads["W_h"], 5.0)
    np.testing.assert_allclose(dx_t, np.tile(phi["W_x"].sum(axis=0), (5, 1)))
    np.testing.assert_allclose(dh_prev, np.tile(phi["W_h"].sum(axis=0), (5, 1)))


def test_init_cell_draws_as_pytorch_does():
    phi = init_cell(7, 50, 3, seed=0)
    assert phi["W_x"].shape == (150, 7) and phi["W_h"].shape == (150, 50)
    assert phi["b_x"].shape == phi["b_h"].shape == (150,)
    torch.manual_seed(0)
    layer = torch.nn.GRU(7, 50)
    bound = 1 / np.sqrt(50)
    for name, torch_name in TORCH_NAMES.items():
        ours, theirs = phi[name], getattr(layer, torch_name).detach().numpy()
        assert np.abs(ours).max() <= bound and np.abs(theirs).max() <= bound
        # uniform in (-bound, bound): the standard deviation is bound / sqrt(3)
        assert abs(ours.std() - bound / np.sqrt(3)) < 0.1 * bound
        assert abs(ours.std() - theirs.std()) < 0.1 * bound
    assert not np.allclose(init_cell(7, 50, 3, seed=1)["W_h"], phi["W_h"])


def test_a_sequence_of_length_one_is_one_step():
    phi = init_cell(2, 3, seed=1)
    x = np.random.default_rng(0).normal(size=(4, 1, 2))
    h0 = np.zeros((4, 3))
    hs = run_sequence(rnn_cell, x, h0, phi)
    np.testing.assert_array_equal(hs[:, 1], rnn_cell(x[:, 0], h0, phi))
    upstream = np.ones((4, 1, 3))
    grads, dL_dx, dL_dh0 = backpropagate_through_time(
        rnn_cell_backward, x, hs, phi, upstream
    )
    one_step = rnn_cell_backward(upstream[:, 0], x[:, 0], h0, phi)
    for name in grads:
        np.testing.assert_array_equal(grads[name], one_step[0][name])
    np.testing.assert_array_equal(dL_dx[:, 0], one_step[1])
    np.testing.assert_array_equal(dL_dh0, one_step[2])


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.7])
def test_scaled_orthogonal_has_the_spectral_radius_asked_for(radius):
    w = scaled_orthogonal(16, radius, seed=3)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(w)), radius, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), radius, rtol=1e-10)


def torch_jacobian_norm(phi, kind, x, steps_back):
    """||dh_T / dh_t|| by torch.autograd.functional.jacobian: the layer run from
    h_t over the last steps_back inputs."""
    layer = torch_layer_like(phi, kind)
    x_t = torch.from_numpy(x)
    width = phi["W_h"].shape[1]
    length = x.shape[1]
    with torch.no_grad():
        states, _ = layer(x_t, torch.zeros(1, 1, width, dtype=torch.float64))
    start = length - steps_back
    h_t = (
        torch.zeros(1, width, dtype=torch.float64)
        if start == 0
        else states[:, start - 1]
    )

    def last_state(h):
        return layer(x_t[:, start:], h[None])[1][0, 0]

    jacobian = torch.autograd.functional.jacobian(last_state, h_t)[:, 0, :]
    return float(torch.linalg.matrix_norm(jacobian, ord=2))


@pytest.mark.parametrize("kind", ["rnn", "gru"])
def test_gradient_norms_through_time_match_torch_autograd(kind):
    cell, cell_backward, n_blocks = CELLS[kind]
    phi = init_cell(1, 6, n_blocks, seed=0)
    if kind == "rnn":
        phi["W_h"] = scaled_orthogonal(6, 1.3, seed=1)
    x = np.random.default_rng(2).normal(size=(2, 9, 1))
    norms = hidden_gradient_norms(cell, cell_backward, x, phi)
    assert norms.shape == (10, 2)
    np.testing.assert_array_equal(norms[0], 1.0)
    for sequence in range(2):
        for steps_back in (1, 4, 9):
            expected = torch_jacobian_norm(
                phi, kind, x[sequence : sequence + 1], steps_back
            )
            np.testing.assert_allclose(
                norms[steps_back, sequence], expected, rtol=1e-10
            )


def median_norms(kind, length=100, radius=None, update_bias=0.0):
    cell, cell_backward, n_blocks = CELLS[kind]
    phi = init_cell(1, 32, n_blocks, seed=0)
    if radius is not None:
        phi["W_h"] = scaled_orthogonal(32, radius, seed=0)
    phi["b_x"][32:64] += update_bias if kind == "gru" else 0.0
    x = np.random.default_rng(1).normal(size=(8, length, 1))
    return np.median(hidden_gradient_norms(cell, cell_backward, x, phi), axis=1)


def test_gradients_vanish_below_radius_one_and_explode_above():
    """The page's claims, measured: 50 steps back, a spectral radius of 0.8 leaves
    less than 1e-4 of the gradient, 1.5 multiplies it by more than 10."""
    assert median_norms("rnn", 50, radius=0.8)[-1] < 1e-4
    assert median_norms("rnn", 50, radius=1.5)[-1] > 10
    at_one = median_norms("rnn", 50, radius=1.0)
    assert 1e-3 < at_one[-1] < 1  # tanh's slope below one: a slow fade
    assert np.all(np.diff(at_one) <= 1e-12)


def test_the_update_gate_keeps_the_gradient_of_a_gru():
    default, remembering = median_norms("gru"), median_norms("gru", update_bias=4.0)
    assert default[-1] < 1e-10 < 0.1 < remembering[-1]


def numpy_classifier_logits(model, x):
    """The classifier's logits from the from-scratch GRU: the forward direction
    on x, the backward one on x reversed, then the linear layer."""
    gru = model.gru
    directions = []
    for suffix, sequence in (("", x), ("_reverse", x[:, ::-1])):
        phi = {
            name: getattr(gru, torch_name + suffix).detach().double().numpy()
            for name, torch_name in TORCH_NAMES.items()
        }
        hs = run_sequence(gru_cell, sequence[:, :, None], np.zeros((len(x), 6)), phi)
        states = hs[:, 1:] if suffix == "" else hs[:, 1:][:, ::-1]
        directions.append(states)
    states = np.concatenate(directions, axis=2)  # (B, T, 2 D): forward, then backward
    weight = model.linear.weight.detach().double().numpy()
    bias = model.linear.bias.detach().double().numpy()
    return states.reshape(len(x), -1) @ weight.T + bias


def test_the_classifier_is_the_published_gru_and_our_cell_computes_it():
    torch.manual_seed(0)
    model = GRUClassifier()
    # 5134 parameters, as the MNIST-1D repository's GRUBase reports
    assert sum(p.numel() for p in model.parameters()) == 5134
    x = np.random.default_rng(0).normal(size=(3, 40))
    logits = model(torch.as_tensor(x, dtype=torch.float32)).detach().numpy()
    assert logits.shape == (3, 10)
    np.testing.assert_allclose(numpy_classifier_logits(model, x), logits, atol=1e-5)


def tiny_mnist1d(shuffle_positions=False, seed=42):
    rng = np.random.default_rng(int(shuffle_positions))
    return {
        "x": rng.normal(size=(60, 40)).astype(np.float32),
        "y": rng.integers(0, 10, 60),
        "x_test": rng.normal(size=(20, 40)).astype(np.float32),
        "y_test": rng.integers(0, 10, 20),
    }


def test_the_experiment_records_accuracies_and_is_deterministic(monkeypatch):
    monkeypatch.setattr(rn, "mnist1d", tiny_mnist1d)
    run = mnist1d_gru.__wrapped__
    first = run(steps=5, batch_size=20, eval_every=2, device=torch.device("cpu"))
    again = run(steps=5, batch_size=20, eval_every=2, device=torch.device("cpu"))
    assert first["steps"] == [2, 4, 5]
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert first["example_states"].shape == (40, 12)  # the first test sequence
    assert first["test_accuracy"] == first["test_accuracies"][-1]
    for accuracy in first["train_accuracies"] + first["test_accuracies"]:
        assert 0.0 <= accuracy <= 1.0
    assert first["n_parameters"] == 5134
    shuffled = run(
        True, steps=5, batch_size=20, eval_every=2, device=torch.device("cpu")
    )
    assert shuffled["train_accuracies"] != first["train_accuracies"]


def test_the_experiment_learns_a_learnable_task(monkeypatch):
    """Ten classes told apart by the sign pattern of the first values: the GRU
    must fit them well above chance within a few epochs."""

    def easy(shuffle_positions=False, seed=42):
        rng = np.random.default_rng(0)
        y = rng.integers(0, 10, 300)
        x = rng.normal(scale=0.3, size=(300, 40)).astype(np.float32)
        x[:, :10] += np.eye(10, dtype=np.float32)[y] * 3
        return {"x": x[:200], "y": y[:200], "x_test": x[200:], "y_test": y[200:]}

    monkeypatch.setattr(rn, "mnist1d", easy)
    result = mnist1d_gru.__wrapped__(
        steps=60, batch_size=50, device=torch.device("cpu")
    )
    assert result["test_accuracy"] > 0.8


def test_the_reproductions_are_declared_with_the_published_values():
    results = {r.id: r for r in declared()}
    ordered = results["mnist1d-gru-test-accuracy"]
    shuffled = results["mnist1d-gru-shuffled-test-accuracy"]
    assert (ordered.published, shuffled.published) == (0.91, 0.57)
    assert "Greydanus" in ordered.source and ordered.tolerance < 0.1


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda phi: rnn_cell(np.ones((2, 3)), np.ones((2, 4)), phi), None),
        (lambda phi: rnn_cell(np.ones((2, 2)), np.ones((2, 4)), phi), "x_t"),
        (lambda phi: rnn_cell(np.ones((2, 3)), np.ones((3, 4)), phi), "h_prev"),
        (lambda phi: gru_cell(np.ones((2, 3)), np.ones((2, 4)), phi), "phi"),
        (
            lambda phi: rnn_cell(np.ones((2, 3)), np.ones((2, 4)), {**phi, "W_x": 1}),
            "phi",
        ),
        (lambda phi: rnn_cell(np.ones((2, 3)), np.ones((2, 4)), {"W_x": 1}), "phi"),
        (
            lambda phi: run_sequence(rnn_cell, np.ones((2, 3)), np.ones((2, 4)), phi),
            "x",
        ),
        (
            lambda phi: run_sequence(
                rnn_cell, np.ones((2, 5, 3)), np.ones((1, 4)), phi
            ),
            "h0",
        ),
        (lambda phi: torch_layer_like(phi, "gru"), "phi"),
        (lambda phi: torch_layer_like(phi, "lstm"), "kind"),
        (
            lambda phi: backpropagate_through_time(
                rnn_cell_backward,
                np.ones((2, 5, 3)),
                np.ones((2, 6, 4)),
                phi,
                np.ones((2, 6, 4)),
            ),
            "dL_dhs",
        ),
    ],
)
def test_bad_inputs_are_refused_by_name(call, match):
    phi = init_cell(3, 4, seed=0)
    if match is None:
        assert call(phi).shape == (2, 4)
        return
    with pytest.raises((ValueError, TypeError), match=match):
        call(phi)


def test_a_negative_spectral_radius_is_refused():
    with pytest.raises(ValueError, match="radius"):
        scaled_orthogonal(4, -1.0)


def test_nan_in_the_parameters_is_refused():
    phi = init_cell(3, 4, seed=0)
    phi["W_h"][0, 0] = np.nan
    with pytest.raises(ValueError, match="W_h"):
        rnn_cell(np.ones((2, 3)), np.ones((2, 4)), phi)


def test_the_classifier_refuses_sequences_of_another_length():
    with pytest.raises(ValueError, match="x"):
        GRUClassifier()(torch.ones(2, 39))
    with pytest.raises(ValueError, match="hidden_size"):
        GRUClassifier(hidden_size=0)
