"""Normalization: batch normalization and layer normalization, forward and backward.

Both subtract a mean and divide by a standard deviation, then scale by a learned
gamma and shift by a learned delta; batch normalization takes the statistics of
each unit over the batch, layer normalization those of each example over its units.
From scratch in NumPy, checked against ``torch.nn.BatchNorm1d`` (training and
evaluation modes, running statistics) and ``torch.nn.LayerNorm``; then their effect
on training a deep MLP on MNIST-1D, measured with PyTorch's modules.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import fit, get_device, model_accuracy
from dlfoundations.building_blocks.activations import dead_unit_fraction
from dlfoundations.experiments import progress
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
import functools

from dlfoundations.backpropagation.pytorch import _device
from dlfoundations.checks import (
    check_arguments,
    check_constructor,
    count,
    instance_of,
    integer,
    layer_sizes,
    list_of,
    matrix,
    non_negative_integer,
    one_of,
    optional,
    positive,
    probability,
    same_shape,
    vector,
)
from dlfoundations.experiments import experiment


def _batch(value, name: str) -> np.ndarray:
    """A batch (B, D) of at least two examples: batch statistics need two."""
    x = matrix(value, name)
    if len(x) < 2:
        message = f"{name} must hold at least two examples (rows) for batch statistics"
        raise ValueError(message)
    return x


def _axis(value, name: str) -> int:
    """0 (over the batch) or 1 (over the units): an integer, not a bool."""
    axis = integer(value, name)
    if axis not in (0, 1):
        raise ValueError(f"{name} must be 0 (the batch) or 1 (the units), got {axis}")
    return axis


def _per_unit(*names: str, of: str):
    """Each named vector has one entry per unit (column) of the batch ``of``."""

    def check_lengths(arguments: dict) -> None:
        units = arguments[of].shape[1]
        for name in names:
            if arguments[name].shape != (units,):
                shape = arguments[name].shape
                raise ValueError(
                    f"{name} must have one entry per unit of {of}, shape ({units},), "
                    f"got {shape}"
                )

    return check_lengths


def _statistics_of(axis: int | None, of: str = "x_hat"):
    """inv_std has the shape of a statistic of ``of`` along ``axis`` (kept as 1);
    with axis None, the axis is the argument ``axis``."""

    def check_shape(arguments: dict) -> None:
        along = arguments["axis"] if axis is None else axis
        expected = list(arguments[of].shape)
        expected[along] = 1
        if arguments["inv_std"].shape != tuple(expected):
            got = arguments["inv_std"].shape
            raise ValueError(
                f"inv_std must have shape {tuple(expected)}, the statistics of {of} "
                f"along axis {along}, got {got}"
            )

    return check_shape


_STATISTICS = {"x_hat": matrix, "inv_std": matrix}


@check_arguments(x=matrix, axis=_axis, eps=positive)
# --8<-- [start:normalize]
def normalize(x: np.ndarray, axis: int, eps: float = 1e-5) -> tuple:
    """Subtract the mean along ``axis`` and divide by the standard deviation.

    axis 0 normalizes each unit (column) over the batch, axis 1 each example (row)
    over its units. The variance divides by the count (biased), and eps keeps the
    division safe for constant inputs. Returns x_hat and 1 / sqrt(var + eps),
    which the backward pass reuses.
    """
    mean = x.mean(axis=axis, keepdims=True)
    variance = x.var(axis=axis, keepdims=True)  # mean of (x - mean)^2
    inv_std = 1 / np.sqrt(variance + eps)
    return (x - mean) * inv_std, inv_std


# --8<-- [end:normalize]


@check_arguments(
    same_shape("grad_x_hat", "x_hat"),
    _statistics_of(None),
    grad_x_hat=matrix,
    **_STATISTICS,
    axis=_axis,
)
# --8<-- [start:normalize_backward]
def normalize_backward(
    grad_x_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, axis: int
) -> np.ndarray:
    """The gradient of the loss with respect to the input x of normalize, from
    its gradient with respect to x_hat:

        dL/dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)),  g = dL/dx_hat,

    with the means taken along the axis that was normalized.
    """
    mean_grad = grad_x_hat.mean(axis=axis, keepdims=True)
    mean_grad_x_hat = (grad_x_hat * x_hat).mean(axis=axis, keepdims=True)
    return inv_std * (grad_x_hat - mean_grad - x_hat * mean_grad_x_hat)


# --8<-- [end:normalize_backward]


@check_arguments(
    _per_unit("gamma", "delta", of="x"),
    x=_batch,
    gamma=vector,
    delta=vector,
    eps=positive,
)
# --8<-- [start:batch_norm]
def batch_norm(
    x: np.ndarray, gamma: np.ndarray, delta: np.ndarray, eps: float = 1e-5
) -> tuple:
    """Batch normalization of a batch x (B, D) in training mode: each unit is
    normalized with its mean and variance over the batch, then scaled by gamma and
    shifted by delta (one of each per unit). Returns the output, x_hat, inv_std."""
    x_hat, inv_std = normalize(x, axis=0, eps=eps)
    return gamma * x_hat + delta, x_hat, inv_std


# --8<-- [end:batch_norm]

_BACKWARD = {"grad_out": matrix, **_STATISTICS, "gamma": vector}


@check_arguments(
    same_shape("grad_out", "x_hat"),
    _statistics_of(0),
    _per_unit("gamma", of="x_hat"),
    **_BACKWARD,
)
# --8<-- [start:batch_norm_backward]
def batch_norm_backward(
    grad_out: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, gamma: np.ndarray
) -> tuple:
    """Gradients of the loss with respect to x, gamma and delta, from its gradient
    with respect to batch_norm's output."""
    grad_gamma = np.sum(grad_out * x_hat, axis=0)  # gamma scales every example
    grad_delta = np.sum(grad_out, axis=0)
    grad_x = normalize_backward(grad_out * gamma, x_hat, inv_std, axis=0)
    return grad_x, grad_gamma, grad_delta


# --8<-- [end:batch_norm_backward]


@check_arguments(
    _per_unit("gamma", "delta", of="x"),
    x=matrix,
    gamma=vector,
    delta=vector,
    eps=positive,
)
# --8<-- [start:layer_norm]
def layer_norm(
    x: np.ndarray, gamma: np.ndarray, delta: np.ndarray, eps: float = 1e-5
) -> tuple:
    """Layer normalization of a batch x (B, D): each example is normalized with the
    mean and variance of its D units, then scaled by gamma and shifted by delta (one
    of each per unit, as in batch_norm). Returns the output, x_hat, inv_std."""
    x_hat, inv_std = normalize(x, axis=1, eps=eps)
    return gamma * x_hat + delta, x_hat, inv_std


# --8<-- [end:layer_norm]


@check_arguments(
    same_shape("grad_out", "x_hat"),
    _statistics_of(1),
    _per_unit("gamma", of="x_hat"),
    **_BACKWARD,
)
# --8<-- [start:layer_norm_backward]
def layer_norm_backward(
    grad_out: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, gamma: np.ndarray
) -> tuple:
    """Gradients with respect to x, gamma and delta, from the gradient with respect
    to layer_norm's output: batch_norm_backward with the other axis."""
    grad_gamma = np.sum(grad_out * x_hat, axis=0)
    grad_delta = np.sum(grad_out, axis=0)
    grad_x = normalize_backward(grad_out * gamma, x_hat, inv_std, axis=1)
    return grad_x, grad_gamma, grad_delta


# --8<-- [end:layer_norm_backward]


@check_constructor(n_features=count, momentum=probability, eps=positive)
# --8<-- [start:batch_norm_layer]
class BatchNorm:
    """A batch normalization layer for batches (B, D), as torch.nn.BatchNorm1d.

    While training (self.training True) it normalizes with the batch's statistics
    and keeps running averages of them; in evaluation it normalizes with those
    averages, so an example's output no longer depends on the rest of its batch.
    """

    def __init__(self, n_features: int, momentum: float = 0.1, eps: float = 1e-5):
        self.gamma, self.delta = np.ones(n_features), np.zeros(n_features)
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)
        self.momentum, self.eps = momentum, eps
        self.training = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if not self.training:
            x_hat = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
            return self.gamma * x_hat + self.delta
        self.update_running_statistics(x)
        out, self.x_hat, self.inv_std = batch_norm(x, self.gamma, self.delta, self.eps)
        return out

    def update_running_statistics(self, x: np.ndarray) -> None:
        m = self.momentum  # PyTorch's momentum: the weight of the new batch
        self.running_mean = (1 - m) * self.running_mean + m * x.mean(axis=0)
        # the running variance estimates the population's: divide by B - 1
        self.running_var = (1 - m) * self.running_var + m * x.var(axis=0, ddof=1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """After a call in training mode: keep the gradients of gamma and delta,
        return the gradient with respect to the call's input."""
        grad_x, self.grad_gamma, self.grad_delta = batch_norm_backward(
            grad_out, self.x_hat, self.inv_std, self.gamma
        )
        return grad_x


# --8<-- [end:batch_norm_layer]


def _fits_layer(arguments: dict) -> None:
    """x is a batch with one column per feature of the layer, and at least two
    examples while training."""
    layer, x = arguments["self"], arguments["x"]
    units = len(layer.gamma)
    if x.ndim != 2 or x.shape[1] != units:
        raise ValueError(f"x must have shape (batch, {units}), got {x.shape}")
    if layer.training and len(x) < 2:
        message = "x must hold at least two examples in training mode"
        raise ValueError(f"{message} (batch statistics), or set training = False")


def _after_training_call(arguments: dict) -> None:
    """backward follows a call in training mode, with a gradient of its shape."""
    layer, grad_out = arguments["self"], arguments["grad_out"]
    if not hasattr(layer, "x_hat"):
        message = "grad_out has no forward pass to go back through"
        raise ValueError(f"{message}: call the layer in training mode first")
    if grad_out.shape != layer.x_hat.shape:
        shape, expected = grad_out.shape, layer.x_hat.shape
        raise ValueError(f"grad_out must have shape {expected}, got {shape}")


BatchNorm.__call__ = check_arguments(_fits_layer, x=matrix)(BatchNorm.__call__)
BatchNorm.update_running_statistics = check_arguments(_fits_layer, x=_batch)(
    BatchNorm.update_running_statistics
)
BatchNorm.backward = check_arguments(_after_training_call, grad_out=matrix)(
    BatchNorm.backward
)


# ------------------------------------------------------ training with normalization

# --8<-- [start:normalizations]
NORMALIZATIONS = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
# --8<-- [end:normalizations]


@check_arguments(
    layer_sizes=layer_sizes, normalization=optional(one_of(*NORMALIZATIONS))
)
# --8<-- [start:normalized_mlp]
def normalized_mlp(
    layer_sizes: list[int], normalization: str | None = None
) -> nn.Sequential:
    """Linear, normalization, ReLU, ..., Linear: an MLP with a normalization layer
    ("batch", "layer" or None for none) between each hidden Linear and its ReLU.

    The Linear layers keep PyTorch's default initialization.
    """
    modules = []
    for n_in, n_out in zip(layer_sizes[:-2], layer_sizes[1:-1]):
        modules.append(nn.Linear(n_in, n_out))
        if normalization is not None:
            modules.append(NORMALIZATIONS[normalization](n_out))
        modules.append(nn.ReLU())
    modules.append(nn.Linear(layer_sizes[-2], layer_sizes[-1]))
    return nn.Sequential(*modules)


# --8<-- [end:normalized_mlp]


@check_arguments(model=instance_of(nn.Module))
# --8<-- [start:he_initialize]
def he_initialize(model: nn.Module) -> nn.Module:
    """He weights (normal, variance 2 / fan-in) and zero biases for every Linear
    layer of the model, in place, as the initialization chapter recommends."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


# --8<-- [end:he_initialize]

# --8<-- [start:variants]
VARIANTS = ("plain", "plain, He init", "batch norm", "layer norm")
# --8<-- [end:variants]


@check_arguments(variant=one_of(*VARIANTS), layer_sizes=layer_sizes)
# --8<-- [start:build_variant]
def build_variant(variant: str, layer_sizes: list[int]) -> nn.Sequential:
    """One of the four networks compared: the same MLP with PyTorch's initial
    weights, with He's, with batch normalization or with layer normalization."""
    if variant == "batch norm":
        return normalized_mlp(layer_sizes, "batch")
    if variant == "layer norm":
        return normalized_mlp(layer_sizes, "layer")
    if variant == "plain, He init":
        return he_initialize(normalized_mlp(layer_sizes))
    return normalized_mlp(layer_sizes)


# --8<-- [end:build_variant]


def _sequential_for(arguments: dict) -> None:
    """x is a float tensor batch (N, features) as wide as the model's input."""
    model, x = arguments["model"], arguments["x"]
    if x.ndim != 2 or not x.is_floating_point():
        raise ValueError(f"x must be a float batch (N, features), got {x.shape}")
    if len(x) < 2:
        raise ValueError("x must hold at least two examples (a spread over them)")
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if linear and x.shape[1] != linear[0].in_features:
        width = linear[0].in_features
        raise ValueError(f"x must have {width} columns, the input width of model")
    if torch.isnan(x).any():
        raise ValueError("x must not contain NaN")


_MODEL_AND_BATCH = {"model": instance_of(nn.Sequential), "x": instance_of(torch.Tensor)}


@check_arguments(_sequential_for, **_MODEL_AND_BATCH)
# --8<-- [start:relu_inputs]
@torch.no_grad()
def relu_inputs(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """What every ReLU of a Sequential model receives for the batch x, in order."""
    inputs = []
    for module in model:
        if isinstance(module, nn.ReLU):
            inputs.append(x)
        x = module(x)
    return inputs


# --8<-- [end:relu_inputs]


@check_arguments(_sequential_for, **_MODEL_AND_BATCH)
# --8<-- [start:spread]
def relu_input_spread(model: nn.Sequential, x: torch.Tensor) -> np.ndarray:
    """For each ReLU: how much its input varies from example to example, the
    standard deviation over the batch averaged over the units. Training mode:
    batch normalization uses the statistics of this batch."""
    model.train()
    return np.array([h.std(dim=0).mean().item() for h in relu_inputs(model, x)])


# --8<-- [end:spread]


@check_arguments(_sequential_for, **_MODEL_AND_BATCH)
# --8<-- [start:dead]
def dead_unit_share(model: nn.Sequential, x: torch.Tensor) -> float:
    """The share of the hidden units, over all layers, whose ReLU input is <= 0 for
    every example of x: dead units (the activations chapter), in evaluation mode."""
    model.eval()
    inputs = relu_inputs(model, x)
    dead = [dead_unit_fraction(h.cpu().numpy()) * h.shape[1] for h in inputs]
    return sum(dead) / sum(h.shape[1] for h in inputs)


# --8<-- [end:dead]


@check_arguments(depth=count, width=count, seed=non_negative_integer)
# --8<-- [start:initial_spreads]
def initial_spreads(depth: int = 16, width: int = 64, seed: int = 0) -> dict:
    """relu_input_spread of each variant, K = depth layers of the given width, on
    the first 1000 MNIST-1D training sequences, before any training."""
    x = torch.as_tensor(mnist1d()["x"][:1000])
    layer_sizes = [40] + [width] * (depth - 1) + [10]
    spreads = {}
    for variant in VARIANTS:
        torch.manual_seed(seed)  # nn.Linear draws its weights from torch's generator
        spreads[variant] = relu_input_spread(build_variant(variant, layer_sizes), x)
    return spreads


# --8<-- [end:initial_spreads]


def _on_one_thread(function):
    """Run on one CPU thread: tiny models train fastest so (a busy CPU makes extra
    threads spin), and one thread count keeps CPU results the same on every run."""

    @functools.wraps(function)
    def on_one_thread(*args, **kwargs):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return function(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return on_one_thread


@experiment
@check_arguments(
    depth=count,
    width=count,
    lrs=list_of(positive),
    epochs=count,
    batch_size=count,
    seed=non_negative_integer,
    device=_device,
)
@_on_one_thread
# --8<-- [start:sweep]
def normalization_sweep(
    depth: int = 16,
    width: int = 64,
    lrs: tuple = (0.01, 0.03, 0.1, 0.3, 1.0),
    epochs: int = 15,
    batch_size: int = 100,
    seed: int = 0,
    device: torch.device | None = None,
) -> dict:
    """Train each variant at each learning rate on MNIST-1D: minibatch SGD (the
    PyTorch chapter's fit), from the same initial weights for every learning rate.

    Returns the training and test loss of every epoch, shape (variants, lrs,
    epochs), and after training the test accuracy and the share of dead units.
    """
    device = device or get_device()
    data = mnist1d()
    train, test = (data["x"], data["y"]), (data["x_test"], data["y_test"])
    x_test = torch.as_tensor(data["x_test"], device=device)
    layer_sizes = [40] + [width] * (depth - 1) + [10]
    shape = (len(VARIANTS), len(lrs))
    results = {
        "train_loss": np.zeros((*shape, epochs)),
        "test_loss": np.zeros((*shape, epochs)),
        "test_accuracy": np.zeros(shape),
        "dead_share": np.zeros(shape),
    }
    runs = [(i, j) for i in range(len(VARIANTS)) for j in range(len(lrs))]
    for i, j in progress(runs, "normalization sweep"):
        torch.manual_seed(seed)
        model = build_variant(VARIANTS[i], layer_sizes)
        history = fit(model, train, test, epochs, batch_size, lrs[j], seed, device)
        results["train_loss"][i, j] = history["train_loss"]
        results["test_loss"][i, j] = history["val_loss"]
        results["test_accuracy"][i, j] = model_accuracy(model, *test)
        results["dead_share"][i, j] = dead_unit_share(model, x_test)
    return {"variants": list(VARIANTS), "lrs": list(lrs), **results}


# --8<-- [end:sweep]
