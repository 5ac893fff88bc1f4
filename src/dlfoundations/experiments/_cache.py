"""The experiment cache: keys read from the source, results stored as ``.npz`` files."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import inspect
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from dlfoundations.figures._build import (
    KEY_LENGTH,
    _top_level_definitions,
    code_digest,
    imported_names,
    library_versions,
)

_REGISTRY: dict[str, Callable] = {}


class ExperimentError(RuntimeError):
    """An experiment raised, or returned something that is not plain results."""


def cache_dir() -> Path:
    """Where results live: ``$DLF_EXPERIMENT_CACHE``, else ``.cache/experiments``."""
    configured = os.environ.get("DLF_EXPERIMENT_CACHE")
    return Path(configured) if configured else Path.cwd() / ".cache" / "experiments"


def registered() -> dict[str, Callable]:
    """Every experiment imported so far, by name (``<part>.<chapter>.<function>``)."""
    return dict(_REGISTRY)


def progress(iterable: Iterable, description: str, total: int | None = None):
    """A progress bar on the terminal for a long loop (none when output is not a
    terminal, as in CI logs)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description, total=total, leave=False, disable=None)


def code_key(function: Callable) -> str:
    """Hash of the function's source, the module-level code it uses and every package
    module it imports, transitively (the figure keys' rule, ``code_digest``), with
    this cache's own code and the library versions: what makes a result stale."""
    module = function.__module__
    path = Path(sys.modules[module].__file__)
    src_dir = path.parents[len(module.split(".")) - 1]
    if path.name == "__init__.py":
        src_dir = src_dir.parent
    source = path.read_text(encoding="utf-8")
    tree, lines = ast.parse(source), source.splitlines(keepends=True)
    definitions = _top_level_definitions(tree)
    imports = imported_names(src_dir, module, tree)
    shared = library_versions().encode() + Path(__file__).read_bytes()
    node = definitions[function.__name__]
    return code_digest(src_dir, node, lines, definitions, imports, shared)[0]


def _plain(value, where: str):
    """Parameters must be plain data (they are part of the key)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item, where) for item in value]
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), where)
    raise ExperimentError(
        f"{where} must be a number, a string, a bool, None or a list of them, "
        f"got {type(value).__name__}"
    )


def _store(results, name: str) -> dict[str, np.ndarray]:
    """Plain results as arrays for ``np.savez``; anything else is refused by name."""
    if not isinstance(results, dict) or not all(isinstance(k, str) for k in results):
        kind = type(results).__name__
        raise ExperimentError(
            f"experiment {name} must return a dict by name, got {kind}"
        )
    arrays = {}
    for key, value in results.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise ExperimentError(
                f"experiment {name}: result {key!r} must be numbers or strings "
                f"(an array, a number, a list), got {type(value).__name__}"
            )
        arrays[key] = array
    return arrays


def _load(path: Path) -> tuple[dict, dict]:
    with np.load(path, allow_pickle=False) as stored:
        results = {
            key: stored[key].item() if stored[key].ndim == 0 else stored[key]
            for key in stored.files
            if key != "_meta"
        }
        meta = json.loads(str(stored["_meta"]))
    return results, meta


def _write_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def one_thread():
    """Run on one CPU thread, whatever the machine: a sum split over several threads
    adds in another order, and a training run of a few thousand steps then ends
    elsewhere (the CNN on shuffled MNIST-1D, seed 0: 0.593 on one thread, 0.577 on
    two). One thread makes a result the same on every machine, and the cache right
    to share it."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")  # loaded by the experiment's module, if it uses it
    threads = torch.get_num_threads() if torch else None
    with threadpool_limits(limits=1):
        if torch:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(threads)


def experiment(function: Callable) -> Callable:
    """Cache ``function``'s results by its code, its parameters and the library
    versions; see :mod:`dlfoundations.experiments`.

    The decorated function returns the cached results when they exist and computes
    (then stores) them otherwise. ``wrapper.__wrapped__`` runs it uncached.
    """
    module = function.__module__.removeprefix("dlfoundations.")
    name = f"{module}.{function.__name__}"
    signature = inspect.signature(function)
    takes_device = "device" in signature.parameters

    def cache_path(arguments: dict, device: str) -> tuple[Path, dict]:
        parameters = {k: v for k, v in arguments.items() if k != "device"}
        parameters = {
            k: _plain(v, f"{name}: parameter {k}") for k, v in parameters.items()
        }
        digest = hashlib.sha256(code_key(function).encode())
        digest.update(json.dumps([parameters, device], sort_keys=True).encode())
        key = digest.hexdigest()[:KEY_LENGTH]
        folder = cache_dir().joinpath(*module.split("."))
        return folder / f"{function.__name__}.{key}.npz", parameters

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        # bad arguments are refused before the cache is consulted, by the function's
        # own checks (dlfoundations.checks) when it has them
        bind = getattr(function, "check_call", signature.bind)
        bound = bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        device = "cpu"
        if takes_device:
            if arguments.get("device") is None:
                from dlfoundations.backpropagation.pytorch import get_device

                arguments["device"] = get_device()
            device = str(arguments["device"])
        path, parameters = cache_path(arguments, device)
        if path.is_file():
            return _load(path)[0]
        from filelock import FileLock

        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.with_suffix(".lock"))):
            if path.is_file():  # another process computed it while we waited
                return _load(path)[0]
            started = time.perf_counter()
            try:
                with one_thread():
                    results = function(**arguments)
            except Exception as error:
                details = traceback.format_exc()
                raise ExperimentError(
                    f"experiment {name}({parameters}) failed on {device}:\n{details}"
                ) from error
            arrays = _store(results, name)
            if takes_device:
                arrays["device"] = np.asarray(device)
            seconds = time.perf_counter() - started
            meta = {"name": name, "parameters": parameters, "device": device}
            meta |= {"seconds": seconds, "versions": library_versions()}
            arrays["_meta"] = np.asarray(json.dumps(meta, sort_keys=True))
            _write_atomically(path, arrays)
            print(f"experiment {name}: {seconds:.1f} s on {device}", file=sys.stderr)
        return _load(path)[0]

    wrapper.experiment_name = name
    wrapper.cache_path = lambda **kwargs: cache_path(
        {**_defaults(signature), **kwargs}, "cpu"
    )[0]
    _REGISTRY[name] = wrapper
    return wrapper


def _defaults(signature: inspect.Signature) -> dict:
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def metadata(path: Path) -> dict:
    """What a cached result records about itself: name, parameters, device, seconds."""
    return _load(path)[1]
