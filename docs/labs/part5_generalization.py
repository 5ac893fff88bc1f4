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
# # Lab: generalization
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it and run it yourself: it needs only the
# `dlfoundations` package. The training runs it reads are *experiments*: the
# build has already trained them and cached their results, so here they load in
# an instant. Run on your own machine, the first call trains (a few seconds per
# run on a CPU) and later calls read the cache in `.cache/experiments`.
#
# You will (1) watch the MLP of Part V overfit MNIST-1D, (2) compare the
# regularizers of the regularization chapter on it, and (3) see why a network
# that looks at 40 numbers at a time lives in a strange space: in high dimension,
# all distances look alike.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlfoundations.generalization.measuring_performance import (
    VAL_FRACTION,
    mnist1d_run,
    standard_error,
)
from dlfoundations.generalization.regularization import (
    MAX_SHIFT,
    NOISE,
    compare_regularizers,
    regularized_run,
)
from dlfoundations.generalization.mnist1d import mnist1d

# %% [markdown]
# ## 1. Training and test curves
#
# The MLP 40-100-100-10 trained with Adam on the 4000 MNIST-1D training examples
# (seed 0), measured every 100 steps on all the training and all the test
# examples. Find the step where the test loss is lowest, and the test error at
# that step and at the end.

# %%
run = mnist1d_run()
n_test = len(mnist1d()["y_test"])
steps = run["step"]
lowest = int(np.argmin(run["test_loss"]))
print(f"test loss lowest at step {steps[lowest]}: {run['test_loss'][lowest]:.2f}")
print(
    f"test error there {run['test_error'][lowest]:.1%}, "
    f"at the end {run['test_error'][-1]:.1%} "
    f"(+- {standard_error(run['test_error'][-1], n_test):.1%} on {n_test} examples)"
)
print(f"training error at the end {run['train_error'][-1]:.1%}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.semilogy(steps, run["train_loss"], label="training")
left.semilogy(steps, run["test_loss"], label="test")
left.set(title="Loss", xlabel="step", ylabel="cross-entropy")
right.plot(steps, run["train_error"], label="training")
right.plot(steps, run["test_error"], label="test")
right.set(title="Error rate", xlabel="step", ylim=(0, 1))
left.legend()
plt.show()

# %% [markdown]
# The test loss rises after a few hundred steps while the test error stays flat:
# the model grows more confident, also about the examples it gets wrong.
#
# ## 2. What regularization buys
#
# Test accuracy of the same network trained with each regularizer, three seeds
# each. Training and test examples are those of the measuring chapter's split
# (3400 to train, 600 to validate, the 1000 test examples to report).

# %%
results = compare_regularizers()
baseline = np.mean(results["none"])
print(f"{'regularizer':24s} {'mean':>6s}  {'gain':>6s}  seeds")
for name, accuracies in results.items():
    mean = np.mean(accuracies)
    seeds = ", ".join(f"{a:.1%}" for a in accuracies)
    print(f"{name:24s} {mean:6.1%}  {mean - baseline:+6.1%}  {seeds}")

# %% [markdown]
# Augmentation wins by far. Compare its curves with those of the plain run: the
# training error no longer reaches zero (the network never sees the same
# version of an example twice), and the validation error ends far lower.

# %%
plain = mnist1d_run(0, VAL_FRACTION)
augmented = regularized_run(0, max_shift=MAX_SHIFT, noise=NOISE)
fig, ax = plt.subplots(figsize=(7, 4))
for name, curves, color in (("none", plain, "C0"), ("augmented", augmented, "C1")):
    ax.plot(
        curves["step"],
        curves["train_error"],
        color=color,
        linestyle="--",
        label=f"{name}: training",
    )
    ax.plot(
        curves["step"], curves["val_error"], color=color, label=f"{name}: validation"
    )
ax.set(xlabel="step", ylabel="error rate", ylim=(0, 1))
ax.legend()
plt.show()

# %% [markdown]
# ## 3. A high-dimensional fact: distances concentrate
#
# An MNIST-1D example is a point in 40 dimensions. Draw points uniformly in the
# cube $[0, 1]^D$ and look, from one of them, at the nearest and the farthest of
# the others. In two dimensions the farthest is many times farther than the
# nearest; as $D$ grows the ratio falls towards 1: every point is about as far
# from every other. "Near" stops meaning much, which is one reason why a model
# cannot simply remember its training examples and look up the closest one.

# %%
rng = np.random.default_rng(0)
dimensions = [2, 10, 40, 100, 1000]
ratios = []
for dimension in dimensions:
    points = rng.random((1000, dimension))
    distances = np.linalg.norm(points[1:] - points[0], axis=1)
    ratios.append(distances.max() / distances.min())
    print(f"D = {dimension:4d}: farthest / nearest = {ratios[-1]:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(dimensions, np.array(ratios) - 1, "o-")
ax.set(
    xlabel="dimension D",
    ylabel="farthest / nearest - 1",
    title="1000 uniform points in the unit cube",
)
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. In section 1, read the training loss at the step where the test loss is
#    lowest. How many times larger is the final test loss than its minimum?
# 2. Use `regularized_run` to combine dropout and augmentation
#    (`dropout=0.2, max_shift=4, noise=0.1`): do the gains add up? (One run
#    trains in a few seconds.)
# 3. Train `mnist1d_run(seed, val_fraction=0.5)`: with half the training
#    examples held out, how much does the test accuracy drop? And the training
#    error?
# 4. In section 3, replace the uniform points by points of MNIST-1D itself
#    (`mnist1d()["x"]`). Are its distances as concentrated as those of uniform
#    points in 40 dimensions? Why not?

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part V, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def loss_and_error_of_logits(logits, y):
    return reference("loss-and-error-of-logits")(logits, y)  # your code: NumPy


check("loss-and-error-of-logits", loss_and_error_of_logits)

# %%
def pointwise_bias_variance(predictions, mu_test):
    return reference("pointwise-bias-variance")(predictions, mu_test)  # your code


check("pointwise-bias-variance", pointwise_bias_variance)

# %%
def threshold_width(n_train, n_in, n_out):
    return reference("threshold-width")(n_train, n_in, n_out)  # your code


check("threshold-width", threshold_width)

# %%
def ball_volume_recursion(dimension, radius=0.5):
    return reference("ball-volume-recursion")(dimension, radius)  # your code: no Gamma


check("ball-volume-recursion", ball_volume_recursion)

# %%
def dropout_backward(grad_out, keep, p):
    return reference("dropout-backward")(grad_out, keep, p)  # your code


check("dropout-backward", dropout_backward)

# %%
def fold_batch_norm(W, b, gamma, delta, running_mean, running_var, eps=1e-5):
    return reference("fold-batch-norm")(  # your code: the folded (W, b)
        W, b, gamma, delta, running_mean, running_var, eps
    )


check("fold-batch-norm", fold_batch_norm)
