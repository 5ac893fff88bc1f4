"""Part III's exercises reject the mistakes they claim to recognise, written the way a
reader would make them, with the hint that names the mistake."""

import math

import numpy as np
import pytest

from conftest import hint_for
from dlfoundations.exercises import ExerciseFailed, check, reference
from dlfoundations.optimization.momentum import SGD, trajectory


# --- gradient descent ---------------------------------------------------------------


def step_forgetting_the_minimum(H, phi_star, phi):
    g = H @ phi
    return phi - (g @ g) / (g @ H @ g) * g


def step_with_the_ratio_upside_down(H, phi_star, phi):
    g = H @ (phi - phi_star)
    return phi - (g @ H @ g) / (g @ g) * g


def step_of_one(H, phi_star, phi):
    return phi - H @ (phi - phi_star)


def step_uphill(H, phi_star, phi):
    g = H @ (phi - phi_star)
    return phi + (g @ g) / (g @ H @ g) * g


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (step_forgetting_the_minimum, "the gradient of this loss is H (phi"),
        (step_with_the_ratio_upside_down, "the ratio upside down"),
        (step_of_one, "a step with lr = 1"),
    ],
)
def test_line_search_step_mistakes(candidate, hint):
    assert hint_for("line-search-step", candidate).startswith(hint)


def test_an_uphill_step_fails():
    with pytest.raises(ExerciseFailed):
        check("line-search-step", step_uphill)


# --- stochastic gradient descent ----------------------------------------------------


def cosine(epoch, initial_lr, t_max):
    return initial_lr * (1 + math.cos(math.pi * epoch / t_max)) / 2


def warmup_from_zero(epoch, initial_lr, warmup, t_max):
    if epoch < warmup:
        return initial_lr * epoch / warmup
    return cosine(epoch - warmup, initial_lr, t_max - warmup)


def cosine_not_shifted(epoch, initial_lr, warmup, t_max):
    if epoch < warmup:
        return initial_lr * (epoch + 1) / warmup
    return cosine(epoch, initial_lr, t_max)


def cosine_too_long(epoch, initial_lr, warmup, t_max):
    if epoch < warmup:
        return initial_lr * (epoch + 1) / warmup
    return cosine(epoch - warmup, initial_lr, t_max)


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (warmup_from_zero, "the warm-up starts at 0"),
        (cosine_not_shifted, "the cosine starts at epoch 0"),
        (cosine_too_long, "the cosine lasts t_max epochs"),
    ],
)
def test_warmup_cosine_mistakes(candidate, hint):
    assert hint_for("warmup-cosine", candidate).startswith(hint)


# --- momentum -----------------------------------------------------------------------


def heavy_ball_backwards(phi, phi_previous, grad, lr, momentum):
    return phi - lr * grad - momentum * (phi - phi_previous)


def heavy_ball_dampened(phi, phi_previous, grad, lr, momentum):
    return phi - lr * (1 - momentum) * grad + momentum * (phi - phi_previous)


def heavy_ball_without_momentum(phi, phi_previous, grad, lr, momentum):
    return phi - lr * grad


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (heavy_ball_backwards, "the momentum term points backwards"),
        (heavy_ball_dampened, "a dampened gradient"),
        (heavy_ball_without_momentum, "the momentum term is missing"),
    ],
)
def test_heavy_ball_step_mistakes(candidate, hint):
    assert hint_for("heavy-ball-step", candidate).startswith(hint)


def test_the_heavy_ball_visits_the_points_of_sgd_with_momentum():
    def gradient(point):
        return np.array([1.0, 25.0]) * point

    expected = trajectory(SGD, gradient, [1.0, 1.0], 20, lr=0.03, momentum=0.8)
    heavy_ball_step = reference("heavy-ball-step")
    path = [expected[0], expected[0]]
    for _ in range(20):
        path.append(heavy_ball_step(path[-1], path[-2], gradient(path[-1]), 0.03, 0.8))
    np.testing.assert_allclose(np.array(path[1:]), expected, rtol=1e-12, atol=1e-15)


# --- adam ---------------------------------------------------------------------------


def adam_without_correction(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_eps_under_the_root(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_correcting_m_only(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    return param - lr * m_hat / (np.sqrt(v) + eps), m, v


@pytest.mark.parametrize(
    ("candidate", "hint"),
    [
        (adam_without_correction, "bias correction forgotten"),
        (adam_eps_under_the_root, "eps inside the square root"),
        (adam_correcting_m_only, "only m bias-corrected"),
    ],
)
def test_adam_step_mistakes(candidate, hint):
    assert hint_for("adam-step", candidate).startswith(hint)


def test_adam_with_the_plain_gradient_for_v_fails():
    def adam_with_g_for_v(param, grad, m, v, step, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * np.abs(grad)
        m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    with pytest.raises(ExerciseFailed):
        check("adam-step", adam_with_g_for_v)


# --- a reader's correct answers -----------------------------------------------------


def test_a_readers_correct_answers_pass():
    def line_search_step(H, phi_star, phi):
        g = H @ (phi - phi_star)
        return phi - g.dot(g) / g.dot(H.dot(g)) * g

    def warmup_cosine(epoch, initial_lr, warmup, t_max):
        if epoch < warmup:
            return (epoch + 1) / warmup * initial_lr
        progress = (epoch - warmup) / (t_max - warmup)
        return 0.5 * initial_lr * (1 + np.cos(np.pi * progress))

    def heavy_ball_step(phi, phi_previous, grad, lr, momentum):
        step = phi - phi_previous
        return phi + momentum * step - lr * grad

    def adam_step(param, grad, m, v, step, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat = m / (1 - beta1**step)
        v_hat = v / (1 - beta2**step)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    check("line-search-step", line_search_step)
    check("warmup-cosine", warmup_cosine)
    check("heavy-ball-step", heavy_ball_step)
    check("adam-step", adam_step)
