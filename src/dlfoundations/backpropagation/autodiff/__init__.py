"""Chapter 14, Automatic differentiation from scratch: a scalar engine and a tensor engine.

- :mod:`dlfoundations.autodiff.scalar`: :class:`Value`, one number per node.
- :mod:`dlfoundations.autodiff.tensor`: :class:`Tensor`, NumPy arrays with vector-Jacobian products.
- :mod:`dlfoundations.autodiff.graph`: draws a ``Value`` graph with matplotlib.
"""

from dlfoundations.backpropagation.autodiff.scalar import Value, topological_order
from dlfoundations.backpropagation.autodiff.tensor import Tensor

__all__ = ["Tensor", "Value", "topological_order"]
