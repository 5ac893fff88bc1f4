"""The implement-and-check exercises of Part II, building blocks, chapter by chapter."""

from dlfoundations.exercises._checker import Exercise

EXERCISES: list[Exercise] = []
