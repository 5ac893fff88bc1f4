"""Automatic differentiation from scratch, a chapter package named like its page
``docs/backpropagation/autodiff.md``: a scalar engine and a tensor engine.

- :mod:`~dlfoundations.backpropagation.autodiff.scalar`: :class:`Value`, one number per
  node.
- :mod:`~dlfoundations.backpropagation.autodiff.tensor`: :class:`Tensor`, NumPy arrays
  with vector-Jacobian products.
- :mod:`~dlfoundations.backpropagation.autodiff.graph`: draws a ``Value`` graph with
  matplotlib.
"""

from dlfoundations.backpropagation.autodiff.scalar import Value, topological_order
from dlfoundations.backpropagation.autodiff.tensor import Tensor

__all__ = ["Tensor", "Value", "topological_order"]
