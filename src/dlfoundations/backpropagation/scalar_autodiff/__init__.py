"""Automatic differentiation: a scalar engine, a chapter package named like its page
``docs/backpropagation/scalar-autodiff.md``.

- :mod:`~dlfoundations.backpropagation.scalar_autodiff.engine`: :class:`Value`, one
  number per node of the computation graph, and reverse-mode accumulation.
- :mod:`~dlfoundations.backpropagation.scalar_autodiff.graph`: draws a ``Value``
  graph with matplotlib.

Import from these modules: the package imports nothing, so code that needs only the
engine does not load matplotlib.
"""
