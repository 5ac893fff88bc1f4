"""PyTorch: the model of the autodiff chapter as an ``nn.Module``, the training loop,
devices.

Every function here has a from-scratch twin in
:mod:`dlfoundations.backpropagation.autodiff.tensor`; the tests check that both give the
same numbers.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from sklearn.datasets import make_moons
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfoundations._validation import check_positive
from dlfoundations.backpropagation.autodiff.tensor import MLP, cross_entropy, sgd_step

# --8<-- [end:imports]


# --8<-- [start:device]
def get_device() -> torch.device:
    """The GPU if PyTorch can see one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# --8<-- [end:device]


# --8<-- [start:module]
class TorchMLP(nn.Module):
    """The MLP of the autodiff chapter as an ``nn.Module``: Linear layers with ReLU
    between them."""

    def __init__(self, n_inputs: int, layer_sizes: list[int]):
        super().__init__()
        sizes = [n_inputs] + list(layer_sizes)
        # a ModuleList registers the layers, so model.parameters() and model.to(device) see them
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


# --8<-- [end:module]


# --8<-- [start:copy_weights]
def torch_mlp_like(scratch: MLP) -> TorchMLP:
    """A float64 TorchMLP holding the same weights as a from-scratch MLP.

    ``nn.Linear`` computes x @ W.T + b with W of shape (n_out, n_in); our Linear
    stores W as (n_in, n_out), so the weights are transposed on the way.
    """
    if not isinstance(scratch, MLP):
        raise TypeError(
            "scratch must be a dlfoundations.backpropagation.autodiff.tensor.MLP, "
            f"got {type(scratch).__name__}"
        )
    shapes = [layer.weight.shape for layer in scratch.layers]
    model = TorchMLP(shapes[0][0], [n_out for _, n_out in shapes]).double()
    with torch.no_grad():  # copying is not part of any computation to differentiate
        for ours, theirs in zip(scratch.layers, model.layers):
            theirs.weight.copy_(torch.from_numpy(ours.weight.data.T))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    return model


# --8<-- [end:copy_weights]


# --8<-- [start:scratch_step]
def scratch_step(model: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One SGD step with the tensor engine of the autodiff chapter; returns the loss
    before the step."""
    loss = cross_entropy(model(x), y)
    loss.backward()  # overwrites the gradients: no zeroing needed
    sgd_step(model.parameters(), lr)
    return loss.item()


# --8<-- [end:scratch_step]


# --8<-- [start:torch_step]
def torch_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> float:
    """The same step in PyTorch; returns the loss before the step."""
    optimizer.zero_grad()  # PyTorch *adds* to .grad, so clear the last step's gradients
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


# --8<-- [end:torch_step]


# --8<-- [start:side_by_side]
def side_by_side(steps: int = 50, lr: float = 0.5, seed: int = 0) -> tuple[list[float], list[float], float]:
    """Train MLP(2, [16, 16, 2]) on 100 moons both ways from the same initial weights.

    Full-batch SGD with cross-entropy. Returns both loss histories and the largest
    difference between the final parameters of the two models.
    """
    x, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    scratch = MLP(2, [16, 16, 2], seed=seed)
    model = torch_mlp_like(scratch)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
    scratch_losses = [scratch_step(scratch, x, y, lr) for _ in range(steps)]
    torch_losses = [torch_step(model, optimizer, x_t, y_t) for _ in range(steps)]
    return scratch_losses, torch_losses, max_parameter_difference(scratch, model)


def max_parameter_difference(scratch: MLP, model: TorchMLP) -> float:
    """Largest absolute difference between corresponding weights of the two models."""
    differences = []
    for ours, theirs in zip(scratch.layers, model.layers):
        differences.append(np.abs(ours.weight.data.T - theirs.weight.detach().cpu().numpy()).max())
        differences.append(np.abs(ours.bias.data - theirs.bias.detach().cpu().numpy()).max())
    return float(max(differences))


# --8<-- [end:side_by_side]


# --8<-- [start:training_loop]
def fit(
    model: nn.Module, x, y, epochs: int, batch_size: int, lr: float, seed: int = 0, device: torch.device | None = None
) -> list[float]:
    """Minibatch SGD, the standard PyTorch loop; returns the mean training loss of each epoch.

    The model and each batch are moved to ``device`` (the GPU if there is one).
    """
    epochs, batch_size = _check_count(epochs, "epochs"), _check_count(batch_size, "batch_size")
    lr = check_positive(lr, "lr")
    device = device or get_device()
    model = model.to(device)
    dtype = next(model.parameters()).dtype
    dataset = TensorDataset(torch.as_tensor(x, dtype=dtype), torch.as_tensor(y, dtype=torch.long))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        model.train()  # matters for dropout and batch norm; harmless here
        total = 0.0
        for x_batch, y_batch in loader:
            x_batch, y_batch = x_batch.to(device), y_batch.to(device)
            total += torch_step(model, optimizer, x_batch, y_batch) * len(x_batch)
        history.append(total / len(dataset))
    return history


@torch.no_grad()  # no graph is needed to evaluate: saves memory and time
def accuracy(model: nn.Module, x, y) -> float:
    """Fraction of samples whose largest logit is the true class."""
    model.eval()
    parameter = next(model.parameters())
    logits = model(torch.as_tensor(x, dtype=parameter.dtype, device=parameter.device))
    predictions = logits.argmax(dim=1).cpu().numpy()
    return float(np.mean(predictions == np.asarray(y)))


def _check_count(value, name: str) -> int:
    """Return ``value`` if it is an integer >= 1, else raise an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


# --8<-- [end:training_loop]
