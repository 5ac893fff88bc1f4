"""Automatic differentiation: a small tensor engine on NumPy.

A :class:`Tensor` is the array version of the scalar engine's
:class:`~dlfoundations.backpropagation.scalar_autodiff.engine.Value`. Instead of one
local derivative per parent, each operation stores one *vector-Jacobian product* (VJP)
per parent: a function that turns the gradient of the output into the gradient
contribution of that parent, without ever forming a Jacobian matrix.
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np
from sklearn.datasets import make_moons

from dlfoundations.backpropagation.scalar_autodiff.engine import topological_order

# --8<-- [end:imports]
from dlfoundations.checks import (
    boolean,
    check_arguments,
    check_constructor,
    count,
    float_array,
    instance_of,
    integer,
    labels,
    layer_sizes,
    list_of,
    non_negative,
    non_negative_integer,
    optional,
    positive,
)


def _array(value, name: str) -> np.ndarray:
    """A real array; NaN and infinities pass (a gradient may hold them)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value
    return float_array(value, name)


def _shape(value, name: str) -> tuple[int, ...]:
    """An array's shape: a tuple of sizes >= 0 (the empty tuple for a number)."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of sizes, got {type(value).__name__}")
    return tuple(non_negative_integer(n, f"{name}[{i}]") for i, n in enumerate(value))


def _reducible(arguments: dict) -> None:
    """grad has the shape that broadcasting gives an array of ``shape``."""
    grad, shape = arguments["grad"], arguments["shape"]
    extra = grad.ndim - len(shape)
    kept = grad.shape[max(extra, 0) :]
    if extra < 0 or any(n not in (1, g) for n, g in zip(shape, kept)):
        message = f"grad of shape {grad.shape} cannot be summed to shape {shape}"
        raise ValueError(f"{message}: it is not a broadcast of that shape")


@check_arguments(_reducible, grad=_array, shape=_shape)

# --8<-- [start:unbroadcast]
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it
    gets ``shape``.

    If x of shape (3,) was broadcast against (4, 3), it was used 4 times, once per
    row; its gradient is the sum of the 4 row gradients.
    """
    extra = grad.ndim - len(shape)
    added = tuple(range(extra))  # leading axes that broadcasting prepended
    stretched = tuple(
        extra + i
        for i, size in enumerate(shape)
        if size == 1 and grad.shape[extra + i] != 1
    )
    if added or stretched:
        grad = grad.sum(axis=added + stretched, keepdims=True).reshape(shape)
    return grad


# --8<-- [end:unbroadcast]


@check_constructor(data=float_array, requires_grad=boolean)
# --8<-- [start:tensor]
class Tensor:
    """An array node of a computation graph (float64 data, like a PyTorch tensor).

    ``grad`` is the gradient of the output we last called :meth:`backward` on, an
    array of the same shape as ``data`` (``None`` before). For each parent, ``vjps``
    holds the function that maps this node's gradient to that parent's share.
    Gradients flow only to tensors with ``requires_grad=True`` (the parameters)
    and to results computed from them.
    """

    # so that `array * tensor` calls Tensor.__rmul__ instead of NumPy's loop
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False):
        self.data = np.array(data, dtype=float)  # a copy: never the caller's array
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self.parents: tuple = ()  # the tensors this one was computed from
        self.vjps: tuple[Callable, ...] = ()  # one vector-Jacobian product per parent
        self.op = ""

    @classmethod
    def _from_op(cls, data: np.ndarray, parents: tuple, vjps: tuple, op: str):
        """The result of an operation (internal: ``data`` is a float64 array)."""
        out = cls.__new__(cls)
        out.data, out.grad, out.op = data, None, op
        out.parents, out.vjps = parents, vjps
        out.requires_grad = any(parent.requires_grad for parent in parents)
        return out

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return float(self.data.item())

    def __repr__(self) -> str:
        grad = self.requires_grad
        return f"Tensor(shape={self.shape}, op={self.op!r}, requires_grad={grad})"

    # --8<-- [end:tensor]

    # --8<-- [start:elementwise]
    def __add__(self, other) -> "Tensor":
        other = as_tensor(other)
        return Tensor._from_op(
            self.data + other.data,
            (self, other),
            (
                lambda g: unbroadcast(g, self.shape),
                lambda g: unbroadcast(g, other.shape),
            ),
            "+",
        )

    def __sub__(self, other) -> "Tensor":
        other = as_tensor(other)
        return Tensor._from_op(
            self.data - other.data,
            (self, other),
            (
                lambda g: unbroadcast(g, self.shape),
                lambda g: unbroadcast(-g, other.shape),
            ),
            "-",
        )

    def __mul__(self, other) -> "Tensor":
        other = as_tensor(other)
        a, b = self.data, other.data
        return Tensor._from_op(
            a * b,
            (self, other),
            (
                lambda g: unbroadcast(g * b, a.shape),
                lambda g: unbroadcast(g * a, b.shape),
            ),
            "*",
        )

    def __truediv__(self, other) -> "Tensor":
        other = as_tensor(other)
        a, b = self.data, other.data
        return Tensor._from_op(
            a / b,
            (self, other),
            (
                lambda g: unbroadcast(g / b, a.shape),
                lambda g: unbroadcast(-g * a / b**2, b.shape),
            ),
            "/",
        )

    def __neg__(self) -> "Tensor":
        return Tensor._from_op(-self.data, (self,), (lambda g: -g,), "neg")

    def __pow__(self, exponent: float) -> "Tensor":
        """Elementwise x ** n for a constant number n; the VJP is g * n x^(n-1).

        For n = 0 the output is the constant 1 and the VJP is 0, also at x = 0,
        where n x^(n-1) would be 0 * inf = NaN.
        """
        n = _as_exponent(exponent)
        a = self.data
        if n == 0:
            return Tensor._from_op(a**n, (self,), (lambda g: np.zeros_like(a),), "**0")
        return Tensor._from_op(
            a**n, (self,), (lambda g: g * n * a ** (n - 1),), f"**{n:g}"
        )

    def __radd__(self, other) -> "Tensor":
        return self + other

    def __rmul__(self, other) -> "Tensor":
        return self * other

    def __rsub__(self, other) -> "Tensor":
        return as_tensor(other) - self

    def __rtruediv__(self, other) -> "Tensor":
        return as_tensor(other) / self

    # --8<-- [end:elementwise]

    # --8<-- [start:matmul]
    def __matmul__(self, other) -> "Tensor":
        """Matrix product A @ B of two 2-D tensors; the VJPs are G @ B^T and A^T @ G."""
        other = as_tensor(other)
        a, b = self.data, other.data
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            message = "matmul needs shapes (m, k) and (k, n)"
            raise ValueError(f"{message}, got {a.shape} and other {b.shape}")
        vjps = (lambda g: g @ b.T, lambda g: a.T @ g)
        return Tensor._from_op(a @ b, (self, other), vjps, "@")

    @property
    def T(self) -> "Tensor":
        """The transpose; its VJP transposes the gradient back."""
        return Tensor._from_op(self.data.T, (self,), (lambda g: g.T,), "T")

    # --8<-- [end:matmul]

    # --8<-- [start:reductions]
    def sum(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes if None); every input gets the gradient of its
        sum."""
        shape = self.shape
        return Tensor._from_op(
            self.data.sum(axis=axis, keepdims=keepdims),
            (self,),
            (lambda g: _expand(g, axis, keepdims, shape),),
            "sum",
        )

    def mean(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis``; like sum, but each input's share is divided by the
        count."""
        out = self.data.mean(axis=axis, keepdims=keepdims)
        count = self.data.size // max(out.size, 1)
        shape = self.shape
        return Tensor._from_op(
            out,
            (self,),
            (lambda g: _expand(g / count, axis, keepdims, shape),),
            "mean",
        )

    # --8<-- [end:reductions]

    # --8<-- [start:nonlinear]
    def relu(self) -> "Tensor":
        a = self.data
        return Tensor._from_op(
            np.maximum(a, 0.0), (self,), (lambda g: g * (a > 0),), "relu"
        )

    def exp(self) -> "Tensor":
        out = np.exp(self.data)
        return Tensor._from_op(out, (self,), (lambda g: g * out,), "exp")

    def log(self) -> "Tensor":
        a = self.data
        if np.any(a <= 0):
            raise ValueError("log needs positive inputs, got a value <= 0")
        return Tensor._from_op(np.log(a), (self,), (lambda g: g / a,), "log")

    def tanh(self) -> "Tensor":
        out = np.tanh(self.data)
        return Tensor._from_op(out, (self,), (lambda g: g * (1.0 - out**2),), "tanh")

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """log softmax(z) = z - max z - log sum exp(z - max z), the stable form;
        its VJP is g - softmax(z) * sum(g)."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        softmax = np.exp(out)
        return Tensor._from_op(
            out,
            (self,),
            (lambda g: g - softmax * g.sum(axis=axis, keepdims=True),),
            "log_softmax",
        )

    # --8<-- [end:nonlinear]

    # --8<-- [start:backward]
    def backward(self) -> None:
        """Fill in ``grad`` of every tensor this one depends on that requires grad.

        ``self`` must hold a single number (a loss). As in the scalar engine, the
        graph's gradients are reset first, so calling ``backward()`` twice gives
        the same gradients (PyTorch adds to ``.grad``: see the PyTorch chapter).
        """
        if not self.requires_grad:
            raise ValueError("backward() needs a result of tensors with requires_grad")
        if self.data.size != 1:
            raise ValueError(f"backward() needs a one-element loss, got {self.shape}")
        order = topological_order(self)
        for node in order:
            node.grad = None
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            for parent, vjp in zip(node.parents, node.vjps):
                if parent.requires_grad:  # skip inputs and constants: no one needs them
                    share = vjp(node.grad)
                    parent.grad = share if parent.grad is None else parent.grad + share

    # --8<-- [end:backward]


def _as_exponent(exponent) -> float:
    if isinstance(exponent, Tensor):
        raise TypeError("exponent must be a number, not a Tensor")
    if isinstance(exponent, bool) or not isinstance(
        exponent, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"exponent must be a real number, got {type(exponent).__name__}"
        )
    return float(exponent)


def _expand(g: np.ndarray, axis, keepdims: bool, shape: tuple[int, ...]) -> np.ndarray:
    """Spread the gradient of a reduction back over the reduced axes."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)  # put the reduced axes back with size 1
    return np.broadcast_to(g, shape)


def as_tensor(other) -> Tensor:
    """``other`` if it is a Tensor, else a constant Tensor of its values (the other
    operand of an operation)."""
    if isinstance(other, Tensor):
        return other
    return Tensor._from_op(float_array(other, "other"), (), (), "")


def _operand(value, name: str):
    """A Tensor, or a real array without NaN (a constant operand)."""
    return value if isinstance(value, Tensor) else float_array(value, name)


def _broadcasts(arguments: dict) -> None:
    """The two operands of an elementwise operation broadcast together."""
    shape, other = arguments["self"].shape, np.shape(arguments["other"])
    try:
        np.broadcast_shapes(shape, other)
    except ValueError:
        message = f"other of shape {other} does not broadcast with shape {shape}"
        raise ValueError(message) from None


def _axes(value, name: str):
    """None (every axis), an axis or a tuple of axes, as integers."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(integer(a, f"{name}[{i}]") for i, a in enumerate(value))
    return integer(value, name)


def _axis(arguments: dict) -> None:
    """axis names axes of the tensor (negative ones count from the end)."""
    axis, ndim = arguments["axis"], arguments["self"].data.ndim
    for a in () if axis is None else axis if isinstance(axis, tuple) else (axis,):
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis must be in [{-ndim}, {ndim}), got {axis}")


_reduce = check_arguments(_axis, axis=_axes, keepdims=boolean)
Tensor.sum, Tensor.mean = _reduce(Tensor.sum), _reduce(Tensor.mean)
Tensor.log_softmax = check_arguments(_axis, axis=integer)(Tensor.log_softmax)

for _name in ("add", "sub", "mul", "truediv", "radd", "rsub", "rmul", "rtruediv"):
    _method = getattr(Tensor, f"__{_name}__")
    setattr(
        Tensor, f"__{_name}__", check_arguments(_broadcasts, other=_operand)(_method)
    )
Tensor.__matmul__ = check_arguments(other=_operand)(Tensor.__matmul__)


def _rng(value, name: str) -> np.random.Generator:
    if not isinstance(value, np.random.Generator):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a numpy random Generator, got {kind}")
    return value


@check_constructor(n_in=count, n_out=count, rng=_rng, init_bound=optional(positive))
# --8<-- [start:linear]
class Linear:
    """A fully connected layer x @ W.T + b, with W of shape (n_out, n_in), as in
    PyTorch's ``nn.Linear`` and the feedforward chapter.

    By default initialised like ``nn.Linear``: W and b uniform in
    [-1/sqrt(n_in), 1/sqrt(n_in)]. With ``init_bound``, W is uniform in
    [-init_bound, init_bound] and b = 0 instead, as in micrograd's demo.
    """

    def __init__(
        self, n_in: int, n_out: int, rng: np.random.Generator, init_bound=None
    ):
        if init_bound is None:
            bound = 1.0 / np.sqrt(n_in)
            weight = rng.uniform(-bound, bound, size=(n_out, n_in))
            bias = rng.uniform(-bound, bound, size=n_out)
        else:
            weight = rng.uniform(-init_bound, init_bound, size=(n_out, n_in))
            bias = np.zeros(n_out)
        self.weight = Tensor(weight, requires_grad=True)
        self.bias = Tensor(bias, requires_grad=True)

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.weight.T + self.bias  # the bias broadcasts over the batch

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]


# --8<-- [end:linear]


@check_constructor(
    layer_sizes=layer_sizes, seed=non_negative_integer, init_bound=optional(positive)
)
# --8<-- [start:mlp]
class MLP:
    """A multilayer perceptron: Linear layers with ReLU between them (none after the
    last)."""

    def __init__(self, layer_sizes: list[int], seed: int = 0, init_bound=None):
        rng = np.random.default_rng(seed)
        self.layers = [
            Linear(n_in, n_out, rng, init_bound)
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
        ]

    def __call__(self, x) -> Tensor:
        x = as_tensor(x)
        for layer in self.layers[:-1]:
            x = layer(x).relu()
        return self.layers[-1](x)

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]


# --8<-- [end:mlp]


def _batch_for(arguments: dict) -> None:
    """x is a batch (N, n_inputs) for the model."""
    model, x = arguments["self"], arguments["x"]
    width, shape = model.layers[0].weight.shape[1], np.shape(as_tensor(x).data)
    if len(shape) != 2 or shape[1] != width:
        raise ValueError(f"x must have shape (batch, {width}), got {shape}")


def _input_for(arguments: dict) -> None:
    """x is a batch (N, n_in) for the layer."""
    n_in, shape = arguments["self"].weight.shape[1], np.shape(arguments["x"])
    if len(shape) != 2 or shape[1] != n_in:
        raise ValueError(f"x must have shape (batch, {n_in}), got {shape}")


MLP.__call__ = check_arguments(_batch_for, x=_operand)(MLP.__call__)
Linear.__call__ = check_arguments(_input_for, x=_operand)(Linear.__call__)


def _class_indices(value, name: str) -> np.ndarray:
    """A 1-D array of class indices (integers >= 0); a ragged list is refused too."""
    try:
        np.asarray(value)
    except ValueError:
        raise ValueError(
            f"{name} must be a rectangular array of class indices"
        ) from None
    return labels(value, name)


def _with_gradient(value, name: str) -> Tensor:
    """A Tensor whose gradient backward() has filled in."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    if value.grad is None:
        raise ValueError(f"{name} has no gradient: call backward() on a loss first")
    return value


@check_arguments(lr=positive, parameters=list_of(_with_gradient))
# --8<-- [start:sgd_step]
def sgd_step(parameters: list[Tensor], lr: float) -> None:
    """Plain gradient descent, in place: p <- p - lr * dL/dp."""
    for p in parameters:
        p.data -= lr * p.grad


# --8<-- [end:sgd_step]


def _shapes_of_scores(arguments: dict) -> None:
    scores, labels_ = arguments["scores"], arguments["labels"]
    if labels_.shape != scores.shape:
        message = f"labels must have the shape of scores {scores.shape}"
        raise ValueError(f"{message}, got {labels_.shape}")


def _signs(value, name: str) -> np.ndarray:
    """An array of labels -1 and +1."""
    array = float_array(value, name)
    if not np.all(np.isin(array, (-1.0, 1.0))):
        raise ValueError(f"{name} must be -1 or +1")
    return array


def _targets_for(arguments: dict) -> None:
    """One class index per row of logits, each below the number of classes."""
    logits, targets = arguments["logits"], arguments["targets"]
    if logits.data.ndim != 2:
        raise ValueError(f"logits must be a batch (N, classes), got {logits.shape}")
    n, n_classes = logits.shape
    if targets.shape != (n,):
        raise ValueError(f"targets must be {n} class indices, got {targets.shape}")
    if targets.max() >= n_classes:
        message = f"targets must lie in [0, {n_classes})"
        raise ValueError(f"{message}, got values up to {targets.max()}")


@check_arguments(_shapes_of_scores, scores=instance_of(Tensor), labels=_signs)
# --8<-- [start:hinge_loss]
def hinge_loss(scores: Tensor, labels) -> Tensor:
    """Mean max-margin loss mean(max(0, 1 - y * score)) for labels y in {-1, +1}."""
    return (1.0 - scores * labels).relu().mean()


# --8<-- [end:hinge_loss]


@check_arguments(_targets_for, logits=instance_of(Tensor), targets=_class_indices)
# --8<-- [start:cross_entropy]
def cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean of -log softmax(logits)[target] over the batch; ``targets`` are class
    indices."""
    n, n_classes = logits.shape
    one_hot = np.eye(n_classes)[targets]  # picks each row's target log-probability
    return -(logits.log_softmax(axis=1) * one_hot).sum() / n


# --8<-- [end:cross_entropy]


@check_arguments(n_samples=count, noise=non_negative, random_state=non_negative_integer)
# --8<-- [start:moons]
def moons(
    n_samples: int = 100, noise: float = 0.1, random_state: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-moons (scikit-learn), with labels -1 and +1."""
    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return x, 2.0 * y - 1.0


# --8<-- [end:moons]


@check_arguments(steps=count, seed=non_negative_integer, weight_decay=non_negative)
# --8<-- [start:train_moons]
def train_moons(
    steps: int = 100, seed: int = 0, weight_decay: float = 1e-4
) -> tuple[MLP, list[float], list[float]]:
    """Train MLP([2, 16, 16, 1]) on 100 moons with hinge loss + weight_decay * L2,
    by full-batch gradient descent.

    As in micrograd's demo: weights uniform in [-1, 1], biases 0, and a learning
    rate that decays linearly from 1.0 to 0.1.
    Returns the model and the loss and accuracy after each step.
    """
    x, y = moons()
    model = MLP([2, 16, 16, 1], seed=seed, init_bound=1.0)
    losses, accuracies = [], []
    for step in range(steps):
        scores = model(x)  # shape (100, 1)
        data_loss = hinge_loss(scores, y[:, None])
        l2 = sum((p * p).sum() for p in model.parameters())
        loss = data_loss + weight_decay * l2  # L2 penalty: lambda ||phi||^2
        loss.backward()
        sgd_step(model.parameters(), lr=1.0 - 0.9 * step / steps)
        losses.append(loss.item())
        accuracies.append(float(np.mean((scores.data[:, 0] > 0) == (y > 0))))
    return model, losses, accuracies


# --8<-- [end:train_moons]
