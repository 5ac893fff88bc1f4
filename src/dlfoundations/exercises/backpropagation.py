"""The implement-and-check exercises of Part IV, backpropagation, chapter by chapter."""

from dlfoundations.exercises._checker import Exercise

EXERCISES: list[Exercise] = []
