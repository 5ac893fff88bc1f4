"""PyTorch: the model and training step agree with the from-scratch tensor
engine; nn.Sequential with the feedforward chapter's forward pass; the validation
pass, the data pipeline and saving a model."""

import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from dlfoundations.backpropagation.tensor_autodiff import MLP, cross_entropy
from dlfoundations.building_blocks.feedforward import count_parameters, mlp_forward
from dlfoundations.building_blocks.metrics import accuracy
from dlfoundations.backpropagation.pytorch import (
    ArrayDataset,
    TorchMLP,
    evaluate,
    fit,
    get_device,
    load_state,
    max_parameter_difference,
    model_accuracy,
    moons_splits,
    save_state,
    scratch_step,
    sequential_mlp,
    side_by_side,
    torch_mlp_like,
    torch_step,
    train_epoch,
)

CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


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
    is the oracle, for the training loss and for the validation loss after each
    step."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 2)), rng.integers(0, 2, size=12)
    x_val, y_val = rng.normal(size=(7, 2)), rng.integers(0, 2, size=7)
    scratch = MLP([2, 6, 2], seed=3)
    model = torch_mlp_like(scratch)
    history = fit(
        model, (x, y), (x_val, y_val), epochs=4, batch_size=12, lr=0.3, device=CPU
    )
    expected_train, expected_val = [], []
    for _ in range(4):
        expected_train.append(scratch_step(scratch, x, y, 0.3))
        expected_val.append(cross_entropy(scratch(x_val), y_val).item())
    np.testing.assert_allclose(history["train_loss"], expected_train, rtol=1e-10)
    np.testing.assert_allclose(history["val_loss"], expected_val, rtol=1e-10)
    assert max_parameter_difference(scratch, model) < 1e-10


def test_minibatch_fit_learns_the_moons_and_holds_on_held_out_data():
    train, val, test = moons_splits()
    torch.manual_seed(0)
    model = sequential_mlp([2, 16, 16, 2])
    history = fit(model, train, val, epochs=30, batch_size=10, lr=0.1, device=CPU)
    assert history["train_loss"][-1] < 0.3 * history["train_loss"][0]
    assert history["val_loss"][-1] < 0.3 * history["val_loss"][0]
    assert model_accuracy(model, *val) > 0.9
    assert model_accuracy(model, *test) > 0.85  # reported once, for the chosen model


def test_evaluate_is_the_cross_entropy_of_the_whole_set_and_changes_nothing():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(13, 3)), rng.integers(0, 4, size=13)
    scratch = MLP([3, 5, 4], seed=1)
    model = torch_mlp_like(scratch).train()
    loader = DataLoader(ArrayDataset(x, y, torch.float64), batch_size=4)  # 4+4+4+1
    before = [p.detach().clone() for p in model.parameters()]
    loss = evaluate(model, loader, CPU)
    assert loss == pytest.approx(cross_entropy(scratch(x), y).item(), rel=1e-12)
    assert not model.training  # evaluation mode
    for p, p0 in zip(model.parameters(), before):
        assert torch.equal(p, p0) and p.grad is None  # no step, no gradient


def test_train_epoch_takes_one_step_per_batch():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 2)), rng.integers(0, 2, size=10)
    scratch = MLP([2, 4, 2], seed=2)
    model = torch_mlp_like(scratch)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    loader = DataLoader(ArrayDataset(x, y, torch.float64), batch_size=4)  # in order
    loss = train_epoch(model, loader, optimizer, CPU)
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
    losses = [scratch_step(scratch, x[b], y[b], 0.2) for b in batches]
    assert loss == pytest.approx(np.dot(losses, [4, 4, 2]) / 10, rel=1e-10)
    assert max_parameter_difference(scratch, model) < 1e-10


def test_array_dataset_serves_pairs_and_the_loader_covers_it_once_per_epoch():
    x = np.arange(14.0).reshape(7, 2)
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    dataset = ArrayDataset(x, y)
    assert len(dataset) == 7
    x3, y3 = dataset[3]
    assert x3.dtype == torch.float32 and y3.dtype == torch.long
    assert x3.tolist() == [6.0, 7.0] and y3.item() == 0
    generator = torch.Generator().manual_seed(0)
    loader = DataLoader(dataset, batch_size=3, shuffle=True, generator=generator)
    seen = torch.cat([x_batch[:, 0] for x_batch, _ in loader])
    assert sorted(seen.tolist()) == x[:, 0].tolist()  # every example once
    assert seen.tolist() != x[:, 0].tolist()  # in a shuffled order


def test_moons_splits_are_disjoint_stratified_and_seeded():
    train, val, test = moons_splits(n_samples=400, seed=0)
    assert [len(y) for _, y in (train, val, test)] == [280, 60, 60]
    rows = [tuple(row) for x, _ in (train, val, test) for row in x]
    assert len(set(rows)) == 400  # no example in two splits
    for _, y in (train, val, test):
        assert np.mean(y) == pytest.approx(0.5)  # both moons in equal shares
    again = moons_splits(n_samples=400, seed=0)
    np.testing.assert_array_equal(again[2][0], test[0])


@pytest.mark.parametrize("layer_sizes", [[2, 2], [3, 8, 4], [2, 16, 16, 2]])
def test_sequential_mlp_computes_the_feedforward_chapters_mlp_forward(layer_sizes):
    torch.manual_seed(4)
    model = sequential_mlp(layer_sizes).double()
    named = dict(model.named_parameters())
    weights = [p.detach().numpy() for n, p in named.items() if n.endswith("weight")]
    biases = [p.detach().numpy() for n, p in named.items() if n.endswith("bias")]
    x = np.random.default_rng(0).normal(size=(6, layer_sizes[0]))
    expected = mlp_forward(x, weights, biases)
    ours = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)
    assert [w.shape for w in weights] == list(
        zip(layer_sizes[1:], layer_sizes[:-1])
    )  # (out, in)
    assert sum(p.numel() for p in model.parameters()) == count_parameters(layer_sizes)


def test_sequential_and_torch_mlp_are_the_same_network():
    torch.manual_seed(0)
    listed = TorchMLP([2, 16, 16, 2])
    torch.manual_seed(0)
    stacked = sequential_mlp([2, 16, 16, 2])
    names = [name for name, _ in stacked.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    x = torch.randn(5, 2)
    assert torch.equal(listed(x), stacked(x))  # same draws, same computation


def test_saved_state_loads_into_a_fresh_model_with_the_same_outputs(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    model = sequential_mlp([2, 8, 3])
    data = save_state(model)
    torch.manual_seed(1)
    fresh = sequential_mlp([2, 8, 3])
    x = torch.randn(4, 2)
    assert not torch.equal(fresh(x), model(x))
    loaded = load_state(fresh, data)
    assert loaded is fresh
    assert torch.equal(fresh(x), model(x))
    for (name, p), (other, q) in zip(
        model.state_dict().items(), fresh.state_dict().items()
    ):
        assert name == other and torch.equal(p, q)
    assert torch.load(io.BytesIO(data), weights_only=True).keys() == (
        model.state_dict().keys()
    )
    assert list(tmp_path.iterdir()) == []  # nothing written to disk


def test_a_state_does_not_load_into_another_architecture():
    data = save_state(sequential_mlp([2, 8, 3]))
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_state(sequential_mlp([2, 9, 3]), data)
    with pytest.raises(RuntimeError, match="Missing key"):
        load_state(TorchMLP([2, 8, 3]), data)


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
        model, (x, y), (x, y), epochs=2, batch_size=8, lr=0.1, device=get_device()
    )
    assert next(model.parameters()).device.type == "cuda"
    np.testing.assert_allclose(
        history["train_loss"],
        [scratch_step(scratch, x, y, 0.1) for _ in range(2)],
        rtol=1e-8,
    )
    assert model_accuracy(model, x, y) == accuracy(y, scratch(x).data.argmax(axis=1))
    copy = load_state(torch_mlp_like(MLP([2, 6, 2], seed=1)), save_state(model))
    assert next(copy.parameters()).device.type == "cpu"
    assert max_parameter_difference(scratch, copy) < 1e-8


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(TypeError, match="scratch"):
        torch_mlp_like(TorchMLP([2, 2]))
    model = TorchMLP([2, 2])
    data = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, data, data, epochs=1, batch_size=0, lr=0.1)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, data, data, epochs=1.5, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        fit(model, data, data, epochs=1, batch_size=2, lr=0.0)
    with pytest.raises(TypeError, match="val"):
        fit(model, data, data[0], epochs=1, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="train"):
        fit(model, (np.zeros((4, 3)), data[1]), data, epochs=1, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="val"):
        fit(model, data, (data[0], data[1] + 2), epochs=1, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="train"):
        fit(model, (data[0], data[1][:3]), data, epochs=1, batch_size=2, lr=0.1)
    with pytest.raises(ValueError, match="x and y"):
        ArrayDataset(np.zeros((4, 2)), np.zeros(3, dtype=int))
    with pytest.raises(TypeError, match="y"):
        ArrayDataset(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="data"):
        load_state(model, "model.pt")
    with pytest.raises(TypeError, match="model"):
        save_state(model.state_dict())
    loader = DataLoader(ArrayDataset(*data), batch_size=2)
    with pytest.raises(TypeError, match="device"):
        evaluate(model, loader, "cpu")
    with pytest.raises(TypeError, match="loader"):
        train_epoch(model, data, torch.optim.SGD(model.parameters(), lr=0.1), CPU)
    with pytest.raises(ValueError, match="layer_sizes"):
        sequential_mlp([2])
    with pytest.raises(ValueError, match="n_samples"):
        moons_splits(n_samples=0)


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
    data = x.numpy(), y.numpy()
    with pytest.raises(ValueError, match="device"):
        fit(model, data, data, epochs=1, batch_size=2, lr=0.1, device="abc")
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
