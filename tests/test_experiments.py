"""The experiment layer: results cached by code, parameters and versions; written
atomically; failures named; computed once when two processes ask at the same time."""

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dlfoundations.experiments import ExperimentError, experiment, registered
from dlfoundations.experiments._cache import metadata

ROOT = Path(__file__).resolve().parents[1]

MODULE = """
import time
from pathlib import Path

from dlfoundations.checks import check_arguments, count
from dlfoundations.experiments import experiment

LOG = Path(__file__).with_name("calls.log")
SCALE = {scale}


def _unused_helper():
    return {unused}


@experiment
def sweep(n: int = 3, seed: int = 0) -> dict:
    with LOG.open("a") as log:
        log.write(f"{{n}} {{seed}}\\n")
    time.sleep({sleep})
    rng = __import__("numpy").random.default_rng(seed)
    return {{"values": SCALE * rng.normal(size=n), "best": float(n), "label": "ok"}}


@experiment
def broken(n: int = 1) -> dict:
    partial = {{"values": [1.0] * n}}
    raise FloatingPointError("diverged at step 7")


@experiment
def not_plain() -> dict:
    return {{"model": object()}}


@experiment
def on_a_device(device=None) -> dict:
    return {{"seen": str(device)}}


@experiment
def threads() -> dict:
    import threadpoolctl
    import torch

    pools = [pool["num_threads"] for pool in threadpoolctl.threadpool_info()]
    return {{"torch": torch.get_num_threads(), "blas": pools}}


@experiment
@check_arguments(n=count)
def checked(n: int = 2) -> dict:
    with LOG.open("a") as log:
        log.write(f"checked {{n}}\\n")
    return {{"n": n}}
"""


def write_module(folder: Path, name: str, scale=1.0, unused=0, sleep=0.0):
    source = MODULE.format(scale=scale, unused=unused, sleep=sleep)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return importlib.import_module(name)


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A folder on sys.path for experiment modules, and a private cache."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DLF_EXPERIMENT_CACHE", str(tmp_path / "cache"))
    return tmp_path


def calls(folder: Path) -> list[str]:
    log = folder / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_results_are_computed_once_and_read_back(lab):
    module = write_module(lab, "exp_once")
    first = module.sweep()
    second = module.sweep()
    assert calls(lab) == ["3 0"]
    np.testing.assert_array_equal(first["values"], second["values"])
    assert second["best"] == 3.0 and isinstance(second["best"], float)
    assert second["label"] == "ok"
    stored = list((lab / "cache").rglob("sweep.*.npz"))
    assert len(stored) == 1
    assert metadata(stored[0])["parameters"] == {"n": 3, "seed": 0}


def test_other_parameters_are_another_result(lab):
    module = write_module(lab, "exp_params")
    module.sweep(n=2)
    module.sweep(n=2, seed=1)
    module.sweep(2)  # the same as n=2: defaults and positions are normalised
    assert calls(lab) == ["2 0", "2 1"]


def test_changing_the_code_it_runs_recomputes_and_restyling_elsewhere_does_not(lab):
    module = write_module(lab, "exp_code")
    module.sweep()
    module = write_module(lab, "exp_code", unused=1)  # code sweep does not use
    module.sweep()
    assert calls(lab) == ["3 0"]
    module = write_module(lab, "exp_code", scale=2.0)  # a constant sweep uses
    changed = module.sweep()
    assert calls(lab) == ["3 0", "3 0"]
    assert np.all(np.abs(changed["values"]) > 0)


def test_a_failing_experiment_is_named_and_leaves_nothing(lab):
    module = write_module(lab, "exp_broken")
    with pytest.raises(ExperimentError) as error:
        module.broken(n=2)
    message = str(error.value)
    assert "exp_broken.broken" in message and "{'n': 2}" in message
    assert "FloatingPointError: diverged at step 7" in message  # the traceback
    assert not list((lab / "cache").rglob("*.npz"))
    assert not list((lab / "cache").rglob(".tmp-*"))


def test_a_bad_argument_is_the_callers_error_and_runs_nothing(lab):
    """An experiment decorated with check_arguments checks a call's arguments before
    it looks for a result: a bad one raises its own ValueError, naming it."""
    module = write_module(lab, "exp_checked")
    with pytest.raises(ValueError, match="n must be at least 1") as error:
        module.checked(n=0)
    assert not isinstance(error.value, ExperimentError)
    assert calls(lab) == [] and not list((lab / "cache").rglob("*.npz"))
    assert module.checked(n=3) == {"n": 3} and calls(lab) == ["checked 3"]


def test_results_must_be_plain_data(lab):
    module = write_module(lab, "exp_plain")
    with pytest.raises(ExperimentError, match="result 'model' must be numbers"):
        module.not_plain()
    with pytest.raises(ExperimentError, match="parameter n must be a number"):
        module.sweep(n=object())


def test_the_result_says_which_device_produced_it(lab):
    module = write_module(lab, "exp_device")
    result = module.on_a_device()
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert result["device"] == result["seen"] == expected


def test_experiments_register_by_part_chapter_and_name(lab):
    write_module(lab, "exp_names")
    assert "exp_names.sweep" in registered()


def test_two_processes_asking_at_once_compute_it_once(lab):
    write_module(lab, "exp_race", sleep=1.0)
    script = "import exp_race; print(exp_race.sweep()['values'].sum())"
    env = {
        **__import__("os").environ,
        "PYTHONPATH": f"{lab}:{ROOT / 'src'}",
        "DLF_EXPERIMENT_CACHE": str(lab / "cache"),
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert outputs[0] == outputs[1]
    assert calls(lab) == ["3 0"]


def test_the_command_lists_and_runs_experiments(lab):
    env = {**__import__("os").environ, "DLF_EXPERIMENT_CACHE": str(lab / "cache")}
    listed = subprocess.run(
        [sys.executable, "-m", "dlfoundations.experiments", "--list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    assert "generalization.mnist1d.mnist1d  (not cached)" in listed.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "dlfoundations.experiments", "no-such-experiment"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert unknown.returncode == 2 and "try --list" in unknown.stderr


def test_an_experiment_runs_on_one_thread_and_gives_the_others_back(lab):
    """Sums split over threads add in another order: one thread makes a run's result
    the same on every machine (and the cache right to share it)."""
    import torch

    module = write_module(lab, "exp_threads")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        inside = module.threads()
        assert torch.get_num_threads() == 2, "the caller's threads were not restored"
    finally:
        torch.set_num_threads(before)
    assert int(inside["torch"]) == 1
    assert set(np.atleast_1d(inside["blas"]).tolist()) <= {1}


def test_decorating_keeps_the_function_for_uncached_runs(lab):
    module = write_module(lab, "exp_wrapped")
    result = module.sweep.__wrapped__(n=1)
    assert result["values"].shape == (1,)
    assert not list((lab / "cache").rglob("*.npz"))
    assert experiment  # the decorator is the public entry point


CHECKED = """
import numpy as np

from dlfoundations.checks import check_arguments, count
from dlfoundations.experiments import experiment


@experiment
@check_arguments(n=count)
def checked_sweep(n: int = 2) -> dict:
    return {"values": np.zeros(n)}
"""


def test_bad_arguments_raise_the_declared_check_before_any_cache(lab):
    """An experiment whose arguments are declared with check_arguments refuses a bad
    one with the check's own error (not an ExperimentError), and stores nothing."""
    (lab / "exp_checked.py").write_text(CHECKED)
    sys.modules.pop("exp_checked", None)
    importlib.invalidate_caches()
    module = importlib.import_module("exp_checked")
    with pytest.raises(ValueError, match="n must be at least 1"):
        module.checked_sweep(n=0)
    with pytest.raises(TypeError, match="n must be an integer"):
        module.checked_sweep(n="two")
    assert not list((lab / "cache").rglob("*.npz"))
    assert module.checked_sweep(n=3)["values"].shape == (3,)
