"""`gradebook WEIGHTS CSV`: prints each student's average and letter, best first."""

from __future__ import annotations

import sys
from pathlib import Path

from gradebook.grades import Course
from gradebook.scores import ScoreError, read_scores


def parse_weights(text: str) -> dict[str, float]:
    """`homework=30,exam=70` as a dict."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        weights[name.strip().lower()] = float(value)
    return weights


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: gradebook homework=30,exam=70 scores.csv", file=sys.stderr)
        return 2
    course = Course(weights=parse_weights(args[0]))
    try:
        for student in read_scores(Path(args[1]).read_text(encoding="utf-8")):
            course.enrol(student)
    except (OSError, ScoreError, ValueError) as error:
        print(f"gradebook: {error}", file=sys.stderr)
        return 1
    for name, average, grade in course.report():
        print(f"{name:<20} {average:5.1f}  {grade}")
    return 0
