import pytest

from gradebook import ScoreError, read_scores
from gradebook.scores import parse_score

CSV = """name,Homework,Exam
Ada,95,88
Brian,70%,

Chloe,,100
"""


def test_reads_students_and_leaves_out_empty_cells() -> None:
    students = read_scores(CSV)
    assert [s.name for s in students] == ["Ada", "Brian", "Chloe"]
    assert students[0].scores == {"homework": 95.0, "exam": 88.0}
    assert students[1].scores == {"homework": 70.0}
    assert students[2].scores == {"exam": 100.0}


def test_parse_score() -> None:
    assert parse_score(" 42.5 ") == 42.5
    assert parse_score("") is None
    with pytest.raises(ValueError):
        parse_score("120")


def test_a_bad_row_names_its_line() -> None:
    with pytest.raises(ScoreError) as caught:
        read_scores("name,exam\nAda,95\nBrian,x\n")
    assert caught.value.line == 3
    assert "exam" in str(caught.value)


def test_a_row_with_too_many_cells() -> None:
    with pytest.raises(ScoreError, match="expected 2 cells, found 3"):
        read_scores("name,exam\nAda,95,96\n")


def test_the_header_must_name_the_students() -> None:
    with pytest.raises(ScoreError, match="line 1"):
        read_scores("student,exam\nAda,95\n")
