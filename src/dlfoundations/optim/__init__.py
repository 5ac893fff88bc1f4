"""Part III, Optimization: the algorithms that fit a model's parameters to data.

- :mod:`dlfoundations.optim.problems`: shared test problems (a 1-D function with two
  minima, the 2-D linear-regression loss surface and a seeded dataset).
- :mod:`dlfoundations.optim.line_search`: bracketing and golden-section line search (chapter 8).
- :mod:`dlfoundations.optim.gradient_descent`: gradient descent with a fixed step or a line
  search (chapter 8); full-batch, stochastic and mini-batch gradient descent (chapter 9).
- :mod:`dlfoundations.optim.schedules`: learning-rate schedules (chapter 9).
"""

# Chapters 10 and 11: optimizers that match torch.optim.SGD and torch.optim.Adam step for step.
from dlfoundations.optim.sgd import SGD  # noqa: E402
from dlfoundations.optim.adam import Adam  # noqa: E402
