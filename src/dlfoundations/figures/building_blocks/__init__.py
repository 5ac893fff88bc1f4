"""Figures of the building blocks, one module per chapter page: ``neurons``,
``activations``, ``losses``, ``feedforward`` and ``metrics``."""
