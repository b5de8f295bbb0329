//! The Python package (`examples/python`, tools in a venv): ruff, ruff format, mypy, pytest.

use crate::case::{Case, Edit, Hook, Line, check};
use crate::project::Project;

const ENROL_ALL_BAD: &str = "    def enrol_all(self, students: list[Student] = []) -> None:
        \"\"\"Adds several students, in order.\"\"\"
        for student in students:
            self.enrol(student)

    def average(";

const LINT: Case = Case {
    name: "ruff lint",
    defect: &[Edit {
        path: "src/gradebook/grades.py",
        from: "    def average(",
        to: ENROL_ALL_BAD,
    }],
    fix: &[Edit {
        path: "src/gradebook/grades.py",
        from: "    def average(",
        to: "    def enrol_all(self, students: tuple[Student, ...] = ()) -> None:
        \"\"\"Adds several students, in order.\"\"\"
        for student in students:
            self.enrol(student)

    def average(",
    }],
    failing: &["ruff"],
    file: "src/gradebook/grades.py",
    line: Line::Broken("def enrol_all(self, students: list[Student] = [])"),
    says: &["B006"],
    hook: Hook::Commit,
};

const READ_SCORES_END: &str = "        students.append(Student(name=row[0].strip(), scores=scores))
    return students
";

const TYPE_ERROR: Case = Case {
    name: "type error",
    defect: &[Edit {
        path: "src/gradebook/scores.py",
        from: READ_SCORES_END,
        to: concat!(
            "        students.append(Student(name=row[0].strip(), scores=scores))
    return students
",
            "

def average_score(students: list[Student], category: str) -> float:
    \"\"\"The mean score of a category.\"\"\"
    scores = [student.scores.get(category) for student in students]
    return sum(scores) / len(scores)
"
        ),
    }],
    fix: &[Edit {
        path: "src/gradebook/scores.py",
        from: READ_SCORES_END,
        to: concat!(
            "        students.append(Student(name=row[0].strip(), scores=scores))
    return students
",
            "

def average_score(students: list[Student], category: str) -> float:
    \"\"\"The mean score of a category over the students who have one (0 when none has).\"\"\"
    scores = [student.scores[category] for student in students if category in student.scores]
    return sum(scores) / len(scores) if scores else 0.0
"
        ),
    }],
    failing: &["mypy"],
    file: "src/gradebook/scores.py",
    line: Line::Broken("return sum(scores) / len(scores)"),
    says: &["sum"],
    hook: Hook::Commit,
};

const LETTER_LOOP: &str = "    for lowest, grade in LETTERS:
        if average >= lowest:
            return grade
    return \"F\"
";

const FAILING_TEST: Case = Case {
    name: "failing unit test",
    defect: &[Edit {
        path: "src/gradebook/grades.py",
        from: "        if average >= lowest:\n",
        to: "        if average > lowest:\n",
    }],
    fix: &[Edit {
        path: "src/gradebook/grades.py",
        from: LETTER_LOOP,
        to: "    return next((grade for lowest, grade in LETTERS if average >= lowest), \"F\")\n",
    }],
    failing: &["pytest"],
    file: "tests/test_grades.py",
    line: Line::Broken("assert letter(90.0) == \"A\""),
    says: &["assert 'B' == 'A'"],
    hook: Hook::Push,
};

const TOO_MANY_CELLS_TEST: &str = "def test_a_row_with_too_many_cells() -> None:
    with pytest.raises(ScoreError, match=\"expected 2 cells, found 3\"):
        read_scores(\"name,exam\\nAda,95,96\\n\")
";

const TOO_FEW_CELLS_TEST: &str = "def test_a_row_with_too_few_cells() -> None:
    with pytest.raises(ScoreError, match=\"expected 3 cells, found 2\"):
        read_scores(\"name,homework,exam\\nAda,95\\n\")
";

const DELETED_TEST: Case = Case {
    name: "deleted test",
    defect: &[Edit {
        path: "tests/test_scores.py",
        from: TOO_MANY_CELLS_TEST,
        to: TOO_FEW_CELLS_TEST,
    }],
    fix: &[Edit {
        path: "tests/test_scores.py",
        from: TOO_MANY_CELLS_TEST,
        to: concat!(
            "def test_a_row_with_too_many_cells() -> None:
    with pytest.raises(ScoreError, match=\"expected 2 cells, found 3\"):
        read_scores(\"name,exam\\nAda,95,96\\n\")


",
            "def test_a_row_with_too_few_cells() -> None:
    with pytest.raises(ScoreError, match=\"expected 3 cells, found 2\"):
        read_scores(\"name,homework,exam\\nAda,95\\n\")
"
        ),
    }],
    failing: &["protected"],
    file: "tests/test_scores.py",
    line: Line::Before("def test_a_row_with_too_many_cells"),
    says: &["test_a_row_with_too_many_cells"],
    hook: Hook::Commit,
};

#[test]
#[ignore = "needs the examples' tools; run by .ci/run"]
fn python_package() {
    let project = Project::new("python");
    for case in [LINT, TYPE_ERROR, FAILING_TEST, DELETED_TEST] {
        check(&project, &case);
    }
}
