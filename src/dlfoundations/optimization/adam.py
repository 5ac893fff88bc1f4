"""Adam: moving averages of the gradient and of its square, with bias correction.

The update is written as ``torch.optim.Adam`` computes it (L2 weight decay added to the
gradient, optional AMSGrad), so the two agree step for step (the tests check this).
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations._validation import check_non_negative, check_real
from dlfoundations.optimization.momentum import as_gradient_list, as_parameter_list

# --8<-- [end:imports]


# --8<-- [start:moments]
def moving_average(average: np.ndarray, value: np.ndarray, beta: float) -> np.ndarray:
    """Exponential moving average: beta * average + (1 - beta) * value."""
    return beta * average + (1 - beta) * value


def bias_correct(average: np.ndarray, beta: float, step: int) -> np.ndarray:
    """Undo the pull towards the zero start: average / (1 - beta^step), for step = 1, 2, ..."""
    return average / (1 - beta**step)


# --8<-- [end:moments]


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
    before the first step), ``step`` counts from 1. Pass ``v_max`` (zeros at the start)
    for AMSGrad, ``None`` for plain Adam. Returns ``(param, m, v, v_max)``.
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
        self.params = as_parameter_list(params)
        self.lr = check_non_negative(lr, "lr")
        self.beta1, self.beta2 = check_betas(betas)
        self.eps = check_non_negative(eps, "eps")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        if not isinstance(amsgrad, bool):
            raise TypeError(f"amsgrad must be True or False, got {type(amsgrad).__name__}")
        self.amsgrad = amsgrad
        self.steps = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.v_max = [np.zeros_like(p) if amsgrad else None for p in self.params]

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place, given the gradients of the loss at the current parameters."""
        grads = as_gradient_list(grads, self.params)
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


def check_betas(betas) -> tuple[float, float]:
    """Return ``(beta1, beta2)`` if both lie in [0, 1), else raise an error naming ``betas``."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    beta1, beta2 = check_real(beta1, "betas[0]"), check_real(beta2, "betas[1]")
    for i, beta in enumerate((beta1, beta2)):
        if not 0 <= beta < 1:
            raise ValueError(f"betas[{i}] must lie in [0, 1), got {beta}")
    return beta1, beta2


# --8<-- [end:adam_class]
