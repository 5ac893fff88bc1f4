"""Automatic differentiation, the scalar engine: draw the computation graph of a
:class:`~dlfoundations.backpropagation.scalar_autodiff.engine.Value`.

Pure matplotlib (no graphviz): a layered layout computed from the topological
order. Each value is a box showing its data and gradient; each operation is a
small circle between the boxes of its inputs and the box of its result.
"""

# --8<-- [start:imports]
import numpy as np
from matplotlib.axes import Axes

from dlfoundations.backpropagation.scalar_autodiff.engine import (
    Value,
    topological_order,
)

# --8<-- [end:imports]
from dlfoundations.checks import check_arguments, instance_of, positive


@check_arguments(root=instance_of(Value))
# --8<-- [start:layout]
def graph_layout(root: Value) -> dict[Value, tuple[float, float]]:
    """Position every node of ``root``'s graph: x is its layer, y its place within
    the layer.

    A result's layer is one more than the deepest of its parents, so every edge
    points to the right. A leaf (an input) sits one layer left of its first use.
    Within a layer, nodes are sorted by the mean height of their neighbours, which
    keeps most edges short and uncrossed.
    """
    order = topological_order(root)
    children: dict[Value, list[Value]] = {node: [] for node in order}
    layer: dict[Value, int] = {}
    for node in order:
        layer[node] = 1 + max((layer[p] for p in node.parents), default=-1)
        for parent in node.parents:
            children[parent].append(node)
    for node in order:
        if not node.parents and children[node]:
            layer[node] = min(layer[child] for child in children[node]) - 1

    # first placement: topological order within each layer; then one smoothing sweep
    y: dict[Value, float] = {}
    filled: dict[int, int] = {}
    for node in order:
        y[node] = filled.get(layer[node], 0)
        filled[layer[node]] = y[node] + 1
    for depth in range(max(layer.values()) + 1):
        column = [node for node in order if layer[node] == depth]
        neighbours = {node: list(node.parents) + children[node] for node in column}
        column.sort(key=lambda n: np.mean([y[m] for m in neighbours[n]] or [y[n]]))
        for rank, node in enumerate(column):
            y[node] = rank - (len(column) - 1) / 2  # centre each layer vertically
    return {node: (float(layer[node]), -y[node]) for node in order}


# --8<-- [end:layout]


@check_arguments(root=instance_of(Value), ax=instance_of(Axes), spacing=positive)
# --8<-- [start:draw]
def draw_graph(root: Value, ax: Axes, spacing: float = 3.0) -> None:
    """Draw ``root``'s computation graph on ``ax``: value boxes (label, data, grad)
    and op circles."""
    positions = graph_layout(root)
    centred = {"ha": "center", "va": "center", "fontsize": 8}
    boxes = {}
    for node, (x, y) in positions.items():
        text = f"data {node.data:.4g}\ngrad {node.grad:.4g}"
        if node.label:
            text = f"{node.label}\n{text}"
        color = "#dbe8f6" if not node.parents else "#f3f3f3"  # inputs in blue
        box = {"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "#555555"}
        boxes[node] = ax.text(
            x * spacing, y, text, **centred, family="monospace", bbox=box
        )
    arrow = {"arrowstyle": "-|>", "color": "#555555", "lw": 1.0}
    arrow |= {"shrinkA": 1, "shrinkB": 1}
    circle = {"boxstyle": "circle,pad=0.3", "facecolor": "#fde3c8"}
    circle |= {"edgecolor": "#c0622b"}
    left_to_right = {"xy": (0, 0.5), "xytext": (1, 0.5)}  # from a right edge to a left
    for node, (x, y) in positions.items():
        if not node.parents:
            continue
        x_op = x * spacing - spacing * 0.45
        op = ax.text(x_op, y, node.op, **centred, bbox=circle)
        ax.annotate(
            "", **left_to_right, xycoords=boxes[node], textcoords=op, arrowprops=arrow
        )
        for i, parent in enumerate(node.parents):
            bend = 0.0
            if node.parents.count(parent) > 1:  # a value used twice (a + a): bend apart
                bend = 0.3 if node.parents.index(parent) == i else -0.3
            curved = {**arrow, "connectionstyle": f"arc3,rad={bend}"}
            ax.annotate(
                "",
                **left_to_right,
                xycoords=op,
                textcoords=boxes[parent],
                arrowprops=curved,
            )
    xs = [x * spacing for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    ax.set_xlim(min(xs) - spacing * 0.45, max(xs) + spacing * 0.45)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.axis("off")


# --8<-- [end:draw]
