"""Run the book's experiments outside MkDocs.

    python -m dlfoundations.experiments            # every experiment, default settings
    python -m dlfoundations.experiments --list     # names, and whether each is cached
    python -m dlfoundations.experiments NAME ...   # some (the end of a name will do)

Results go to the same cache the build reads (``.cache/experiments/``), so a
following ``mkdocs build`` draws its figures without training anything.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import dlfoundations
from dlfoundations.experiments import ExperimentError, registered


def import_every_chapter() -> None:
    """Import every module of the package (not the figures): experiments register
    themselves when their module is imported."""
    for module in pkgutil.walk_packages(dlfoundations.__path__, "dlfoundations."):
        if module.name.startswith(("dlfoundations.figures", "dlfoundations.exp")):
            continue
        importlib.import_module(module.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlfoundations.experiments")
    parser.add_argument("names", nargs="*", help="experiments to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list them and stop")
    args = parser.parse_args(argv)
    import_every_chapter()
    experiments = registered()
    if args.list:
        for name, run in sorted(experiments.items()):
            state = "cached" if run.cache_path().is_file() else "not cached"
            print(f"{name}  ({state})")
        return 0
    chosen = sorted(experiments)
    if args.names:
        chosen = [n for n in chosen if any(n.endswith(tail) for tail in args.names)]
        if not chosen:
            print(f"no experiment named {args.names}; try --list", file=sys.stderr)
            return 2
    for name in chosen:
        started = time.perf_counter()
        try:
            experiments[name]()
        except ExperimentError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{name}: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
