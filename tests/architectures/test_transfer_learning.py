"""Transfer learning: the split of MNIST-1D into a source and a target task, the
balanced subsets of target examples, freezing (frozen weights stay bit-identical,
the head moves), fine-tuning from exactly the pretrained weights, and the two
experiments on small settings."""

import numpy as np
import pytest
import torch

from dlfoundations.architectures.convolutional_networks import mnist1d_cnn
from dlfoundations.architectures.transfer_learning import (
    METHODS,
    SOURCE_CLASSES,
    TARGET_CLASSES,
    _pretrained,
    balanced_subset,
    class_split,
    freeze_features,
    mean_and_standard_error,
    new_head,
    pretrain,
    pretrained_cnn,
    target_accuracy,
    target_model,
    task,
    transfer_comparison,
)
from dlfoundations.backpropagation.pytorch import torch_step
from dlfoundations.generalization.mnist1d import mnist1d

pytestmark = pytest.mark.usefixtures("experiment_cache", "one_thread")


@pytest.fixture(scope="module")
def pretrained():
    """A short pretraining, uncached: enough weights to reuse, in a second."""
    return pretrain.__wrapped__(steps=40, device="cpu")


# --- the two tasks ---


def test_class_split_keeps_the_classes_and_relabels_them_in_order():
    x = np.arange(12.0).reshape(6, 2)
    y = np.array([5, 0, 9, 7, 5, 3])
    x_kept, y_kept = class_split(x, y, (5, 7, 9))
    np.testing.assert_array_equal(y_kept, [0, 2, 1, 0])
    np.testing.assert_array_equal(x_kept, x[[0, 2, 3, 4]])


def test_the_source_and_target_tasks_share_no_class_and_no_example():
    data = mnist1d()
    assert not set(SOURCE_CLASSES) & set(TARGET_CLASSES)
    source, target = task(SOURCE_CLASSES), task(TARGET_CLASSES)
    for name, inputs in (("train", "x"), ("test", "x_test")):
        n_source, n_target = len(source[name][1]), len(target[name][1])
        assert n_source + n_target == len(data[inputs])  # every example, once
        for sets in (source, target):
            assert set(sets[name][1].tolist()) == {0, 1, 2, 3, 4}
            assert sets[name][0].dtype == torch.float32
    y = data["y"]
    target_x = target["train"][0].numpy()
    np.testing.assert_array_equal(target_x, data["x"][y >= 5])
    np.testing.assert_array_equal(target["train"][1].numpy(), y[y >= 5] - 5)


def test_balanced_subsets_draw_as_many_of_each_class_without_repeats():
    y = np.repeat([0, 1, 2], [10, 20, 30])
    chosen = balanced_subset(y, 15, seed=0)
    assert len(set(chosen.tolist())) == 15
    np.testing.assert_array_equal(np.bincount(y[chosen]), [5, 5, 5])
    np.testing.assert_array_equal(balanced_subset(y, 15, seed=0), chosen)
    assert not np.array_equal(balanced_subset(y, 15, seed=1), chosen)


# --- freezing and fine-tuning ---


def test_frozen_layers_stay_bit_identical_while_the_head_learns():
    torch.manual_seed(0)
    model = new_head(mnist1d_cnn(channels=3), 5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = freeze_features(model)
    assert trainable == list(model[-1].parameters())
    optimizer = torch.optim.Adam(trainable, lr=0.01)
    x, y = torch.randn(20, 40), torch.arange(20) % 5
    for _ in range(5):
        torch_step(model, optimizer, x, y)
    after = model.state_dict()
    head = {k for k in after if k.startswith(f"{len(model) - 1}.")}
    assert head == {"8.weight", "8.bias"}
    for name in after:
        unchanged = torch.equal(after[name], before[name])
        assert unchanged == (name not in head), name


def test_a_model_not_frozen_changes_every_layer():
    """The same steps without freezing move the convolutions too: the test above
    would fail if freezing did nothing."""
    torch.manual_seed(0)
    model = new_head(mnist1d_cnn(channels=3), 5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    torch_step(model, optimizer, torch.randn(20, 40), torch.arange(20) % 5)
    after = model.state_dict()
    assert all(not torch.equal(after[k], before[k]) for k in after)


def test_checking_the_pretrained_weights_draws_no_random_numbers(pretrained):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    _pretrained(pretrained, "pretrained")  # builds a CNN to compare shapes with
    assert torch.equal(torch.rand(3), expected)


def test_the_pretrained_cnn_has_exactly_the_pretrained_weights(pretrained):
    model = pretrained_cnn(pretrained)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), pretrained[f"phi.{name}"])


def test_fine_tuning_starts_from_the_pretrained_weights_with_a_fresh_head(
    pretrained,
):
    fine, fine_trainable = target_model("fine-tuned", pretrained, seed=3)
    frozen, frozen_trainable = target_model("frozen", pretrained, seed=3)
    scratch, _ = target_model("scratch", pretrained, seed=3)
    assert len(fine_trainable) == len(list(fine.parameters())) == 8
    assert len(frozen_trainable) == 2
    for name, value in fine.state_dict().items():
        stored = pretrained[f"phi.{name}"]
        reused = np.array_equal(value.numpy(), stored)
        assert reused == (not name.startswith("8.")), name  # all but the head
        assert torch.equal(value, frozen.state_dict()[name])  # same seed, same head
        if name.startswith("0."):
            assert not np.array_equal(scratch.state_dict()[name].numpy(), stored)


# --- the experiments, small ---


def test_pretraining_learns_the_source_task(pretrained):
    names = mnist1d_cnn(n_classes=5).state_dict()
    assert set(pretrained) == {f"phi.{name}" for name in names} | {"test_accuracy"}
    assert pretrained["phi.8.weight"].shape == (5, 125)
    assert pretrained["test_accuracy"] > 0.35  # chance: 0.2
    again = pretrain.__wrapped__(steps=40, device="cpu")
    np.testing.assert_array_equal(again["phi.1.weight"], pretrained["phi.1.weight"])


def test_target_accuracy_is_an_accuracy_and_is_deterministic(pretrained):
    accuracy = target_accuracy("frozen", 25, pretrained, seed=0, steps=20)
    assert 0.2 < accuracy <= 1
    assert target_accuracy("frozen", 25, pretrained, seed=0, steps=20) == accuracy
    assert target_accuracy("scratch", 25, pretrained, seed=0, steps=20) != accuracy


def test_the_comparison_returns_one_table_per_method():
    results = transfer_comparison.__wrapped__(
        sizes=(10, 20), seeds=(0, 1), steps=5, pretrain_steps=10, device="cpu"
    )
    assert set(results) == {"sizes", *METHODS}
    np.testing.assert_array_equal(results["sizes"], [10, 20])
    for method in METHODS:
        assert results[method].shape == (2, 2)
        assert ((results[method] >= 0) & (results[method] <= 1)).all()


def test_mean_and_standard_error_over_the_seeds():
    accuracies = np.array([[0.5, 0.7, 0.6], [0.9, 0.9, 0.9]])
    mean, error = mean_and_standard_error(accuracies)
    np.testing.assert_allclose(mean, [0.6, 0.9])
    np.testing.assert_allclose(error, [0.1 / np.sqrt(3), 0.0], atol=1e-15)


# --- bad inputs ---


def test_bad_inputs_are_refused_by_name(pretrained):
    with pytest.raises(ValueError, match="classes"):
        class_split(np.zeros((3, 2)), np.array([0, 1, 2]), (1, 1))
    with pytest.raises(ValueError, match="classes"):
        task((3, 10))
    with pytest.raises(ValueError, match="x and y"):
        class_split(np.zeros((3, 2)), np.array([0, 1]), (1,))
    with pytest.raises(ValueError, match="n must be a multiple"):
        balanced_subset(np.array([0, 0, 1, 1]), 3, seed=0)
    with pytest.raises(ValueError, match="n must be a multiple"):
        balanced_subset(np.array([0, 0, 1, 1]), 6, seed=0)
    with pytest.raises(ValueError, match="method"):
        target_accuracy("thawed", 25, pretrained)
    with pytest.raises(ValueError, match="pretrained"):
        target_accuracy("frozen", 25, {"test_accuracy": 0.9})
    with pytest.raises(ValueError, match=r"pretrained\['phi.1.weight'\]"):
        pretrained_cnn(pretrained | {"phi.1.weight": np.zeros((25, 1, 3))})
    with pytest.raises(ValueError, match="model"):
        freeze_features(torch.nn.Sequential(torch.nn.ReLU()))
    with pytest.raises(ValueError, match="sizes"):
        transfer_comparison(sizes=(25, 3000))
    with pytest.raises(ValueError, match="seeds"):
        transfer_comparison(seeds=(0,))
    with pytest.raises(ValueError, match="accuracies"):
        mean_and_standard_error(np.array([[0.5], [0.6]]))
