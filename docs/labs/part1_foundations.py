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
# # Lab: functions and derivatives
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it (the button at the top of the page) and run
# it yourself: it needs only the `dlfoundations` package.
#
# You will (1) estimate a derivative numerically and find the best step size,
# (2) check the chain rule on a composition of your own, and (3) follow the
# negative gradient downhill on a two-variable function.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlfoundations.foundations.derivatives import (
    bowl,
    bowl_gradient,
    central_difference,
    chain_rule,
    finite_difference_errors,
    gradient_check,
    numerical_gradient,
    sigmoid_derivative,
    tanh_derivative,
)
from dlfoundations.foundations.functions import compose, sigmoid, tanh

# %% [markdown]
# ## 1. The best step size
#
# For $f(x) = e^x$ at $x = 0$ the derivative is exactly $1$. Which step $h$ gives
# the most accurate central difference? Theory says about
# $\epsilon_\text{mach}^{1/3} \approx 6 \times 10^{-6}$, with
# $\epsilon_\text{mach} \approx 2.2 \times 10^{-16}$ the machine epsilon.

# %%
steps = np.logspace(-12, -1, 45)
forward, central = finite_difference_errors(np.exp, np.exp, 0.0, steps)
best = steps[np.argmin(central)]
print(f"best h for the central difference: {best:.1e}, error {central.min():.1e}")
print(f"best h for the forward difference: {steps[np.argmin(forward)]:.1e}, error {forward.min():.1e}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(steps, forward, label="forward")
ax.loglog(steps, central, label="central")
ax.set(xlabel="h", ylabel="|error|", title="Error of the derivative of exp at 0")
ax.legend()
plt.show()

# %% [markdown]
# ## 2. The chain rule on tanh(sigmoid(x))
#
# $h(x) = \tanh(\sigma(x))$, so $h'(x) = \tanh'(\sigma(x))\,\sigma'(x)$.

# %%
h = compose(sigmoid, tanh)
h_prime = chain_rule(tanh_derivative, sigmoid, sigmoid_derivative)
xs = np.linspace(-5, 5, 11)
print("largest difference from central differences:", gradient_check(h, h_prime, xs))

# %% [markdown]
# ## 3. Walking downhill
#
# Starting from $(1.5, 1.5)$, take 40 small steps along $-\nabla f$ and watch $f$ fall.
# (This is gradient descent, the subject of Part III.)

# %%
point = np.array([1.5, 1.5])
values = [bowl(point)]
for _ in range(40):
    point = point - 0.05 * bowl_gradient(point)
    values.append(bowl(point))
print(f"f went from {values[0]:.3f} to {values[-1]:.3f}; final point {point.round(3)}")
print("numerical gradient there:", numerical_gradient(bowl, point).round(4))

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(values, marker=".")
ax.set(xlabel="step", ylabel="f", title="f along the path of steepest descent")
plt.show()

# %% [markdown]
# **Exercises.** Change the step 0.05 to 0.3: what happens and why? Replace
# `bowl` by your own function of two variables and its gradient, and check the
# gradient with `numerical_gradient` before you trust it.

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part I, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def tanh_from_sigmoid(x):
    return reference("tanh-from-sigmoid")(x)  # your code: sigmoid and arithmetic


check("tanh-from-sigmoid", tanh_from_sigmoid)

# %%
def second_difference(f, x, h=1e-4):
    return reference("second-difference")(f, x, h)  # your code


check("second-difference", second_difference)

# %%
def sigmoid_layer_vjp(v, x, W, b):
    return reference("sigmoid-layer-vjp")(v, x, W, b)  # your code: v^T J, no J


check("sigmoid-layer-vjp", sigmoid_layer_vjp)
