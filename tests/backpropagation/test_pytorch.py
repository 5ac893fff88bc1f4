"""PyTorch: the model and training step agree with the from-scratch tensor
engine."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfoundations.backpropagation.tensor_autodiff import MLP
from dlfoundations.building_blocks.metrics import accuracy
from dlfoundations.backpropagation.pytorch import (
    TorchMLP,
    fit,
    get_device,
    max_parameter_difference,
    model_accuracy,
    scratch_step,
    side_by_side,
    torch_mlp_like,
    torch_step,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models: one thread is fastest, and extra threads spin on a busy CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_get_device_picks_cuda_exactly_when_available():
    assert get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_torch_mlp_has_the_shapes_and_parameter_count_of_the_scratch_mlp():
    scratch = MLP([4, 8, 3], seed=1)
    model = torch_mlp_like(scratch)
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.data.size for p in scratch.parameters()
    )
    x = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_allclose(
        model(torch.from_numpy(x)).detach().numpy(), scratch(x).data, rtol=1e-12
    )
    assert max_parameter_difference(scratch, model) == 0.0


@settings(max_examples=25, deadline=None)
@given(
    n_inputs=st.integers(1, 5),
    hidden=st.integers(1, 8),
    n_classes=st.integers(2, 4),
    batch=st.integers(1, 16),
    steps=st.integers(1, 5),
    lr=st.floats(0.01, 1.0),
    seed=st.integers(0, 1000),
)
def test_sgd_steps_from_scratch_and_in_pytorch_give_the_same_parameters(
    n_inputs, hidden, n_classes, batch, steps, lr, seed
):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(batch, n_inputs)), rng.integers(0, n_classes, size=batch)
    scratch = MLP([n_inputs, hidden, hidden, n_classes], seed=seed)
    model = torch_mlp_like(scratch)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        ours = scratch_step(scratch, x, y, lr)
        theirs = torch_step(model, optimizer, torch.from_numpy(x), torch.from_numpy(y))
        assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)
    assert max_parameter_difference(scratch, model) < 1e-10


def test_side_by_side_training_agrees_and_learns():
    # 40 steps: past the spike of full-batch SGD at lr 0.5 (steps 27 to 33)
    scratch_losses, torch_losses, difference = side_by_side(steps=40)
    np.testing.assert_allclose(scratch_losses, torch_losses, rtol=1e-10)
    assert difference < 1e-10
    assert scratch_losses[-1] < 0.5 * scratch_losses[0]


def test_full_batch_fit_equals_scratch_steps():
    """With one batch per epoch the loop is plain gradient descent: the scratch engine
    is the oracle."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 2)), rng.integers(0, 2, size=12)
    scratch = MLP([2, 6, 2], seed=3)
    model = torch_mlp_like(scratch)
    history = fit(
        model, x, y, epochs=4, batch_size=12, lr=0.3, device=torch.device("cpu")
    )
    expected = [scratch_step(scratch, x, y, 0.3) for _ in range(4)]
    np.testing.assert_allclose(history, expected, rtol=1e-10)
    assert max_parameter_difference(scratch, model) < 1e-10


def test_minibatch_fit_learns_the_moons():
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    torch.manual_seed(0)
    model = TorchMLP([2, 16, 16, 2])
    history = fit(
        model, x, y, epochs=30, batch_size=10, lr=0.1, device=torch.device("cpu")
    )
    assert history[-1] < 0.2 * history[0]
    assert model_accuracy(model, x, y) > 0.95


@settings(max_examples=25, deadline=None)
@given(
    n_inputs=st.integers(1, 4),
    n_classes=st.integers(2, 4),
    batch=st.integers(1, 20),
    seed=st.integers(0, 1000),
)
def test_model_accuracy_is_the_metrics_accuracy_of_the_predictions(
    n_inputs, n_classes, batch, seed
):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(batch, n_inputs)), rng.integers(0, n_classes, size=batch)
    model = torch_mlp_like(MLP([n_inputs, 5, n_classes], seed=seed))
    logits = model(torch.from_numpy(x)).detach().numpy()
    expected = np.mean(logits.argmax(axis=1) == y)  # counted by hand
    assert model_accuracy(model, x, y) == expected
    assert model_accuracy(model, x, y) == accuracy(y, logits.argmax(axis=1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fit_runs_on_the_gpu():
    scratch = MLP([2, 6, 2], seed=0)
    x, y = np.random.default_rng(0).normal(size=(8, 2)), np.arange(8) % 2
    model = torch_mlp_like(scratch)
    history = fit(
        model, x, y, epochs=2, batch_size=8, lr=0.1, device=torch.device("cuda")
    )
    assert next(model.parameters()).device.type == "cuda"
    np.testing.assert_allclose(
        history, [scratch_step(scratch, x, y, 0.1) for _ in range(2)], rtol=1e-8
    )


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(TypeError, match="scratch"):
        torch_mlp_like(TorchMLP([2, 2]))
    model = TorchMLP([2, 2])
    x, y = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, x, y, epochs=1, batch_size=0, lr=0.1)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, x, y, epochs=1.5, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        fit(model, x, y, epochs=1, batch_size=2, lr=0.0)


def test_bad_values_the_probe_found_are_refused():
    with pytest.raises(ValueError, match="layer_sizes"):
        TorchMLP([0, 2])
    with pytest.raises(TypeError, match="layer_sizes"):
        TorchMLP([2, 2.5])
    model = TorchMLP([2, 3, 2]).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.zeros(4, 2, dtype=torch.float64), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match="x"):
        torch_step(
            model, optimizer, torch.full((4, 2), float("nan"), dtype=torch.float64), y
        )
    with pytest.raises(ValueError, match="y"):
        torch_step(model, optimizer, x, torch.tensor([0, 1, 0, 2]))
    with pytest.raises(TypeError, match="optimizer"):
        torch_step(model, None, x, y)
    with pytest.raises(ValueError, match="device"):
        fit(model, x.numpy(), y.numpy(), epochs=1, batch_size=2, lr=0.1, device="abc")
    with pytest.raises(ValueError, match="x and y"):
        model_accuracy(model, x.numpy(), y.numpy()[:3])
    with pytest.raises(ValueError, match="steps"):
        side_by_side(steps=0)
    for other in ([2, 4, 2], [3, 2, 2]):  # another width; the layout (in, out)
        with pytest.raises(ValueError, match="scratch and model"):
            max_parameter_difference(MLP([2, 3, 2]), TorchMLP(other).double())
    with pytest.raises(ValueError, match="y"):
        scratch_step(MLP([2, 2]), x.numpy(), np.array([0, 1, 0, 5]), 0.1)


def test_the_forward_pass_names_a_bad_batch():
    model = TorchMLP([2, 3, 2])
    with pytest.raises(ValueError, match="x"):
        model(torch.full((4, 2), float("nan")))
    with pytest.raises(ValueError, match="x"):
        model(torch.zeros(2, 4, 2))
    with pytest.raises(TypeError, match="x"):
        model(np.zeros((4, 2)))
