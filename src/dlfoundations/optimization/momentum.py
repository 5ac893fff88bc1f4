"""Momentum and Nesterov: SGD with momentum, dampening, Nesterov and weight decay.

The update is written exactly as ``torch.optim.SGD`` computes it, so the two agree
step for step (the tests check this).
"""

# --8<-- [start:imports]
from collections.abc import Callable

import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    boolean,
    check_arguments,
    finite,
    float_array,
    function,
    non_negative,
    non_negative_integer,
    optional,
    positive,
    same_shape,
    two_along_first_axis,
)


# The argument checks of the optimizers (see dlfoundations.checks); Adam uses them too.
def _parameter_list(value, name: str) -> list[np.ndarray]:
    """A non-empty list of float64 arrays without NaN, which the optimizer updates."""
    if isinstance(value, (str, bytes, np.ndarray)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a list of numpy arrays, got {kind}")
    params = list(value)
    if not params:
        raise ValueError(f"{name} must not be empty")
    for i, param in enumerate(params):
        if not isinstance(param, np.ndarray) or param.dtype != np.float64:
            message = f"{name}[{i}] must be a float64 numpy array"
            raise TypeError(f"{message} (it is updated in place)")
        if np.isnan(param).any():
            raise ValueError(f"{name}[{i}] must not contain NaN")
    return params


def _gradient_list(value, name: str) -> list[np.ndarray]:
    """A list of gradients, each a real array without NaN, as float64 arrays."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a list of gradient arrays, got {kind}")
    return [float_array(grad, f"{name}[{i}]") for i, grad in enumerate(value)]


def _one_gradient_per_parameter(arguments: dict) -> None:
    """``grads`` holds one array per parameter of the optimizer, of its shape."""
    params, grads = arguments["self"].params, arguments["grads"]
    if len(grads) != len(params):
        message = "grads must hold one gradient per parameter"
        raise ValueError(f"{message}: expected {len(params)}, got {len(grads)}")
    for i, (grad, param) in enumerate(zip(grads, params)):
        if grad.shape != param.shape:
            message = f"grads[{i}] must have the shape of params[{i}] {param.shape}"
            raise ValueError(f"{message}, got {grad.shape}")


def _nesterov_needs_momentum(arguments: dict) -> None:
    """Nesterov momentum needs momentum > 0 and no dampening, as torch.optim.SGD."""
    momentum, dampening = arguments["momentum"], arguments["dampening"]
    if arguments["nesterov"] and (momentum <= 0 or dampening != 0):
        raise ValueError("nesterov requires momentum > 0 and dampening = 0")


def _buffer_like_param(arguments: dict) -> None:
    """The momentum buffer, if there is one yet, has the parameter's shape."""
    buffer, param = arguments["buffer"], arguments["param"]
    if buffer is not None and buffer.shape != param.shape:
        message = f"buffer must have the shape of param {param.shape}"
        raise ValueError(f"{message}, got {buffer.shape}")


_point = two_along_first_axis("two coordinates (x, y)")


@check_arguments(
    same_shape("param", "grad"),
    _buffer_like_param,
    _nesterov_needs_momentum,
    param=float_array,
    grad=float_array,
    buffer=optional(float_array),
    lr=non_negative,
    momentum=non_negative,
    dampening=finite,
    weight_decay=non_negative,
    nesterov=boolean,
)
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

    ``buffer`` is the momentum buffer m_{t-1} (``None`` before the first step).
    Returns the new parameter and the new buffer.
    """
    # weight decay adds the gradient of (weight_decay / 2) * ||param||^2
    g = grad + weight_decay * param
    if momentum != 0:
        if buffer is None:
            buffer = g.copy()  # first step: m_1 = g_1, no dampening
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
        self.params = list(params)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        self.buffers = [None] * len(self.params)  # one momentum buffer per parameter

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss there."""
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


# The checks of the optimizer's arguments, declared here, out of the class the page
# shows: the same as a decorator on each method (see dlfoundations.checks).
SGD.__init__ = check_arguments(
    _nesterov_needs_momentum,
    params=_parameter_list,
    lr=non_negative,
    momentum=non_negative,
    dampening=finite,
    weight_decay=non_negative,
    nesterov=boolean,
)(SGD.__init__)
SGD.step = check_arguments(_one_gradient_per_parameter, grads=_gradient_list)(SGD.step)


@check_arguments(point=_point, kappa=positive)
# --8<-- [start:ill_conditioned]
def ill_conditioned_loss(point, kappa: float = 25.0) -> np.ndarray:
    """The elongated bowl L(phi) = (phi_1^2 + kappa * phi_2^2) / 2, of condition
    number kappa.

    ``point`` is ``(phi_1, phi_2)``; both may be arrays of the same shape (a grid).
    """
    phi_1, phi_2 = point
    return 0.5 * (phi_1**2 + kappa * phi_2**2)


# --8<-- [end:ill_conditioned]


@check_arguments(point=_point, kappa=positive)
# --8<-- [start:ill_conditioned_gradient]
def ill_conditioned_gradient(point, kappa: float = 25.0) -> np.ndarray:
    """The gradient of :func:`ill_conditioned_loss`: (phi_1, kappa * phi_2)."""
    phi_1, phi_2 = point
    return np.array([phi_1, kappa * phi_2])


# --8<-- [end:ill_conditioned_gradient]


@check_arguments(
    optimizer_class=function,
    gradient=function,
    start=float_array,
    steps=non_negative_integer,
)
# --8<-- [start:trajectory]
def trajectory(
    optimizer_class: type, gradient: Callable, start, steps: int, **hyperparameters
) -> np.ndarray:
    """The points an optimizer visits from ``start``; row t is the point after t steps.

    ``gradient(point)`` returns the gradient of the loss at ``point``;
    ``hyperparameters`` go to ``optimizer_class``, for example
    ``trajectory(SGD, gradient, [1, 1], 50, lr=0.1, momentum=0.9)``.
    """
    point = np.array(start, dtype=float)  # a copy, which the optimizer updates in place
    optimizer = optimizer_class([point], **hyperparameters)
    path = [point.copy()]
    for _ in range(steps):
        optimizer.step([gradient(point)])
        path.append(point.copy())
    return np.array(path)


# --8<-- [end:trajectory]


def _curvatures(arguments: dict) -> None:
    """The smallest curvature ``mu_min`` is at most the largest, ``mu_max``."""
    mu_min, mu_max = arguments["mu_min"], arguments["mu_max"]
    if mu_min > mu_max:
        message = "mu_min must not exceed mu_max"
        raise ValueError(f"{message}, got mu_min={mu_min} and mu_max={mu_max}")


@check_arguments(_curvatures, mu_min=positive, mu_max=positive)
# --8<-- [start:tuned_momentum]
def heavy_ball_parameters(mu_min: float, mu_max: float) -> tuple[float, float]:
    """Polyak's tuned heavy ball for a quadratic with curvatures in [mu_min, mu_max].

    With kappa = mu_max / mu_min, returns ``(lr, momentum)`` =
    (4 / (sqrt(mu_max) + sqrt(mu_min))^2, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2).
    The error then shrinks by (sqrt(kappa) - 1) / (sqrt(kappa) + 1) per step.
    """
    root_kappa = np.sqrt(mu_max / mu_min)
    lr = 4 / (np.sqrt(mu_max) + np.sqrt(mu_min)) ** 2
    momentum = ((root_kappa - 1) / (root_kappa + 1)) ** 2
    return float(lr), float(momentum)


# --8<-- [end:tuned_momentum]
