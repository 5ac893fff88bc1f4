"""Automatic differentiation from scratch: a small tensor engine on NumPy.

A :class:`Tensor` is the array version of
:class:`~dlfoundations.backpropagation.autodiff.scalar.Value`. Instead of one local
derivative per parent, each operation stores one *vector-Jacobian product* (VJP) per
parent: a function that turns the gradient of the output into the gradient contribution
of that parent, without ever forming a Jacobian matrix.
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np
from sklearn.datasets import make_moons

from dlfoundations._validation import as_float_array, check_positive
from dlfoundations.backpropagation.autodiff.scalar import (
    check_layer_sizes,
    topological_order,
)

# --8<-- [end:imports]


# --8<-- [start:unbroadcast]
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it gets ``shape``.

    If x of shape (3,) was broadcast against (4, 3), it was used 4 times, once per
    row; its gradient is the sum of the 4 row gradients.
    """
    extra = grad.ndim - len(shape)
    added = tuple(range(extra))  # leading axes that broadcasting prepended
    stretched = tuple(extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    if added or stretched:
        grad = grad.sum(axis=added + stretched, keepdims=True).reshape(shape)
    return grad


# --8<-- [end:unbroadcast]


# --8<-- [start:tensor]
class Tensor:
    """An array node of a computation graph (float64 data, like a PyTorch tensor).

    ``grad`` is the gradient of the output we last called :meth:`backward` on, an
    array of the same shape as ``data`` (``None`` before). For each parent, ``vjps``
    holds the function that maps this node's gradient to that parent's share.
    Gradients flow only to tensors with ``requires_grad=True`` (the parameters)
    and to results computed from them.
    """

    __array_ufunc__ = None  # so that `array * tensor` calls Tensor.__rmul__ instead of NumPy's loop

    def __init__(self, data, requires_grad: bool = False):
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad must be True or False, got {type(requires_grad).__name__}")
        self.data = as_float_array(data, "data")  # a float64 copy: the caller's array is never aliased
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self.parents: tuple = ()  # the tensors this one was computed from
        self.vjps: tuple[Callable, ...] = ()  # one vector-Jacobian product per parent
        self.op = ""

    @classmethod
    def from_op(cls, data: np.ndarray, parents: tuple, vjps: tuple, op: str) -> "Tensor":
        """The result of an operation (``data`` is already a float64 array, so no checks)."""
        out = cls.__new__(cls)
        out.data, out.grad, out.parents, out.vjps, out.op = data, None, parents, vjps, op
        out.requires_grad = any(parent.requires_grad for parent in parents)
        return out

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return float(self.data.item())

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self.op!r}, requires_grad={self.requires_grad})"

    # --8<-- [end:tensor]

    # --8<-- [start:elementwise]
    def __add__(self, other) -> "Tensor":
        other = as_tensor(other)
        return Tensor.from_op(
            self.data + other.data,
            (self, other),
            (lambda g: unbroadcast(g, self.shape), lambda g: unbroadcast(g, other.shape)),
            "+",
        )

    def __sub__(self, other) -> "Tensor":
        other = as_tensor(other)
        return Tensor.from_op(
            self.data - other.data,
            (self, other),
            (lambda g: unbroadcast(g, self.shape), lambda g: unbroadcast(-g, other.shape)),
            "-",
        )

    def __mul__(self, other) -> "Tensor":
        other = as_tensor(other)
        a, b = self.data, other.data
        return Tensor.from_op(
            a * b,
            (self, other),
            (lambda g: unbroadcast(g * b, a.shape), lambda g: unbroadcast(g * a, b.shape)),
            "*",
        )

    def __truediv__(self, other) -> "Tensor":
        other = as_tensor(other)
        a, b = self.data, other.data
        return Tensor.from_op(
            a / b,
            (self, other),
            (lambda g: unbroadcast(g / b, a.shape), lambda g: unbroadcast(-g * a / b**2, b.shape)),
            "/",
        )

    def __neg__(self) -> "Tensor":
        return Tensor.from_op(-self.data, (self,), (lambda g: -g,), "neg")

    def __pow__(self, exponent: float) -> "Tensor":
        """Elementwise x ** n for a constant number n; the VJP is g * n x^(n-1).

        For n = 0 the output is the constant 1 and the VJP is 0, also at x = 0,
        where n x^(n-1) would be 0 * inf = NaN.
        """
        n = _as_exponent(exponent)
        a = self.data
        if n == 0:
            return Tensor.from_op(a**n, (self,), (lambda g: np.zeros_like(a),), "**0")
        return Tensor.from_op(a**n, (self,), (lambda g: g * n * a ** (n - 1),), f"**{n:g}")

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
            raise ValueError(f"matmul needs shapes (m, k) and (k, n), got {a.shape} and {b.shape}")
        return Tensor.from_op(a @ b, (self, other), (lambda g: g @ b.T, lambda g: a.T @ g), "@")

    @property
    def T(self) -> "Tensor":
        """The transpose; its VJP transposes the gradient back."""
        return Tensor.from_op(self.data.T, (self,), (lambda g: g.T,), "T")

    # --8<-- [end:matmul]

    # --8<-- [start:reductions]
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes if None); every input gets the gradient of its sum."""
        shape = self.shape
        return Tensor.from_op(
            self.data.sum(axis=axis, keepdims=keepdims),
            (self,),
            (lambda g: _expand(g, axis, keepdims, shape),),
            "sum",
        )

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis``; like sum, but each input's share is divided by the count."""
        out = self.data.mean(axis=axis, keepdims=keepdims)
        count = self.data.size // max(out.size, 1)
        shape = self.shape
        return Tensor.from_op(out, (self,), (lambda g: _expand(g / count, axis, keepdims, shape),), "mean")

    # --8<-- [end:reductions]

    # --8<-- [start:nonlinear]
    def relu(self) -> "Tensor":
        a = self.data
        return Tensor.from_op(np.maximum(a, 0.0), (self,), (lambda g: g * (a > 0),), "relu")

    def exp(self) -> "Tensor":
        out = np.exp(self.data)
        return Tensor.from_op(out, (self,), (lambda g: g * out,), "exp")

    def log(self) -> "Tensor":
        a = self.data
        if np.any(a <= 0):
            raise ValueError("log needs positive inputs, got a value <= 0")
        return Tensor.from_op(np.log(a), (self,), (lambda g: g / a,), "log")

    def tanh(self) -> "Tensor":
        out = np.tanh(self.data)
        return Tensor.from_op(out, (self,), (lambda g: g * (1.0 - out**2),), "tanh")

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """log softmax(z) = z - max z - log sum exp(z - max z) (stable); VJP g - softmax * sum(g)."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        softmax = np.exp(out)
        return Tensor.from_op(
            out, (self,), (lambda g: g - softmax * g.sum(axis=axis, keepdims=True),), "log_softmax"
        )

    # --8<-- [end:nonlinear]

    # --8<-- [start:backward]
    def backward(self) -> None:
        """Fill in ``grad`` of every tensor this one depends on that requires grad.

        ``self`` must hold a single number (a loss). As in the scalar engine, the
        graph's gradients are reset first, so calling ``backward()`` twice gives
        the same gradients (PyTorch instead adds to ``.grad``: see the PyTorch chapter).
        """
        if not self.requires_grad:
            raise ValueError("backward() needs a tensor computed from tensors with requires_grad=True")
        if self.data.size != 1:
            raise ValueError(f"backward() needs a one-element output such as a loss, got shape {self.shape}")
        order = topological_order(self)
        for node in order:
            node.grad = None
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            for parent, vjp in zip(node.parents, node.vjps):
                if parent.requires_grad:  # skip inputs and constants: nobody needs their gradient
                    share = vjp(node.grad)
                    parent.grad = share if parent.grad is None else parent.grad + share

    # --8<-- [end:backward]


def _as_exponent(exponent) -> float:
    if isinstance(exponent, Tensor):
        raise TypeError("exponent must be a number, not a Tensor")
    if isinstance(exponent, bool) or not isinstance(exponent, (int, float, np.integer, np.floating)):
        raise TypeError(f"exponent must be a real number, got {type(exponent).__name__}")
    return float(exponent)


def _expand(g: np.ndarray, axis, keepdims: bool, shape: tuple[int, ...]) -> np.ndarray:
    """Spread the gradient of a reduction back over the reduced axes."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)  # put the reduced axes back with size 1
    return np.broadcast_to(g, shape)


def as_tensor(x) -> Tensor:
    """``x`` if it is a Tensor, else a constant Tensor (the other operand of an operation)."""
    if isinstance(x, Tensor):
        return x
    return Tensor.from_op(as_float_array(x, "other"), (), (), "")


# --8<-- [start:mlp]
class Linear:
    """A fully connected layer x @ W + b, with W of shape (n_in, n_out).

    By default initialised like PyTorch's ``nn.Linear``: W and b uniform in
    [-1/sqrt(n_in), 1/sqrt(n_in)]. With ``init_bound``, W is uniform in
    [-init_bound, init_bound] and b = 0 instead, as in micrograd's demo.
    """

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator, init_bound: float | None = None):
        if init_bound is None:
            bound = 1.0 / np.sqrt(n_in)
            weight, bias = rng.uniform(-bound, bound, size=(n_in, n_out)), rng.uniform(-bound, bound, size=n_out)
        else:
            bound = check_positive(init_bound, "init_bound")
            weight, bias = rng.uniform(-bound, bound, size=(n_in, n_out)), np.zeros(n_out)
        self.weight = Tensor(weight, requires_grad=True)
        self.bias = Tensor(bias, requires_grad=True)

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.weight + self.bias  # the bias (n_out,) broadcasts over the batch

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]


class MLP:
    """A multilayer perceptron: Linear layers with ReLU between them (none after the last)."""

    def __init__(self, n_inputs: int, layer_sizes: list[int], seed: int = 0, init_bound: float | None = None):
        check_layer_sizes(n_inputs, layer_sizes)
        rng = np.random.default_rng(seed)
        sizes = [n_inputs] + list(layer_sizes)
        self.layers = [Linear(sizes[i], sizes[i + 1], rng, init_bound) for i in range(len(layer_sizes))]

    def __call__(self, x) -> Tensor:
        x = as_tensor(x)
        if x.data.ndim != 2 or x.shape[1] != self.layers[0].weight.shape[0]:
            raise ValueError(f"x must have shape (batch, {self.layers[0].weight.shape[0]}), got {x.shape}")
        for layer in self.layers[:-1]:
            x = layer(x).relu()
        return self.layers[-1](x)

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]


def sgd_step(parameters: list[Tensor], lr: float) -> None:
    """Plain gradient descent, in place: p <- p - lr * dL/dp."""
    lr = check_positive(lr, "lr")
    for p in parameters:
        p.data -= lr * p.grad


# --8<-- [end:mlp]


# --8<-- [start:losses]
def hinge_loss(scores: Tensor, labels) -> Tensor:
    """Mean max-margin loss mean(max(0, 1 - y * score)) for labels y in {-1, +1}."""
    labels = as_float_array(labels, "labels")
    if not np.all(np.isin(labels, (-1.0, 1.0))):
        raise ValueError("labels must be -1 or +1")
    if labels.shape != scores.shape:
        raise ValueError(f"labels must have the shape of scores {scores.shape}, got {labels.shape}")
    return (1.0 - scores * labels).relu().mean()


def cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean of -log softmax(logits)[target] over the batch; ``targets`` are class indices."""
    targets = np.asarray(targets)
    n, n_classes = logits.shape
    if targets.shape != (n,) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be {n} integer class indices, got shape {targets.shape}")
    if targets.min() < 0 or targets.max() >= n_classes:
        raise ValueError(f"targets must lie in [0, {n_classes}), got values in [{targets.min()}, {targets.max()}]")
    one_hot = np.eye(n_classes)[targets]  # picks the target's log-probability out of each row
    return -(logits.log_softmax(axis=1) * one_hot).sum() / n


# --8<-- [end:losses]


# --8<-- [start:moons]
def moons(n_samples: int = 100, noise: float = 0.1, random_state: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-moons (scikit-learn), with labels -1 and +1."""
    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return x, 2.0 * y - 1.0


def train_moons(steps: int = 100, seed: int = 0, alpha: float = 1e-4) -> tuple[MLP, list[float], list[float]]:
    """Train MLP(2, [16, 16, 1]) on 100 moons with hinge loss + alpha * L2, full-batch SGD.

    As in micrograd's demo: weights uniform in [-1, 1], biases 0, and a learning
    rate that decays linearly from 1.0 to 0.1.
    Returns the model and the loss and accuracy after each step.
    """
    x, y = moons()
    model = MLP(2, [16, 16, 1], seed=seed, init_bound=1.0)
    losses, accuracies = [], []
    for step in range(steps):
        scores = model(x)  # shape (100, 1)
        data_loss = hinge_loss(scores, y[:, None])
        l2 = sum((p * p).sum() for p in model.parameters())
        loss = data_loss + alpha * l2
        loss.backward()
        sgd_step(model.parameters(), lr=1.0 - 0.9 * step / steps)
        losses.append(loss.item())
        accuracies.append(float(np.mean((scores.data[:, 0] > 0) == (y > 0))))
    return model, losses, accuracies


# --8<-- [end:moons]
