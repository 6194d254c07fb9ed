"""Exercise sheets for a class: a sheet per student, the teacher's key, and the answers graded.

    deltagrad exercise --roster roster.csv --out sheets/
    deltagrad grade --answers answers.csv --out grades/

``write_sheets`` gives each student of a roster their own exercise
(``nn.exercise``, seeded from their id, as ``nn.checking.submissions`` seeds
code: the same id, the same numbers) as a page and as Markdown, and writes the
teacher's key, ``answer_key.csv``: every quantity of every sheet with its
value. ``grade_answers`` grades the numbers the students typed (a CSV of
student, quantity, value; a quantity may be written in TeX), each against the
student's own key; a wrong number that equals what a catalogued mistake gives
is named as that mistake, as ``Exercise.check`` names it.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from autodiff.files import READ_LIMIT, atomic_write_text, read_at_most
from nn.checking.exercises import Exercise, exercise
from nn.checking.grading import Grade
from nn.checking.submissions import student_seed

KEY = "answer_key.csv"


def read_roster(path: str | os.PathLike[str]) -> list[str]:
    """The student ids of a roster: its ``student`` column (or its first, without a header)."""
    rows = _rows(path)
    if not rows:
        raise ValueError(f"{path}: no students: expected a column 'student' of ids")
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("student") if "student" in header else 0
    body = rows[1:] if "student" in header else rows
    students = [row[column].strip() for row in body if len(row) > column and row[column].strip()]
    _check_ids(students, path)
    return students


def _check_ids(students: Sequence[str], path: object) -> None:
    seen = set()
    for s in students:
        if s in seen:
            raise ValueError(f"{path}: student {s!r} is listed twice")
        if not s.replace("-", "").replace("_", "").replace(".", "").isalnum() or s.startswith("."):
            raise ValueError(f"{path}: student id {s!r}: ids name files, so use letters, digits, "
                             "'-', '_' and '.'")
        seen.add(s)


def sheet_exercise(student: str, sizes: Sequence[int] = (2, 2, 1)) -> Exercise:
    """The exercise on a student's sheet: ``nn.exercise`` seeded from their id."""
    return exercise(student_seed(student), sizes)


def write_sheets(students: Sequence[str], folder: str | os.PathLike[str],
                 sizes: Sequence[int] = (2, 2, 1)) -> list[Path]:
    """Each student's sheet, ``<student>.html`` and ``<student>.md``, and ``answer_key.csv``,
    into ``folder`` (made if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = io.StringIO()
    writer = csv.writer(key, lineterminator="\n")
    writer.writerow(["student", "quantity", "value"])
    written = []
    for student in students:
        ex = sheet_exercise(student, sizes)
        sheet = ex.sheet(level=None)  # graded afterwards: the page holds no key
        written += [sheet.save(folder / f"{student}.html"), sheet.save(folder / f"{student}.md")]
        for step in ex.solution().steps:
            writer.writerow([student, step.symbol, repr(step.value)])
    written.append(atomic_write_text(folder / KEY, key.getvalue()))
    return written


def read_answers_csv(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    """The typed answers of a CSV of student, quantity, value: {student: {quantity: value}}."""
    rows = _rows(path)
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if header[:3] != ["student", "quantity", "value"]:
        raise ValueError(f"{path}: expected the columns student, quantity, value; got "
                         f"{', '.join(header) or 'nothing'}")
    answers: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ValueError(f"{path}, line {line}: expected student, quantity, value")
        student, quantity, value = (cell.strip() for cell in row[:3])
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"{path}, line {line}: {value!r} is not a finite number")
        given = answers.setdefault(student, {})
        if quantity in given:
            raise ValueError(f"{path}, line {line}: {student}'s {quantity} is given twice")
        given[quantity] = number
    _check_ids(list(answers), path)
    return answers


def grade_answers(answers: Mapping[str, Mapping[str, float]],
                  sizes: Sequence[int] = (2, 2, 1)) -> list[Grade]:
    """Each student's typed numbers against their own sheet's key; a grade per student.

    The score is one point per quantity of the sheet answered right; a
    quantity left out scores nothing.
    """
    grades = []
    for student in sorted(answers):
        ex = sheet_exercise(student, sizes)
        most = len(ex.symbols())
        try:
            check = ex.check(dict(answers[student]))
        except (TypeError, ValueError) as error:
            grades.append(Grade(student, "answers", 0, most, "no answer", str(error)))
            continue
        score = sum(r.right for r in check.rows)
        grades.append(Grade(student, "answers", score, most, "checked", "", check))
    return grades


def _rows(path: str | os.PathLike[str]) -> list[list[str]]:
    """The CSV file's rows, read once and at most ``READ_LIMIT`` bytes of it."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no such file: {path}")
    raw = read_at_most(path, READ_LIMIT)
    if len(raw) > READ_LIMIT:
        raise ValueError(f"{path}: larger than {READ_LIMIT} bytes: not a class's CSV file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (UTF-8)") from None
    return [row for row in csv.reader(io.StringIO(text)) if row]
