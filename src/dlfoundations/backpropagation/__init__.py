"""Backpropagation and automatic differentiation, one module per chapter, named like
its page in ``docs/backpropagation/``: :mod:`~dlfoundations.backpropagation.toy_model`
(gradients by hand for a chain of scalar functions),
:mod:`~dlfoundations.backpropagation.deep_networks` (the same in matrix form for a
deep ReLU network), the chapter package
:mod:`~dlfoundations.backpropagation.scalar_autodiff` (automatic differentiation: a
scalar engine and a drawing of its graph),
:mod:`~dlfoundations.backpropagation.tensor_autodiff` (automatic differentiation: a
tensor engine on NumPy arrays),
:mod:`~dlfoundations.backpropagation.pytorch` (the same model in PyTorch),
:mod:`~dlfoundations.backpropagation.initialization` and
:mod:`~dlfoundations.backpropagation.strengths_and_limits` (memory, checkpointing,
vanishing gradients, kinks, saddles, noisy data). Import from the chapter modules
themselves: this package imports nothing, so a figure that uses one chapter is redrawn
only when that chapter's modules change.
"""
