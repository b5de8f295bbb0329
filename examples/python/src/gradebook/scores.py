"""Reading scores from CSV text: a header `name,<category>,...`, then one row per student."""

from __future__ import annotations

import csv
import io

from gradebook.grades import Student


class ScoreError(ValueError):
    """A row of the CSV that cannot be read, with its line number."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def parse_score(text: str) -> float | None:
    """A score between 0 and 100, or None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    value = float(text.rstrip("%"))
    if not 0.0 <= value <= 100.0:
        raise ValueError(f"{text} is not between 0 and 100")
    return value


def read_scores(text: str) -> list[Student]:
    """The students of a CSV text; empty cells are left out of a student's scores."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0] or rows[0][0].strip().lower() != "name":
        raise ScoreError(1, "the header must start with `name`")
    categories = [c.strip().lower() for c in rows[0][1:]]
    students = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(categories) + 1:
            raise ScoreError(number, f"expected {len(categories) + 1} cells, found {len(row)}")
        scores: dict[str, float] = {}
        for category, cell in zip(categories, row[1:], strict=True):
            try:
                score = parse_score(cell)
            except ValueError as error:
                raise ScoreError(number, f"{category}: {error}") from error
            if score is not None:
                scores[category] = score
        students.append(Student(name=row[0].strip(), scores=scores))
    return students
