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
# # Lab: building blocks
#
# This lab is executed every time the book is built, so what you see below is
# what the code printed. Download it and run it yourself: it needs only the
# `dlfoundations` package and scikit-learn (for the toy dataset).
#
# You will (1) split an imbalanced dataset without leaking, (2) train a perceptron
# and a small two-layer network on it, (3) evaluate them with precision, recall,
# F1 and ROC curves, choosing a threshold on the validation set, and only then
# (4) report a test score, once. Finally (5) you will see how an *untrained* MLP's
# forward pass scores.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from dlfoundations.building_blocks.feedforward import (
    init_mlp,
    mlp_forward,
    split_indices,
    train_val_test_split,
)
from dlfoundations.building_blocks.metrics import (
    binary_report,
    confusion_matrix,
    predict_at_threshold,
    roc_auc,
    roc_curve,
)
from dlfoundations.building_blocks.neurons import (
    step,
    train_perceptron,
    train_two_layer,
    two_layer_forward,
    weighted_sum,
)

# %% [markdown]
# ## 1. An imbalanced dataset, split three ways
#
# Two interleaved half-moons, from which we keep only one point in five of class 1,
# so that positives are rare (about 17%). Then a stratified 60/20/20 split.

# %%
x_all, y_all = make_moons(n_samples=600, noise=0.25, random_state=0)
rng = np.random.default_rng(0)
keep = (y_all == 0) | (rng.random(y_all.size) < 0.2)
x, y = x_all[keep], y_all[keep]
print(f"{len(y)} samples, {y.mean():.1%} positives")

(x_train, y_train), (x_val, y_val), (x_test, y_test) = train_val_test_split(x, y, 0.2, 0.2, seed=0, stratify=True)
for name, labels in (("train", y_train), ("validation", y_val), ("test", y_test)):
    print(f"{name:>10}: {len(labels):3d} samples, {labels.sum():2d} positives ({labels.mean():.1%})")

# %% [markdown]
# Without stratification the share of positives in the small splits wanders from
# seed to seed. Count the positives in the test set for a few seeds:

# %%
for seed in range(5):
    _, _, random_test = split_indices(len(y), 0.2, 0.2, seed=seed)
    _, _, stratified_test = split_indices(len(y), 0.2, 0.2, seed=seed, stratify=y)
    print(f"seed {seed}: random split {y[random_test].sum():2d} positives, stratified {y[stratified_test].sum():2d}")

# %% [markdown]
# ## 2. Two models and a baseline
#
# A perceptron draws one straight line; a two-layer tanh network (see the neurons
# chapter) can bend its boundary around the moons. The moons are not linearly
# separable, so the perceptron never converges: its weights are simply those left
# after its last epoch. The baseline always predicts the majority class 0.

# %%
perceptron = train_perceptron(x_train, y_train, max_epochs=50)
print("perceptron converged:", perceptron.converged, "(the moons are not linearly separable)")
network = train_two_layer(x_train, y_train, n_hidden=8, epochs=2000, seed=0)

predictions = {
    "always 0": np.zeros_like(y_val),
    "perceptron": step(weighted_sum(x_val, perceptron.weights, perceptron.bias)).astype(int),
    "two-layer network": predict_at_threshold(two_layer_forward(network, x_val)[1], 0.5),
}
for name, y_hat in predictions.items():
    report = binary_report(y_val, y_hat)
    print(f"{name:>18}: " + ", ".join(f"{k} {v:.2f}" for k, v in report.items()))

# %% [markdown]
# Accuracy alone makes the constant classifier look almost as good as the others,
# although it never finds a positive: its recall and F1 are zero. The confusion
# matrix of the network on the validation set shows where its mistakes are (rows:
# true class, columns: predicted class):

# %%
print(confusion_matrix(y_val, predictions["two-layer network"], n_classes=2))

# %% [markdown]
# ## 3. ROC curves and a threshold chosen on the validation set
#
# The perceptron's score is its weighted sum $w^\top x + b$, the network's is its
# probability $p$. The ROC curve shows every threshold at once.

# %%
scores_val = {
    "perceptron": weighted_sum(x_val, perceptron.weights, perceptron.bias),
    "two-layer network": two_layer_forward(network, x_val)[1],
}
fig, ax = plt.subplots(figsize=(4.5, 4.5))
for name, scores in scores_val.items():
    fpr, tpr, _ = roc_curve(y_val, scores)
    ax.plot(fpr, tpr, label=f"{name}: AUC {roc_auc(y_val, scores):.3f}")
ax.plot([0, 1], [0, 1], ":", color="gray", label="random scores")
ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC on the validation set")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# A threshold of 0.5 is a convention, not a law. Pick the threshold that maximises
# F1 on the *validation* set (every distinct score is a candidate):

# %%
probabilities_val = scores_val["two-layer network"]
_, _, candidates = roc_curve(y_val, probabilities_val)
candidates = candidates[np.isfinite(candidates)]
f1_scores = [binary_report(y_val, predict_at_threshold(probabilities_val, t))["f1"] for t in candidates]
best_threshold = float(candidates[int(np.argmax(f1_scores))])
print(f"best threshold on validation: {best_threshold:.3f}, F1 {max(f1_scores):.3f}")

# %% [markdown]
# ## 4. The test set, once
#
# Everything has been decided: the model, its training, its threshold. Now, and only
# now, the test set gives an unbiased estimate of how it will do on new data.

# %%
probabilities_test = two_layer_forward(network, x_test)[1]
test_report = binary_report(y_test, predict_at_threshold(probabilities_test, best_threshold))
print("test:", ", ".join(f"{k} {v:.3f}" for k, v in test_report.items()))
print(f"test AUC: {roc_auc(y_test, probabilities_test):.3f}")

# %% [markdown]
# Do not be surprised if the test F1 comes out below the validation F1 printed
# above: the threshold was chosen to make that validation number as large as
# possible, so it is optimistic. The test F1 is the honest one.

# %% [markdown]
# ## 5. An untrained MLP
#
# `mlp_forward` runs any stack of ReLU layers. With random (He-initialised) weights
# its output is a score that has never seen a label. Is its AUC 0.5? Not
# necessarily: the two classes sit in different places, and a random function of
# the position can rank them well or badly *by chance*.

# %%
for seed in range(4):
    weights, biases = init_mlp([2, 32, 32, 1], seed=seed)
    untrained_scores = mlp_forward(x_val, weights, biases)[:, 0]
    auc_up, auc_down = roc_auc(y_val, untrained_scores), roc_auc(y_val, -untrained_scores)
    print(f"untrained MLP, seed {seed}: AUC {auc_up:.3f}, with the score negated {auc_down:.3f}")

# %% [markdown]
# Two lessons. AUC only measures how the scores *rank* the samples, so negating a
# score turns AUC into 1 - AUC: a value far below 0.5 is information pointing the
# wrong way. And a score can look good on one small validation set by luck, which is
# why a choice made on the validation set is confirmed on a test set that played no
# part in it. The trained network's test AUC above is the number to report.

# %% [markdown]
# ## Try it yourself
#
# - Keep one point in twenty of class 1 instead of one in five. What happens to the
#   accuracy of "always 0", and to the F1 of the network?
# - Replace F1 by recall when choosing the threshold. What does the test precision do?
# - Choose the threshold on the *test* set instead, and compare the test F1. Why is
#   that number no longer an honest estimate?

# %% [markdown]
# ## Your turn: implement and check
#
# The implement-and-check exercises of Part II, as cells to fill in. Each function
# below starts out as the book's solution (`reference`), so that the lab runs when
# the book is built: replace its body with your own code and run the cell. `check`
# prints nothing when your function agrees with the solution on random and edge
# inputs, and raises `ExerciseFailed` otherwise, naming the input that failed, the
# expected and the returned values, and the likely mistake when it recognises one.

# %%
from dlfoundations.exercises import check, reference


def logistic_neuron_gradient(x, y, weights, bias):
    return reference("logistic-neuron-gradient")(x, y, weights, bias)  # your code


check("logistic-neuron-gradient", logistic_neuron_gradient)

# %%
def silu_derivative(x):
    return reference("silu-derivative")(x)  # your code: d/dx x sigmoid(x)


check("silu-derivative", silu_derivative)

# %%
def soft_cross_entropy_gradient(logits, targets):
    return reference("soft-cross-entropy-gradient")(logits, targets)  # your code


check("soft-cross-entropy-gradient", soft_cross_entropy_gradient)

# %%
def shallow_relu_slope(x, w, b, v):
    return reference("shallow-relu-slope")(x, w, b, v)  # your code: no loop


check("shallow-relu-slope", shallow_relu_slope)

# %%
def balanced_accuracy(y_true, y_pred):
    return reference("balanced-accuracy")(y_true, y_pred)  # your code


check("balanced-accuracy", balanced_accuracy)
