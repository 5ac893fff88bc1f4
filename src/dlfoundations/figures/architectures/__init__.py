"""Figures of architectures, one module per chapter page: ``convolutional_networks``,
``recurrent_networks``, ``shuffled_positions`` and ``transfer_learning``."""
