"""Figures of the chapter Automatic differentiation: a tensor engine
(``docs/backpropagation/tensor-autodiff.md``)."""

import numpy as np

from dlfoundations.backpropagation.tensor_autodiff import Tensor, moons, train_moons
from dlfoundations.figures.toolkit import figure, new_figure


@figure
def broadcast_gradient():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(4, 3)))
    b = Tensor(np.zeros(3), requires_grad=True)
    weights = np.round(rng.normal(size=(4, 3)), 1)  # the upstream gradient dL/dy
    loss = ((x + b) * weights).sum()
    loss.backward()
    fig, ax = new_figure(width=6.4, height=2.8)
    cells = [
        (weights, 0.0, 0.0),
        (b.grad[None, :], 5.0, 1.5),
    ]  # (matrix, left edge, top edge)
    for values, left, top in cells:
        rows, cols = values.shape
        ax.imshow(
            values,
            cmap="coolwarm",
            vmin=-3,
            vmax=3,
            extent=(left, left + cols, top + rows, top),
        )
        for (i, j), v in np.ndenumerate(values):
            ax.text(
                left + j + 0.5,
                top + i + 0.5,
                f"{v:.1f}",
                ha="center",
                va="center",
            )
    ax.annotate(
        "",
        xy=(4.8, 2.0),
        xytext=(3.2, 2.0),
        arrowprops={"arrowstyle": "-|>", "lw": 1.5},
    )
    ax.text(4.0, 1.6, "sum over\nthe 4 rows", ha="center", va="bottom")
    ax.text(1.5, -0.2, "upstream gradient dL/dy, shape (4, 3)", ha="center")
    ax.text(6.5, 1.3, "dL/db, shape (3,)", ha="center")
    ax.set(
        xlim=(-0.2, 8.2),
        ylim=(4.2, -0.8),
        title="y = x + b, with b broadcast over the rows of x",
    )
    ax.axis("off")
    return fig


@figure
def moons_decision_boundary():
    model, losses, accuracies = train_moons()
    x, y = moons()
    xs, ys = np.meshgrid(np.linspace(-1.6, 2.6, 160), np.linspace(-1.2, 1.7, 120))
    scores = model(np.column_stack([xs.ravel(), ys.ravel()])).data.reshape(xs.shape)
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    left.contourf(
        xs, ys, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"]
    )
    left.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.2)
    left.scatter(*x[y < 0].T, c="C0", edgecolors="white", s=28, label="class -1")
    left.scatter(*x[y > 0].T, c="C1", edgecolors="white", s=28, label="class +1")
    left.set(
        xlabel="$x_1$",
        ylabel="$x_2$",
        title="MLP([2, 16, 16, 1]) on 100 moons: decision boundary",
    )
    left.legend(loc="lower left")
    left.grid(False)
    right.plot(losses, label="loss (hinge + L2)")
    right.set(
        xlabel="SGD step",
        ylabel="loss",
        title=f"Training: final accuracy {accuracies[-1]:.0%}",
    )
    twin = right.twinx()
    twin.plot(accuracies, color="C1", label="training accuracy")
    twin.set(ylabel="accuracy", ylim=(0.4, 1.02))
    twin.grid(False)
    right.legend(loc="center right")
    twin.legend(loc="right", bbox_to_anchor=(1.0, 0.4))
    return fig
