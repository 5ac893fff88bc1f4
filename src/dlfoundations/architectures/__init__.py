"""Part VI, architectures: networks shaped for their data, one module per chapter,
named like its page in ``docs/architectures/``: convolutional networks, recurrent
networks, shuffled positions and transfer learning. Import from the chapter modules
themselves: this package imports nothing, so a figure that uses one chapter is
redrawn only when that chapter's modules change.
"""
