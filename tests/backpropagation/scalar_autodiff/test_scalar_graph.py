"""Drawing the scalar engine's computation graph: the layout and the drawing."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlfoundations.backpropagation.scalar_autodiff.engine import (  # noqa: E402
    Value,
    topological_order,
)
from dlfoundations.backpropagation.scalar_autodiff.graph import (  # noqa: E402
    draw_graph,
    graph_layout,
)


def test_graph_layout_points_every_edge_to_the_right():
    a, b = Value(1.0, label="a"), Value(-2.0, label="b")
    c = a * b
    out = (c + a).tanh() + c * 2.0
    positions = graph_layout(out)
    assert set(map(id, positions)) == set(map(id, topological_order(out)))
    for node, (x, _) in positions.items():
        for parent in node.parents:
            assert positions[parent][0] < x
    assert positions[out][0] == max(x for x, _ in positions.values())


def test_draw_graph_draws_one_box_per_value_and_one_circle_per_operation():
    a = Value(3.0, label="a")
    b = a + a
    out = (b * b).relu()
    out.backward()
    fig = Figure()
    ax = fig.subplots()
    draw_graph(out, ax)
    texts = [
        t.get_text() for t in ax.texts if t.get_text()
    ]  # the arrows are empty annotations
    assert sum("grad" in t for t in texts) == 4  # a, b, b * b, relu
    assert sorted(t for t in texts if "grad" not in t) == sorted(["+", "*", "relu"])
    assert any("grad 24" in t for t in texts)
    with pytest.raises(TypeError, match="root"):
        draw_graph(3.0, ax)


def test_draw_graph_refuses_a_bad_axes_or_spacing():
    with pytest.raises(TypeError, match="ax"):
        draw_graph(Value(1.0), "ax")
    with pytest.raises(ValueError, match="spacing"):
        draw_graph(Value(1.0), Figure().subplots(), spacing=0.0)
