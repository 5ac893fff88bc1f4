"""The implement-and-check exercises of Part V, generalization, chapter by chapter."""

from dlfoundations.exercises._checker import Exercise

EXERCISES: list[Exercise] = []
