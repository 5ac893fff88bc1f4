"""Published results the book reproduces, measured by this build.

A chapter declares a result it reproduces by decorating a function that measures
it (from an experiment's cached results, so nothing is trained twice):

    @reproduces(
        id="micrograd-moons-train-accuracy",
        claim="micrograd's MLP fits the 100 two-moons points",
        source="Karpathy, micrograd, demo.ipynb",
        published=1.0,
        tolerance=0.0,
    )
    def micrograd_moons_accuracy() -> float: ...

The "Reproduced results" page and ``reproductions.json`` of the built site list
every declared result, with the published value, the measured one, and whether it
holds (``|measured - published| <= tolerance``). A new result needs its function
only: the page and the JSON take it without changes.

    python -m dlfoundations.reproductions              # the table, measured now
    python -m dlfoundations.reproductions --json FILE  # the same, as JSON
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass

_REGISTRY: dict[str, Reproduction] = {}


@dataclass(frozen=True)
class Reproduction:
    """One published number, and the function that measures it here."""

    id: str
    claim: str
    source: str
    published: float
    tolerance: float
    measure: Callable[[], float]

    def holds(self, measured: float) -> bool:
        return math.isfinite(measured) and abs(measured - self.published) <= (
            self.tolerance
        )


def reproduces(
    *, id: str, claim: str, source: str, published: float, tolerance: float
) -> Callable:
    """Declare that the decorated function measures a published result."""

    def register(measure: Callable[[], float]) -> Callable[[], float]:
        if id in _REGISTRY and _REGISTRY[id].measure.__qualname__ != (
            measure.__qualname__
        ):
            raise ValueError(f"reproduction id {id!r} is declared twice")
        if tolerance < 0 or not math.isfinite(published):
            raise ValueError(f"{id}: tolerance must be >= 0 and published finite")
        _REGISTRY[id] = Reproduction(id, claim, source, published, tolerance, measure)
        return measure

    return register


def declared() -> list[Reproduction]:
    """Every result declared by a chapter of the package, in the book's order."""
    import dlfoundations

    for module in pkgutil.walk_packages(dlfoundations.__path__, "dlfoundations."):
        if not module.name.startswith(("dlfoundations.figures", "dlfoundations.exp")):
            importlib.import_module(module.name)
    return list(_REGISTRY.values())


def measure_all() -> list[dict]:
    """Each result as the page and the JSON show it: numbers as numbers."""
    rows = []
    for result in declared():
        measured = float(result.measure())
        rows.append(
            {
                "id": result.id,
                "claim": result.claim,
                "source": result.source,
                "published": result.published,
                "measured": measured,
                "tolerance": result.tolerance,
                "holds": result.holds(measured),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlfoundations.reproductions")
    parser.add_argument("--json", help="write {'results': [...]} to this file")
    args = parser.parse_args(argv)
    # run as a script this module is __main__: measure with the package's own copy,
    # where the chapters register their results
    from dlfoundations.reproductions import measure_all

    rows = measure_all()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump({"results": rows}, file, indent=1)
    for row in rows:
        verdict = "holds" if row["holds"] else "DOES NOT HOLD"
        print(
            f"{row['id']}: published {row['published']:.4g}, "
            f"measured {row['measured']:.4g} ({verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
