"""Automatic differentiation: a scalar reverse-mode engine.

A :class:`Value` holds one number, the gradient of some output with respect to it,
and how it was made: its parents and the local derivative of the value with
respect to each parent. :meth:`Value.backward` walks the graph in reverse
topological order and applies the chain rule once per edge.
"""

# --8<-- [start:imports]
import math
import random

# --8<-- [end:imports]
from numbers import Real

from dlfoundations.checks import (
    boolean,
    check_arguments,
    check_constructor,
    count,
    instance_of,
    layer_sizes,
    non_negative_integer,
    optional,
    real,
)


def _as_number(x, name: str) -> float:
    """Return ``x`` as a float, or raise ``TypeError`` naming the argument; NaN and
    infinities pass (a node may hold them, as a torch tensor may)."""
    if type(x) is float:  # the common case, checked first because it is fast
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    return float(x)


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


@check_constructor(data=_as_number, label=_text)
# --8<-- [start:value]
class Value:
    """A scalar node of a computation graph.

    ``data`` is the number, ``grad`` the derivative of the output we last called
    :meth:`backward` on with respect to this node. ``parents`` are the nodes this
    one was computed from, and ``local_grads`` the partial derivatives of this
    node with respect to each parent, computed in the forward pass.
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data: float, label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents, self.local_grads, self.op = (), (), ""  # a leaf: an input
        self.label = label

    @classmethod
    def _from_op(cls, data: float, parents: tuple, local_grads: tuple, op: str):
        """The result of an operation on ``parents`` (internal: no checks)."""
        out = cls.__new__(cls)
        out.data, out.grad, out.label = data, 0.0, ""
        out.parents, out.local_grads, out.op = parents, local_grads, op
        return out

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # --8<-- [end:value]

    # --8<-- [start:arithmetic]
    def __add__(self, other) -> "Value":
        """a + b; the local derivatives are 1 and 1."""
        other = _as_value(other)
        return Value._from_op(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other) -> "Value":
        """a * b; d(ab)/da = b and d(ab)/db = a."""
        other = _as_value(other)
        a, b = self.data, other.data
        return Value._from_op(a * b, (self, other), (b, a), "*")

    def __sub__(self, other) -> "Value":
        """a - b; the local derivatives are 1 and -1."""
        other = _as_value(other)
        return Value._from_op(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other) -> "Value":
        """a / b; d(a/b)/da = 1/b and d(a/b)/db = -a/b^2."""
        other = _as_value(other)
        a, b = self.data, other.data
        return Value._from_op(a / b, (self, other), (1.0 / b, -a / b**2), "/")

    def __neg__(self) -> "Value":
        """-a; the local derivative is -1."""
        return Value._from_op(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, exponent: float) -> "Value":
        """a ** n for a constant number n; d(a^n)/da = n a^(n-1)."""
        n = _as_number(exponent, "exponent")
        a = self.data
        if a < 0 and not n.is_integer():
            raise ValueError(
                f"a negative base ({a}) needs an integer exponent, got {n}"
            )
        if a == 0 and n < 1 and n != 0:
            message = f"0 ** {n} has no finite derivative"
            raise ValueError(f"{message}; the base must be nonzero for exponent < 1")
        local = n * a ** (n - 1) if n != 0 else 0.0
        return Value._from_op(a**n, (self,), (local,), f"**{n:g}")

    # Python calls these when the left operand is a plain number: 2 + a, 2 * a, ...
    def __radd__(self, other) -> "Value":
        return self + other

    def __rmul__(self, other) -> "Value":
        return self * other

    def __rsub__(self, other) -> "Value":
        return _as_value(other) - self

    def __rtruediv__(self, other) -> "Value":
        return _as_value(other) / self

    # --8<-- [end:arithmetic]

    # --8<-- [start:functions]
    def exp(self) -> "Value":
        """e^a; its derivative is e^a itself."""
        out = math.exp(self.data)
        return Value._from_op(out, (self,), (out,), "exp")

    def log(self) -> "Value":
        """ln a for a > 0; its derivative is 1/a."""
        if self.data <= 0:
            raise ValueError(f"log needs a positive input, got {self.data}")
        return Value._from_op(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> "Value":
        """tanh a; its derivative is 1 - tanh^2 a."""
        t = math.tanh(self.data)
        return Value._from_op(t, (self,), (1.0 - t**2,), "tanh")

    def relu(self) -> "Value":
        """max(a, 0); its derivative is 1 for a > 0 and 0 otherwise (0 at the kink,
        as in PyTorch)."""
        local = 1.0 if self.data > 0 else 0.0
        return Value._from_op(max(self.data, 0.0), (self,), (local,), "relu")

    # --8<-- [end:functions]

    # --8<-- [start:backward]
    def backward(self) -> None:
        """Fill in ``grad`` of every node this value depends on, by reverse-mode
        accumulation.

        The gradients are *overwritten*, not added to: the graph's grads are reset
        to 0 first, so calling ``backward()`` twice gives the same gradients.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0  # d(self)/d(self)
        for node in reversed(order):  # every node is finished before its parents
            for parent, local_grad in zip(node.parents, node.local_grads):
                parent.grad += local_grad * node.grad  # the chain rule, edge by edge

    # --8<-- [end:backward]


def _as_value(x) -> Value:
    """Wrap a plain number as a constant ``Value``: the other operand of an op."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(
            f"other must be a real number or a Value, got {type(x).__name__}"
        )
    return Value._from_op(float(x), (), (), "")  # a constant leaf


def _node(value, name: str):
    """A node of a computation graph: a Value or a Tensor (it has parents)."""
    if not hasattr(value, "parents"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a Value or a Tensor, got {kind}")
    return value


@check_arguments(root=_node)
# --8<-- [start:topological_order]
def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on (itself included), each listed after all of
    its parents.

    A depth-first search with an explicit stack instead of recursion, so a graph a
    million nodes deep does not hit Python's recursion limit. A node is appended
    once all its parents have been appended (post-order).
    """
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # all of its parents are already in ``order``
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))  # come back to it after its parents
            stack.extend((parent, False) for parent in node.parents)
    return order


# --8<-- [end:topological_order]


@check_constructor(
    n_inputs=count, linear=boolean, rng=optional(instance_of(random.Random))
)
# --8<-- [start:neuron]
class Neuron:
    """One neuron: relu(w . x + b), or just w . x + b if ``linear``."""

    def __init__(self, n_inputs: int, linear: bool = False, rng=None):
        rng = rng or random.Random(0)
        bound = 1.0 / math.sqrt(n_inputs)  # PyTorch's default range for nn.Linear
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(n_inputs)]
        self.b = Value(rng.uniform(-bound, bound))
        self.linear = linear

    def __call__(self, x: list) -> Value:
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation if self.linear else activation.relu()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]


# --8<-- [end:neuron]


@check_constructor(layer_sizes=layer_sizes, seed=non_negative_integer)
# --8<-- [start:mlp]
class MLP:
    """A multilayer perceptron of Neurons: ReLU on every layer but the last."""

    def __init__(self, layer_sizes: list[int], seed: int = 0):
        rng = random.Random(seed)
        last = len(layer_sizes) - 2  # the index of the output layer
        self.layers = [
            [Neuron(layer_sizes[i], linear=(i == last), rng=rng) for _ in range(n_out)]
            for i, n_out in enumerate(layer_sizes[1:])
        ]

    def __call__(self, x: list) -> list[Value]:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for n in layer for p in n.parameters()]


# --8<-- [end:mlp]


def _inputs(value, name: str) -> list:
    """A list of numbers or Values."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of numbers, got {type(value).__name__}")
    return [
        v if isinstance(v, Value) else real(v, f"{name}[{i}]")
        for i, v in enumerate(value)
    ]


def _as_wide_as(width):
    def check(arguments: dict) -> None:
        n = width(arguments["self"])
        if len(arguments["x"]) != n:
            raise ValueError(f"x must hold {n} inputs, got {len(arguments['x'])}")

    return check


Neuron.__call__ = check_arguments(_as_wide_as(lambda neuron: len(neuron.w)), x=_inputs)(
    Neuron.__call__
)
MLP.__call__ = check_arguments(
    _as_wide_as(lambda mlp: len(mlp.layers[0][0].w)), x=_inputs
)(MLP.__call__)


def _nonzero_divisor(arguments: dict) -> None:
    """The divisor of a / b is not 0 (Python floats raise ZeroDivisionError)."""
    other = arguments["other"]
    divisor = other.data if isinstance(other, Value) else other
    if isinstance(divisor, Real) and divisor == 0:
        raise ValueError("other must be nonzero: a / 0 has no value or derivative")


Value.__truediv__ = check_arguments(_nonzero_divisor)(Value.__truediv__)
