"""Momentum and Nesterov: SGD with momentum, dampening, Nesterov and weight decay.

The update is written exactly as ``torch.optim.SGD`` computes it, so the two agree
step for step (the tests check this).
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

from dlfoundations._validation import as_float_array, check_non_negative, check_positive, check_real

# --8<-- [end:imports]


# --8<-- [start:parameters]
def as_parameter_list(params) -> list[np.ndarray]:
    """Check that ``params`` is a non-empty list of float64 numpy arrays, which the optimizer updates in place."""
    params = list(params)
    if not params:
        raise ValueError("params must not be empty")
    for i, param in enumerate(params):
        if not isinstance(param, np.ndarray) or param.dtype != np.float64:
            raise TypeError(f"params[{i}] must be a float64 numpy array (it is updated in place)")
    return params


def as_gradient_list(grads, params: list[np.ndarray]) -> list[np.ndarray]:
    """Check that ``grads`` holds one gradient per parameter, each with its parameter's shape."""
    grads = list(grads)
    if len(grads) != len(params):
        raise ValueError(f"grads must hold one gradient per parameter: expected {len(params)}, got {len(grads)}")
    checked = []
    for i, (grad, param) in enumerate(zip(grads, params)):
        grad = as_float_array(grad, f"grads[{i}]", allow_empty=True)
        if grad.shape != param.shape:
            raise ValueError(f"grads[{i}] must have the shape of params[{i}] {param.shape}, got {grad.shape}")
        checked.append(grad)
    return checked


# --8<-- [end:parameters]


# --8<-- [start:sgd_update]
def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    buffer: np.ndarray | None,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One step of SGD for one parameter array, as ``torch.optim.SGD`` computes it.

    ``buffer`` is the momentum buffer b_{t-1} (``None`` before the first step).
    Returns the new parameter and the new buffer.
    """
    g = grad + weight_decay * param  # weight decay: the gradient of (weight_decay / 2) * ||param||^2
    if momentum != 0:
        if buffer is None:
            buffer = g.copy()  # first step: b_1 = g_1, no dampening
        else:
            buffer = momentum * buffer + (1 - dampening) * g
        g = g + momentum * buffer if nesterov else buffer
    return param - lr * g, buffer


# --8<-- [end:sgd_update]


# --8<-- [start:sgd_class]
class SGD:
    """Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

    Same hyperparameters and defaults as ``torch.optim.SGD``. The arrays in ``params``
    are updated in place by :meth:`step`.
    """

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        self.params = as_parameter_list(params)
        self.lr = check_non_negative(lr, "lr")
        self.momentum = check_non_negative(momentum, "momentum")
        self.dampening = check_real(dampening, "dampening")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {type(nesterov).__name__}")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov requires momentum > 0 and dampening = 0")
        self.nesterov = nesterov
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)  # one momentum buffer per parameter

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss at the current parameters."""
        grads = as_gradient_list(grads, self.params)
        for i, (param, grad) in enumerate(zip(self.params, grads)):
            new_param, self.buffers[i] = sgd_update(
                param,
                grad,
                self.buffers[i],
                lr=self.lr,
                momentum=self.momentum,
                dampening=self.dampening,
                weight_decay=self.weight_decay,
                nesterov=self.nesterov,
            )
            param[...] = new_param  # in place, as torch does


# --8<-- [end:sgd_class]


# --8<-- [start:ill_conditioned]
def _xy(point) -> np.ndarray:
    point = as_float_array(point, "point")
    if point.shape[:1] != (2,):
        raise ValueError(f"point must hold two coordinates (x, y) along its first axis, got shape {point.shape}")
    return point


def ill_conditioned_loss(point, kappa: float = 25.0) -> np.ndarray:
    """The elongated bowl f(x, y) = (x^2 + kappa * y^2) / 2; its condition number is kappa.

    ``point`` is ``(x, y)``; x and y may be arrays of the same shape (a grid).
    """
    kappa = check_positive(kappa, "kappa")
    x, y = _xy(point)
    return 0.5 * (x**2 + kappa * y**2)


def ill_conditioned_gradient(point, kappa: float = 25.0) -> np.ndarray:
    """The gradient of :func:`ill_conditioned_loss`: (x, kappa * y)."""
    kappa = check_positive(kappa, "kappa")
    x, y = _xy(point)
    return np.array([x, kappa * y])


# --8<-- [end:ill_conditioned]


# --8<-- [start:trajectory]
def trajectory(optimizer_class: type, gradient: Callable, start, steps: int, **hyperparameters) -> np.ndarray:
    """The points an optimizer visits from ``start`` in ``steps`` steps; row t is the point after t steps.

    ``gradient(point)`` returns the gradient of the loss at ``point``; ``hyperparameters``
    go to ``optimizer_class``, e.g. ``trajectory(SGD, grad, [1, 1], 50, lr=0.1, momentum=0.9)``.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    point = as_float_array(start, "start").copy()
    optimizer = optimizer_class([point], **hyperparameters)
    path = [point.copy()]
    for _ in range(steps):
        optimizer.step([gradient(point)])
        path.append(point.copy())
    return np.array(path)


# --8<-- [end:trajectory]


# --8<-- [start:tuned_momentum]
def heavy_ball_parameters(mu: float, L: float) -> tuple[float, float]:
    """Polyak's tuned heavy-ball settings for a quadratic with curvatures in [mu, L].

    Returns ``(lr, momentum)`` = (4 / (sqrt(L) + sqrt(mu))^2, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2),
    with kappa = L / mu. The error then shrinks by (sqrt(kappa) - 1) / (sqrt(kappa) + 1) per step.
    """
    mu = check_positive(mu, "mu")
    L = check_positive(L, "L")
    if mu > L:
        raise ValueError(f"mu must not exceed L, got mu={mu} and L={L}")
    root_kappa = np.sqrt(L / mu)
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    momentum = ((root_kappa - 1) / (root_kappa + 1)) ** 2
    return float(lr), float(momentum)


# --8<-- [end:tuned_momentum]
