"""Figures of the chapter Automatic differentiation: a scalar engine
(``docs/backpropagation/scalar-autodiff.md``)."""

from dlfoundations.backpropagation.scalar_autodiff.engine import Value
from dlfoundations.backpropagation.scalar_autodiff.graph import draw_graph
from dlfoundations.figures.toolkit import figure, new_figure


def _neuron() -> Value:
    """o = tanh(x1 w1 + x2 w2 + b), after backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.5, label="x2")
    w1, w2 = Value(-1.5, label="w1"), Value(1.0, label="w2")
    b = Value(1.2, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1w1 + x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


@figure
def neuron_graph():
    fig, ax = new_figure(width=9.0, height=3.6)
    draw_graph(_neuron(), ax)
    title = "o = tanh(x1 w1 + x2 w2 + b) after o.backward()"
    ax.set_title(f"{title}: inputs in blue, operations in orange")
    return fig


@figure
def reused_node_graph():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b = a + a"
    c = b * b
    c.label = "c = b * b"
    c.backward()
    fig, ax = new_figure(width=6.4, height=1.9)
    draw_graph(c, ax)
    ax.set_title("Gradients add up over every use: dc/da = 2b * 2 = 8a = 24")
    return fig
