"""The implement-and-check exercises of Part III, optimization, chapter by chapter.

A solution the chapter does not already show is written here, between snippet
markers, so the page can show it."""

import numpy as np

from dlfoundations.exercises._checker import Case, Exercise, Mistake
from dlfoundations.optimization.adam import adam_update
from dlfoundations.optimization.stochastic_gradient_descent import cosine_annealing


# --8<-- [start:line_search_step]
def line_search_step(H, phi_star, phi) -> np.ndarray:
    """One step of gradient descent with exact line search on the quadratic
    L(phi) = (phi - phi_star)^T H (phi - phi_star) / 2: lr = g^T g / g^T H g."""
    g = H @ (phi - phi_star)  # the gradient at phi
    lr = (g @ g) / (g @ H @ g)
    return phi - lr * g


# --8<-- [end:line_search_step]


# --8<-- [start:warmup_cosine]
def warmup_cosine(epoch: int, initial_lr: float, warmup: int, t_max: int) -> float:
    """Rise linearly to initial_lr over the first ``warmup`` epochs (initial_lr / warmup
    in epoch 0), then follow the cosine down to 0, which it reaches at epoch t_max."""
    if epoch < warmup:
        return initial_lr * (epoch + 1) / warmup
    return cosine_annealing(epoch - warmup, initial_lr, t_max - warmup)


# --8<-- [end:warmup_cosine]


# --8<-- [start:heavy_ball_step]
def heavy_ball_step(phi, phi_previous, grad, lr: float, momentum: float):
    """Polyak's heavy ball: phi - lr * grad + momentum * (phi - phi_previous), the
    gradient step plus a fraction of the last step."""
    return phi - lr * grad + momentum * (phi - phi_previous)


# --8<-- [end:heavy_ball_step]


# --8<-- [start:adam_step]
def adam_step(param, grad, m, v, step: int, lr: float, beta1, beta2, eps):
    """One Adam step without weight decay: ``adam_update`` returns (param, m, v) and
    the AMSGrad maximum, which plain Adam does not keep."""
    kwargs = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}
    param, m, v, _ = adam_update(param, grad, m, v, None, step, **kwargs)
    return param, m, v


# --8<-- [end:adam_step]


def spd_matrix(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random symmetric positive definite matrix: curvatures between 0.5 and 10."""
    q, _ = np.linalg.qr(rng.standard_normal((size, size)))
    return q @ np.diag(rng.uniform(0.5, 10.0, size)) @ q.T


def quadratic_cases(rng: np.random.Generator) -> list[Case]:
    two = (spd_matrix(rng, 2), rng.standard_normal(2), 3 * rng.standard_normal(2))
    four = (spd_matrix(rng, 4), rng.standard_normal(4), 3 * rng.standard_normal(4))
    valley = (np.diag([1.0, 1e4]), np.zeros(2), np.array([1.0, 1.0]))
    return [
        Case("random", two),
        Case("random", four),
        Case("edge: a narrow valley, kappa 10^4", valley),
    ]


def schedule_cases(rng: np.random.Generator) -> list[Case]:
    initial_lr = float(rng.uniform(0.01, 1.0))
    epochs = [0, 1, 4, 5, 6, 20, 49, 50]  # around the end of the warm-up, and t_max
    cases = [Case("random", (e, initial_lr, 5, 50)) for e in epochs]
    cases.append(Case("edge: a warm-up of one epoch", (0, 0.1, 1, 10)))
    cases.append(Case("edge: a warm-up of one epoch", (3, 0.1, 1, 10)))
    return cases


def momentum_cases(rng: np.random.Generator) -> list[Case]:
    phi = rng.standard_normal(5)
    random = (phi, phi + rng.standard_normal(5), rng.standard_normal(5), 0.1, 0.9)
    first = (phi, phi.copy(), rng.standard_normal(5), 0.1, 0.9)
    no_momentum = (phi, phi + 1.0, rng.standard_normal(5), 0.3, 0.0)
    return [
        Case("random", random),
        Case("edge: the first step, phi_previous = phi", first),
        Case("edge: momentum 0", no_momentum),
    ]


def adam_cases(rng: np.random.Generator) -> list[Case]:
    hyperparameters = (0.9, 0.999, 1e-8)
    first = (
        rng.standard_normal(4),
        rng.standard_normal(4),
        np.zeros(4),
        np.zeros(4),
        1,
        0.01,
    )
    later = (
        rng.standard_normal(4),
        rng.standard_normal(4),
        0.1 * rng.standard_normal(4),
        0.1 * rng.uniform(size=4),
        7,
        0.001,
    )
    tiny = (np.ones(3), np.array([1e-6, -1e-7, 0.0]), np.zeros(3), np.zeros(3), 1, 0.1)
    return [
        Case("random: the first step", first + hyperparameters),
        Case("random: step 7", later + hyperparameters),
        Case("edge: tiny gradients, and a zero one", tiny + hyperparameters),
        Case("edge: other betas", later[:6] + (0.5, 0.9, 1e-6)),
    ]


def step_with_inverted_ratio(H, phi_star, phi):
    g = H @ (phi - phi_star)
    return phi - (g @ H @ g) / (g @ g) * g


def uncorrected_adam(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_with_eps_inside(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_with_first_moment_corrected(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (1 - beta1**step) / (np.sqrt(v) + eps), m, v


EXERCISES = [
    Exercise(
        name="line-search-step",
        page="optimization/gradient-descent",
        reference=line_search_step,
        cases=quadratic_cases,
        mistakes=(
            Mistake(
                "the gradient of this loss is H (phi - phi_star), not H phi: the "
                "minimum is at phi_star",
                lambda H, s, phi: line_search_step(H, np.zeros_like(s), phi),
            ),
            Mistake(
                "the ratio upside down: the best lr is g^T g / g^T H g, which is "
                "1 / mu when g is an eigenvector of curvature mu",
                step_with_inverted_ratio,
            ),
            Mistake(
                "a step with lr = 1: the line search chooses lr = g^T g / g^T H g",
                lambda H, s, phi: phi - H @ (phi - s),
            ),
        ),
        rtol=1e-8,
    ),
    Exercise(
        name="warmup-cosine",
        page="optimization/stochastic-gradient-descent",
        reference=warmup_cosine,
        cases=schedule_cases,
        mistakes=(
            Mistake(
                "the warm-up starts at 0: epoch 0 would not learn; use "
                "initial_lr * (epoch + 1) / warmup",
                lambda e, lr, w, t: (
                    lr * e / w if e < w else cosine_annealing(e - w, lr, t - w)
                ),
            ),
            Mistake(
                "the cosine starts at epoch 0, not where the warm-up ends: shift "
                "the epoch by the warm-up",
                lambda e, lr, w, t: (
                    lr * (e + 1) / w if e < w else cosine_annealing(e, lr, t)
                ),
            ),
            Mistake(
                "the cosine lasts t_max epochs and ends late: after the warm-up it "
                "has t_max - warmup epochs to reach 0 at epoch t_max",
                lambda e, lr, w, t: (
                    lr * (e + 1) / w if e < w else cosine_annealing(e - w, lr, t)
                ),
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="heavy-ball-step",
        page="optimization/momentum",
        reference=heavy_ball_step,
        cases=momentum_cases,
        mistakes=(
            Mistake(
                "the momentum term points backwards: it is momentum * (phi - "
                "phi_previous), the last step, which carries the ball on",
                lambda phi, prev, g, lr, beta: phi - lr * g + beta * (prev - phi),
            ),
            Mistake(
                "a dampened gradient, (1 - momentum) * lr * grad: the heavy ball "
                "takes the full gradient step and adds the momentum to it",
                lambda phi, prev, g, lr, beta: (
                    phi - (1 - beta) * lr * g + beta * (phi - prev)
                ),
            ),
            Mistake(
                "the momentum term is missing: this is a plain gradient step",
                lambda phi, prev, g, lr, beta: phi - lr * g,
            ),
        ),
        atol=1e-12,
    ),
    Exercise(
        name="adam-step",
        page="optimization/adam",
        reference=adam_step,
        cases=adam_cases,
        mistakes=(
            Mistake(
                "bias correction forgotten: divide m by 1 - beta1^step and v by "
                "1 - beta2^step before the step",
                uncorrected_adam,
            ),
            Mistake(
                "eps inside the square root: Adam divides by sqrt(v_hat) + eps",
                adam_with_eps_inside,
            ),
            Mistake(
                "only m bias-corrected: v needs its correction 1 - beta2^step too",
                adam_with_first_moment_corrected,
            ),
        ),
        atol=1e-12,
    ),
]
