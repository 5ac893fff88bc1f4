"""Figures of optimization, one module per chapter page: ``gradient_descent``,
``stochastic_gradient_descent``, ``momentum`` and ``adam``."""
