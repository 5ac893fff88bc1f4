"""Transfer learning: a network pretrained on one task and reused on a related one,
with its features frozen or fine-tuned, against a network trained from scratch, as
the target task's training set grows.

Nothing pretrained is downloaded: the source network is pretrained here, as a cached
experiment. The source task is MNIST-1D restricted to the digits 0 to 4, the target
task the digits 5 to 9 (relabelled 0 to 4); the two share no class and no example.
The network is the convolutional chapter's MNIST-1D CNN, trained with the measuring
chapter's ``train_classifier``.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.architectures.convolutional_networks import mnist1d_cnn
from dlfoundations.backpropagation.pytorch import get_device
from dlfoundations.experiments import progress
from dlfoundations.generalization.measuring_performance import (
    BATCH_SIZE,
    LR,
    train_classifier,
)
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.backpropagation.pytorch import _device
from dlfoundations.checks import (
    check_arguments,
    count,
    finite_array,
    instance_of,
    labels,
    list_of,
    non_negative_integer,
    one_of,
    same_length,
)
from dlfoundations.experiments import experiment

# --8<-- [start:settings]
SOURCE_CLASSES = (0, 1, 2, 3, 4)  # pretrain on these digits of MNIST-1D
TARGET_CLASSES = (5, 6, 7, 8, 9)  # reuse on these, relabelled 0 to 4
PRETRAIN_STEPS = 1500  # Adam steps on the 2000 or so source training examples
TARGET_STEPS = 400  # Adam steps on the target examples, whatever their number
TARGET_SIZES = (25, 50, 150, 500, 1500)  # target training examples: 5 to 300 a class
SEEDS = (0, 1, 2)  # subsets of target examples, heads and orders of the batches
METHODS = ("frozen", "fine-tuned", "scratch")
# --8<-- [end:settings]


# --- argument checks ------------------------------------------------------------------


def _classes(value, name: str) -> tuple[int, ...]:
    """A non-empty tuple of distinct digits 0 to 9."""
    digits = tuple(list_of(non_negative_integer)(value, name))
    if not digits or len(set(digits)) != len(digits) or max(digits) > 9:
        raise ValueError(f"{name} must be distinct digits 0 to 9, got {digits}")
    return digits


def _rows(value, name: str) -> np.ndarray:
    """Inputs, one finite row per example, kept in their own dtype."""
    shape = finite_array(value, name).shape
    if len(shape) != 2:
        raise ValueError(f"{name} must be inputs (N, features), got {shape}")
    return np.asarray(value)


def _enough_per_class(arguments: dict) -> None:
    """n splits evenly over the classes of y, each of which has that many."""
    y, n = arguments["y"], arguments["n"]
    classes, counts = np.unique(y, return_counts=True)
    if n % len(classes) or n // len(classes) > counts.min():
        message = f"n must be a multiple of the {len(classes)} classes of y"
        raise ValueError(f"{message}, at most {counts.min()} a class, got {n}")


def _sizes(value, name: str) -> tuple[int, ...]:
    """Numbers of target examples: multiples of 5, at most 300 a class."""
    sizes = tuple(list_of(count)(value, name))
    if not sizes or any(n % 5 or n > 1500 for n in sizes):
        raise ValueError(f"{name} must be multiples of 5 up to 1500, got {sizes}")
    return sizes


def _seeds(value, name: str) -> tuple[int, ...]:
    seeds = tuple(list_of(non_negative_integer)(value, name))
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"{name} must be at least two distinct seeds, got {seeds}")
    return seeds


def _accuracies(value, name: str) -> np.ndarray:
    """Accuracies, one row per size, one column per seed (two or more)."""
    array = finite_array(value, name)
    if array.ndim != 2 or array.shape[1] < 2:
        message = f"{name} must be accuracies (sizes, seeds), at least two seeds"
        raise ValueError(f"{message}, got shape {array.shape}")
    return array


def _has_head(value, name: str) -> nn.Sequential:
    """A Sequential whose last layer is a Linear one: the head."""
    model = instance_of(nn.Sequential)(value, name)
    if len(model) == 0 or not isinstance(model[-1], nn.Linear):
        raise ValueError(f"{name} must end with an nn.Linear layer, its head")
    return model


def _pretrained(value, name: str) -> dict:
    """The results of pretrain: every array of the source CNN's state dict, under
    "phi." keys, finite and of its shape."""
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise TypeError(f"{name} must be the results of pretrain(), got {kind}")
    with torch.random.fork_rng(devices=[]):  # the caller's random numbers untouched
        expected = mnist1d_cnn(n_classes=len(SOURCE_CLASSES)).state_dict()
    for key, tensor in expected.items():
        if f"phi.{key}" not in value:
            raise ValueError(f"{name} must hold the weights 'phi.{key}' of pretrain()")
        array = finite_array(value[f"phi.{key}"], f"{name}['phi.{key}']")
        if array.shape != tuple(tensor.shape):
            message = f"{name}['phi.{key}'] must have shape {tuple(tensor.shape)}"
            raise ValueError(f"{message}, got {array.shape}")
    return value


# --- the two tasks --------------------------------------------------------------------


@check_arguments(same_length("x", "y"), x=_rows, y=labels, classes=_classes)
# --8<-- [start:class_split]
def class_split(x, y, classes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The examples of the given classes, relabelled by their place in classes:
    with classes (5, 6, 7, 8, 9), a 5 becomes 0 and a 9 becomes 4."""
    keep = np.isin(y, classes)
    new_label = {old: new for new, old in enumerate(classes)}
    return x[keep], np.array([new_label[label] for label in y[keep]])


# --8<-- [end:class_split]


@check_arguments(_enough_per_class, y=labels, n=count, seed=non_negative_integer)
# --8<-- [start:balanced_subset]
def balanced_subset(y, n: int, seed: int) -> np.ndarray:
    """The indices of n examples drawn at random, as many of each class of y."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = n // len(classes)
    chosen = [
        rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in classes
    ]
    return np.sort(np.concatenate(chosen))


# --8<-- [end:balanced_subset]


@check_arguments(classes=_classes, device=_device)
# --8<-- [start:task]
def task(classes: tuple, device: torch.device | None = None) -> dict:
    """MNIST-1D restricted to some classes, relabelled: named (x, y) tensor pairs
    "train" (from its 4000 training examples) and "test" (from its 1000)."""
    data = mnist1d()
    sets = {}
    for name, inputs, targets in (("train", "x", "y"), ("test", "x_test", "y_test")):
        x, y = class_split(data[inputs], data[targets], classes)
        sets[name] = (
            torch.as_tensor(x, device=device),
            torch.as_tensor(y, device=device),
        )
    return sets


# --8<-- [end:task]


# --- pretraining ----------------------------------------------------------------------


@experiment
@check_arguments(seed=non_negative_integer, steps=count, device=_device)
# --8<-- [start:pretrain]
def pretrain(
    seed: int = 0, steps: int = PRETRAIN_STEPS, device: torch.device | None = None
) -> dict[str, np.ndarray]:
    """The CNN trained on the source task (Adam, learning rate 0.01, batches of
    100). Returns its weights, the arrays of its state dict under "phi." keys, and
    its test accuracy on the source task."""
    device = device or get_device()
    sets = task(SOURCE_CLASSES, device)
    torch.manual_seed(seed)
    model = mnist1d_cnn(n_classes=len(SOURCE_CLASSES)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    history = train_classifier(
        model, optimizer, sets["train"], sets, steps, BATCH_SIZE, steps, seed
    )
    phi = {f"phi.{k}": v.cpu().numpy() for k, v in model.state_dict().items()}
    return phi | {"test_accuracy": 1 - history["test_error"][-1]}


# --8<-- [end:pretrain]


# --- three ways to learn the target task ----------------------------------------------


@check_arguments(pretrained=_pretrained, device=_device)
# --8<-- [start:pretrained_cnn]
def pretrained_cnn(pretrained: dict, device: torch.device | None = None):
    """A CNN with the pretrained weights phi (the results of pretrain)."""
    model = mnist1d_cnn(n_classes=len(SOURCE_CLASSES))
    phi = {
        k.removeprefix("phi."): torch.as_tensor(v)
        for k, v in pretrained.items()
        if k.startswith("phi.")
    }
    model.load_state_dict(phi)
    return model.to(device)


# --8<-- [end:pretrained_cnn]


@check_arguments(model=_has_head, n_classes=count)
# --8<-- [start:new_head]
def new_head(model: nn.Sequential, n_classes: int) -> nn.Sequential:
    """Replace the last layer, which answered the source task's question, by a
    fresh linear layer with one output per target class (in place)."""
    model[-1] = nn.Linear(model[-1].in_features, n_classes)
    return model


# --8<-- [end:new_head]


@check_arguments(model=_has_head)
# --8<-- [start:freeze_features]
def freeze_features(model: nn.Sequential) -> list[nn.Parameter]:
    """Freeze every layer but the last: autograd computes no gradient for a
    parameter whose requires_grad is False, so no step can change it. Returns the
    parameters left to train, those of the head."""
    for parameter in model.parameters():
        parameter.requires_grad = False
    for parameter in model[-1].parameters():
        parameter.requires_grad = True
    return [p for p in model.parameters() if p.requires_grad]


# --8<-- [end:freeze_features]


@check_arguments(
    method=one_of(*METHODS),
    pretrained=_pretrained,
    seed=non_negative_integer,
    device=_device,
)
# --8<-- [start:target_model]
def target_model(method: str, pretrained: dict, seed: int, device=None):
    """The CNN to train on the target task, and the parameters to train: all of
    a fresh one ("scratch"), all of the pretrained one with a new head
    ("fine-tuned"), or only the new head on frozen pretrained layers ("frozen")."""
    torch.manual_seed(seed)  # the new head, or every layer from scratch
    n_classes = len(TARGET_CLASSES)
    if method == "scratch":
        model = mnist1d_cnn(n_classes=n_classes)
        return model.to(device), list(model.parameters())
    model = new_head(pretrained_cnn(pretrained), n_classes)
    if method == "frozen":
        return model.to(device), freeze_features(model)
    return model.to(device), list(model.parameters())


# --8<-- [end:target_model]


@check_arguments(
    method=one_of(*METHODS),
    n_target=count,
    pretrained=_pretrained,
    seed=non_negative_integer,
    steps=count,
    device=_device,
)
# --8<-- [start:target_accuracy]
def target_accuracy(
    method: str,
    n_target: int,
    pretrained: dict,
    seed: int = 0,
    steps: int = TARGET_STEPS,
    device: torch.device | None = None,
) -> float:
    """Train by one method on n_target examples of the target task (drawn with
    seed, as many of each class) and return the accuracy on its test set."""
    device = device or get_device()
    sets = task(TARGET_CLASSES, device)
    x, y = sets["train"]
    chosen = balanced_subset(y.cpu().numpy(), n_target, seed)
    train = (x[chosen], y[chosen])
    model, trainable = target_model(method, pretrained, seed, device)
    optimizer = torch.optim.Adam(trainable, lr=LR)
    test = {"test": sets["test"]}
    history = train_classifier(
        model, optimizer, train, test, steps, BATCH_SIZE, steps, seed
    )
    return 1 - history["test_error"][-1]


# --8<-- [end:target_accuracy]


@experiment
@check_arguments(
    sizes=_sizes, seeds=_seeds, steps=count, pretrain_steps=count, device=_device
)
# --8<-- [start:transfer_comparison]
def transfer_comparison(
    sizes: tuple = TARGET_SIZES,
    seeds: tuple = SEEDS,
    steps: int = TARGET_STEPS,
    pretrain_steps: int = PRETRAIN_STEPS,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """The target test accuracy of each method, for each number of target examples
    and each seed: one array (sizes, seeds) per method."""
    device = device or get_device()
    pretrained = pretrain(steps=pretrain_steps, device=device)  # cached
    runs = [(method, n, seed) for method in METHODS for n in sizes for seed in seeds]
    accuracies = [
        target_accuracy(method, n, pretrained, seed, steps, device)
        for method, n, seed in progress(runs, "transfer learning")
    ]
    table = np.array(accuracies).reshape(len(METHODS), len(sizes), len(seeds))
    return {"sizes": np.array(sizes)} | dict(zip(METHODS, table))


# --8<-- [end:transfer_comparison]


@check_arguments(accuracies=_accuracies)
# --8<-- [start:mean_and_standard_error]
def mean_and_standard_error(accuracies) -> tuple[np.ndarray, np.ndarray]:
    """The mean over the seeds (the columns) and its standard error: the sample
    standard deviation over the seeds, divided by the square root of their number."""
    n_seeds = accuracies.shape[1]
    mean = accuracies.mean(axis=1)
    return mean, accuracies.std(axis=1, ddof=1) / np.sqrt(n_seeds)


# --8<-- [end:mean_and_standard_error]
