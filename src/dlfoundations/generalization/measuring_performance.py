"""Measuring performance on MNIST-1D: the loss and the error on the training set and
on held-out sets, step after step; overfitting; a validation set to choose with and
a test set to report.

The model and its training follow the MNIST-1D repository (Greydanus and Kobak): an
MLP with two hidden layers of 100 ReLU units, cross-entropy, Adam with learning rate
0.01, batches of 100; 3000 steps here, 6000 there. The regularization chapter trains
the same model.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import get_device, sequential_mlp, torch_step
from dlfoundations.building_blocks.feedforward import train_val_test_split
from dlfoundations.generalization.mnist1d import mnist1d
from dlfoundations.optimization.stochastic_gradient_descent import minibatches

# --8<-- [end:imports]
from dlfoundations.backpropagation.pytorch import _device, _input_width
from dlfoundations.checks import (
    boolean,
    check_arguments,
    count,
    fraction,
    function,
    generator,
    instance_of,
    non_negative_integer,
    optional,
    probability,
)
from dlfoundations.experiments import experiment
from dlfoundations.reproductions import reproduces


# The argument checks of this chapter (see dlfoundations.checks).
def _tensor_pair(value, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A pair (x, y) of tensors: a batch of inputs (N, features), N class indices."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        kind = type(value).__name__
        raise TypeError(f"{name} must be a pair (x, y) of tensors, got {kind}")
    x, y = value
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must hold two torch tensors (x, y)")
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or len(y) == 0:
        shapes = f"{tuple(x.shape)} and {tuple(y.shape)}"
        message = f"{name} must be inputs (N, features) and N labels, N >= 1"
        raise ValueError(f"{message}, got shapes {shapes}")
    if not x.is_floating_point() or x.isnan().any():
        raise ValueError(f"{name} must have floating-point inputs without NaN")
    if y.is_floating_point() or y.dtype == torch.bool or (y < 0).any():
        raise ValueError(f"{name} must have class indices (integers >= 0) as labels")
    return x, y


def _named_pairs(value, name: str) -> dict:
    """A non-empty dict of named (x, y) tensor pairs."""
    if not isinstance(value, dict) or not value:
        kind = type(value).__name__
        raise TypeError(f"{name} must be a non-empty dict of (x, y) pairs, got {kind}")
    return {key: _tensor_pair(pair, f"{name}[{key!r}]") for key, pair in value.items()}


def _pair_fits(model: nn.Module, x_name: str, y_name: str, x, y) -> None:
    """The inputs x are as wide as the model's first layer (when it is a Linear
    one), the labels y below its number of outputs."""
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linear:
        return
    width, n_classes = _input_width(model), linear[-1].out_features
    if width is not None and x.shape[1] != width:
        raise ValueError(f"{x_name} must have {width} columns, the model's input width")
    if y.max() >= n_classes:
        raise ValueError(f"{y_name} must hold labels below {n_classes}, the outputs")


def _x_and_y_fit_model(arguments: dict) -> None:
    _pair_fits(arguments["model"], "x", "y", arguments["x"], arguments["y"])


def _sets_fit_model(arguments: dict) -> None:
    _pair_fits(arguments["model"], "train[0]", "train[1]", *arguments["train"])
    _measured_sets_fit_model(arguments)


def _eval_every_divides_steps(arguments: dict) -> None:
    if arguments["steps"] % arguments["eval_every"] != 0:
        message = "eval_every must divide steps, so that the last step is measured"
        raise ValueError(f"{message}, got {arguments['eval_every']}")


def _inputs(value, name: str) -> torch.Tensor:
    """A 2-D floating-point tensor without NaN."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.ndim != 2 or value.numel() == 0 or not value.is_floating_point():
        raise ValueError(f"{name} must be a non-empty 2-D float tensor")
    if value.isnan().any():
        raise ValueError(f"{name} must not contain NaN")
    return value


def _labels(value, name: str) -> torch.Tensor:
    """A 1-D tensor of class indices."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.ndim != 1 or value.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D tensor of class indices")
    if value.is_floating_point() or value.dtype == torch.bool or (value < 0).any():
        raise ValueError(f"{name} must hold class indices (integers >= 0)")
    return value


def _same_rows(arguments: dict) -> None:
    if len(arguments["x"]) != len(arguments["y"]):
        raise ValueError("x and y must have the same number of rows")


def _run_with_validation(value, name: str) -> dict:
    """The results of a run measured on a validation set: a non-empty "val_error"."""
    if not isinstance(value, dict) or "val_error" not in value:
        message = f"{name} must be a run's results with a 'val_error' curve"
        raise TypeError(f"{message}, such as mnist1d_run(val_fraction=0.15)")
    errors = np.asarray(value["val_error"], dtype=float)
    if errors.ndim != 1 or errors.size == 0 or np.isnan(errors).any():
        raise ValueError(f"{name}['val_error'] must be a non-empty curve without NaN")
    return value


# --8<-- [start:settings]
LAYER_SIZES = [40, 100, 100, 10]  # 40 values in, two hidden layers, 10 classes out
STEPS, BATCH_SIZE, LR = 3000, 100, 0.01  # MNIST-1D's Adam settings, 6000 steps there
EVAL_EVERY = 100  # measure the whole sets every 100 steps
VAL_FRACTION = 0.15  # of the 4000 training examples: 600 for validation
SEEDS = (0, 1, 2)  # three initializations and orders of the examples
# --8<-- [end:settings]


@check_arguments(
    val_fraction=fraction, seed=non_negative_integer, shuffle_positions=boolean
)
# --8<-- [start:splits]
def mnist1d_splits(
    val_fraction: float = 0.0, seed: int = 0, shuffle_positions: bool = False
) -> dict:
    """MNIST-1D as named pairs (x, y): "train", "test" (the dataset's own 1000 test
    examples) and, when val_fraction > 0, "val": that share of the 4000 training
    examples, drawn in the class proportions and left out of "train". With
    shuffle_positions, every sequence has its positions permuted (one permutation
    for all)."""
    data = mnist1d(shuffle_positions=shuffle_positions)
    x, y = data["x"], data["y"]
    train, val, _ = train_val_test_split(
        x, y, val_fraction, 0.0, seed=seed, stratify=True
    )
    splits = {"train": train, "test": (data["x_test"], data["y_test"])}
    if val_fraction > 0:
        splits["val"] = val
    return splits


# --8<-- [end:splits]


@check_arguments(
    _same_rows,
    _x_and_y_fit_model,
    model=instance_of(nn.Module),
    x=_inputs,
    y=_labels,
)
# --8<-- [start:loss_and_error]
@torch.no_grad()  # measuring is not training: no graph, no step
def loss_and_error(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor
) -> tuple[float, float]:
    """The mean cross-entropy and the error rate (the share of examples whose largest
    logit is not their class) of the model on a whole set, in evaluation mode."""
    model.eval()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    error = (logits.argmax(dim=1) != y).float().mean()
    return loss.item(), error.item()


# --8<-- [end:loss_and_error]


@check_arguments(n_examples=count, batch_size=count, rng=generator)
# --8<-- [start:endless_batches]
def endless_batches(n_examples: int, batch_size: int, rng: np.random.Generator):
    """Batches of example indices, epoch after epoch: each epoch is a new random
    order of all the examples (the minibatches of stochastic gradient descent)."""
    while True:
        yield from minibatches(n_examples, batch_size, rng)


# --8<-- [end:endless_batches]


def _history(value, name: str) -> dict:
    """A dict of lists with a "step" list, as train_classifier builds it."""
    if not isinstance(value, dict) or not isinstance(value.get("step"), list):
        raise TypeError(f"{name} must be a dict of lists with a 'step' list")
    return value


def _history_has_each_set(arguments: dict) -> None:
    history = arguments["history"]
    for name in arguments["sets"]:
        for kind in ("loss", "error"):
            if not isinstance(history.get(f"{name}_{kind}"), list):
                raise ValueError(f"history must have a list '{name}_{kind}'")


def _measured_sets_fit_model(arguments: dict) -> None:
    for key, (x, y) in arguments["sets"].items():
        _pair_fits(arguments["model"], f"sets[{key!r}][0]", f"sets[{key!r}][1]", x, y)


@check_arguments(
    _history_has_each_set,
    _measured_sets_fit_model,
    history=_history,
    step=non_negative_integer,
    model=instance_of(nn.Module),
    sets=_named_pairs,
)
# --8<-- [start:record]
def record(history: dict, step: int, model: nn.Module, sets: dict) -> None:
    """Append the step, and the loss and the error on each named set, to history."""
    history["step"].append(step)
    for name, (x, y) in sets.items():
        loss, error = loss_and_error(model, x, y)
        history[f"{name}_loss"].append(loss)
        history[f"{name}_error"].append(error)


# --8<-- [end:record]


@check_arguments(
    _eval_every_divides_steps,
    _sets_fit_model,
    model=instance_of(nn.Module),
    optimizer=instance_of(torch.optim.Optimizer),
    train=_tensor_pair,
    sets=_named_pairs,
    steps=count,
    batch_size=count,
    eval_every=count,
    seed=non_negative_integer,
    augment=optional(function),
)
# --8<-- [start:train_classifier]
def train_classifier(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: tuple,
    sets: dict,
    steps: int,
    batch_size: int,
    eval_every: int,
    seed: int = 0,
    augment=None,
) -> dict[str, list]:
    """Train on the pair ``train`` = (x, y) for ``steps`` minibatch steps. Before the
    first step and every ``eval_every`` steps, measure the loss and the error on each
    named set (x, y) of ``sets``. ``augment``, if given, changes every batch of inputs.

    Returns the steps measured and, for each set, its "<name>_loss" and "<name>_error".
    """
    x, y = train
    history = {"step": []}
    history |= {f"{name}_{kind}": [] for name in sets for kind in ("loss", "error")}
    record(history, 0, model, sets)
    model.train()  # measuring switched the model to evaluation mode: back to training
    batches = endless_batches(len(y), batch_size, np.random.default_rng(seed))
    for step, batch in zip(range(1, steps + 1), batches):
        x_batch = x[batch] if augment is None else augment(x[batch])
        torch_step(model, optimizer, x_batch, y[batch])
        if step % eval_every == 0:
            record(history, step, model, sets)
            model.train()
    return history


# --8<-- [end:train_classifier]


@check_arguments(
    model=instance_of(nn.Module),
    optimizer=instance_of(torch.optim.Optimizer),
    seed=non_negative_integer,
    val_fraction=fraction,
    steps=count,
    eval_every=count,
    augment=optional(function),
    shuffle_positions=boolean,
    device=_device,
)
# --8<-- [start:train_on_mnist1d]
def train_on_mnist1d(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    seed: int = 0,
    val_fraction: float = 0.0,
    steps: int = STEPS,
    eval_every: int = EVAL_EVERY,
    augment=None,
    shuffle_positions: bool = False,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """Train a model on MNIST-1D's training examples (less a validation share) in
    batches of 100, their positions shuffled or not; the curves of every split, as
    arrays."""
    device = device or get_device()
    model.to(device)  # in place: the optimizer keeps the same parameters
    sets = {
        name: (torch.as_tensor(x, device=device), torch.as_tensor(y, device=device))
        for name, (x, y) in mnist1d_splits(
            val_fraction, shuffle_positions=shuffle_positions
        ).items()
    }
    history = train_classifier(
        model,
        optimizer,
        sets["train"],
        sets,
        steps,
        BATCH_SIZE,
        eval_every,
        seed,
        augment,
    )
    return {key: np.array(values) for key, values in history.items()}


# --8<-- [end:train_on_mnist1d]


# The arguments of a training run on MNIST-1D, checked alike in every chapter's run.
TRAINING_RUN = {
    "shuffle_positions": boolean,
    "seed": non_negative_integer,
    "steps": count,
    "eval_every": count,
    "device": _device,
}


@experiment
@check_arguments(val_fraction=fraction, **TRAINING_RUN)
# --8<-- [start:mnist1d_run]
def mnist1d_run(
    seed: int = 0,
    val_fraction: float = 0.0,
    steps: int = STEPS,
    eval_every: int = EVAL_EVERY,
    shuffle_positions: bool = False,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """The MLP 40-100-100-10 trained with Adam (learning rate 0.01) on MNIST-1D
    (its positions shuffled, with shuffle_positions)."""
    torch.manual_seed(seed)  # the initial weights
    model = sequential_mlp(LAYER_SIZES)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    return train_on_mnist1d(
        model,
        optimizer,
        seed,
        val_fraction,
        steps,
        eval_every,
        shuffle_positions=shuffle_positions,
        device=device,
    )


# --8<-- [end:mnist1d_run]


@check_arguments(error=probability, n_examples=count)
# --8<-- [start:standard_error]
def standard_error(error: float, n_examples: int) -> float:
    """The standard error of an error rate measured on n_examples independent
    examples: each is wrong with probability ``error``, so the count of mistakes is
    binomial and the rate spreads by sqrt(error (1 - error) / n)."""
    return float(np.sqrt(error * (1 - error) / n_examples))


# --8<-- [end:standard_error]


@check_arguments(run=_run_with_validation)
# --8<-- [start:chosen_on_validation]
def chosen_on_validation(run: dict) -> int:
    """The index of the measurement with the lowest validation error: the checkpoint
    to keep (the first one, if several tie)."""
    return int(np.argmin(run["val_error"]))


# --8<-- [end:chosen_on_validation]


@reproduces(
    id="mnist1d-mlp-test-accuracy",
    claim="An MLP trained on the 4000 MNIST-1D training examples reaches about 68% "
    "test accuracy",
    source="Greydanus and Kobak, Scaling down deep learning with MNIST-1D "
    "(ICML 2024; arXiv:2011.14439, 2020), table of test accuracies",
    published=0.68,
    tolerance=0.05,
)
# --8<-- [start:reproduction]
def mnist1d_mlp_test_accuracy() -> float:
    """The test accuracy after the last step of the run on all 4000 examples."""
    return float(1 - mnist1d_run()["test_error"][-1])


# --8<-- [end:reproduction]
