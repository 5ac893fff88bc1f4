"""Recurrent networks: an RNN cell and a GRU cell from scratch, backpropagation
through time, gradients that vanish or explode along a sequence, and a GRU on
MNIST-1D.

A cell's parameters ``phi`` are a dict of four arrays in PyTorch's layout:
``W_x`` (k D, D_in), ``W_h`` (k D, D), ``b_x`` and ``b_h`` (k D,), where D is the
width of the hidden state and k = 1 for the RNN, 3 for the GRU (the blocks of the
reset gate r, the update gate z and the candidate n, stacked in that order). They
are ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0`` and ``bias_hh_l0`` of
``torch.nn.RNN`` and ``torch.nn.GRU``; the tests check that both give the same
hidden states and the same gradients.
"""

# --8<-- [start:imports]
import numpy as np
import torch
from torch import nn

from dlfoundations.backpropagation.pytorch import model_accuracy
from dlfoundations.experiments import progress
from dlfoundations.foundations.functions import sigmoid
from dlfoundations.generalization.mnist1d import mnist1d

# --8<-- [end:imports]
from dlfoundations.backpropagation.pytorch import _device, _tensor
from dlfoundations.checks import (
    boolean,
    check_arguments,
    check_constructor,
    count,
    finite,
    finite_array,
    function,
    matrix,
    non_negative,
    non_negative_integer,
    one_of,
    positive,
)
from dlfoundations.experiments import experiment
from dlfoundations.reproductions import reproduces

PARAMETER_NAMES = ("W_x", "W_h", "b_x", "b_h")
# the published test accuracies of the GRU (Greydanus, MNIST-1D, README's table)
PUBLISHED_ACCURACY = {"ordered": 0.91, "shuffled": 0.57}


def _cell_parameters(value, name: str) -> dict:
    """phi: the four arrays of a cell, finite, with shapes that fit together."""
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise TypeError(
            f"{name} must be a dict of the arrays {PARAMETER_NAMES}, {kind}"
        )
    if set(value) != set(PARAMETER_NAMES):
        message = f"{name} must hold exactly the arrays {PARAMETER_NAMES}"
        raise ValueError(f"{message}, got {sorted(value)}")
    phi = {key: finite_array(value[key], f"{name}['{key}']") for key in PARAMETER_NAMES}
    if phi["W_h"].ndim != 2 or phi["W_x"].ndim != 2:
        raise ValueError(f"{name}['W_x'] and {name}['W_h'] must be matrices")
    rows, width = phi["W_h"].shape
    if rows % width:
        message = f"{name}['W_h'] must stack square blocks (k D, D)"
        raise ValueError(f"{message}, got shape {phi['W_h'].shape}")
    for key, shape in (("W_x", (rows, phi["W_x"].shape[1])), ("b_x", (rows,))):
        if phi[key].shape != shape:
            raise ValueError(f"{name}['{key}'] must have shape {shape}")
    if phi["b_h"].shape != (rows,):
        raise ValueError(f"{name}['b_h'] must have shape {(rows,)}")
    return phi


def _blocks(n_blocks: int, cell: str):
    """phi stacks n_blocks blocks: 1 for an RNN cell, 3 for a GRU cell."""

    def check_blocks(arguments: dict) -> None:
        rows, width = arguments["phi"]["W_h"].shape
        if rows != n_blocks * width:
            message = f"phi must be the parameters of {cell}, W_h of shape"
            raise ValueError(f"{message} {(n_blocks * width, width)}, got {rows} rows")

    return check_blocks


def _sequences(value, name: str) -> np.ndarray:
    """A batch of sequences: a finite array (B, T, features)."""
    array = finite_array(value, name)
    if array.ndim != 3:
        message = f"{name} must be a batch of sequences (B, T, features)"
        raise ValueError(f"{message}, got shape {array.shape}")
    return array


def _fit_phi(arguments: dict) -> None:
    """The arrays are as wide as phi's weights, with one batch size and one length."""
    phi = arguments["phi"]
    input_size, hidden_size = phi["W_x"].shape[1], phi["W_h"].shape[1]
    first = arguments["x_t"] if "x_t" in arguments else arguments["x"]
    batch, length = first.shape[0], first.shape[1] if first.ndim == 3 else 0
    expected = {
        "x_t": (batch, input_size),
        "h_prev": (batch, hidden_size),
        "dh": (batch, hidden_size),
        "x": (batch, length, input_size),
        "h0": (batch, hidden_size),
        "hs": (batch, length + 1, hidden_size),
        "dL_dhs": (batch, length, hidden_size),
    }
    for name, shape in expected.items():
        if name in arguments and arguments[name].shape != shape:
            message = f"{name} must have shape {shape} to fit phi and the batch"
            raise ValueError(f"{message}, got {arguments[name].shape}")


@check_arguments(
    input_size=count, hidden_size=count, n_blocks=count, seed=non_negative_integer
)
# --8<-- [start:init_cell]
def init_cell(
    input_size: int, hidden_size: int, n_blocks: int = 1, seed: int = 0
) -> dict:
    """The parameters phi of an RNN cell (n_blocks=1) or a GRU cell (n_blocks=3:
    r, z and n stacked), drawn as PyTorch draws them: uniform in +-1/sqrt(D)."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(hidden_size)
    rows = n_blocks * hidden_size
    shapes = {
        "W_x": (rows, input_size),
        "W_h": (rows, hidden_size),
        "b_x": (rows,),
        "b_h": (rows,),
    }
    return {name: rng.uniform(-bound, bound, size) for name, size in shapes.items()}


# --8<-- [end:init_cell]


_CELL = {"x_t": matrix, "h_prev": matrix, "phi": _cell_parameters}


@check_arguments(_fit_phi, **_CELL)
# --8<-- [start:affine_parts]
def affine_parts(x_t, h_prev, phi: dict) -> tuple[np.ndarray, np.ndarray]:
    """The two affine maps every cell starts with: one of the input x_t, one of
    the previous hidden state, for a batch (one row per sequence)."""
    a_x = x_t @ phi["W_x"].T + phi["b_x"]
    a_h = h_prev @ phi["W_h"].T + phi["b_h"]
    return a_x, a_h


# --8<-- [end:affine_parts]


@check_arguments(_fit_phi, _blocks(1, "an RNN cell"), **_CELL)
# --8<-- [start:rnn_cell]
def rnn_cell(x_t, h_prev, phi: dict) -> np.ndarray:
    """One step of an RNN: h_t = tanh(W_x x_t + b_x + W_h h_(t-1) + b_h)."""
    a_x, a_h = affine_parts(x_t, h_prev, phi)
    return np.tanh(a_x + a_h)


# --8<-- [end:rnn_cell]


def _same_width(arguments: dict) -> None:
    """a_x and a_h are the two affine parts of one GRU cell: (B, 3 D) each."""
    a_x, a_h = arguments["a_x"], arguments["a_h"]
    if a_x.shape != a_h.shape:
        message = "a_x and a_h must have the same shape"
        raise ValueError(f"{message}, got {a_x.shape} and {a_h.shape}")
    if a_x.shape[1] % 3:
        message = "a_x must stack the three blocks r, z, n: a width divisible by 3"
        raise ValueError(f"{message}, got {a_x.shape[1]}")


@check_arguments(_same_width, a_x=matrix, a_h=matrix)
# --8<-- [start:gru_gates]
def gru_gates(a_x, a_h) -> tuple[np.ndarray, ...]:
    """The GRU's reset gate r, update gate z and candidate n, from the affine parts;
    also W_hn h + b_hn, the part of a_h that r scales (the backward pass needs it)."""
    x_r, x_z, x_n = np.split(a_x, 3, axis=1)
    h_r, h_z, h_n = np.split(a_h, 3, axis=1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    return r, z, n, h_n


# --8<-- [end:gru_gates]


@check_arguments(_fit_phi, _blocks(3, "a GRU cell"), **_CELL)
# --8<-- [start:gru_cell]
def gru_cell(x_t, h_prev, phi: dict) -> np.ndarray:
    """One step of a GRU: h_t = (1 - z) * n + z * h_(t-1)."""
    r, z, n, _ = gru_gates(*affine_parts(x_t, h_prev, phi))
    return (1 - z) * n + z * h_prev


# --8<-- [end:gru_cell]


@check_arguments(_fit_phi, cell=function, x=_sequences, h0=matrix, phi=_cell_parameters)
# --8<-- [start:run_sequence]
def run_sequence(cell, x, h0, phi: dict) -> np.ndarray:
    """The hidden states h_0, h_1, ..., h_T of a cell run over a batch of
    sequences x (B, T, D_in), from h_0: an array (B, T + 1, D).

    The same parameters phi at every step; Python counts from 0, so step t reads
    x[:, t] and hs[:, t] and writes hs[:, t + 1].
    """
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(cell(x[:, t], hs[-1], phi))
    return np.stack(hs, axis=1)


# --8<-- [end:run_sequence]


def _gradient_fits(arguments: dict) -> None:
    """d_ax and d_ah are gradients of the affine parts: (B, k D) each."""
    rows = arguments["phi"]["W_h"].shape[0]
    batch = arguments["x_t"].shape[0]
    for name in ("d_ax", "d_ah"):
        if arguments[name].shape != (batch, rows):
            message = f"{name} must have shape {(batch, rows)}, as the affine part"
            raise ValueError(f"{message}, got {arguments[name].shape}")


@check_arguments(_fit_phi, _gradient_fits, d_ax=matrix, d_ah=matrix, **_CELL)
# --8<-- [start:affine_parts_backward]
def affine_parts_backward(d_ax, d_ah, x_t, h_prev, phi: dict) -> tuple:
    """Backward through the two affine maps, given the gradients of a_x and a_h:
    the gradients of phi (summed over the batch), of x_t and of h_(t-1)."""
    grads = {
        "W_x": d_ax.T @ x_t,
        "W_h": d_ah.T @ h_prev,
        "b_x": d_ax.sum(axis=0),
        "b_h": d_ah.sum(axis=0),
    }
    return grads, d_ax @ phi["W_x"], d_ah @ phi["W_h"]


# --8<-- [end:affine_parts_backward]

_BACKWARD = {"dh": matrix, **_CELL}


@check_arguments(_fit_phi, _blocks(1, "an RNN cell"), **_BACKWARD)
# --8<-- [start:rnn_cell_backward]
def rnn_cell_backward(dh, x_t, h_prev, phi: dict) -> tuple:
    """Backward through one RNN step, given dh, the gradient of the loss at its
    output h_t: the gradients of phi, of x_t and of h_(t-1)."""
    h = rnn_cell(x_t, h_prev, phi)
    d_a = dh * (1 - h**2)  # through tanh: tanh' = 1 - tanh^2
    return affine_parts_backward(d_a, d_a, x_t, h_prev, phi)


# --8<-- [end:rnn_cell_backward]


@check_arguments(_fit_phi, _blocks(3, "a GRU cell"), **_BACKWARD)
# --8<-- [start:gru_cell_backward]
def gru_cell_backward(dh, x_t, h_prev, phi: dict) -> tuple:
    """Backward through one GRU step, given dh at its output h_t: the gradients
    of phi, of x_t and of h_(t-1). The gates are computed again from x_t and
    h_(t-1), the only things the forward pass kept."""
    r, z, n, h_n = gru_gates(*affine_parts(x_t, h_prev, phi))
    d_n = dh * (1 - z) * (1 - n**2)  # through h = (1 - z) n + z h_prev, then tanh
    d_z = dh * (h_prev - n) * z * (1 - z)  # through h, then the sigmoid
    d_r = d_n * h_n * r * (1 - r)  # n's pre-activation holds r * h_n
    d_ax = np.concatenate([d_r, d_z, d_n], axis=1)
    d_ah = np.concatenate([d_r, d_z, d_n * r], axis=1)
    grads, dx_t, dh_prev = affine_parts_backward(d_ax, d_ah, x_t, h_prev, phi)
    return grads, dx_t, dh_prev + dh * z  # h_prev also reaches h_t directly


# --8<-- [end:gru_cell_backward]


@check_arguments(
    _fit_phi,
    cell_backward=function,
    x=_sequences,
    hs=_sequences,
    phi=_cell_parameters,
    dL_dhs=_sequences,
)
# --8<-- [start:backpropagate_through_time]
def backpropagate_through_time(cell_backward, x, hs, phi: dict, dL_dhs) -> tuple:
    """Backpropagation through time, for a loss that reads the hidden states
    h_1, ..., h_T: dL_dhs (B, T, D) holds its direct gradient at each of them.
    Returns the gradients of phi, of the inputs x and of h_0."""
    grads = {name: np.zeros_like(value) for name, value in phi.items()}
    dL_dx = np.zeros_like(x)
    dL_dh = np.zeros_like(hs[:, 0])  # nothing comes back from beyond h_T
    for t in reversed(range(x.shape[1])):
        dL_dh = dL_dh + dL_dhs[:, t]  # h_(t+1) feeds the loss and the next step
        step, dL_dx[:, t], dL_dh = cell_backward(dL_dh, x[:, t], hs[:, t], phi)
        for name in grads:
            grads[name] += step[name]  # one phi at every step: the gradients add up
    return grads, dL_dx, dL_dh


# --8<-- [end:backpropagate_through_time]


def _blocks_of_kind(arguments: dict) -> None:
    """phi stacks the blocks of the layer asked for."""
    n_blocks = {"rnn": 1, "gru": 3}[arguments["kind"]]
    _blocks(n_blocks, f"a {arguments['kind'].upper()} cell")(arguments)


@check_arguments(_blocks_of_kind, phi=_cell_parameters, kind=one_of("rnn", "gru"))
# --8<-- [start:torch_layer_like]
def torch_layer_like(phi: dict, kind: str) -> nn.Module:
    """A float64 torch.nn.RNN or torch.nn.GRU (batch first) holding phi's weights:
    the same layout, so they are copied as they are."""
    input_size, hidden_size = phi["W_x"].shape[1], phi["W_h"].shape[1]
    layer_class = {"rnn": nn.RNN, "gru": nn.GRU}[kind]
    layer = layer_class(input_size, hidden_size, batch_first=True).double()
    torch_names = {"W_x": "weight_ih_l0", "W_h": "weight_hh_l0"}
    torch_names |= {"b_x": "bias_ih_l0", "b_h": "bias_hh_l0"}
    with torch.no_grad():  # copying is not part of any computation to differentiate
        for name, torch_name in torch_names.items():
            getattr(layer, torch_name).copy_(torch.from_numpy(phi[name]))
    return layer


# --8<-- [end:torch_layer_like]


@check_arguments(size=count, radius=non_negative, seed=non_negative_integer)
# --8<-- [start:scaled_orthogonal]
def scaled_orthogonal(size: int, radius: float, seed: int = 0) -> np.ndarray:
    """A random orthogonal matrix times radius: every eigenvalue has modulus
    radius (the spectral radius), and so has every singular value."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(size, size)))
    return radius * q


# --8<-- [end:scaled_orthogonal]


@check_arguments(
    _fit_phi,
    cell=function,
    cell_backward=function,
    x=_sequences,
    phi=_cell_parameters,
)
# --8<-- [start:hidden_gradient_norms]
def hidden_gradient_norms(cell, cell_backward, x, phi: dict) -> np.ndarray:
    """The size of dh_T / dh_t, the Jacobian of the last hidden state with respect
    to an earlier one (its spectral norm), for t = T, T - 1, ..., 0 and for each
    sequence of x (B, T, D_in), run from h_0 = 0: an array (T + 1, B) whose row k
    is t = T - k steps back."""
    batch, length, _ = x.shape
    width = phi["W_h"].shape[1]
    hs = run_sequence(cell, x, np.zeros((batch, width)), phi)
    # D copies of each sequence, with the D rows of the identity as the gradients
    # at h_T: the backward pass carries the D rows of the Jacobian at once
    dh = np.tile(np.eye(width), (batch, 1))
    norms = [np.ones(batch)]
    for t in reversed(range(length)):
        x_t = np.repeat(x[:, t], width, axis=0)
        h_prev = np.repeat(hs[:, t], width, axis=0)
        _, _, dh = cell_backward(dh, x_t, h_prev, phi)
        jacobians = dh.reshape(batch, width, width)
        norms.append(np.linalg.norm(jacobians, ord=2, axis=(1, 2)))
    return np.array(norms)


# --8<-- [end:hidden_gradient_norms]


_EXAMPLE = {
    "length": count,
    "hidden_size": count,
    "n_sequences": count,
    "seed": non_negative_integer,
}


@check_arguments(radius=non_negative, **_EXAMPLE)
# --8<-- [start:rnn_gradient_norms]
def rnn_gradient_norms(
    radius: float,
    length: int = 100,
    hidden_size: int = 32,
    n_sequences: int = 8,
    seed: int = 0,
) -> np.ndarray:
    """hidden_gradient_norms of an RNN cell whose W_h has the spectral radius
    asked for, over n_sequences random sequences of one value per step."""
    phi = init_cell(1, hidden_size, seed=seed)
    phi["W_h"] = scaled_orthogonal(hidden_size, radius, seed=seed)
    x = np.random.default_rng(seed).normal(size=(n_sequences, length, 1))
    return hidden_gradient_norms(rnn_cell, rnn_cell_backward, x, phi)


# --8<-- [end:rnn_gradient_norms]


@check_arguments(update_bias=finite, **_EXAMPLE)
# --8<-- [start:gru_gradient_norms]
def gru_gradient_norms(
    update_bias: float,
    length: int = 100,
    hidden_size: int = 32,
    n_sequences: int = 8,
    seed: int = 0,
) -> np.ndarray:
    """The same for a GRU cell drawn as PyTorch draws it, with update_bias added
    to the bias of its update gate z (the second block of b_x)."""
    phi = init_cell(1, hidden_size, n_blocks=3, seed=seed)
    phi["b_x"][hidden_size : 2 * hidden_size] += update_bias
    x = np.random.default_rng(seed).normal(size=(n_sequences, length, 1))
    return hidden_gradient_norms(gru_cell, gru_cell_backward, x, phi)


# --8<-- [end:gru_gradient_norms]


@check_constructor(hidden_size=count, length=count, n_classes=count)
# --8<-- [start:gru_classifier]
class GRUClassifier(nn.Module):
    """MNIST-1D's GRU: a bidirectional GRU reads a sequence one value at a time,
    forwards and backwards; a linear layer reads all its hidden states."""

    def __init__(self, hidden_size: int = 6, length: int = 40, n_classes: int = 10):
        super().__init__()
        self.gru = nn.GRU(1, hidden_size, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(2 * hidden_size * length, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.gru(x.unsqueeze(-1))  # (B, T, 1) in, (B, T, 2 D) out
        return self.linear(states.flatten(start_dim=1))


# --8<-- [end:gru_classifier]


def _sequences_for(arguments: dict) -> None:
    """x is a batch of sequences (B, length) for the classifier."""
    x, model = arguments["x"], arguments["self"]
    length = model.linear.in_features // (2 * model.gru.hidden_size)
    if x.ndim != 2 or x.shape[1] != length:
        message = f"x must be a batch of sequences of shape (B, {length})"
        raise ValueError(f"{message}, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point values, got {x.dtype}")


GRUClassifier.forward = check_arguments(_sequences_for, x=_tensor)(
    GRUClassifier.forward
)


@experiment
@check_arguments(
    shuffle_positions=boolean,
    hidden_size=count,
    steps=count,
    batch_size=count,
    lr=positive,
    eval_every=count,
    seed=non_negative_integer,
    device=_device,
)
# --8<-- [start:mnist1d_gru]
def mnist1d_gru(
    shuffle_positions: bool = False,
    hidden_size: int = 6,
    steps: int = 1500,
    batch_size: int = 100,
    lr: float = 0.01,
    eval_every: int = 100,
    seed: int = 0,
    device: torch.device | None = None,
) -> dict:
    """Train a GRUClassifier on MNIST-1D's 4000 training sequences with Adam, as
    the MNIST-1D repository does: batches taken in turn in the data's order.
    Returns the training and test accuracies every eval_every steps, the final
    test accuracy, and the hidden states (T, 2 D) of the first test sequence."""
    data = mnist1d(shuffle_positions=shuffle_positions)
    x, y = torch.as_tensor(data["x"]), torch.as_tensor(data["y"])
    torch.manual_seed(seed)  # the initial weights
    model = GRUClassifier(hidden_size).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"steps": [], "train_accuracies": [], "test_accuracies": []}
    for step in progress(range(1, steps + 1), "GRU on MNIST-1D"):
        start = (step - 1) * batch_size % len(y)
        x_batch = x[start : start + batch_size].to(device)
        y_batch = y[start : start + batch_size].to(device)
        model.train()
        loss = nn.functional.cross_entropy(model(x_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            history["steps"].append(step)
            history["train_accuracies"].append(model_accuracy(model, data["x"], y))
            test = model_accuracy(model, data["x_test"], data["y_test"])
            history["test_accuracies"].append(test)
    with torch.no_grad():  # the hidden states of one test sequence, to look at
        first = torch.as_tensor(data["x_test"][:1], device=device)
        states, _ = model.gru(first.unsqueeze(-1))
    n_parameters = sum(p.numel() for p in model.parameters())
    return {
        **history,
        "test_accuracy": test,
        "n_parameters": n_parameters,
        "example_states": states[0].cpu().numpy(),
    }


# --8<-- [end:mnist1d_gru]


@reproduces(
    id="mnist1d-gru-test-accuracy",
    claim="A bidirectional GRU with 6 hidden units classifies MNIST-1D",
    source="Greydanus, MNIST-1D (2020), table of test accuracies",
    published=PUBLISHED_ACCURACY["ordered"],
    tolerance=0.04,
)
def gru_test_accuracy() -> float:
    """The test accuracy of mnist1d_gru at its default settings."""
    return float(mnist1d_gru()["test_accuracy"])


@reproduces(
    id="mnist1d-gru-shuffled-test-accuracy",
    claim="The same GRU, with the positions of every sequence shuffled",
    source="Greydanus, MNIST-1D (2020), table of test accuracies",
    published=PUBLISHED_ACCURACY["shuffled"],
    tolerance=0.05,
)
def gru_shuffled_test_accuracy() -> float:
    """The test accuracy of mnist1d_gru with the positions shuffled."""
    return float(mnist1d_gru(shuffle_positions=True)["test_accuracy"])
