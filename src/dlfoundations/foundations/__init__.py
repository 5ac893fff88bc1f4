"""Mathematical foundations, one module per chapter, named like its page in
``docs/foundations/``: :mod:`~dlfoundations.foundations.functions` (the elementwise
functions networks are built from) and :mod:`~dlfoundations.foundations.derivatives`
(finite differences, analytic derivatives, the chain rule and gradients). Import from
the chapter modules themselves: this package imports nothing, so a figure that uses
one chapter is redrawn only when that chapter's module changes.
"""
