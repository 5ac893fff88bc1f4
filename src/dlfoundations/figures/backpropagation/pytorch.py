"""Figures of the chapter PyTorch (``docs/backpropagation/pytorch.md``)."""

from contextlib import contextmanager

import numpy as np
import torch

from dlfoundations.backpropagation.pytorch import (
    fit,
    model_accuracy,
    moons_splits,
    sequential_mlp,
    side_by_side,
)
from dlfoundations.figures.toolkit import figure, new_figure


@contextmanager
def _one_thread():
    """Tiny models run fastest on one thread (a busy CPU makes extra threads spin)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@figure
def scratch_vs_torch_losses():
    with _one_thread():
        scratch_losses, torch_losses, _ = side_by_side(steps=100)
    steps = np.arange(len(scratch_losses))
    gap = np.abs(np.array(scratch_losses) - np.array(torch_losses))
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=3.8)
    left.plot(
        steps, scratch_losses, linewidth=4, alpha=0.5, label="from scratch (our Tensor)"
    )
    left.plot(steps, torch_losses, "--", color="black", linewidth=1.2, label="PyTorch")
    left.set(
        xlabel="SGD step",
        ylabel="cross-entropy loss",
        title="Same weights, same data, same steps",
    )
    left.legend()
    right.semilogy(steps, np.maximum(gap, 1e-18), ".", color="C3")
    right.axhline(
        np.finfo(np.float64).eps, color="gray", linestyle=":", label="machine epsilon"
    )
    right.set(
        xlabel="SGD step",
        ylabel="|loss difference|",
        ylim=(1e-18, 1e-10),
        title="The two losses differ only by round-off",
    )
    right.legend()
    return fig


@figure
def minibatch_training_curves():
    train, val, _ = moons_splits()
    fig, ax = new_figure(width=6.8, height=4.0)
    epochs = np.arange(1, 41)
    for batch_size, color in ((280, "C0"), (50, "C1"), (10, "C2")):
        torch.manual_seed(0)
        model = sequential_mlp([2, 16, 16, 2])
        with _one_thread():
            history = fit(
                model,
                train,
                val,
                epochs=40,
                batch_size=batch_size,
                lr=0.1,
                device=torch.device("cpu"),
            )
        share = model_accuracy(model, *val)
        label = f"batch {batch_size}: validation accuracy {share:.0%}"
        ax.plot(epochs, history["train_loss"], color=color, label=label)
        ax.plot(epochs, history["val_loss"], "--", color=color, linewidth=1.2)
    ax.set(
        xlabel="epoch",
        ylabel="mean loss (solid: training, dashed: validation)",
        yscale="log",
        title="fit() on 280 training moons, checked on 60 held-out ones",
    )
    ax.legend()
    return fig
