"""Weighted course grades from a CSV of scores."""

from gradebook.grades import Course, Student, letter, weighted_average
from gradebook.scores import ScoreError, read_scores

__all__ = ["Course", "ScoreError", "Student", "letter", "read_scores", "weighted_average"]
