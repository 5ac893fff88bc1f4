"""AdaGrad, RMSProp and Adam: per-parameter step sizes from the squared gradients.

AdaGrad divides by the root of the sum of all squared gradients so far, RMSProp by the
root of their moving average, and Adam also averages the gradient itself, with bias
correction. Each update is written as ``torch.optim.Adagrad``, ``torch.optim.RMSprop``
and ``torch.optim.Adam`` compute it (L2 weight decay added to the gradient; AdaGrad's
learning-rate decay; Adam's optional AMSGrad), so they agree step for step (the tests
check this).
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
    """The gradient and the optimizer's state (``m``, ``v``, ``v_max`` or
    ``sum_of_squares``) have the parameter's shape."""
    shape = arguments["param"].shape
    for name in ("grad", "m", "v", "v_max", "sum_of_squares"):
        value = arguments.get(name)
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
    sum_of_squares=float_array,
    step=count,
    lr=non_negative,
    lr_decay=non_negative,
    eps=non_negative,
    weight_decay=non_negative,
)
# --8<-- [start:adagrad_update]
def adagrad_update(
    param: np.ndarray,
    grad: np.ndarray,
    sum_of_squares: np.ndarray,
    step: int,
    *,
    lr: float,
    lr_decay: float = 0.0,
    eps: float = 1e-10,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One AdaGrad step for one parameter array, as ``torch.optim.Adagrad`` computes it.

    ``sum_of_squares`` adds up the squared gradients of every step so far (it starts
    at ``initial_accumulator_value``); ``step`` counts from 1. Returns
    ``(param, sum_of_squares)``.
    """
    g = grad + weight_decay * param  # L2 weight decay, added to the gradient
    sum_of_squares = sum_of_squares + g * g  # it only grows: no gradient is forgotten
    rate = lr / (1 + (step - 1) * lr_decay)  # lr_decay = 0: the rate lr throughout
    return param - rate * g / (np.sqrt(sum_of_squares) + eps), sum_of_squares


# --8<-- [end:adagrad_update]


# --8<-- [start:adagrad_class]
class Adagrad:
    """AdaGrad, with L2 weight decay and learning-rate decay.

    Same hyperparameters and defaults as ``torch.optim.Adagrad``. The arrays in
    ``params`` are updated in place by :meth:`step`.
    """

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        self.params = list(params)
        self.lr, self.lr_decay = lr, lr_decay
        self.eps, self.weight_decay = eps, weight_decay
        self.steps = 0
        start = initial_accumulator_value
        self.sums = [np.full_like(p, start) for p in self.params]

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss there."""
        self.steps += 1
        for i, (param, grad) in enumerate(zip(self.params, grads)):
            new_param, self.sums[i] = adagrad_update(
                param,
                grad,
                self.sums[i],
                self.steps,
                lr=self.lr,
                lr_decay=self.lr_decay,
                eps=self.eps,
                weight_decay=self.weight_decay,
            )
            param[...] = new_param  # in place, as torch does


# --8<-- [end:adagrad_class]


@check_arguments(
    _moments_like_param,
    param=float_array,
    grad=float_array,
    v=float_array,
    lr=non_negative,
    beta=fraction,
    eps=non_negative,
    weight_decay=non_negative,
)
# --8<-- [start:rmsprop_update]
def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    *,
    lr: float,
    beta: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One RMSProp step for one parameter array, as ``torch.optim.RMSprop`` computes it.

    ``v`` is the moving average of the squared gradient (zeros before the first
    step); ``beta`` is what torch calls ``alpha``. Returns ``(param, v)``.
    """
    g = grad + weight_decay * param  # L2 weight decay, added to the gradient
    v = moving_average(v, g * g, beta)  # old squared gradients fade away
    return param - lr * g / (np.sqrt(v) + eps), v


# --8<-- [end:rmsprop_update]


# --8<-- [start:rmsprop_class]
class RMSprop:
    """RMSProp, with L2 weight decay (without torch's momentum and centered options).

    Same defaults as ``torch.optim.RMSprop``; its ``alpha`` is our ``beta``. The
    arrays in ``params`` are updated in place by :meth:`step`.
    """

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float = 1e-2,
        beta: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = list(params)
        self.lr, self.beta, self.eps, self.weight_decay = lr, beta, eps, weight_decay
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss there."""
        for i, (param, grad) in enumerate(zip(self.params, grads)):
            new_param, self.v[i] = rmsprop_update(
                param,
                grad,
                self.v[i],
                lr=self.lr,
                beta=self.beta,
                eps=self.eps,
                weight_decay=self.weight_decay,
            )
            param[...] = new_param  # in place, as torch does


# --8<-- [end:rmsprop_class]


# The checks of one Adam step; AdamW (regularization chapter) takes the same.
ADAM_STEP = dict(
    param=float_array,
    grad=float_array,
    m=float_array,
    v=float_array,
    step=count,
    lr=non_negative,
    beta1=fraction,
    beta2=fraction,
    eps=non_negative,
    weight_decay=non_negative,
)


@check_arguments(_moments_like_param, v_max=optional(float_array), **ADAM_STEP)
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
Adagrad.__init__ = check_arguments(
    params=_parameter_list,
    lr=non_negative,
    lr_decay=non_negative,
    weight_decay=non_negative,
    initial_accumulator_value=non_negative,
    eps=non_negative,
)(Adagrad.__init__)
RMSprop.__init__ = check_arguments(
    params=_parameter_list,
    lr=non_negative,
    beta=fraction,
    eps=non_negative,
    weight_decay=non_negative,
)(RMSprop.__init__)
for _optimizer in (Adam, Adagrad, RMSprop):
    _optimizer.step = check_arguments(
        _one_gradient_per_parameter, grads=_gradient_list
    )(_optimizer.step)
