"""Regularization: the L2 penalty and weight decay against autograd and
torch.optim.SGD, AdamW against torch.optim.AdamW, dropout against
torch.nn.functional.dropout, early stopping against its definition, the shifts
against np.roll, and the regularized run against the measuring chapter's run."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlfoundations.generalization.regularization as chapter
from dlfoundations.backpropagation.pytorch import sequential_mlp
from dlfoundations.generalization.measuring_performance import (
    VAL_FRACTION,
    mnist1d_run,
)
from dlfoundations.generalization.regularization import (
    REGULARIZERS,
    WEIGHT_DECAYS,
    Dropout,
    adamw_update,
    augment,
    circular_shift,
    dropout,
    dropout_mask,
    dropout_mlp,
    early_stopping,
    l2_penalty,
    regularized_run,
    accuracy_at,
    weight_decay_step,
)
from dlfoundations.optimization.adam import adam_update
from dlfoundations.optimization.momentum import sgd_update


@pytest.fixture(autouse=True, scope="module")
def experiment_cache(tmp_path_factory):
    """The runs below read MNIST-1D through its cached experiment: cache it apart."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLF_EXPERIMENT_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _arrays(shape, seed, count=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(count)]


# --- L2 and weight decay -------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    shape=shapes,
    seed=st.integers(0, 1000),
    weight_decay=st.floats(0, 10),
    n_arrays=st.integers(1, 3),
)
def test_l2_penalty_and_its_gradient_match_autograd(
    shape, seed, weight_decay, n_arrays
):
    phi = _arrays(shape, seed, n_arrays)
    tensors = [torch.tensor(p, requires_grad=True) for p in phi]
    penalty = weight_decay / 2 * sum((t**2).sum() for t in tensors)
    penalty.backward()
    assert l2_penalty(phi, weight_decay) == pytest.approx(penalty.item(), rel=1e-12)
    for p, t in zip(phi, tensors):  # the gradient lambda * phi: what SGD adds
        np.testing.assert_allclose(t.grad.numpy(), weight_decay * p, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    shape=shapes,
    seed=st.integers(0, 1000),
    lr=st.floats(1e-4, 1.0),
    weight_decay=st.floats(0, 1.0),
)
def test_weight_decay_is_gradient_descent_on_the_penalized_loss(
    shape, seed, lr, weight_decay
):
    phi, target = _arrays(shape, seed, 2)
    # a loss L(phi) = mean(log cosh(phi - target)): its gradient by autograd
    leaf = torch.tensor(phi, requires_grad=True)
    torch.log(torch.cosh(leaf - torch.tensor(target))).mean().backward()
    gradient = leaf.grad.numpy().copy()
    ours = weight_decay_step(phi, gradient, lr, weight_decay)

    # 1. one step down the gradient of L + (lambda / 2) ||phi||^2, by autograd
    leaf = torch.tensor(phi, requires_grad=True)
    loss = torch.log(torch.cosh(leaf - torch.tensor(target))).mean()
    (loss + weight_decay / 2 * (leaf**2).sum()).backward()
    np.testing.assert_allclose(
        ours, phi - lr * leaf.grad.numpy(), rtol=1e-10, atol=1e-12
    )

    # 2. torch.optim.SGD with weight_decay, given the gradient of L alone
    parameter = torch.nn.Parameter(torch.tensor(phi))
    parameter.grad = torch.tensor(gradient)
    torch.optim.SGD([parameter], lr=lr, weight_decay=weight_decay).step()
    np.testing.assert_allclose(ours, parameter.detach().numpy(), rtol=1e-10, atol=1e-12)

    # 3. the momentum chapter's sgd_update
    theirs, _ = sgd_update(phi, gradient, None, lr=lr, weight_decay=weight_decay)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_weight_decay_alone_shrinks_geometrically():
    phi = np.array([2.0, -4.0])
    for _ in range(10):
        phi = weight_decay_step(phi, np.zeros(2), lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(phi, np.array([2.0, -4.0]) * 0.95**10)


@settings(max_examples=25, deadline=None)
@given(
    shape=shapes,
    seed=st.integers(0, 1000),
    lr=st.floats(1e-4, 0.1),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.sampled_from([1e-8, 1e-3]),
    weight_decay=st.floats(0.0, 1.0),
    steps=st.integers(1, 5),
)
def test_adamw_matches_torch_adamw_step_for_step(
    shape, seed, lr, beta1, beta2, eps, weight_decay, steps
):
    rng = np.random.default_rng(seed)
    param = rng.normal(size=shape)
    m, v = np.zeros(shape), np.zeros(shape)
    parameter = torch.nn.Parameter(torch.tensor(param))
    optimizer = torch.optim.AdamW(
        [parameter], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay
    )
    for step in range(1, steps + 1):
        grad = rng.normal(size=shape)
        param, m, v = adamw_update(
            param,
            grad,
            m,
            v,
            step,
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay=weight_decay,
        )
        parameter.grad = torch.tensor(grad)
        optimizer.step()
        np.testing.assert_allclose(
            param, parameter.detach().numpy(), rtol=1e-10, atol=1e-12
        )


def test_adamw_decays_a_parameter_that_adam_with_l2_barely_moves():
    """Adam divides the L2 term by sqrt(v): with a large gradient the decay vanishes.
    AdamW shrinks the parameter by lr * lambda whatever the gradient."""
    param, zeros = np.array([1.0]), np.zeros(1)
    grad = np.array([100.0])  # a large gradient: v = 1e4 after one step
    options = {"lr": 0.1, "beta1": 0.0, "beta2": 0.0, "eps": 1e-8}
    no_decay, *_ = adam_update(param, grad, zeros, zeros, None, 1, **options)
    with_l2, *_ = adam_update(
        param, grad, zeros, zeros, None, 1, **options, weight_decay=0.5
    )
    adamw, _, _ = adamw_update(
        param, grad, zeros, zeros, 1, **options, weight_decay=0.5
    )
    # L2 inside Adam: the term 0.5 * param is divided by sqrt(v) = 100.5, lost
    assert abs(with_l2 - no_decay)[0] < 1e-6
    # AdamW: the parameter shrinks by lr * lambda * param = 0.05, whatever the gradient
    assert (no_decay - adamw)[0] == pytest.approx(0.05, rel=1e-6)


# --- dropout -------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    shape=shapes,
    p=st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    seed=st.integers(0, 1000),
)
def test_dropout_equals_torch_dropout_given_its_kept_units(shape, p, seed):
    torch.manual_seed(seed)
    h = torch.rand(shape, dtype=torch.float64) + 0.5  # no zero: zeros mark dropped
    theirs = torch.nn.functional.dropout(h, p, training=True)
    kept = theirs != 0
    torch.testing.assert_close(dropout(h, kept, p), theirs, rtol=1e-15, atol=0)


def test_dropout_mask_keeps_each_unit_with_probability_one_minus_p():
    torch.manual_seed(0)
    for p in (0.1, 0.5, 0.8):
        mask = dropout_mask(torch.zeros(200_000), p)
        assert mask.dtype == torch.bool
        spread = 4 * np.sqrt(p * (1 - p) / mask.numel())
        assert abs(mask.float().mean().item() - (1 - p)) < spread


def test_dropout_preserves_the_expected_value_of_every_unit():
    torch.manual_seed(1)
    h = torch.linspace(-2, 3, 6, dtype=torch.float64)
    p, draws = 0.3, 50_000
    copies = h.repeat(draws, 1)  # one row per draw of the mask
    outputs = dropout(copies, dropout_mask(copies, p), p)
    spread = 4 * h.abs() * np.sqrt(p / (1 - p) / draws)  # 4 standard errors
    assert torch.all((outputs.mean(dim=0) - h).abs() <= spread + 1e-12)
    # each unit is either 0 or h / (1 - p)
    assert torch.all((outputs == 0) | torch.isclose(outputs, h / (1 - p)))


def test_dropout_layer_is_the_identity_in_evaluation_mode_like_torch():
    h = torch.randn(5, 7)
    layer = Dropout(0.5)
    layer.eval()
    assert torch.equal(layer(h), h)
    assert torch.equal(torch.nn.functional.dropout(h, 0.5, training=False), h)
    layer.train()
    torch.manual_seed(2)
    dropped = layer(h)
    assert (dropped == 0).any() and not torch.equal(dropped, h)
    assert torch.equal(Dropout(0.0)(h), h)


def test_the_gradient_through_dropout_is_the_mask_scaled():
    torch.manual_seed(3)
    h = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    keep = dropout_mask(h, 0.4)
    dropout(h, keep, 0.4).sum().backward()
    torch.testing.assert_close(h.grad, keep.double() / 0.6)


def test_dropout_mlp_is_the_sequential_mlp_with_dropout_after_each_relu():
    torch.manual_seed(4)
    plain = sequential_mlp([40, 100, 100, 10])
    torch.manual_seed(4)
    model = dropout_mlp([40, 100, 100, 10], 0.2)
    kinds = [type(module).__name__ for module in model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    x = torch.randn(8, 40)
    model.eval()  # dropout off: the same function as the plain MLP
    torch.testing.assert_close(model(x), plain(x), rtol=0, atol=0)


# --- early stopping ------------------------------------------------------------------


def _stop_by_definition(curve, patience):
    """Stop at the first measurement that is `patience` past the best so far."""
    for i in range(len(curve)):
        best = int(np.argmin(curve[: i + 1]))
        if i - best == patience:
            return best, i
    return int(np.argmin(curve)), len(curve) - 1


@settings(max_examples=100, deadline=None)
@given(
    curve=st.lists(st.integers(0, 5), min_size=1, max_size=30),
    patience=st.integers(1, 8),
)
def test_early_stopping_follows_its_definition(curve, patience):
    curve = np.array(curve, dtype=float)
    best, stop = early_stopping(curve, patience)
    assert (best, stop) == _stop_by_definition(curve, patience)
    assert curve[best] == curve[: stop + 1].min()  # the best of what it saw
    if stop < len(curve) - 1:
        assert stop - best == patience


def test_early_stopping_examples():
    assert early_stopping([3.0, 2.0, 1.0, 0.5], patience=1) == (3, 3)
    assert early_stopping([3.0, 1.0, 2.0, 2.0, 0.0], patience=3) == (4, 4)
    assert early_stopping([3.0, 1.0, 2.0, 2.0, 2.0, 0.0], patience=3) == (1, 4)
    assert early_stopping([1.0, 1.0, 1.0], patience=2) == (0, 2)  # no improvement


# --- augmentation --------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    n_examples=st.integers(1, 6),
    n_positions=st.integers(1, 12),
    seed=st.integers(0, 1000),
)
def test_circular_shift_is_np_roll_of_each_row(n_examples, n_positions, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_examples, n_positions))
    shifts = rng.integers(-30, 31, size=n_examples)
    ours = circular_shift(torch.tensor(x), torch.tensor(shifts)).numpy()
    expected = np.stack([np.roll(row, shift) for row, shift in zip(x, shifts)])
    np.testing.assert_array_equal(ours, expected)


def test_augment_shifts_within_range_and_adds_noise_of_the_given_size():
    torch.manual_seed(5)
    x = torch.randn(200, 40, dtype=torch.float64)
    assert torch.equal(augment(x, 0, 0.0), x)
    shifted = augment(x, 3, 0.0)
    for row, new in zip(x.numpy(), shifted.numpy()):
        matches = [s for s in range(-3, 4) if np.array_equal(np.roll(row, s), new)]
        assert len(matches) == 1
    noisy = augment(x, 0, 0.1)
    assert (noisy - x).std().item() == pytest.approx(0.1, rel=0.03)


# --- the runs ------------------------------------------------------------------------


def test_regularized_run_without_regularizer_is_the_measuring_run():
    ours = regularized_run.__wrapped__(seed=1, steps=200)
    theirs = mnist1d_run.__wrapped__(seed=1, val_fraction=VAL_FRACTION, steps=200)
    assert sorted(ours) == sorted(theirs)
    for key, value in theirs.items():
        np.testing.assert_array_equal(ours[key], value)


def test_each_regularizer_changes_the_run():
    plain = regularized_run.__wrapped__(seed=0, steps=100)
    for options in ({"weight_decay": 0.3}, {"dropout": 0.2}, {"max_shift": 2}):
        run = regularized_run.__wrapped__(seed=0, steps=100, **options)
        assert not np.array_equal(run["train_loss"], plain["train_loss"])
        assert run["train_loss"][0] == plain["train_loss"][0]  # the same start


def test_compare_regularizers_reads_each_run_where_it_should(monkeypatch):
    """The table's logic on made-up runs: the last step, or early stopping's pick."""

    def run(val_loss, val_error, test_error):
        arrays = (val_loss, val_error, test_error)
        return dict(zip(("val_loss", "val_error", "test_error"), map(np.array, arrays)))

    n = 15
    plain = run(
        val_loss=[2.0, 1.0] + [3.0] * (n - 2),  # loss: best at index 1
        val_error=[0.9, 0.5, 0.45, 0.4] + [0.41] * (n - 4),  # error: best at 3
        test_error=np.linspace(0.8, 0.3, n),
    )
    by_options = {}

    def fake_regularized_run(seed=0, **options):
        key = tuple(sorted(options.items()))
        by_options.setdefault(key, 0.2 + 0.01 * len(by_options))
        error = by_options[key]
        decay = options.get("weight_decay", 0)
        val_error = [0.5, 0.3 if decay == 0.1 else 0.4]  # lambda 0.1 is best
        return run([1.0, 1.0], val_error, [0.9, error])

    monkeypatch.setattr(chapter, "mnist1d_run", lambda seed, fraction: plain)
    monkeypatch.setattr(chapter, "regularized_run", fake_regularized_run)
    assert 0.1 in WEIGHT_DECAYS and chapter.chosen_weight_decay() == 0.1
    monkeypatch.setattr(chapter, "SEEDS", (0,))
    results = chapter.compare_regularizers()
    assert list(results) == REGULARIZERS
    assert results["none"] == [pytest.approx(0.7)]
    assert results["early stopping (loss)"] == [
        pytest.approx(1 - plain["test_error"][1])
    ]
    assert results["early stopping (error)"] == [
        pytest.approx(1 - plain["test_error"][3])
    ]
    decayed = by_options[(("weight_decay", 0.1),)]
    assert results["weight decay"] == [pytest.approx(1 - decayed)]
    assert accuracy_at(plain, 0) == pytest.approx(0.2)


# --- bad inputs ----------------------------------------------------------------------


def test_bad_inputs_are_named():
    h = torch.ones(2, 3)
    with pytest.raises(ValueError, match="p"):
        dropout(h, torch.ones(2, 3, dtype=torch.bool), 1.0)
    with pytest.raises(ValueError, match="keep"):
        dropout(h, torch.ones(3, 2, dtype=torch.bool), 0.5)
    with pytest.raises(TypeError, match="keep"):
        dropout(h, torch.ones(2, 3), 0.5)
    with pytest.raises(ValueError, match="p"):
        Dropout(-0.1)
    with pytest.raises(ValueError, match="patience"):
        early_stopping([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="shifts"):
        circular_shift(torch.ones(2, 4), torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="weight_decay"):
        weight_decay_step(np.ones(2), np.ones(2), 0.1, -1.0)
    with pytest.raises(ValueError, match="gradient"):
        weight_decay_step(np.ones(2), np.ones(3), 0.1, 0.1)
    with pytest.raises(ValueError, match="dropout"):
        regularized_run.__wrapped__(dropout=1.5)
