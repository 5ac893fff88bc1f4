"""micrograd's demo with the tensor engine: MLP(2, [16, 16, 1]) fits 100 two-moons points."""

import time

import numpy as np
import torch

from dlfoundations.backpropagation.autodiff.tensor import MLP, Tensor, hinge_loss, moons, train_moons


def test_moons_data_has_two_balanced_classes_with_labels_minus_one_and_one():
    x, y = moons()
    assert x.shape == (100, 2)
    assert sorted(np.unique(y)) == [-1.0, 1.0]
    assert np.sum(y > 0) == 50


def test_mlp_reaches_100_percent_training_accuracy_on_the_moons():
    start = time.perf_counter()
    model, losses, accuracies = train_moons(steps=100, seed=0)
    x, y = moons()
    predictions = np.sign(model(x).data[:, 0])
    assert np.mean(predictions == y) == 1.0
    assert len(losses) == 100 and losses[-1] < 0.1 * losses[0]
    assert accuracies[0] < 1.0  # it was learned, not given
    assert time.perf_counter() - start < 30


def test_first_training_step_matches_torch():
    x, y = moons()
    model = MLP(2, [16, 16, 1], seed=0, init_bound=1.0)
    params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    l2 = sum((p * p).sum() for p in model.parameters())
    loss = hinge_loss(model(x), y[:, None]) + 1e-4 * l2
    loss.backward()

    w1, b1, w2, b2, w3, b3 = params
    h = torch.relu(torch.relu(torch.tensor(x) @ w1 + b1) @ w2 + b2)
    scores = (h @ w3 + b3)[:, 0]
    t_loss = torch.relu(1 - torch.tensor(y) * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
    t_loss.backward()
    assert abs(loss.item() - t_loss.item()) < 1e-12
    for p, t in zip(model.parameters(), params):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert isinstance(loss, Tensor)
