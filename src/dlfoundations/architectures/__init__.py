"""Architectures: networks built for the structure of their data, one module per
chapter, named like its page in ``docs/architectures/``:
:mod:`~dlfoundations.architectures.convolutional_networks` (convolution and pooling
from scratch, receptive fields, a CNN against an MLP on MNIST-1D),
``recurrent_networks`` (RNN and GRU cells, backpropagation through time),
``shuffled_positions`` (what a fixed permutation of the inputs does to each model)
and ``transfer_learning`` (pretraining, frozen features, fine-tuning). Import from
the chapter modules themselves: this package imports nothing, so a figure that uses
one chapter is redrawn only when that chapter's modules change.
"""
