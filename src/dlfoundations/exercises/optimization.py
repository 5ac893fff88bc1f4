"""The implement-and-check exercises of Part III, optimization, chapter by chapter."""

from dlfoundations.exercises._checker import Exercise

EXERCISES: list[Exercise] = []
