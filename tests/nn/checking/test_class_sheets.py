"""Exercise sheets for a class (issue 22): a sheet per student of a roster, the teacher's key,
and the numbers the students typed graded, each against their own key."""

import csv

import pytest
from test_exercises import by_hand, four_digits

from nn.checking.class_sheets import (
    KEY,
    grade_answers,
    read_answers_csv,
    read_roster,
    sheet_exercise,
    write_sheets,
)

TEX = {"delta_1^3": r"\delta_1^3", "dC/dw_12^3": r"\frac{\partial C}{\partial w_{12}^3}"}


def key_of(folder):
    with open(folder / KEY, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {(r["student"], r["quantity"]): float(r["value"]) for r in rows}


def test_a_roster_is_its_student_column_or_its_first_without_a_header(tmp_path):
    (tmp_path / "r.csv").write_text("name,student\nAda Lovelace,ada\nBo,bo-2\n", encoding="utf-8")
    assert read_roster(tmp_path / "r.csv") == ["ada", "bo-2"]
    (tmp_path / "plain.csv").write_text("ada\ncy.d\n", encoding="utf-8")
    assert read_roster(tmp_path / "plain.csv") == ["ada", "cy.d"]


@pytest.mark.parametrize("text, words", [
    ("student\nada\nada\n", "student 'ada' is listed twice"),
    ("student\n../ada\n", "ids name files"),
    ("student\n.hidden\n", "ids name files"),
    ("", "no students"),
])
def test_a_roster_that_cannot_name_files_is_refused_naming_the_id(tmp_path, text, words):
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=words):
        read_roster(tmp_path / "r.csv")


def test_each_sheet_has_the_students_own_numbers_and_the_key_is_worked_by_hand(tmp_path):
    write_sheets(["ada", "bo"], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ada.html", "ada.md", "bo.html", "bo.md", KEY])
    key = key_of(tmp_path)
    for student in ("ada", "bo"):
        ex = sheet_exercise(student)
        for quantity, value in by_hand(ex).items():  # the lecture's formulas, on floats, here
            assert key[student, quantity] == pytest.approx(value, rel=1e-12, abs=1e-15)
        md = (tmp_path / f"{student}.md").read_text(encoding="utf-8")
        assert all(f"{v:g}" in md for v in ex.x)
    ada, bo = sheet_exercise("ada"), sheet_exercise("bo")
    assert [p.data for p in ada.net.parameters()] != [p.data for p in bo.net.parameters()]
    write_sheets(["ada", "bo"], tmp_path / "again")
    assert (tmp_path / KEY).read_bytes() == (tmp_path / "again" / KEY).read_bytes()


def typed(student, quantities, change=lambda q, v: v):
    """What a student types: each number to the sheet's four significant digits."""
    return {q: four_digits(change(q, v)) for q, v in quantities.items()}


def test_typed_answers_are_graded_against_each_students_own_key():
    ada = by_hand(sheet_exercise("ada"))
    right = typed("ada", ada)
    grades = {g.student: g for g in grade_answers({"ada": right, "bo": right})}
    assert (grades["ada"].score, grades["ada"].max_score) == (len(ada), len(ada))
    assert grades["ada"].mistake is None and grades["ada"].status == "checked"
    assert grades["bo"].score < grades["bo"].max_score  # ada's numbers are not bo's answers


def test_a_wrong_number_a_catalogued_mistake_gives_is_named_as_that_mistake():
    ada = by_hand(sheet_exercise("ada"))
    backward = ("delta", "dC/")
    flipped = typed("ada", ada, lambda q, v: -v if q.startswith(backward) else v)  # (y - a)
    (grade,) = grade_answers({"ada": flipped})
    assert grade.mistake == "error_sign"
    assert grade.first_wrong == "delta_1^3"
    assert grade.score == sum(not q.startswith(backward) for q in ada)  # the forward pass


def test_a_quantity_may_be_named_in_tex(tmp_path):
    ada = typed("ada", by_hand(sheet_exercise("ada")))
    rows = ["student,quantity,value"] + [f'ada,"{TEX.get(q, q)}",{v!r}' for q, v in ada.items()]
    (tmp_path / "answers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    answers = read_answers_csv(tmp_path / "answers.csv")
    assert set(TEX.values()) <= set(answers["ada"])
    (grade,) = grade_answers(answers)
    assert grade.score == grade.max_score


@pytest.mark.parametrize("text, words", [
    ("student,value\nada,1\n", "expected the columns student, quantity, value"),
    ("student,quantity,value\nada,C,one\n", "line 2: 'one' is not a finite number"),
    ("student,quantity,value\nada,C,nan\n", "line 2: 'nan' is not a finite number"),
    ("student,quantity,value\nada,C,1\nada,C,2\n", "line 3: ada's C is given twice"),
    ("student,quantity,value\nada,C\n", "line 2: expected student, quantity, value"),
])
def test_a_file_of_answers_read_wrongly_is_refused_naming_the_line(tmp_path, text, words):
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=words):
        read_answers_csv(tmp_path / "a.csv")


def test_the_roster_and_the_answers_from_the_command_line(tmp_path, run_cli):
    (tmp_path / "roster.csv").write_text("student\nada\nbo\n", encoding="utf-8")
    made = run_cli(tmp_path, "exercise", "--roster", "roster.csv", "--out", "sheets")
    assert made.returncode == 0, made.stderr
    assert "wrote 2 sheets" in made.stdout
    key = key_of(tmp_path / "sheets")
    lines = ["student,quantity,value"]
    for (student, quantity), value in key.items():
        wrong = student == "bo" and quantity == "C"
        lines.append(f"{student},{quantity},{four_digits(value) + wrong}")
    (tmp_path / "answers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    graded = run_cli(tmp_path, "grade", "--answers", "answers.csv", "--out", "grades")
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "grades" / "grades.csv", encoding="utf-8", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    most = str(len(sheet_exercise("ada").symbols()))
    assert (rows["ada"]["score"], rows["ada"]["max_score"]) == (most, most)
    assert (rows["bo"]["score"], rows["bo"]["first_wrong"]) == (str(int(most) - 1), "C")
    assert (tmp_path / "grades" / "class.html").exists()


@pytest.mark.parametrize("args, words", [
    (("--roster", "roster.csv", "--out", "sheet.html"), "--roster needs --out FOLDER"),
    (("--roster", "missing.csv", "--out", "sheets"), "no such file: missing.csv"),
    (("--roster", "roster.csv", "--out", "sheets", "--solution"), "not --check or --solution"),
])
def test_a_roster_given_wrongly_is_one_line(tmp_path, run_cli, args, words):
    (tmp_path / "roster.csv").write_text("student\nada\n", encoding="utf-8")
    result = run_cli(tmp_path, "exercise", *args)
    assert result.returncode != 0
    assert result.stderr.startswith("deltagrad exercise: error: ") and words in result.stderr
    assert result.stderr.count("\n") == 1
