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
# # Lab: optimization
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it and run it yourself: it needs only the
# `dlfoundations` package (and PyTorch for the last check).
#
# One small, seeded problem runs through all of Part III: fitting a line
# $y = \phi_0 + \phi_1 x$ to 40 points by least squares. You will (1) measure how
# ill-conditioned its loss is, (2) run gradient descent with a fixed step and with a
# line search, (3) run mini-batch SGD with a learning-rate schedule, (4) race SGD,
# momentum, Nesterov and Adam on the same budget, (5) sweep the momentum,
# (6) check our Adam against `torch.optim.Adam`, and (7) time an epoch of mini-batch
# gradient descent against the batch size.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlfoundations.optimization.adam import Adam
from dlfoundations.optimization.gradient_descent import (
    gradient_descent,
    gradient_descent_line_search,
)
from dlfoundations.optimization.momentum import SGD, heavy_ball_parameters, trajectory
from dlfoundations.optimization.problems import (
    least_squares_gradient,
    least_squares_loss,
    least_squares_solution,
    regression_data,
)
from dlfoundations.optimization.stochastic_gradient_descent import (
    cosine_annealing,
    minibatch_gradient_descent,
    seconds_per_epoch,
)

x, y = regression_data(n_examples=40, seed=0)
best = least_squares_solution(x, y)
best_loss = float(least_squares_loss(best, x, y))
start = np.array([-1.0, 2.5])
print(f"least-squares solution phi = {best.round(4)}, loss {best_loss:.4f}")


def loss(phi):
    return least_squares_loss(phi, x, y)


def gradient(phi):
    return least_squares_gradient(phi, x, y)


def gap(phi):
    """How far the loss is above the best possible loss (clipped at 0 against rounding)."""
    return np.maximum(loss(phi) - best_loss, 0.0)


# %% [markdown]
# ## 1. How ill-conditioned is the loss?
#
# The loss $L(\phi) = \frac{1}{N} \sum_i (\phi_0 + \phi_1 x_i - y_i)^2$ is a quadratic
# with Hessian $\frac{2}{N} A^\top A$, where $A$ has rows $(1, x_i)$. Its eigenvalues
# are the curvatures $\mu_{\min} \le \mu_{\max}$; gradient descent must use a learning
# rate below $2/\mu_{\max}$.

# %%
A = np.column_stack([np.ones_like(x), x])
mu_min, mu_max = np.linalg.eigvalsh(2 * A.T @ A / len(x))
kappa = mu_max / mu_min
print(f"curvatures mu_min = {mu_min:.3f}, mu_max = {mu_max:.3f}, kappa = {kappa:.1f}")
print(f"gradient descent is stable for learning rates below 2/mu_max = {2 / mu_max:.3f}")

# %% [markdown]
# ## 2. Gradient descent: fixed step against line search
#
# The fixed step uses $\eta = 1/\mu_{\max}$; the line search picks the best step along the
# negative gradient at every iteration (see the gradient-descent chapter).

# %%
steps = 100
fixed = gradient_descent(gradient, start, lr=1 / mu_max, steps=steps)
searched = gradient_descent_line_search(loss, gradient, start, steps=steps)
print(f"fixed step,  {len(fixed) - 1:3d} steps: loss - best = {gap(fixed[-1]):.2e}")
print(f"line search, {len(searched) - 1:3d} steps: loss - best = {gap(searched[-1]):.2e}")

# %% [markdown]
# ## 3. Mini-batch SGD with a cosine schedule
#
# Batches of 4 examples, 20 epochs (200 steps), learning rate annealed from 0.4
# towards 0 (see the stochastic-gradient-descent chapter). The noise of the batches
# keeps the loss from settling until the learning rate has decayed.

# %%
run = minibatch_gradient_descent(
    least_squares_gradient,
    start,
    x,
    y,
    batch_size=4,
    epochs=20,
    lr=lambda epoch: cosine_annealing(epoch, initial_lr=0.4, t_max=20),
    seed=0,
)
print(f"mini-batch SGD after {len(run.path) - 1} steps: loss - best = {gap(run.path[-1]):.2e}")

# %% [markdown]
# ## 4. The race: 100 steps each
#
# Our optimizers from the momentum and Adam chapters (each implemented step for step
# like `torch.optim`). Momentum is tuned with Polyak's formula for the curvatures of
# part 1; Adam uses its default betas and a learning rate of 0.1.

# %%
lr_hb, beta_hb = heavy_ball_parameters(mu_min, mu_max)
racers = {
    "SGD, lr = 1/mu_max": (SGD, {"lr": 1 / mu_max}),
    "momentum 0.9, lr = 1/mu_max": (SGD, {"lr": 1 / mu_max, "momentum": 0.9}),
    "heavy ball, tuned": (SGD, {"lr": lr_hb, "momentum": beta_hb}),
    "Nesterov 0.9, lr = 1/mu_max": (SGD, {"lr": 1 / mu_max, "momentum": 0.9, "nesterov": True}),
    "Adam, lr = 0.1": (Adam, {"lr": 0.1}),
}
paths = {
    name: trajectory(optimizer, gradient, start, steps, **options) for name, (optimizer, options) in racers.items()
}
for name, path in paths.items():
    print(f"{name:29s} loss - best = {gap(path[-1]):.2e}")

# %% [markdown]
# Tuned momentum wins by orders of magnitude. Adam, with a fixed learning rate, does
# not settle tightly: its steps stay near the learning rate in size until the averaged
# gradient cancels out. On a small, well-scaled quadratic its per-parameter scaling
# has little to offer; its strengths are gradients of very different scales and noise.

# %%
fig, (ax_loss, ax_path) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=80)
for name, path in paths.items():
    ax_loss.semilogy(gap(path.T) + 1e-16, label=name)
ax_loss.semilogy(gap(run.path.T)[: steps + 1] + 1e-16, "k:", label="mini-batch SGD, batch 4 (part 3)")
ax_loss.set(xlabel="step", ylabel="loss - best loss", title="Convergence", ylim=(1e-14, None))
ax_loss.legend(fontsize=8)

p0, p1 = np.meshgrid(np.linspace(-1.5, 2.0, 200), np.linspace(-0.5, 3.0, 200))
ax_path.contour(p0, p1, loss(np.stack([p0, p1])), levels=np.geomspace(best_loss, 400, 15), cmap="Blues_r")
for name, path in paths.items():
    ax_path.plot(path[:, 0], path[:, 1], ".-", markersize=3, linewidth=1, label=name)
ax_path.plot(*best, "k*", markersize=12)
ax_path.set(xlabel=r"intercept $\phi_0$", ylabel=r"slope $\phi_1$", title="Paths on the loss surface")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Exercise: sweep the momentum
#
# With the learning rate fixed at $1/\mu_{\max}$, how does the loss after 40 steps depend on
# the momentum $\beta$? Too little and the flat direction crawls; too much and the
# ball keeps swinging. Compare the best $\beta$ with Polyak's tuned value (which also
# changes the learning rate).

# %%
betas = np.linspace(0.0, 0.98, 50)
final = [gap(trajectory(SGD, gradient, start, 40, lr=1 / mu_max, momentum=b)[-1]) for b in betas]
print(f"best momentum at lr = 1/mu_max: {betas[np.argmin(final)]:.2f}; Polyak's tuned momentum: {beta_hb:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(betas, np.array(final) + 1e-16)
ax.set(xlabel=r"momentum $\beta$", ylabel="loss - best after 40 steps", title=r"Momentum sweep, $\eta = 1/\mu_{\max}$")
plt.show()

# %% [markdown]
# ## 6. Check: our Adam against PyTorch's
#
# Feed both the same loss (PyTorch computes its own gradient by autograd) and compare
# the parameters after every step.

# %%
import torch

phi = start.copy()
phi_torch = torch.tensor(start, requires_grad=True)
ours = Adam([phi], lr=0.1, amsgrad=True)
theirs = torch.optim.Adam([phi_torch], lr=0.1, amsgrad=True)
x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
worst = 0.0
for _ in range(steps):
    ours.step([gradient(phi)])
    theirs.zero_grad()
    ((phi_torch[0] + phi_torch[1] * x_t - y_t) ** 2).mean().backward()
    theirs.step()
    worst = max(worst, float(np.max(np.abs(phi - phi_torch.detach().numpy()))))
print(f"largest difference over {steps} steps: {worst:.1e}")


# %% [markdown]
# ## 7. Time per epoch against batch size
#
# Per example processed, small batches learn fastest (see the
# stochastic-gradient-descent chapter). But what we wait for is wall-clock time. Here
# a linear model with 256 features is fitted by least squares to $N = 8192$ examples,
# and we time one epoch of mini-batch gradient descent for batch sizes 1, 8, 64 and
# 512 (the fastest of three tries each). Every epoch does the same arithmetic, $N$
# examples' worth; only the number of steps, $N / B$, changes.
#
# The numbers below were measured when this page was built: they change from run to
# run and from machine to machine, which is why they are printed here and not
# written into the chapter.

# %%
rng = np.random.default_rng(0)
n_examples, n_features = 8192, 256
features = rng.normal(size=(n_examples, n_features))
targets = features @ rng.normal(size=n_features) + 0.1 * rng.normal(size=n_examples)


def linear_gradient(w, x_batch, y_batch):
    """Gradient of the mean squared error of x @ w over a batch: one matrix product."""
    return 2 * x_batch.T @ (x_batch @ w - y_batch) / len(y_batch)


batch_sizes = [1, 8, 64, 512]
seconds = [
    seconds_per_epoch(linear_gradient, np.zeros(n_features), features, targets, b, lr=0.001)
    for b in batch_sizes
]
print(f"{'batch size':>10s} {'steps':>6s} {'ms per epoch':>13s} {'us per step':>12s}")
for b, s in zip(batch_sizes, seconds):
    steps_per_epoch = n_examples // b
    print(f"{b:10d} {steps_per_epoch:6d} {1e3 * s:13.2f} {1e6 * s / steps_per_epoch:12.1f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(batch_sizes, seconds, "o-", label="measured")
ax.loglog(batch_sizes, seconds[0] / np.array(batch_sizes), "k:", label=r"$\propto 1/B$ (fixed cost per step)")
ax.set(xlabel="batch size $B$", ylabel="seconds per epoch", title="One epoch, measured at build time")
ax.legend()
plt.show()

# %% [markdown]
# Read the table by rows. For small batches the time per *step* hardly depends on $B$:
# it is mostly fixed overhead (Python calls, argument checks, starting each NumPy
# operation), so an epoch of $N / B$ steps costs about $N / B$ times that overhead,
# and the measured curve follows the dotted $1/B$ line. A batch turns $B$ small
# products into one matrix product, which NumPy's BLAS computes far faster per
# example. Once the batch is large enough that the arithmetic dominates, the curve
# leaves the dotted line: larger batches save little more time per epoch, though
# they still take fewer, less noisy steps. On a GPU the fixed cost per step
# (launching kernels) is larger and the hardware needs even bigger batches to be
# busy, which is why deep learning trains with batches of tens to thousands of
# examples. Run the cell again: the numbers move, the shape stays.

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part III, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def line_search_step(H, phi_star, phi):
    return reference("line-search-step")(H, phi_star, phi)  # your code


check("line-search-step", line_search_step)

# %%
def warmup_cosine(epoch, initial_lr, warmup, t_max):
    return reference("warmup-cosine")(epoch, initial_lr, warmup, t_max)  # your code


check("warmup-cosine", warmup_cosine)

# %%
def heavy_ball_step(phi, phi_previous, grad, lr, momentum):
    return reference("heavy-ball-step")(phi, phi_previous, grad, lr, momentum)  # yours


check("heavy-ball-step", heavy_ball_step)

# %%
def adam_step(param, grad, m, v, step, lr, beta1, beta2, eps):
    adam = reference("adam-step")
    return adam(param, grad, m, v, step, lr, beta1, beta2, eps)  # your code: no peeking


check("adam-step", adam_step)
