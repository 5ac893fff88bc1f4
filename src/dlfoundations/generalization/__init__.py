"""Part V, generalization: why a model that fits its data can still fail, measured.

Chapters: measuring performance (on MNIST-1D), the bias-variance trade-off, double
descent, high-dimensional spaces, regularization and normalization. ``mnist1d`` is
the part's dataset, shared by its chapters and by the architectures part.
"""
