"""Deep Learning Foundations: the tested code behind every snippet and figure of the book.

One module per topic, in the order of the book:

- Part I, mathematical foundations: :mod:`functions`, :mod:`derivatives`.
- :mod:`dlfoundations.figures` draws every figure of the site from these modules.
"""

__version__ = "0.1.0"
