"""Figures of backpropagation and automatic differentiation, one module per chapter
page: ``toy_model``, ``deep_networks``, ``autodiff``, ``pytorch`` and
``initialization``."""
