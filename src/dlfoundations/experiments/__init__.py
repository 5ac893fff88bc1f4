"""Experiments: training runs and sweeps whose *results* are cached, apart from plots.

A figure that takes minutes must not be redrawn to change a colour. So the book
separates the two: an experiment is a function of its parameters that returns plain
results (NumPy arrays, numbers, strings), decorated with :func:`experiment`; figures
and pages call it and plot or print what it returns. Its results are cached on disk
by a key that hashes

- the experiment's own code, the helpers and constants of its module it uses, and
  every package module it imports (transitively), read from the source;
- its parameters (defaults included);
- the versions of Python, NumPy, PyTorch and scikit-learn, and the device it runs on.

So restyling a figure never retrains, and changing the code an experiment runs
always does. A result is written to a temporary file and renamed into place once
the experiment has returned: a failed or interrupted run leaves nothing behind, and
the error names the experiment and carries its traceback. Two processes asking for
the same result at once (the figure workers of one build) compute it once: the
second waits on a file lock and reads what the first wrote.

An experiment that trains with PyTorch declares a ``device`` parameter: it gets the
GPU when one is present (``dlfoundations.backpropagation.pytorch.get_device``), and
the result records which device produced it under ``"device"``. Experiments are
seeded and deterministic on the CPU.

Run them outside MkDocs: ``python -m dlfoundations.experiments`` (all of them, with
progress bars), ``--list``, or names. The cache lives in ``.cache/experiments/`` of
the working directory, or where ``DLF_EXPERIMENT_CACHE`` says.
"""

from dlfoundations.experiments._cache import (
    ExperimentError,
    cache_dir,
    experiment,
    progress,
    registered,
)

__all__ = ["ExperimentError", "cache_dir", "experiment", "progress", "registered"]
