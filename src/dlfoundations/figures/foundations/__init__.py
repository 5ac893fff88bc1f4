"""Figures of the mathematical foundations, one module per chapter page:
``functions`` and ``derivatives``."""
