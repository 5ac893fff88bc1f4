"""Deep Learning Foundations: the tested code behind every snippet and figure of the
book.

The package mirrors the book: one subpackage per part and one module per chapter,
named like the chapter's page (``docs/<part>/<chapter>.md`` is
``dlfoundations.<part>.<chapter>``, with underscores for hyphens):

- :mod:`dlfoundations.foundations`: ``functions``, ``derivatives``.
- :mod:`dlfoundations.building_blocks`: ``neurons``, ``activations``, ``losses``,
  ``feedforward``, ``metrics``.
- :mod:`dlfoundations.optimization`: ``gradient_descent``,
  ``stochastic_gradient_descent``, ``momentum``, ``adam``, and ``problems``, the test
  problems these chapters share.
- :mod:`dlfoundations.backpropagation`: ``toy_model``, ``deep_networks``,
  ``scalar_autodiff`` (a package: ``engine``, ``graph``), ``tensor_autodiff``,
  ``pytorch``, ``initialization``.
- :mod:`dlfoundations.figures` draws every figure of the site from these modules, with
  the same layout: ``figures/<part>/<chapter>.py``.
"""

__version__ = "0.1.0"
