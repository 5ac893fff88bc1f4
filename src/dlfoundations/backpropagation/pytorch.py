"""PyTorch: the tensor engine's model as an ``nn.Module``, the training loop
with a validation pass, saving and loading a model, devices.

Every function here has a from-scratch twin in
:mod:`dlfoundations.backpropagation.tensor_autodiff` or in the feedforward chapter; the
tests check that both give the same numbers.
"""

# --8<-- [start:imports]
import io

import numpy as np
import torch
from sklearn.datasets import make_moons
from torch import nn
from torch.utils.data import DataLoader, Dataset

from dlfoundations.backpropagation.tensor_autodiff import MLP, cross_entropy, sgd_step
from dlfoundations.building_blocks.feedforward import train_val_test_split
from dlfoundations.building_blocks.metrics import accuracy

# --8<-- [end:imports]
from dlfoundations.backpropagation.tensor_autodiff import _class_indices
from dlfoundations.checks import (
    check_arguments,
    check_constructor,
    count,
    instance_of,
    layer_sizes,
    matrix,
    non_negative,
    non_negative_integer,
    positive,
    same_length,
)


def _tensor(value, name: str) -> torch.Tensor:
    """A non-empty torch tensor without NaN."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.numel() == 0:
        raise ValueError(f"{name} must not be empty")
    if value.is_floating_point() and torch.isnan(value).any():
        raise ValueError(f"{name} must not contain NaN")
    return value


def _batch(arguments: dict) -> None:
    """x is a batch of rows, y one class index per row."""
    x, y = arguments["x"], arguments["y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        message = "x must be a batch (N, features) and y its N class indices"
        raise ValueError(f"{message}, got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    if y.is_floating_point() or y.min() < 0:
        raise ValueError(f"y must hold class indices (integers >= 0), got {y.dtype}")


def _input_width(model: nn.Module) -> int | None:
    """The number of input columns the model reads, when its first layer with
    parameters is a Linear one; None for a model that starts otherwise (a
    convolution or a recurrent layer reads a sequence of any length)."""
    for module in model.modules():
        if any(True for _ in module.parameters(recurse=False)):
            return module.in_features if isinstance(module, nn.Linear) else None
    return None


def _fits_model(arguments: dict) -> None:
    """x is as wide as the model's input, y's classes are among its outputs."""
    model, x, y = arguments["model"], arguments["x"], arguments["y"]
    if isinstance(model, MLP):
        width, n_classes = (
            model.layers[0].weight.shape[1],
            model.layers[-1].weight.shape[0],
        )
    else:
        linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
        if not linear:
            return
        width, n_classes = _input_width(model), linear[-1].out_features
    if width is not None and x.shape[1] != width:
        raise ValueError(f"x must have {width} columns, the input width of model")
    if y.max() >= n_classes:
        raise ValueError(f"y must be class indices below {n_classes}, model's outputs")


def _device(value, name: str) -> torch.device | None:
    """None (the best device there is), a torch.device or its name ("cpu")."""
    if value is None or isinstance(value, torch.device):
        return value
    try:
        return torch.device(value)
    except (RuntimeError, TypeError):
        raise ValueError(f"{name} must be a torch.device, such as 'cpu'") from None


def _same_architecture(arguments: dict) -> None:
    """The two models have layers of the same shapes."""
    ours = [layer.weight.shape for layer in arguments["scratch"].layers]
    theirs = [tuple(layer.weight.shape) for layer in arguments["model"].layers]
    if ours != theirs:
        message = "scratch and model must have layers of the same shapes"
        raise ValueError(f"{message}, got {ours} and {theirs}")


# --8<-- [start:device]
def get_device() -> torch.device:
    """The GPU if PyTorch can see one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# --8<-- [end:device]


@check_constructor(layer_sizes=layer_sizes)
# --8<-- [start:module]
class TorchMLP(nn.Module):
    """The tensor engine's MLP as an ``nn.Module``: Linear layers with ReLU between
    them."""

    def __init__(self, layer_sizes: list[int]):
        super().__init__()
        pairs = zip(layer_sizes[:-1], layer_sizes[1:])
        # a ModuleList registers the layers, for model.parameters() and model.to(device)
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in pairs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


# --8<-- [end:module]


def _features_for(arguments: dict) -> None:
    """x is a batch (N, n_inputs) for the model."""
    x, n_inputs = arguments["x"], arguments["self"].layers[0].in_features
    if x.ndim != 2 or x.shape[1] != n_inputs:
        message = f"x must have shape (batch, {n_inputs})"
        raise ValueError(f"{message}, got {tuple(x.shape)}")


TorchMLP.forward = check_arguments(_features_for, x=_tensor)(TorchMLP.forward)


@check_arguments(layer_sizes=layer_sizes)
# --8<-- [start:sequential]
def sequential_mlp(layer_sizes: list[int]) -> nn.Sequential:
    """The same MLP as an nn.Sequential: Linear, ReLU, Linear, ..., Linear.

    Sequential calls its modules in order: no forward method to write.
    """
    modules = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*modules[:-1])  # no ReLU after the output layer


# --8<-- [end:sequential]


@check_arguments(scratch=instance_of(MLP))
# --8<-- [start:copy_weights]
def torch_mlp_like(scratch: MLP) -> TorchMLP:
    """A float64 TorchMLP holding the same weights as a from-scratch MLP.

    Both Linear layers compute x @ W.T + b with W of shape (n_out, n_in), so the
    weights are copied as they are.
    """
    shapes = [layer.weight.shape for layer in scratch.layers]
    model = TorchMLP([shapes[0][1]] + [n_out for n_out, _ in shapes]).double()
    with torch.no_grad():  # copying is not part of any computation to differentiate
        for ours, theirs in zip(scratch.layers, model.layers):
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    return model


# --8<-- [end:copy_weights]


@check_arguments(
    same_length("x", "y"),
    _fits_model,
    model=instance_of(MLP),
    x=matrix,
    y=_class_indices,
    lr=positive,
)
# --8<-- [start:scratch_step]
def scratch_step(model: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One SGD step with the tensor engine; returns the loss before the step."""
    loss = cross_entropy(model(x), y)
    loss.backward()  # overwrites the gradients: no zeroing needed
    sgd_step(model.parameters(), lr)
    return loss.item()


# --8<-- [end:scratch_step]


@check_arguments(
    _batch,
    _fits_model,
    model=instance_of(nn.Module),
    optimizer=instance_of(torch.optim.Optimizer),
    x=_tensor,
    y=_tensor,
)
# --8<-- [start:torch_step]
def torch_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor
) -> float:
    """The same step in PyTorch; returns the loss before the step."""
    optimizer.zero_grad()  # PyTorch *adds* to .grad: clear the last step's gradients
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


# --8<-- [end:torch_step]


@check_arguments(steps=count, lr=positive, seed=non_negative_integer)
# --8<-- [start:side_by_side]
def side_by_side(
    steps: int = 50, lr: float = 0.5, seed: int = 0
) -> tuple[list[float], list[float], float]:
    """Train MLP([2, 16, 16, 2]) on 100 moons both ways from the same initial weights.

    Full-batch SGD with cross-entropy. Returns both loss histories and the largest
    difference between the final parameters of the two models.
    """
    x, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    scratch = MLP([2, 16, 16, 2], seed=seed)
    model = torch_mlp_like(scratch)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
    scratch_losses = [scratch_step(scratch, x, y, lr) for _ in range(steps)]
    torch_losses = [torch_step(model, optimizer, x_t, y_t) for _ in range(steps)]
    return scratch_losses, torch_losses, max_parameter_difference(scratch, model)


# --8<-- [end:side_by_side]


@check_arguments(
    _same_architecture, scratch=instance_of(MLP), model=instance_of(TorchMLP)
)
# --8<-- [start:parameter_difference]
def max_parameter_difference(scratch: MLP, model: TorchMLP) -> float:
    """Largest absolute difference between corresponding weights of the two models."""
    differences = []
    for ours, theirs in zip(scratch.layers, model.layers):
        weight = theirs.weight.detach().cpu().numpy()
        bias = theirs.bias.detach().cpu().numpy()
        differences.append(np.abs(ours.weight.data - weight).max())
        differences.append(np.abs(ours.bias.data - bias).max())
    return float(max(differences))


# --8<-- [end:parameter_difference]


def _labelled_pair(value, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A pair (x, y): a batch of inputs (N, features) and its N class indices."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        kind = type(value).__name__
        raise TypeError(
            f"{name} must be a pair (x, y) of inputs and labels, got {kind}"
        )
    x, y = matrix(value[0], f"{name}[0]"), _class_indices(value[1], f"{name}[1]")
    if len(x) != len(y):
        message = f"{name} must pair inputs and labels of the same length"
        raise ValueError(f"{message}, got {len(x)} and {len(y)}")
    return x, y


def _pairs_fit_model(arguments: dict) -> None:
    """The inputs of train and val are as wide as the model's input, and their
    classes are among its outputs."""
    linear = [m for m in arguments["model"].modules() if isinstance(m, nn.Linear)]
    if not linear:
        return
    width, n_classes = _input_width(arguments["model"]), linear[-1].out_features
    for name in ("train", "val"):
        x, y = arguments[name]
        if width is not None and x.shape[1] != width:
            message = f"{name} must have inputs of {width} columns, the model's input"
            raise ValueError(f"{message}, got {x.shape[1]}")
        if y.max() >= n_classes:
            message = f"{name} must have class indices below {n_classes}"
            raise ValueError(f"{message}, the model's outputs")


@check_constructor(
    same_length("x", "y"), x=matrix, y=_class_indices, dtype=instance_of(torch.dtype)
)
# --8<-- [start:dataset]
class ArrayDataset(Dataset):
    """Inputs x (N, features) and class labels y (N,) as a torch Dataset: example i
    is the pair (x[i], y[i]), as tensors."""

    def __init__(self, x, y, dtype: torch.dtype = torch.float32):
        self.x = torch.as_tensor(x, dtype=dtype)
        self.y = torch.as_tensor(y, dtype=torch.long)  # class indices, as torch wants

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


# --8<-- [end:dataset]

_LOOP = {
    "model": instance_of(nn.Module),
    "loader": instance_of(DataLoader),
    "device": instance_of(torch.device),
}


@check_arguments(**_LOOP, optimizer=instance_of(torch.optim.Optimizer))
# --8<-- [start:train_epoch]
def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> float:
    """One pass over the training data, one optimizer step per batch; returns the
    mean training loss."""
    model.train()  # matters for dropout and batch norm; harmless here
    total = 0.0
    for x_batch, y_batch in loader:
        x_batch, y_batch = x_batch.to(device), y_batch.to(device)
        total += torch_step(model, optimizer, x_batch, y_batch) * len(x_batch)
    return total / len(loader.dataset)


# --8<-- [end:train_epoch]


@check_arguments(**_LOOP)
# --8<-- [start:evaluate]
@torch.no_grad()  # no graph is needed to evaluate: saves memory and time
def evaluate(model: nn.Module, loader: DataLoader, device: torch.device) -> float:
    """The mean loss on held-out data: no gradient, no step, evaluation mode."""
    model.eval()
    total = 0.0
    for x_batch, y_batch in loader:
        x_batch, y_batch = x_batch.to(device), y_batch.to(device)
        logits = model(x_batch)
        total += nn.functional.cross_entropy(logits, y_batch, reduction="sum").item()
    return total / len(loader.dataset)


# --8<-- [end:evaluate]


@check_arguments(
    _pairs_fit_model,
    model=instance_of(nn.Module),
    train=_labelled_pair,
    val=_labelled_pair,
    epochs=count,
    batch_size=count,
    lr=positive,
    seed=non_negative_integer,
    device=_device,
)
# --8<-- [start:training_loop]
def fit(
    model: nn.Module,
    train: tuple,
    val: tuple,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
    device: torch.device | None = None,
) -> dict[str, list[float]]:
    """Minibatch SGD on the training pairs (x, y), a validation pass after each
    epoch; returns the training and the validation loss of every epoch.

    The model and each batch are moved to ``device`` (the GPU if there is one).
    """
    device = device or get_device()
    model = model.to(device)
    dtype = next(model.parameters()).dtype
    shuffle = torch.Generator().manual_seed(seed)  # the same batches on every run
    train_data, val_data = ArrayDataset(*train, dtype), ArrayDataset(*val, dtype)
    train_loader = DataLoader(train_data, batch_size, shuffle=True, generator=shuffle)
    val_loader = DataLoader(val_data, batch_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        loss = train_epoch(model, train_loader, optimizer, device)
        history["train_loss"].append(loss)
        history["val_loss"].append(evaluate(model, val_loader, device))
    return history


# --8<-- [end:training_loop]


@check_arguments(
    same_length("x", "y"), model=instance_of(nn.Module), x=matrix, y=_class_indices
)
# --8<-- [start:model_accuracy]
@torch.no_grad()  # no graph is needed to evaluate: saves memory and time
def model_accuracy(model: nn.Module, x, y) -> float:
    """The metrics chapter's accuracy of the model's predictions: the class of the
    largest logit."""
    model.eval()
    parameter = next(model.parameters())
    logits = model(torch.as_tensor(x, dtype=parameter.dtype, device=parameter.device))
    return accuracy(y, logits.argmax(dim=1).cpu().numpy())


# --8<-- [end:model_accuracy]


@check_arguments(n_samples=count, noise=non_negative, seed=non_negative_integer)
# --8<-- [start:moons_splits]
def moons_splits(n_samples: int = 400, noise: float = 0.2, seed: int = 0) -> tuple:
    """Two moons cut into training, validation and test pairs (x, y), 70/15/15 and
    stratified, by the feedforward chapter's train_val_test_split."""
    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return train_val_test_split(x, y, seed=seed, stratify=True)


# --8<-- [end:moons_splits]


@check_arguments(model=instance_of(nn.Module))
# --8<-- [start:save_state]
def save_state(model: nn.Module) -> bytes:
    """The model's state_dict (every named parameter and buffer) saved by torch.save,
    here into bytes in memory rather than into a file."""
    buffer = io.BytesIO()  # behaves as an open file
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


# --8<-- [end:save_state]


@check_arguments(model=instance_of(nn.Module), data=instance_of(bytes))
# --8<-- [start:load_state]
def load_state(model: nn.Module, data: bytes) -> nn.Module:
    """Load saved parameters into a model of the same architecture, in place."""
    # weights_only: read tensors only, never run code from the file
    state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    model.load_state_dict(state)  # copies onto the model's own device
    return model


# --8<-- [end:load_state]
