"""The implement-and-check exercises of Part VI, architectures, chapter by chapter."""

from dlfoundations.exercises._checker import Exercise

EXERCISES: list[Exercise] = []
