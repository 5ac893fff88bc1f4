"""Backpropagation and automatic differentiation, one module per chapter, named like
its page in ``docs/backpropagation/``: :mod:`~dlfoundations.backpropagation.toy_model`
(gradients by hand for a chain of scalar functions),
:mod:`~dlfoundations.backpropagation.deep_networks` (the same in matrix form for a
deep ReLU network), the chapter package :mod:`~dlfoundations.backpropagation.autodiff`
(automatic differentiation from scratch: a scalar and a tensor engine),
:mod:`~dlfoundations.backpropagation.pytorch` (the same model in PyTorch),
:mod:`~dlfoundations.backpropagation.initialization` and
:mod:`~dlfoundations.backpropagation.strengths_and_limits` (memory, checkpointing,
vanishing gradients, kinks, saddles, noisy data). Import from the chapter modules
themselves: this package imports nothing, so a figure that uses one chapter is redrawn
only when that chapter's modules change.
"""
