"""Regularization: L2 and weight decay (with SGD and with AdamW), dropout, early
stopping and data augmentation, each written from scratch, checked against PyTorch,
and measured on the measuring chapter's overfitting MLP on MNIST-1D.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import sequential_mlp
from dlfoundations.generalization.measuring_performance import (
    LAYER_SIZES,
    LR,
    SEEDS,
    STEPS,
    VAL_FRACTION,
    mnist1d_run,
    train_on_mnist1d,
)
from dlfoundations.optimization.adam import adam_update

# --8<-- [end:imports]
from dlfoundations.backpropagation.pytorch import _device
from dlfoundations.checks import (
    check_arguments,
    check_constructor,
    count,
    finite_array,
    float_array,
    fraction,
    integer,
    layer_sizes,
    list_of,
    non_negative,
    non_negative_integer,
    same_shape,
    vector,
)
from dlfoundations.experiments import experiment


# The argument checks of this chapter (see dlfoundations.checks).
def _float_tensor(value, name: str) -> torch.Tensor:
    """A non-empty floating-point torch tensor without NaN."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.numel() == 0 or not value.is_floating_point():
        raise ValueError(f"{name} must be a non-empty floating-point tensor")
    if value.isnan().any():
        raise ValueError(f"{name} must not contain NaN")
    return value


def _keep_mask(value, name: str) -> torch.Tensor:
    """A boolean tensor: True where a unit is kept."""
    if not isinstance(value, torch.Tensor) or value.dtype != torch.bool:
        raise TypeError(f"{name} must be a boolean torch.Tensor (True: kept)")
    return value


def _mask_like_h(arguments: dict) -> None:
    h, keep = arguments["h"], arguments["keep"]
    if keep.shape != h.shape:
        shapes = f"{tuple(keep.shape)} and {tuple(h.shape)}"
        raise ValueError(f"keep must have the shape of h, got {shapes}")


def _drop_probability(value, name: str) -> float:
    """A dropout probability p in [0, 1): p = 1 would drop every unit."""
    return fraction(value, name)


def _signals(value, name: str) -> torch.Tensor:
    """A batch of signals: a 2-D floating-point tensor (examples, positions)."""
    value = _float_tensor(value, name)
    if value.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (examples, positions), got {value.ndim}-D"
        )
    return value


def _shifts(value, name: str) -> torch.Tensor:
    """One integer shift per example."""
    if not isinstance(value, torch.Tensor) or value.is_floating_point():
        raise TypeError(f"{name} must be an integer torch.Tensor")
    if value.dtype == torch.bool or value.ndim != 1:
        raise ValueError(f"{name} must be a 1-D integer tensor, one shift per example")
    return value


def _one_shift_per_example(arguments: dict) -> None:
    if len(arguments["shifts"]) != len(arguments["x"]):
        raise ValueError("shifts must hold one shift per row of x")


def _moments_like_param(arguments: dict) -> None:
    """grad, m and v have the shape of param."""
    shape = arguments["param"].shape
    for name in ("grad", "m", "v"):
        if arguments[name].shape != shape:
            message = f"{name} must have the shape of param {shape}"
            raise ValueError(f"{message}, got {arguments[name].shape}")


def _curve(value, name: str) -> np.ndarray:
    """A 1-D array of finite measurements, one per evaluation."""
    return vector(value, name)


def _run_with_test_curve(value, name: str) -> dict:
    """A run's results with a non-empty 1-D "test_error" curve."""
    if not isinstance(value, dict) or "test_error" not in value:
        raise TypeError(f"{name} must be a run's results, with a 'test_error' curve")
    curve = np.asarray(value["test_error"], dtype=float)
    if curve.ndim != 1 or curve.size == 0 or np.isnan(curve).any():
        message = "must be a non-empty 1-D curve without NaN"
        raise ValueError(f"{name}['test_error'] {message}")
    return value


def _index_in_run(arguments: dict) -> None:
    length, index = len(arguments["run"]["test_error"]), arguments["index"]
    if not -length <= index < length:
        raise ValueError(f"index must be within the {length} measurements, got {index}")


def _parameter_arrays(value, name: str) -> list[np.ndarray]:
    return list_of(finite_array)(value, name)


# --8<-- [start:settings]
WEIGHT_DECAYS = [0.01, 0.1, 1.0]  # the values of lambda tried (with AdamW)
DROPOUT = 0.2  # the probability of dropping a hidden unit
MAX_SHIFT, NOISE = 4, 0.1  # augmentation: shifts of up to 4 of 40 positions, noise
PATIENCE = 10  # early stopping: measurements (100 steps each) without a new best
REGULARIZERS = ["none", "early stopping (loss)", "early stopping (error)"]
REGULARIZERS += ["weight decay", "dropout", "augmentation"]
# --8<-- [end:settings]


@check_arguments(phi=_parameter_arrays, weight_decay=non_negative)
# --8<-- [start:l2_penalty]
def l2_penalty(phi: list[np.ndarray], weight_decay: float) -> float:
    """The L2 penalty (lambda / 2) ||phi||^2 over every parameter array of phi."""
    return weight_decay / 2 * sum(np.sum(p**2) for p in phi)


# --8<-- [end:l2_penalty]


@check_arguments(
    same_shape("phi", "gradient"),
    phi=float_array,
    gradient=float_array,
    lr=non_negative,
    weight_decay=non_negative,
)
# --8<-- [start:weight_decay_step]
def weight_decay_step(
    phi: np.ndarray, gradient: np.ndarray, lr: float, weight_decay: float
) -> np.ndarray:
    """One gradient step on L(phi) + (lambda / 2) ||phi||^2, given the gradient of L:
    shrink phi by the factor 1 - lr * lambda, then step down the gradient of L."""
    return (1 - lr * weight_decay) * phi - lr * gradient


# --8<-- [end:weight_decay_step]


@check_arguments(
    _moments_like_param,
    param=float_array,
    grad=float_array,
    m=float_array,
    v=float_array,
    step=count,
    lr=non_negative,
    beta1=fraction,
    beta2=fraction,
    eps=non_negative,
    weight_decay=non_negative,
)
# --8<-- [start:adamw_update]
def adamw_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    step: int,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One AdamW step, as ``torch.optim.AdamW`` computes it: shrink the parameter by
    1 - lr * lambda, then take Adam's step with the gradient of the loss alone (the
    decay is not divided by sqrt(v)). Returns ``(param, m, v)``."""
    shrunk = (1 - lr * weight_decay) * param
    new_param, m, v, _ = adam_update(
        shrunk, grad, m, v, None, step, lr=lr, beta1=beta1, beta2=beta2, eps=eps
    )
    return new_param, m, v


# --8<-- [end:adamw_update]


@check_arguments(_mask_like_h, h=_float_tensor, keep=_keep_mask, p=_drop_probability)
# --8<-- [start:dropout]
def dropout(h: torch.Tensor, keep: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout: zero the units where ``keep`` is False and scale the others
    by 1 / (1 - p), so that the expected value of every unit is unchanged."""
    return h * keep / (1 - p)


# --8<-- [end:dropout]


@check_arguments(h=_float_tensor, p=_drop_probability)
# --8<-- [start:dropout_mask]
def dropout_mask(h: torch.Tensor, p: float) -> torch.Tensor:
    """Keep each unit of h, independently, with probability 1 - p."""
    return torch.rand(h.shape, device=h.device) >= p


# --8<-- [end:dropout_mask]


@check_constructor(p=_drop_probability)
# --8<-- [start:dropout_module]
class Dropout(nn.Module):
    """Dropout as a layer: a new random mask at every call in training mode; the
    identity in evaluation mode (``model.eval()``)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return h
        return dropout(h, dropout_mask(h, self.p), self.p)


# --8<-- [end:dropout_module]

Dropout.forward = check_arguments(h=_float_tensor)(Dropout.forward)


@check_arguments(layer_sizes=layer_sizes, p=_drop_probability)
# --8<-- [start:dropout_mlp]
def dropout_mlp(layer_sizes: list[int], p: float) -> nn.Sequential:
    """The pytorch chapter's sequential MLP with a Dropout layer after every hidden
    ReLU: the same Linear layers, drawn from the same random numbers."""
    modules = []
    for module in sequential_mlp(layer_sizes):
        modules.append(module)
        if isinstance(module, nn.ReLU):
            modules.append(Dropout(p))
    return nn.Sequential(*modules)


# --8<-- [end:dropout_mlp]


@check_arguments(curve=_curve, patience=count)
# --8<-- [start:early_stopping]
def early_stopping(curve: np.ndarray, patience: int) -> tuple[int, int]:
    """Read a validation curve (lower is better) one measurement at a time, as
    training makes it; stop after ``patience`` measurements without a new best.

    Returns (best, stop): the index of the checkpoint to keep, and of the
    measurement at which training stops (the last one if it never stops).
    """
    best = 0
    for i in range(1, len(curve)):
        if curve[i] < curve[best]:
            best = i
        elif i - best == patience:
            return best, i
    return best, len(curve) - 1


# --8<-- [end:early_stopping]


@check_arguments(_one_shift_per_example, x=_signals, shifts=_shifts)
# --8<-- [start:circular_shift]
def circular_shift(x: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Shift row i of x by shifts[i] positions to the right; values pushed past the
    end come back at the start (as np.roll does to one row)."""
    n_positions = x.shape[1]
    positions = torch.arange(n_positions, device=x.device)
    sources = (positions - shifts[:, None]) % n_positions  # where each value comes from
    return x.gather(1, sources)


# --8<-- [end:circular_shift]


@check_arguments(x=_signals, max_shift=non_negative_integer, noise=non_negative)
# --8<-- [start:augment]
def augment(x: torch.Tensor, max_shift: int, noise: float) -> torch.Tensor:
    """New versions of a batch of signals: each shifted by a random whole number of
    positions in [-max_shift, max_shift], plus Gaussian noise of standard deviation
    ``noise`` on every value."""
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x),), device=x.device)
    return circular_shift(x, shifts) + noise * torch.randn_like(x)


# --8<-- [end:augment]


@experiment
@check_arguments(
    seed=non_negative_integer,
    weight_decay=non_negative,
    dropout=_drop_probability,
    max_shift=non_negative_integer,
    noise=non_negative,
    steps=count,
    device=_device,
)
# --8<-- [start:regularized_run]
def regularized_run(
    seed: int = 0,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    max_shift: int = 0,
    noise: float = 0.0,
    steps: int = STEPS,
    device: torch.device | None = None,
) -> dict[str, np.ndarray]:
    """The measuring chapter's run on its training and validation split (the same
    MLP, data, batches and Adam) with regularizers: AdamW's weight decay lambda,
    dropout, and augmentation by shifts and noise. All zero: the same run."""
    torch.manual_seed(seed)
    model = dropout_mlp(LAYER_SIZES, dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=weight_decay)

    def shift_and_noise(x: torch.Tensor) -> torch.Tensor:
        return augment(x, max_shift, noise)

    augmenting = max_shift > 0 or noise > 0
    return train_on_mnist1d(
        model,
        optimizer,
        seed,
        VAL_FRACTION,
        steps,
        augment=shift_and_noise if augmenting else None,
        device=device,
    )


# --8<-- [end:regularized_run]


# --8<-- [start:chosen_weight_decay]
def chosen_weight_decay() -> float:
    """The lambda of WEIGHT_DECAYS with the lowest final validation error (seed 0)."""
    errors = [regularized_run(weight_decay=wd)["val_error"][-1] for wd in WEIGHT_DECAYS]
    return WEIGHT_DECAYS[int(np.argmin(errors))]


# --8<-- [end:chosen_weight_decay]


@check_arguments(_index_in_run, run=_run_with_test_curve, index=integer)
# --8<-- [start:accuracy_at]
def accuracy_at(run: dict, index: int = -1) -> float:
    """The test accuracy of a run's model at one measurement (the last by default)."""
    return float(1 - run["test_error"][index])


# --8<-- [end:accuracy_at]


# --8<-- [start:compare_regularizers]
def compare_regularizers() -> dict[str, list[float]]:
    """For each regularizer, the test accuracy of each seed's model: after the last
    step, or at the checkpoint that early stopping keeps."""
    weight_decay = chosen_weight_decay()
    results = {name: [] for name in REGULARIZERS}
    for seed in SEEDS:
        plain = mnist1d_run(seed, VAL_FRACTION)  # no regularizer: the measuring run
        best_on_loss, _ = early_stopping(plain["val_loss"], PATIENCE)
        best_on_error, _ = early_stopping(plain["val_error"], PATIENCE)
        decayed = regularized_run(seed, weight_decay=weight_decay)
        dropped = regularized_run(seed, dropout=DROPOUT)
        augmented = regularized_run(seed, max_shift=MAX_SHIFT, noise=NOISE)
        results["none"].append(accuracy_at(plain))
        results["early stopping (loss)"].append(accuracy_at(plain, best_on_loss))
        results["early stopping (error)"].append(accuracy_at(plain, best_on_error))
        results["weight decay"].append(accuracy_at(decayed))
        results["dropout"].append(accuracy_at(dropped))
        results["augmentation"].append(accuracy_at(augmented))
    return results


# --8<-- [end:compare_regularizers]
