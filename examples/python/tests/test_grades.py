import pytest

from gradebook import Course, Student, letter, weighted_average

WEIGHTS = {"homework": 30.0, "exam": 70.0}


def course() -> Course:
    c = Course(weights=WEIGHTS)
    c.enrol(Student("Ada", {"homework": 95.0, "exam": 88.0}))
    c.enrol(Student("Brian", {"homework": 70.0, "exam": 65.0}))
    c.enrol(Student("Chloe", {"homework": 100.0}))
    return c


def test_letters_at_their_boundaries() -> None:
    assert letter(100.0) == "A"
    assert letter(90.0) == "A"
    assert letter(89.9) == "B"
    assert letter(60.0) == "D"
    assert letter(59.9) == "F"


def test_letter_refuses_out_of_range() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        letter(101.0)


def test_weighted_average_counts_missing_as_zero() -> None:
    assert weighted_average({"homework": 100.0}, WEIGHTS) == pytest.approx(30.0)
    assert weighted_average({"homework": 80.0, "exam": 90.0}, WEIGHTS) == pytest.approx(87.0)


def test_weighted_average_refuses_unknown_categories() -> None:
    with pytest.raises(KeyError, match="quiz"):
        weighted_average({"quiz": 50.0}, WEIGHTS)


def test_report_is_best_first() -> None:
    assert course().report() == [
        ("Ada", 90.1, "A"),
        ("Brian", 66.5, "D"),
        ("Chloe", 30.0, "F"),
    ]


def test_distribution_has_every_letter() -> None:
    assert course().distribution() == {"A": 1, "B": 0, "C": 0, "D": 1, "F": 1}


def test_enrol_refuses_a_second_student_of_the_same_name() -> None:
    c = course()
    with pytest.raises(ValueError, match="already enrolled"):
        c.enrol(Student("Ada"))
