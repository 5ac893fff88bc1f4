"""Building blocks, one module per chapter, named like its page in
``docs/building-blocks/``: :mod:`~dlfoundations.building_blocks.neurons` (artificial
neurons and perceptrons), :mod:`~dlfoundations.building_blocks.activations`,
:mod:`~dlfoundations.building_blocks.losses`,
:mod:`~dlfoundations.building_blocks.feedforward` (feedforward networks, supervised
learning and dataset splits) and :mod:`~dlfoundations.building_blocks.metrics`
(evaluation metrics). Import from the chapter modules themselves: this package imports
nothing, so a figure that uses one chapter is redrawn only when that chapter's module
changes.
"""
