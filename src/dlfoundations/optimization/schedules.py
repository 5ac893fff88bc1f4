"""Chapter 9, Learning-rate schedules: the learning rate as a function of the epoch.

Each function gives the learning rate of epoch ``epoch`` (0, 1, 2, ...), with the same
formula as the matching ``torch.optim.lr_scheduler`` class.
"""

# --8<-- [start:imports]
import numpy as np

from dlfoundations._validation import check_non_negative, check_positive
from dlfoundations.optimization.gradient_descent import check_learning_rate

# --8<-- [end:imports]


# --8<-- [start:checks]
def _check_integer(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# --8<-- [end:checks]


# --8<-- [start:step_decay]
def step_decay(epoch: int, initial_lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (torch's StepLR).

    lr(epoch) = initial_lr * gamma ** floor(epoch / step_size)
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    step_size = _check_integer(step_size, "step_size", 1)
    gamma = check_positive(gamma, "gamma")
    return initial_lr * gamma ** (epoch // step_size)


# --8<-- [end:step_decay]


# --8<-- [start:exponential_decay]
def exponential_decay(epoch: int, initial_lr: float, gamma: float) -> float:
    """Multiply the learning rate by ``gamma`` every epoch (torch's ExponentialLR).

    lr(epoch) = initial_lr * gamma ** epoch
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    gamma = check_positive(gamma, "gamma")
    return initial_lr * gamma**epoch


# --8<-- [end:exponential_decay]


# --8<-- [start:cosine_annealing]
def cosine_annealing(epoch: int, initial_lr: float, t_max: int, min_lr: float = 0.0) -> float:
    """Follow half a cosine from ``initial_lr`` down to ``min_lr`` over ``t_max`` epochs
    (torch's CosineAnnealingLR; past ``t_max`` the cosine climbs back up).

    lr(epoch) = min_lr + (initial_lr - min_lr) * (1 + cos(pi * epoch / t_max)) / 2
    """
    epoch = _check_integer(epoch, "epoch", 0)
    initial_lr = check_learning_rate(initial_lr, "initial_lr")
    t_max = _check_integer(t_max, "t_max", 1)
    min_lr = check_non_negative(min_lr, "min_lr")
    return float(min_lr + (initial_lr - min_lr) * (1 + np.cos(np.pi * epoch / t_max)) / 2)


# --8<-- [end:cosine_annealing]
