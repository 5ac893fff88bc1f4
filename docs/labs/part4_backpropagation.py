# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab: backpropagation
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it and run it yourself: it needs only the
# `dlfoundations` package.
#
# You will (1) build an expression with the scalar engine, differentiate it and
# check every gradient against PyTorch, (2) look at its computation graph, and
# (3) train a small classifier with the tensor engine and measure it on points it
# never saw.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfoundations.backpropagation.scalar_autodiff.engine import Value
from dlfoundations.backpropagation.scalar_autodiff.graph import draw_graph
from dlfoundations.backpropagation.tensor_autodiff import MLP, cross_entropy, sgd_step
from dlfoundations.building_blocks.feedforward import train_val_test_split
from dlfoundations.building_blocks.metrics import accuracy

# %% [markdown]
# ## 1. An expression, its gradients, and PyTorch's
#
# $f(a, b, c) = \log\bigl(1 + e^{ab}\bigr) \cdot \tanh(c) - \dfrac{a}{b^2 + 1}$.
# The function `f` below is written once and runs on both engines, because
# `Value` and `torch.Tensor` support the same operators. Change it and re-run.


# %%
def f(a, b, c):
    return (1 + (a * b).exp()).log() * c.tanh() - a / (b**2 + 1)


inputs = {"a": 0.8, "b": -1.3, "c": 0.4}
values = {name: Value(x, label=name) for name, x in inputs.items()}
out = f(**values)
out.label = "f"
out.backward()

tensors = {
    name: torch.tensor(x, dtype=torch.float64, requires_grad=True)
    for name, x in inputs.items()
}
f(**tensors).backward()

for name in inputs:
    ours, theirs = values[name].grad, tensors[name].grad.item()
    print(f"df/d{name}: ours {ours:+.15f}   torch {theirs:+.15f}")

# %% [markdown]
# ## 2. The computation graph
#
# Every box is a `Value` (its data and, after `backward()`, its gradient); every
# orange circle is an operation. Find the path from `a` to `f`: the gradient of
# `a` is the sum over the two paths that leave it.

# %%
fig, ax = plt.subplots(figsize=(12, 4))
draw_graph(out, ax)
plt.show()

# %% [markdown]
# ## 3. Training with the tensor engine
#
# Three Gaussian blobs in the plane, a network MLP([2, 16, 3]) with a softmax
# output, cross-entropy loss, and full-batch gradient descent. Everything below,
# backward pass included, runs on the from-scratch tensor engine (`tensor_autodiff`).
#
# The accuracy on the training points says how well the model fits what it
# learned from; the result is its accuracy on held-out points. The feedforward
# chapter's `train_val_test_split` keeps 15% of the points for validation and
# 15% for the test, in the class proportions of the whole set.

# %%
rng = np.random.default_rng(0)
centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
labels = np.repeat(np.arange(3), 100)
points = centres[labels] + rng.normal(scale=1.2, size=(300, 2))
(x_train, y_train), (x_val, y_val), (x_test, y_test) = train_val_test_split(
    points, labels, seed=0, stratify=True
)

model = MLP([2, 16, 3], seed=0)
losses = []
for _ in range(200):
    loss = cross_entropy(model(x_train), y_train)
    loss.backward()
    sgd_step(model.parameters(), lr=0.5)
    losses.append(loss.item())


def predict(x):
    return model(x).data.argmax(axis=1)


print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} on {len(y_train)} training points")
for name, x, y in [("training", x_train, y_train), ("validation", x_val, y_val)]:
    print(f"{name} accuracy {accuracy(y, predict(x)):.0%} on {len(y)} points")
test_accuracy = accuracy(y_test, predict(x_test))
print(f"the result: test accuracy {test_accuracy:.0%} on {len(y_test)} unseen points")

# %%
xs, ys = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-3.5, 4.5, 200))
regions = (
    model(np.column_stack([xs.ravel(), ys.ravel()]))
    .data.argmax(axis=1)
    .reshape(xs.shape)
)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.contourf(
    xs,
    ys,
    regions,
    levels=[-0.5, 0.5, 1.5, 2.5],
    colors=["#c6dbef", "#fdd0a2", "#c7e9c0"],
)
left.scatter(*x_train.T, c=y_train, cmap="tab10", vmax=9, s=15, label="training")
left.scatter(
    *x_test.T,
    c=y_test,
    cmap="tab10",
    vmax=9,
    s=40,
    marker="*",
    edgecolors="black",
    label="test",
)
left.set(title="Decision regions", xlabel="$x_1$", ylabel="$x_2$")
left.legend()
right.plot(losses)
right.set(title="Training loss", xlabel="step", ylabel="cross-entropy", yscale="log")
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Add a `sigmoid` method to `Value` (derivative $\sigma(1 - \sigma)$) and check it
#    against `torch.sigmoid`.
# 2. Build `y = x` followed by 50,000 additions of `1.0` and call `backward()`: how
#    long does it take?
# 3. Train the blobs model with batches of 10 points instead of the full batch: how
#    many steps does it need?
# 4. Train `MLP([2, 64, 64, 3])` for 2000 steps: does the training accuracy rise? And
#    the validation accuracy?

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part IV, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def toy_input_derivative(x, y, params):
    return reference("toy-input-derivative")(x, y, params)  # your code: dl/dx


check("toy-input-derivative", toy_input_derivative)

# %%
def linear_backward(x, W, g):
    return reference("linear-backward")(x, W, g)  # your code: dL/dx, dL/dW, dL/db


check("linear-backward", linear_backward)

# %%
def accumulate_gradients(parents, local_grads):
    return reference("accumulate-gradients")(parents, local_grads)  # your code


check("accumulate-gradients", accumulate_gradients)

# %%
def cross_entropy_gradient(logits, targets):
    return reference("cross-entropy-gradient")(logits, targets)  # your code, NumPy


check("cross-entropy-gradient", cross_entropy_gradient)

# %%
def autograd_linear_gradients(x, y, W, b):
    return reference("autograd-linear-gradients")(x, y, W, b)  # your code: autograd


check("autograd-linear-gradients", autograd_linear_gradients)

# %%
def kaiming_std(shape, negative_slope=0.0):
    return reference("kaiming-std")(shape, negative_slope)  # your code


check("kaiming-std", kaiming_std)

# %%
def clip_gradient_norm(gradients, max_norm):
    return reference("clip-gradient-norm")(gradients, max_norm)  # your code


check("clip-gradient-norm", clip_gradient_norm)
