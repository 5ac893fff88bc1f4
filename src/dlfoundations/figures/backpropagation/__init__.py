"""Figures of backpropagation and automatic differentiation, one module per chapter
page: ``toy_model``, ``deep_networks``, ``scalar_autodiff``,
``tensor_autodiff``, ``pytorch`` and ``initialization``."""
