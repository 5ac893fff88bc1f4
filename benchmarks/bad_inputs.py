"""Bad inputs: call every public function and class of the package with bad arguments.

An independent probe of the package's argument checks. It finds every public
callable on its own, builds a call that works ("good"), then replaces one argument
at a time by each bad value that fits the argument's type, and says what happened:

- **clear**: a ``ValueError`` or ``TypeError`` (or a subclass) whose message names
  the parameter (its name as a whole word: ``lr``, ``weights[0]``, not ``x`` in
  ``max``);
- **unclear**: any other exception (``IndexError``, ``ZeroDivisionError``, an error
  from NumPy or torch internals, a time-out...) or a ``ValueError``/``TypeError``
  whose message does not name the parameter (it may name another one);
- **silent**: the call returned normally;
- **accepted**: silent, but listed in ``ALLOWED`` (qualified-name suffix, parameter,
  bad kind) as legal by design: reported apart, not counted as silent, and left out
  of the clear share (clear / (tried - accepted)), since it is not a bad input.
  ``ALLOWED`` starts empty; a human adds a case after reading it in ``--details``.

Run:

    python benchmarks/bad_inputs.py                     # totals, per module, examples
    python benchmarks/bad_inputs.py --details           # every unclear and silent case
    python benchmarks/bad_inputs.py --json probe.json   # every call, as JSON
    python benchmarks/bad_inputs.py --min-clear 98 --max-silent 0   # exit 1 if not met
    python benchmarks/bad_inputs.py --only losses       # callables whose name has this

Discovery. Every module of ``dlfoundations`` (walked with pkgutil) except the
build's machinery (``figures``, ``checks``, ``experiments``, ``reproductions``:
``EXCLUDED``) and private modules (a name part starting with ``_``); in each, every
name not starting with ``_`` whose object is a function or a class defined there
(``obj.__module__`` is the module). For a class: its constructor, and the public
methods (and ``__call__``) defined in its body, each called on a fresh instance
built with the constructor's good arguments. Callables without parameters are
counted but have nothing to probe.

Good calls. Arguments are guessed from each parameter's annotation, then its name,
under "profiles" tried in turn until the call succeeds: ``vector`` (float arrays of
shape (3,)), ``batch`` (inputs (4, 2), weights (2,), targets (4,)), ``matrix``
(arrays (4, 3), labels in [0, 3)), ``scalar`` (floats), ``network`` (lists of
weight matrices and bias vectors of a 2-3-1 network), ``reduce`` (callables that
return a number) and ``vector-defaults``. Names like ``labels`` and ``y_true`` give
int arrays; ``lr``, ``beta1``, ``eps``... floats; ``n_*``, ``steps``, ``seed``,
``depth``... small ints; ``layer_sizes`` and ``widths`` [2, 3, 1]; ``f``,
``gradient``, ``loss``... simple functions; a class annotation an instance of that
class, or of the package's subclass of it, built by the same rules. Optional
parameters keep their defaults, except work sizes above 10 (``steps``, ``epochs``,
``depth``, ``width``, ``n_examples``...), which get small values. ``OVERRIDES`` gives
good values for the callables these rules get wrong; its keys are suffixes of
qualified names and it finds the package's functions by short name, so modules may
move (a key that matches nothing is reported). A callable with no good call in any
profile is reported as "no good call found" and not probed.

Bad values (``catalogue()``), only those that fit the type of the good value (or
of the default, or of a guess when the default is None). A bad value equal to the
default is skipped (the default is legal), and so is None where the default or the
annotation (``X | None``) allows it.

- any parameter: ``none``, ``string`` ("abc");
- float array: ``empty``, ``nan``, ``ragged`` (a ragged nested list), and the shape
  changes ``extra_dim``, ``transposed`` (2-D, not square), ``wrong_length`` (last
  axis one shorter), these only where a shape can be wrong: the value is at least
  2-D, or the call has another shape-carrying argument (another array, a size, the
  instance of a method);
- int array (labels): ``empty``, ``float_labels`` (labels + 0.5), ``negative_label``,
  ``ragged``, and the shape changes as above;
- int: ``zero``, ``negative`` (-1), ``true``, ``false``, ``float_for_int`` (1.5);
- float: ``zero``, ``negative`` (-1.0), ``nan``, ``inf``;
- list of sizes ([2, 3, 1]): ``empty``, ``zero_entry``, ``negative_entry``,
  ``float_entry``, ``bool_entry``;
- list of arrays (weights): ``empty``, ``nan`` (in the first array), ``transposed``
  (the first 2-D one), ``wrong_length`` (one array fewer), ``extra_dim``;
- tuple or list of floats: ``empty``, ``wrong_length``, ``nan``;
- string: ``unknown_str`` ("abc"), ``number`` (1.0);
- dict: ``empty``, ``missing_key``, ``nan`` (in the first array value);
- torch tensor: ``empty``, ``nan``, ``extra_dim``, ``wrong_length``;
- a callable, a bool, another object: only ``none`` and ``string``.

Silent cases are listed in two groups: a wrong *type* (``none``, ``string``,
``ragged``, ``true``/``false``, ``float_for_int``, ``float_labels``, ``float_entry``,
``bool_entry``, ``number``), almost never legal, and a wrong *value* of the right
type (zero, negative, NaN, inf, empty, a shape change...), which may be legal for
that function (``relu(-1)``, 0 steps, NaN propagated on purpose): a human judges.

Isolation. The calls run in a forked child process that streams its results back.
If a call crashes the interpreter, or one callable's calls take over 60 s, the
callable gets an unclear record ("a call crashed"/"timed out"; "no good call" if it
happened while looking for one), its remaining bad values are skipped, and a new
child goes on with the next callable. Every call has a 3 s limit (``signal.
setitimer``; a call over it is unclear, "timeout"); warnings are silenced and NumPy
floating-point errors ignored.
"""

from __future__ import annotations

import argparse
import collections.abc
import dataclasses
import importlib
import inspect
import json
import os
import pkgutil
import random
import re
import select
import signal
import sys
import time
import traceback
import types
import typing
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402 - after the environment is set for the threads

PACKAGE = "dlfoundations"
# The figures take no arguments. The checks are the probe's subject seen from the other
# side: every call below goes through them, and tests/test_checks.py tests each one;
# their ``name`` argument is the label the decorator passes, free text by design.
# the build's machinery, tested by its own tests: figures, argument checks, the
# experiment cache and the registry of reproduced results. The exercises' solutions
# (``exercises.<part>``) are answers the reader reaches through ``exercises.check``,
# which is probed; the cases they are checked on are the checker's, not the reader's.
EXCLUDED = tuple(
    f"{PACKAGE}.{name}"
    for name in ("figures", "checks", "experiments", "reproductions", "exercises.")
)
CALL_SECONDS = 3.0  # time limit of one call
TARGET_SECONDS = 60.0  # time limit of all the calls to one callable
SIZE_SHRINK_ABOVE = 10  # optional work sizes above this get a small value

# (qualified-name suffix, parameter, bad kind) accepted by design. It starts empty:
# add a case only after reading it in --details and deciding the value is legal.
ALLOWED: set[tuple[str, str, str]] = set()
# Part III (optimization): values that are legal by design.
# Zero steps or epochs: the path is the start alone, as range(0) is empty.
ALLOWED |= {
    ("gradient_descent", "steps", "zero"),
    ("gradient_descent_line_search", "steps", "zero"),
    ("trajectory", "steps", "zero"),
    ("minibatch_gradient_descent", "epochs", "zero"),
}
# Epoch 0 is the first epoch of a schedule.
ALLOWED |= {(f, "epoch", "zero") for f in ("step_decay", "exponential_decay")}
ALLOWED |= {("cosine_annealing", "epoch", "zero")}
# Any number of parameters: the gradient function decides (it returns their shape).
ALLOWED |= {
    (f, "start", "wrong_length")
    for f in (
        "gradient_descent",
        "gradient_descent_line_search",
        "trajectory",
        "minibatch_gradient_descent",
        "seconds_per_epoch",
    )
}
ALLOWED |= {("stochastic_gradient", "phi", "wrong_length")}
ALLOWED |= {("SGDRun", "path", "wrong_length")}
# A smaller batch is a batch; phi may be a grid of parameters (for contour plots).
ALLOWED |= {("stochastic_gradient", "batch", "wrong_length")}
ALLOWED |= {("least_squares_loss", "phi", "extra_dim")}
# A diverged run is a result too: its path holds NaN.
ALLOWED |= {("SGDRun", "path", "nan")}
# A line search may start or bracket anywhere on the line, 0 and negatives included.
ALLOWED |= {
    ("bracket_minimum", "start", "negative"),
    ("line_search", "start", "negative"),
}
ALLOWED |= {("golden_section_search", p, k) for p, k in (("a", "zero"), ("b", "zero"))}
ALLOWED |= {("golden_section_search", "a", "negative")}
ALLOWED |= {
    ("LineSearchResult", p, k) for p in ("x", "value") for k in ("zero", "negative")
}
# torch.optim accepts these: lr = 0, eps = 0, betas of 0 (normalised gradient descent,
# shown on the Adam page), any dampening, parameter arrays of any number and shape.
# The same for AdaGrad and RMSProp (RMSProp's beta = 0 is normalised gradient descent).
ADAPTIVE = ("adam_update", "Adam", "adagrad_update", "Adagrad")
ADAPTIVE += ("rmsprop_update", "RMSprop")
ALLOWED |= {(f, "lr", "zero") for f in ("sgd_update", "SGD", *ADAPTIVE)}
ALLOWED |= {(f, "eps", "zero") for f in ADAPTIVE}
ALLOWED |= {("adam_update", "beta1", "zero"), ("adam_update", "beta2", "zero")}
ALLOWED |= {("rmsprop_update", "beta", "zero"), ("RMSprop", "beta", "zero")}
ALLOWED |= {("moving_average", "beta", "zero"), ("bias_correct", "beta", "zero")}
ALLOWED |= {(f, "dampening", "negative") for f in ("sgd_update", "SGD")}
ALLOWED |= {
    (f, "params", k)
    for f in ("SGD", "Adam", "Adagrad", "RMSprop")
    for k in ("transposed", "wrong_length", "extra_dim")
}

# --- Parts I-II (foundations, building_blocks): legal values, each with its reason
ALLOWED |= {
    # a slope of 0 is plain ReLU
    ("functions.leaky_relu", "negative_slope", "zero"),
    ("derivatives.leaky_relu_derivative", "negative_slope", "zero"),
    # the derivative at x = 0 or x < 0 is as good a question as any other
    ("finite_difference_errors", "x", "zero"),
    ("finite_difference_errors", "x", "negative"),
    ("numerical_gradient", "point", "zero"),
    ("numerical_gradient", "point", "negative"),
    # axis 0 is an axis
    ("activations.softmax", "axis", "zero"),
    ("softmax_vjp", "axis", "zero"),
    ("losses.logsumexp", "axis", "zero"),
    # NaN propagates on purpose, as in torch.logsumexp (tested against it)
    ("losses.logsumexp", "z", "nan"),
    # any (examples, units) matrix is a layer's pre-activations
    ("dead_unit_fraction", "pre_activations", "transposed"),
    ("dead_unit_fraction", "pre_activations", "wrong_length"),
    # no validation set, or no test set, is a legal split
    ("split_indices", "val_fraction", "zero"),
    ("split_indices", "test_fraction", "zero"),
    ("train_val_test_split", "val_fraction", "zero"),
    ("train_val_test_split", "test_fraction", "zero"),
    # the split moves rows; what the rows hold (NaN too) is the data's business
    ("train_val_test_split", "x", "nan"),
    ("train_val_test_split", "y", "nan"),
    # a shallow network takes any number of inputs x; c is any real offset
    ("relu_contributions", "x", "wrong_length"),
    ("shallow_relu_network", "x", "wrong_length"),
    ("shallow_relu_network", "c", "negative"),
    ("count_linear_regions", "x", "wrong_length"),
    # biases of 0 are the usual start
    ("init_mlp", "bias_std", "zero"),
    # threshold 0 predicts 1 everywhere: the end point (1, 1) of the ROC curve
    ("predict_at_threshold", "threshold", "zero"),
    # x is one example (1-D) or a batch (2-D); a bias is any finite number
    ("weighted_sum", "x", "extra_dim"),
    ("weighted_sum", "bias", "zero"),
    ("weighted_sum", "bias", "negative"),
    ("neuron", "x", "extra_dim"),
    ("neuron", "bias", "zero"),
    ("neuron", "bias", "negative"),
    ("PerceptronRun", "bias", "zero"),
    ("PerceptronRun", "bias", "negative"),
    ("train_perceptron", "bias", "negative"),
    # fewer features, with weights None (or weights to match), is another problem
    ("train_perceptron", "x", "wrong_length"),
    ("train_perceptron", "weights", "wrong_length"),
    ("train_two_layer", "x", "wrong_length"),
    # seed 0 is a seed
    ("separable_data", "seed", "zero"),
    # the input of a chain of sigmoid units is any finite number
    ("sigmoid_chain_gradient", "x", "zero"),
    ("sigmoid_chain_gradient", "x", "negative"),
}

TYPE_KINDS = {"none", "string", "ragged", "true", "false", "float_for_int"}
TYPE_KINDS |= {"float_labels", "float_entry", "bool_entry", "number"}

# Part IV (backpropagation), legal values read in --details:
# - the toy model's input x, target y and eight parameters are any finite numbers;
_TOY = {"toy_forward": "x", "toy_loss": "x y", "toy_backward": "y"}
_TOY |= {"toy_parameter_gradients": "x", "toy_gradients": "x y"}
_TOY |= {"toy_numerical_gradients": "x y", "ToyParameters": "beta0 beta1 beta2 beta3"}
_TOY["ToyParameters"] += " omega0 omega1 omega2 omega3"
ALLOWED |= {
    (f"toy_model.{name}", param, kind)
    for name, params in _TOY.items()
    for param in params.split()
    for kind in ("zero", "negative")
}
# - a Value holds any float, NaN and infinities included (they flow through the
#   operations as in torch, and the tests compare them); a label is any text;
ALLOWED |= {
    ("scalar_autodiff.engine.Value", "data", k)
    for k in ("zero", "negative", "nan", "inf")
}
ALLOWED.add(("scalar_autodiff.engine.Value", "label", "unknown_str"))
# - unbroadcast sums a gradient of any values, NaN included, and of any size (0 too);
ALLOWED |= {
    ("tensor_autodiff.unbroadcast", "grad", "empty"),
    ("tensor_autodiff.unbroadcast", "grad", "nan"),
}
# - axis 0 and -1 are axes, as in NumPy;
ALLOWED |= {
    (f"Tensor.{m}", "axis", k) for m in ("sum", "mean") for k in ("zero", "negative")
}
ALLOWED.add(("Tensor.log_softmax", "axis", "zero"))
# - moons without noise, with seed 0, and training without L2 (weight_decay = 0) are
#   legal.
ALLOWED |= {
    ("tensor_autodiff.moons", "noise", "zero"),
    ("tensor_autodiff.moons", "random_state", "zero"),
}
ALLOWED.add(("tensor_autodiff.train_moons", "weight_decay", "zero"))
# - moons without noise;
ALLOWED.add(("pytorch.moons_splits", "noise", "zero"))
# - a dataset holds inputs of any number of features;
ALLOWED.add(("pytorch.ArrayDataset", "x", "wrong_length"))
# - equal weights of 0 or below: the symmetry the initialization page shows (zero is
#   its extreme case).
ALLOWED |= {("initialization.constant_init", "value", k) for k in ("zero", "negative")}
# - MNIST-1D made with seed 0 (any seed >= 0 is a dataset).
ALLOWED.add(("mnist1d.mnist1d", "seed", "zero"))
# - strengths and limits: stored_floats counts the numbers of any arrays, whatever
#   their shapes and however many.
ALLOWED |= {
    ("strengths_and_limits.stored_floats", "arrays", k)
    for k in ("transposed", "wrong_length", "extra_dim")
}
# - bias-variance: noise-free data (noise_std 0) is a legal task; the model takes any
#   number of inputs x and any number of hidden units v, and any output bias c.
ALLOWED.add(("bias_variance.sample_dataset", "noise_std", "zero"))
ALLOWED.add(("bias_variance.bias_variance_sweep", "noise_std", "zero"))
ALLOWED |= {("bias_variance.hidden_activations", "x", "wrong_length")}
ALLOWED |= {("bias_variance.predictions_over_datasets", "x_test", "wrong_length")}
ALLOWED.add(("bias_variance.bias_variance_noise", "noise_std", "zero"))
ALLOWED |= {("bias_variance.predict", p, "wrong_length") for p in ("x", "v")}
ALLOWED |= {("bias_variance.predict", "c", k) for k in ("zero", "negative")}
# - double descent: seed 0 is a seed; no label noise is the clean task; a peak may
#   sit at any width.
ALLOWED.add(("double_descent.seeded_mlp", "seed", "zero"))
ALLOWED.add(("double_descent.double_descent_sweep", "label_noise", "zero"))
ALLOWED.add(("double_descent.flip_labels", "fraction", "zero"))
ALLOWED.add(("double_descent.flip_labels", "y", "wrong_length"))  # any N labels

# Part V (generalization), legal values read in --details:
# - any (N, D) matrix of points is N points in D dimensions: transposed, or with a
#   column fewer, it is another set of points;
_POINTS = {
    "distinct_pair_distances": "x",
    "distance_ratio": "x",
    "fraction_in_shell": "points",
    "explained_variance_ratio": "x",
    "directions_for_share": "x",
}
ALLOWED |= {
    (f"high_dimensional_spaces.{name}", param, kind)
    for name, param in _POINTS.items()
    for kind in ("transposed", "wrong_length")
}
# - a shell of thickness 0 holds no volume (and only the points on or beyond the
#   sphere); no share of the variance needs one direction;
ALLOWED |= {
    ("high_dimensional_spaces.shell_fraction", "thickness", "zero"),
    ("high_dimensional_spaces.fraction_in_shell", "thickness", "zero"),
    ("high_dimensional_spaces.directions_for_share", "share", "zero"),
}
# - momentum 0 freezes the running statistics, as torch.nn.BatchNorm1d allows;
ALLOWED.add(("normalization.BatchNorm", "momentum", "zero"))
# - normalize takes any (B, D) batch, and axis 0 (over the batch) is one of its two
#   axes.
ALLOWED |= {
    ("normalization.normalize", "x", "transposed"),
    ("normalization.normalize", "x", "wrong_length"),
    ("normalization.normalize", "axis", "zero"),
    ("normalization.normalize_backward", "axis", "zero"),
}

# - recurrent networks: a recurrent matrix of radius 0 is a cell without recurrence,
#   and the update gate's bias may be lowered (negative) as well as raised.
ALLOWED |= {
    ("recurrent_networks.scaled_orthogonal", "radius", "zero"),
    ("recurrent_networks.rnn_gradient_norms", "radius", "zero"),
    ("recurrent_networks.gru_gradient_norms", "update_bias", "zero"),
    ("recurrent_networks.gru_gradient_norms", "update_bias", "negative"),
}

# - transfer learning: accuracies of any number of sizes and of seeds (two or more)
#   have a mean and a standard error, whichever is the longer.
ALLOWED |= {
    ("transfer_learning.mean_and_standard_error", "accuracies", k)
    for k in ("transposed", "wrong_length")
}
# - inputs of any width and labels of any number can be split and subsampled; 0 is
#   a digit and a seed.
ALLOWED |= {
    ("transfer_learning.class_split", "x", "wrong_length"),
    ("transfer_learning.class_split", "classes", "zero_entry"),
    ("transfer_learning.task", "classes", "zero_entry"),
    ("transfer_learning.balanced_subset", "y", "wrong_length"),
    ("transfer_learning.balanced_subset", "seed", "zero"),
    ("transfer_learning.target_model", "seed", "zero"),
}
# - shuffled positions: any (examples, positions) matrix with two positions or more
#   has neighbours to correlate, the transposed good one (3 examples, 4) included.
ALLOWED.add(("shuffled_positions.neighbour_correlation", "x", "transposed"))


# - seed 0 is a seed; a perfect classifier has error 0, and its standard error is 0;
ALLOWED.add(("mnist1d.mnist1d", "seed", "zero"))
ALLOWED.add(("measuring_performance.standard_error", "error", "zero"))
# - no penalty (weight decay 0) and a learning rate of 0 are legal, as in torch.optim;
#   parameters may be arrays of any number and shape;
ALLOWED |= {("regularization.l2_penalty", "weight_decay", "zero")}
ALLOWED |= {
    ("regularization.l2_penalty", "phi", k)
    for k in ("transposed", "wrong_length", "extra_dim")
}
ALLOWED |= {
    ("regularization.weight_decay_step", p, "zero") for p in ("lr", "weight_decay")
}
ALLOWED |= {
    ("regularization.adamw_update", p, "zero")
    for p in ("lr", "beta1", "beta2", "eps", "weight_decay")
}
# - dropout with p = 0 keeps every unit; it applies to activations of any shape;
ALLOWED |= {
    ("regularization.dropout_mask", "p", "zero"),
    ("regularization.Dropout", "p", "zero"),
    ("regularization.dropout_mlp", "p", "zero"),
}
ALLOWED |= {
    (f, "h", k)
    for f in ("regularization.dropout_mask", "regularization.Dropout.forward")
    for k in ("extra_dim", "wrong_length")
}
# - augmentation without shifts or without noise; signals of any length;
ALLOWED |= {
    ("regularization.augment", "max_shift", "zero"),
    ("regularization.augment", "noise", "zero"),
    ("regularization.augment", "x", "wrong_length"),
}
# - index 0 is the first measurement of a run, step 0 the first step to record;
ALLOWED.add(("regularization.accuracy_at", "index", "zero"))
ALLOWED.add(("measuring_performance.record", "step", "zero"))
# - dropout with p = 0 is the identity; a row of any length can be shifted.
ALLOWED.add(("regularization.dropout", "p", "zero"))
ALLOWED.add(("regularization.circular_shift", "x", "wrong_length"))

# - convolutional networks: a shorter signal or image is still one to convolve or
#   pool, and a shorter kernel still a kernel (the forward passes, which have no
#   output gradient whose shape must follow);
CONVOLUTIONS = ("conv1d", "conv1d_loop", "conv2d", "conv2d_loop")
ALLOWED |= {
    (f"convolutional_networks.{f}", p, "wrong_length")
    for f in CONVOLUTIONS
    for p in ("x", "weight")
}
ALLOWED |= {
    (f"convolutional_networks.{f}", "x", "wrong_length")
    for f in ("windows_1d", "windows_2d", "max_pool1d", "avg_pool1d")
}
# - output position 0 is the first window; a shift by 0 leaves x as it is, and x may
#   be any array (shift moves its last axis, and equivariance_gap passes x to the
#   layer it is given); 0 and negative numbers are numbers to give both axes.
ALLOWED.add(("convolutional_networks.window", "u", "zero"))
ALLOWED |= {
    (f"convolutional_networks.{f}", p, k)
    for f in ("shift", "equivariance_gap")
    for p, k in (("k", "zero"), ("x", "extra_dim"), ("x", "wrong_length"))
}
ALLOWED |= {("convolutional_networks.pair", "value", k) for k in ("zero", "negative")}

# ---------------------------------------------------------------- discovery


@dataclass
class Target:
    """One callable to probe: a function, a class (its constructor) or a method."""

    qualname: str  # dlfoundations.losses.mse, ...engine.MLP, ...engine.MLP.__call__
    module: str
    obj: Any  # the function or class; for a method, its name
    kind: str  # "function", "class" or "method"
    owner: Any = None  # the class of a method


IMPORT_ERRORS: dict[str, str] = {}  # module -> why it could not be imported
REGISTRY: dict[str, Any] = {}  # short name -> public function or class (OVERRIDES)


def is_excluded(name: str) -> bool:
    parts = name.split(".")[1:]
    return name.startswith(EXCLUDED) or any(part.startswith("_") for part in parts)


def discover_modules() -> list[types.ModuleType]:
    """Every module of the package but the excluded ones, imported (pkgutil walk).
    A module that fails to import is recorded in IMPORT_ERRORS and skipped."""
    package = importlib.import_module(PACKAGE)
    modules, stack = [package], [package]
    while stack:
        parent = stack.pop()
        for info in pkgutil.iter_modules(getattr(parent, "__path__", [])):
            name = f"{parent.__name__}.{info.name}"
            if is_excluded(name):
                continue
            try:
                module = importlib.import_module(name)
            except Exception as error:  # noqa: BLE001 - report it, probe the rest
                IMPORT_ERRORS[name] = f"{type(error).__name__}: {error}"
                continue
            modules.append(module)
            if info.ispkg:
                stack.append(module)
    return sorted(modules, key=lambda m: m.__name__)


def discover_targets(modules: list[types.ModuleType]) -> list[Target]:
    targets = []
    for module in modules:
        here = module.__name__
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != here:
                continue
            qualname = f"{here}.{name}"
            if inspect.isfunction(obj):
                targets.append(Target(qualname, here, obj, "function"))
            elif inspect.isclass(obj):
                targets.append(Target(qualname, here, obj, "class"))
                for attr, member in vars(obj).items():
                    if attr.startswith("_") and attr != "__call__":
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if inspect.isfunction(member):
                        method = Target(f"{qualname}.{attr}", here, attr, "method", obj)
                        targets.append(method)
    return targets


def build_registry(targets: list[Target]) -> None:
    """Short names for OVERRIDES: ``name`` when unique, and ``module.name`` always
    (the package has two ``MLP`` classes and two ``cross_entropy`` functions)."""
    tops = [t for t in targets if t.kind != "method"]
    counts = Counter(t.qualname.rsplit(".", 1)[-1] for t in tops)
    for t in tops:
        name = t.qualname.rsplit(".", 1)[-1]
        if counts[name] == 1:
            REGISTRY[name] = t.obj
        REGISTRY[".".join(t.qualname.rsplit(".", 2)[-2:])] = t.obj


def pkg(name: str) -> Any:
    """The package's public function or class called ``name``, wherever it lives."""
    if name not in REGISTRY:
        raise LookupError(f"no public callable named {name!r} (or more than one)")
    return REGISTRY[name]


def is_data_container(cls: Any) -> bool:
    """A dataclass or NamedTuple: a constructor that only stores its arguments."""
    return dataclasses.is_dataclass(cls) or (
        issubclass(cls, tuple) and hasattr(cls, "_fields")
    )


# ---------------------------------------------------------------- good values


class NoGuess(Exception):
    """No good value for a parameter under this profile."""


@dataclass(frozen=True)
class Profile:
    name: str
    mode: str  # vector, batch, matrix, scalar or network
    n: int  # examples
    d: int  # features
    k: int = 2  # classes
    reduce: bool = False  # callables return a number rather than an array
    shrink: bool = True  # small values for optional work sizes


PROFILES = [
    Profile("vector", "vector", n=3, d=3),
    Profile("batch", "batch", n=4, d=2),
    Profile("matrix", "matrix", n=4, d=3, k=3),
    Profile("scalar", "scalar", n=1, d=1),
    Profile("network", "network", n=4, d=2),
    Profile("reduce", "vector", n=3, d=3, reduce=True),
    Profile("batch-reduce", "batch", n=4, d=2, reduce=True),
    Profile("vector-defaults", "vector", n=3, d=3, shrink=False),
]

INT_NAMES = re.compile(
    r"^(n|k|n_\w+|num_\w+|\w+_size|size|steps|\w+_steps|epochs?|\w+_epochs|max_iter"
    r"|seed|random_state|width|depth|step|t_max|axis|count|degree)$"
)
WORK_SIZES = re.compile(
    r"^(steps|n_steps|epochs|n_epochs|max_epochs|depth|width|n|n_examples|n_samples)$"
)
SIZE_LIKE = re.compile(r"^(n|k|n_\w+|\w+_size|size|width|depth|shape)$")
# names that are floats even without an annotation, with their good values
FLOAT_VALUES = {
    "lr": 0.1,
    "learning_rate": 0.1,
    "eta": 0.1,
    "initial_lr": 0.1,
    "min_lr": 0.01,
    "beta": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "momentum": 0.5,
    "dampening": 0.1,
    "weight_decay": 0.01,
    "eps": 1e-8,
    "h": 1e-5,
    "tol": 1e-6,
    "gamma": 0.5,
    "weight_variance": 2.0,
    "mu_min": 1.0,
    "mu_max": 4.0,
    "threshold": 0.5,
    "sigma": 1.0,
    "scale": 1.0,
    "gain": 1.0,
    "kappa": 2.0,
    "alpha": 0.5,
    "noise": 0.1,
    "margin": 0.1,
    "bias": 0.5,
    "negative_slope": 0.01,
    "bias_std": 0.1,
}
FLOAT_NAMES = re.compile(r"^(\w+_tol|\w+_fraction|\w+_rate|beta\d|\w+_std)$")
# good values of parameters annotated ``float`` whose names say nothing more
ANNOTATED_FLOATS = {"a": -1.0, "b": 0.8, "c": 3.0, "x": 0.5, "y": 0.3, "start": 0.0}
STRING_VALUES = {"op": "+", "label": "a", "mode": "fan_in"}
LABEL_NAMES = {"labels", "label", "y_true", "y_pred", "classes", "stratify"}
SIZES_NAMES = {"layer_sizes", "sizes", "widths", "layers"}
ARRAY_LIST_NAMES = {"weights", "biases", "params", "grads", "fs", "hs", "parameters"}
ROW_NAMES = {"x", "inputs", "data", "points", "x_batch", "features", "pre_activations"}
POINT_NAMES = {"weights", "w", "point", "phi", "theta", "start", "param", "center"}
CALLABLE_NAMES = {"f", "g", "df", "f_prime", "g_prime", "gradient", "grad", "loss"}
CALLABLE_NAMES |= {"model", "derivative", "activation", "functions", "fn", "func"}


def square_error(*args: Any) -> Any:
    """An elementwise function: (a - 1)^2, or (a - b)^2 for two arrays alike."""
    a = np.asarray(args[0], dtype=float)
    if len(args) > 1 and np.shape(args[1]) == a.shape:
        return (a - np.asarray(args[1], dtype=float)) ** 2
    return (a - 1.0) ** 2


def square_error_derivative(*args: Any) -> Any:
    """The derivative (or gradient) of ``square_error`` in its first argument."""
    return 2.0 * (np.asarray(args[0], dtype=float) - 1.0)


def sum_of_squares(*args: Any) -> float:
    """A function of a point that returns a number: sum((a - 1)^2)."""
    return float(np.sum((np.asarray(args[0], dtype=float) - 1.0) ** 2))


def values_for(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct floats in (0.1, 0.9), the same for the same name and shape."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return rng.uniform(0.1, 0.9, size=shape)


def labels_for(profile: Profile) -> Any:
    if profile.mode == "scalar":
        return 1
    pattern = [0, 1, 0, 1] if profile.k == 2 else [0, 2, 1, 0]
    return np.array(pattern[: profile.n], dtype=np.int64)


def network(profile: Profile, name: str) -> list[np.ndarray]:
    """Weights, biases or per-layer arrays of a 2-3-1 network on a batch of 4."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    shapes = {
        "weights": [(3, 2), (1, 3)],
        "biases": [(3,), (1,)],
        "fs": [(profile.n, 3), (profile.n, 1)],
        "hs": [(profile.n, 2), (profile.n, 3)],
    }.get(name, [(3, 2), (3,)])
    return [rng.normal(size=shape) for shape in shapes]


def array_for(name: str, profile: Profile) -> Any:
    """A float array (a float in the scalar profile) for a parameter ``name``."""
    mode, n, d = profile.mode, profile.n, profile.d
    if mode == "scalar":
        return float(values_for(name, (1,))[0])
    if mode == "vector":
        shape: tuple[int, ...] = (n,)
    elif mode == "matrix":
        shape = (n, profile.k)
    elif name in ROW_NAMES:
        shape = (n, d)
    elif name in POINT_NAMES:
        shape = (d,)
    else:
        shape = (n, 1) if mode == "network" else (n,)
    return values_for(name, shape)


def callable_for(name: str, profile: Profile) -> Callable:
    if name == "functions":
        return np.tanh
    if re.search(r"grad|deriv|^df$|prime", name):
        return square_error_derivative
    return sum_of_squares if profile.reduce else square_error


def int_for(name: str, profile: Profile) -> int:
    if name in {"seed", "random_state"}:
        return 0
    if name == "axis":
        return -1
    if name in {"n_inputs", "n_in", "n_features", "n_dims", "dim"}:
        return profile.d
    if name in {"n", "n_samples", "n_examples", "n_points"}:
        return profile.n
    if name in {"step", "epoch", "t"}:
        return 1
    if name in {"n_classes", "k"}:
        return profile.k
    return 2


def strip_optional(annotation: Any) -> Any:
    """``X`` for ``X | None`` (the first option of any other union)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return options[0] if options else annotation
    return annotation


def allows_none(annotation: Any) -> bool:
    """Whether an annotation says None is a legal value (``X | None``)."""
    if annotation is None or annotation is type(None):
        return True
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return union and type(None) in typing.get_args(annotation)


def annotations_of(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj)
    except Exception:  # noqa: BLE001 - annotations that do not resolve: raw ones
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {p.name: p.annotation for p in parameters}


def is_package_class(cls: Any) -> bool:
    return inspect.isclass(cls) and getattr(cls, "__module__", "").startswith(PACKAGE)


def instance_of(cls: type, name: str, profile: Profile, depth: int) -> Any:
    """An instance of ``cls`` for a parameter annotated with it."""
    import torch

    if cls is np.random.Generator:
        return np.random.default_rng(0)
    if cls is random.Random:
        return random.Random(0)
    if cls is torch.device:
        return torch.device("cpu")
    if cls is torch.Tensor:
        value = labels_for(profile) if name in LABEL_NAMES else array_for(name, profile)
        return torch.as_tensor(value)
    if cls.__module__.startswith("matplotlib"):
        from matplotlib.figure import Figure

        return Figure().add_subplot()
    if depth > 2:
        raise NoGuess(f"{name}: too deep")
    candidates = [cls] if is_package_class(cls) else []
    candidates += [
        c
        for c in REGISTRY.values()
        if is_package_class(c) and c is not cls and issubclass(c, cls)
    ]
    for candidate in candidates:
        try:
            args, kwargs = GoodCall(candidate, profile, depth + 1).arguments()
            return candidate(*args, **kwargs)
        except Exception:  # noqa: BLE001 - try the next candidate
            continue
    raise NoGuess(f"{name}: cannot build a {cls.__name__}")


def guess(
    param: inspect.Parameter, annotation: Any, profile: Profile, depth: int
) -> Any:
    """A good value for ``param`` under ``profile``, or raise NoGuess."""
    name, empty = param.name, inspect.Parameter.empty
    ann = strip_optional(annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if ann is bool:
        return False if param.default is empty else param.default
    if ann is int or (ann is empty and INT_NAMES.match(name)):
        return int_for(name, profile)
    if ann is float:
        return ANNOTATED_FLOATS.get(name, FLOAT_VALUES.get(name, 0.5))
    if ann is empty and (name in FLOAT_VALUES or FLOAT_NAMES.match(name)):
        return FLOAT_VALUES.get(name, 0.5)
    if ann is str:
        return STRING_VALUES.get(name, "value")
    if ann is type:
        raise NoGuess(f"{name}: a class")
    if ann is dict or origin is dict:
        raise NoGuess(f"{name}: a dict")
    if ann is tuple or origin is tuple:
        return ()
    if ann is collections.abc.Callable or origin is collections.abc.Callable:
        return callable_for(name, profile)
    if origin in (list, collections.abc.Sequence) and args:
        inner = strip_optional(args[0])
        if inner is int:
            return [2, 3, 1] if name != "shape" else (3, 2)
        if inner is np.ndarray:
            return network(profile, name)
        if inspect.isclass(inner):
            return [instance_of(inner, name, profile, depth) for _ in range(2)]
    plain = (list, np.ndarray, collections.abc.Sequence, empty)
    if inspect.isclass(ann) and ann not in plain:
        if ann.__module__ not in ("builtins", "typing", "collections.abc"):
            return instance_of(ann, name, profile, depth)
    # by name alone
    if name in SIZES_NAMES:
        return [2, 3, 1]
    if name == "shape":
        return (3, 2)
    if name == "betas":
        return (0.9, 0.999)
    if name in {"rng", "generator"}:
        return np.random.default_rng(0)
    if name in CALLABLE_NAMES and ann is empty:
        return callable_for(name, profile)
    if name in LABEL_NAMES:
        return labels_for(profile)
    if profile.mode == "network" and name in ARRAY_LIST_NAMES:
        return network(profile, name)
    if name in {"batch", "indices", "index"}:
        return np.arange(min(2, profile.n))
    value = array_for(name, profile)
    if ann is list and isinstance(value, np.ndarray):
        return value.tolist()
    return value


class GoodCall:
    """The good arguments of one callable under one profile, fresh on every call."""

    def __init__(
        self,
        func: Any,
        profile: Profile,
        depth: int = 0,
        override: Callable[[], dict] | None = None,
    ) -> None:
        self.func, self.profile, self.depth = func, profile, depth
        self.override = override
        self.params = list(inspect.signature(func).parameters.values())
        annotated = func.__init__ if inspect.isclass(func) else func
        self.annotations = annotations_of(annotated)

    def values(self) -> dict[str, Any]:
        """The good values of the parameters passed in the good call; optional
        parameters that keep their defaults are left out."""
        fixed = self.override() if self.override else {}
        values: dict[str, Any] = {}
        labels = ("name", "names")
        for p in self.params:
            if p.name in fixed:
                values[p.name] = fixed[p.name]
            elif p.kind is p.VAR_KEYWORD:
                continue
            elif p.kind is p.VAR_POSITIONAL:
                values[p.name] = [self.guess(p), self.guess(p)]
            elif p.default is p.empty and p.name in labels:
                # a check helper told which arguments it checks: the first ones
                others = [q.name for q in self.params if q.name not in labels]
                values[p.name] = others[0] if p.name == "name" else tuple(others[:2])
            elif p.default is p.empty:
                values[p.name] = self.guess(p)
            elif self.profile.shrink and self.shrinks(p):
                values[p.name] = int_for(p.name, self.profile)
        if "**" in fixed:
            values["**"] = fixed["**"]
        return values

    @staticmethod
    def shrinks(p: inspect.Parameter) -> bool:
        default = p.default
        return (
            bool(WORK_SIZES.match(p.name))
            and isinstance(default, int)
            and not isinstance(default, bool)
            and default > SIZE_SHRINK_ABOVE
        )

    def annotation(self, p: inspect.Parameter) -> Any:
        return self.annotations.get(p.name, p.annotation)

    def guess(self, p: inspect.Parameter) -> Any:
        return guess(p, self.annotation(p), self.profile, self.depth)

    def typical(self, p: inspect.Parameter) -> Any:
        """What bad values are made from for a parameter left at its default: the
        default, or a guess when the default is None."""
        return p.default if p.default is not None else self.guess(p)

    def call_arguments(self, values: dict[str, Any]) -> tuple[list, dict]:
        args: list = []
        kwargs: dict = {}
        positional = any(p.kind is p.VAR_POSITIONAL for p in self.params)
        for p in self.params:
            if p.kind is p.VAR_KEYWORD:
                kwargs.update(values.get("**", {}))
            elif p.name not in values:
                if positional and p.kind is p.POSITIONAL_OR_KEYWORD:
                    args.append(p.default)
            elif p.kind is p.VAR_POSITIONAL:
                args.extend(values[p.name])
            elif p.kind is p.POSITIONAL_ONLY or (
                positional and p.kind is p.POSITIONAL_OR_KEYWORD
            ):
                args.append(values[p.name])
            else:
                kwargs[p.name] = values[p.name]
        return args, kwargs

    def arguments(self) -> tuple[list, dict]:
        return self.call_arguments(self.values())


# ---------------------------------------------------------------- overrides


def _torch_model() -> Any:
    return pkg("TorchMLP")([2, 3, 2])


def _linear_and_permutation() -> dict[str, Any]:
    from torch import nn

    return {"model": nn.Linear(3, 2), "permutation": np.array([2, 0, 1])}


def _torch_batch() -> Any:
    import torch

    return torch.as_tensor(values_for("x", (4, 2)), dtype=torch.float32)


def _labelled() -> dict[str, Any]:
    """A torch model, float inputs and int class labels (not float targets)."""
    x = values_for("x", (4, 2)).astype(np.float32)
    return {"model": _torch_model(), "x": x, "y": np.array([0, 1, 0, 1])}


def _fit() -> dict[str, Any]:
    """A torch model and (x, y) pairs for training and validation."""
    found = _labelled()
    pair = (found["x"], found["y"])
    return {"model": found["model"], "train": pair, "val": pair, "epochs": 1}


def _loop(optimizer: bool) -> Callable[[], dict[str, Any]]:
    """A torch model, a DataLoader of (x, y) pairs, the CPU, and an optimizer."""

    def values() -> dict[str, Any]:
        import torch

        found = _labelled()
        dataset = pkg("ArrayDataset")(found["x"], found["y"])
        loader = torch.utils.data.DataLoader(dataset, batch_size=2)
        model = found["model"]
        more = {"optimizer": torch.optim.SGD(model.parameters(), lr=0.1)}
        cpu = {"device": torch.device("cpu")}
        return {"model": model, "loader": loader, **cpu, **(more if optimizer else {})}

    return values


def _torch_step() -> dict[str, Any]:
    import torch

    model = _torch_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    y = torch.as_tensor([0, 1, 0, 1])
    return {"model": model, "optimizer": optimizer, "x": _torch_batch(), "y": y}


def _model_and_batch() -> dict[str, Any]:
    """A torch model, a float batch x and its class labels y, as tensors."""
    return {k: v for k, v in _torch_step().items() if k != "optimizer"}


def _scratch_mlp() -> Any:
    return pkg("tensor_autodiff.MLP")([2, 3, 2])


def _tensor(shape: tuple[int, ...], name: str = "data") -> Any:
    return pkg("Tensor")(values_for(name, shape), requires_grad=True)


def _tensors_with_gradients() -> list:
    tensors = [_tensor((3, 2), "w"), _tensor((2,), "b")]
    for tensor in tensors:
        tensor.grad = np.ones_like(tensor.data)
    return tensors


def _one_input_network() -> dict[str, Any]:
    """A 1-3-1 network and strictly increasing 1-D inputs."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 1)), rng.normal(size=(1, 3))]
    biases = [rng.normal(size=3), rng.normal(size=1)]
    return {"x": np.linspace(-2.0, 2.0, 9), "weights": weights, "biases": biases}


def _line_fit() -> dict[str, Any]:
    """A line's (intercept, slope) and 1-D data."""
    x, y = values_for("x", (4,)), values_for("y", (4,))
    return {"phi": np.array([0.5, -0.2]), "x": x, "y": y}


def _binary_task(**more: Any) -> Callable[[], dict[str, Any]]:
    """Inputs (4, 2) and labels 0/1, for the perceptron and the two-layer network."""

    def values() -> dict[str, Any]:
        return {"x": values_for("x", (4, 2)) - 0.5, "y": np.array([0, 1, 1, 0]), **more}

    return values


def _two_layer() -> dict[str, Any]:
    return {**_binary_task()(), "params": pkg("init_two_layer")(2, 3)}


def _toy(names: str) -> Callable[[], dict[str, Any]]:
    """The toy model's x, y, 8 parameters and forward and backward dicts."""

    def values() -> dict[str, Any]:
        params = [0.1, 0.2, -0.3, 0.4, 1.0, 0.5, -0.6, 0.7]
        forward = pkg("toy_forward")(0.5, params)
        backward = pkg("toy_backward")(0.3, params, forward)
        found = {"x": 0.5, "y": 0.3, "params": params, "forward": forward}
        found["backward"] = backward
        return {name: found[name] for name in names.split()}

    return values


def _signed_scores() -> dict[str, Any]:
    """Scores and labels -1 or +1, for the hinge loss."""
    return {"scores": values_for("scores", (4,)), "labels": np.array([1.0, -1, 1, -1])}


def _two_distributions() -> dict[str, Any]:
    """Two probability vectors over three classes."""
    return {"p": np.array([0.2, 0.3, 0.5]), "q": np.array([0.6, 0.3, 0.1])}


def _normalized(name: str, backward: bool = False) -> Callable[[], dict[str, Any]]:
    """A batch (4, 3) for batch_norm or layer_norm, with gamma and delta; for their
    backward pass, the gradient, x_hat, inv_std and gamma of a forward pass."""

    def values() -> dict[str, Any]:
        x, gamma = values_for("x", (4, 3)), np.array([1.0, 2.0, 0.5])
        delta = np.array([0.0, -1.0, 1.0])
        if not backward:
            return {"x": x, "gamma": gamma, "delta": delta}
        _, x_hat, inv_std = pkg(name)(x, gamma, delta)
        grad_out = values_for("grad_out", (4, 3))
        return {
            "grad_out": grad_out,
            "x_hat": x_hat,
            "inv_std": inv_std,
            "gamma": gamma,
        }

    return values


def _normalize_backward() -> dict[str, Any]:
    x_hat, inv_std = pkg("normalize")(values_for("x", (4, 3)), 0)
    grad = values_for("grad", (4, 3))
    return {"grad_x_hat": grad, "x_hat": x_hat, "inv_std": inv_std, "axis": 0}


def _sequential_and_batch() -> dict[str, Any]:
    """A small normalized MLP (2 inputs) and a float32 batch (4, 2) for it."""
    return {"model": pkg("normalized_mlp")([2, 3, 2], "batch"), "x": _torch_batch()}


# qualified-name suffix -> a function returning good values (fresh every time)
def _tanh_layer() -> dict[str, Any]:
    """One tanh layer (x, W, b) from 3 inputs to 2 outputs (the derivatives chapter)."""
    W = np.array([[0.5, -1.0, 0.25], [0.3, 0.8, -0.5]])
    return {"x": np.array([0.5, -1.0, 2.0]), "W": W, "b": np.array([0.1, -0.2])}


# the convolutional networks chapter: a batch of 2 signals of 3 channels and 8
# positions through 4 kernels of 3 taps (output: 6 positions), and 2 images of 2
# channels and 5 x 4 pixels through 3 kernels of 2 x 2 (output: 4 x 3 pixels)
def _signals() -> dict[str, Any]:
    return {
        "x": values_for("x", (2, 3, 8)),
        "weight": values_for("weight", (4, 3, 3)),
        "bias": values_for("bias", (4,)),
    }


def _signals_backward() -> dict[str, Any]:
    values = _signals()
    del values["bias"]
    return {**values, "grad_z": values_for("grad_z", (2, 4, 6))}


def _images() -> dict[str, Any]:
    return {
        "x": values_for("x", (2, 2, 5, 4)),
        "weight": values_for("weight", (3, 2, 2, 2)),
        "bias": values_for("bias", (3,)),
    }


def _images_backward() -> dict[str, Any]:
    values = _images()
    del values["bias"]
    return {**values, "grad_z": values_for("grad_z", (2, 3, 4, 3))}


def _pooled(backward: bool) -> Callable[[], dict[str, Any]]:
    """Windows of 2 over 8 positions: 4 outputs."""

    def values() -> dict[str, Any]:
        found = {"x": values_for("x", (2, 3, 8)), "kernel_size": 2}
        if backward:
            found["grad_z"] = values_for("grad_z", (2, 3, 4))
        return found

    return values


def _recurrent(n_blocks: int = 1, **extra: tuple[int, ...]) -> Callable:
    """A cell's phi (2 inputs, 3 hidden units; 1 block for an RNN, 3 for a GRU), a
    step's x_t (4, 2) and h_prev (4, 3), and arrays of the shapes named in extra."""

    def values() -> dict[str, Any]:
        phi = pkg("init_cell")(2, 3, n_blocks)
        found = {"phi": phi}
        shapes = {"x_t": (4, 2), "h_prev": (4, 3), **extra}
        for name, shape in shapes.items():
            if shape:
                found[name] = values_for(name, shape)
        return found

    return values


_STACK = [(3, 1, 1), (2, 2, 1), (3, 1, 2)]  # (kernel_size, stride, dilation)


def _torch_sequences() -> Any:
    """4 sequences of 5 float32 values, for a GRUClassifier of length 5."""
    import torch

    return torch.as_tensor(values_for("x", (4, 5)), dtype=torch.float32)


def _pretrained_weights() -> dict[str, Any]:
    """The results of transfer learning's pretrain, without training: the weights of
    a fresh CNN with five outputs under "phi." keys."""
    model = pkg("mnist1d_cnn")(n_classes=5)
    return {f"phi.{k}": v.numpy() for k, v in model.state_dict().items()}


def _sequence_run(*names: str) -> Callable:
    """A run of an RNN cell over 4 sequences of 5 steps: x (4, 5, 2), the states hs
    (4, 6, 3), the gradients dL_dhs (4, 5, 3), h0 (4, 3), and the cell's functions."""

    def values() -> dict[str, Any]:
        found = {
            "phi": pkg("init_cell")(2, 3),
            "cell": pkg("rnn_cell"),
            "cell_backward": pkg("rnn_cell_backward"),
            "x": values_for("x", (4, 5, 2)),
            "hs": values_for("hs", (4, 6, 3)),
            "dL_dhs": values_for("dL_dhs", (4, 5, 3)),
            "h0": values_for("h0", (4, 3)),
        }
        return {name: found[name] for name in ("phi", *names)}

    return values


def _classified_tensors() -> dict[str, Any]:
    """A torch model [2, 3, 2], a float32 batch (4, 2) and its 4 class labels."""
    import torch

    return {
        "model": _torch_model(),
        "x": _torch_batch(),
        "y": torch.as_tensor([0, 1, 0, 1]),
    }


def _classifier_training() -> dict[str, Any]:
    """train_classifier's arguments: a model, its optimizer, pairs of tensors."""
    import torch

    found = _classified_tensors()
    pair = (found["x"], found["y"])
    optimizer = torch.optim.SGD(found["model"].parameters(), lr=0.1)
    return {
        "model": found["model"],
        "optimizer": optimizer,
        "train": pair,
        "sets": {"train": pair},
        "steps": 2,
        "batch_size": 2,
        "eval_every": 1,
    }


def _mnist1d_training() -> dict[str, Any]:
    """A model for MNIST-1D's 40 values and 10 classes, its optimizer, 2 steps."""
    import torch

    model = pkg("sequential_mlp")([40, 3, 10])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return {"model": model, "optimizer": optimizer, "steps": 2, "eval_every": 1}


def _record() -> dict[str, Any]:
    found = _classified_tensors()
    history = {"step": [], "a_loss": [], "a_error": []}
    sets = {"a": (found["x"], found["y"])}
    return {"history": history, "step": 0, "model": found["model"], "sets": sets}


def _dropout() -> dict[str, Any]:
    import torch

    h = _torch_batch()
    return {"h": h, "keep": torch.ones(h.shape, dtype=torch.bool), "p": 0.5}


def _shifts() -> dict[str, Any]:
    import torch

    return {"x": _torch_batch(), "shifts": torch.as_tensor([1, -2, 0, 3])}


OVERRIDES: dict[str, Callable[[], dict[str, Any]]] = {
    "measuring_performance.loss_and_error": _classified_tensors,
    "measuring_performance.record": _record,
    "measuring_performance.train_classifier": _classifier_training,
    "measuring_performance.train_on_mnist1d": _mnist1d_training,
    "measuring_performance.mnist1d_run": lambda: {"steps": 2, "eval_every": 1},
    "measuring_performance.chosen_on_validation": lambda: {
        "run": {"val_error": np.array([0.5, 0.3, 0.4])}
    },
    "regularization.regularized_run": lambda: {"steps": 100},
    "regularization.accuracy_at": lambda: {
        "run": {"test_error": np.array([0.5, 0.3, 0.4])}
    },
    "regularization.dropout": _dropout,
    "regularization.circular_shift": _shifts,
    "fit": lambda: {**_fit(), "batch_size": 2},
    "model_accuracy": _labelled,
    "ArrayDataset": lambda: {k: _labelled()[k] for k in ("x", "y")},
    "train_epoch": _loop(optimizer=True),
    "pytorch.evaluate": _loop(optimizer=False),
    "load_state": lambda: {
        "model": _torch_model(),
        "data": pkg("save_state")(_torch_model()),
    },
    "torch_step": _torch_step,
    "TorchMLP.forward": lambda: {"x": _torch_batch()},
    "scalar_autodiff.engine.MLP.__call__": lambda: {"x": [0.5, -1.0]},
    "scratch_step": lambda: {
        "model": _scratch_mlp(),
        "x": values_for("x", (4, 2)),
        "y": np.array([0, 1, 0, 1]),
        "lr": 0.1,
    },
    "sgd_step": lambda: {"parameters": _tensors_with_gradients(), "lr": 0.1},
    "tensor_autodiff.cross_entropy": lambda: {
        "logits": _tensor((4, 3), "logits"),
        "targets": np.array([0, 2, 1, 0]),
    },
    "tensor_autodiff.hinge_loss": lambda: {
        "scores": _tensor((4, 1), "scores"),
        "labels": np.array([[1.0], [-1.0], [1.0], [-1.0]]),
    },
    "losses.hinge_loss": _signed_scores,
    "losses.hinge_loss_gradient": _signed_scores,
    "losses.entropy": lambda: {"p": np.array([0.2, 0.3, 0.5])},
    "losses.kl_divergence": _two_distributions,
    "losses.distribution_cross_entropy": _two_distributions,
    "sigmoid_chain_gradient": lambda: {
        "weights": np.array([8.0, 8.0, 8.0]),
        "biases": np.array([-4.0, -4.0, -4.0]),
        "x": 0.5,
    },
    "finite_difference_errors": lambda: {
        "f": np.sin,
        "df": np.cos,
        "x": 0.5,
        "step_sizes": np.array([1e-1, 1e-2, 1e-3]),
    },
    "auc": lambda: {"fpr": np.array([0.0, 0.5, 1.0]), "tpr": np.array([0.0, 0.7, 1.0])},
    "tanh_layer": _tanh_layer,
    "tanh_layer_jacobian": _tanh_layer,
    "tanh_layer_vjp": lambda: {"v": np.array([1.0, -2.0]), **_tanh_layer()},
    "count_linear_regions": _one_input_network,
    "problems.least_squares_loss": _line_fit,
    "problems.least_squares_gradient": _line_fit,
    "train_perceptron": _binary_task(max_epochs=2),
    "train_two_layer": _binary_task(epochs=2),
    "two_layer_forward": _two_layer,
    "two_layer_gradients": _two_layer,
    "toy_forward": _toy("x params"),
    "toy_loss": _toy("x y params"),
    "toy_backward": _toy("y params forward"),
    "toy_parameter_gradients": _toy("x forward backward"),
    "toy_gradients": _toy("x y params"),
    "toy_numerical_gradients": _toy("x y params"),
    "SGDRun": lambda: {"path": np.zeros((3, 2)), "examples_seen": np.array([0, 4, 8])},
    "nearest_neighbour_predict": lambda: {
        "x_train": values_for("x_train", (4, 2)),
        "y_train": np.array([0, 1, 0, 1]),
        "x_query": values_for("x_query", (3, 2)),
    },
    "normalization.normalize": lambda: {"x": values_for("x", (4, 3)), "axis": 0},
    "normalize_backward": _normalize_backward,
    "normalization.batch_norm": _normalized("batch_norm"),
    "batch_norm_backward": _normalized("batch_norm", backward=True),
    "normalization.layer_norm": _normalized("layer_norm"),
    "layer_norm_backward": _normalized("layer_norm", backward=True),
    "build_variant": lambda: {"variant": "batch norm", "layer_sizes": [2, 3, 2]},
    "relu_inputs": _sequential_and_batch,
    "relu_input_spread": _sequential_and_batch,
    "dead_unit_share": _sequential_and_batch,
    "normalization_sweep": lambda: {
        "depth": 2,
        "width": 3,
        "lrs": [0.1],
        "epochs": 1,
        "batch_size": 2000,
    },
    "trajectory": lambda: {
        "optimizer_class": pkg("SGD"),
        "gradient": square_error_derivative,
        "start": [1.0, 1.0],
        "steps": 2,
        "**": {"lr": 0.1},
    },
    "segment_backward": lambda: {
        **{k: v for k, v in _one_input_network().items() if k != "x"},
        "h_start": values_for("h_start", (4, 1)),
        "dl_dout": values_for("dl_dout", (4, 1)),
        "is_last": False,
    },
    "layer_gradient_norms": lambda: {"activation": "relu", "weight_variance": 0.1},
    **{
        f"convolutional_networks.{name}": _signals for name in ("conv1d", "conv1d_loop")
    },
    **{
        f"convolutional_networks.{name}": _signals_backward
        for name in ("conv1d_backward", "conv1d_loop_backward")
    },
    **{f"convolutional_networks.{name}": _images for name in ("conv2d", "conv2d_loop")},
    **{
        f"convolutional_networks.{name}": _images_backward
        for name in ("conv2d_backward", "conv2d_loop_backward")
    },
    "convolutional_networks.windows_1d": lambda: {
        "x": _signals()["x"],
        "kernel_size": 3,
    },
    "convolutional_networks.windows_2d": lambda: {
        "x": _images()["x"],
        "kernel_size": (2, 2),
    },
    "convolutional_networks.add_windows_back": lambda: {
        "windows": pkg("windows_1d")(_signals()["x"], 3),
        "n": 8,
    },
    "convolutional_networks.add_windows_back_2d": lambda: {
        "windows": pkg("windows_2d")(_images()["x"], (2, 2)),
        "n": (5, 4),
    },
    **{
        f"convolutional_networks.{name}": _pooled(backward="backward" in name)
        for name in (
            "max_pool1d",
            "avg_pool1d",
            "max_pool1d_backward",
            "avg_pool1d_backward",
        )
    },
    "convolutional_networks.receptive_field": lambda: {"layers": _STACK},
    "convolutional_networks.unit_gradients": lambda: {"layers": _STACK, "n": 16},
    "convolutional_networks.measured_receptive_field": lambda: {
        "layers": _STACK,
        "n": 16,
    },
    "convolutional_networks.equivariance_gap": lambda: {
        "layer": np.negative,
        "x": values_for("x", (1, 1, 8)),
        "k": 2,
    },
    "convolutional_networks.pair": lambda: {"value": 3},
    "convolutional_networks.mnist1d_cnn_run": lambda: {"steps": 2, "eval_every": 1},
    # shuffled positions: two data sets, one the other with its columns reordered
    "shuffled_positions.recover_permutation": lambda: {
        "x": values_for("x", (4, 3)),
        "x_shuffled": values_for("x", (4, 3))[:, [2, 0, 1]],
    },
    "shuffled_positions.permute_first_layer": _linear_and_permutation,
    "shuffled_positions.mnist1d_logistic_run": lambda: {"steps": 2, "eval_every": 1},
    # recurrent networks: a cell's phi, its inputs and states
    "recurrent_networks.affine_parts": _recurrent(),
    "recurrent_networks.rnn_cell": _recurrent(),
    "recurrent_networks.gru_cell": _recurrent(3),
    "recurrent_networks.affine_parts_backward": _recurrent(d_ax=(4, 3), d_ah=(4, 3)),
    "recurrent_networks.rnn_cell_backward": _recurrent(dh=(4, 3)),
    "recurrent_networks.gru_cell_backward": _recurrent(3, dh=(4, 3)),
    "recurrent_networks.run_sequence": _sequence_run("cell", "x", "h0"),
    "recurrent_networks.backpropagate_through_time": _sequence_run(
        "cell_backward", "x", "hs", "dL_dhs"
    ),
    "recurrent_networks.hidden_gradient_norms": _sequence_run(
        "cell", "cell_backward", "x"
    ),
    "recurrent_networks.torch_layer_like": lambda: {
        "phi": pkg("init_cell")(2, 3),
        "kind": "rnn",
    },
    "recurrent_networks.GRUClassifier": lambda: {
        "hidden_size": 2,
        "length": 5,
        "n_classes": 3,
    },
    "recurrent_networks.GRUClassifier.forward": lambda: {"x": _torch_sequences()},
    # transfer learning: digits 5, 7 and 9 of six labels, a CNN and its weights
    "transfer_learning.class_split": lambda: {
        "x": values_for("x", (6, 2)),
        "y": np.array([5, 0, 9, 7, 5, 3]),
        "classes": (5, 7, 9),
    },
    "transfer_learning.balanced_subset": lambda: {
        "y": np.array([0, 0, 1, 1, 2, 2]),
        "n": 3,
        "seed": 0,
    },
    "transfer_learning.task": lambda: {"classes": (5, 6), "device": "cpu"},
    "transfer_learning.pretrained_cnn": lambda: {"pretrained": _pretrained_weights()},
    "transfer_learning.new_head": lambda: {
        "model": pkg("mnist1d_cnn")(channels=2),
        "n_classes": 3,
    },
    "transfer_learning.freeze_features": lambda: {
        "model": pkg("mnist1d_cnn")(channels=2)
    },
    "transfer_learning.target_model": lambda: {
        "method": "frozen",
        "pretrained": _pretrained_weights(),
        "seed": 0,
    },
    "transfer_learning.target_accuracy": lambda: {
        "method": "frozen",
        "n_target": 5,
        "pretrained": _pretrained_weights(),
        "steps": 2,
        "device": "cpu",
    },
    "transfer_learning.transfer_comparison": lambda: {
        "sizes": (10,),
        "seeds": (0, 1),
        "steps": 2,
        "pretrain_steps": 2,
        "device": "cpu",
    },
    "bias_variance.predictions_over_datasets": lambda: {
        "datasets": [(values_for("x", (5,)), values_for("y", (5,)))] * 2,
        "x_test": values_for("x_test", (3,)),
        "n_hidden": 2,
    },
    "bias_variance.bias_variance_noise": lambda: {
        "predictions": values_for("predictions", (4, 3)),
        "mu_test": values_for("mu_test", (3,)),
        "noise_std": 0.3,
    },
    "bias_variance.bias_variance_sweep": lambda: {
        "capacities": [1, 2],
        "n_examples": 5,
        "n_datasets": 3,
        "n_test": 4,
        "n_shown": 2,
    },
    "double_descent.flip_labels": lambda: {
        "y": np.array([0, 2, 1, 0]),
        "fraction": 0.5,
        "n_classes": 3,
    },
    "double_descent.train_to_interpolation": lambda: {
        **_model_and_batch(),
        "steps": 2,
        "lr": 0.01,
    },
    "double_descent.error_and_loss": lambda: _model_and_batch(),
    "double_descent.double_descent_sweep": lambda: {
        "widths": [2, 3],
        "n_train": 20,
        "steps": 2,
        "n_runs": 1,
        "device": "cpu",
    },
    "double_descent.peak_parameters_per_example": lambda: {
        "sweep": {
            "test_error": np.array([[0.5, 0.6], [0.4, 0.7]]),
            "parameters": np.array([10, 20]),
            "n_train": 10,
        }
    },
}


def matches(qualname: str, key: str) -> bool:
    """Whether ``key`` is a suffix of ``qualname`` made of whole name parts."""
    return qualname == key or qualname.endswith("." + key)


def override_for(qualname: str) -> tuple[str, Callable[[], dict]] | None:
    for key, values in OVERRIDES.items():
        if matches(qualname, key):
            return key, values
    return None


# ---------------------------------------------------------------- bad values


def category(value: Any) -> str:
    import torch

    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, torch.Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu":
            return "int_array"
        return "array" if value.dtype.kind == "f" else "object"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)) and value:
        integers = (int, np.integer)
        if all(isinstance(v, integers) and not isinstance(v, bool) for v in value):
            return "sizes"
        if all(isinstance(v, (float, np.floating)) for v in value):
            return "floats"
        if all(isinstance(v, np.ndarray) for v in value):
            return "array_list"
    return "callable" if callable(value) else "object"


def with_nan(array: np.ndarray) -> np.ndarray:
    bad = np.array(array, dtype=float, copy=True)
    bad.flat[0] = np.nan
    return bad


def shape_changes(array: np.ndarray) -> list[tuple[str, Any]]:
    changes: list[tuple[str, Any]] = [("extra_dim", np.stack([array, array]))]
    if array.ndim == 2 and array.shape[0] != array.shape[1]:
        changes.append(("transposed", array.T.copy()))
    if array.ndim >= 1 and array.shape[-1] > 1:
        changes.append(("wrong_length", array[..., :-1].copy()))
    elif array.ndim >= 1 and array.shape[0] > 1:
        changes.append(("wrong_length", array[:-1].copy()))
    return changes


def catalogue(good: Any, shapes_matter: bool) -> list[tuple[str, Any]]:
    """The bad values (kind, value) that fit the type of the good value ``good``."""
    kind = category(good)
    bad: list[tuple[str, Any]] = [("none", None)]
    bad.append(("string", "abc") if kind != "str" else ("unknown_str", "abc"))
    if kind == "int":
        bad += [("zero", 0), ("negative", -1), ("true", True), ("false", False)]
        bad.append(("float_for_int", 1.5))
    elif kind == "float":
        bad += [("zero", 0.0), ("negative", -1.0)]
        bad += [("nan", float("nan")), ("inf", float("inf"))]
    elif kind == "str":
        bad.append(("number", 1.0))
    elif kind in ("array", "int_array"):
        bad.append(("empty", np.empty((0,) + good.shape[1:], dtype=good.dtype)))
        if kind == "array":
            bad.append(("nan", with_nan(good)))
        else:
            bad.append(("float_labels", good.astype(float) + 0.5))
            negative = good.copy()
            negative.flat[0] = -1
            bad.append(("negative_label", negative))
        bad.append(("ragged", [[1.0, 2.0], [3.0]]))
        if shapes_matter or good.ndim >= 2:
            bad += shape_changes(good)
    elif kind == "sizes":
        head, make = list(good)[:-1], type(good)
        bad.append(("zero_entry", make(head + [0])))
        bad.append(("negative_entry", make(head + [-1])))
        bad.append(("float_entry", make(head + [1.5])))
        bad.append(("bool_entry", make(head + [True])))
        bad.append(("empty", make()))
    elif kind == "floats":
        values, make = list(good), type(good)
        bad += [("empty", make()), ("wrong_length", make(values[:-1]))]
        bad.append(("nan", make([float("nan")] + values[1:])))
    elif kind == "array_list":
        arrays = [np.array(a, copy=True) for a in good]
        bad += [("empty", []), ("nan", [with_nan(arrays[0])] + arrays[1:])]
        for i, a in enumerate(arrays):
            if a.ndim == 2 and a.shape[0] != a.shape[1]:
                bad.append(("transposed", arrays[:i] + [a.T.copy()] + arrays[i + 1 :]))
                break
        if len(arrays) > 1:
            bad.append(("wrong_length", arrays[:-1]))
        bad.append(("extra_dim", [np.stack([arrays[0], arrays[0]])] + arrays[1:]))
    elif kind == "dict":
        keys = list(good)
        bad.append(("empty", {}))
        if keys:
            bad.append(("missing_key", {k: good[k] for k in keys[1:]}))
            first = next((k for k in keys if isinstance(good[k], np.ndarray)), None)
            if first is not None and good[first].dtype.kind == "f":
                bad.append(("nan", {**good, first: with_nan(good[first])}))
    elif kind == "tensor":
        import torch

        bad.append(("empty", good[:0].clone()))
        if good.is_floating_point():
            nan = good.clone()
            nan.view(-1)[0] = float("nan")
            bad.append(("nan", nan))
        bad.append(("extra_dim", torch.stack([good, good])))
        if good.ndim >= 1 and good.shape[-1] > 1:
            bad.append(("wrong_length", good[..., :-1].clone()))
    return bad


def same_as_default(value: Any, default: Any) -> bool:
    """Whether a bad value equals the parameter's default (then it is not bad)."""
    if default is inspect.Parameter.empty:
        return False
    if value is None or default is None:
        return value is default
    scalars = (bool, int, float, str)
    if isinstance(value, scalars) and isinstance(default, scalars):
        return type(value) is type(default) and value == default
    return False


# ---------------------------------------------------------------- calling


class CallTimeout(BaseException):
    """Raised by the timer; a BaseException, so that ``except Exception`` cannot
    swallow it."""


def on_alarm(signum: int, frame: Any) -> None:
    raise CallTimeout()


@dataclass
class Outcome:
    raised: str | None  # the exception's class name, or None when it returned
    message: str = ""
    returned: str = ""
    exception: BaseException | None = None


def describe(result: Any) -> str:
    """A short description of a returned value, saying whether it holds NaN."""
    if isinstance(result, np.ndarray):
        nan = result.dtype.kind == "f" and np.isnan(result).any()
        return f"ndarray{result.shape}{' with NaN' if nan else ''}"
    if isinstance(result, float):
        return f"float {result:.4g}"
    if isinstance(result, (list, tuple)) and result:
        arrays = [r for r in result if isinstance(r, np.ndarray)]
        arrays = [a for a in arrays if a.dtype.kind == "f"]
        nan = any(np.isnan(a).any() for a in arrays)
        return f"{type(result).__name__} of {len(result)}{' with NaN' if nan else ''}"
    try:
        text = " ".join(repr(result).split())
    except Exception:  # noqa: BLE001 - a broken object: its type will do
        text = f"a {type(result).__name__} (repr fails)"
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return text if len(text) <= 60 else text[:57] + "..."


def call(func: Callable, args: list, kwargs: dict) -> Outcome:
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        result = func(*args, **kwargs)
        returned = describe(result)
    except CallTimeout:
        return Outcome("timeout", f"no answer in {CALL_SECONDS:g} s")
    except (Exception, SystemExit) as error:  # noqa: BLE001 - it is what we classify
        message = " ".join(str(error).split())
        return Outcome(type(error).__name__, message[:300], exception=error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return Outcome(None, returned=returned)


def names_parameter(message: str, name: str) -> bool:
    word = re.escape(name.lstrip("*"))
    return re.search(rf"(?<![A-Za-z0-9_]){word}(?![A-Za-z0-9_])", message) is not None


def classify(outcome: Outcome, param: str) -> str:
    if outcome.raised is None:
        return "silent"
    checked = isinstance(outcome.exception, (ValueError, TypeError))
    return "clear" if checked and names_parameter(outcome.message, param) else "unclear"


# ---------------------------------------------------------------- probing


def shape_carriers(values: dict[str, Any], method: bool) -> int:
    """How many arguments carry a shape that another one must match."""
    import torch

    count = int(method)
    for name, value in values.items():
        kind = category(value)
        if isinstance(value, (np.ndarray, torch.Tensor)):
            count += 1
        elif kind in ("array_list", "floats"):
            count += 1
        elif SIZE_LIKE.match(name) and kind in ("int", "sizes"):
            count += 1
        elif type(value).__name__ == "Tensor":
            count += 1
    return count


@dataclass
class Probe:
    """A callable whose good call was found: makes fresh calls to it."""

    target: Target
    profile: Profile
    good: GoodCall  # of the callable itself (of the method, for a method)
    ctor: GoodCall | None = None  # for a method: of its class's constructor

    def function(self) -> Callable:
        if self.target.kind != "method":
            return self.target.obj
        args, kwargs = self.ctor.arguments()
        return getattr(self.target.owner(*args, **kwargs), self.target.obj)


def find_good_call(target: Target) -> tuple[Probe | None, str, str | None]:
    """The first profile whose call succeeds, its name and the override used; or
    None and why each profile failed."""
    found = override_for(target.qualname)
    key, override = found if found else (None, None)
    failures = []
    for profile in PROFILES:
        try:
            if target.kind == "method":
                owner = override_for(target.qualname.rsplit(".", 1)[0])
                ctor = GoodCall(target.owner, profile, override=owner and owner[1])
                args, kwargs = ctor.arguments()
                method = getattr(target.owner(*args, **kwargs), target.obj)
                good = GoodCall(method, profile, override=override)
                probe = Probe(target, profile, good, ctor)
            else:
                good = GoodCall(target.obj, profile, override=override)
                probe = Probe(target, profile, good)
            args, kwargs = probe.good.arguments()
            outcome = call(probe.function(), args, kwargs)
        except NoGuess as error:
            failures.append(f"{profile.name}: no guess for {error}")
            continue
        except Exception as error:  # noqa: BLE001 - an override or constructor failed
            failures.append(f"{profile.name}: {type(error).__name__}: {error}")
            continue
        if outcome.raised is None:
            return probe, profile.name, key
        failures.append(f"{profile.name}: {outcome.raised}: {outcome.message[:160]}")
    return None, "; ".join(failures), key


def probeable_parameters(target: Target) -> list[str]:
    """The parameters a bad value can be given to (not self, not ``**kwargs``)."""
    if target.kind == "method":
        function = getattr(target.owner, target.obj)
    else:
        function = target.obj
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return []
    if target.kind == "method":
        static = inspect.getattr_static(target.owner, target.obj)
        if not isinstance(static, staticmethod):
            parameters = parameters[1:]  # self, or the cls of a classmethod
    return [p.name for p in parameters if p.kind is not p.VAR_KEYWORD]


def probe_target(target: Target) -> Iterator[dict]:
    """Records: a "good" record then one per bad call, or why there are none."""
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    signal.signal(signal.SIGALRM, on_alarm)
    base = {"target": target.qualname, "module": target.module, "kind": target.kind}
    if not probeable_parameters(target):
        yield {**base, "record": "no_parameters"}
        return
    probe, detail, override = find_good_call(target)
    if probe is None:
        yield {**base, "record": "no_good_call", "why": detail, "override": override}
        return
    container = target.kind == "class" and is_data_container(target.obj)
    yield {
        **base,
        "record": "good",
        "profile": detail,
        "override": override,
        "data_container": container,
    }
    good = probe.good
    values = good.values()
    shapes_matter = shape_carriers(values, target.kind == "method") >= 2
    for p in good.params:
        if p.kind is p.VAR_KEYWORD:
            continue
        try:
            typical = values[p.name] if p.name in values else good.typical(p)
        except NoGuess:
            typical = object()  # unknown type: only None and "abc"
        if p.kind is p.VAR_POSITIONAL:
            typical = typical[0]
        none_is_legal = allows_none(good.annotation(p))
        for kind, bad in catalogue(typical, shapes_matter):
            if same_as_default(bad, p.default) or (bad is None and none_is_legal):
                continue
            yield {**base, "param": p.name, "bad": kind, **try_bad(probe, p, bad, kind)}


def try_bad(probe: Probe, p: inspect.Parameter, bad: Any, kind: str) -> dict:
    """Call with the bad value ``bad`` for ``p`` and the good values for the rest."""
    good = probe.good
    try:
        values = good.values()
        if p.kind is p.VAR_POSITIONAL:
            values[p.name] = [bad] + list(values[p.name])[1:]
        else:
            values[p.name] = bad
        args, kwargs = good.call_arguments(values)
        function = probe.function()
    except Exception as error:  # noqa: BLE001 - the good call could not be rebuilt
        return {"record": "error", "what": f"cannot rebuild the call: {error!r}"[:200]}
    outcome = call(function, args, kwargs)
    result = classify(outcome, p.name)
    if result == "silent" and is_allowed(probe.target.qualname, p.name, kind):
        result = "accepted"
    if outcome.raised is None:
        what = f"returned {outcome.returned}"
    else:
        what = f"{outcome.raised}: {outcome.message}"
    what = what[:240]
    type_error = kind in TYPE_KINDS
    return {"record": "call", "result": result, "what": what, "type_error": type_error}


def is_allowed(qualname: str, param: str, kind: str) -> bool:
    return any(
        matches(qualname, key) and (p, k) == (param, kind) for key, p, k in ALLOWED
    )


def probe_all(targets: list[Target]) -> Iterator[dict]:
    """Probe in this process, with a "start" record before each target's records."""
    for target in targets:
        yield {"target": target.qualname, "record": "start"}
        yield from probe_target(target)


def run_isolated(targets: list[Target]) -> list[dict]:
    """Probe the targets in a forked child that streams its records back. If the
    child dies or a target takes over TARGET_SECONDS, that target gets a record (an
    unclear call when the package crashed the interpreter or hung, an error when
    the probe itself failed) and a new child goes on with the next target."""
    if not hasattr(os, "fork"):
        return [r for r in probe_all(targets) if r["record"] != "start"]
    records: list[dict] = []
    by_name = {t.qualname: t for t in targets}
    remaining = list(targets)
    while remaining:
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            status = 0
            try:
                os.close(read_end)
                with os.fdopen(write_end, "w") as out:
                    for record in probe_all(remaining):
                        out.write(json.dumps(record, default=str) + "\n")
                        out.flush()
            except BaseException:  # noqa: BLE001 - a bug of the probe: say so, leave
                traceback.print_exc()
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        current, done, probing, hung = None, set(), set(), False
        deadline, buffer = time.monotonic() + TARGET_SECONDS, b""
        with os.fdopen(read_end, "rb") as source:
            while True:
                left = max(deadline - time.monotonic(), 0)
                if not select.select([source], [], [], left)[0]:
                    os.kill(pid, signal.SIGKILL)
                    hung = True
                    break
                chunk = os.read(source.fileno(), 1 << 16)
                if not chunk:
                    break
                *lines, buffer = (buffer + chunk).split(b"\n")
                for record in map(json.loads, filter(None, lines)):
                    if record["record"] != "start":
                        records.append(record)
                        if record["record"] == "good":
                            probing.add(record["target"])
                        continue
                    if current:
                        done.add(current)
                    current = record["target"]
                    deadline = time.monotonic() + TARGET_SECONDS
        _, status = os.waitpid(pid, 0)
        if not hung and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            break
        current = current or remaining[0].qualname
        target = by_name[current]
        base = {"target": current, "module": target.module, "kind": target.kind}
        if hung or os.WIFSIGNALED(status):
            what = "timed out" if hung else f"crashed (signal {os.WTERMSIG(status)})"
            if current not in probing:  # while looking for a good call
                why = f"the search {what}"
                records.append({**base, "record": "no_good_call", "why": why})
            else:
                crash = {"param": "?", "bad": "?", "result": "unclear"}
                crash |= {"type_error": False, "what": f"a call {what}"}
                records.append({**base, "record": "call", **crash})
        else:
            records.append({**base, "record": "error", "what": "the probe failed"})
        done.add(current)
        remaining = [t for t in remaining if t.qualname not in done]
    return records


# ---------------------------------------------------------------- report


def short(name: str) -> str:
    return name.removeprefix(PACKAGE + ".")


@dataclass
class Totals:
    tried: int = 0
    counts: Counter = field(default_factory=Counter)

    def add(self, result: str) -> None:
        self.tried += 1
        self.counts[result] += 1

    @property
    def clear_share(self) -> float:
        """Clear errors among the bad inputs: values legal by design are not bad."""
        bad = self.tried - self.counts["accepted"]
        return 100.0 * self.counts["clear"] / bad if bad else 0.0

    def row(self, label: str, width: int) -> str:
        c = self.counts
        return (
            f"{label:<{width}} {self.tried:>6} {c['clear']:>6} {c['unclear']:>7} "
            f"{c['silent']:>6} {c['accepted']:>8} {self.clear_share:>6.1f}%"
        )


def print_case(r: dict) -> None:
    print(f"  {short(r['target'])}({r['param']}={r['bad']}): {r['what']}")


def spread(cases: list[dict], n: int) -> list[dict]:
    """Up to ``n`` cases, one per callable, taking the modules in turn; for each
    callable its first case other than None or "abc" (those say less)."""
    by_module: dict[str, list[dict]] = defaultdict(list)
    seen: set[str] = set()
    for r in sorted(cases, key=lambda r: r["bad"] in ("none", "string")):
        if r["target"] not in seen:
            seen.add(r["target"])
            by_module[r["module"]].append(r)
    picked: list[dict] = []
    queues = [list(reversed(queue)) for _, queue in sorted(by_module.items())]
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop())
    return picked


def report(
    records: list[dict],
    targets: list[Target],
    all_targets: list[Target],
    details: bool,
    seconds: float,
) -> dict:
    """Print the totals, the table per module and the cases; return the numbers."""
    calls = [r for r in records if r["record"] == "call"]
    no_good = [r for r in records if r["record"] == "no_good_call"]
    errors = [r for r in records if r["record"] == "error"]
    total, by_module = Totals(), defaultdict(Totals)
    for r in calls:
        total.add(r["result"])
        by_module[r["module"]].add(r["result"])
    kinds = Counter(t.kind for t in targets)
    no_parameters = sum(r["record"] == "no_parameters" for r in records)
    good = sum(r["record"] == "good" for r in records)
    print(
        f"probed {len(targets)} callables of {PACKAGE} ({kinds['function']} functions, "
        f"{kinds['class']} classes, {kinds['method']} methods) in {seconds:.0f} s: "
        f"good call found for {good}, none for {len(no_good)}, "
        f"{no_parameters} take no arguments\n"
    )
    width = max([len(short(m)) for m in by_module] + [10])
    header = f"{'module':<{width}} {'tried':>6} {'clear':>6} {'unclear':>7} "
    header += f"{'silent':>6} {'accepted':>8} {'clear%':>7}"
    print(header, "-" * len(header), sep="\n")
    for module in sorted(by_module):
        print(by_module[module].row(short(module), width))
    print("-" * len(header))
    print(total.row("total", width))

    silent = [r for r in calls if r["result"] == "silent"]
    wrong_type = [r for r in silent if r["type_error"]]
    wrong_value = [r for r in silent if not r["type_error"]]
    containers = {r["target"] for r in records if r.get("data_container")}
    in_containers = sum(r["target"] in containers for r in silent)
    print(
        f"\nsilent: {len(wrong_type)} with a wrong type (None, a string, a bool for "
        f"an int...), {len(wrong_value)} with a wrong value of the right type (zero, "
        f"negative, NaN, a shape...: may be legal, judge); {in_containers} of them "
        f"from the constructors of {len(containers)} dataclasses/NamedTuples"
    )
    for name, why in IMPORT_ERRORS.items():
        print(f"module that failed to import: {short(name)}: {why[:150]}")
    for r in no_good:
        print(f"no good call found: {short(r['target'])}: {r['why'][:300]}")
    for r in errors:
        print(f"probe error: {short(r['target'])}: {r.get('what', '')[:150]}")
    matched = {k for t in all_targets for k in OVERRIDES if matches(t.qualname, k)}
    if set(OVERRIDES) - matched:
        unused = ", ".join(sorted(set(OVERRIDES) - matched))
        print(f"overrides that match no callable (renamed?): {unused}")

    unclear = [r for r in calls if r["result"] == "unclear"]
    reasons = Counter(r["what"].split(":")[0] for r in unclear)
    common = ", ".join(f"{name} {count}" for name, count in reasons.most_common(10))
    print(f"\nunclear, by what happened: {common}")
    if details:
        accepted = [r for r in calls if r["result"] == "accepted"]
        for title, cases in (
            ("unclear", unclear),
            ("silent with a wrong type", wrong_type),
            ("silent with a wrong value of the right type (may be legal)", wrong_value),
            ("accepted by design (ALLOWED)", accepted),
        ):
            print(f"\n{title}: {len(cases)}")
            for r in cases:
                print_case(r)
    else:
        for title, cases in (("unclear", unclear), ("silent", silent)):
            picked = spread(cases, 20)
            print(
                f"\n{len(picked)} {title} examples, one per callable, the modules in "
                f"turn (all {len(cases)} with --details):"
            )
            for r in picked:
                print_case(r)
    return {
        "tried": total.tried,
        **{k: total.counts[k] for k in ("clear", "unclear", "silent", "accepted")},
        "clear_percent": round(total.clear_share, 2),
        "callables": len(targets),
        "no_good_call": [r["target"] for r in no_good],
        "no_parameters": no_parameters,
        "per_module": {m: {"tried": t.tried, **t.counts} for m, t in by_module.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--details", action="store_true", help="every unclear and silent case"
    )
    parser.add_argument("--json", type=Path, help="write every record and the totals")
    parser.add_argument("--min-clear", type=float, help="percent; exit 1 when below")
    parser.add_argument("--max-silent", type=int, help="exit 1 when more silent calls")
    parser.add_argument("--only", help="probe only callables whose name contains this")
    args = parser.parse_args(argv)

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    warnings.simplefilter("ignore")
    started = time.monotonic()
    targets = discover_targets(discover_modules())
    build_registry(targets)
    chosen = [t for t in targets if not args.only or args.only in t.qualname]
    records = run_isolated(chosen)
    summary = report(records, chosen, targets, args.details, time.monotonic() - started)
    if args.json:
        data = {
            "summary": summary,
            "allowed": sorted(ALLOWED),
            "import_errors": IMPORT_ERRORS,
            "records": records,
        }
        args.json.write_text(json.dumps(data, indent=1, default=str) + "\n")

    failed = []
    if args.min_clear is not None and summary["clear_percent"] < args.min_clear:
        failed.append(f"clear {summary['clear_percent']:.1f}% < {args.min_clear}%")
    if args.max_silent is not None and summary["silent"] > args.max_silent:
        failed.append(f"silent {summary['silent']} > {args.max_silent}")
    if failed:
        print("\nnot met: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
