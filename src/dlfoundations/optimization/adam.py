"""Adam: moving averages of the gradient and of its square, with bias correction.

The update is written as ``torch.optim.Adam`` computes it (L2 weight decay added to the
gradient, optional AMSGrad), so the two agree step for step (the tests check this).
"""

# --8<-- [start:imports]
import numpy as np

# --8<-- [end:imports]
from dlfoundations.checks import (
    boolean,
    check_arguments,
    count,
    float_array,
    fraction,
    non_negative,
    optional,
    same_shape,
)
from dlfoundations.optimization.momentum import (
    _gradient_list,
    _one_gradient_per_parameter,
    _parameter_list,
)


# The argument checks of Adam (see dlfoundations.checks).
def _betas(value, name: str) -> tuple[float, float]:
    """A pair ``(beta1, beta2)``, both in [0, 1)."""
    try:
        beta1, beta2 = value
    except (TypeError, ValueError):
        message = f"{name} must be a pair (beta1, beta2), got {value!r}"
        raise TypeError(message) from None
    return fraction(beta1, f"{name}[0]"), fraction(beta2, f"{name}[1]")


def _moments_like_param(arguments: dict) -> None:
    """The moving averages ``m``, ``v`` (and ``v_max``) have the parameter's shape."""
    shape = arguments["param"].shape
    for name in ("grad", "m", "v", "v_max"):
        value = arguments[name]
        if value is not None and value.shape != shape:
            message = f"{name} must have the shape of param {shape}"
            raise ValueError(f"{message}, got {value.shape}")


@check_arguments(
    same_shape("average", "value"),
    average=float_array,
    value=float_array,
    beta=fraction,
)
# --8<-- [start:moments]
def moving_average(average: np.ndarray, value: np.ndarray, beta: float) -> np.ndarray:
    """Exponential moving average: beta * average + (1 - beta) * value."""
    return beta * average + (1 - beta) * value


# --8<-- [end:moments]


@check_arguments(average=float_array, beta=fraction, step=count)
# --8<-- [start:bias_correct]
def bias_correct(average: np.ndarray, beta: float, step: int) -> np.ndarray:
    """Undo the pull towards the zero start: average / (1 - beta^step), step >= 1."""
    return average / (1 - beta**step)


# --8<-- [end:bias_correct]


@check_arguments(
    _moments_like_param,
    param=float_array,
    grad=float_array,
    m=float_array,
    v=float_array,
    v_max=optional(float_array),
    step=count,
    lr=non_negative,
    beta1=fraction,
    beta2=fraction,
    eps=non_negative,
    weight_decay=non_negative,
)
# --8<-- [start:adam_update]
def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    v_max: np.ndarray | None,
    step: int,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """One Adam step for one parameter array, as ``torch.optim.Adam`` computes it.

    ``m`` and ``v`` are the moving averages of the gradient and of its square (zeros
    before the first step), ``step`` counts from 1. Pass ``v_max`` (zeros at the
    start) for AMSGrad, ``None`` for plain Adam. Returns ``(param, m, v, v_max)``.
    """
    g = grad + weight_decay * param  # L2 weight decay, added to the gradient
    m = moving_average(m, g, beta1)  # first moment: the average gradient
    v = moving_average(v, g * g, beta2)  # second moment: the average squared gradient
    if v_max is not None:  # AMSGrad: never let the denominator shrink
        v_max = np.maximum(v_max, v)
    m_hat = bias_correct(m, beta1, step)
    v_hat = bias_correct(v if v_max is None else v_max, beta2, step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


# --8<-- [end:adam_update]


# --8<-- [start:adam_class]
class Adam:
    """Adam, with L2 weight decay and optionally AMSGrad.

    Same hyperparameters and defaults as ``torch.optim.Adam``. The arrays in ``params``
    are updated in place by :meth:`step`.
    """

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        self.params = list(params)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.beta1, self.beta2 = betas
        self.amsgrad = amsgrad
        self.steps = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.v_max = [np.zeros_like(p) if amsgrad else None for p in self.params]

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss there."""
        self.steps += 1
        for i, (param, grad) in enumerate(zip(self.params, grads)):
            new_param, self.m[i], self.v[i], self.v_max[i] = adam_update(
                param,
                grad,
                self.m[i],
                self.v[i],
                self.v_max[i],
                self.steps,
                lr=self.lr,
                beta1=self.beta1,
                beta2=self.beta2,
                eps=self.eps,
                weight_decay=self.weight_decay,
            )
            param[...] = new_param  # in place, as torch does


# --8<-- [end:adam_class]


# The checks of the optimizer's arguments, declared here, out of the class the page
# shows: the same as a decorator on each method (see dlfoundations.checks).
Adam.__init__ = check_arguments(
    params=_parameter_list,
    lr=non_negative,
    betas=_betas,
    eps=non_negative,
    weight_decay=non_negative,
    amsgrad=boolean,
)(Adam.__init__)
Adam.step = check_arguments(_one_gradient_per_parameter, grads=_gradient_list)(
    Adam.step
)
