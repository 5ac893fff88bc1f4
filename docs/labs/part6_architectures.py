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
# # Lab: architectures
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it and run it yourself: it needs only the
# `dlfoundations` package. The training runs it reads are *experiments*: the
# build has already trained them and cached their results, so here they load in
# an instant. Run on your own machine, the first call trains (seconds to a
# minute per run on a CPU) and later calls read the cache in `.cache/experiments`.
#
# You will (1) check the from-scratch convolution against PyTorch's on an
# MNIST-1D sequence, (2) measure a receptive field and test translation
# equivariance, (3) watch gradients fade or grow through time in an RNN and a
# GRU, and (4) read the table of what shuffling the positions does to four models.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfoundations.architectures.convolutional_networks import (
    MNIST1D_CONVOLUTIONS,
    conv1d,
    conv1d_loop,
    equivariance_gap,
    measured_receptive_field,
    receptive_field,
)
from dlfoundations.architectures.recurrent_networks import (
    gru_gradient_norms,
    rnn_gradient_norms,
)
from dlfoundations.architectures.shuffled_positions import (
    PUBLISHED,
    final_test_accuracies,
    mnist1d_permutation,
    neighbour_correlation,
)
from dlfoundations.generalization.mnist1d import mnist1d

# %% [markdown]
# ## 1. A convolution from scratch, against PyTorch
#
# The first layer of the MNIST-1D CNN: 25 kernels of 5 taps, stride 2, padding 1,
# applied to one training sequence. The loop form follows the definition, the
# im2col form is one matrix product; `torch.nn.functional.conv1d` is the oracle.

# %%
data = mnist1d()
x = data["x"][:1].astype(np.float64).reshape(1, 1, -1)  # (B, D_in, n) = (1, 1, 40)
rng = np.random.default_rng(0)
weight, bias = rng.normal(size=(25, 1, 5)), rng.normal(size=25)
settings = {"stride": 2, "padding": 1}

ours_loop = conv1d_loop(x, weight, bias, **settings)
ours = conv1d(x, weight, bias, **settings)
theirs = torch.nn.functional.conv1d(
    torch.as_tensor(x), torch.as_tensor(weight), torch.as_tensor(bias), **settings
).numpy()
print(f"output shape {ours.shape}")
print(f"loops against torch:  {np.abs(ours_loop - theirs).max():.1e}")
print(f"im2col against torch: {np.abs(ours - theirs).max():.1e}")

# %% [markdown]
# ## 2. Receptive field and equivariance
#
# How many of the 40 positions does one unit of the CNN's last layer see? The
# formula adds $d(m - 1)$ jumps per layer, the jump multiplying by each stride;
# backpropagation measures it as the span of positions where the unit's gradient
# is not zero.

# %%
layers = [(kernel_size, stride, 1) for kernel_size, stride, _ in MNIST1D_CONVOLUTIONS]
print(f"layers (kernel_size, stride, dilation): {layers}")
print(f"receptive field by the formula: {receptive_field(layers)}")
print(f"measured by backpropagation:    {measured_receptive_field(layers, 64)}")

# %% [markdown]
# A convolution of stride 1 (no padding here) is translation equivariant:
# shifting the input by $k$ shifts the output by $k$, away from the borders
# (`equivariance_gap` compares the two). With stride 2 the output has half as
# many positions: a shift of the input by $k$ is not a shift of the output by
# $k$, and the gaps are as large as the outputs themselves.


# %%
def stride_one(signal):
    return conv1d(signal, weight, bias)


def stride_two(signal):
    return conv1d(signal, weight, bias, stride=2)


for name, layer in (("stride 1", stride_one), ("stride 2", stride_two)):
    gaps = [equivariance_gap(layer, x, k) for k in (1, 2, 3)]
    print(name, "gaps for shifts 1, 2, 3:", ", ".join(f"{g:.2g}" for g in gaps))

# %% [markdown]
# ## 3. Gradients through time
#
# The size of $\partial h_T / \partial h_t$, the Jacobian of the last hidden state
# with respect to an earlier one, for an RNN whose $W_h$ has a given spectral
# radius and for a GRU whose update gate is biased open. Row $k$ of each array is
# $k$ steps back; we print the median over 8 random sequences.

# %%
steps_back = [1, 10, 50, 100]
cases = {
    "RNN, radius 0.8": rnn_gradient_norms(0.8),
    "RNN, radius 1.0": rnn_gradient_norms(1.0),
    "RNN, radius 1.25": rnn_gradient_norms(1.25),
    "GRU, update bias 0": gru_gradient_norms(0.0),
    "GRU, update bias 4": gru_gradient_norms(4.0),
}
print(f"{'':20s}" + "".join(f"{k:>11d}" for k in steps_back) + "  steps back")
fig, ax = plt.subplots(figsize=(7, 4))
for name, norms in cases.items():
    median = np.median(norms, axis=1)
    print(f"{name:20s}" + "".join(f"{median[k]:11.2e}" for k in steps_back))
    ax.semilogy(median, label=name)
ax.set(xlabel="steps back, T - t", ylabel="median of ||dh_T / dh_t||")
ax.legend()
plt.show()

# %% [markdown]
# The plain RNN's gradient shrinks or grows geometrically with the distance; the
# GRU whose update gate stays open keeps a path along which it barely fades.
#
# ## 4. What shuffling the positions does
#
# One fixed permutation of the 40 positions, the same for every sequence. It
# keeps every value and destroys which values are neighbours:

# %%
shuffled = mnist1d(shuffle_positions=True)
print("the permutation:", mnist1d_permutation())
print(f"neighbour correlation, ordered:  {neighbour_correlation(data['x']):.2f}")
print(f"neighbour correlation, shuffled: {neighbour_correlation(shuffled['x']):.2f}")

# %% [markdown]
# The final test accuracy of the four models of the MNIST-1D paper, trained on
# the positions in their order and shuffled (cached runs), against the
# published numbers:

# %%
measured = final_test_accuracies()
print(f"{'model':20s} {'ordered':>8s} {'shuffled':>9s} {'change':>7s}   published")
for name, (in_order, permuted) in measured.items():
    published = " -> ".join(f"{a:.2f}" for a in PUBLISHED[name])
    change = permuted - in_order
    print(f"{name:20s} {in_order:8.3f} {permuted:9.3f} {change:+7.3f}   {published}")

# %% [markdown]
# ## Exercises
#
# 1. In section 1, try `dilation=2` in `settings`. What is the output length?
#    Check it with `output_length` from the convolutional chapter.
# 2. In section 2, add a max pooling of 2 after each convolution (a layer
#    `(2, 2, 1)` in `layers`): how much wider does the receptive field grow?
# 3. In section 3, try `rnn_gradient_norms(1.0, length=300)`. Does the gradient
#    of an RNN with spectral radius exactly one stay the same size? Why not
#    (think of what $\tanh'$ does)?
# 4. Train `mnist1d_cnn_run(shuffle_positions=True, seed=1)` (about ten seconds
#    on a CPU): how far is its test accuracy from seed 0's? Is the CNN's loss
#    to shuffling bigger than that spread?
# 5. Build the CNN's "twin" for shuffled positions, as the shuffled-positions
#    chapter builds the MLP's, by permuting its first layer's weights. Why can
#    it not exist?

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part VI, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def correlate(x, w):
    return reference("correlate")(x, w)  # your code: n - m + 1 sums of m products


check("correlate", correlate)


# %%
def gru_cell(x_t, h_prev, phi):
    return reference("gru-cell")(x_t, h_prev, phi)  # your code: gates r, z, n


check("gru-cell", gru_cell)


# %%
def weights_for_shuffled_inputs(W, permutation):
    return reference("weights-for-shuffled-inputs")(W, permutation)  # your code


check("weights-for-shuffled-inputs", weights_for_shuffled_inputs)


# %%
def paired_gain(transfer, scratch):
    return reference("paired-gain")(transfer, scratch)  # your code: (mean, error)


check("paired-gain", paired_gain)
