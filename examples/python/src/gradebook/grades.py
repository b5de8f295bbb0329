"""Weights, averages and letter grades."""

from __future__ import annotations

from dataclasses import dataclass, field

# The lowest average for each letter, best first.
LETTERS: tuple[tuple[float, str], ...] = (
    (90.0, "A"),
    (80.0, "B"),
    (70.0, "C"),
    (60.0, "D"),
)


def letter(average: float) -> str:
    """The letter grade of an average between 0 and 100."""
    if not 0.0 <= average <= 100.0:
        raise ValueError(f"an average must be between 0 and 100, not {average}")
    for lowest, grade in LETTERS:
        if average >= lowest:
            return grade
    return "F"


def weighted_average(scores: dict[str, float], weights: dict[str, float]) -> float:
    """The average of the scores, each counted by its category's weight.

    A category without a score counts as 0; a score without a weight is an error.
    """
    unknown = sorted(set(scores) - set(weights))
    if unknown:
        raise KeyError(f"no weight for {', '.join(unknown)}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("the weights must add up to more than 0")
    return sum(scores.get(name, 0.0) * weight for name, weight in weights.items()) / total


@dataclass
class Student:
    """A student and their score (0 to 100) per category."""

    name: str
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class Course:
    """A course: category weights and the students enrolled."""

    weights: dict[str, float]
    students: list[Student] = field(default_factory=list)

    def enrol(self, student: Student) -> None:
        """Adds a student; names are unique."""
        if any(s.name == student.name for s in self.students):
            raise ValueError(f"{student.name} is already enrolled")
        self.students.append(student)

    def average(self, name: str) -> float:
        """The weighted average of one student."""
        for student in self.students:
            if student.name == name:
                return weighted_average(student.scores, self.weights)
        raise KeyError(name)

    def report(self) -> list[tuple[str, float, str]]:
        """Name, average (rounded to one decimal) and letter of each student, best first."""
        rows = [(s.name, round(weighted_average(s.scores, self.weights), 1)) for s in self.students]
        rows.sort(key=lambda row: (-row[1], row[0]))
        return [(name, average, letter(average)) for name, average in rows]

    def distribution(self) -> dict[str, int]:
        """How many students got each letter (every letter present, even at 0)."""
        counts = {grade: 0 for _, grade in LETTERS}
        counts["F"] = 0
        for _, _, grade in self.report():
            counts[grade] += 1
        return counts
