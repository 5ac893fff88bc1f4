"""Optimization: the algorithms that fit a model's parameters to data, one module per
chapter, named like its page in ``docs/optimization/``:
:mod:`~dlfoundations.optimization.gradient_descent` (a fixed step, line search),
:mod:`~dlfoundations.optimization.stochastic_gradient_descent` (full-batch, stochastic
and mini-batch gradient descent, learning-rate schedules),
:mod:`~dlfoundations.optimization.momentum` (SGD with momentum, dampening, Nesterov and
weight decay) and :mod:`~dlfoundations.optimization.adam` (AdaGrad, RMSProp, and
Adam with bias correction, weight decay and AMSGrad), plus
:mod:`~dlfoundations.optimization.problems`, the test problems these chapters share.
Import from the modules themselves (``from dlfoundations.optimization.adam import
Adam``): this package imports nothing, so a figure that uses one optimizer is redrawn
only when that optimizer's module changes.
"""
