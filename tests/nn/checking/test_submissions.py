"""nn.checking.submissions: a class's files, each student's seed and numbers (issue 22)."""

import json

import pytest

from nn import check_backprop, check_backprop_batch
from nn.checking.mistakes import MISTAKES
from nn.checking.submissions import (
    notebook_code,
    student_exercise,
    student_seed,
    submissions,
)

STUDENTS = ["ada", "bo", "cy", "di", "s1234567", "zoë"]


def test_the_seed_is_the_same_on_any_run_and_differs_between_students():
    # SHA-256's first four bytes: written here from the hash, not from the code
    assert student_seed("ada") == int("fdee430d", 16)
    assert len({student_seed(s) for s in STUDENTS}) == len(STUDENTS)


@pytest.mark.parametrize("sizes", [(2, 2, 2), (2, 3, 2), (3, 2, 2, 1)])
@pytest.mark.parametrize("student", STUDENTS)
def test_on_every_students_numbers_each_mistake_is_named_as_itself(student, sizes):
    # N(0, 1) weights: no two catalogued mistakes give the same numbers but by chance
    ex = student_exercise(student, sizes)
    for m in MISTAKES.values():
        if m.batch:
            xs, ys = ex.batch(3)
            result = check_backprop_batch(m.reference(batch=True), ex.net, xs, ys, m.cost)
        else:
            result = check_backprop(m.reference(), ex.net, ex.x, ex.y, m.cost)
        assert result.mistakes == (m.id,), (m.id, result.text())


def test_submissions_are_the_py_and_ipynb_files_by_stem(tmp_path):
    for name in ("bo.py", "ada.ipynb", "notes.txt", "data.csv"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub.py").mkdir()
    found = submissions(tmp_path)
    assert [(s.student, s.path.name, s.kind) for s in found] == [("ada", "ada.ipynb", "ipynb"),
                                                                  ("bo", "bo.py", "py")]
    (tmp_path / "bo.ipynb").write_text("")
    with pytest.raises(ValueError, match="bo.ipynb and bo.py are both bo's: keep one"):
        submissions(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        submissions(tmp_path / "missing")


def test_a_notebooks_code_cells_in_order_ipythons_own_lines_as_comments(tmp_path):
    cells = [{"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1"]},
             {"cell_type": "markdown", "source": "text"},
             {"cell_type": "code", "source": "!pip install numpy\ny = x + 1"}]
    path = tmp_path / "ada.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4}))
    code = notebook_code(path)
    scope: dict = {}
    exec(code, scope)
    assert scope["y"] == 2
    assert "# (IPython) %matplotlib inline" in code and "# cell 3" in code
    path.write_text("{not json")
    with pytest.raises(ValueError, match="ada.ipynb is not a Jupyter notebook"):
        notebook_code(path)
