"""Part III, Optimization: the algorithms that fit a model's parameters to data.

- :mod:`dlfoundations.optim.problems`: shared test problems (a 1-D function with two
  minima, the 2-D linear-regression loss surface and a seeded dataset).
- :mod:`dlfoundations.optim.line_search`: bracketing and golden-section line search (chapter 8).
- :mod:`dlfoundations.optim.gradient_descent`: gradient descent with a fixed step or a line
  search (chapter 8); full-batch, stochastic and mini-batch gradient descent (chapter 9).
- :mod:`dlfoundations.optim.schedules`: learning-rate schedules (chapter 9).
- :mod:`dlfoundations.optim.sgd`: SGD with momentum, dampening, Nesterov and weight decay (chapter 10).
- :mod:`dlfoundations.optim.adam`: Adam with bias correction, weight decay and AMSGrad (chapter 11).

Import from the modules themselves (``from dlfoundations.optim.adam import Adam``): this
package imports nothing, so a figure that uses one optimizer is redrawn only when that
optimizer's module changes.
"""
