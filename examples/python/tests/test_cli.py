from pathlib import Path

import pytest

from gradebook.cli import main, parse_weights


def test_parse_weights() -> None:
    assert parse_weights("Homework=30, exam=70") == {"homework": 30.0, "exam": 70.0}


def test_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text("name,homework,exam\nAda,95,88\nBrian,70,65\n", encoding="utf-8")
    assert main(["homework=30,exam=70", str(scores)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Ada                   90.1  A", "Brian                 66.5  D"]


def test_a_bad_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text("name,exam\nAda,150\n", encoding="utf-8")
    assert main(["exam=100", str(scores)]) == 1
    assert "line 2: exam: 150 is not between 0 and 100" in capsys.readouterr().err
