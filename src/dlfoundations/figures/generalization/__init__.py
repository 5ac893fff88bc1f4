"""Figures of generalization, one module per chapter page: ``measuring_performance``,
``bias_variance``, ``double_descent``, ``high_dimensional_spaces``, ``regularization``
and ``normalization``."""
